#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

#include "board_req.h"
#include "board_sock.h"
#include "client_int.h"
#include "client_socks.h"
#include "daemon.h"
#include "log.h"
#include "socks.h"

static void client_socks_reply_addr(struct client *c, uint8_t rep, const uint8_t ip[4],
				    uint16_t port)
{
	uint8_t r[10] = { SOCKS_VERSION, rep, 0, SOCKS_ATYP_IPV4, ip[0], ip[1], ip[2], ip[3],
			  (uint8_t)(port >> 8), (uint8_t)port };

	bufferevent_write(c->bev, r, sizeof(r));
}

static void client_socks_reply(struct client *c, uint8_t rep, uint16_t port)
{
	static const uint8_t none[4];

	client_socks_reply_addr(c, rep, none, port);
}

static void client_socks_fail_request(struct client *c, uint8_t rep, const char *why)
{
	daemon_ctr.socks_failed++;
	log_debug("client %u: SOCKS: %s", c->serial, why);
	client_socks_reply(c, rep, 0);
	client_close_after_flush(c);
}

static void client_socks_resolve_done(void *ctx, const struct msg *resp)
{
	struct client_req *r = ctx;
	struct client *c = r->c;
	struct msg_entry e;
	size_t pos = 0;

	LIST_REMOVE(r, entry);
	free(r);
	c->connecting = false;
	if (resp->err != PROTO_OK || !msg_list_next(resp, &pos, &e)) {
		client_socks_fail_request(c, socks_reply_for(resp->err != PROTO_OK ? resp->err : PROTO_ENOHOST),
				   "RESOLVE failed");
		return;
	}
	client_socks_reply_addr(c, SOCKS_REP_OK, e.u.ip, 0);
	client_close_after_flush(c);
}

/* Tor's RESOLVE: the name's first IPv4 address from the board, then close. */
static void client_socks_resolve(struct client *c)
{
	struct socks_parser *p = c->socks;
	struct client_req *r;
	struct msg m;

	log_debug("client %u (uid %u): SOCKS RESOLVE %s", c->serial, (unsigned)c->uid, p->host);
	if (p->is_ip) {
		client_socks_reply_addr(c, SOCKS_REP_OK, p->ip, 0);
		client_close_after_flush(c);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		client_socks_fail_request(c, SOCKS_REP_FAILURE, "out of memory");
		return;
	}
	msg_init(&m, PROTO_RESOLVE);
	snprintf(m.u.resolve.host, sizeof(m.u.resolve.host), "%s", p->host);
	r->c = c;
	r->type = PROTO_RESOLVE;
	r->req = board_req_submit(&m, daemon_state.cfg->limits.request_timeout_ms, 0,
				  client_socks_resolve_done, r);
	if (!r->req) {
		free(r);
		client_socks_fail_request(c, SOCKS_REP_FAILURE, "request queue full");
		return;
	}
	LIST_INSERT_HEAD(&c->reqs, r, entry);
	c->connecting = true;
	client_stop_handshake_timer(c);
}

static void client_socks_connect_done(struct client *c, int err, struct board_sock *b)
{
	if (err != PROTO_OK) {
		client_socks_fail_request(c, socks_reply_for(err), proto_err_str(err));
		return;
	}
	client_socks_reply(c, SOCKS_REP_OK, board_sock_local_port(b));
	client_handover(c, b);
}

static void client_socks_request(struct client *c)
{
	struct socks_parser *p = c->socks;

	daemon_ctr.socks_requests++;
	if (p->cmd == SOCKS_CMD_RESOLVE) {
		client_socks_resolve(c);
		return;
	}
	if (p->cmd != SOCKS_CMD_CONNECT) {
		client_socks_fail_request(c, SOCKS_REP_CMD_UNSUPPORTED,
					  p->cmd == SOCKS_CMD_BIND ? "BIND is not supported"
					  : p->cmd == SOCKS_CMD_RESOLVE_PTR
						  ? "RESOLVE_PTR is not supported"
						  : "UDP ASSOCIATE is not supported");
		return;
	}
	log_debug("client %u (uid %u): SOCKS CONNECT %s:%u", c->serial, (unsigned)c->uid, p->host,
		  p->port);
	client_stop_handshake_timer(c);
	client_open_stream(c, PROTO_KIND_TCP, p->host, p->port, client_socks_connect_done);
}

static void client_socks_input(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	if (!c->socks) {
		c->socks = malloc(sizeof(*c->socks));
		if (!c->socks) {
			client_free(c);
			return;
		}
		socks_parser_init(c->socks);
	}
	while (!c->connecting && c->mode == CLIENT_OPEN) {
		uint8_t buf[512];
		size_t have = evbuffer_get_length(in), used;
		enum socks_result res;

		if (have == 0)
			return;
		if (have > sizeof(buf))
			have = sizeof(buf);
		evbuffer_copyout(in, buf, have);
		used = socks_parse(c->socks, buf, have, &res);
		evbuffer_drain(in, used);
		switch (res) {
		case SOCKS_NEED_MORE:
			break;
		case SOCKS_GREETING: {
			uint8_t r[2] = { SOCKS_VERSION, c->socks->noauth ? SOCKS_METHOD_NOAUTH
									  : SOCKS_METHOD_NONE };

			bufferevent_write(c->bev, r, sizeof(r));
			if (!c->socks->noauth) {
				daemon_ctr.socks_failed++;
				log_debug("client %u: SOCKS: no acceptable method offered", c->serial);
				client_close_after_flush(c);
				return;
			}
			break;
		}
		case SOCKS_REQUEST:
			client_socks_request(c);
			return;
		case SOCKS_ERROR:
			daemon_ctr.socks_failed++;
			log_debug("client %u: SOCKS: %s", c->serial, c->socks->error);
			if (c->socks->reply != SOCKS_METHOD_NONE)
				client_socks_reply(c, c->socks->reply, 0);
			client_close_after_flush(c);
			return;
		}
	}
}

static bool client_socks_claims(uint8_t first, bool tcp)
{
	(void)tcp;
	return first == SOCKS_VERSION;
}

static const struct client_frontend client_socks_frontend = {
	.claims = client_socks_claims,
	.input = client_socks_input,
};

void client_socks_init(void)
{
	client_add_frontend(&client_socks_frontend);
}
