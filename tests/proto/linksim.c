#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "linksim.h"

#define LINKSIM_NS 1000000000ull

struct linksim;

struct linksim_byte {
	uint64_t at_ns;           /* arrival at the receiver */
	uint32_t baud;            /* rate it was sent at */
	uint8_t value;
};

/* One direction of the wire. */
struct linksim_wire {
	struct linksim_byte *q;
	size_t cap, head, len;
	uint64_t bits_to_flip;    /* countdown to the next bit error */
	uint64_t bytes_to_drop;   /* countdown to the next dropped byte */
};

struct linksim_end {
	struct linksim *sim;
	int id;                   /* 0 = A, 1 = B */
	struct link link;
	void *mem;
	uint32_t baud;
	uint64_t busy_until_ns;
	bool up;
	uint32_t key;             /* session the current streams belong to */
	uint64_t tx_off, rx_off;
	uint64_t done_ns;
	uint32_t boots;
};

struct linksim {
	const struct linksim_params *p;
	struct linksim_result *r;
	uint64_t rng;
	uint64_t now_ns;
	struct linksim_end end[2];
	struct linksim_wire wire[2]; /* wire[i] carries end i's output */
	uint32_t bursts_done;
	bool reset_done;
};

static uint64_t linksim_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t linksim_rand(struct linksim *s)
{
	s->rng += 0x9e3779b97f4a7c15ull;
	return linksim_mix(s->rng);
}

static double linksim_unit(struct linksim *s)
{
	return (double)(linksim_rand(s) >> 11) / 9007199254740992.0;
}

/* Trials until the next event of probability p (geometric). */
static uint64_t linksim_geometric(struct linksim *s, double p)
{
	double u;

	if (p <= 0)
		return UINT64_MAX;
	u = linksim_unit(s);
	if (u <= 0)
		u = 1e-300;
	return (uint64_t)(log(u) / log1p(-p));
}

/* The byte at offset off of the stream end `from` sends in session key. */
static uint8_t linksim_stream_byte(uint32_t key, int from, uint64_t off)
{
	uint64_t v = linksim_mix(((uint64_t)key << 1 | (uint64_t)from) ^ (off >> 3) * 0x100000001b3ull);

	return (uint8_t)(v >> (8 * (off & 7)));
}

static uint64_t linksim_now_us(const struct linksim *s)
{
	return s->now_ns / 1000;
}

static void linksim_deliver(void *ctx, const uint8_t *data, size_t len)
{
	struct linksim_end *e = ctx;
	struct linksim *s = e->sim;

	for (size_t i = 0; i < len; i++) {
		if (e->rx_off >= s->p->bytes ||
		    data[i] != linksim_stream_byte(e->key, !e->id, e->rx_off))
			s->r->corrupted++;
		e->rx_off++;
	}
	if (e->rx_off >= s->p->bytes && !e->done_ns)
		e->done_ns = s->now_ns;
}

static void linksim_event(void *ctx, const struct link_event *ev)
{
	struct linksim_end *e = ctx;
	struct linksim_result *r = e->sim->r;

	switch (ev->type) {
	case LINK_EV_UP:
		e->up = true;
		e->key = link_session(&e->link);
		e->tx_off = e->rx_off = 0;
		e->done_ns = 0;
		if (e->id == 0) {
			r->ups++;
			if (ev->u.up.peer_rebooted)
				r->peer_rebooted_seen = true;
			/* A plays the host: it asks for the fastest rate both can do. */
			uint32_t rate = e->sim->p->baud < ev->u.up.peer_max_baud ?
					e->sim->p->baud : ev->u.up.peer_max_baud;

			if (rate > LINK_BASE_BAUD)
				link_request_baud(&e->link, rate);
		}
		break;
	case LINK_EV_DOWN:
		e->up = false;
		if (e->id == 0) {
			if (ev->u.down.reason == LINK_DOWN_TIMEOUT)
				r->downs_timeout++;
			else if (ev->u.down.reason == LINK_DOWN_PEER_RESET)
				r->downs_reset++;
		}
		break;
	case LINK_EV_BAUD:
		if (e->id == 0) {
			r->baud_events++;
			if (!ev->u.baud.ok)
				r->baud_failures++;
		}
		break;
	case LINK_EV_VERSION:
		break;
	}
}

static void linksim_set_baud(void *ctx, uint32_t baud)
{
	struct linksim_end *e = ctx;

	e->baud = baud;
}

static bool linksim_boot(struct linksim *s, struct linksim_end *e)
{
	static const struct link_ops ops = {
		.deliver = linksim_deliver,
		.event = linksim_event,
		.set_baud = linksim_set_baud,
	};
	struct link_config cfg;

	link_config_default(&cfg);
	cfg.boot_id = (uint32_t)linksim_rand(s);
	cfg.max_baud = e->id == 1 && s->p->max_baud_b ? s->p->max_baud_b : s->p->baud;
	if (cfg.max_baud < LINK_BASE_BAUD)
		cfg.max_baud = LINK_BASE_BAUD;
	cfg.window = (uint8_t)s->p->window;
	cfg.max_payload = (uint16_t)s->p->payload;
	if (cfg.min_payload > cfg.max_payload)
		cfg.min_payload = cfg.max_payload;
	free(e->mem);
	e->mem = malloc(link_mem_size(&cfg));
	if (!e->mem)
		return false;
	e->baud = LINK_BASE_BAUD;
	e->up = false;
	e->tx_off = e->rx_off = 0;
	e->done_ns = 0;
	e->boots++;
	return link_init(&e->link, &cfg, &ops, e, e->mem, link_mem_size(&cfg), linksim_now_us(s));
}

static uint64_t linksim_progress(const struct linksim *s)
{
	const struct linksim_end *a = &s->end[0], *b = &s->end[1];

	return a->rx_off < b->rx_off ? a->rx_off : b->rx_off;
}

/* Put bytes end e just pulled from its link on the wire, with faults. */
static void linksim_transmit(struct linksim *s, struct linksim_end *e, const uint8_t *buf, size_t n)
{
	struct linksim_wire *w = &s->wire[e->id];
	/* The line is clean until the noise starts. */
	bool quiet = s->p->noise_from > 0 && linksim_progress(s) < (uint64_t)(s->p->bytes * s->p->noise_from);

	for (size_t k = 0; k < n; k++) {
		struct linksim_byte *b;
		uint8_t v = buf[k];

		if (!quiet) {
			if (w->bytes_to_drop-- == 0) {
				w->bytes_to_drop = linksim_geometric(s, s->p->drop);
				continue;
			}
			while (w->bits_to_flip < 8) {
				v ^= (uint8_t)(1u << w->bits_to_flip);
				w->bits_to_flip += 1 + linksim_geometric(s, s->p->ber);
			}
			w->bits_to_flip -= 8;
		}
		if (w->len == w->cap)
			abort(); /* sized for the bandwidth-delay product: cannot happen */
		b = &w->q[(w->head + w->len++) % w->cap];
		b->at_ns = s->now_ns + (uint64_t)(k + 1) * 10 * LINKSIM_NS / e->baud +
			   (uint64_t)s->p->latency_us * 1000;
		b->baud = e->baud;
		b->value = v;
	}
	e->busy_until_ns = s->now_ns + (uint64_t)n * 10 * LINKSIM_NS / e->baud;
}

/* Feed end e what has arrived from the other end by now. */
static void linksim_receive(struct linksim *s, struct linksim_end *e)
{
	struct linksim_wire *w = &s->wire[!e->id];
	uint8_t buf[4096];
	size_t n = 0;

	while (w->len && w->q[w->head].at_ns <= s->now_ns) {
		struct linksim_byte *b = &w->q[w->head];

		/* A byte sent at another rate than the receiver's, or at a rate
		 * the wire cannot carry, is noise. */
		buf[n++] = b->baud == e->baud && b->baud != s->p->broken_baud ?
				   b->value : (uint8_t)linksim_rand(s);
		w->head = (w->head + 1) % w->cap;
		w->len--;
		if (n == sizeof(buf)) {
			link_input(&e->link, linksim_now_us(s), buf, n);
			n = 0;
		}
	}
	if (n)
		link_input(&e->link, linksim_now_us(s), buf, n);
}

static void linksim_write(struct linksim *s, struct linksim_end *e)
{
	uint8_t buf[4096];

	/* As k210sockd and the firmware do, the writer keeps to the link's bound. */
	while (e->up && e->tx_off < s->p->bytes) {
		size_t want = link_data_room(&e->link), took;

		if (want > sizeof(buf))
			want = sizeof(buf);
		if (want > s->p->bytes - e->tx_off)
			want = (size_t)(s->p->bytes - e->tx_off);
		if (want == 0)
			break;
		for (size_t i = 0; i < want; i++)
			buf[i] = linksim_stream_byte(e->key, e->id, e->tx_off + i);
		took = link_write(&e->link, buf, want);
		e->tx_off += took;
		if (took < want)
			break;
	}
}


static void linksim_faults(struct linksim *s)
{
	const struct linksim_params *p = s->p;
	uint64_t progress = linksim_progress(s);

	if (p->garbage_bursts && s->bursts_done < p->garbage_bursts &&
	    progress >= p->bytes * (s->bursts_done + 1) / (p->garbage_bursts + 1)) {
		for (int i = 0; i < 2; i++) {
			uint8_t junk[256];
			uint32_t left = p->garbage_len;

			while (left) {
				uint32_t n = left < sizeof(junk) ? left : (uint32_t)sizeof(junk);

				for (uint32_t k = 0; k < n; k++)
					junk[k] = (uint8_t)linksim_rand(s);
				link_input(&s->end[i].link, linksim_now_us(s), junk, n);
				left -= n;
			}
		}
		s->bursts_done++;
	}
	if (p->reset_at > 0 && !s->reset_done && progress >= (uint64_t)(p->bytes * p->reset_at)) {
		s->reset_done = true;
		linksim_boot(s, &s->end[1]);
	}
}

static void linksim_pull(struct linksim *s, struct linksim_end *e)
{
	uint8_t buf[LINKSIM_QUEUE_MAX];

	if (e->busy_until_ns > s->now_ns) {
		/* Transmitter busy: only let the timers run. */
		if (link_deadline(&e->link) <= linksim_now_us(s))
			link_output(&e->link, linksim_now_us(s), buf, 0);
		return;
	}
	linksim_transmit(s, e, buf, link_output(&e->link, linksim_now_us(s), buf, s->p->tx_queue));
}

static uint64_t linksim_next(const struct linksim *s)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < 2; i++) {
		const struct linksim_end *e = &s->end[i];
		const struct linksim_wire *w = &s->wire[i];
		uint64_t t;

		if (e->busy_until_ns > s->now_ns)
			t = e->busy_until_ns;
		else if (link_pending(&e->link))
			t = s->now_ns;
		else
			t = link_deadline(&e->link) * 1000;
		if (t < next)
			next = t;
		if (w->len && w->q[w->head].at_ns < next)
			next = w->q[w->head].at_ns;
	}
	return next > s->now_ns ? next : s->now_ns + 1000;
}

void linksim_defaults(struct linksim_params *p)
{
	memset(p, 0, sizeof(*p));
	p->baud = 921600;
	p->bytes = 1 << 20;
	p->latency_us = 100;
	p->seed = 1;
	p->garbage_len = 200;
	p->window = 32;
	p->payload = 2048;
	p->tx_queue = 64;
	p->time_limit_us = 0;
}

bool linksim_run(const struct linksim_params *p, struct linksim_result *r)
{
	struct linksim s;
	uint64_t limit_ns, wire_cap;
	bool ok = true;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	if (p->baud < LINK_BASE_BAUD || p->bytes == 0 || p->ber < 0 || p->ber >= 1 ||
	    p->drop < 0 || p->drop >= 1 || p->tx_queue == 0 || p->tx_queue > LINKSIM_QUEUE_MAX)
		return false;
	s.p = p;
	s.r = r;
	s.rng = p->seed;
	/* Bytes in flight: the bandwidth-delay product plus a chunk. */
	wire_cap = (uint64_t)p->latency_us * (p->baud / 10 + 1) / 1000000 + 2 * p->tx_queue;
	for (int i = 0; i < 2; i++) {
		s.wire[i].cap = wire_cap;
		s.wire[i].q = calloc(wire_cap, sizeof(*s.wire[i].q));
		s.wire[i].bits_to_flip = linksim_geometric(&s, p->ber);
		s.wire[i].bytes_to_drop = linksim_geometric(&s, p->drop);
		s.end[i].sim = &s;
		s.end[i].id = i;
		if (!s.wire[i].q || !linksim_boot(&s, &s.end[i]))
			ok = false;
	}
	/* Default limit: ten times the clean-wire time, plus a minute. */
	limit_ns = p->time_limit_us ? p->time_limit_us * 1000 :
		   p->bytes * 100 * LINKSIM_NS / p->baud + 60 * LINKSIM_NS;
	while (ok && s.now_ns < limit_ns) {
		for (int i = 0; i < 2; i++)
			linksim_receive(&s, &s.end[i]);
		linksim_faults(&s);
		for (int i = 0; i < 2; i++) {
			linksim_write(&s, &s.end[i]);
			linksim_pull(&s, &s.end[i]);
		}
		if (s.end[0].done_ns && s.end[1].done_ns && s.end[0].up && s.end[1].up) {
			r->completed = true;
			break;
		}
		s.now_ns = linksim_next(&s);
	}
	for (int i = 0; i < 2; i++) {
		struct linksim_end *e = &s.end[i];
		struct link_stats st;
		uint64_t done = e->done_ns ? e->done_ns : s.now_ns;

		r->delivered[!i] = e->rx_off;
		r->goodput_ratio[!i] = done ? (double)e->rx_off / ((double)done / LINKSIM_NS) /
					      (p->baud / 10.0) : 0;
		if (s.end[!i].tx_off > e->rx_off)
			r->lost += s.end[!i].tx_off - e->rx_off;
		link_get_stats(&e->link, &st);
		r->retransmits += st.retransmits;
		r->timeouts += st.timeouts;
		r->crc_errors += st.crc_errors;
		r->stale += st.stale;
		if (i == 0) {
			r->final_baud = link_baud(&e->link);
			r->final_payload = st.payload;
		}
	}
	r->seconds = (double)s.now_ns / LINKSIM_NS;
	for (int i = 0; i < 2; i++) {
		free(s.end[i].mem);
		free(s.wire[i].q);
	}
	return ok;
}

size_t linksim_take(struct link *l, uint64_t now, uint8_t *buf, size_t cap)
{
	size_t n = 0, got;

	while (n < cap && (got = link_output(l, now, buf + n, cap - n)) > 0)
		n += got;
	return n;
}

void linksim_exchange(struct link *a, struct link *b, uint64_t now)
{
	static uint8_t buf[65536];

	for (int round = 0; round < 50; round++) {
		size_t na = linksim_take(a, now, buf, sizeof(buf)), nb;

		link_input(b, now, buf, na);
		nb = linksim_take(b, now, buf, sizeof(buf));
		link_input(a, now, buf, nb);
		if (!na && !nb)
			return;
	}
}
