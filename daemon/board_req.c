#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "board_link.h"
#include "board_req.h"
#include "board_session.h"
#include "daemon.h"
#include "log.h"

#define BOARD_REQ_QUEUE_MAX 4096       /* requests waiting for the board */

struct board_req {
	TAILQ_ENTRY(board_req) entry;
	board_req_cb cb;
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

TAILQ_HEAD(board_req_list, board_req);

static struct board_req_list board_req_urgent = TAILQ_HEAD_INITIALIZER(board_req_urgent);
static struct board_req_list board_req_normal = TAILQ_HEAD_INITIALIZER(board_req_normal);
static struct board_req_list board_req_inflight = TAILQ_HEAD_INITIALIZER(board_req_inflight);
static unsigned board_req_queued, board_req_ninflight;
static uint16_t board_req_next_tag;
static bool board_req_stopping;

static void board_req_local_answer(struct board_req *r, uint8_t err)
{
	struct msg m;
	board_req_cb cb = r->cb;

	msg_init(&m, (uint8_t)(r->type | PROTO_RESPONSE));
	m.err = err;
	r->cb = NULL;
	if (cb)
		cb(r->ctx, &m);
}

static void board_req_free(struct board_req *r)
{
	if (r->queued) {
		TAILQ_REMOVE(r->flags & BOARD_REQ_URGENT ? &board_req_urgent : &board_req_normal, r, entry);
		board_req_queued--;
	} else if (r->sent) {
		TAILQ_REMOVE(&board_req_inflight, r, entry);
		board_req_ninflight--;
	}
	if (r->timer)
		event_free(r->timer);
	free(r);
}

static void board_req_arm(struct board_req *r, uint32_t ms)
{
	struct timeval tv = daemon_tv(ms);

	evtimer_add(r->timer, &tv);
}

static void board_req_timer(evutil_socket_t fd, short what, void *arg)
{
	struct board_req *r = arg;

	(void)fd;
	(void)what;
	if (!r->sent) {
		board_req_local_answer(r, board_session_attached() ? PROTO_ETIMEDOUT : PROTO_ENODEV);
		board_req_free(r);
		return;
	}
	if (!r->expired) {
		/* Keep the board's slot until it answers, but not for ever. */
		r->expired = true;
		board_req_local_answer(r, PROTO_ETIMEDOUT);
		board_req_arm(r, daemon_state.cfg->limits.request_timeout_ms);
		return;
	}
	log_warnx("board never answered %s (tag %u): slot released", proto_type_name(r->type),
		  r->tag);
	board_req_free(r);
	board_link_kick();
}

struct board_req *board_req_submit(const struct msg *req, uint32_t timeout_ms, unsigned flags,
				   board_req_cb cb, void *ctx)
{
	size_t len = msg_encoded_len(req);
	struct board_req *r;

	if (!len || board_req_queued >= BOARD_REQ_QUEUE_MAX || board_req_stopping)
		return NULL;
	r = calloc(1, sizeof(*r) + len);
	if (!r)
		return NULL;
	r->timer = evtimer_new(daemon_state.base, board_req_timer, r);
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
	TAILQ_INSERT_TAIL(flags & BOARD_REQ_URGENT ? &board_req_urgent : &board_req_normal, r, entry);
	board_req_queued++;
	if (!board_session_attached())
		board_req_arm(r, daemon_state.cfg->device.request_wait_ms);
	else if (timeout_ms)
		board_req_arm(r, timeout_ms);
	board_link_kick();
	return r;
}

void board_req_cancel(struct board_req *r)
{
	if (r->sent) {
		/* The board still answers: the slot stays taken until then. */
		r->cb = NULL;
		return;
	}
	board_req_free(r);
}

static enum board_input board_req_response(const struct msg *m)
{
	struct board_req *r;

	if (!PROTO_IS_RESPONSE(m->type))
		return BOARD_INPUT_NOT_MINE;
	TAILQ_FOREACH(r, &board_req_inflight, entry) {
		if (r->tag != m->tag)
			continue;
		if ((m->type & (uint8_t)~PROTO_RESPONSE) != r->type) {
			log_warnx("board answered %s with %s: restarting the link",
				  proto_type_name(r->type), proto_type_name(m->type));
			return BOARD_INPUT_BROKEN;
		}
		if (r->cb)
			r->cb(r->ctx, m);
		board_req_free(r);
		return BOARD_INPUT_TAKEN;
	}
	/* Late, after the slot was given up: nothing waits for it. */
	log_debug("board: response %s with unknown tag %u", proto_type_name(m->type), m->tag);
	board_session_count_ignored();
	return BOARD_INPUT_TAKEN;
}

static void board_req_fail_session(void)
{
	struct board_req *r, *next;

	for (r = TAILQ_FIRST(&board_req_inflight); r; r = next) {
		next = TAILQ_NEXT(r, entry);
		board_req_local_answer(r, PROTO_ECONNRESET);
		board_req_free(r);
		next = TAILQ_FIRST(&board_req_inflight);
	}
	for (int q = 0; q < 2; q++) {
		struct board_req_list *list = q ? &board_req_normal : &board_req_urgent;

		for (r = TAILQ_FIRST(list); r; r = next) {
			next = TAILQ_NEXT(r, entry);
			if (!(r->flags & BOARD_REQ_SESSION))
				continue;
			board_req_local_answer(r, PROTO_ECONNRESET);
			board_req_free(r);
			next = TAILQ_FIRST(list);
		}
	}
}

static void board_req_send_queued(void)
{
	struct board_req *r;

	while (board_session_attached() && board_req_ninflight < PROTO_BOARD_REQUESTS_MAX &&
	       ((r = TAILQ_FIRST(&board_req_urgent)) || (r = TAILQ_FIRST(&board_req_normal)))) {
		if (board_link_writable() < r->len)
			return;
		TAILQ_REMOVE(r->flags & BOARD_REQ_URGENT ? &board_req_urgent : &board_req_normal, r, entry);
		board_req_queued--;
		r->queued = false;
		/* Tags only need to differ among the requests in flight. */
		do {
			struct board_req *o;

			r->tag = ++board_req_next_tag;
			TAILQ_FOREACH(o, &board_req_inflight, entry)
				if (o->tag == r->tag)
					break;
			if (!o)
				break;
		} while (1);
		msg_set_tag(r->buf, r->tag);
		board_link_write(r->buf, r->len);
		r->sent = true;
		TAILQ_INSERT_TAIL(&board_req_inflight, r, entry);
		board_req_ninflight++;
		evtimer_del(r->timer);
		if (r->timeout_ms)
			board_req_arm(r, r->timeout_ms);
	}
}

static void board_req_board_up(void)
{
	/* Requests that waited for the board now get a fresh deadline. */
	for (int q = 0; q < 2; q++) {
		struct board_req *r;

		TAILQ_FOREACH(r, q ? &board_req_normal : &board_req_urgent, entry) {
			evtimer_del(r->timer);
			if (r->timeout_ms)
				board_req_arm(r, r->timeout_ms);
		}
	}
}

static bool board_req_idle(void)
{
	return board_req_queued == 0 && board_req_ninflight == 0;
}

void board_req_stop(void)
{
	board_req_stopping = true;
}

static const struct board_user board_req_user = {
	.up = board_req_board_up,
	.down = board_req_fail_session,
	.input = board_req_response,
	.flush = board_req_send_queued,
	.idle = board_req_idle,
};

void board_req_init(void)
{
	board_session_add_user(&board_req_user);
}
