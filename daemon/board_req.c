#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "board_link.h"
#include "board_req.h"
#include "daemon.h"
#include "log.h"

#define BREQ_QUEUE_MAX 4096       /* requests waiting for the board */

struct breq {
	TAILQ_ENTRY(breq) entry;
	breq_cb cb;
	void *ctx;
	struct event *timer;
	uint32_t timeout_ms;
	unsigned flags;
	uint16_t tag;
	uint8_t type;
	bool sent;
	bool expired;              /* the requester was told ETIMEDOUT */
	bool queued;
	size_t len;
	uint8_t buf[];             /* the encoded request */
};

TAILQ_HEAD(breq_list, breq);

static struct breq_list breq_urgent = TAILQ_HEAD_INITIALIZER(breq_urgent);
static struct breq_list breq_normal = TAILQ_HEAD_INITIALIZER(breq_normal);
static struct breq_list breq_inflight = TAILQ_HEAD_INITIALIZER(breq_inflight);
static unsigned breq_queued, breq_ninflight;
static uint16_t breq_next_tag;
static bool breq_stopping;

static void breq_local_answer(struct breq *r, uint8_t err)
{
	struct msg m;
	breq_cb cb = r->cb;

	msg_init(&m, (uint8_t)(r->type | PROTO_RESPONSE));
	m.err = err;
	r->cb = NULL;
	if (cb)
		cb(r->ctx, &m);
}

static void breq_free(struct breq *r)
{
	if (r->queued) {
		TAILQ_REMOVE(r->flags & BREQ_URGENT ? &breq_urgent : &breq_normal, r, entry);
		breq_queued--;
	} else if (r->sent) {
		TAILQ_REMOVE(&breq_inflight, r, entry);
		breq_ninflight--;
	}
	if (r->timer)
		event_free(r->timer);
	free(r);
}

static void breq_arm(struct breq *r, uint32_t ms)
{
	struct timeval tv = daemon_tv(ms);

	evtimer_add(r->timer, &tv);
}

static void breq_timer(evutil_socket_t fd, short what, void *arg)
{
	struct breq *r = arg;

	(void)fd;
	(void)what;
	if (!r->sent) {
		breq_local_answer(r, board_attached() ? PROTO_ETIMEDOUT : PROTO_ENODEV);
		breq_free(r);
		return;
	}
	if (!r->expired) {
		/* Keep the board's slot until it answers, but not for ever. */
		r->expired = true;
		breq_local_answer(r, PROTO_ETIMEDOUT);
		breq_arm(r, daemon_state.cfg->limits.request_timeout_ms);
		return;
	}
	log_warnx("board never answered %s (tag %u): slot released", proto_type_name(r->type),
		  r->tag);
	breq_free(r);
	board_kick();
}

struct breq *breq_submit(const struct msg *req, uint32_t timeout_ms, unsigned flags, breq_cb cb,
			 void *ctx)
{
	size_t len = msg_encoded_len(req);
	struct breq *r;

	if (!len || breq_queued >= BREQ_QUEUE_MAX || breq_stopping)
		return NULL;
	r = calloc(1, sizeof(*r) + len);
	if (!r)
		return NULL;
	r->timer = evtimer_new(daemon_state.base, breq_timer, r);
	if (!r->timer || msg_encode(req, r->buf, len) != len) {
		if (r->timer)
			event_free(r->timer);
		free(r);
		return NULL;
	}
	r->len = len;
	r->type = req->type;
	r->cb = cb;
	r->ctx = ctx;
	r->flags = flags;
	r->timeout_ms = timeout_ms;
	r->queued = true;
	TAILQ_INSERT_TAIL(flags & BREQ_URGENT ? &breq_urgent : &breq_normal, r, entry);
	breq_queued++;
	if (!board_attached())
		breq_arm(r, daemon_state.cfg->device.request_wait_ms);
	else if (timeout_ms)
		breq_arm(r, timeout_ms);
	board_kick();
	return r;
}

void breq_cancel(struct breq *r)
{
	if (r->sent) {
		/* The board still answers: the slot stays taken until then. */
		r->cb = NULL;
		return;
	}
	breq_free(r);
}

bool breq_response(const struct msg *m)
{
	struct breq *r;

	TAILQ_FOREACH(r, &breq_inflight, entry) {
		if (r->tag != m->tag)
			continue;
		if ((m->type & (uint8_t)~PROTO_RESPONSE) != r->type) {
			log_warnx("board answered %s with %s: restarting the link",
				  proto_type_name(r->type), proto_type_name(m->type));
			return false;
		}
		if (r->cb)
			r->cb(r->ctx, m);
		breq_free(r);
		return true;
	}
	/* Late, after the slot was given up: nothing waits for it. */
	log_debug("board: response %s with unknown tag %u", proto_type_name(m->type), m->tag);
	board_info_count_ignored();
	return true;
}

void breq_fail_session(void)
{
	struct breq *r, *next;

	for (r = TAILQ_FIRST(&breq_inflight); r; r = next) {
		next = TAILQ_NEXT(r, entry);
		breq_local_answer(r, PROTO_ECONNRESET);
		breq_free(r);
		next = TAILQ_FIRST(&breq_inflight);
	}
	for (int q = 0; q < 2; q++) {
		struct breq_list *list = q ? &breq_normal : &breq_urgent;

		for (r = TAILQ_FIRST(list); r; r = next) {
			next = TAILQ_NEXT(r, entry);
			if (!(r->flags & BREQ_SESSION))
				continue;
			breq_local_answer(r, PROTO_ECONNRESET);
			breq_free(r);
			next = TAILQ_FIRST(list);
		}
	}
}

void breq_send_queued(void)
{
	struct breq *r;

	while (board_attached() && breq_ninflight < PROTO_BOARD_REQUESTS_MAX &&
	       ((r = TAILQ_FIRST(&breq_urgent)) || (r = TAILQ_FIRST(&breq_normal)))) {
		if (board_writable() < r->len)
			return;
		TAILQ_REMOVE(r->flags & BREQ_URGENT ? &breq_urgent : &breq_normal, r, entry);
		breq_queued--;
		r->queued = false;
		/* Tags only need to differ among the requests in flight. */
		do {
			struct breq *o;

			r->tag = ++breq_next_tag;
			TAILQ_FOREACH(o, &breq_inflight, entry)
				if (o->tag == r->tag)
					break;
			if (!o)
				break;
		} while (1);
		r->buf[3] = (uint8_t)(r->tag >> 8);
		r->buf[4] = (uint8_t)r->tag;
		board_write_raw(r->buf, r->len);
		r->sent = true;
		TAILQ_INSERT_TAIL(&breq_inflight, r, entry);
		breq_ninflight++;
		evtimer_del(r->timer);
		if (r->timeout_ms)
			breq_arm(r, r->timeout_ms);
	}
}

void breq_board_up(void)
{
	/* Requests that waited for the board now get a fresh deadline. */
	for (int q = 0; q < 2; q++) {
		struct breq *r;

		TAILQ_FOREACH(r, q ? &breq_normal : &breq_urgent, entry) {
			evtimer_del(r->timer);
			if (r->timeout_ms)
				breq_arm(r, r->timeout_ms);
		}
	}
}

bool breq_idle(void)
{
	return breq_queued == 0 && breq_ninflight == 0;
}

void breq_stop(void)
{
	breq_stopping = true;
}
