#include <event2/buffer.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "board_link.h"
#include "board_req.h"
#include "board_sock_int.h"
#include "board_sock.h"
#include "daemon.h"
#include "log.h"
#include "report.h"

#define BSOCK_UNCLAIMED_MAX 64   /* accepted connections waiting for a claim */
#define BSOCK_EMFILE_RETRY_MS 1000

static struct bsock *bsock_table[65536];
static TAILQ_HEAD(bsock_openq_head, bsock) bsock_openq = TAILQ_HEAD_INITIALIZER(bsock_openq);
static TAILQ_HEAD(bsock_all_head, bsock) bsock_all = TAILQ_HEAD_INITIALIZER(bsock_all);
static uint16_t bsock_next_id = 1;
static uint16_t bsock_next_token = 1;
static unsigned bsock_links_total = 5;
static unsigned bsock_links_used;
static bool bsock_links_blocked;  /* the board said EMFILE: wait for a close */
static unsigned bsock_queued;
static unsigned bsock_unclaimed;

static struct event *bsock_unblock;

static void bsock_timer_cb(evutil_socket_t fd, short what, void *arg);

static void bsock_unblock_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	bsock_links_blocked = false;
	bsock_dispatch();
}

void bsock_init(void)
{
	TAILQ_INIT(&bsock_openq);
	TAILQ_INIT(&bsock_all);
}

static uint16_t bsock_alloc_id(void)
{
	for (unsigned tries = 0; tries < PROTO_SOCK_HOST_MAX; tries++) {
		uint16_t id = bsock_next_id;

		bsock_next_id = bsock_next_id == PROTO_SOCK_HOST_MAX ? 1 : bsock_next_id + 1;
		if (!bsock_table[id])
			return id;
	}
	return 0;
}

static struct bsock *bsock_new(uint8_t type, uid_t uid, const struct bsock_ops *ops, void *ctx)
{
	struct bsock *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->type = type;
	b->uid = uid;
	b->ops = ops;
	b->ctx = ctx;
	b->created_us = daemon_now_us();
	TAILQ_INSERT_TAIL(&bsock_all, b, all);
	return b;
}

static void bsock_set_id(struct bsock *b, uint16_t id)
{
	b->id = id;
	if (id)
		bsock_table[id] = b;
}

static void bsock_unset_id(struct bsock *b)
{
	if (b->id && bsock_table[b->id] == b)
		bsock_table[b->id] = NULL;
	b->id = 0;
}

static void bsock_release_link(struct bsock *b)
{
	if (!b->holds_link)
		return;
	b->holds_link = false;
	if (bsock_links_used)
		bsock_links_used--;
	bsock_links_blocked = false;
	board_kick();
}

static void bsock_free(struct bsock *b)
{
	if (b->req) {
		breq_cancel(b->req);
		b->req = NULL;
	}
	bflow_forget(b);
	if (b->in_openq) {
		TAILQ_REMOVE(&bsock_openq, b, openq);
		bsock_queued--;
	}
	if (b->token)
		bsock_unclaimed--;
	TAILQ_REMOVE(&bsock_all, b, all);
	bsock_unset_id(b);
	bsock_release_link(b);
	if (b->timer)
		event_free(b->timer);
	if (b->held)
		evbuffer_free(b->held);
	free(b->host);
	free(b);
}

static void bsock_arm(struct bsock *b, uint32_t ms)
{
	struct timeval tv = daemon_tv(ms);

	if (!b->timer)
		b->timer = evtimer_new(daemon_state.base, bsock_timer_cb, b);
	if (b->timer)
		evtimer_add(b->timer, &tv);
}

/* Tell the owner an open failed and forget the socket. */
static void bsock_open_failed(struct bsock *b, int err)
{
	const struct bsock_ops *ops = b->ops;
	void *ctx = b->ctx;

	if (b->type == BSOCK_STREAM)
		status_ctr.streams_failed++;
	b->ops = NULL;
	if (ops && ops->opened)
		ops->opened(ctx, b, err);
	bsock_free(b);
}

static void bsock_enqueue(struct bsock *b, bool front)
{
	b->state = BSOCK_QUEUED;
	b->in_openq = true;
	bsock_queued++;
	if (front)
		TAILQ_INSERT_HEAD(&bsock_openq, b, openq);
	else
		TAILQ_INSERT_TAIL(&bsock_openq, b, openq);
}

/*
 * When an open gives up: a stream waits queue_timeout for a free ESP link,
 * then connect_timeout for the board's answer; a UDP socket or a listener
 * request_timeout in all.
 */
static uint64_t bsock_deadline_us(const struct bsock *b)
{
	const struct config *cfg = daemon_state.cfg;

	if (b->type != BSOCK_STREAM)
		return b->created_us + (uint64_t)cfg->limits.request_timeout_ms * 1000;
	if (b->state == BSOCK_QUEUED)
		return b->created_us + (uint64_t)cfg->limits.queue_timeout_ms * 1000;
	return b->started_us + (uint64_t)cfg->limits.connect_timeout_ms * 1000;
}

/* When to look at a queued or opening socket next. */
static void bsock_arm_open(struct bsock *b)
{
	const struct config *cfg = daemon_state.cfg;
	uint64_t now = daemon_now_us(), age_ms = (now - b->created_us) / 1000;
	uint64_t deadline = bsock_deadline_us(b);
	uint64_t next = deadline > now ? (deadline - now + 999) / 1000 : 0;

	if (b->state == BSOCK_QUEUED && !board_attached() && cfg->device.request_wait_ms > age_ms &&
	    cfg->device.request_wait_ms - age_ms < next)
		next = cfg->device.request_wait_ms - age_ms;
	bsock_arm(b, (uint32_t)next);
}

/*
 * Deadline of a queued or opening socket (request_wait while there is no
 * board, the open deadline in all), or the claim expiry of an accepted one.
 */
static void bsock_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bsock *b = arg;
	const struct config *cfg = daemon_state.cfg;
	uint64_t age_ms = (daemon_now_us() - b->created_us) / 1000;

	(void)fd;
	(void)what;
	if (b->token) {
		log_debug("accepted connection %u from the listener %u was not claimed in time",
			  b->id, b->listener_id);
		bsock_close(b);
		return;
	}
	if (b->state == BSOCK_QUEUED && !board_attached() &&
	    age_ms >= cfg->device.request_wait_ms) {
		bsock_open_failed(b, PROTO_ENODEV);
		return;
	}
	if (daemon_now_us() < bsock_deadline_us(b)) {
		if (b->state == BSOCK_QUEUED || b->state == BSOCK_OPENING)
			bsock_arm_open(b);
		return;
	}
	if (b->state == BSOCK_QUEUED) {
		log_info("connect to %s:%u (uid %u): no ESP link came free in %.1f s (all %u in "
			 "use; queue_timeout): failed", b->host ? b->host : "udp", b->port,
			 (unsigned)b->uid, (double)age_ms / 1000, bsock_links_total);
		bsock_open_failed(b, PROTO_ETIMEDOUT);
	} else if (b->state == BSOCK_OPENING && !b->close_wanted) {
		/* Too late for the owner; the board's answer still has to be waited for. */
		const struct bsock_ops *ops = b->ops;
		void *ctx = b->ctx;

		if (b->type == BSOCK_STREAM)
			status_ctr.streams_failed++;
		b->ops = NULL;
		b->close_wanted = true;
		if (ops && ops->opened)
			ops->opened(ctx, b, PROTO_ETIMEDOUT);
	}
}

static void bsock_close_done(void *ctx, const struct msg *resp)
{
	struct bsock *b = ctx;

	(void)resp;
	b->req = NULL;
	bsock_free(b);
}

/* CLOSE on the board; the socket lives on until the answer. */
static void bsock_send_close(struct bsock *b)
{
	struct msg m;

	msg_init(&m, PROTO_CLOSE);
	m.sock = b->id;
	b->state = BSOCK_CLOSING;
	b->ops = NULL;
	/* A closing connection can no longer be claimed: the claimant would own
	 * a socket that is freed under it when the answer comes. */
	if (b->token) {
		b->token = 0;
		bsock_unclaimed--;
	}
	bflow_forget(b);
	b->req = breq_submit(&m, daemon_state.cfg->limits.request_timeout_ms,
			       BREQ_URGENT | BREQ_SESSION, bsock_close_done, b);
	if (!b->req)
		bsock_free(b);
}

static void bsock_open_done(void *ctx, const struct msg *resp)
{
	struct bsock *b = ctx;
	const struct bsock_ops *ops = b->ops;

	b->req = NULL;
	if (b->close_wanted) {
		if (resp->err == PROTO_OK && !b->remote_closed)
			bsock_send_close(b);
		else
			bsock_free(b);
		return;
	}
	if (resp->err == PROTO_EMFILE && b->holds_link) {
		/* The board has fewer links than counted: wait for one to close, or
		 * a while if none of ours is open to do so. */
		struct timeval tv = daemon_tv(BSOCK_EMFILE_RETRY_MS);

		bsock_release_link(b);
		bsock_links_blocked = true;
		if (bsock_unblock || (bsock_unblock = evtimer_new(daemon_state.base,
								  bsock_unblock_cb, NULL)))
			evtimer_add(bsock_unblock, &tv);
		bsock_enqueue(b, true);
		return;
	}
	if (resp->err != PROTO_OK) {
		bsock_open_failed(b, resp->err);
		return;
	}
	b->state = BSOCK_OPEN;
	if (b->timer)
		evtimer_del(b->timer);
	if (b->type != BSOCK_LISTENER) {
		b->tx_credit = resp->u.opened.tx_window;
		b->tx_window = b->tx_credit;
		b->local_port = resp->u.opened.local_port;
	}
	if (b->type == BSOCK_STREAM)
		status_ctr.streams_opened++;
	free(b->host);
	b->host = NULL;
	if (ops && ops->opened)
		ops->opened(b->ctx, b, PROTO_OK);
}

static bool bsock_start_open(struct bsock *b)
{
	struct msg m;

	if (b->type == BSOCK_STREAM) {
		msg_init(&m, PROTO_CONNECT);
		m.u.connect.kind = b->kind;
		m.u.connect.port = b->port;
		m.u.connect.local_port = b->local_port;
		m.u.connect.rx_window = b->rx_avail;
		snprintf(m.u.connect.host, sizeof(m.u.connect.host), "%s", b->host);
	} else if (b->type == BSOCK_UDP) {
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
	b->state = BSOCK_OPENING;
	b->started_us = daemon_now_us();
	/* The socket's own timer bounds the wait: a late success must be closed. */
	b->req = breq_submit(&m, 0, BREQ_SESSION, bsock_open_done, b);
	if (b->req && b->type == BSOCK_STREAM)
		bsock_arm_open(b);
	return b->req != NULL;
}

void bsock_dispatch(void)
{
	struct bsock *b;

	while (board_attached() && !bsock_links_blocked && bsock_links_used < bsock_links_total &&
	       (b = TAILQ_FIRST(&bsock_openq))) {
		TAILQ_REMOVE(&bsock_openq, b, openq);
		b->in_openq = false;
		bsock_queued--;
		b->holds_link = true;
		bsock_links_used++;
		if (!bsock_start_open(b))
			bsock_open_failed(b, PROTO_ENOBUFS);
	}
}

static struct bsock *bsock_open_common(uint8_t type, uid_t uid, const struct bsock_ops *ops,
				       void *ctx, int *err)
{
	struct bsock *b;
	uint16_t id = bsock_alloc_id();

	if (!id) {
		*err = PROTO_ENOBUFS;
		return NULL;
	}
	b = bsock_new(type, uid, ops, ctx);
	if (!b) {
		*err = PROTO_ENOBUFS;
		return NULL;
	}
	bsock_set_id(b, id);
	b->rx_avail = daemon_state.cfg->limits.client_buffer;
	b->rx_window = b->rx_avail;
	return b;
}

/*
 * Open through the link queue: streams and UDP sockets take an ESP link.
 * The queue is served on the next board flush, never from here: a failure
 * there calls the owner back, which must not happen before it holds b.
 */
static struct bsock *bsock_queue_open(struct bsock *b, int *err)
{
	const struct config *cfg = daemon_state.cfg;
	bool link_free = board_attached() && !bsock_links_blocked &&
			 bsock_links_used + bsock_queued < bsock_links_total;

	if (!link_free && bsock_queued == 0 && board_attached())
		log_info("all %u ESP links in use: connects wait for one (queue_timeout %.1f s)",
			 bsock_links_total, (double)cfg->limits.queue_timeout_ms / 1000);
	if (!link_free && bsock_queued >= cfg->limits.connect_queue) {
		log_info("connect to %s:%u refused: %u connects already wait for a link (limit)",
			 b->host ? b->host : "udp", b->port, bsock_queued);
		*err = PROTO_ENOBUFS;
		bsock_free(b);
		return NULL;
	}
	bsock_enqueue(b, false);
	bsock_arm_open(b);
	board_kick();
	return b;
}

struct bsock *bsock_connect(uint8_t kind, const char *host, uint16_t port, uid_t uid,
			    const struct bsock_ops *ops, void *ctx, int *err)
{
	struct bsock *b = bsock_open_common(BSOCK_STREAM, uid, ops, ctx, err);

	if (!b)
		return NULL;
	b->kind = kind;
	b->port = port;
	b->host = strdup(host);
	if (!b->host) {
		*err = PROTO_ENOBUFS;
		bsock_free(b);
		return NULL;
	}
	return bsock_queue_open(b, err);
}

struct bsock *bsock_udp_bind(uint16_t local_port, uid_t uid, const struct bsock_ops *ops,
			     void *ctx, int *err)
{
	struct bsock *b = bsock_open_common(BSOCK_UDP, uid, ops, ctx, err);

	if (!b)
		return NULL;
	b->kind = PROTO_KIND_UDP;
	b->local_port = local_port;
	return bsock_queue_open(b, err);
}

struct bsock *bsock_listen(uint16_t port, uint8_t backlog, uid_t uid,
			   const struct bsock_ops *ops, void *ctx, int *err)
{
	struct bsock *b;

	if (!board_attached()) {
		*err = PROTO_ENODEV;
		return NULL;
	}
	b = bsock_open_common(BSOCK_LISTENER, uid, ops, ctx, err);
	if (!b)
		return NULL;
	b->port = port;
	b->backlog = backlog;
	bsock_arm_open(b);
	if (!bsock_start_open(b)) {
		*err = PROTO_ENOBUFS;
		bsock_free(b);
		return NULL;
	}
	return b;
}

void bsock_close(struct bsock *b)
{
	b->ops = NULL;
	b->ctx = NULL;
	switch (b->state) {
	case BSOCK_QUEUED:
		bsock_free(b);
		break;
	case BSOCK_OPENING:
		b->close_wanted = true;
		break;
	case BSOCK_OPEN:
		if (b->remote_closed || !b->id || !board_attached())
			bsock_free(b);
		else
			bsock_send_close(b);
		break;
	case BSOCK_CLOSING:
		break;
	}
}

struct bsock *bsock_claim(uint16_t token, uid_t uid, const struct bsock_ops *ops, void *ctx,
			  int *err)
{
	struct bsock *b;

	TAILQ_FOREACH(b, &bsock_all, all) {
		if (b->token != token || !token)
			continue;
		if (b->uid != uid && uid != 0) {
			*err = PROTO_EACCES;
			return NULL;
		}
		b->token = 0;
		bsock_unclaimed--;
		b->ops = ops;
		b->ctx = ctx;
		if (b->timer)
			evtimer_del(b->timer);
		return b;
	}
	*err = PROTO_EBADF;
	return NULL;
}

void bsock_set_owner(struct bsock *b, const struct bsock_ops *ops, void *ctx)
{
	b->ops = ops;
	b->ctx = ctx;
}

void bsock_fail_protocol(struct bsock *b, const char *why)
{
	const struct bsock_ops *ops = b->ops;
	void *ctx = b->ctx;

	log_warnx("board socket %u: %s: closing it", b->id, why);
	board_info_count_bad();
	b->ops = NULL;
	if (ops && ops->closed)
		ops->closed(ctx, b, PROTO_EPROTO);
	bsock_send_close(b);
}

static void bsock_take_closed(struct bsock *b, uint8_t err)
{
	const struct bsock_ops *ops = b->ops;
	void *ctx = b->ctx;

	if (b->state == BSOCK_OPENING && !b->remote_closed) {
		/* The remote closed before the board answered the open: the owner
		 * learns it after the answer, behind any data that came first. */
		log_debug("board socket %u: closed (%s) before the open was answered", b->id,
			  proto_err_str(err));
		b->remote_closed = true;
		b->closed_err = err;
		return;
	}
	if (b->state != BSOCK_OPEN)
		return;
	if (b->token) {
		/* Keep what arrived for the claimant; the id is the board's again. */
		b->remote_closed = true;
		b->closed_err = err;
		bsock_unset_id(b);
		bsock_release_link(b);
		return;
	}
	b->ops = NULL;
	if (ops && ops->closed)
		ops->closed(ctx, b, err);
	bsock_free(b);
}

static void bsock_take_accepted(struct bsock *l, const struct msg *m)
{
	struct bsock *c;
	uint16_t id = m->u.accepted.new_sock;

	if (id < PROTO_SOCK_BOARD_MIN || bsock_table[id]) {
		log_warnx("board announced accepted socket %u, an id it may not use now", id);
		board_info_count_bad();
		return;
	}
	c = bsock_new(BSOCK_STREAM, l ? l->uid : 0, NULL, NULL);
	if (!c)
		return;
	bsock_set_id(c, id);
	c->state = BSOCK_OPEN;
	c->holds_link = true;
	bsock_links_used++;
	c->kind = PROTO_KIND_TCP;
	c->tx_credit = m->u.accepted.tx_window;
	c->tx_window = c->tx_credit;
	c->rx_avail = l ? l->rx_window : 0;
	c->rx_window = c->rx_avail;
	c->remote = m->u.accepted.remote;
	c->listener_id = m->sock;
	if (!l || l->state != BSOCK_OPEN || !l->ops) {
		log_info("accepted connection %u refused: no such listener", id);
		bsock_send_close(c);
		return;
	}
	if (bsock_unclaimed >= BSOCK_UNCLAIMED_MAX || !(c->held = evbuffer_new())) {
		log_info("accepted connection %u refused: too many unclaimed connections", id);
		bsock_send_close(c);
		return;
	}
	do {
		c->token = bsock_next_token++;
	} while (!c->token);
	bsock_unclaimed++;
	bsock_arm(c, daemon_state.cfg->limits.handshake_timeout_ms);
	status_ctr.streams_accepted++;
	if (l->ops->accepted)
		l->ops->accepted(l->ctx, l, c, &c->remote);
}

void bsock_input(const struct msg *m)
{
	struct bsock *b = bsock_table[m->sock];

	if (m->type == PROTO_EV_ACCEPTED) {
		bsock_take_accepted(b && b->type == BSOCK_LISTENER ? b : NULL, m);
		return;
	}
	if (!b) {
		log_debug("board: %s for unknown socket %u", proto_type_name(m->type), m->sock);
		board_info_count_ignored();
		return;
	}
	switch (m->type) {
	case PROTO_DATA:
	case PROTO_DATAGRAM:
		bflow_take_data(b, m);
		break;
	case PROTO_CREDIT:
		bflow_take_credit(b, m->u.credit.bytes);
		break;
	case PROTO_EV_CLOSED:
		bsock_take_closed(b, m->u.closed.err);
		break;
	default:
		break;
	}
}

void bsock_board_up(unsigned links_total)
{
	bsock_links_total = links_total ? links_total : 1;
	bsock_dispatch();
}

/* The first socket in a state other than QUEUED (and CLOSING, if skip_closing). */
static struct bsock *bsock_first_active(bool skip_closing)
{
	struct bsock *b;

	TAILQ_FOREACH(b, &bsock_all, all)
		if (b->state != BSOCK_QUEUED && !(skip_closing && b->state == BSOCK_CLOSING))
			return b;
	return NULL;
}

void bsock_fail_all(int err)
{
	struct bsock *b;

	/* Owner callbacks may close other sockets: look for the next one afresh. */
	while ((b = bsock_first_active(false))) {
		const struct bsock_ops *ops = b->ops;
		void *ctx = b->ctx;

		b->ops = NULL;
		if (b->state == BSOCK_OPENING && !b->close_wanted) {
			if (b->type == BSOCK_STREAM)
				status_ctr.streams_failed++;
			if (ops && ops->opened)
				ops->opened(ctx, b, err);
		} else if (b->state == BSOCK_OPEN && ops && ops->closed) {
			ops->closed(ctx, b, err);
		}
		bsock_free(b);
	}
	bsock_links_used = 0;
	bsock_links_blocked = false;
}

bool bsock_shutdown(void)
{
	struct bsock *b;

	while ((b = TAILQ_FIRST(&bsock_openq)))
		bsock_open_failed(b, PROTO_ECANCELED);
	while ((b = bsock_first_active(true))) {
		const struct bsock_ops *ops = b->ops;
		void *ctx = b->ctx;

		/* The owners learn first, and let go of the socket. */
		b->ops = NULL;
		b->ctx = NULL;
		if (b->state == BSOCK_OPENING) {
			if (ops && ops->opened && !b->close_wanted)
				ops->opened(ctx, b, PROTO_ECANCELED);
			b->close_wanted = true;
			if (!board_attached()) {
				bsock_free(b);
				continue;
			}
			/* Waiting for the answer, after which it is closed. */
			b->state = BSOCK_CLOSING;
			continue;
		}
		if (ops && ops->closed)
			ops->closed(ctx, b, PROTO_ECANCELED);
		if (board_attached() && b->id && !b->remote_closed)
			bsock_send_close(b);
		else
			bsock_free(b);
	}
	return TAILQ_EMPTY(&bsock_all);
}

void bsock_counts(struct bsock_counts *c)
{
	struct bsock *b;

	memset(c, 0, sizeof(*c));
	TAILQ_FOREACH(b, &bsock_all, all) {
		if (b->state == BSOCK_QUEUED) {
			c->queued++;
			continue;
		}
		c->in_use++;
		if (b->type == BSOCK_UDP)
			c->udp++;
		else if (b->type == BSOCK_LISTENER)
			c->listeners++;
		if (b->token)
			c->unclaimed++;
	}
	c->links_used = bsock_links_used;
	c->links_total = bsock_links_total;
}

unsigned bsock_uid_streams(uid_t uid)
{
	struct bsock *b;
	unsigned n = 0;

	TAILQ_FOREACH(b, &bsock_all, all)
		if (b->type == BSOCK_STREAM && b->uid == uid && b->ops && !b->token)
			n++;
	return n;
}
