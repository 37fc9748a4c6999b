/*
 * Reliable link: exact frames of the handshake and of data, recovery from
 * loss, stale and foreign frames, version and baud negotiation, and the
 * simulated wire under faults.
 */
#include <stdlib.h>

#include "check.h"
#include "crc32c.h"
#include "link.h"
#include "linksim.h"
#include "proto.h"
#include "wire.h"

/* One endpoint of an in-memory wire. */
struct end {
	struct link link;
	uint8_t *mem;
	uint8_t got[8192];
	size_t got_len;
	int ups, downs, versions, bauds;
	enum link_down_reason down_reason;
	bool rebooted, baud_ok;
	uint32_t baud;
};

static void end_deliver(void *ctx, const uint8_t *data, size_t len)
{
	struct end *e = ctx;

	if (e->got_len + len <= sizeof(e->got)) {
		memcpy(e->got + e->got_len, data, len);
		e->got_len += len;
	}
}

static void end_event(void *ctx, const struct link_event *ev)
{
	struct end *e = ctx;

	switch (ev->type) {
	case LINK_EV_UP:
		e->ups++;
		e->rebooted = ev->u.up.peer_rebooted;
		break;
	case LINK_EV_DOWN:
		e->downs++;
		e->down_reason = ev->u.down.reason;
		break;
	case LINK_EV_VERSION:
		e->versions++;
		break;
	case LINK_EV_BAUD:
		e->bauds++;
		e->baud_ok = ev->u.baud.ok;
		break;
	}
}

static void end_set_baud(void *ctx, uint32_t baud)
{
	struct end *e = ctx;

	e->baud = baud;
}

static const struct link_ops end_ops = { end_deliver, end_event, end_set_baud };

static void end_init(struct end *e, uint32_t boot_id, uint64_t now)
{
	struct link_config cfg;

	link_config_default(&cfg);
	cfg.boot_id = boot_id;
	cfg.window = 4;
	cfg.max_payload = 256;
	cfg.tx_buffer = 4096;
	free(e->mem);
	memset(e, 0, sizeof(*e));
	e->mem = malloc(link_mem_size(&cfg));
	e->baud = LINK_BASE_BAUD;
	CHECK(link_init(&e->link, &cfg, &end_ops, e, e->mem, link_mem_size(&cfg), now));
}

/* Pull one frame's worth of bytes (everything pending) from an endpoint. */
static size_t end_pull(struct end *e, uint64_t now, uint8_t *buf, size_t cap)
{
	return linksim_take(&e->link, now, buf, cap);
}

/* Exchange bytes until both sides are quiet. */
static void pump(struct end *a, struct end *b, uint64_t now)
{
	linksim_exchange(&a->link, &b->link, now);
}

/* Exchange bytes while time passes, so that timers fire. */
static uint64_t settle(struct end *a, struct end *b, uint64_t now)
{
	for (int i = 0; i < 100; i++, now += 10000)
		pump(a, b, now);
	return now;
}

/* Decode the first frame in bytes (a leading delimiter allowed). */
static size_t first_frame(const uint8_t *in, size_t n, uint8_t *body)
{
	uint8_t buf[512];
	struct frame_decoder d;

	frame_decoder_init(&d, buf, sizeof(buf));
	for (size_t at = 0; at < n;) {
		enum frame_status st;
		const uint8_t *b;
		size_t len = 0;

		at += frame_decoder_feed(&d, in + at, n - at, &st, &b, &len);
		if (st == FRAME_OK) {
			memcpy(body, b, len);
			return len;
		}
	}
	return 0;
}

static void test_handshake_bytes(void)
{
	struct end a = { 0 }, b = { 0 };
	uint8_t out[256], body[256], want[64];
	size_t n, blen, wlen;
	uint32_t a_nonce;

	check_case = "first HELLO on the wire";
	end_init(&a, 0x11111111, 0);
	end_init(&b, 0x22222222, 0);
	n = end_pull(&a, 0, out, sizeof(out));
	CHECK_EQ(out[0], 0); /* a delimiter flushes any line noise first */
	blen = first_frame(out, n, body);
	/* type HELLO, session 0, seq 0, ack 0; v1.0, boot id, nonce, no peer
	 * nonce, payload 256, window 4, max baud 2000000, flags 0 */
	wlen = check_hex("03 00000000 0000 0000 01 00 11111111", want, sizeof(want));
	CHECK_EQ(blen, LINK_HDR_LEN + 22);
	CHECK_MEM(body, want, wlen);
	CHECK_EQ(wire_get_u32(body + LINK_HDR_LEN + 10), 0);
	a_nonce = wire_get_u32(body + LINK_HDR_LEN + 6);
	CHECK(a_nonce != 0);
	CHECK_EQ(wire_get_u16(body + LINK_HDR_LEN + 14), 256);
	CHECK_EQ(body[LINK_HDR_LEN + 16], 4);
	CHECK_EQ(wire_get_u32(body + LINK_HDR_LEN + 17), 2000000);
	CHECK(!link_is_up(&a.link));
	CHECK_EQ(link_write(&a.link, "x", 1), 0);

	check_case = "three-way handshake";
	link_input(&b.link, 0, out, n);
	n = end_pull(&b, 0, out, sizeof(out));
	blen = first_frame(out, n, body);
	/* B answers with its nonce and echoes A's. */
	CHECK_EQ(wire_get_u32(body + LINK_HDR_LEN + 10), a_nonce);
	CHECK(!link_is_up(&b.link));
	link_input(&a.link, 0, out, n);
	CHECK(link_is_up(&a.link));
	CHECK_EQ(a.ups, 1);
	n = end_pull(&a, 0, out, sizeof(out));
	link_input(&b.link, 0, out, n);
	CHECK(link_is_up(&b.link));
	CHECK_EQ(b.ups, 1);
	CHECK(!a.rebooted && !b.rebooted);
	CHECK(link_session(&a.link) == link_session(&b.link) && link_session(&a.link) != 0);

	check_case = "a data frame";
	CHECK_EQ(link_write(&a.link, "hi", 2), 2);
	n = end_pull(&a, 1000, out, sizeof(out));
	blen = first_frame(out, n, body);
	CHECK_EQ(blen, LINK_HDR_LEN + 2);
	CHECK_EQ(body[0], 0x01);                      /* DATA, no SACK */
	CHECK_EQ(wire_get_u32(body + 1), link_session(&a.link));
	CHECK_EQ(wire_get_u16(body + 5), 0);          /* seq */
	CHECK_EQ(wire_get_u16(body + 7), 0);          /* next expected from B */
	CHECK_MEM(body + LINK_HDR_LEN, "hi", 2);
	link_input(&b.link, 1000, out, n);
	CHECK_EQ(b.got_len, 2);
	CHECK_MEM(b.got, "hi", 2);
	free(a.mem);
	free(b.mem);
}

static void test_loss_and_sack(void)
{
	struct end a = { 0 }, b = { 0 };
	uint8_t f1[512], f2[512], f3[512], body[512];
	size_t n1, n2, n3, blen;
	struct link_stats st;
	uint64_t t;

	check_case = "hole filled by retransmission after a SACK";
	end_init(&a, 1, 0);
	end_init(&b, 2, 0);
	pump(&a, &b, 0);
	CHECK(link_is_up(&a.link) && link_is_up(&b.link));
	link_write(&a.link, "one", 3);
	n1 = end_pull(&a, 10, f1, sizeof(f1));      /* lost on the wire */
	link_write(&a.link, "two", 3);
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.queued, 3);                      /* written, not framed yet */
	CHECK_EQ(st.in_flight, 3);
	CHECK_EQ(st.frames_in_flight, 1);
	n2 = end_pull(&a, 20, f2, sizeof(f2));
	(void)n1;
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.queued, 0);
	CHECK_EQ(st.in_flight, 6);
	CHECK_EQ(st.frames_in_flight, 2);
	link_input(&b.link, 30, f2, n2);
	CHECK_EQ(b.got_len, 0);                      /* held back: "one" is missing */
	n3 = end_pull(&b, 30, f3, sizeof(f3));       /* B's ack at once, with a SACK */
	blen = first_frame(f3, n3, body);
	CHECK_EQ(body[0], 0x12);                     /* ACK with SACK */
	CHECK_EQ(wire_get_u16(body + 7), 0);         /* still expects seq 0 */
	CHECK_EQ(wire_get_u32(body + LINK_HDR_LEN), 1); /* but holds seq 1 */
	CHECK_EQ(blen, LINK_HDR_LEN + LINK_SACK_LEN);
	link_input(&a.link, 40, f3, n3);
	n1 = end_pull(&a, 40, f1, sizeof(f1));       /* the retransmission */
	blen = first_frame(f1, n1, body);
	CHECK_EQ(wire_get_u16(body + 5), 0);
	CHECK_MEM(body + LINK_HDR_LEN, "one", 3);
	link_input(&b.link, 50, f1, n1);
	CHECK_EQ(b.got_len, 6);
	CHECK_MEM(b.got, "onetwo", 6);
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.retransmits, 1);
	n3 = end_pull(&b, 50, f3, sizeof(f3));       /* the hole is filled: ack at once */
	CHECK(n3 > 0);
	link_input(&a.link, 50, f3, n3);
	CHECK(link_drained(&a.link));
	link_get_stats(&a.link, &st);
	CHECK(st.queued == 0 && st.in_flight == 0 && st.frames_in_flight == 0);

	check_case = "a lost tail is resent by timer";
	link_write(&a.link, "tail", 4);
	end_pull(&a, 100, f1, sizeof(f1));           /* lost */
	CHECK(!link_drained(&a.link));
	CHECK(link_deadline(&a.link) > 100);
	t = link_deadline(&a.link);
	CHECK_EQ(end_pull(&a, t - 1, f1, sizeof(f1)), 0);
	n1 = end_pull(&a, t, f1, sizeof(f1));
	link_input(&b.link, t, f1, n1);
	CHECK_EQ(b.got_len, 10);
	CHECK_MEM(b.got + 6, "tail", 4);
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.timeouts, 1);

	check_case = "duplicates are dropped and re-acknowledged";
	end_pull(&b, t, f3, sizeof(f3));
	link_input(&b.link, t + 10, f1, n1);
	CHECK_EQ(b.got_len, 10);
	link_get_stats(&b.link, &st);
	CHECK_EQ(st.duplicates, 1);
	CHECK(link_pending(&b.link));
	free(a.mem);
	free(b.mem);
}

/* A frame with a valid CRC but foreign contents. */
static size_t craft(uint8_t *out, size_t cap, const char *hex)
{
	uint8_t body[128];
	size_t n = check_hex(hex, body, sizeof(body));

	out[0] = 0;
	return 1 + frame_encode(body, n, out + 1, cap - 1);
}

/* Split what an endpoint sent into its frames (each ends with its delimiter). */
static size_t split_frames(const uint8_t *buf, size_t n, size_t *start, size_t *len, size_t max)
{
	size_t count = 0, at = 0;

	while (at < n && buf[at] == 0)
		at++;
	for (size_t i = at; i < n && count < max; i++) {
		if (buf[i] != 0)
			continue;
		start[count] = at;
		len[count++] = i + 1 - at;
		at = i + 1;
	}
	return count;
}

/* A HELLO as an older peer sends it: without flag BYTES (CRC and COBS redone). */
static size_t strip_bytes_flag(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	uint8_t body[512];
	size_t blen = first_frame(in, n, body);

	CHECK_EQ(body[0] & 0x0f, 3);
	body[LINK_HDR_LEN + 21] &= (uint8_t)~0x02;
	return frame_encode(body, blen, out, cap);
}

static void test_byte_window(void)
{
	struct end a = { 0 }, b = { 0 };
	uint8_t buf[8192], data[2048];
	size_t start[32], len[32], n, count, na, nb;
	struct link_stats st;
	uint64_t t;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);

	check_case = "small frames: more than window of them within the byte window";
	end_init(&a, 1, 0);
	end_init(&b, 2, 0);
	pump(&a, &b, 0);
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.payload, 128);                   /* a new session starts at a quarter, floored */
	CHECK_EQ(link_write(&a.link, data, 1024), 1024);
	n = end_pull(&a, 10, buf, sizeof(buf));
	count = split_frames(buf, n, start, len, 32);
	CHECK_EQ(count, 8);                          /* window 4 frames of 256 = 1024 bytes */
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.frames_in_flight, 8);
	CHECK_EQ(st.in_flight, 1024);
	CHECK_EQ(link_write(&a.link, data, 1), 1);
	CHECK_EQ(end_pull(&a, 11, buf + n, sizeof(buf) - n), 0); /* the byte window is full */

	check_case = "frames out of order are held by their bytes";
	for (size_t i = 1; i < count; i++)           /* frame 0 is lost */
		link_input(&b.link, 20, buf + start[i], len[i]);
	CHECK_EQ(b.got_len, 0);
	nb = end_pull(&b, 20, buf, sizeof(buf));
	link_input(&a.link, 30, buf, nb);
	t = settle(&a, &b, 40);
	CHECK_EQ(b.got_len, 1025);
	CHECK_MEM(b.got, data, 1024);
	link_get_stats(&b.link, &st);
	CHECK_EQ(st.reorder_full, 0);
	CHECK(link_drained(&a.link));
	(void)t;

	check_case = "a sender beyond the byte window: what does not fit is dropped, then resent";
	end_init(&a, 3, 0);
	end_init(&b, 4, 0);
	pump(&a, &b, 0);
	a.link.bytes_max = 4096;                     /* broken: twice what B holds */
	CHECK_EQ(link_write(&a.link, data, 2048), 2048);
	n = end_pull(&a, 10, buf, sizeof(buf));
	count = split_frames(buf, n, start, len, 32);
	CHECK_EQ(count, 16);
	for (size_t i = 1; i < count; i++)
		link_input(&b.link, 20, buf + start[i], len[i]);
	link_get_stats(&b.link, &st);
	CHECK_EQ(st.reorder_full, 7);                /* 8 frames of 128 fill 1024 bytes */
	settle(&a, &b, 30);
	CHECK_EQ(b.got_len, 2048);
	CHECK_MEM(b.got, data, 2048);

	check_case = "a frame too long for the line now goes out in copies";
	end_init(&a, 7, 0);
	end_init(&b, 8, 0);
	pump(&a, &b, 0);
	a.link.payload = 256;                        /* cut while the line was clean */
	CHECK_EQ(link_write(&a.link, data, 256), 256);
	end_pull(&a, 10, buf, sizeof(buf));          /* lost */
	a.link.payload = 64;                         /* the line turned noisy: */
	a.link.len_fp = (64 + 16) << 16;             /* half of the 80-byte frames are lost */
	a.link.loss_fp = 32768;
	t = link_deadline(&a.link);
	n = end_pull(&a, t, buf, sizeof(buf));
	count = split_frames(buf, n, start, len, 32);
	CHECK_EQ(count, 8);                          /* 7/8 of the 256-byte ones: the most copies */
	for (size_t i = 1; i < count; i++)
		CHECK(len[i] == len[0] && memcmp(buf + start[i], buf + start[0], len[0]) == 0);
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.retransmits, 8);
	for (size_t i = 0; i < count; i++)
		link_input(&b.link, t, buf + start[i], len[i]);
	CHECK_EQ(b.got_len, 256);
	link_get_stats(&b.link, &st);
	CHECK_EQ(st.duplicates, 7);

	check_case = "a peer without BYTES: at most window frames";
	end_init(&a, 5, 0);
	end_init(&b, 6, 0);
	na = end_pull(&a, 0, buf, sizeof(buf));
	link_input(&b.link, 0, buf, na);
	nb = end_pull(&b, 0, buf, sizeof(buf));
	n = strip_bytes_flag(buf, nb, buf + 4096, 4096);
	link_input(&a.link, 0, buf + 4096, n);
	pump(&a, &b, 0);
	CHECK(link_is_up(&a.link) && link_is_up(&b.link));
	CHECK_EQ(link_write(&a.link, data, 1024), 1024);
	n = end_pull(&a, 10, buf, sizeof(buf));
	CHECK_EQ(split_frames(buf, n, start, len, 32), 4);
	free(a.mem);
	free(b.mem);
}

static void test_foreign_frames(void)
{
	struct end a = { 0 }, b = { 0 };
	uint8_t buf[256];
	size_t n;
	struct link_stats st;
	char hex[128];

	end_init(&a, 1, 0);
	end_init(&b, 2, 0);
	pump(&a, &b, 0);

	check_case = "stale session id";
	snprintf(hex, sizeof(hex), "01 %08x 0000 0000 41 42 43", link_session(&b.link) ^ 1);
	n = craft(buf, sizeof(buf), hex);
	link_input(&b.link, 10, buf, n);
	link_get_stats(&b.link, &st);
	CHECK_EQ(st.stale, 1);
	CHECK_EQ(b.got_len, 0);
	CHECK(link_is_up(&b.link));

	check_case = "right session, sequence far ahead";
	snprintf(hex, sizeof(hex), "01 %08x 0100 0000 41 42 43", link_session(&b.link));
	n = craft(buf, sizeof(buf), hex);
	link_input(&b.link, 20, buf, n);
	CHECK_EQ(b.got_len, 0);

	check_case = "unknown frame type";
	snprintf(hex, sizeof(hex), "0e %08x 0000 0000", link_session(&b.link));
	n = craft(buf, sizeof(buf), hex);
	link_input(&b.link, 30, buf, n);
	CHECK(link_is_up(&b.link));
	CHECK_EQ(b.got_len, 0);

	check_case = "runt link frame";
	n = craft(buf, sizeof(buf), "01 0000");
	link_input(&b.link, 40, buf, n);
	link_get_stats(&b.link, &st);
	CHECK(st.runts >= 1);

	check_case = "ack for frames never sent is ignored";
	snprintf(hex, sizeof(hex), "02 %08x 0000 0500", link_session(&b.link));
	n = craft(buf, sizeof(buf), hex);
	link_input(&b.link, 50, buf, n);
	CHECK(link_is_up(&b.link));
	CHECK(link_drained(&b.link));

	check_case = "incompatible major version";
	n = craft(buf, sizeof(buf), "03 00000000 0000 0000 02 00 00000009 12345678 00000000 0100 04 001c2000 00");
	link_input(&b.link, 60, buf, n);
	CHECK_EQ(b.versions, 1);
	CHECK(!link_is_up(&b.link));

	check_case = "garbage between frames changes nothing";
	pump(&a, &b, 100);
	CHECK(link_is_up(&a.link) && link_is_up(&b.link));
	memset(buf, 0x55, sizeof(buf));
	link_input(&b.link, 110, buf, sizeof(buf));
	link_write(&a.link, "ok", 2);
	settle(&a, &b, 120);
	CHECK_EQ(b.got_len, 2);
	free(a.mem);
	free(b.mem);
}

static void test_session_end(void)
{
	struct end a = { 0 }, b = { 0 };
	uint8_t old[512];
	size_t n;

	end_init(&a, 1, 0);
	end_init(&b, 2, 0);
	pump(&a, &b, 0);

	check_case = "peer restart is reported, old frames are refused";
	link_write(&a.link, "before", 6);
	n = end_pull(&a, 10, old, sizeof(old));      /* never arrives before the reset */
	end_init(&b, 3, 20);                          /* B reboots */
	pump(&a, &b, 20);
	CHECK_EQ(a.downs, 1);
	CHECK_EQ(a.down_reason, LINK_DOWN_PEER_RESET);
	CHECK_EQ(a.ups, 2);
	CHECK(a.rebooted);
	CHECK(link_is_up(&b.link));
	link_input(&b.link, 30, old, n);              /* a frame from the old session */
	CHECK_EQ(b.got_len, 0);
	CHECK(link_writable(&a.link) == 4096);        /* nothing left from before */

	check_case = "silence takes the link down";
	link_output(&a.link, 20 + 3999000, old, 0);
	CHECK(link_is_up(&a.link));
	link_output(&a.link, 20 + 4000000, old, 0);
	CHECK(!link_is_up(&a.link));
	CHECK_EQ(a.down_reason, LINK_DOWN_TIMEOUT);
	pump(&a, &b, 5000000);
	CHECK(link_is_up(&a.link) && link_is_up(&b.link));
	CHECK(!a.rebooted);                           /* same board, new session */

	check_case = "goodbye";
	link_close(&a.link, 5000100);
	pump(&a, &b, 5000100);
	CHECK_EQ(b.down_reason, LINK_DOWN_PEER_CLOSED);
	free(a.mem);
	free(b.mem);
}

static void test_baud(void)
{
	struct end a = { 0 }, b = { 0 };
	uint8_t buf[256];
	uint64_t t = 0;

	end_init(&a, 1, 0);
	end_init(&b, 2, 0);
	pump(&a, &b, 0);

	check_case = "rate change agreed and verified";
	CHECK(!link_request_baud(&a.link, 3000000));  /* above both maxima */
	CHECK(link_request_baud(&a.link, 921600));
	CHECK(!link_request_baud(&a.link, 921600));   /* one at a time */
	for (int i = 0; i < 20 && a.bauds == 0; i++, t += 1000)
		pump(&a, &b, t);
	CHECK_EQ(a.bauds, 1);
	CHECK(a.baud_ok);
	CHECK_EQ(a.baud, 921600);
	CHECK_EQ(b.baud, 921600);
	CHECK_EQ(link_baud(&b.link), 921600);

	check_case = "rate falls back when the new one does not work";
	CHECK(link_request_baud(&a.link, 2000000));
	a.bauds = b.bauds = 0;
	/* Deliver until both switched, then lose everything. */
	for (int i = 0; i < 20 && !(a.baud == 2000000 && b.baud == 2000000); i++, t += 1000)
		pump(&a, &b, t);
	for (int i = 0; i < 400 && (a.bauds == 0 || b.bauds == 0); i++, t += 5000) {
		end_pull(&a, t, buf, sizeof(buf));
		end_pull(&b, t, buf, sizeof(buf));
	}
	CHECK_EQ(a.bauds, 1);
	CHECK(!a.baud_ok);
	CHECK_EQ(a.baud, 921600);
	CHECK_EQ(b.baud, 921600);
	pump(&a, &b, t);
	CHECK(link_is_up(&a.link) && link_is_up(&b.link));

	check_case = "link down returns to the base rate";
	link_restart(&a.link, t);
	CHECK_EQ(a.baud, LINK_BASE_BAUD);
	free(a.mem);
	free(b.mem);
}

static void test_config(void)
{
	struct link_config cfg;
	struct link l;
	uint8_t mem[1];

	check_case = "bad configurations are refused";
	link_config_default(&cfg);
	cfg.window = 3;
	CHECK(!link_init(&l, &cfg, &end_ops, NULL, mem, sizeof(mem), 0));
	link_config_default(&cfg);
	CHECK(!link_init(&l, &cfg, &end_ops, NULL, mem, sizeof(mem), 0)); /* too little memory */
	cfg.max_payload = 8000;
	CHECK(!link_init(&l, &cfg, &end_ops, NULL, mem, sizeof(mem), 0));
}

struct sim_case {
	const char *name;
	uint32_t baud;
	uint64_t bytes;
	double ber, drop;
	uint32_t garbage;
	double reset_at;
	uint32_t peer_max, broken;
	double min_goodput;
	uint32_t expect_baud;
	uint32_t tx_queue;
	uint32_t window, latency_us;
	double noise_from;
};

static const struct sim_case sims[] = {
	{ "clean wire", 2000000, 1 << 20, 0, 0, 0, 0, 0, 0, 0.95, 2000000, 0, 0, 0, 0 },
	{ "noisy wire", 921600, 1 << 20, 1e-5, 1e-4, 0, 0, 0, 0, 0.80, 921600, 0, 0, 0, 0 },
	{ "very noisy wire", 921600, 256 << 10, 1e-4, 0, 0, 0, 0, 0, 0.50, 921600, 0, 0, 0, 0 },
	/* The writer keeps to the link's bound: an acknowledgement a burst hits
	 * leaves no later frame to reveal it, and costs a timeout (5-8 here). */
	{ "garbage bursts", 921600, 512 << 10, 0, 0, 8, 0, 0, 0, 0.85, 921600, 0, 0, 0, 0 },
	{ "peer reset mid-stream", 921600, 256 << 10, 0, 0, 0, 0.5, 0, 0, 0, 921600, 0, 0, 0, 0 },
	{ "slower peer", 2000000, 256 << 10, 0, 0, 0, 0, 921600, 0, 0.40, 921600, 0, 0, 0, 0 },
	{ "rate the cable cannot carry", 2000000, 64 << 10, 0, 0, 0, 0, 0, 2000000, 0, 115200, 0, 0, 0, 0 },
	/* Acks wait behind 40 ms of queued frames: the timeout must learn that. */
	{ "deep transmit queues", 2000000, 2 << 20, 0, 0, 0, 0, 0, 0, 0.90, 2000000, 8192, 0, 0, 0 },
	/* The board's window and queues; the line turns noisy under full-size frames in flight. */
	{ "noise from mid-stream", 2000000, 1 << 20, 1e-4, 0, 0, 0, 0, 0, 0.65, 2000000, 800, 8, 1000, 0.3 },
};

/*
 * The line turns noisy with full-size frames in flight while the writer keeps
 * to the link's bound, as k210sockd and the firmware do: the repair of those
 * frames must not hold new bytes back, or the sender learns of their next
 * loss only by its doubling timer (down to 0.24 of the wire in some seeds).
 */
static void test_noise_onset(void)
{
	check_case = "noise onset under the writer's bound";
	for (uint64_t seed = 1; seed <= 12; seed++) {
		struct linksim_params p;
		struct linksim_result r;

		linksim_defaults(&p);
		p.baud = 2000000;
		p.bytes = 1 << 20;
		p.ber = 1e-4;
		p.noise_from = 0.5;
		p.seed = seed;
		CHECK(linksim_run(&p, &r));
		CHECK(r.completed);
		CHECK_EQ(r.lost, 0);
		CHECK_EQ(r.corrupted, 0);
		CHECK(r.goodput_ratio[0] >= 0.70 && r.goodput_ratio[1] >= 0.70);
		if (check_failures)
			fprintf(stderr, "  seed %llu: goodput %.3f/%.3f, %llu timeouts\n",
				(unsigned long long)seed, r.goodput_ratio[0], r.goodput_ratio[1],
				(unsigned long long)r.timeouts);
	}
}

static void test_simulated(void)
{
	for (size_t i = 0; i < sizeof(sims) / sizeof(sims[0]); i++) {
		const struct sim_case *c = &sims[i];
		struct linksim_params p;
		struct linksim_result r;

		check_case = c->name;
		linksim_defaults(&p);
		p.baud = c->baud;
		p.bytes = c->bytes;
		p.ber = c->ber;
		p.drop = c->drop;
		p.garbage_bursts = c->garbage;
		p.reset_at = c->reset_at;
		p.max_baud_b = c->peer_max;
		p.broken_baud = c->broken;
		if (c->tx_queue)
			p.tx_queue = c->tx_queue;
		if (c->window)
			p.window = c->window;
		if (c->latency_us)
			p.latency_us = c->latency_us;
		p.noise_from = c->noise_from;
		p.seed = 7 + i;
		CHECK(linksim_run(&p, &r));
		CHECK(r.completed);
		CHECK_EQ(r.lost, 0);
		CHECK_EQ(r.corrupted, 0);
		CHECK_EQ(r.final_baud, c->expect_baud);
		CHECK(r.goodput_ratio[0] >= c->min_goodput && r.goodput_ratio[1] >= c->min_goodput);
		if (c->reset_at > 0) {
			CHECK_EQ(r.ups, 2);
			CHECK(r.peer_rebooted_seen);
			CHECK_EQ(r.downs_timeout + r.downs_reset, 1);
		}
		if (c->broken) {
			CHECK(r.baud_failures >= 1);
		}
		if (c->tx_queue > 1000) {
			CHECK(r.timeouts < 64);
		}
		if (check_failures)
			fprintf(stderr, "  %s: goodput %.3f/%.3f baud %u lost %llu corrupted %llu\n",
				c->name, r.goodput_ratio[0], r.goodput_ratio[1], r.final_baud,
				(unsigned long long)r.lost, (unsigned long long)r.corrupted);
	}
}


/* The worked examples of PROTOCOL.md §6, byte for byte. */
static const char *const doc_host_hello =
	"00 02 03 01 01 01 01 01 01 01 02 01 09 0a 0b 0c 0d 4a 40 22 07 01 01 01 02 08 02 20 09 1e 84 80 02 b2 40 c7 a9 00";
static const char *const doc_board_hello =
	"00 02 03 01 01 01 01 01 01 01 02 01 0e 01 02 03 04 c9 34 6d 9e 4a 40 22 07 08 02 20 09 1e 84 80 02 9f 9e 46 0f 00";
static const char *const doc_host_hello2 =
	"02 03 01 01 01 01 01 01 01 02 01 0e 0a 0b 0c 0d 4a 40 22 07 c9 34 6d 9e 08 02 20 09 1e 84 80 03 37 58 e4 e4 00";
static const char *const doc_data0 = "00 06 01 88 60 f4 11 01 01 01 02 02 02 02 06 01 40 c5 3e 51 00";
static const char *const doc_data1 =
	"06 01 88 60 f4 11 02 01 01 02 08 02 0e 12 02 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 82 41 a4 78 00";
static const char *const doc_sack = "00 06 12 88 60 f4 11 01 01 01 01 01 01 06 01 d5 5a 47 73 00";
static const char *const doc_retransmit = "06 01 88 60 f4 11 01 01 01 02 02 02 02 06 01 40 c5 3e 51 00";
static const char *const doc_ack = "06 02 88 60 f4 11 01 01 06 02 d4 ab 27 ca 00";

static void doc_init(struct end *e, uint32_t boot)
{
	struct link_config cfg;

	link_config_default(&cfg);
	cfg.boot_id = boot;
	memset(e, 0, sizeof(*e));
	e->mem = malloc(link_mem_size(&cfg));
	CHECK(link_init(&e->link, &cfg, &end_ops, e, e->mem, link_mem_size(&cfg), 0));
}

/* Pull what end e sends at time t; it must be exactly the documented bytes. */
static void doc_expect(struct end *e, uint64_t t, const char *hex, uint8_t *out, size_t *n)
{
	uint8_t want[128];
	size_t wlen = check_hex(hex, want, sizeof(want));

	*n = end_pull(e, t, out, 4096);
	CHECK_EQ(*n, wlen);
	CHECK_MEM(out, want, wlen);
	if (*n != wlen || memcmp(out, want, wlen)) {
		check_dump("got", out, *n);
		check_dump("want", want, wlen);
	}
}

static void test_documented_examples(void)
{
	struct end host, board;
	uint8_t buf[4096];
	size_t n;

	check_case = "PROTOCOL.md worked examples";
	doc_init(&host, 0x0a0b0c0d);
	doc_init(&board, 0x01020304);
	doc_expect(&host, 0, doc_host_hello, buf, &n);
	link_input(&board.link, 0, buf, n);
	doc_expect(&board, 0, doc_board_hello, buf, &n);
	link_input(&host.link, 0, buf, n);
	doc_expect(&host, 0, doc_host_hello2, buf, &n);
	link_input(&board.link, 0, buf, n);
	CHECK(link_is_up(&host.link) && link_is_up(&board.link));
	CHECK_EQ(link_session(&host.link), 0x8860f411);
	CHECK_EQ(end_pull(&board, 0, buf, sizeof(buf)), 0);   /* nothing more to say */

	link_write(&host.link, "\x02\x00\x02\x00\x01", 5);
	doc_expect(&host, 100000, doc_data0, buf, &n);         /* lost */
	link_write(&host.link, "\x08\x00\x0e\x00\x02\x0b" "example.com", 17);
	doc_expect(&host, 101000, doc_data1, buf, &n);
	link_input(&board.link, 101000, buf, n);
	doc_expect(&board, 101500, doc_sack, buf, &n);
	link_input(&host.link, 102000, buf, n);
	doc_expect(&host, 102000, doc_retransmit, buf, &n);
	link_input(&board.link, 102500, buf, n);
	CHECK_EQ(board.got_len, 22);
	doc_expect(&board, 103000, doc_ack, buf, &n);
	link_input(&host.link, 103000, buf, n);
	CHECK(link_drained(&host.link));
	free(host.mem);
	free(board.mem);
}

int main(void)
{
	test_documented_examples();
	test_handshake_bytes();
	test_loss_and_sack();
	test_byte_window();
	test_foreign_frames();
	test_session_end();
	test_baud();
	test_config();
	test_simulated();
	test_noise_onset();
	return check_done("test_link");
}
