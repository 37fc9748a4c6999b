#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "board_req.h"
#include "board_sock.h"
#include "client.h"
#include "daemon.h"
#include "log.h"
#include "socks.h"
#include "report.h"
#include "stream.h"

enum socks_state {
	S_GREET_VER,
	S_GREET_NMETHODS,
	S_GREET_METHODS,
	S_REQ_VER,
	S_REQ_CMD,
	S_REQ_RSV,
	S_REQ_ATYP,
	S_REQ_IPV4,
	S_REQ_NAME_LEN,
	S_REQ_NAME,
	S_REQ_PORT,
	S_DONE,
	S_FAILED,
};

void socks_parser_init(struct socks_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = S_GREET_VER;
	p->reply = SOCKS_METHOD_NONE;
}

static enum socks_result socks_fail(struct socks_parser *p, uint8_t reply, const char *why)
{
	p->state = S_FAILED;
	p->reply = reply;
	p->error = why;
	return SOCKS_ERROR;
}

/* One byte; returns NEED_MORE unless a phase ended or failed. */
static enum socks_result socks_byte(struct socks_parser *p, uint8_t b)
{
	switch (p->state) {
	case S_GREET_VER:
		if (b != SOCKS_VERSION)
			return socks_fail(p, SOCKS_METHOD_NONE, "not SOCKS version 5");
		p->state = S_GREET_NMETHODS;
		return SOCKS_NEED_MORE;
	case S_GREET_NMETHODS:
		p->need = b;
		p->state = b ? S_GREET_METHODS : S_REQ_VER;
		return b ? SOCKS_NEED_MORE : SOCKS_GREETING;
	case S_GREET_METHODS:
		if (b == SOCKS_METHOD_NOAUTH)
			p->noauth = true;
		if (--p->need)
			return SOCKS_NEED_MORE;
		p->state = S_REQ_VER;
		return SOCKS_GREETING;
	case S_REQ_VER:
		if (b != SOCKS_VERSION)
			return socks_fail(p, SOCKS_REP_FAILURE, "request is not SOCKS version 5");
		p->state = S_REQ_CMD;
		return SOCKS_NEED_MORE;
	case S_REQ_CMD:
		if (b != SOCKS_CMD_CONNECT && b != SOCKS_CMD_BIND && b != SOCKS_CMD_UDP &&
		    b != SOCKS_CMD_RESOLVE && b != SOCKS_CMD_RESOLVE_PTR)
			return socks_fail(p, SOCKS_REP_CMD_UNSUPPORTED, "unknown command");
		p->cmd = b;
		p->state = S_REQ_RSV;
		return SOCKS_NEED_MORE;
	case S_REQ_RSV:
		if (b != 0)
			return socks_fail(p, SOCKS_REP_FAILURE, "reserved byte is not zero");
		p->state = S_REQ_ATYP;
		return SOCKS_NEED_MORE;
	case S_REQ_ATYP:
		p->atyp = b;
		if (b == SOCKS_ATYP_IPV4) {
			p->need = 4;
			p->state = S_REQ_IPV4;
			return SOCKS_NEED_MORE;
		}
		if (b == SOCKS_ATYP_DOMAIN) {
			p->state = S_REQ_NAME_LEN;
			return SOCKS_NEED_MORE;
		}
		return socks_fail(p, SOCKS_REP_ATYP_UNSUPPORTED,
				  b == SOCKS_ATYP_IPV6 ? "IPv6 addresses are not supported"
						      : "unknown address type");
	case S_REQ_IPV4:
		p->ip[4 - p->need] = b;
		if (--p->need)
			return SOCKS_NEED_MORE;
		p->is_ip = true;
		snprintf(p->host, sizeof(p->host), "%u.%u.%u.%u", p->ip[0], p->ip[1], p->ip[2],
			 p->ip[3]);
		p->host_len = (uint8_t)strlen(p->host);
		p->need = 2;
		p->state = S_REQ_PORT;
		return SOCKS_NEED_MORE;
	case S_REQ_NAME_LEN:
		if (b == 0)
			return socks_fail(p, SOCKS_REP_FAILURE, "empty host name");
		if (b > PROTO_HOST_MAX)
			return socks_fail(p, SOCKS_REP_FAILURE, "host name longer than 253 bytes");
		p->need = b;
		p->host_len = 0;
		p->state = S_REQ_NAME;
		return SOCKS_NEED_MORE;
	case S_REQ_NAME:
		/* Printable ASCII only: the name goes into an AT command on the board. */
		if (b <= 0x20 || b >= 0x7f || b == '"' || b == ',' || b == '\\')
			return socks_fail(p, SOCKS_REP_HOST_UNREACH, "host name has a bad character");
		p->host[p->host_len++] = (char)b;
		if (--p->need)
			return SOCKS_NEED_MORE;
		p->host[p->host_len] = 0;
		p->is_ip = acl_parse_ipv4(p->host, p->host_len, p->ip);
		p->need = 2;
		p->state = S_REQ_PORT;
		return SOCKS_NEED_MORE;
	case S_REQ_PORT:
		p->port = (uint16_t)(p->port << 8 | b);
		if (--p->need)
			return SOCKS_NEED_MORE;
		/* UDP ASSOCIATE and BIND may leave the address zero (RFC 1928); they are
		 * refused later with "command not supported", not as malformed.  RESOLVE
		 * carries no port. */
		if (p->port == 0 && p->cmd == SOCKS_CMD_CONNECT)
			return socks_fail(p, SOCKS_REP_FAILURE, "port 0");
		p->state = S_DONE;
		return SOCKS_REQUEST;
	case S_DONE:
		return socks_fail(p, SOCKS_REP_FAILURE, "bytes after the request");
	default:
		return SOCKS_ERROR;
	}
}

size_t socks_parse(struct socks_parser *p, const uint8_t *in, size_t n, enum socks_result *res)
{
	size_t used = 0;

	if (p->state == S_FAILED) {
		*res = SOCKS_ERROR;
		return 0;
	}
	while (used < n) {
		enum socks_result r = socks_byte(p, in[used++]);

		if (r != SOCKS_NEED_MORE) {
			*res = r;
			return used;
		}
	}
	*res = SOCKS_NEED_MORE;
	return used;
}

uint8_t socks_reply_for(int proto_err)
{
	switch (proto_err) {
	case PROTO_OK:
		return SOCKS_REP_OK;
	case PROTO_EACCES:
		return SOCKS_REP_NOT_ALLOWED;
	case PROTO_ENETDOWN:
		return SOCKS_REP_NET_UNREACH;
	case PROTO_EHOSTUNREACH:
	case PROTO_ENOHOST:
		return SOCKS_REP_HOST_UNREACH;
	case PROTO_ECONNREFUSED:
		return SOCKS_REP_REFUSED;
	case PROTO_ETIMEDOUT:
		return SOCKS_REP_TTL_EXPIRED;
	default:
		return SOCKS_REP_FAILURE;
	}
}

/* ---- the glue: a SOCKS5 client on a local connection ---- */

static void socks_reply_addr(struct client *c, uint8_t rep, const uint8_t ip[4], uint16_t port)
{
	uint8_t r[10] = { SOCKS_VERSION, rep, 0, SOCKS_ATYP_IPV4, ip[0], ip[1], ip[2], ip[3],
			  (uint8_t)(port >> 8), (uint8_t)port };

	bufferevent_write(c->bev, r, sizeof(r));
}

static void socks_reply(struct client *c, uint8_t rep, uint16_t port)
{
	static const uint8_t none[4];

	socks_reply_addr(c, rep, none, port);
}

static void socks_fail_request(struct client *c, uint8_t rep, const char *why)
{
	status_ctr.socks_failed++;
	log_debug("client %u: SOCKS: %s", c->serial, why);
	socks_reply(c, rep, 0);
	client_close_after_flush(c);
}

void socks_start(struct client *c)
{
	c->socks = malloc(sizeof(*c->socks));
	if (!c->socks) {
		client_free(c);
		return;
	}
	socks_parser_init(c->socks);
	socks_input(c);
}

static void socks_resolve_done(void *ctx, const struct msg *resp)
{
	struct client_req *r = ctx;
	struct client *c = r->c;
	struct msg_entry e;
	size_t pos = 0;

	LIST_REMOVE(r, entry);
	free(r);
	c->connecting = false;
	if (resp->err != PROTO_OK || !msg_list_next(resp, &pos, &e)) {
		socks_fail_request(c, socks_reply_for(resp->err != PROTO_OK ? resp->err : PROTO_ENOHOST),
				   "RESOLVE failed");
		return;
	}
	socks_reply_addr(c, SOCKS_REP_OK, e.u.ip, 0);
	client_close_after_flush(c);
}

/* Tor's RESOLVE: the name's first IPv4 address from the board, then close. */
static void socks_resolve(struct client *c)
{
	struct socks_parser *p = c->socks;
	struct client_req *r;
	struct msg m;

	log_debug("client %u (uid %u): SOCKS RESOLVE %s", c->serial, (unsigned)c->uid, p->host);
	if (p->is_ip) {
		socks_reply_addr(c, SOCKS_REP_OK, p->ip, 0);
		client_close_after_flush(c);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		socks_fail_request(c, SOCKS_REP_FAILURE, "out of memory");
		return;
	}
	msg_init(&m, PROTO_RESOLVE);
	snprintf(m.u.resolve.host, sizeof(m.u.resolve.host), "%s", p->host);
	r->c = c;
	r->type = PROTO_RESOLVE;
	r->breq = breq_submit(&m, daemon_state.cfg->limits.request_timeout_ms, 0, socks_resolve_done, r);
	if (!r->breq) {
		free(r);
		socks_fail_request(c, SOCKS_REP_FAILURE, "request queue full");
		return;
	}
	LIST_INSERT_HEAD(&c->reqs, r, entry);
	c->connecting = true;
	client_stop_handshake_timer(c);
}

static void socks_request(struct client *c)
{
	struct socks_parser *p = c->socks;

	status_ctr.socks_requests++;
	if (p->cmd == SOCKS_CMD_RESOLVE) {
		socks_resolve(c);
		return;
	}
	if (p->cmd != SOCKS_CMD_CONNECT) {
		socks_fail_request(c, SOCKS_REP_CMD_UNSUPPORTED,
				   p->cmd == SOCKS_CMD_BIND	     ? "BIND is not supported"
				   : p->cmd == SOCKS_CMD_RESOLVE_PTR ? "RESOLVE_PTR is not supported"
								     : "UDP ASSOCIATE is not supported");
		return;
	}
	log_debug("client %u (uid %u): SOCKS CONNECT %s:%u", c->serial, (unsigned)c->uid, p->host,
		  p->port);
	c->connecting = true;
	client_stop_handshake_timer(c);
	stream_open(c, PROTO_KIND_TCP, p->host, p->port);
}

void socks_input(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	while (!c->connecting && c->mode == CLIENT_SOCKS) {
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
				status_ctr.socks_failed++;
				log_debug("client %u: SOCKS: no acceptable method offered", c->serial);
				client_close_after_flush(c);
				return;
			}
			break;
		}
		case SOCKS_REQUEST:
			socks_request(c);
			return;
		case SOCKS_ERROR:
			status_ctr.socks_failed++;
			log_debug("client %u: SOCKS: %s", c->serial, c->socks->error);
			if (c->socks->reply != SOCKS_METHOD_NONE)
				socks_reply(c, c->socks->reply, 0);
			client_close_after_flush(c);
			return;
		}
	}
}

void socks_connect_done(struct client *c, int err, struct bsock *b)
{
	c->connecting = false;
	if (err != PROTO_OK) {
		socks_fail_request(c, socks_reply_for(err), proto_err_str(err));
		return;
	}
	socks_reply(c, SOCKS_REP_OK, b->local_port);
	stream_become_pipe(c, b);
}
