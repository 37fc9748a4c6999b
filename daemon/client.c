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
#include "board_link.h"
#include "board_req.h"
#include "board_sock.h"
#include "client.h"
#include "daemon.h"
#include "log.h"
#include "client_pipe.h"
#include "socks.h"
#include "report.h"
#include "stream.h"
#include "client_sock.h"

#define CLIENT_OUTSTANDING_MAX 16      /* requests one client may have waiting */
#define CLIENT_OUT_HIGH (64 * 1024)    /* stop reading requests above this output */
#define CLIENT_EVENTS_MAX (256 * 1024) /* a subscriber this far behind is dropped */
#define CLIENT_IN_HIGH (2 * PROTO_MSG_MAX)
#define CLIENT_REFUSING_MAX 64         /* refused connections waiting for a reply */
#define CLIENT_FLUSH_MS 2000           /* a last reply gets this long to go out */
#define CLIENT_REFUSE_MS 2000
#define CLIENT_PEER_GROUPS 64          /* supplementary groups read without allocating */

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
	status_ctr.clients_dropped++;
	client_free(c);
}

void client_free(struct client *c)
{
	struct client_req *r;

	while ((r = LIST_FIRST(&c->reqs))) {
		LIST_REMOVE(r, entry);
		if (r->breq)
			breq_cancel(r->breq);
		free(r);
	}
	usock_close_all(c);
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
			status_ctr.clients_refused++;
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

		status_ctr.clients_refused++;
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
	uint8_t hdr[5];
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
	req.tag = (uint16_t)(hdr[3] << 8 | hdr[4]);
	client_reply(c, &req, c->refuse_err);
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
		} else if (c->tcp) {
			/* The TCP listener is for SOCKS5 only: the native protocol needs credentials. */
			client_log_refusal(c, "does not speak SOCKS5");
			status_ctr.bad_messages++;
			status_ctr.clients_dropped++;
			client_free(c);
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
	usock_credit(c);
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
	r->breq = breq_submit(req, timeout_ms, flags, client_req_done, r);
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
	case PROTO_PING:
		client_forward(c, m, cfg->limits.request_timeout_ms, 0);
		break;
	case PROTO_WIFI_SCAN:
		client_forward(c, m, cfg->limits.request_timeout_ms + cfg->wifi.join_timeout_ms, 0);
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
								: cfg->limits.request_timeout_ms, 0);
		break;
	case PROTO_STATUS:
		client_status(c, m);
		break;
	case PROTO_SUBSCRIBE:
		client_subscribe(c, m);
		break;
	case PROTO_CONNECT:
		stream_connect(c, m);
		break;
	case PROTO_ACCEPT:
		return stream_accept(c, m) ? CV_GONE : CV_DONE;
	case PROTO_UDP_BIND:
		usock_open(c, m, false);
		break;
	case PROTO_LISTEN:
		usock_open(c, m, true);
		break;
	case PROTO_CLOSE:
		usock_close(c, m);
		break;
	case PROTO_SETSOCKOPT:
		usock_setsockopt(c, m);
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
		return usock_datagram(c, &m) ? CV_DONE : CV_WAIT;
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
