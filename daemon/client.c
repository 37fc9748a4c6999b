#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acl.h"
#include "board.h"
#include "bsock.h"
#include "client.h"
#include "daemon.h"
#include "log.h"
#include "pipe.h"
#include "socks.h"
#include "status.h"

#define CLIENT_OUTSTANDING_MAX 16      /* requests one client may have waiting */
#define CLIENT_OUT_HIGH (64 * 1024)    /* stop reading requests above this output */
#define CLIENT_EVENTS_MAX (256 * 1024) /* a subscriber this far behind is dropped */
#define CLIENT_IN_HIGH (2 * PROTO_MSG_MAX)
#define CLIENT_REFUSING_MAX 64         /* refused connections waiting for a reply */
#define CLIENT_FLUSH_MS 2000           /* a last reply gets this long to go out */
#define CLIENT_REFUSE_MS 2000

struct client_req {
	LIST_ENTRY(client_req) entry;
	struct client *c;
	struct breq *breq;
	uint16_t tag;
	uint8_t type;
	uint8_t kind;                 /* RESOLVE before a CONNECT: the stream to open */
	uint16_t port;
};

struct client_sock {
	LIST_ENTRY(client_sock) entry;
	struct client *c;
	struct bsock *b;
	uint16_t id;                  /* the client's id for it */
	uint16_t open_tag;
	bool open;
	bool listener;
	uint32_t rx_pending;          /* datagram bytes given to the client, not credited */
};

static TAILQ_HEAD(, client) client_all = TAILQ_HEAD_INITIALIZER(client_all);
static TAILQ_HEAD(, client) client_subs = TAILQ_HEAD_INITIALIZER(client_subs);
static unsigned client_conns;
static unsigned client_refusing;
static uint32_t client_serial;
static const struct timeval *client_hs_tv;
static uint32_t client_hs_ms;

static void client_read_cb(struct bufferevent *bev, void *arg);
static void client_write_cb(struct bufferevent *bev, void *arg);
static void client_event_cb(struct bufferevent *bev, short what, void *arg);
static void client_native_input(struct client *c);

void client_init(void)
{
	TAILQ_INIT(&client_all);
	TAILQ_INIT(&client_subs);
}

unsigned client_count(void)
{
	return client_conns;
}

void client_count_add(int delta)
{
	client_conns = (unsigned)((int)client_conns + delta);
}

/* The handshake deadline, shared by every new client (one timer queue). */
static const struct timeval *client_handshake_tv(void)
{
	uint32_t ms = daemon_state.cfg->limits.handshake_timeout_ms;

	if (!client_hs_tv || client_hs_ms != ms) {
		struct timeval tv = daemon_tv(ms);

		client_hs_tv = event_base_init_common_timeout(daemon_state.base, &tv);
		client_hs_ms = ms;
	}
	return client_hs_tv;
}

static void client_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	if (c->mode == CLIENT_CLOSING) {
		client_free(c);
		return;
	}
	log_debug("client %u (uid %u): no complete first request in time: closed", c->serial,
		  (unsigned)c->uid);
	status_ctr.clients_dropped++;
	client_free(c);
}

void client_free(struct client *c)
{
	struct client_req *r;
	struct client_sock *s;

	while ((r = LIST_FIRST(&c->reqs))) {
		LIST_REMOVE(r, entry);
		if (r->breq)
			board_request_cancel(r->breq);
		free(r);
	}
	while ((s = LIST_FIRST(&c->socks_owned))) {
		LIST_REMOVE(s, entry);
		if (s->b)
			bsock_close(s->b);
		free(s);
	}
	if (c->opening)
		bsock_close(c->opening);
	if (c->subscribed)
		TAILQ_REMOVE(&client_subs, c, subs);
	TAILQ_REMOVE(&client_all, c, all);
	if (c->mode == CLIENT_REFUSED)
		client_refusing--;
	if (c->timer)
		event_free(c->timer);
	free(c->socks);
	if (c->bev)
		bufferevent_free(c->bev);
	client_conns--;
	free(c);
}

bool client_send(struct client *c, const struct msg *m)
{
	uint8_t buf[PROTO_MSG_MAX];
	size_t len = msg_encode(m, buf, sizeof(buf));

	if (!len) {
		log_warnx("client %u: cannot encode %s", c->serial, proto_type_name(m->type));
		return false;
	}
	return bufferevent_write(c->bev, buf, len) == 0;
}

static void client_reply(struct client *c, const struct msg *req, uint8_t err)
{
	struct msg resp;

	if (err != PROTO_OK) {
		/* Built by hand: the codec cannot encode answers to types it does not know. */
		uint8_t r[6] = { (uint8_t)(req->type | PROTO_RESPONSE), 0, 3, (uint8_t)(req->tag >> 8),
				 (uint8_t)req->tag, err };

		bufferevent_write(c->bev, r, sizeof(r));
		return;
	}
	msg_init_response(&resp, req, err);
	client_send(c, &resp);
}

void client_close_after_flush(struct client *c)
{
	struct timeval tv = daemon_tv(CLIENT_FLUSH_MS);

	if (c->mode == CLIENT_REFUSED)
		client_refusing--;
	c->mode = CLIENT_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	if (!c->timer)
		c->timer = evtimer_new(daemon_state.base, client_timer_cb, c);
	if (!c->timer) {
		client_free(c);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		tv = daemon_tv(0);
	evtimer_add(c->timer, &tv);
}

static void client_stop_handshake_timer(struct client *c)
{
	if (c->timer) {
		event_free(c->timer);
		c->timer = NULL;
	}
}

void client_broadcast(const struct msg *m, uint32_t sub_bit)
{
	struct client *c, *next;

	for (c = TAILQ_FIRST(&client_subs); c; c = next) {
		next = TAILQ_NEXT(c, subs);
		if (!(c->sub_mask & sub_bit))
			continue;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > CLIENT_EVENTS_MAX) {
			log_info("client %u (uid %u) does not read its events: dropped", c->serial,
				 (unsigned)c->uid);
			status_ctr.clients_dropped++;
			client_free(c);
			continue;
		}
		if (client_send(c, m))
			status_ctr.events_sent++;
	}
}

void client_shutdown_all(void)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&client_all)))
		client_free(c);
}

bool client_dest_allowed(const uint8_t ip[4], uint16_t port)
{
	const struct config *cfg = daemon_state.cfg;

	return acl_dest_allowed(&cfg->access.allow, &cfg->access.deny, ip, port);
}

/* ---- accepting ---- */

/* One line per refusal, but a flood of them only once a second with a count. */
static void client_log_refusal(const struct client *c, const char *why)
{
	static uint64_t last_us;
	static unsigned quiet;
	uint64_t now = daemon_now_us();

	if (now - last_us < 1000000) {
		quiet++;
		return;
	}
	last_us = now;
	if (quiet)
		log_info("client %u refused: uid %u gid %u pid %u %s (%u more refused meanwhile)",
			 c->serial, (unsigned)c->uid, (unsigned)c->gid, (unsigned)c->pid, why, quiet);
	else
		log_info("client %u refused: uid %u gid %u pid %u %s", c->serial, (unsigned)c->uid,
			 (unsigned)c->gid, (unsigned)c->pid, why);
	quiet = 0;
}

static struct client *client_new(int fd, bool tcp)
{
	struct client *c = calloc(1, sizeof(*c));
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (!c) {
		close(fd);
		return NULL;
	}
	c->bev = bufferevent_socket_new(daemon_state.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		free(c);
		return NULL;
	}
	client_conns++;
	TAILQ_INSERT_TAIL(&client_all, c, all);
	c->serial = ++client_serial;
	c->tcp = tcp;
	LIST_INIT(&c->reqs);
	LIST_INIT(&c->socks_owned);
	if (!tcp && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->pid = cred.pid;
	} else if (!tcp) {
		/* No credentials: treat as the least privileged. */
		c->uid = (uid_t)-1;
		c->gid = (gid_t)-1;
	} else {
		/* TCP on loopback: no credentials; the daemon's own user stands for it. */
		c->uid = daemon_state.uid;
		c->gid = getgid();
	}
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb, client_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CLIENT_IN_HIGH);
	bufferevent_setwatermark(c->bev, EV_WRITE, CLIENT_OUT_HIGH / 2, 0);
	return c;
}

void client_accept(int fd, bool tcp)
{
	const struct config *cfg = daemon_state.cfg;
	struct client *c;
	uint8_t refuse = PROTO_OK;

	if (client_conns >= cfg->limits.clients) {
		refuse = PROTO_ENOBUFS;
		if (client_refusing >= CLIENT_REFUSING_MAX) {
			status_ctr.clients_refused++;
			close(fd);
			return;
		}
	}
	c = client_new(fd, tcp);
	if (!c)
		return;
	status_ctr.clients_accepted++;
	if (!refuse && !tcp && !acl_client_allowed(&cfg->access.users, &cfg->access.groups, c->uid,
						   c->gid)) {
		refuse = PROTO_EACCES;
		client_log_refusal(c, "is not allowed");
	} else if (refuse) {
		client_log_refusal(c, "over the clients limit");
	}
	c->timer = evtimer_new(daemon_state.base, client_timer_cb, c);
	if (!c->timer) {
		client_free(c);
		return;
	}
	if (refuse) {
		struct timeval tv = daemon_tv(CLIENT_REFUSE_MS);

		status_ctr.clients_refused++;
		c->mode = CLIENT_REFUSED;
		c->refuse_err = refuse;
		client_refusing++;
		evtimer_add(c->timer, &tv);
	} else {
		c->mode = CLIENT_NEW;
		evtimer_add(c->timer, client_handshake_tv());
		log_debug("client %u connected (uid %u pid %u)", c->serial, (unsigned)c->uid,
			  (unsigned)c->pid);
	}
	bufferevent_enable(c->bev, EV_READ);
}

/* Answer the first request of a refused client with its error, then close. */
static void client_refused_input(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	uint8_t hdr[5];
	size_t len = evbuffer_get_length(in);
	struct msg resp;

	if (len == 0)
		return;
	evbuffer_copyout(in, hdr, len < sizeof(hdr) ? len : sizeof(hdr));
	if (hdr[0] == SOCKS_VERSION) {
		static const uint8_t no_method[2] = { SOCKS_VERSION, SOCKS_METHOD_NONE };

		bufferevent_write(c->bev, no_method, sizeof(no_method));
		client_close_after_flush(c);
		return;
	}
	if (len < sizeof(hdr))
		return;
	msg_init(&resp, (uint8_t)((PROTO_IS_REQUEST(hdr[0]) ? hdr[0] : PROTO_HELLO) |
				  PROTO_RESPONSE));
	resp.tag = (uint16_t)(hdr[3] << 8 | hdr[4]);
	resp.err = c->refuse_err;
	client_send(c, &resp);
	client_close_after_flush(c);
}

static void client_read_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	uint8_t first;

	switch (c->mode) {
	case CLIENT_NEW:
		if (evbuffer_copyout(bufferevent_get_input(bev), &first, 1) != 1)
			return;
		if (first == SOCKS_VERSION) {
			c->mode = CLIENT_SOCKS;
			socks_start(c);
		} else {
			c->mode = CLIENT_NATIVE;
			client_native_input(c);
		}
		break;
	case CLIENT_NATIVE:
		client_native_input(c);
		break;
	case CLIENT_SOCKS:
		socks_input(c);
		break;
	case CLIENT_REFUSED:
		client_refused_input(c);
		break;
	default:
		evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
		break;
	}
}

static void client_credit_datagrams(struct client *c)
{
	struct client_sock *s;

	LIST_FOREACH(s, &c->socks_owned, entry) {
		if (s->rx_pending && s->b) {
			bsock_consumed(s->b, s->rx_pending);
			s->rx_pending = 0;
		}
	}
}

static void client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	if (c->mode == CLIENT_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
			struct timeval tv = daemon_tv(0);

			evtimer_add(c->timer, &tv);
		}
		return;
	}
	client_credit_datagrams(c);
	if (c->input_blocked && c->mode == CLIENT_NATIVE)
		bufferevent_trigger(bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
}

static void client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	(void)bev;
	if (what & BEV_EVENT_ERROR)
		log_debug("client %u: %s", c->serial, strerror(EVUTIL_SOCKET_ERROR()));
	else if (what & BEV_EVENT_EOF)
		log_debug("client %u: closed", c->serial);
	client_free(c);
}

/* ---- native requests forwarded to the board ---- */

static void client_req_done(void *ctx, const struct msg *resp)
{
	struct client_req *r = ctx;
	struct client *c = r->c;
	struct msg out = *resp;

	r->breq = NULL;
	LIST_REMOVE(r, entry);
	out.tag = r->tag;
	out.type = (uint8_t)(r->type | PROTO_RESPONSE);
	client_send(c, &out);
	free(r);
	if (c->outstanding)
		c->outstanding--;
	if (c->input_blocked)
		bufferevent_trigger(c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
}

static void client_forward(struct client *c, const struct msg *req, uint32_t timeout_ms)
{
	struct client_req *r = calloc(1, sizeof(*r));

	if (!r) {
		client_reply(c, req, PROTO_ENOBUFS);
		return;
	}
	r->c = c;
	r->tag = req->tag;
	r->type = req->type;
	r->breq = board_request(req, timeout_ms, 0, client_req_done, r);
	if (!r->breq) {
		free(r);
		client_reply(c, req, PROTO_EAGAIN);
		return;
	}
	LIST_INSERT_HEAD(&c->reqs, r, entry);
	c->outstanding++;
}

/*
 * RESET, WIFI_JOIN and WIFI_LEAVE change the board for everyone: root, the
 * daemon's own user, and the users in allow_users (when set) may.
 */
static bool client_privileged(const struct client *c)
{
	const struct config *cfg = daemon_state.cfg;

	if (c->tcp)
		return false;
	return c->uid == 0 || c->uid == daemon_state.uid ||
	       (cfg->access.users.n && acl_ids_contain(&cfg->access.users, (uint32_t)c->uid));
}

/* ---- sockets a native client owns (UDP, listener) ---- */

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

static void client_sock_opened(void *ctx, struct bsock *b, int err)
{
	struct client_sock *s = ctx;
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
		client_sock_drop(s);
	} else {
		s->open = true;
	}
	client_send(c, &resp);
	if (c->input_blocked)
		bufferevent_trigger(c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
}

static void client_sock_datagram(void *ctx, struct bsock *b, const struct msg *m)
{
	struct client_sock *s = ctx;
	struct msg out = *m;

	(void)b;
	out.sock = s->id;
	if (client_send(s->c, &out)) {
		s->rx_pending += m->u.data.len;
		status_ctr.datagrams_down++;
	}
}

static void client_sock_closed(void *ctx, struct bsock *b, int err)
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

static void client_sock_accepted(void *ctx, struct bsock *l, struct bsock *child,
				 const struct msg_addr *remote)
{
	struct client_sock *s = ctx;
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
static bool client_sock_tx(void *ctx, struct bsock *b)
{
	struct client_sock *s = ctx;

	(void)b;
	if (s->c->input_blocked)
		bufferevent_trigger(s->c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
	return false;
}

static const struct bsock_ops client_sock_ops = {
	.opened = client_sock_opened,
	.datagram = client_sock_datagram,
	.closed = client_sock_closed,
	.accepted = client_sock_accepted,
	.tx = client_sock_tx,
};

static void client_open_sock(struct client *c, const struct msg *m, bool listener)
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
		s->b = bsock_listen(m->u.listen.port, m->u.listen.backlog, c->uid, &client_sock_ops,
				    s, &err);
	else
		s->b = bsock_udp_bind(m->u.bind.local_port, c->uid, &client_sock_ops, s, &err);
	if (!s->b) {
		client_sock_drop(s);
		client_reply(c, m, (uint8_t)err);
		return;
	}
	c->outstanding++;
}

static void client_close_sock(struct client *c, const struct msg *m)
{
	struct client_sock *s = client_sock_find(c, m->sock);

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
	client_sock_drop(s);
	client_reply(c, m, PROTO_OK);
}

static void client_setsockopt(struct client *c, const struct msg *m)
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
	fwd.sock = s->b->id;
	client_forward(c, &fwd, daemon_state.cfg->limits.request_timeout_ms);
}

/* false: the datagram has to wait (credit or link room). */
static bool client_datagram(struct client *c, const struct msg *m)
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
	if (m->u.data.len > s->b->tx_window || m->u.data.len > PROTO_DATA_MAX) {
		struct msg ev;

		msg_init(&ev, PROTO_EV_LOG);
		ev.u.log.level = PROTO_LOG_WARN;
		snprintf(ev.u.log.text, sizeof(ev.u.log.text),
			 "datagram of %u bytes on socket %u not sent: the board takes %u at most",
			 m->u.data.len, m->sock, s->b->tx_window);
		client_send(c, &ev);
		return true;
	}
	if (!bsock_send_datagram(s->b, &m->u.data.addr, m->u.data.data, m->u.data.len)) {
		bsock_want_tx(s->b);
		return false;
	}
	status_ctr.datagrams_up++;
	return true;
}

/* ---- CONNECT and ACCEPT: the connection becomes a pipe ---- */

void client_become_pipe(struct client *c, struct bsock *b)
{
	struct bufferevent *bev = c->bev;

	/* The pipe takes the connection over; this client record goes. */
	c->bev = NULL;
	c->opening = NULL;
	client_conns++;   /* client_free counts this connection out; the pipe keeps it */
	pipe_start(bev, b, c->uid, c->tcp, c->serial);
	client_free(c);
}

static void client_connect_done(struct client *c, int err, struct bsock *b)
{
	struct msg resp;

	c->connecting = false;
	msg_init(&resp, PROTO_CONNECT | PROTO_RESPONSE);
	resp.tag = c->connect_tag;
	resp.err = (uint8_t)err;
	if (err != PROTO_OK) {
		log_debug("client %u: connect failed: %s", c->serial, proto_err_str(err));
		client_send(c, &resp);
		bufferevent_trigger(c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
		return;
	}
	resp.u.opened.tx_window = daemon_state.cfg->limits.send_buffer;
	resp.u.opened.local_port = b->local_port;
	client_send(c, &resp);
	client_become_pipe(c, b);
}

static void client_open_opened(void *ctx, struct bsock *b, int err)
{
	struct client *c = ctx;

	c->opening = NULL;
	if (c->mode == CLIENT_SOCKS)
		socks_connect_done(c, err, b);
	else
		client_connect_done(c, err, b);
}

static const struct bsock_ops client_open_ops = {
	.opened = client_open_opened,
};

static void client_open_now(struct client *c, uint8_t kind, const char *host, uint16_t port)
{
	int err = PROTO_OK;
	struct bsock *b = bsock_connect(kind, host, port, c->uid, &client_open_ops, c, &err);

	if (!b) {
		client_open_opened(c, NULL, err);
		return;
	}
	c->opening = b;
}

static void client_resolve_done(void *ctx, const struct msg *resp)
{
	struct client_req *r = ctx;
	struct client *c = r->c;
	uint16_t port = r->port;
	uint8_t kind = r->kind;
	struct msg_entry e;
	size_t pos = 0;
	char host[16];

	LIST_REMOVE(r, entry);
	free(r);
	if (resp->err != PROTO_OK || !msg_list_next(resp, &pos, &e)) {
		client_open_opened(c, NULL, resp->err != PROTO_OK ? resp->err : PROTO_ENOHOST);
		return;
	}
	if (!client_dest_allowed(e.u.ip, port)) {
		log_info("client %u (uid %u): destination %u.%u.%u.%u:%u refused by the rules",
			 c->serial, (unsigned)c->uid, e.u.ip[0], e.u.ip[1], e.u.ip[2], e.u.ip[3], port);
		client_open_opened(c, NULL, PROTO_EACCES);
		return;
	}
	snprintf(host, sizeof(host), "%u.%u.%u.%u", e.u.ip[0], e.u.ip[1], e.u.ip[2], e.u.ip[3]);
	client_open_now(c, kind, host, port);
}

void client_open_stream(struct client *c, uint8_t kind, const char *host, uint16_t port)
{
	const struct config *cfg = daemon_state.cfg;
	uint8_t ip[4];

	if (bsock_uid_streams(c->uid) >= cfg->limits.sockets_per_client) {
		log_info("client %u (uid %u): already holds %u streams (limit)", c->serial,
			 (unsigned)c->uid, cfg->limits.sockets_per_client);
		client_open_opened(c, NULL, PROTO_ENOBUFS);
		return;
	}
	if (acl_parse_ipv4(host, strlen(host), ip)) {
		if (!client_dest_allowed(ip, port)) {
			log_info("client %u (uid %u): destination %s:%u refused by the rules", c->serial,
				 (unsigned)c->uid, host, port);
			client_open_opened(c, NULL, PROTO_EACCES);
			return;
		}
	} else if (cfg->access.allow.n || cfg->access.deny.n) {
		/* The rules speak of addresses: resolve on the board first. */
		struct client_req *r = calloc(1, sizeof(*r));
		struct msg m;

		if (!r) {
			client_open_opened(c, NULL, PROTO_ENOBUFS);
			return;
		}
		msg_init(&m, PROTO_RESOLVE);
		snprintf(m.u.resolve.host, sizeof(m.u.resolve.host), "%s", host);
		r->c = c;
		r->kind = kind;
		r->port = port;
		r->type = PROTO_RESOLVE;
		r->breq = board_request(&m, cfg->limits.request_timeout_ms, 0, client_resolve_done, r);
		if (!r->breq) {
			free(r);
			client_open_opened(c, NULL, PROTO_EAGAIN);
			return;
		}
		LIST_INSERT_HEAD(&c->reqs, r, entry);
		return;
	}
	client_open_now(c, kind, host, port);
}

static void client_connect(struct client *c, const struct msg *m)
{
	if (m->u.connect.kind != PROTO_KIND_TCP && m->u.connect.kind != PROTO_KIND_TLS) {
		client_reply(c, m, m->u.connect.kind == PROTO_KIND_UDP ? PROTO_ENOTSUP : PROTO_EINVAL);
		return;
	}
	if (!m->u.connect.host[0] || m->u.connect.port == 0) {
		client_reply(c, m, PROTO_EINVAL);
		return;
	}
	if (!LIST_EMPTY(&c->socks_owned)) {
		/* The connection is about to become a byte pipe: nothing else may use it. */
		client_reply(c, m, PROTO_EBUSY);
		return;
	}
	c->connecting = true;
	c->connect_tag = m->tag;
	client_stop_handshake_timer(c);
	client_open_stream(c, m->u.connect.kind, m->u.connect.host, m->u.connect.port);
}

/* true when the connection became a pipe (c is gone). */
static bool client_accept_token(struct client *c, const struct msg *m)
{
	struct msg resp;
	struct bsock *b;
	int err = PROTO_OK;

	if (!LIST_EMPTY(&c->socks_owned)) {
		client_reply(c, m, PROTO_EBUSY);
		return false;
	}
	b = bsock_claim(m->sock, c->uid, NULL, NULL, &err);
	if (!b) {
		client_reply(c, m, (uint8_t)err);
		return false;
	}
	msg_init_response(&resp, m, PROTO_OK);
	resp.u.accept.remote = b->remote;
	client_send(c, &resp);
	client_stop_handshake_timer(c);
	client_become_pipe(c, b);
	return true;
}

static void client_subscribe(struct client *c, const struct msg *m)
{
	c->sub_mask = m->u.subscribe.mask & (PROTO_SUB_DEVICE | PROTO_SUB_WIFI | PROTO_SUB_LOG);
	if (c->sub_mask && !c->subscribed) {
		TAILQ_INSERT_TAIL(&client_subs, c, subs);
		c->subscribed = true;
	} else if (!c->sub_mask && c->subscribed) {
		TAILQ_REMOVE(&client_subs, c, subs);
		c->subscribed = false;
	}
	client_reply(c, m, PROTO_OK);
}

static void client_status(struct client *c, const struct msg *m)
{
	uint8_t body[PROTO_BODY_MAX];
	struct msg resp;

	msg_init_response(&resp, m, PROTO_OK);
	status_build(&resp, body, sizeof(body));
	client_send(c, &resp);
}

static void client_hello(struct client *c, const struct msg *m)
{
	struct msg resp;

	if (m->u.hello.major != PROTO_VERSION_MAJOR) {
		log_debug("client %u: protocol version %u.%u refused", c->serial, m->u.hello.major,
			  m->u.hello.minor);
		client_reply(c, m, PROTO_EVERSION);
		client_close_after_flush(c);
		return;
	}
	c->hello_done = true;
	client_stop_handshake_timer(c);
	msg_init_response(&resp, m, PROTO_OK);
	resp.u.hello.major = PROTO_VERSION_MAJOR;
	resp.u.hello.minor = PROTO_VERSION_MINOR;
	snprintf(resp.u.hello.name, sizeof(resp.u.hello.name), "%s %s", K210SOCKD_NAME,
		 K210SOCKD_VERSION);
	log_debug("client %u: hello from \"%s\" (%u.%u)", c->serial, m->u.hello.name,
		  m->u.hello.major, m->u.hello.minor);
	client_send(c, &resp);
}

enum client_verdict {
	CV_DONE,
	CV_WAIT,     /* leave the message for later */
	CV_CLOSE,    /* close once the reply is out */
	CV_GONE,     /* the connection is a pipe now: the client record is freed */
};

static enum client_verdict client_request(struct client *c, const struct msg *m)
{
	const struct config *cfg = daemon_state.cfg;

	status_ctr.requests++;
	switch (m->type) {
	case PROTO_HELLO:
		client_reply(c, m, PROTO_EALREADY);
		break;
	case PROTO_DEVICE_INFO:
	case PROTO_WIFI_STATUS:
	case PROTO_RESOLVE:
		client_forward(c, m, cfg->limits.request_timeout_ms);
		break;
	case PROTO_WIFI_SCAN:
		client_forward(c, m, cfg->limits.request_timeout_ms + cfg->wifi.join_timeout_ms);
		break;
	case PROTO_WIFI_JOIN:
	case PROTO_WIFI_LEAVE:
	case PROTO_RESET:
		if (!client_privileged(c)) {
			log_info("client %u (uid %u): %s refused: not privileged", c->serial,
				 (unsigned)c->uid, proto_type_name(m->type));
			client_reply(c, m, PROTO_EACCES);
			break;
		}
		log_info("client %u (uid %u): %s", c->serial, (unsigned)c->uid,
			 proto_type_name(m->type));
		client_forward(c, m, m->type == PROTO_WIFI_JOIN ? cfg->wifi.join_timeout_ms + 1000
								: cfg->limits.request_timeout_ms);
		break;
	case PROTO_STATUS:
		client_status(c, m);
		break;
	case PROTO_SUBSCRIBE:
		client_subscribe(c, m);
		break;
	case PROTO_CONNECT:
		client_connect(c, m);
		break;
	case PROTO_ACCEPT:
		return client_accept_token(c, m) ? CV_GONE : CV_DONE;
	case PROTO_UDP_BIND:
		client_open_sock(c, m, false);
		break;
	case PROTO_LISTEN:
		client_open_sock(c, m, true);
		break;
	case PROTO_CLOSE:
		client_close_sock(c, m);
		break;
	case PROTO_SETSOCKOPT:
		client_setsockopt(c, m);
		break;
	default:
		client_reply(c, m, PROTO_ENOTSUP);
		break;
	}
	return CV_DONE;
}

static enum client_verdict client_message(struct client *c, const uint8_t *buf, size_t len)
{
	struct msg m;
	enum msg_status st = msg_decode(&m, buf, len);

	if (!c->hello_done) {
		if (st == MSG_OK && m.type == PROTO_HELLO) {
			client_hello(c, &m);
			return CV_DONE;
		}
		status_ctr.bad_messages++;
		log_debug("client %u: first message is %s (%s), not HELLO", c->serial,
			  proto_type_name(m.type), msg_status_str(st));
		if (PROTO_IS_REQUEST(m.type))
			client_reply(c, &m, st == MSG_OK && m.type != PROTO_HELLO ? PROTO_EPROTO
										 : PROTO_EINVAL);
		return CV_CLOSE;
	}
	if (st == MSG_ETYPE) {
		status_ctr.bad_messages++;
		if (PROTO_IS_REQUEST(m.type))
			client_reply(c, &m, PROTO_ENOTSUP);
		return CV_DONE;
	}
	if (st != MSG_OK) {
		status_ctr.bad_messages++;
		log_debug("client %u: bad %s message: %s", c->serial, proto_type_name(m.type),
			  msg_status_str(st));
		if (PROTO_IS_REQUEST(m.type))
			client_reply(c, &m, PROTO_EINVAL);
		return CV_DONE;
	}
	if (PROTO_IS_REQUEST(m.type))
		return client_request(c, &m);
	if (m.type == PROTO_DATAGRAM)
		return client_datagram(c, &m) ? CV_DONE : CV_WAIT;
	/* Responses, events and stream messages mean nothing from a client. */
	status_ctr.bad_messages++;
	return CV_DONE;
}

static void client_native_input(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	c->input_blocked = false;
	while (c->mode == CLIENT_NATIVE && !c->connecting) {
		size_t have = evbuffer_get_length(in), total;
		uint8_t buf[PROTO_MSG_MAX];
		enum client_verdict v;

		if (have < PROTO_MSG_HDR)
			break;
		evbuffer_copyout(in, buf, PROTO_MSG_HDR);
		total = PROTO_MSG_HDR + (size_t)(buf[1] << 8 | buf[2]);
		if (total > PROTO_MSG_MAX) {
			/* The stream cannot be resynchronised after a bad length. */
			log_debug("client %u: message of %zu bytes: closed", c->serial, total);
			status_ctr.bad_messages++;
			status_ctr.clients_dropped++;
			client_free(c);
			return;
		}
		if (have < total)
			break;
		/* Flow control: too many answers pending, or the client is not reading them;
		 * CONNECT and ACCEPT wait until every earlier answer is out. */
		if (c->outstanding >= CLIENT_OUTSTANDING_MAX ||
		    evbuffer_get_length(bufferevent_get_output(c->bev)) > CLIENT_OUT_HIGH ||
		    ((buf[0] == PROTO_CONNECT || buf[0] == PROTO_ACCEPT) && c->outstanding)) {
			c->input_blocked = true;
			break;
		}
		if (buf[0] == PROTO_DATAGRAM && c->hello_done) {
			/* Stays in the buffer until it can go: the socket's flow control. */
			const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)total);

			if (!p) {
				client_free(c);
				return;
			}
			if (client_message(c, p, total) == CV_WAIT) {
				c->input_blocked = true;
				break;
			}
			evbuffer_drain(in, total);
			continue;
		}
		/* Taken out first: after CONNECT or ACCEPT the rest is pipe data. */
		evbuffer_remove(in, buf, total);
		v = client_message(c, buf, total);
		if (v == CV_CLOSE) {
			status_ctr.clients_dropped++;
			client_close_after_flush(c);
			return;
		}
		if (v == CV_GONE)
			return;
	}
}
