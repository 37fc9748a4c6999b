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
#include "board_req.h"
#include "board_session.h"
#include "board_sock.h"
#include "client_int.h"
#include "client_pipe.h"
#include "daemon.h"
#include "events.h"
#include "log.h"
#include "monotime.h"
#include "socks.h"

#define CLIENT_EVENTS_MAX (256 * 1024) /* a subscriber this far behind is dropped */
#define CLIENT_IN_HIGH (2 * PROTO_MSG_MAX)
#define CLIENT_REFUSING_MAX 64         /* refused connections waiting for a reply */
#define CLIENT_FLUSH_MS 2000           /* a last reply gets this long to go out */
#define CLIENT_REFUSE_MS 2000
#define CLIENT_PEER_GROUPS 64          /* supplementary groups read without allocating */
#define CLIENT_FRONTENDS_MAX 4

static TAILQ_HEAD(, client) client_all = TAILQ_HEAD_INITIALIZER(client_all);
static TAILQ_HEAD(, client) client_subs = TAILQ_HEAD_INITIALIZER(client_subs);
static const struct client_frontend *client_frontends[CLIENT_FRONTENDS_MAX];
static size_t client_nfrontends;
static unsigned client_conns;
static unsigned client_refusing;
static uint32_t client_serial;
static const struct timeval *client_hs_tv;
static uint32_t client_hs_ms;

static void client_read_cb(struct bufferevent *bev, void *arg);
static void client_write_cb(struct bufferevent *bev, void *arg);
static void client_event_cb(struct bufferevent *bev, short what, void *arg);

static void client_broadcast(const struct msg *m, uint32_t sub_bit);

static const struct events_sink client_events_sink = {
	.message = client_broadcast,
};

void client_init(void)
{
	TAILQ_INIT(&client_all);
	TAILQ_INIT(&client_subs);
	events_add_sink(&client_events_sink);
}

void client_add_frontend(const struct client_frontend *fe)
{
	if (client_nfrontends == CLIENT_FRONTENDS_MAX)
		log_fatalx("client: more than %d front ends", CLIENT_FRONTENDS_MAX);
	client_frontends[client_nfrontends++] = fe;
}

/* Connections still being served here, and those handed over to pipes. */
unsigned client_count(void)
{
	return client_conns + client_pipe_count();
}

/* The handshake deadline, shared by every new client (one timer queue). */
static const struct timeval *client_handshake_tv(void)
{
	static struct timeval plain;
	uint32_t ms = daemon_state.cfg->limits.handshake_timeout_ms;

	if (!client_hs_tv || client_hs_ms != ms) {
		plain = daemon_tv(ms);
		client_hs_tv = event_base_init_common_timeout(daemon_state.base, &plain);
		client_hs_ms = ms;
		/* libevent has a bounded number of shared queues: a plain timeout then. */
		if (!client_hs_tv)
			client_hs_tv = &plain;
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
	daemon_ctr.clients_dropped++;
	client_free(c);
}

void client_free(struct client *c)
{
	struct client_req *r;

	while ((r = LIST_FIRST(&c->reqs))) {
		LIST_REMOVE(r, entry);
		if (r->req)
			board_req_cancel(r->req);
		free(r);
	}
	if (c->fe && c->fe->release)
		c->fe->release(c);
	if (c->opening)
		board_sock_close(c->opening);
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

void client_reply(struct client *c, const struct msg *req, uint8_t err)
{
	struct msg resp;

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
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		tv = daemon_tv(0);
	evtimer_add(c->timer, &tv);
}

void client_stop_handshake_timer(struct client *c)
{
	evtimer_del(c->timer);
	c->pending = false;
}

/* Connections of uid that have not made their first request yet: those
 * accepted (refused false) or those waiting for their refusal (true). */
static unsigned client_pending_count(uid_t uid, bool refused)
{
	const struct client *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &client_all, all)
		n += c->pending && c->uid == uid && (c->mode == CLIENT_REFUSED) == refused;
	return n;
}

void client_subscribe(struct client *c, uint32_t mask)
{
	c->sub_mask = mask & (PROTO_SUB_DEVICE | PROTO_SUB_WIFI | PROTO_SUB_LOG);
	if (c->sub_mask && !c->subscribed) {
		TAILQ_INSERT_TAIL(&client_subs, c, subs);
		c->subscribed = true;
	} else if (!c->sub_mask && c->subscribed) {
		TAILQ_REMOVE(&client_subs, c, subs);
		c->subscribed = false;
	}
}

static void client_broadcast(const struct msg *m, uint32_t sub_bit)
{
	struct client *c, *next;

	for (c = TAILQ_FIRST(&client_subs); c; c = next) {
		next = TAILQ_NEXT(c, subs);
		if (!(c->sub_mask & sub_bit))
			continue;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > CLIENT_EVENTS_MAX) {
			log_info("client %u (uid %u) does not read its events: dropped", c->serial,
				 (unsigned)c->uid);
			daemon_ctr.clients_dropped++;
			client_free(c);
			continue;
		}
		if (client_send(c, m))
			daemon_ctr.events_sent++;
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
	uint64_t now = monotime_us();
	char who[64];

	if (now - last_us < 1000000) {
		quiet++;
		return;
	}
	last_us = now;
	if (c->tcp)
		snprintf(who, sizeof(who), "a TCP client");
	else
		snprintf(who, sizeof(who), "uid %u gid %u pid %u", (unsigned)c->uid, (unsigned)c->gid,
			 (unsigned)c->pid);
	if (quiet)
		log_info("client %u refused: %s %s (%u more refused meanwhile)", c->serial, who, why,
			 quiet);
	else
		log_info("client %u refused: %s %s", c->serial, who, why);
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

/*
 * allow_users/allow_groups for a local client: its uid, its primary gid or
 * one of its supplementary groups (SO_PEERGROUPS; without it, the primary
 * gid alone) must be listed.
 */
static bool client_peer_allowed(const struct client *c, const struct config *cfg)
{
	gid_t local[CLIENT_PEER_GROUPS + 1], *gids = local;
	socklen_t len = CLIENT_PEER_GROUPS * sizeof(gid_t);
	int fd = bufferevent_getfd(c->bev);
	size_t n = 0;
	bool allowed;

	if (cfg->access.users.n == 0 && cfg->access.groups.n == 0)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, local + 1, &len) == 0) {
		n = len / sizeof(gid_t);
	} else if (errno == ERANGE) {
		/* len now says how much the list needs (the kernel caps it at NGROUPS_MAX). */
		gid_t *big = malloc(len + sizeof(gid_t));

		if (big && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, big + 1, &len) == 0) {
			gids = big;
			n = len / sizeof(gid_t);
		} else {
			free(big);
			log_warn("client %u: its group list is unavailable", c->serial);
		}
	}
	gids[0] = c->gid;
	allowed = acl_client_allowed(&cfg->access.users, &cfg->access.groups, c->uid, gids, n + 1);
	if (gids != local)
		free(gids);
	return allowed;
}

void client_accept(int fd, bool tcp)
{
	const struct config *cfg = daemon_state.cfg;
	struct client *c;
	uint8_t refuse = PROTO_OK;

	if (client_count() >= cfg->limits.clients) {
		refuse = PROTO_ENOBUFS;
		if (client_refusing >= CLIENT_REFUSING_MAX) {
			daemon_ctr.clients_refused++;
			close(fd);
			return;
		}
	}
	c = client_new(fd, tcp);
	if (!c)
		return;
	daemon_ctr.clients_accepted++;
	if (!refuse && !tcp && !client_peer_allowed(c, cfg)) {
		refuse = PROTO_EACCES;
		client_log_refusal(c, "is not allowed");
	} else if (refuse) {
		client_log_refusal(c, "over the clients limit");
	} else if (client_pending_count(c->uid, false) >= cfg->limits.handshakes_per_user) {
		/* One user's idle connections must not fill the clients limit, nor
		 * its refused ones: beyond as many again they are closed at once. */
		client_log_refusal(c, "already has handshakes_per_user connections without a request");
		if (client_pending_count(c->uid, true) >= cfg->limits.handshakes_per_user) {
			daemon_ctr.clients_refused++;
			client_free(c);
			return;
		}
		refuse = PROTO_ENOBUFS;
	}
	c->timer = evtimer_new(daemon_state.base, client_timer_cb, c);
	if (!c->timer) {
		client_free(c);
		return;
	}
	if (refuse) {
		struct timeval tv = daemon_tv(CLIENT_REFUSE_MS);

		daemon_ctr.clients_refused++;
		c->mode = CLIENT_REFUSED;
		c->refuse_err = refuse;
		c->pending = true;
		client_refusing++;
		evtimer_add(c->timer, &tv);
	} else {
		c->mode = CLIENT_NEW;
		c->pending = true;
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
	uint8_t hdr[PROTO_MSG_HDR + 2];
	size_t len = evbuffer_get_length(in);
	struct msg req;

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
	msg_init(&req, PROTO_IS_REQUEST(hdr[0]) ? hdr[0] : PROTO_HELLO);
	req.tag = msg_peek_tag(hdr);
	client_reply(c, &req, c->refuse_err);
	client_close_after_flush(c);
}

/* The first byte picks the front end that serves the connection. */
static void client_start(struct client *c, uint8_t first)
{
	for (size_t i = 0; i < client_nfrontends; i++) {
		if (!client_frontends[i]->claims(first, c->tcp))
			continue;
		c->fe = client_frontends[i];
		c->mode = CLIENT_OPEN;
		c->fe->input(c);
		return;
	}
	/* The TCP listener is for SOCKS5 only: the native protocol needs credentials. */
	client_log_refusal(c, "does not speak SOCKS5");
	daemon_ctr.bad_messages++;
	daemon_ctr.clients_dropped++;
	client_free(c);
}

static void client_read_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	uint8_t first;

	switch (c->mode) {
	case CLIENT_NEW:
		if (evbuffer_copyout(bufferevent_get_input(bev), &first, 1) == 1)
			client_start(c, first);
		break;
	case CLIENT_OPEN:
		c->fe->input(c);
		break;
	case CLIENT_REFUSED:
		client_refused_input(c);
		break;
	default:
		evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
		break;
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
	if (c->mode == CLIENT_OPEN && c->fe->writable)
		c->fe->writable(c);
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

	r->req = NULL;
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

void client_forward(struct client *c, const struct msg *req, uint32_t timeout_ms, unsigned flags)
{
	struct client_req *r = calloc(1, sizeof(*r));

	if (!r) {
		client_reply(c, req, PROTO_ENOBUFS);
		return;
	}
	r->c = c;
	r->tag = req->tag;
	r->type = req->type;
	r->req = board_req_submit(req, timeout_ms, flags, client_req_done, r);
	if (!r->req) {
		free(r);
		client_reply(c, req, PROTO_EAGAIN);
		return;
	}
	LIST_INSERT_HEAD(&c->reqs, r, entry);
	c->outstanding++;
}

/* ---- streams for the front ends ---- */

static void client_stream_opened(void *ctx, struct board_sock *b, int err)
{
	struct client *c = ctx;

	c->opening = NULL;
	c->connecting = false;
	c->open_done(c, err, b);
}

static const struct board_sock_ops client_stream_ops = {
	.opened = client_stream_opened,
};

static void client_open_stream_now(struct client *c, uint8_t kind, const char *host, uint16_t port)
{
	int err = PROTO_OK;
	struct board_sock *b = board_sock_connect(kind, host, port, c->uid, &client_stream_ops, c, &err);

	if (!b) {
		client_stream_opened(c, NULL, err);
		return;
	}
	c->opening = b;
}

static void client_stream_resolve_done(void *ctx, const struct msg *resp)
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
		client_stream_opened(c, NULL, resp->err != PROTO_OK ? resp->err : PROTO_ENOHOST);
		return;
	}
	if (!client_dest_allowed(e.u.ip, port)) {
		log_info("client %u (uid %u): destination %u.%u.%u.%u:%u refused by the rules",
			 c->serial, (unsigned)c->uid, e.u.ip[0], e.u.ip[1], e.u.ip[2], e.u.ip[3], port);
		client_stream_opened(c, NULL, PROTO_EACCES);
		return;
	}
	snprintf(host, sizeof(host), "%u.%u.%u.%u", e.u.ip[0], e.u.ip[1], e.u.ip[2], e.u.ip[3]);
	client_open_stream_now(c, kind, host, port);
}

void client_open_stream(struct client *c, uint8_t kind, const char *host, uint16_t port,
			client_open_done done)
{
	const struct config *cfg = daemon_state.cfg;
	uint8_t ip[4];

	c->connecting = true;
	c->open_done = done;
	if (board_sock_uid_streams(c->uid) >= cfg->limits.sockets_per_client) {
		log_info("client %u (uid %u): already holds %u streams (limit)", c->serial,
			 (unsigned)c->uid, cfg->limits.sockets_per_client);
		client_stream_opened(c, NULL, PROTO_ENOBUFS);
		return;
	}
	if (acl_parse_ipv4(host, strlen(host), ip)) {
		if (!client_dest_allowed(ip, port)) {
			log_info("client %u (uid %u): destination %s:%u refused by the rules", c->serial,
				 (unsigned)c->uid, host, port);
			client_stream_opened(c, NULL, PROTO_EACCES);
			return;
		}
	} else if (cfg->access.allow.n || cfg->access.deny.n) {
		/* The rules speak of addresses: resolve on the board first. */
		struct client_req *r = calloc(1, sizeof(*r));
		struct msg m;

		if (!r) {
			client_stream_opened(c, NULL, PROTO_ENOBUFS);
			return;
		}
		msg_init(&m, PROTO_RESOLVE);
		snprintf(m.u.resolve.host, sizeof(m.u.resolve.host), "%s", host);
		r->c = c;
		r->kind = kind;
		r->port = port;
		r->type = PROTO_RESOLVE;
		r->req = board_req_submit(&m, cfg->limits.request_timeout_ms, 0, client_stream_resolve_done, r);
		if (!r->req) {
			free(r);
			client_stream_opened(c, NULL, PROTO_EAGAIN);
			return;
		}
		LIST_INSERT_HEAD(&c->reqs, r, entry);
		return;
	}
	client_open_stream_now(c, kind, host, port);
}

void client_handover(struct client *c, struct board_sock *b)
{
	struct bufferevent *bev = c->bev;

	/* The pipe takes the connection over (and counts it); this record goes. */
	c->bev = NULL;
	c->opening = NULL;
	client_pipe_start(bev, b, c->uid, c->tcp, c->serial);
	client_free(c);
}
