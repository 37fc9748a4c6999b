#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

#include "acl.h"
#include "board_req.h"
#include "board_sock.h"
#include "client_int.h"
#include "client_native.h"
#include "client_sock.h"
#include "daemon.h"
#include "log.h"
#include "report.h"

#define CLIENT_NATIVE_OUTSTANDING_MAX 16      /* requests one client may have waiting */

/*
 * RESET, WIFI_JOIN and WIFI_LEAVE change the board for everyone: root, the
 * daemon's own user, and the users in allow_users (when set) may.
 */
static bool client_native_privileged(const struct client *c)
{
	const struct config *cfg = daemon_state.cfg;

	if (c->tcp)
		return false;
	return c->uid == 0 || c->uid == daemon_state.uid ||
	       (cfg->access.users.n && acl_ids_contain(&cfg->access.users, (uint32_t)c->uid));
}

static void client_native_subscribe(struct client *c, const struct msg *m)
{
	client_subscribe(c, m->u.subscribe.mask);
	client_reply(c, m, PROTO_OK);
}

static void client_native_status(struct client *c, const struct msg *m)
{
	uint8_t body[PROTO_BODY_MAX];
	struct msg resp;

	msg_init_response(&resp, m, PROTO_OK);
	report_build(&resp, body, sizeof(body));
	client_send(c, &resp);
}

static void client_native_hello(struct client *c, const struct msg *m)
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

static void client_native_connect_done(struct client *c, int err, struct board_sock *b)
{
	struct msg resp;

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
	resp.u.opened.local_port = board_sock_local_port(b);
	client_send(c, &resp);
	client_handover(c, b);
}

static void client_native_connect(struct client *c, const struct msg *m)
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
	c->connect_tag = m->tag;
	client_stop_handshake_timer(c);
	client_open_stream(c, m->u.connect.kind, m->u.connect.host, m->u.connect.port,
			   client_native_connect_done);
}

/* true when the connection became a pipe (c is gone). */
static bool client_native_accept(struct client *c, const struct msg *m)
{
	struct msg resp;
	struct board_sock *b;
	int err = PROTO_OK;

	if (!LIST_EMPTY(&c->socks_owned)) {
		client_reply(c, m, PROTO_EBUSY);
		return false;
	}
	b = board_sock_claim(m->sock, c->uid, NULL, NULL, &err);
	if (!b) {
		client_reply(c, m, (uint8_t)err);
		return false;
	}
	msg_init_response(&resp, m, PROTO_OK);
	resp.u.accept.remote = *board_sock_remote(b);
	client_send(c, &resp);
	client_stop_handshake_timer(c);
	client_handover(c, b);
	return true;
}

enum client_native_verdict {
	CV_DONE,
	CV_WAIT,     /* leave the message for later */
	CV_CLOSE,    /* close once the reply is out */
	CV_GONE,     /* the connection is a pipe now: the client record is freed */
};

static enum client_native_verdict client_native_request(struct client *c, const struct msg *m)
{
	const struct config *cfg = daemon_state.cfg;

	daemon_ctr.requests++;
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
		if (!client_native_privileged(c)) {
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
		client_native_status(c, m);
		break;
	case PROTO_SUBSCRIBE:
		client_native_subscribe(c, m);
		break;
	case PROTO_CONNECT:
		client_native_connect(c, m);
		break;
	case PROTO_ACCEPT:
		return client_native_accept(c, m) ? CV_GONE : CV_DONE;
	case PROTO_UDP_BIND:
		client_sock_open(c, m, false);
		break;
	case PROTO_LISTEN:
		client_sock_open(c, m, true);
		break;
	case PROTO_CLOSE:
		client_sock_close(c, m);
		break;
	case PROTO_SETSOCKOPT:
		client_sock_setsockopt(c, m);
		break;
	default:
		client_reply(c, m, PROTO_ENOTSUP);
		break;
	}
	return CV_DONE;
}

static enum client_native_verdict client_native_message(struct client *c, const uint8_t *buf,
							 size_t len)
{
	struct msg m;
	enum msg_status st = msg_decode(&m, buf, len);

	if (!c->hello_done) {
		if (st == MSG_OK && m.type == PROTO_HELLO) {
			client_native_hello(c, &m);
			return CV_DONE;
		}
		daemon_ctr.bad_messages++;
		log_debug("client %u: first message is %s (%s), not HELLO", c->serial,
			  proto_type_name(m.type), msg_status_str(st));
		if (PROTO_IS_REQUEST(m.type))
			client_reply(c, &m, st == MSG_OK && m.type != PROTO_HELLO ? PROTO_EPROTO
										 : PROTO_EINVAL);
		return CV_CLOSE;
	}
	if (st == MSG_ETYPE) {
		daemon_ctr.bad_messages++;
		if (PROTO_IS_REQUEST(m.type))
			client_reply(c, &m, PROTO_ENOTSUP);
		return CV_DONE;
	}
	if (st != MSG_OK) {
		daemon_ctr.bad_messages++;
		log_debug("client %u: bad %s message: %s", c->serial, proto_type_name(m.type),
			  msg_status_str(st));
		if (PROTO_IS_REQUEST(m.type))
			client_reply(c, &m, PROTO_EINVAL);
		return CV_DONE;
	}
	if (PROTO_IS_REQUEST(m.type))
		return client_native_request(c, &m);
	if (m.type == PROTO_DATAGRAM)
		return client_sock_datagram(c, &m) ? CV_DONE : CV_WAIT;
	/* Responses, events and stream messages mean nothing from a client. */
	daemon_ctr.bad_messages++;
	return CV_DONE;
}

static void client_native_input(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	c->input_blocked = false;
	while (c->mode == CLIENT_OPEN && !c->connecting) {
		size_t have = evbuffer_get_length(in), total;
		uint8_t buf[PROTO_MSG_MAX];
		enum client_native_verdict v;

		if (have < PROTO_MSG_HDR)
			break;
		evbuffer_copyout(in, buf, PROTO_MSG_HDR);
		total = msg_peek_len(buf);
		if (total > PROTO_MSG_MAX) {
			/* The stream cannot be resynchronised after a bad length. */
			log_debug("client %u: message of %zu bytes: closed", c->serial, total);
			daemon_ctr.bad_messages++;
			daemon_ctr.clients_dropped++;
			client_free(c);
			return;
		}
		if (have < total)
			break;
		/* Flow control: too many answers pending, or the client is not reading them;
		 * CONNECT and ACCEPT wait until every earlier answer is out. */
		if (c->outstanding >= CLIENT_NATIVE_OUTSTANDING_MAX ||
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
			if (client_native_message(c, p, total) == CV_WAIT) {
				c->input_blocked = true;
				break;
			}
			evbuffer_drain(in, total);
			continue;
		}
		/* Taken out first: after CONNECT or ACCEPT the rest is pipe data. */
		evbuffer_remove(in, buf, total);
		v = client_native_message(c, buf, total);
		if (v == CV_CLOSE) {
			daemon_ctr.clients_dropped++;
			client_close_after_flush(c);
			return;
		}
		if (v == CV_GONE)
			return;
	}
}

/* The client drained its connection: datagrams it took become credit, and
 * requests held back for its output may go on. */
static void client_native_writable(struct client *c)
{
	client_sock_credit(c);
	if (c->input_blocked)
		bufferevent_trigger(c->bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
}

static bool client_native_claims(uint8_t first, bool tcp)
{
	(void)first;
	/* The native protocol needs the peer's credentials: Unix socket only. */
	return !tcp;
}

static const struct client_frontend client_native_frontend = {
	.claims = client_native_claims,
	.input = client_native_input,
	.writable = client_native_writable,
	.release = client_sock_close_all,
};

void client_native_init(void)
{
	client_add_frontend(&client_native_frontend);
}
