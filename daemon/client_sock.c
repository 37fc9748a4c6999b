#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "board_req.h"
#include "board_sock.h"
#include "client_int.h"
#include "client_sock.h"
#include "daemon.h"
#include "log.h"

struct client_sock {
	LIST_ENTRY(client_sock) entry;
	struct client *c;
	struct board_sock *b;
	uint16_t id;                  /* the client's id for it */
	uint16_t open_tag;
	bool open;
	bool listener;
	uint32_t rx_pending;          /* datagram bytes given to the client, not credited */
};

static struct client_sock *client_sock_find(struct client *c, uint16_t id)
{
	struct client_sock *s;

	LIST_FOREACH(s, &c->socks_owned, entry)
		if (s->id == id)
			return s;
	return NULL;
}

static unsigned client_sock_count(struct client *c)
{
	struct client_sock *s;
	unsigned n = 0;

	LIST_FOREACH(s, &c->socks_owned, entry)
		n++;
	return n;
}

static void client_sock_drop(struct client_sock *s)
{
	LIST_REMOVE(s, entry);
	free(s);
}

static void client_sock_opened(void *ctx, struct board_sock *b, int err)
{
	struct client_sock *s = ctx;
	struct client *c = s->c;
	struct msg resp;

	msg_init(&resp, (uint8_t)((s->listener ? PROTO_LISTEN : PROTO_UDP_BIND) | PROTO_RESPONSE));
	resp.tag = s->open_tag;
	resp.err = (uint8_t)err;
	resp.sock = s->id;
	if (err == PROTO_OK && !s->listener) {
		resp.u.opened.tx_window = board_sock_flow_credit(b);
		resp.u.opened.local_port = board_sock_local_port(b);
	}
	if (c->outstanding)
		c->outstanding--;
	if (err != PROTO_OK) {
		s->b = NULL;
		client_sock_drop(s);
	} else {
		s->open = true;
	}
	client_send(c, &resp);
	if (c->input_blocked)
		bufferevent_trigger(c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
}

static void client_sock_take_datagram(void *ctx, struct board_sock *b, const struct msg *m)
{
	struct client_sock *s = ctx;
	struct msg out = *m;

	out.sock = s->id;
	if (!client_send(s->c, &out)) {
		/* Lost like any datagram, but its credit must go back to the board. */
		board_sock_flow_consumed(b, m->u.data.len);
		return;
	}
	s->rx_pending += m->u.data.len;
	daemon_ctr.datagrams_down++;
}

static void client_sock_closed(void *ctx, struct board_sock *b, int err)
{
	struct client_sock *s = ctx;
	struct msg ev;

	(void)b;
	msg_init(&ev, PROTO_EV_CLOSED);
	ev.sock = s->id;
	ev.u.closed.err = (uint8_t)err;
	client_send(s->c, &ev);
	s->b = NULL;
	/* A datagram waiting for this socket's credit is answered now (EV_CLOSED). */
	if (s->c->input_blocked)
		bufferevent_trigger(s->c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
	client_sock_drop(s);
}

static void client_sock_accepted(void *ctx, struct board_sock *l, struct board_sock *child,
				 const struct msg_addr *remote)
{
	struct client_sock *s = ctx;
	struct msg ev;

	(void)l;
	msg_init(&ev, PROTO_EV_ACCEPTED);
	ev.sock = s->id;
	ev.u.accepted.new_sock = board_sock_token(child);
	ev.u.accepted.remote = *remote;
	ev.u.accepted.tx_window = 0;
	client_send(s->c, &ev);
}

/* Credit or link room came back for a datagram that had to wait. */
static bool client_sock_tx(void *ctx, struct board_sock *b)
{
	struct client_sock *s = ctx;

	(void)b;
	if (s->c->input_blocked)
		bufferevent_trigger(s->c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
	return false;
}

static const struct board_sock_ops client_sock_ops = {
	.opened = client_sock_opened,
	.datagram = client_sock_take_datagram,
	.closed = client_sock_closed,
	.accepted = client_sock_accepted,
	.tx = client_sock_tx,
};

void client_sock_open(struct client *c, const struct msg *m, bool listener)
{
	const struct config *cfg = daemon_state.cfg;
	struct client_sock *s;
	int err = PROTO_OK;

	if (listener ? !cfg->access.allow_listen : !cfg->access.allow_udp) {
		client_reply(c, m, PROTO_EACCES);
		return;
	}
	if (m->sock == 0 || m->sock > PROTO_SOCK_HOST_MAX) {
		client_reply(c, m, PROTO_EINVAL);
		return;
	}
	if (client_sock_find(c, m->sock)) {
		client_reply(c, m, PROTO_EALREADY);
		return;
	}
	if (client_sock_count(c) >= cfg->limits.sockets_per_client) {
		client_reply(c, m, PROTO_ENOBUFS);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		client_reply(c, m, PROTO_ENOBUFS);
		return;
	}
	s->c = c;
	s->id = m->sock;
	s->open_tag = m->tag;
	s->listener = listener;
	LIST_INSERT_HEAD(&c->socks_owned, s, entry);
	if (listener)
		s->b = board_sock_listen(m->u.listen.port, m->u.listen.backlog, c->uid, &client_sock_ops,
				    s, &err);
	else
		s->b = board_sock_udp_bind(m->u.bind.local_port, c->uid, &client_sock_ops, s, &err);
	if (!s->b) {
		client_sock_drop(s);
		client_reply(c, m, (uint8_t)err);
		return;
	}
	c->outstanding++;
}

void client_sock_close(struct client *c, const struct msg *m)
{
	struct client_sock *s = client_sock_find(c, m->sock);

	if (!s) {
		client_reply(c, m, PROTO_EBADF);
		return;
	}
	if (s->b)
		board_sock_close(s->b);
	if (!s->open) {
		/* Its UDP_BIND or LISTEN still waits for an answer: it is cancelled. */
		struct msg open_req;

		msg_init(&open_req, s->listener ? PROTO_LISTEN : PROTO_UDP_BIND);
		open_req.tag = s->open_tag;
		client_reply(c, &open_req, PROTO_ECANCELED);
		if (c->outstanding)
			c->outstanding--;
	}
	client_sock_drop(s);
	client_reply(c, m, PROTO_OK);
}

void client_sock_setsockopt(struct client *c, const struct msg *m)
{
	struct client_sock *s = client_sock_find(c, m->sock);
	struct msg fwd = *m;

	if (!s || !s->open || !s->b) {
		client_reply(c, m, PROTO_EBADF);
		return;
	}
	if (m->u.sockopt.opt == PROTO_OPT_RCVBUF || m->u.sockopt.opt == PROTO_OPT_SNDBUF) {
		/* Buffers are sized by [limits] for everyone. */
		client_reply(c, m, PROTO_ENOTSUP);
		return;
	}
	fwd.sock = board_sock_id(s->b);
	/* The id means another socket, or none, once the link session has changed. */
	client_forward(c, &fwd, daemon_state.cfg->limits.request_timeout_ms, BOARD_REQ_SESSION);
}

/* A datagram that cannot go is dropped, but not silently: the client gets a warning. */
static void client_sock_datagram_refused(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void client_sock_datagram_refused(struct client *c, const char *fmt, ...)
{
	struct msg ev;
	va_list ap;

	msg_init(&ev, PROTO_EV_LOG);
	ev.u.log.level = PROTO_LOG_WARN;
	va_start(ap, fmt);
	vsnprintf(ev.u.log.text, sizeof(ev.u.log.text), fmt, ap);
	va_end(ap);
	log_debug("client %u: %s", c->serial, ev.u.log.text);
	client_send(c, &ev);
}

bool client_sock_datagram(struct client *c, const struct msg *m)
{
	struct client_sock *s = client_sock_find(c, m->sock);

	if (!s || s->listener || !s->open || !s->b) {
		struct msg ev;

		/* Not silently: the client learns the socket is gone. */
		msg_init(&ev, PROTO_EV_CLOSED);
		ev.sock = m->sock;
		ev.u.closed.err = PROTO_EBADF;
		client_send(c, &ev);
		return true;
	}
	if (m->u.data.len > board_sock_flow_window(s->b) || m->u.data.len > PROTO_DATA_MAX) {
		client_sock_datagram_refused(c,
				       "datagram of %u bytes on socket %u not sent: the board takes %u at most",
				       m->u.data.len, m->sock, board_sock_flow_window(s->b));
		return true;
	}
	if (!client_dest_allowed(m->u.data.addr.ip, m->u.data.addr.port)) {
		const uint8_t *ip = m->u.data.addr.ip;

		daemon_ctr.datagrams_refused++;
		client_sock_datagram_refused(c,
				       "datagram to %u.%u.%u.%u:%u on socket %u not sent: refused by the rules",
				       ip[0], ip[1], ip[2], ip[3], m->u.data.addr.port, m->sock);
		return true;
	}
	if (!board_sock_flow_send_datagram(s->b, &m->u.data.addr, m->u.data.data, m->u.data.len)) {
		board_sock_flow_want_tx(s->b);
		return false;
	}
	daemon_ctr.datagrams_up++;
	return true;
}

void client_sock_credit(struct client *c)
{
	struct client_sock *s;

	LIST_FOREACH(s, &c->socks_owned, entry) {
		if (s->rx_pending && s->b) {
			board_sock_flow_consumed(s->b, s->rx_pending);
			s->rx_pending = 0;
		}
	}
}

void client_sock_close_all(struct client *c)
{
	struct client_sock *s;

	while ((s = LIST_FIRST(&c->socks_owned))) {
		LIST_REMOVE(s, entry);
		if (s->b)
			board_sock_close(s->b);
		free(s);
	}
}
