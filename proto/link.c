#include <string.h>

#include "link_int.h"
#include "proto.h"
#include "wire.h"

#define LINK_IDLE_DELIM_US 10000u

static size_t link_body_max(const struct link_config *cfg)
{
	size_t payload = cfg->max_payload > LINK_HELLO_LEN ? cfg->max_payload : LINK_HELLO_LEN;

	return LINK_HDR_LEN + LINK_SACK_LEN + payload;
}

void link_config_default(struct link_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_baud = 2000000;
	cfg->max_payload = 2048;
	cfg->min_payload = 128;
	cfg->window = 32;
	cfg->tx_buffer = 65536;
	cfg->hello_ms = 250;
	cfg->keepalive_ms = 1000;
	cfg->dead_ms = 4000;
	cfg->baud_verify_ms = 400;
}

static bool link_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static bool link_config_valid(const struct link_config *cfg)
{
	return cfg->max_payload >= LINK_PAYLOAD_MIN && cfg->max_payload <= LINK_PAYLOAD_MAX &&
	       cfg->min_payload >= LINK_PAYLOAD_MIN && cfg->min_payload <= cfg->max_payload &&
	       link_pow2(cfg->window) && cfg->window <= LINK_WINDOW_MAX &&
	       link_pow2(cfg->tx_buffer) && cfg->tx_buffer >= cfg->max_payload &&
	       cfg->tx_buffer <= 1u << 30 &&
	       cfg->max_baud >= LINK_BASE_BAUD && cfg->hello_ms && cfg->keepalive_ms &&
	       cfg->dead_ms > cfg->keepalive_ms && cfg->baud_verify_ms;
}

size_t link_mem_size(const struct link_config *cfg)
{
	size_t body = link_body_max(cfg);

	return cfg->tx_buffer +                          /* outgoing stream */
	       (size_t)cfg->window * cfg->max_payload +   /* reorder slots */
	       body + FRAME_CRC_LEN +                     /* decoder */
	       body +                                     /* scratch */
	       1 + FRAME_ENCODED_MAX(body);               /* encoded frame */
}

void link_emit(struct link *l, const struct link_event *ev)
{
	if (l->ops.event)
		l->ops.event(l->ctx, ev);
}

static void link_set_baud(struct link *l, uint32_t baud)
{
	l->baud = baud;
	l->st.baud = baud;
	l->line_rem = 0;
	/* Round trips at another rate say nothing of this one. */
	l->base_cur_us = l->base_prev_us = UINT32_MAX;
	l->base_since_us = l->now_us;
	frame_decoder_reset(&l->dec);
	if (l->ops.set_baud)
		l->ops.set_baud(l->ctx, baud);
}

/* A 32-bit finaliser: every input bit affects every output bit, non-linearly. */
static uint32_t link_mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

/*
 * The session id both sides derive from the two nonces.  Not a linear
 * combination: with one, two new nonces could reproduce an old session id
 * and let that session's frames in.
 */
static uint32_t link_session_id(uint32_t a, uint32_t b)
{
	uint32_t lo = a < b ? a : b, hi = a < b ? b : a;

	return link_mix(link_mix(lo) + hi);
}

/* Forget every trace of the current session. */
static void link_clear_session(struct link *l)
{
	l->acked_off = l->sent_off = l->write_off = 0;
	l->snd_una = l->snd_nxt = 0;
	l->rcv_nxt = 0;
	l->rxheld = 0;
	l->rxpool_head = l->rxpool_tail = 0;
	l->unacked = 0;
	l->ack_due_us = 0;
	l->pending_ctl = 0;
	l->baud_state = BAUD_IDLE;
	l->loss_fp = 0;
	l->len_fp = 0;
	l->srtt_us = 0;
	l->rttvar_us = 0;
	l->rto_us = 0;
	l->rto_backoff = 0;
	l->base_cur_us = l->base_prev_us = UINT32_MAX;
	l->base_since_us = l->now_us;
	l->line_free_us = 0;
	l->line_rem = 0;
	memset(l->tx, 0, sizeof(l->tx));
	/* A fresh nonce for every attempt keeps old frames out of the next session. */
	l->nonce = link_mix(l->cfg.boot_id + link_mix(++l->attempts));
	if (l->nonce == 0)
		l->nonce = 1;
	l->peer_nonce = 0;
	l->session = 0;
}

static void link_go_down(struct link *l, enum link_down_reason reason)
{
	struct link_event ev = { .type = LINK_EV_DOWN, .u.down.reason = reason };
	bool was_up = l->state != LINK_S_DOWN;

	l->state = LINK_S_DOWN;
	link_clear_session(l);
	l->hello_due_us = l->now_us;
	l->baud_switch_to = l->baud != LINK_BASE_BAUD ? LINK_BASE_BAUD : 0;
	if (was_up)
		link_emit(l, &ev);
}

bool link_init(struct link *l, const struct link_config *cfg, const struct link_ops *ops,
	       void *ctx, void *mem, size_t memlen, uint64_t now_us)
{
	uint8_t *p = mem;
	size_t body;

	memset(l, 0, sizeof(*l));
	if (!link_config_valid(cfg) || memlen < link_mem_size(cfg))
		return false;
	l->cfg = *cfg;
	l->ops = *ops;
	l->ctx = ctx;
	body = link_body_max(cfg);
	l->ring = p;
	p += cfg->tx_buffer;
	l->rxpool = p;
	l->rxpool_size = (uint32_t)cfg->window * cfg->max_payload;
	p += l->rxpool_size;
	frame_decoder_init(&l->dec, p, body + FRAME_CRC_LEN);
	p += body + FRAME_CRC_LEN;
	l->scratch = p;
	p += body;
	l->txframe = p;
	l->baud = LINK_BASE_BAUD;
	l->st.baud = LINK_BASE_BAUD;
	l->now_us = now_us;
	l->last_rx_us = l->last_tx_us = now_us;
	l->need_delim = true;
	l->state = LINK_S_DOWN;
	link_clear_session(l);
	l->hello_due_us = now_us;
	return true;
}

/* Longest a frame can take to cross the wire at the current rate. */
uint32_t link_frame_time_us(const struct link *l)
{
	uint64_t bytes = FRAME_ENCODED_MAX(LINK_HDR_LEN + LINK_SACK_LEN + l->payload_max);

	return (uint32_t)(bytes * 10u * 1000000u / l->baud);
}

/* Line time of n bytes. */
static uint64_t link_line_us(const struct link *l, size_t n)
{
	return l->baud ? (uint64_t)n * 10u * 1000000u / l->baud : 0;
}

/* When the line will be free of bytes handed out so far. */
static uint64_t link_line_free(const struct link *l)
{
	return l->line_free_us > l->now_us ? l->line_free_us : l->now_us;
}

/* n more bytes handed out, the line idle from now if it was already. */
static void link_line_take(struct link *l, size_t n)
{
	uint64_t t;

	if (l->baud == 0)
		return;
	if (l->line_free_us < l->now_us) {
		l->line_free_us = l->now_us;
		l->line_rem = 0;
	}
	t = (uint64_t)n * 10u * 1000000u + l->line_rem;
	l->line_free_us += t / l->baud;
	l->line_rem = (uint32_t)(t % l->baud);
}

void link_send_ctl(struct link *l, unsigned ctl)
{
	l->pending_ctl |= (uint8_t)ctl;
}

static void link_go_up(struct link *l)
{
	struct link_event ev = { .type = LINK_EV_UP };

	l->state = LINK_S_UP;
	l->session = link_session_id(l->nonce, l->peer_nonce);
	link_arq_prior(l);
	l->last_rx_us = l->last_tx_us = l->now_us;
	l->st.sessions++;
	ev.u.up.peer_boot_id = l->peer_boot_id;
	ev.u.up.peer_rebooted = l->have_last_peer && l->last_peer_boot_id != l->peer_boot_id;
	ev.u.up.payload = l->payload_max;
	ev.u.up.window = l->window;
	ev.u.up.peer_max_baud = l->peer_max_baud;
	l->last_peer_boot_id = l->peer_boot_id;
	l->have_last_peer = true;
	link_emit(l, &ev);
}

static void link_take_hello(struct link *l, const uint8_t *b, size_t len)
{
	uint32_t boot, nonce, echo, baud;
	uint16_t payload;
	uint8_t window, flags;

	if (len < LINK_HELLO_LEN) {
		l->st.runts++;
		return;
	}
	if (b[0] != PROTO_VERSION_MAJOR) {
		struct link_event ev = { .type = LINK_EV_VERSION };

		ev.u.version.major = b[0];
		ev.u.version.minor = b[1];
		if (l->state != LINK_S_DOWN)
			link_go_down(l, LINK_DOWN_PEER_RESET);
		link_emit(l, &ev);
		return;
	}
	boot = wire_get_u32(b + 2);
	nonce = wire_get_u32(b + 6);
	echo = wire_get_u32(b + 10);
	payload = wire_get_u16(b + 14);
	window = b[16];
	baud = wire_get_u32(b + 17);
	flags = b[21];
	if (nonce == 0 || payload < LINK_PAYLOAD_MIN || window == 0) {
		l->st.runts++;
		return;
	}
	if (l->state == LINK_S_UP) {
		if (nonce == l->peer_nonce) {
			/* The peer has not seen our last HELLO yet. */
			if (echo != l->nonce)
				link_send_ctl(l, CTL_HELLO);
			return;
		}
		link_go_down(l, LINK_DOWN_PEER_RESET);
	}
	if (l->state != LINK_S_DOWN)
		return;
	l->peer_nonce = nonce;
	l->peer_boot_id = boot;
	l->peer_max_baud = baud;
	l->payload_max = payload < l->cfg.max_payload ? payload : l->cfg.max_payload;
	l->window = l->cfg.window;
	while (l->window > window)
		l->window >>= 1;
	l->bytes_max = (uint32_t)l->window * l->payload_max;
	/* Small frames may be many when the peer, like us, holds them by bytes. */
	l->frames_max = flags & LINK_HELLO_BYTES ? LINK_WINDOW_MAX : l->window;
	/* Answer unless the peer already holds the session. */
	if (echo != l->nonce || !(flags & LINK_HELLO_UP))
		link_send_ctl(l, CTL_HELLO);
	if (echo == l->nonce)
		link_go_up(l);
}

static void link_take_frame(struct link *l, const uint8_t *f, size_t len)
{
	uint8_t type, flags;
	uint16_t seq, ack;
	uint32_t sack = 0;
	size_t hdr = LINK_HDR_LEN;

	if (len < LINK_HDR_LEN) {
		l->st.runts++;
		return;
	}
	type = f[0] & 0x0f;
	flags = f[0] & 0xf0;
	if (type == LINK_T_HELLO) {
		l->st.frames_rx++;
		link_take_hello(l, f + LINK_HDR_LEN, len - LINK_HDR_LEN);
		return;
	}
	if (l->state != LINK_S_UP || wire_get_u32(f + 1) != l->session) {
		l->st.stale++;
		return;
	}
	seq = wire_get_u16(f + 5);
	ack = wire_get_u16(f + 7);
	if (flags & LINK_F_SACK) {
		if (len < LINK_HDR_LEN + LINK_SACK_LEN) {
			l->st.runts++;
			return;
		}
		sack = wire_get_u32(f + LINK_HDR_LEN);
		hdr += LINK_SACK_LEN;
	}
	l->st.frames_rx++;
	l->last_rx_us = l->now_us;
	/* Data flows only after COMMIT, so data at the new rate stands for a lost COMMIT. */
	if (l->baud_state == BAUD_VERIFYING && l->baud == l->baud_new && type == LINK_T_DATA)
		link_baud_finish(l, true);
	link_arq_take_ack(l, ack, sack, flags & LINK_F_SACK);
	switch (type) {
	case LINK_T_DATA:
		link_arq_take_data(l, seq, f + hdr, len - hdr);
		break;
	case LINK_T_ACK:
		break;
	case LINK_T_BAUD:
		link_baud_take(l, f + hdr, len - hdr);
		break;
	case LINK_T_CLOSE:
		link_go_down(l, LINK_DOWN_PEER_CLOSED);
		break;
	default:
		l->st.runts++;
		break;
	}
}

void link_input(struct link *l, uint64_t now_us, const uint8_t *in, size_t n)
{
	l->now_us = now_us;
	l->st.bytes_rx += n;
	while (n > 0) {
		enum frame_status st;
		const uint8_t *body;
		size_t len = 0;
		size_t used = frame_decoder_feed(&l->dec, in, n, &st, &body, &len);

		in += used;
		n -= used;
		switch (st) {
		case FRAME_OK:
			link_take_frame(l, body, len);
			break;
		case FRAME_ECRC:
			l->st.crc_errors++;
			break;
		case FRAME_ECOBS:
			l->st.cobs_errors++;
			break;
		case FRAME_ERUNT:
			l->st.runts++;
			break;
		case FRAME_EOVERSIZE:
			l->st.oversize++;
			break;
		case FRAME_NEED_MORE:
		case FRAME_EMPTY:
			break;
		}
	}
}

size_t link_header(struct link *l, uint8_t type, uint16_t seq)
{
	uint8_t *b = l->scratch;
	size_t hdr = LINK_HDR_LEN;

	b[0] = type;
	wire_put_u32(b + 1, type == LINK_T_HELLO ? 0 : l->session);
	wire_put_u16(b + 5, seq);
	wire_put_u16(b + 7, type == LINK_T_HELLO ? 0 : l->rcv_nxt);
	if (type != LINK_T_HELLO && l->rxheld) {
		b[0] |= LINK_F_SACK;
		wire_put_u32(b + LINK_HDR_LEN, l->rxheld);
		hdr += LINK_SACK_LEN;
	}
	if (type != LINK_T_HELLO) {
		/* Every session frame carries the ack, so none is owed now. */
		l->pending_ctl &= (uint8_t)~CTL_ACK;
		l->unacked = 0;
		l->ack_due_us = 0;
	}
	return hdr;
}

void link_seal(struct link *l, size_t body_len)
{
	size_t at = 0;

	if (l->need_delim || l->now_us - l->last_tx_us > LINK_IDLE_DELIM_US)
		l->txframe[at++] = 0;
	l->txframe_len = at + frame_encode(l->scratch, body_len, l->txframe + at,
					   FRAME_ENCODED_MAX(link_body_max(&l->cfg)));
	l->txframe_pos = 0;
	l->txframe_start = (uint8_t)at;
	l->txframe_copies = 0;
	l->need_delim = false;
	l->st.frames_tx++;
}

static void link_build_hello(struct link *l)
{
	size_t h = link_header(l, LINK_T_HELLO, 0);
	uint8_t *b = l->scratch + h;

	b[0] = PROTO_VERSION_MAJOR;
	b[1] = PROTO_VERSION_MINOR;
	wire_put_u32(b + 2, l->cfg.boot_id);
	wire_put_u32(b + 6, l->nonce);
	wire_put_u32(b + 10, l->peer_nonce);
	wire_put_u16(b + 14, l->cfg.max_payload);
	b[16] = l->cfg.window;
	wire_put_u32(b + 17, l->cfg.max_baud);
	b[21] = (l->state == LINK_S_UP ? LINK_HELLO_UP : 0) | LINK_HELLO_BYTES;
	link_seal(l, h + LINK_HELLO_LEN);
}

static void link_build_data(struct link *l, uint16_t seq)
{
	struct link_txslot *s = link_slot(l, seq);
	size_t h = link_header(l, LINK_T_DATA, seq);
	uint32_t at = s->off & (l->cfg.tx_buffer - 1);
	uint32_t first = l->cfg.tx_buffer - at;

	if (first > s->len)
		first = s->len;
	memcpy(l->scratch + h, l->ring + at, first);
	memcpy(l->scratch + h + first, l->ring, s->len - first);
	s->tries++;
	s->lost = false;
	s->serial = ++l->serial;
	s->sent_us = l->now_us;
	link_seal(l, h + s->len);
	/* Bytes handed out before it may still be on the line, or in a queue
	 * below the link (a tty, a USB bridge): it is off the line after them. */
	s->done_us = link_line_free(l) + link_line_us(l, l->txframe_len);
}

/* The next frame worth sending, built into txframe; false if nothing is due. */
static bool link_next_frame(struct link *l)
{
	if (l->state == LINK_S_CLOSING) {
		size_t h = link_header(l, LINK_T_CLOSE, 0);

		link_seal(l, h);
		link_go_down(l, LINK_DOWN_LOCAL);
		return true;
	}
	if (l->state == LINK_S_DOWN) {
		if (!(l->pending_ctl & CTL_HELLO))
			return false;
		l->pending_ctl = 0;
		l->hello_due_us = l->now_us + link_ms(l->cfg.hello_ms);
		link_build_hello(l);
		return true;
	}
	if (l->pending_ctl & CTL_HELLO) {
		l->pending_ctl &= (uint8_t)~CTL_HELLO;
		link_build_hello(l);
		return true;
	}
	if (l->pending_ctl & CTL_BAUD) {
		l->pending_ctl &= (uint8_t)~CTL_BAUD;
		link_baud_build(l);
		return true;
	}
	/* Data waits while the rate is changing: it would be lost anyway. */
	if (l->baud_state == BAUD_IDLE) {
		uint32_t len;

		for (uint16_t seq = l->snd_una; seq != l->snd_nxt; seq++) {
			struct link_txslot *s = link_slot(l, seq);

			if (s->lost && !s->sacked) {
				l->st.retransmits++;
				link_build_data(l, seq);
				l->txframe_copies = (uint8_t)(link_arq_copies(l, s->len) - 1);
				return true;
			}
		}
		len = link_arq_next_len(l);
		if (len) {
			struct link_txslot *s = link_slot(l, l->snd_nxt);

			memset(s, 0, sizeof(*s));
			s->off = l->sent_off;
			s->len = (uint16_t)len;
			l->sent_off += len;
			l->st.data_tx += len;
			link_build_data(l, l->snd_nxt++);
			return true;
		}
	}
	if (l->pending_ctl & CTL_ACK) {
		link_seal(l, link_header(l, LINK_T_ACK, 0));
		return true;
	}
	return false;
}

/* Turn what the clock says into frames to send (so link_pending knows). */
static void link_timers(struct link *l)
{
	if (l->state == LINK_S_DOWN) {
		if (l->now_us >= l->hello_due_us)
			link_send_ctl(l, CTL_HELLO);
		return;
	}
	if (l->state != LINK_S_UP)
		return;
	if (l->now_us - l->last_rx_us >= link_ms(l->cfg.dead_ms)) {
		link_go_down(l, LINK_DOWN_TIMEOUT);
		link_send_ctl(l, CTL_HELLO);
		return;
	}
	if ((l->ack_due_us && l->now_us >= l->ack_due_us) ||
	    l->now_us - l->last_tx_us >= link_ms(l->cfg.keepalive_ms))
		link_send_ctl(l, CTL_ACK);
	link_baud_timers(l);
	if (l->baud_state != BAUD_IDLE)
		return;
	link_arq_retransmit_timer(l);
}

size_t link_output(struct link *l, uint64_t now_us, uint8_t *out, size_t cap)
{
	size_t done = 0;

	l->now_us = now_us;
	link_timers(l);
	while (done < cap) {
		size_t n;

		if (l->txframe_pos == l->txframe_len && l->txframe_copies) {
			/* The same frame again: it is too long for the line's error rate. */
			l->txframe_copies--;
			l->txframe_pos = l->txframe_start;
			l->st.retransmits++;
			l->st.frames_tx++;
		}
		if (l->txframe_pos == l->txframe_len) {
			/* Between frames: the only safe moment to change rate. */
			if (l->baud_switch_to) {
				uint32_t rate = l->baud_switch_to;

				/* Bytes in out still go at the old rate: switch next call. */
				if (done)
					break;
				l->baud_switch_to = 0;
				link_set_baud(l, rate);
				l->need_delim = true;
				link_baud_switched(l);
			}
			if (!link_next_frame(l))
				break;
		}
		n = l->txframe_len - l->txframe_pos;
		if (n > cap - done)
			n = cap - done;
		memcpy(out + done, l->txframe + l->txframe_pos, n);
		l->txframe_pos += n;
		done += n;
		link_line_take(l, n);
		l->last_tx_us = now_us;
	}
	l->st.bytes_tx += done;
	return done;
}

/* Frames that could go out right now, transmitter permitting. */
bool link_pending(const struct link *l)
{
	if (l->txframe_pos < l->txframe_len || l->txframe_copies || l->baud_switch_to || l->pending_ctl ||
	    l->state == LINK_S_CLOSING)
		return true;
	if (l->state != LINK_S_UP || l->baud_state != BAUD_IDLE)
		return false;
	if (link_arq_next_len(l))
		return true;
	for (uint16_t seq = l->snd_una; seq != l->snd_nxt; seq++) {
		const struct link_txslot *s = &l->tx[seq & (LINK_WINDOW_MAX - 1)];

		if (s->lost && !s->sacked)
			return true;
	}
	return false;
}

uint64_t link_deadline(const struct link *l)
{
	uint64_t t;

	if (l->state == LINK_S_DOWN)
		return l->hello_due_us;
	t = l->last_rx_us + link_ms(l->cfg.dead_ms);
	if (l->last_tx_us + link_ms(l->cfg.keepalive_ms) < t)
		t = l->last_tx_us + link_ms(l->cfg.keepalive_ms);
	if (l->ack_due_us && l->ack_due_us < t)
		t = l->ack_due_us;
	if (l->baud_state != BAUD_IDLE) {
		if (l->baud_deadline_us < t)
			t = l->baud_deadline_us;
		if (l->baud_state != BAUD_VERIFYING && l->baud_due_us < t)
			t = l->baud_due_us;
		return t;
	}
	for (uint16_t seq = l->snd_una; seq != l->snd_nxt; seq++) {
		const struct link_txslot *s = &l->tx[seq & (LINK_WINDOW_MAX - 1)];

		if (!s->sacked && !s->lost && s->sent_us + link_arq_rto(l) < t)
			t = s->sent_us + link_arq_rto(l);
	}
	return t;
}

size_t link_writable(const struct link *l)
{
	if (l->state != LINK_S_UP)
		return 0;
	return l->cfg.tx_buffer - (l->write_off - l->acked_off);
}

size_t link_data_room(const struct link *l)
{
	size_t w = link_writable(l);
	uint32_t held = link_arq_held(l), limit;

	if (l->state != LINK_S_UP || w <= LINK_CONTROL_ROOM)
		return 0;
	limit = link_arq_limit(l);
	if (held >= limit)
		return 0;
	return limit - held < w - LINK_CONTROL_ROOM ? limit - held : w - LINK_CONTROL_ROOM;
}

size_t link_write(struct link *l, const void *data, size_t len)
{
	size_t room = link_writable(l);
	uint32_t at, first;

	if (len > room)
		len = room;
	at = l->write_off & (l->cfg.tx_buffer - 1);
	first = l->cfg.tx_buffer - at;
	if (first > len)
		first = (uint32_t)len;
	memcpy(l->ring + at, data, first);
	memcpy(l->ring, (const uint8_t *)data + first, len - first);
	l->write_off += (uint32_t)len;
	return len;
}

bool link_drained(const struct link *l)
{
	return l->acked_off == l->write_off;
}

bool link_is_up(const struct link *l)
{
	return l->state == LINK_S_UP;
}

uint32_t link_baud(const struct link *l)
{
	return l->baud;
}

uint16_t link_payload(const struct link *l)
{
	return link_arq_payload(l);
}

void link_cap_payload(struct link *l, uint16_t cap)
{
	l->payload_cap = cap && cap < l->cfg.min_payload ? l->cfg.min_payload : cap;
}

uint32_t link_session(const struct link *l)
{
	return l->state == LINK_S_UP ? l->session : 0;
}

bool link_request_baud(struct link *l, uint32_t baud)
{
	return link_baud_start(l, baud);
}

void link_close(struct link *l, uint64_t now_us)
{
	l->now_us = now_us;
	if (l->state == LINK_S_UP)
		l->state = LINK_S_CLOSING;
}

void link_restart(struct link *l, uint64_t now_us)
{
	l->now_us = now_us;
	l->txframe_pos = l->txframe_len = 0;
	l->txframe_copies = 0;
	frame_decoder_reset(&l->dec);
	l->need_delim = true;
	link_go_down(l, LINK_DOWN_LOCAL);
	if (l->baud_switch_to) {
		l->baud_switch_to = 0;
		link_set_baud(l, LINK_BASE_BAUD);
	}
}

void link_get_stats(const struct link *l, struct link_stats *st)
{
	*st = l->st;
	st->srtt_us = l->srtt_us;
	st->rto_us = l->state == LINK_S_UP ? link_arq_rto(l) : 0;
	st->payload = link_arq_payload(l);
	st->queued = l->write_off - l->sent_off;
	st->in_flight = l->sent_off - l->acked_off;
	st->limit = l->state == LINK_S_UP ? link_arq_limit(l) : 0;
	st->frames_in_flight = (uint8_t)seq_dist(l->snd_una, l->snd_nxt);
}
