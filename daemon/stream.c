#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "board_link.h"
#include "board_req.h"
#include "board_sock.h"
#include "client.h"
#include "daemon.h"
#include "log.h"
#include "client_pipe.h"
#include "socks.h"
#include "stream.h"

void stream_become_pipe(struct client *c, struct bsock *b)
{
	struct bufferevent *bev = c->bev;

	/* The pipe takes the connection over; this client record goes. */
	c->bev = NULL;
	c->opening = NULL;
	client_count_add(1);   /* client_free counts this connection out; the pipe keeps it */
	pipe_start(bev, b, c->uid, c->tcp, c->serial);
	client_free(c);
}

static void stream_connect_done(struct client *c, int err, struct bsock *b)
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
	stream_become_pipe(c, b);
}

static void stream_opened(void *ctx, struct bsock *b, int err)
{
	struct client *c = ctx;

	c->opening = NULL;
	if (c->mode == CLIENT_SOCKS)
		socks_connect_done(c, err, b);
	else
		stream_connect_done(c, err, b);
}

static const struct bsock_ops stream_open_ops = {
	.opened = stream_opened,
};

static void stream_open_now(struct client *c, uint8_t kind, const char *host, uint16_t port)
{
	int err = PROTO_OK;
	struct bsock *b = bsock_connect(kind, host, port, c->uid, &stream_open_ops, c, &err);

	if (!b) {
		stream_opened(c, NULL, err);
		return;
	}
	c->opening = b;
}

static void stream_resolve_done(void *ctx, const struct msg *resp)
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
		stream_opened(c, NULL, resp->err != PROTO_OK ? resp->err : PROTO_ENOHOST);
		return;
	}
	if (!client_dest_allowed(e.u.ip, port)) {
		log_info("client %u (uid %u): destination %u.%u.%u.%u:%u refused by the rules",
			 c->serial, (unsigned)c->uid, e.u.ip[0], e.u.ip[1], e.u.ip[2], e.u.ip[3], port);
		stream_opened(c, NULL, PROTO_EACCES);
		return;
	}
	snprintf(host, sizeof(host), "%u.%u.%u.%u", e.u.ip[0], e.u.ip[1], e.u.ip[2], e.u.ip[3]);
	stream_open_now(c, kind, host, port);
}

void stream_open(struct client *c, uint8_t kind, const char *host, uint16_t port)
{
	const struct config *cfg = daemon_state.cfg;
	uint8_t ip[4];

	if (bsock_uid_streams(c->uid) >= cfg->limits.sockets_per_client) {
		log_info("client %u (uid %u): already holds %u streams (limit)", c->serial,
			 (unsigned)c->uid, cfg->limits.sockets_per_client);
		stream_opened(c, NULL, PROTO_ENOBUFS);
		return;
	}
	if (acl_parse_ipv4(host, strlen(host), ip)) {
		if (!client_dest_allowed(ip, port)) {
			log_info("client %u (uid %u): destination %s:%u refused by the rules", c->serial,
				 (unsigned)c->uid, host, port);
			stream_opened(c, NULL, PROTO_EACCES);
			return;
		}
	} else if (cfg->access.allow.n || cfg->access.deny.n) {
		/* The rules speak of addresses: resolve on the board first. */
		struct client_req *r = calloc(1, sizeof(*r));
		struct msg m;

		if (!r) {
			stream_opened(c, NULL, PROTO_ENOBUFS);
			return;
		}
		msg_init(&m, PROTO_RESOLVE);
		snprintf(m.u.resolve.host, sizeof(m.u.resolve.host), "%s", host);
		r->c = c;
		r->kind = kind;
		r->port = port;
		r->type = PROTO_RESOLVE;
		r->breq = breq_submit(&m, cfg->limits.request_timeout_ms, 0, stream_resolve_done, r);
		if (!r->breq) {
			free(r);
			stream_opened(c, NULL, PROTO_EAGAIN);
			return;
		}
		LIST_INSERT_HEAD(&c->reqs, r, entry);
		return;
	}
	stream_open_now(c, kind, host, port);
}

void stream_connect(struct client *c, const struct msg *m)
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
	stream_open(c, m->u.connect.kind, m->u.connect.host, m->u.connect.port);
}

/* true when the connection became a pipe (c is gone). */
bool stream_accept(struct client *c, const struct msg *m)
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
	stream_become_pipe(c, b);
	return true;
}
