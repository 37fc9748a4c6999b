#include <stdio.h>
#include <string.h>

#include "acl.h"
#include "socks.h"

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
