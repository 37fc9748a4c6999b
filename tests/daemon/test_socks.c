/*
 * SOCKS5 parser vectors: each runs whole, one byte at a time, and split at
 * every position; good ones must yield the same greeting and request.
 */
#include <stdlib.h>

#include "check.h"
#include "socks.h"

struct socks_vector {
	const char *name;
	const char *hex;
	/* Expected outcome. */
	enum socks_result last;    /* SOCKS_REQUEST, or SOCKS_ERROR, or SOCKS_NEED_MORE */
	bool noauth;
	uint8_t cmd;
	const char *host;
	bool is_ip;
	uint16_t port;
	uint8_t reply;             /* for errors */
};

static const struct socks_vector vectors[] = {
	{ "connect ipv4", "05 01 00  05 01 00 01 7f 00 00 01 00 50", SOCKS_REQUEST, true, 1,
	  "127.0.0.1", true, 80, 0 },
	{ "connect domain (curl socks5h)", "05 02 00 01  05 01 00 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 01 bb",
	  SOCKS_REQUEST, true, 1, "example.com", false, 443, 0 },
	{ "domain that is a dotted address", "05 01 00  05 01 00 03 08 31 30 2e 30 2e 30 2e 31 1f 90",
	  SOCKS_REQUEST, true, 1, "10.0.0.1", true, 8080, 0 },
	{ "bind parses", "05 01 00  05 02 00 01 01 02 03 04 00 15", SOCKS_REQUEST, true, 2,
	  "1.2.3.4", true, 21, 0 },
	{ "no methods at all", "05 00", SOCKS_NEED_MORE, false, 0, NULL, false, 0, 0 },
	{ "only user/password offered", "05 01 02", SOCKS_NEED_MORE, false, 0, NULL, false, 0, 0 },
	{ "truncated request", "05 01 00  05 01 00 01 7f 00", SOCKS_NEED_MORE, true, 0, NULL, false,
	  0, 0 },
	{ "bad request version", "05 01 00  04 01 00 01 7f 00 00 01 00 50", SOCKS_ERROR, true, 0,
	  NULL, false, 0, SOCKS_REP_FAILURE },
	{ "unknown command", "05 01 00  05 09 00 01 7f 00 00 01 00 50", SOCKS_ERROR, true, 0, NULL,
	  false, 0, SOCKS_REP_CMD_UNSUPPORTED },
	{ "reserved byte set", "05 01 00  05 01 01 01 7f 00 00 01 00 50", SOCKS_ERROR, true, 1, NULL,
	  false, 0, SOCKS_REP_FAILURE },
	{ "ipv6 address", "05 01 00  05 01 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 50",
	  SOCKS_ERROR, true, 1, NULL, false, 0, SOCKS_REP_ATYP_UNSUPPORTED },
	{ "unknown address type", "05 01 00  05 01 00 07 00", SOCKS_ERROR, true, 1, NULL, false, 0,
	  SOCKS_REP_ATYP_UNSUPPORTED },
	{ "empty host name", "05 01 00  05 01 00 03 00 00 50", SOCKS_ERROR, true, 1, NULL, false, 0,
	  SOCKS_REP_FAILURE },
	{ "overlong host name (254)", "05 01 00  05 01 00 03 fe", SOCKS_ERROR, true, 1, NULL, false,
	  0, SOCKS_REP_FAILURE },
	{ "host name with a quote", "05 01 00  05 01 00 03 03 61 22 62 00 50", SOCKS_ERROR, true, 1,
	  NULL, false, 0, SOCKS_REP_HOST_UNREACH },
	{ "host name with a NUL", "05 01 00  05 01 00 03 03 61 00 62 00 50", SOCKS_ERROR, true, 1,
	  NULL, false, 0, SOCKS_REP_HOST_UNREACH },
	{ "port zero", "05 01 00  05 01 00 01 7f 00 00 01 00 00", SOCKS_ERROR, true, 1, NULL, false,
	  0, SOCKS_REP_FAILURE },
	{ "udp associate from an unknown address", "05 01 00  05 03 00 01 00 00 00 00 00 00",
	  SOCKS_REQUEST, true, 3, "0.0.0.0", true, 0, 0 },
	{ "bind with port zero", "05 01 00  05 02 00 01 01 02 03 04 00 00", SOCKS_REQUEST, true, 2,
	  "1.2.3.4", true, 0, 0 },
	{ "tor resolve of a name (torsocks)",
	  "05 01 00  05 f0 00 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 00", SOCKS_REQUEST, true, 0xf0,
	  "example.com", false, 0, 0 },
	{ "tor resolve of an address", "05 01 00  05 f0 00 01 c6 12 00 01 00 00", SOCKS_REQUEST, true,
	  0xf0, "198.18.0.1", true, 0, 0 },
	{ "tor resolve_ptr", "05 01 00  05 f1 00 01 c6 12 00 01 00 00", SOCKS_REQUEST, true, 0xf1,
	  "198.18.0.1", true, 0, 0 },
	{ "tor resolve of an ipv6 address",
	  "05 01 00  05 f0 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00", SOCKS_ERROR,
	  true, 0xf0, NULL, false, 0, SOCKS_REP_ATYP_UNSUPPORTED },
	{ "tor resolve of an empty name", "05 01 00  05 f0 00 03 00 00 00", SOCKS_ERROR, true, 0xf0,
	  NULL, false, 0, SOCKS_REP_FAILURE },
	{ "unknown extension command 0xf2", "05 01 00  05 f2 00 01 7f 00 00 01 00 00", SOCKS_ERROR, true,
	  0, NULL, false, 0, SOCKS_REP_CMD_UNSUPPORTED },
};

struct socks_outcome {
	enum socks_result last;
	bool greeted, noauth, requested;
	struct socks_parser p;
};

/* Feed data in pieces of the given sizes (0 = everything at once). */
static void socks_run(const uint8_t *data, size_t len, size_t split, size_t piece,
		      struct socks_outcome *o)
{
	size_t pos = 0;

	memset(o, 0, sizeof(*o));
	socks_parser_init(&o->p);
	o->last = SOCKS_NEED_MORE;
	while (pos < len) {
		size_t chunk = piece ? piece : len - pos;
		size_t off = 0;

		if (split && pos < split && pos + chunk > split)
			chunk = split - pos;
		if (chunk > len - pos)
			chunk = len - pos;
		while (off < chunk) {
			enum socks_result r;
			size_t used = socks_parse(&o->p, data + pos + off, chunk - off, &r);

			off += used;
			if (r == SOCKS_GREETING) {
				o->greeted = true;
				o->noauth = o->p.noauth;
			}
			if (r == SOCKS_REQUEST)
				o->requested = true;
			if (r == SOCKS_ERROR || r == SOCKS_REQUEST) {
				o->last = r;
				return;
			}
			if (used == 0)
				return;
		}
		pos += chunk;
	}
}

static void socks_check_outcome(const struct socks_vector *v, const struct socks_outcome *o)
{
	CHECK_EQ(o->last, v->last);
	CHECK_EQ(o->noauth, v->noauth);
	if (v->last == SOCKS_REQUEST) {
		CHECK_EQ(o->p.cmd, v->cmd);
		CHECK(strcmp(o->p.host, v->host) == 0);
		CHECK_EQ(o->p.is_ip, v->is_ip);
		CHECK_EQ(o->p.port, v->port);
	} else if (v->last == SOCKS_ERROR) {
		CHECK_EQ(o->p.reply, v->reply);
		CHECK(o->p.error != NULL);
		if (v->cmd)
			CHECK_EQ(o->p.cmd, v->cmd);
	}
}

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct socks_vector *v = &vectors[i];
		uint8_t data[512];
		size_t len = check_hex(v->hex, data, sizeof(data));
		struct socks_outcome o;

		check_case = v->name;
		socks_run(data, len, 0, 0, &o);
		socks_check_outcome(v, &o);
		socks_run(data, len, 0, 1, &o);
		socks_check_outcome(v, &o);
		for (size_t split = 1; split < len; split++) {
			socks_run(data, len, split, 0, &o);
			socks_check_outcome(v, &o);
		}
	}
	check_case = NULL;
}

/* The glue treats BIND and UDP ASSOCIATE as unsupported: make that visible here. */
static void test_udp_associate_is_a_request(void)
{
	uint8_t data[64];
	size_t len = check_hex("05 01 00 05 03 00 01 00 00 00 00 12 34", data, sizeof(data));
	struct socks_outcome o;

	check_case = "udp associate request";
	socks_run(data, len, 0, 0, &o);
	CHECK_EQ(o.last, SOCKS_REQUEST);
	CHECK_EQ(o.p.cmd, SOCKS_CMD_UDP);
	check_case = NULL;
}

/* Bytes after a request belong to the pipe: the parser must leave them. */
static void test_leaves_trailing_bytes(void)
{
	uint8_t data[64];
	size_t len = check_hex("05 01 00 05 01 00 01 7f 00 00 01 00 50 47 45 54", data, sizeof(data));
	struct socks_parser p;
	enum socks_result r;
	size_t used;

	check_case = "trailing bytes";
	socks_parser_init(&p);
	used = socks_parse(&p, data, len, &r);
	CHECK_EQ(r, SOCKS_GREETING);
	CHECK_EQ(used, 3);
	used += socks_parse(&p, data + used, len - used, &r);
	CHECK_EQ(r, SOCKS_REQUEST);
	CHECK_EQ(used, len - 3);
	check_case = NULL;
}

static void test_longest_name(void)
{
	uint8_t data[300];
	size_t len = 0;
	struct socks_outcome o;

	check_case = "253-byte name";
	data[len++] = 5;
	data[len++] = 1;
	data[len++] = 0;
	data[len++] = 5;
	data[len++] = 1;
	data[len++] = 0;
	data[len++] = 3;
	data[len++] = 253;
	for (int i = 0; i < 253; i++)
		data[len++] = (uint8_t)(i % 10 == 9 ? '.' : 'a' + i % 26);
	data[len++] = 0;
	data[len++] = 80;
	socks_run(data, len, 0, 1, &o);
	CHECK_EQ(o.last, SOCKS_REQUEST);
	CHECK_EQ(strlen(o.p.host), 253);
	check_case = NULL;
}

static void test_reply_codes(void)
{
	check_case = "reply codes";
	CHECK_EQ(socks_reply_for(PROTO_OK), SOCKS_REP_OK);
	CHECK_EQ(socks_reply_for(PROTO_EACCES), SOCKS_REP_NOT_ALLOWED);
	CHECK_EQ(socks_reply_for(PROTO_ENETDOWN), SOCKS_REP_NET_UNREACH);
	CHECK_EQ(socks_reply_for(PROTO_ENOHOST), SOCKS_REP_HOST_UNREACH);
	CHECK_EQ(socks_reply_for(PROTO_ECONNREFUSED), SOCKS_REP_REFUSED);
	CHECK_EQ(socks_reply_for(PROTO_ETIMEDOUT), SOCKS_REP_TTL_EXPIRED);
	CHECK_EQ(socks_reply_for(PROTO_ENODEV), SOCKS_REP_FAILURE);
	check_case = NULL;
}

int main(void)
{
	test_vectors();
	test_udp_associate_is_a_request();
	test_leaves_trailing_bytes();
	test_longest_name();
	test_reply_codes();
	return check_done("daemon-socks");
}
