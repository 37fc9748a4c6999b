#include <event2/buffer.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "board_link.h"
#include "board_req.h"
#include "board_session.h"
#include "board_sock_int.h"
#include "daemon.h"
#include "log.h"
#include "monotime.h"

#define BOARD_SOCK_UNCLAIMED_MAX 64   /* accepted connections waiting for a claim */
#define BOARD_SOCK_EMFILE_RETRY_MS 1000

static struct board_sock *board_sock_table[65536];
static TAILQ_HEAD(board_sock_openq_head, board_sock) board_sock_openq =
	TAILQ_HEAD_INITIALIZER(board_sock_openq);
struct board_sock_all_head board_sock_all = TAILQ_HEAD_INITIALIZER(board_sock_all);
static uint16_t board_sock_next_id = 1;
static uint16_t board_sock_next_token = 1;
static unsigned board_sock_links_total = PROTO_ESP_LINKS;
static unsigned board_sock_links_used;
static bool board_sock_links_blocked;  /* the board said EMFILE: wait for a close */
static unsigned board_sock_queued;
static unsigned board_sock_unclaimed;

static struct event *board_sock_unblock;

static void board_sock_timer_cb(evutil_socket_t fd, short what, void *arg);
static void board_sock_dispatch(void);

static void board_sock_unblock_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	board_sock_links_blocked = false;
	board_sock_dispatch();
}

static uint16_t board_sock_alloc_id(void)
{
	for (unsigned tries = 0; tries < PROTO_SOCK_HOST_MAX; tries++) {
		uint16_t id = board_sock_next_id;

		board_sock_next_id = board_sock_next_id == PROTO_SOCK_HOST_MAX ? 1 : board_sock_next_id + 1;
		if (!board_sock_table[id])
			return id;
	}
	return 0;
}

static struct board_sock *board_sock_new(uint8_t type, uid_t uid, const struct board_sock_ops *ops,
					 void *ctx)
{
	struct board_sock *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->type = type;
	b->uid = uid;
	b->ops = ops;
	b->ctx = ctx;
	b->created_us = monotime_us();
	TAILQ_INSERT_TAIL(&board_sock_all, b, all);
	return b;
}

static void board_sock_set_id(struct board_sock *b, uint16_t id)
{
	b->id = id;
	if (id)
		board_sock_table[id] = b;
}

static void board_sock_unset_id(struct board_sock *b)
{
	if (b->id && board_sock_table[b->id] == b)
		board_sock_table[b->id] = NULL;
	b->id = 0;
}

static void board_sock_release_link(struct board_sock *b)
{
	if (!b->holds_link)
		return;
	b->holds_link = false;
	if (board_sock_links_used)
		board_sock_links_used--;
	board_sock_links_blocked = false;
	board_link_kick();
}

static void board_sock_free(struct board_sock *b)
{
	if (b->req) {
		board_req_cancel(b->req);
		b->req = NULL;
	}
	board_sock_flow_forget(b);
	if (b->in_openq) {
		TAILQ_REMOVE(&board_sock_openq, b, openq);
		board_sock_queued--;
	}
	if (b->token)
		board_sock_unclaimed--;
	TAILQ_REMOVE(&board_sock_all, b, all);
	board_sock_unset_id(b);
	board_sock_release_link(b);
	if (b->timer)
		event_free(b->timer);
	if (b->held)
		evbuffer_free(b->held);
	free(b->host);
	free(b);
}

static void board_sock_arm(struct board_sock *b, uint32_t ms)
{
	struct timeval tv = daemon_tv(ms);

	if (!b->timer)
		b->timer = evtimer_new(daemon_state.base, board_sock_timer_cb, b);
	if (b->timer)
		evtimer_add(b->timer, &tv);
}

/* Tell the owner an open failed and forget the socket. */
static void board_sock_open_failed(struct board_sock *b, int err)
{
	const struct board_sock_ops *ops = b->ops;
	void *ctx = b->ctx;

	if (b->type == BOARD_SOCK_STREAM)
		daemon_ctr.streams_failed++;
	b->ops = NULL;
	if (ops && ops->opened)
		ops->opened(ctx, b, err);
	board_sock_free(b);
}

static void board_sock_enqueue(struct board_sock *b, bool front)
{
	b->state = BOARD_SOCK_QUEUED;
	b->in_openq = true;
	board_sock_queued++;
	if (front)
		TAILQ_INSERT_HEAD(&board_sock_openq, b, openq);
	else
		TAILQ_INSERT_TAIL(&board_sock_openq, b, openq);
}

/*
 * When an open gives up: a stream waits queue_timeout for a free ESP link,
 * then connect_timeout for the board's answer; a UDP socket or a listener
 * request_timeout in all.
 */
static uint64_t board_sock_deadline_us(const struct board_sock *b)
{
	const struct config *cfg = daemon_state.cfg;

	if (b->type != BOARD_SOCK_STREAM)
		return b->created_us + (uint64_t)cfg->limits.request_timeout_ms * 1000;
	if (b->state == BOARD_SOCK_QUEUED)
		return b->created_us + (uint64_t)cfg->limits.queue_timeout_ms * 1000;
	return b->started_us + (uint64_t)cfg->limits.connect_timeout_ms * 1000;
}

/* When to look at a queued or opening socket next. */
static void board_sock_arm_open(struct board_sock *b)
{
	const struct config *cfg = daemon_state.cfg;
	uint64_t now = monotime_us(), age_ms = (now - b->created_us) / 1000;
	uint64_t deadline = board_sock_deadline_us(b);
	uint64_t next = deadline > now ? (deadline - now + 999) / 1000 : 0;

	if (b->state == BOARD_SOCK_QUEUED && !board_session_attached() &&
	    cfg->device.request_wait_ms > age_ms &&
	    cfg->device.request_wait_ms - age_ms < next)
		next = cfg->device.request_wait_ms - age_ms;
	board_sock_arm(b, (uint32_t)next);
}

/*
 * Deadline of a queued or opening socket (request_wait while there is no
 * board, the open deadline in all), or the claim expiry of an accepted one.
 */
static void board_sock_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct board_sock *b = arg;
	const struct config *cfg = daemon_state.cfg;
	uint64_t age_ms = (monotime_us() - b->created_us) / 1000;

	(void)fd;
	(void)what;
	if (b->token) {
		log_debug("accepted connection %u from the listener %u was not claimed in time",
			  b->id, b->listener_id);
		board_sock_close(b);
		return;
	}
	if (b->state == BOARD_SOCK_QUEUED && !board_session_attached() &&
	    age_ms >= cfg->device.request_wait_ms) {
		board_sock_open_failed(b, PROTO_ENODEV);
		return;
	}
	if (monotime_us() < board_sock_deadline_us(b)) {
		if (b->state == BOARD_SOCK_QUEUED || b->state == BOARD_SOCK_OPENING)
			board_sock_arm_open(b);
		return;
	}
	if (b->state == BOARD_SOCK_QUEUED) {
		log_info("connect to %s:%u (uid %u): no ESP link came free in %.1f s (all %u in "
			 "use; queue_timeout): failed", b->host ? b->host : "udp", b->port,
			 (unsigned)b->uid, (double)age_ms / 1000, board_sock_links_total);
		board_sock_open_failed(b, PROTO_ETIMEDOUT);
	} else if (b->state == BOARD_SOCK_OPENING && !b->close_wanted) {
		/* Too late for the owner; the board's answer still has to be waited for. */
		const struct board_sock_ops *ops = b->ops;
		void *ctx = b->ctx;

		if (b->type == BOARD_SOCK_STREAM)
			daemon_ctr.streams_failed++;
		b->ops = NULL;
		b->close_wanted = true;
		if (ops && ops->opened)
			ops->opened(ctx, b, PROTO_ETIMEDOUT);
	}
}

static void board_sock_close_done(void *ctx, const struct msg *resp)
{
	struct board_sock *b = ctx;

	(void)resp;
	b->req = NULL;
	board_sock_free(b);
}

/* CLOSE on the board; the socket lives on until the answer. */
static void board_sock_send_close(struct board_sock *b)
{
	struct msg m;

	msg_init(&m, PROTO_CLOSE);
	m.sock = b->id;
	b->state = BOARD_SOCK_CLOSING;
	b->ops = NULL;
	/* A closing connection can no longer be claimed: the claimant would own
	 * a socket that is freed under it when the answer comes. */
	if (b->token) {
		b->token = 0;
		board_sock_unclaimed--;
	}
	board_sock_flow_forget(b);
	b->req = board_req_submit(&m, daemon_state.cfg->limits.request_timeout_ms,
			       BOARD_REQ_URGENT | BOARD_REQ_SESSION, board_sock_close_done, b);
	if (!b->req)
		board_sock_free(b);
}

static void board_sock_open_done(void *ctx, const struct msg *resp)
{
	struct board_sock *b = ctx;
	const struct board_sock_ops *ops = b->ops;

	b->req = NULL;
	if (b->close_wanted) {
		if (resp->err == PROTO_OK && !b->remote_closed)
			board_sock_send_close(b);
		else
			board_sock_free(b);
		return;
	}
	if (resp->err == PROTO_EMFILE && b->holds_link) {
		/* The board has fewer links than counted: wait for one to close, or
		 * a while if none of ours is open to do so. */
		struct timeval tv = daemon_tv(BOARD_SOCK_EMFILE_RETRY_MS);

		board_sock_release_link(b);
		board_sock_links_blocked = true;
		if (board_sock_unblock || (board_sock_unblock = evtimer_new(daemon_state.base,
								  board_sock_unblock_cb, NULL)))
			evtimer_add(board_sock_unblock, &tv);
		board_sock_enqueue(b, true);
		return;
	}
	if (resp->err != PROTO_OK) {
		board_sock_open_failed(b, resp->err);
		return;
	}
	b->state = BOARD_SOCK_OPEN;
	if (b->timer)
		evtimer_del(b->timer);
	if (b->type != BOARD_SOCK_LISTENER) {
		b->tx_credit = resp->u.opened.tx_window;
		b->tx_window = b->tx_credit;
		b->local_port = resp->u.opened.local_port;
	}
	if (b->type == BOARD_SOCK_STREAM)
		daemon_ctr.streams_opened++;
	free(b->host);
	b->host = NULL;
	if (ops && ops->opened)
		ops->opened(b->ctx, b, PROTO_OK);
}

static bool board_sock_start_open(struct board_sock *b)
{
	struct msg m;

	if (b->type == BOARD_SOCK_STREAM) {
		msg_init(&m, PROTO_CONNECT);
		m.u.connect.kind = b->kind;
		m.u.connect.port = b->port;
		m.u.connect.local_port = b->local_port;
		m.u.connect.rx_window = b->rx_avail;
		snprintf(m.u.connect.host, sizeof(m.u.connect.host), "%s", b->host);
	} else if (b->type == BOARD_SOCK_UDP) {
		msg_init(&m, PROTO_UDP_BIND);
		m.u.bind.local_port = b->local_port;
		m.u.bind.rx_window = b->rx_avail;
	} else {
		msg_init(&m, PROTO_LISTEN);
		m.u.listen.port = b->port;
		m.u.listen.backlog = b->backlog;
		m.u.listen.rx_window = b->rx_window;
	}
	m.sock = b->id;
	b->state = BOARD_SOCK_OPENING;
	b->started_us = monotime_us();
	/* The socket's own timer bounds the wait: a late success must be closed. */
	b->req = board_req_submit(&m, 0, BOARD_REQ_SESSION, board_sock_open_done, b);
	if (b->req && b->type == BOARD_SOCK_STREAM)
		board_sock_arm_open(b);
	return b->req != NULL;
}

static void board_sock_dispatch(void)
{
	struct board_sock *b;

	while (board_session_attached() && !board_sock_links_blocked &&
	       board_sock_links_used < board_sock_links_total &&
	       (b = TAILQ_FIRST(&board_sock_openq))) {
		TAILQ_REMOVE(&board_sock_openq, b, openq);
		b->in_openq = false;
		board_sock_queued--;
		b->holds_link = true;
		board_sock_links_used++;
		if (!board_sock_start_open(b))
			board_sock_open_failed(b, PROTO_ENOBUFS);
	}
}

static struct board_sock *board_sock_open_common(uint8_t type, uid_t uid,
						 const struct board_sock_ops *ops, void *ctx,
						 int *err)
{
	struct board_sock *b;
	uint16_t id = board_sock_alloc_id();

	if (!id) {
		*err = PROTO_ENOBUFS;
		return NULL;
	}
	b = board_sock_new(type, uid, ops, ctx);
	if (!b) {
		*err = PROTO_ENOBUFS;
		return NULL;
	}
	board_sock_set_id(b, id);
	b->rx_avail = daemon_state.cfg->limits.client_buffer;
	b->rx_window = b->rx_avail;
	return b;
}

/*
 * Open through the link queue: streams and UDP sockets take an ESP link.
 * The queue is served on the next board flush, never from here: a failure
 * there calls the owner back, which must not happen before it holds b.
 */
static struct board_sock *board_sock_queue_open(struct board_sock *b, int *err)
{
	const struct config *cfg = daemon_state.cfg;
	bool link_free = board_session_attached() && !board_sock_links_blocked &&
			 board_sock_links_used + board_sock_queued < board_sock_links_total;

	if (!link_free && board_sock_queued == 0 && board_session_attached())
		log_info("all %u ESP links in use: connects wait for one (queue_timeout %.1f s)",
			 board_sock_links_total, (double)cfg->limits.queue_timeout_ms / 1000);
	if (!link_free && board_sock_queued >= cfg->limits.connect_queue) {
		log_info("connect to %s:%u refused: %u connects already wait for a link (limit)",
			 b->host ? b->host : "udp", b->port, board_sock_queued);
		*err = PROTO_ENOBUFS;
		board_sock_free(b);
		return NULL;
	}
	board_sock_enqueue(b, false);
	board_sock_arm_open(b);
	board_link_kick();
	return b;
}

struct board_sock *board_sock_connect(uint8_t kind, const char *host, uint16_t port, uid_t uid,
				      const struct board_sock_ops *ops, void *ctx, int *err)
{
	struct board_sock *b = board_sock_open_common(BOARD_SOCK_STREAM, uid, ops, ctx, err);

	if (!b)
		return NULL;
	b->kind = kind;
	b->port = port;
	b->host = strdup(host);
	if (!b->host) {
		*err = PROTO_ENOBUFS;
		board_sock_free(b);
		return NULL;
	}
	return board_sock_queue_open(b, err);
}

struct board_sock *board_sock_udp_bind(uint16_t local_port, uid_t uid,
				       const struct board_sock_ops *ops, void *ctx, int *err)
{
	struct board_sock *b = board_sock_open_common(BOARD_SOCK_UDP, uid, ops, ctx, err);

	if (!b)
		return NULL;
	b->kind = PROTO_KIND_UDP;
	b->local_port = local_port;
	return board_sock_queue_open(b, err);
}

struct board_sock *board_sock_listen(uint16_t port, uint8_t backlog, uid_t uid,
				     const struct board_sock_ops *ops, void *ctx, int *err)
{
	struct board_sock *b;

	if (!board_session_attached()) {
		*err = PROTO_ENODEV;
		return NULL;
	}
	b = board_sock_open_common(BOARD_SOCK_LISTENER, uid, ops, ctx, err);
	if (!b)
		return NULL;
	b->port = port;
	b->backlog = backlog;
	board_sock_arm_open(b);
	if (!board_sock_start_open(b)) {
		*err = PROTO_ENOBUFS;
		board_sock_free(b);
		return NULL;
	}
	return b;
}

void board_sock_close(struct board_sock *b)
{
	b->ops = NULL;
	b->ctx = NULL;
	switch (b->state) {
	case BOARD_SOCK_QUEUED:
		board_sock_free(b);
		break;
	case BOARD_SOCK_OPENING:
		b->close_wanted = true;
		break;
	case BOARD_SOCK_OPEN:
		if (b->remote_closed || !b->id || !board_session_attached())
			board_sock_free(b);
		else
			board_sock_send_close(b);
		break;
	case BOARD_SOCK_CLOSING:
		break;
	}
}

struct board_sock *board_sock_claim(uint16_t token, uid_t uid, const struct board_sock_ops *ops,
				    void *ctx, int *err)
{
	struct board_sock *b;

	TAILQ_FOREACH(b, &board_sock_all, all) {
		if (b->token != token || !token)
			continue;
		if (b->uid != uid && uid != 0) {
			*err = PROTO_EACCES;
			return NULL;
		}
		b->token = 0;
		board_sock_unclaimed--;
		b->ops = ops;
		b->ctx = ctx;
		if (b->timer)
			evtimer_del(b->timer);
		return b;
	}
	*err = PROTO_EBADF;
	return NULL;
}

void board_sock_set_owner(struct board_sock *b, const struct board_sock_ops *ops, void *ctx)
{
	b->ops = ops;
	b->ctx = ctx;
}

void board_sock_fail_protocol(struct board_sock *b, const char *why)
{
	const struct board_sock_ops *ops = b->ops;
	void *ctx = b->ctx;

	log_warnx("board socket %u: %s: closing it", b->id, why);
	board_session_count_bad();
	b->ops = NULL;
	if (ops && ops->closed)
		ops->closed(ctx, b, PROTO_EPROTO);
	board_sock_send_close(b);
}

static void board_sock_take_closed(struct board_sock *b, uint8_t err)
{
	const struct board_sock_ops *ops = b->ops;
	void *ctx = b->ctx;

	if (b->state == BOARD_SOCK_OPENING && !b->remote_closed) {
		/* The remote closed before the board answered the open: the owner
		 * learns it after the answer, behind any data that came first. */
		log_debug("board socket %u: closed (%s) before the open was answered", b->id,
			  proto_err_str(err));
		b->remote_closed = true;
		b->closed_err = err;
		return;
	}
	if (b->state != BOARD_SOCK_OPEN)
		return;
	if (b->token) {
		/* Keep what arrived for the claimant; the id is the board's again. */
		b->remote_closed = true;
		b->closed_err = err;
		board_sock_unset_id(b);
		board_sock_release_link(b);
		return;
	}
	b->ops = NULL;
	if (ops && ops->closed)
		ops->closed(ctx, b, err);
	board_sock_free(b);
}

static void board_sock_take_accepted(struct board_sock *l, const struct msg *m)
{
	struct board_sock *c;
	uint16_t id = m->u.accepted.new_sock;

	if (id < PROTO_SOCK_BOARD_MIN || board_sock_table[id]) {
		log_warnx("board announced accepted socket %u, an id it may not use now", id);
		board_session_count_bad();
		return;
	}
	c = board_sock_new(BOARD_SOCK_STREAM, l ? l->uid : 0, NULL, NULL);
	if (!c)
		return;
	board_sock_set_id(c, id);
	c->state = BOARD_SOCK_OPEN;
	c->holds_link = true;
	board_sock_links_used++;
	c->kind = PROTO_KIND_TCP;
	c->tx_credit = m->u.accepted.tx_window;
	c->tx_window = c->tx_credit;
	c->rx_avail = l ? l->rx_window : 0;
	c->rx_window = c->rx_avail;
	c->remote = m->u.accepted.remote;
	c->listener_id = m->sock;
	if (!l || l->state != BOARD_SOCK_OPEN || !l->ops) {
		log_info("accepted connection %u refused: no such listener", id);
		board_sock_send_close(c);
		return;
	}
	if (board_sock_unclaimed >= BOARD_SOCK_UNCLAIMED_MAX || !(c->held = evbuffer_new())) {
		log_info("accepted connection %u refused: too many unclaimed connections", id);
		board_sock_send_close(c);
		return;
	}
	do {
		c->token = board_sock_next_token++;
	} while (!c->token);
	board_sock_unclaimed++;
	board_sock_arm(c, daemon_state.cfg->limits.handshake_timeout_ms);
	daemon_ctr.streams_accepted++;
	if (l->ops->accepted)
		l->ops->accepted(l->ctx, l, c, &c->remote);
}

static enum board_input board_sock_input(const struct msg *m)
{
	struct board_sock *b;

	if (m->type != PROTO_DATA && m->type != PROTO_DATAGRAM && m->type != PROTO_CREDIT &&
	    m->type != PROTO_EV_CLOSED && m->type != PROTO_EV_ACCEPTED)
		return BOARD_INPUT_NOT_MINE;
	b = board_sock_table[m->sock];

	if (m->type == PROTO_EV_ACCEPTED) {
		board_sock_take_accepted(b && b->type == BOARD_SOCK_LISTENER ? b : NULL, m);
		return BOARD_INPUT_TAKEN;
	}
	if (!b) {
		log_debug("board: %s for unknown socket %u", proto_type_name(m->type), m->sock);
		board_session_count_ignored();
		return BOARD_INPUT_TAKEN;
	}
	switch (m->type) {
	case PROTO_DATA:
	case PROTO_DATAGRAM:
		board_sock_flow_take_data(b, m);
		break;
	case PROTO_CREDIT:
		board_sock_flow_take_credit(b, m->u.credit.bytes);
		break;
	case PROTO_EV_CLOSED:
		board_sock_take_closed(b, m->u.closed.err);
		break;
	default:
		break;
	}
	return BOARD_INPUT_TAKEN;
}

void board_sock_set_links(unsigned links_total)
{
	board_sock_links_total = links_total ? links_total : 1;
	board_sock_dispatch();
}

/* The first socket in a state other than QUEUED (and CLOSING, if skip_closing). */
static struct board_sock *board_sock_first_active(bool skip_closing)
{
	struct board_sock *b;

	TAILQ_FOREACH(b, &board_sock_all, all)
		if (b->state != BOARD_SOCK_QUEUED && !(skip_closing && b->state == BOARD_SOCK_CLOSING))
			return b;
	return NULL;
}

/* The session ended: every socket fails. */
static void board_sock_board_down(void)
{
	const int err = PROTO_ECONNRESET;
	struct board_sock *b;

	/* Owner callbacks may close other sockets: look for the next one afresh. */
	while ((b = board_sock_first_active(false))) {
		const struct board_sock_ops *ops = b->ops;
		void *ctx = b->ctx;

		b->ops = NULL;
		if (b->state == BOARD_SOCK_OPENING && !b->close_wanted) {
			if (b->type == BOARD_SOCK_STREAM)
				daemon_ctr.streams_failed++;
			if (ops && ops->opened)
				ops->opened(ctx, b, err);
		} else if (b->state == BOARD_SOCK_OPEN && ops && ops->closed) {
			ops->closed(ctx, b, err);
		}
		board_sock_free(b);
	}
	board_sock_links_used = 0;
	board_sock_links_blocked = false;
}

bool board_sock_shutdown(void)
{
	struct board_sock *b;

	while ((b = TAILQ_FIRST(&board_sock_openq)))
		board_sock_open_failed(b, PROTO_ECANCELED);
	while ((b = board_sock_first_active(true))) {
		const struct board_sock_ops *ops = b->ops;
		void *ctx = b->ctx;

		/* The owners learn first, and let go of the socket. */
		b->ops = NULL;
		b->ctx = NULL;
		if (b->state == BOARD_SOCK_OPENING) {
			if (ops && ops->opened && !b->close_wanted)
				ops->opened(ctx, b, PROTO_ECANCELED);
			b->close_wanted = true;
			if (!board_session_attached()) {
				board_sock_free(b);
				continue;
			}
			/* Waiting for the answer, after which it is closed. */
			b->state = BOARD_SOCK_CLOSING;
			continue;
		}
		if (ops && ops->closed)
			ops->closed(ctx, b, PROTO_ECANCELED);
		if (board_session_attached() && b->id && !b->remote_closed)
			board_sock_send_close(b);
		else
			board_sock_free(b);
	}
	return TAILQ_EMPTY(&board_sock_all);
}

void board_sock_counts(struct board_sock_counts *c)
{
	struct board_sock *b;

	memset(c, 0, sizeof(*c));
	TAILQ_FOREACH(b, &board_sock_all, all) {
		if (b->state == BOARD_SOCK_QUEUED) {
			c->queued++;
			continue;
		}
		c->in_use++;
		if (b->type == BOARD_SOCK_UDP)
			c->udp++;
		else if (b->type == BOARD_SOCK_LISTENER)
			c->listeners++;
		if (b->token)
			c->unclaimed++;
	}
	c->links_used = board_sock_links_used;
	c->links_total = board_sock_links_total;
}

unsigned board_sock_uid_streams(uid_t uid)
{
	struct board_sock *b;
	unsigned n = 0;

	TAILQ_FOREACH(b, &board_sock_all, all)
		if (b->type == BOARD_SOCK_STREAM && b->uid == uid && b->ops && !b->token)
			n++;
	return n;
}

uint16_t board_sock_id(const struct board_sock *b)
{
	return b->id;
}

uint16_t board_sock_local_port(const struct board_sock *b)
{
	return b->local_port;
}

uint16_t board_sock_token(const struct board_sock *b)
{
	return b->token;
}

const struct msg_addr *board_sock_remote(const struct board_sock *b)
{
	return &b->remote;
}

/* ---- the board session's user ---- */

/* A new session starts with the links the AT firmware has, until DEVICE_INFO
 * says otherwise; queued opens start on the flush that follows. */
static void board_sock_board_up(void)
{
	board_sock_links_total = PROTO_ESP_LINKS;
	board_link_kick();
}

static void board_sock_flush(void)
{
	board_sock_flow_flush_control();
	board_sock_dispatch();
}

static const struct board_user board_sock_user = {
	.up = board_sock_board_up,
	.down = board_sock_board_down,
	.input = board_sock_input,
	.flush = board_sock_flush,
	.flush_data = board_sock_flow_flush_data,
	.idle = board_sock_flow_idle,
};

void board_sock_init(void)
{
	TAILQ_INIT(&board_sock_openq);
	TAILQ_INIT(&board_sock_all);
	board_session_add_user(&board_sock_user);
}
