/*
 * SOCKS5 (RFC 1928): a parser of the greeting and the request that is fed
 * bytes and allocates nothing, and the reply codes.  Serving a connection
 * with it is client_socks.c.
 */
#ifndef K210_SOCKS_H
#define K210_SOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define SOCKS_VERSION 5
#define SOCKS_METHOD_NOAUTH 0x00
#define SOCKS_METHOD_NONE 0xff

/* Reply codes. */
enum socks_reply {
	SOCKS_REP_OK = 0x00,
	SOCKS_REP_FAILURE = 0x01,
	SOCKS_REP_NOT_ALLOWED = 0x02,
	SOCKS_REP_NET_UNREACH = 0x03,
	SOCKS_REP_HOST_UNREACH = 0x04,
	SOCKS_REP_REFUSED = 0x05,
	SOCKS_REP_TTL_EXPIRED = 0x06,
	SOCKS_REP_CMD_UNSUPPORTED = 0x07,
	SOCKS_REP_ATYP_UNSUPPORTED = 0x08,
};

/* RESOLVE and RESOLVE_PTR are Tor's extensions (torsocks uses them for names). */
enum socks_cmd {
	SOCKS_CMD_CONNECT = 1,
	SOCKS_CMD_BIND = 2,
	SOCKS_CMD_UDP = 3,
	SOCKS_CMD_RESOLVE = 0xf0,
	SOCKS_CMD_RESOLVE_PTR = 0xf1,
};
enum socks_atyp { SOCKS_ATYP_IPV4 = 1, SOCKS_ATYP_DOMAIN = 3, SOCKS_ATYP_IPV6 = 4 };

enum socks_result {
	SOCKS_NEED_MORE,   /* every byte consumed, nothing complete yet */
	SOCKS_GREETING,    /* method selection complete: see noauth */
	SOCKS_REQUEST,     /* request complete: host, ip (if IPv4), port */
	SOCKS_ERROR,       /* bad input: send reply (if not 0xff) and close */
};

struct socks_parser {
	uint8_t state;
	uint8_t need;          /* bytes still expected in the current field */
	bool noauth;           /* the client offered "no authentication" */
	uint8_t cmd, atyp;
	bool is_ip;            /* host is a dotted IPv4 address (ip is set) */
	uint8_t ip[4];
	uint16_t port;
	uint8_t reply;         /* on SOCKS_ERROR: reply code, or 0xff for none */
	const char *error;     /* on SOCKS_ERROR: what was wrong */
	uint8_t host_len;
	char host[PROTO_HOST_MAX + 1];
};

void socks_parser_init(struct socks_parser *p);
/*
 * Consume bytes until a phase completes or an error is found.  Returns the
 * number of bytes consumed; bytes after a completed phase are left for the
 * next call.
 */
size_t socks_parse(struct socks_parser *p, const uint8_t *in, size_t n, enum socks_result *res);
/* The reply code for a protocol error. */
uint8_t socks_reply_for(int proto_err);

#endif
