#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "board_sock_int.h"
#include "board_req.h"
#include "board_sock.h"
#include "client.h"
#include "daemon.h"
#include "log.h"
#include "report.h"
#include "client_sock.h"

struct usock {
	LIST_ENTRY(usock) entry;
	struct client *c;
	struct bsock *b;
	uint16_t id;                  /* the client's id for it */
	uint16_t open_tag;
	bool open;
	bool listener;
	uint32_t rx_pending;          /* datagram bytes given to the client, not credited */
};

static struct usock *usock_find(struct client *c, uint16_t id)
{
	struct usock *s;

	LIST_FOREACH(s, &c->socks_owned, entry)
		if (s->id == id)
			return s;
	return NULL;
}

static unsigned usock_count(struct client *c)
{
	struct usock *s;
	unsigned n = 0;

	LIST_FOREACH(s, &c->socks_owned, entry)
		n++;
	return n;
}

static void usock_drop(struct usock *s)
{
	LIST_REMOVE(s, entry);
	free(s);
}

static void usock_opened(void *ctx, struct bsock *b, int err)
{
	struct usock *s = ctx;
	struct client *c = s->c;
	struct msg resp;

	msg_init(&resp, (uint8_t)((s->listener ? PROTO_LISTEN : PROTO_UDP_BIND) | PROTO_RESPONSE));
	resp.tag = s->open_tag;
	resp.err = (uint8_t)err;
	resp.sock = s->id;
	if (err == PROTO_OK && !s->listener) {
		resp.u.opened.tx_window = b->tx_credit;
		resp.u.opened.local_port = b->local_port;
	}
	if (c->outstanding)
		c->outstanding--;
	if (err != PROTO_OK) {
		s->b = NULL;
		usock_drop(s);
	} else {
		s->open = true;
	}
	client_send(c, &resp);
	if (c->input_blocked)
		bufferevent_trigger(c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
}

static void usock_take_datagram(void *ctx, struct bsock *b, const struct msg *m)
{
	struct usock *s = ctx;
	struct msg out = *m;

	out.sock = s->id;
	if (!client_send(s->c, &out)) {
		/* Lost like any datagram, but its credit must go back to the board. */
		bflow_consumed(b, m->u.data.len);
		return;
	}
	s->rx_pending += m->u.data.len;
	status_ctr.datagrams_down++;
}

static void usock_closed(void *ctx, struct bsock *b, int err)
{
	struct usock *s = ctx;
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
	usock_drop(s);
}

static void usock_accepted(void *ctx, struct bsock *l, struct bsock *child,
				 const struct msg_addr *remote)
{
	struct usock *s = ctx;
	struct msg ev;

	(void)l;
	msg_init(&ev, PROTO_EV_ACCEPTED);
	ev.sock = s->id;
	ev.u.accepted.new_sock = child->token;
	ev.u.accepted.remote = *remote;
	ev.u.accepted.tx_window = 0;
	client_send(s->c, &ev);
}

/* Credit or link room came back for a datagram that had to wait. */
static bool usock_tx(void *ctx, struct bsock *b)
{
	struct usock *s = ctx;

	(void)b;
	if (s->c->input_blocked)
		bufferevent_trigger(s->c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
	return false;
}

static const struct bsock_ops usock_ops = {
	.opened = usock_opened,
	.datagram = usock_take_datagram,
	.closed = usock_closed,
	.accepted = usock_accepted,
	.tx = usock_tx,
};

void usock_open(struct client *c, const struct msg *m, bool listener)
{
	const struct config *cfg = daemon_state.cfg;
	struct usock *s;
	int err = PROTO_OK;

	if (listener ? !cfg->access.allow_listen : !cfg->access.allow_udp) {
		client_reply(c, m, PROTO_EACCES);
		return;
	}
	if (m->sock == 0 || m->sock > PROTO_SOCK_HOST_MAX) {
		client_reply(c, m, PROTO_EINVAL);
		return;
	}
	if (usock_find(c, m->sock)) {
		client_reply(c, m, PROTO_EALREADY);
		return;
	}
	if (usock_count(c) >= cfg->limits.sockets_per_client) {
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
		s->b = bsock_listen(m->u.listen.port, m->u.listen.backlog, c->uid, &usock_ops,
				    s, &err);
	else
		s->b = bsock_udp_bind(m->u.bind.local_port, c->uid, &usock_ops, s, &err);
	if (!s->b) {
		usock_drop(s);
		client_reply(c, m, (uint8_t)err);
		return;
	}
	c->outstanding++;
}

void usock_close(struct client *c, const struct msg *m)
{
	struct usock *s = usock_find(c, m->sock);

	if (!s) {
		client_reply(c, m, PROTO_EBADF);
		return;
	}
	if (s->b)
		bsock_close(s->b);
	if (!s->open) {
		/* Its UDP_BIND or LISTEN still waits for an answer: it is cancelled. */
		struct msg open_req;

		msg_init(&open_req, s->listener ? PROTO_LISTEN : PROTO_UDP_BIND);
		open_req.tag = s->open_tag;
		client_reply(c, &open_req, PROTO_ECANCELED);
		if (c->outstanding)
			c->outstanding--;
	}
	usock_drop(s);
	client_reply(c, m, PROTO_OK);
}

void usock_setsockopt(struct client *c, const struct msg *m)
{
	struct usock *s = usock_find(c, m->sock);
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
	fwd.sock = s->b->id;
	/* The id means another socket, or none, once the link session has changed. */
	client_forward(c, &fwd, daemon_state.cfg->limits.request_timeout_ms, BREQ_SESSION);
}

/* A datagram that cannot go is dropped, but not silently: the client gets a warning. */
static void usock_datagram_refused(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void usock_datagram_refused(struct client *c, const char *fmt, ...)
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

bool usock_datagram(struct client *c, const struct msg *m)
{
	struct usock *s = usock_find(c, m->sock);

	if (!s || s->listener || !s->open || !s->b) {
		struct msg ev;

		/* Not silently: the client learns the socket is gone. */
		msg_init(&ev, PROTO_EV_CLOSED);
		ev.sock = m->sock;
		ev.u.closed.err = PROTO_EBADF;
		client_send(c, &ev);
		return true;
	}
	if (m->u.data.len > s->b->tx_window || m->u.data.len > PROTO_DATA_MAX) {
		usock_datagram_refused(c,
				       "datagram of %u bytes on socket %u not sent: the board takes %u at most",
				       m->u.data.len, m->sock, s->b->tx_window);
		return true;
	}
	if (!client_dest_allowed(m->u.data.addr.ip, m->u.data.addr.port)) {
		const uint8_t *ip = m->u.data.addr.ip;

		status_ctr.datagrams_refused++;
		usock_datagram_refused(c,
				       "datagram to %u.%u.%u.%u:%u on socket %u not sent: refused by the rules",
				       ip[0], ip[1], ip[2], ip[3], m->u.data.addr.port, m->sock);
		return true;
	}
	if (!bflow_send_datagram(s->b, &m->u.data.addr, m->u.data.data, m->u.data.len)) {
		bflow_want_tx(s->b);
		return false;
	}
	status_ctr.datagrams_up++;
	return true;
}

void usock_credit(struct client *c)
{
	struct usock *s;

	LIST_FOREACH(s, &c->socks_owned, entry) {
		if (s->rx_pending && s->b) {
			bflow_consumed(s->b, s->rx_pending);
			s->rx_pending = 0;
		}
	}
}

void usock_close_all(struct client *c)
{
	struct usock *s;

	while ((s = LIST_FIRST(&c->socks_owned))) {
		LIST_REMOVE(s, entry);
		if (s->b)
			bsock_close(s->b);
		free(s);
	}
}
