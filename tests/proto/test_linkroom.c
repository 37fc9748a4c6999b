/*
 * link_data_room: the bound on stream data in the link by line time.  Named
 * cases of round trips and the limit they must give (the least round trip
 * beyond the frame's line time, over the current and the previous second),
 * then what counts against the limit: bytes queued and frames in flight, but
 * not frames the peer holds out of order; the room kept for control
 * messages; a link that is not up; a new session.
 */
#include <stdlib.h>

#include "check.h"
#include "link.h"
#include "link_int.h"
#include "linksim.h"
#include "proto.h"

#define BAUD LINK_BASE_BAUD
#define T0 1000000u
#define SAMPLE_LEN 100u

struct end {
	struct link link;
	uint8_t *mem;
	size_t got;
};

static void end_deliver(void *ctx, const uint8_t *data, size_t len)
{
	struct end *e = ctx;

	(void)data;
	e->got += len;
}

static void end_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	(void)ev;
}

static const struct link_ops end_ops = { end_deliver, end_event, NULL };

static void end_init(struct end *e, uint32_t boot_id, uint32_t tx_buffer)
{
	struct link_config cfg;

	link_config_default(&cfg);
	cfg.boot_id = boot_id;
	cfg.window = 8;
	cfg.tx_buffer = tx_buffer;
	free(e->mem);
	memset(e, 0, sizeof(*e));
	e->mem = malloc(link_mem_size(&cfg));
	CHECK(link_init(&e->link, &cfg, &end_ops, e, e->mem, link_mem_size(&cfg), 0));
}

static size_t end_pull(struct end *e, uint64_t now, uint8_t *buf, size_t cap)
{
	return linksim_take(&e->link, now, buf, cap);
}

static void pump(struct end *a, struct end *b, uint64_t now)
{
	linksim_exchange(&a->link, &b->link, now);
}

static uint32_t line_us(uint32_t bytes)
{
	return (uint32_t)((uint64_t)bytes * 10u * 1000000u / BAUD);
}

/* One frame of SAMPLE_LEN bytes from a to b at t, its acknowledgement back
 * extra_us after the frame's own line time. */
static void round_trip(struct end *a, struct end *b, uint64_t t, uint32_t extra_us)
{
	static uint8_t buf[8192], data[SAMPLE_LEN];
	uint64_t back;
	size_t n;

	CHECK_EQ(link_write(&a->link, data, sizeof(data)), sizeof(data));
	n = end_pull(a, t, buf, sizeof(buf));
	link_input(&b->link, t, buf, n);
	back = t + line_us((uint32_t)n) + extra_us;
	n = end_pull(b, back, buf, sizeof(buf));
	link_input(&a->link, back, buf, n);
	CHECK(link_drained(&a->link));
}

/* The limit for the least round trip base_us beyond the line time. */
static uint32_t limit_for(const struct end *a, uint32_t base_us)
{
	struct link_stats st;
	uint64_t limit;

	link_get_stats(&a->link, &st);
	limit = 2u * (st.payload + LINK_FRAME_OVERHEAD) + (uint64_t)(base_us + 3000u) * (BAUD / 10u) / 1000000u;
	return limit < LINK_DATA_ROOM_MIN ? LINK_DATA_ROOM_MIN : (uint32_t)limit;
}

struct sample {
	uint32_t at_ms;      /* after T0; 0 ends the list (the first is at 1) */
	uint32_t extra_us;
};

struct limit_case {
	const char *name;
	struct sample samples[6];
	bool none;           /* no base: the limit is the byte window */
	uint32_t base_us;
	bool floor;          /* the floor of one whole message applies */
};

static const struct limit_case limit_cases[] = {
	{ "no round trip yet: the byte window", { { 0, 0 } }, true, 0, false },
	{ "one round trip: two frames and its line time beyond them", { { 1, 200000 } }, false, 200000, false },
	{ "the least of several round trips counts", { { 1, 400000 }, { 500, 250000 }, { 900, 600000 } },
	  false, 250000, false },
	{ "a slower round trip in the next second does not raise it", { { 1, 200000 }, { 1100, 500000 } },
	  false, 200000, false },
	{ "two seconds later the old least one is forgotten",
	  { { 1, 200000 }, { 1100, 500000 }, { 2200, 450000 } }, false, 450000, false },
	{ "short round trips: never below one whole message", { { 1, 0 } }, false, 0, true },
};

static void test_limits(void)
{
	struct end a = { 0 }, b = { 0 };

	for (size_t i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]); i++) {
		const struct limit_case *c = &limit_cases[i];
		struct link_stats st;
		uint32_t want;

		check_case = c->name;
		end_init(&a, 1, 65536);
		end_init(&b, 2, 65536);
		pump(&a, &b, 0);
		CHECK(link_is_up(&a.link));
		for (const struct sample *s = c->samples; s->at_ms; s++)
			round_trip(&a, &b, T0 + s->at_ms * 1000ull, s->extra_us);
		link_get_stats(&a.link, &st);
		want = c->none ? 8u * 2048u : limit_for(&a, c->base_us);
		CHECK_EQ(st.limit, want);
		CHECK_EQ(link_data_room(&a.link), want);
		if (!c->none)
			CHECK_EQ(want == LINK_DATA_ROOM_MIN, c->floor);
	}
	free(a.mem);
	free(b.mem);
}

/* Two frames back to back: the second's round trip holds the first's line
 * time, which is the line's, not the peer's. */
static void test_frames_ahead(void)
{
	static uint8_t buf[8192], data[SAMPLE_LEN];
	struct end a = { 0 }, b = { 0 };
	struct link_stats st;
	size_t n, line = 0;
	uint64_t back;

	check_case = "the line time of frames ahead is not the peer's";
	end_init(&a, 1, 65536);
	end_init(&b, 2, 65536);
	pump(&a, &b, 0);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(link_write(&a.link, data, sizeof(data)), sizeof(data));
		n = end_pull(&a, T0, buf, sizeof(buf));
		line += n;
		link_input(&b.link, T0, buf, n);
	}
	back = T0 + line_us((uint32_t)line) + 250000u;
	n = end_pull(&b, back, buf, sizeof(buf));
	link_input(&a.link, back, buf, n);
	CHECK(link_drained(&a.link));
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.limit, limit_for(&a, 250000));
	free(a.mem);
	free(b.mem);
}

static void test_held(void)
{
	static uint8_t buf[65536], data[8192];
	struct end a = { 0 }, b = { 0 };
	size_t start[8], len[8], n, count = 0, at = 0;
	struct link_stats st;
	uint32_t limit, payload;

	check_case = "not up: no room for data";
	end_init(&a, 1, 65536);
	end_init(&b, 2, 65536);
	CHECK(!link_is_up(&a.link));
	CHECK_EQ(link_data_room(&a.link), 0);

	check_case = "bytes written and not yet framed count against the limit";
	pump(&a, &b, 0);
	round_trip(&a, &b, T0, 300000);
	limit = limit_for(&a, 300000);
	CHECK_EQ(link_data_room(&a.link), limit);
	CHECK_EQ(link_write(&a.link, data, 1000), 1000);
	CHECK_EQ(link_data_room(&a.link), limit - 1000);

	check_case = "written beyond the limit: no room until the peer has it";
	CHECK_EQ(link_write(&a.link, data, limit), limit);
	CHECK_EQ(link_data_room(&a.link), 0);
	CHECK(link_writable(&a.link) > LINK_CONTROL_ROOM);   /* control messages still go */
	pump(&a, &b, T0 + 2000000);
	pump(&a, &b, T0 + 2100000);
	CHECK(link_drained(&a.link));
	link_get_stats(&a.link, &st);              /* the pump's round trips took no time */
	CHECK_EQ(st.limit, limit_for(&a, 0));
	CHECK_EQ(link_data_room(&a.link), st.limit);

	check_case = "frames the peer holds out of order do not count, nor one the line lost";
	payload = st.payload;
	CHECK_EQ(link_write(&a.link, data, 3u * payload), 3u * payload);
	n = end_pull(&a, T0 + 2200000, buf, sizeof(buf));
	/* Split into frames (each ends with its delimiter); the first is lost. */
	while (at < n && buf[at] == 0)
		at++;
	for (size_t i = at; i < n && count < 8; i++) {
		if (buf[i] != 0)
			continue;
		start[count] = at;
		len[count++] = i + 1 - at;
		at = i + 1;
	}
	CHECK_EQ(count, 3);
	CHECK_EQ(link_data_room(&a.link), st.limit - 3u * payload);
	for (size_t i = 1; i < count; i++)
		link_input(&b.link, T0 + 2200000, buf + start[i], len[i]);
	n = end_pull(&b, T0 + 2200000, buf, sizeof(buf));    /* the SACK */
	link_input(&a.link, T0 + 2200000, buf, n);
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.in_flight, 3u * payload);
	/* The lost frame is repaired ahead of new bytes; new frames behind it
	 * are what shows whether its next copy arrived. */
	CHECK_EQ(link_data_room(&a.link), st.limit);

	check_case = "a frame under repair does not count until it is acknowledged";
	n = end_pull(&a, T0 + 2200000, buf, sizeof(buf));    /* the retransmission */
	CHECK(n >= payload);
	CHECK_EQ(link_data_room(&a.link), st.limit);
	link_input(&b.link, T0 + 2200000, buf, n);
	n = end_pull(&b, T0 + 2210000, buf, sizeof(buf));
	link_input(&a.link, T0 + 2210000, buf, n);
	CHECK(link_drained(&a.link));
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.in_flight, 0);
	CHECK_EQ(link_data_room(&a.link), st.limit);

	check_case = "a new session forgets the round trips";
	link_restart(&a.link, T0 + 3000000);
	pump(&a, &b, T0 + 3000000);
	pump(&a, &b, T0 + 3500000);
	CHECK(link_is_up(&a.link));
	link_get_stats(&a.link, &st);
	CHECK_EQ(st.limit, 8u * 2048u);

	check_case = "a buffer no larger than the control room leaves no data room";
	end_init(&a, 3, LINK_CONTROL_ROOM);
	end_init(&b, 4, 65536);
	pump(&a, &b, 0);
	CHECK(link_is_up(&a.link));
	CHECK_EQ(link_writable(&a.link), LINK_CONTROL_ROOM);
	CHECK_EQ(link_data_room(&a.link), 0);

	check_case = "the floor holds the largest DATA message";
	CHECK(LINK_DATA_ROOM_MIN >= PROTO_DATA_HDR + PROTO_DATA_MAX);
	free(a.mem);
	free(b.mem);
}

int main(void)
{
	test_limits();
	test_frames_ahead();
	test_held();
	return check_done("test_linkroom");
}
