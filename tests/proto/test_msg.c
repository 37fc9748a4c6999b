/* Message vectors: every message type encoded, decoded, and reassembled from a stream. */
#include <stdlib.h>

#include "check.h"
#include "msg.h"

/* List bodies as the wire carries them. */
static const uint8_t scan_entries[] = {
	0x04, 0x68, 0x6f, 0x6d, 0x65, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xd8, 0x01, 0x03, 0x00, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xa6, 0x0b, 0x00
};
static const uint8_t resolve_entries[] = {
	0x5d, 0xb8, 0xd8, 0x22
};
static const uint8_t status_entries[] = {
	0x09, 0x6c, 0x69, 0x6e, 0x6b, 0x2e, 0x62, 0x61, 0x75, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1e, 0x84, 0x80, 0x0b, 0x62, 0x6f, 0x61, 0x72, 0x64, 0x2e, 0x73, 0x74, 0x61, 0x74, 0x65, 0x01, 0x08, 0x61, 0x74, 0x74, 0x61, 0x63, 0x68, 0x65, 0x64
};

struct vector {
	const char *name;
	struct msg msg;
	const char *hex;   /* encoding written from the specification */
};

static const struct vector vectors[] = {
	{ "HELLO", { .type = PROTO_HELLO, .tag = 1, .u.hello = { 1, 0, 0, "k210sock" } },
	  "01 00 11 00 01 01 00 00 00 00 00 08 6b 32 31 30 73 6f 63 6b" },
	{ "DEVICE_INFO", { .type = PROTO_DEVICE_INFO, .tag = 2 },
	  "02 00 02 00 02" },
	{ "RESET esp", { .type = PROTO_RESET, .tag = 3, .u.reset.what = PROTO_RESET_ESP },
	  "03 00 03 00 03 01" },
	{ "WIFI_STATUS", { .type = PROTO_WIFI_STATUS, .tag = 4 },
	  "04 00 02 00 04" },
	{ "WIFI_JOIN", { .type = PROTO_WIFI_JOIN, .tag = 5, .u.join = { "home", "secret12" } },
	  "05 00 10 00 05 04 68 6f 6d 65 08 73 65 63 72 65 74 31 32" },
	{ "WIFI_SCAN", { .type = PROTO_WIFI_SCAN, .tag = 6 },
	  "06 00 02 00 06" },
	{ "WIFI_LEAVE", { .type = PROTO_WIFI_LEAVE, .tag = 7 },
	  "07 00 02 00 07" },
	{ "RESOLVE", { .type = PROTO_RESOLVE, .tag = 8, .u.resolve.host = "example.com" },
	  "08 00 0e 00 08 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d" },
	{ "STATUS", { .type = PROTO_STATUS, .tag = 9 },
	  "09 00 02 00 09" },
	{ "PING", { .type = PROTO_PING, .tag = 19, .u.resolve.host = "198.18.0.1" },
	  "0b 00 0d 00 13 0a 31 39 38 2e 31 38 2e 30 2e 31" },
	{ "SUBSCRIBE", { .type = PROTO_SUBSCRIBE, .tag = 10, .u.subscribe.mask = 7 },
	  "0a 00 06 00 0a 00 00 00 07" },
	{ "CONNECT tcp", { .type = PROTO_CONNECT, .tag = 11, .sock = 1,
			   .u.connect = { PROTO_KIND_TCP, 80, 0, 65536, "10.0.0.1" } },
	  "10 00 16 00 0b 00 01 01 00 50 00 00 00 01 00 00 08 31 30 2e 30 2e 30 2e 31" },
	{ "CONNECT tls by name", { .type = PROTO_CONNECT, .tag = 12, .sock = 2,
				   .u.connect = { PROTO_KIND_TLS, 443, 0, 8192, "example.com" } },
	  "10 00 19 00 0c 00 02 03 01 bb 00 00 00 00 20 00 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d" },
	{ "UDP_BIND", { .type = PROTO_UDP_BIND, .tag = 13, .sock = 3, .u.bind = { 5353, 4096 } },
	  "11 00 0a 00 0d 00 03 14 e9 00 00 10 00" },
	{ "LISTEN", { .type = PROTO_LISTEN, .tag = 14, .sock = 4, .u.listen = { 8080, 4, 16384 } },
	  "12 00 0b 00 0e 00 04 1f 90 04 00 00 40 00" },
	{ "ACCEPT", { .type = PROTO_ACCEPT, .tag = 15, .sock = 0x8001 },
	  "13 00 04 00 0f 80 01" },
	{ "CLOSE", { .type = PROTO_CLOSE, .tag = 16, .sock = 1 },
	  "14 00 04 00 10 00 01" },
	{ "SETSOCKOPT keepalive", { .type = PROTO_SETSOCKOPT, .tag = 17, .sock = 1,
				    .u.sockopt = { PROTO_OPT_KEEPALIVE, 60 } },
	  "15 00 09 00 11 00 01 01 00 00 00 3c" },
	{ "DATA", { .type = PROTO_DATA, .sock = 1, .u.data = { .data = (const uint8_t *)"hello", .len = 5 } },
	  "20 00 07 00 01 68 65 6c 6c 6f" },
	{ "DATA empty", { .type = PROTO_DATA, .sock = 1 },
	  "20 00 02 00 01" },
	{ "DATAGRAM", { .type = PROTO_DATAGRAM, .sock = 3,
			.u.data = { { { 192, 168, 1, 7 }, 53 }, (const uint8_t *)"\x00\x01\xff", 3 } },
	  "21 00 0b 00 03 c0 a8 01 07 00 35 00 01 ff" },
	{ "CREDIT", { .type = PROTO_CREDIT, .sock = 1, .u.credit.bytes = 2048 },
	  "22 00 06 00 01 00 00 08 00" },
	{ "EV_CLOSED remote", { .type = PROTO_EV_CLOSED, .sock = 1, .u.closed.err = PROTO_OK },
	  "40 00 03 00 01 00" },
	{ "EV_CLOSED reset", { .type = PROTO_EV_CLOSED, .sock = 2, .u.closed.err = PROTO_ECONNRESET },
	  "40 00 03 00 02 0b" },
	{ "EV_ACCEPTED", { .type = PROTO_EV_ACCEPTED, .sock = 4,
			   .u.accepted = { 0x8001, { { 10, 0, 0, 9 }, 40000 }, 4096 } },
	  "41 00 0e 00 04 80 01 0a 00 00 09 9c 40 00 00 10 00" },
	{ "EV_WIFI", { .type = PROTO_EV_WIFI, .u.wifi = { PROTO_WIFI_GOT_IP, { 192, 168, 4, 2 } } },
	  "42 00 05 03 c0 a8 04 02" },
	{ "EV_DEVICE", { .type = PROTO_EV_DEVICE, .u.device = { PROTO_DEV_BAUD, 2000000 } },
	  "43 00 05 05 00 1e 84 80" },
	{ "EV_LOG", { .type = PROTO_EV_LOG, .u.log = { PROTO_LOG_WARN, "esp reset" } },
	  "44 00 0b 01 09 65 73 70 20 72 65 73 65 74" },
	{ "HELLO response", { .type = PROTO_HELLO | PROTO_RESPONSE, .tag = 1,
			      .u.hello = { 1, 0, 0, "k210sockd 0.1.0" } },
	  "81 00 19 00 01 00 01 00 00 00 00 00 0f 6b 32 31 30 73 6f 63 6b 64 20 30 2e 31 2e 30" },
	{ "DEVICE_INFO response", { .type = PROTO_DEVICE_INFO | PROTO_RESPONSE, .tag = 2,
				    .u.info = { "k210sockd-shim 0.1.0", "1.7.4.0", "3.0.4", "Maix Dock",
						{ 0x5c, 0xcf, 0x7f, 1, 2, 3 }, { 192, 168, 4, 2 }, 5, 4, 0x0f,
						2000000, 2000000, 3600 } },
	  "82 00 49 00 02 00 14 6b 32 31 30 73 6f 63 6b 64 2d 73 68 69 6d 20 30 2e 31 2e 30 07 31 2e 37 2e 34 2e 30 05 33 2e 30 2e 34 09 4d 61 69 78 20 44 6f 63 6b 5c cf 7f 01 02 03 c0 a8 04 02 05 04 0f 00 1e 84 80 00 1e 84 80 00 00 0e 10" },
	{ "RESET response", { .type = PROTO_RESET | PROTO_RESPONSE, .tag = 3 },
	  "83 00 03 00 03 00" },
	{ "WIFI_STATUS response", { .type = PROTO_WIFI_STATUS | PROTO_RESPONSE, .tag = 4,
				    .u.wstatus = { PROTO_WIFI_GOT_IP, "home", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff },
						   -47, 6, { 192, 168, 4, 2 }, { 192, 168, 4, 1 },
						   { 255, 255, 255, 0 } } },
	  "84 00 1d 00 04 00 03 04 68 6f 6d 65 aa bb cc dd ee ff d1 06 c0 a8 04 02 c0 a8 04 01 ff ff ff 00" },
	{ "WIFI_JOIN failure", { .type = PROTO_WIFI_JOIN | PROTO_RESPONSE, .tag = 5, .err = PROTO_EAUTH },
	  "85 00 03 00 05 12" },
	{ "WIFI_SCAN response", { .type = PROTO_WIFI_SCAN | PROTO_RESPONSE, .tag = 6,
				  .u.list = { 2, scan_entries, sizeof(scan_entries) } },
	  "86 00 1c 00 06 00 02 04 68 6f 6d 65 01 02 03 04 05 06 d8 01 03 00 06 05 04 03 02 01 a6 0b 00" },
	{ "RESOLVE response", { .type = PROTO_RESOLVE | PROTO_RESPONSE, .tag = 8,
				.u.list = { 1, resolve_entries, sizeof(resolve_entries) } },
	  "88 00 08 00 08 00 01 5d b8 d8 22" },
	{ "RESOLVE failure", { .type = PROTO_RESOLVE | PROTO_RESPONSE, .tag = 8, .err = PROTO_ENOHOST },
	  "88 00 03 00 08 11" },
	{ "STATUS response", { .type = PROTO_STATUS | PROTO_RESPONSE, .tag = 9,
			       .u.list = { 2, status_entries, sizeof(status_entries) } },
	  "89 00 2d 00 09 00 02 09 6c 69 6e 6b 2e 62 61 75 64 00 00 00 00 00 00 1e 84 80 0b 62 6f 61 72 64 2e 73 74 61 74 65 01 08 61 74 74 61 63 68 65 64" },
	{ "SUBSCRIBE response", { .type = PROTO_SUBSCRIBE | PROTO_RESPONSE, .tag = 10 },
	  "8a 00 03 00 0a 00" },
	{ "PING response", { .type = PROTO_PING | PROTO_RESPONSE, .tag = 19, .u.ping.ms = 23 },
	  "8b 00 07 00 13 00 00 00 00 17" },
	{ "PING timed out", { .type = PROTO_PING | PROTO_RESPONSE, .tag = 19, .err = PROTO_ETIMEDOUT },
	  "8b 00 03 00 13 0c" },
	{ "CONNECT response", { .type = PROTO_CONNECT | PROTO_RESPONSE, .tag = 11, .u.opened = { 4096, 50001 } },
	  "90 00 09 00 0b 00 00 00 10 00 c3 51" },
	{ "CONNECT refused", { .type = PROTO_CONNECT | PROTO_RESPONSE, .tag = 11, .err = PROTO_ECONNREFUSED },
	  "90 00 03 00 0b 0a" },
	{ "UDP_BIND response", { .type = PROTO_UDP_BIND | PROTO_RESPONSE, .tag = 13, .u.opened = { 4096, 5353 } },
	  "91 00 09 00 0d 00 00 00 10 00 14 e9" },
	{ "LISTEN response", { .type = PROTO_LISTEN | PROTO_RESPONSE, .tag = 14 },
	  "92 00 03 00 0e 00" },
	{ "ACCEPT response", { .type = PROTO_ACCEPT | PROTO_RESPONSE, .tag = 15,
			       .u.accept.remote = { { 10, 0, 0, 9 }, 40000 } },
	  "93 00 09 00 0f 00 0a 00 00 09 9c 40" },
	{ "CLOSE response", { .type = PROTO_CLOSE | PROTO_RESPONSE, .tag = 16 },
	  "94 00 03 00 10 00" },
	{ "SETSOCKOPT unsupported", { .type = PROTO_SETSOCKOPT | PROTO_RESPONSE, .tag = 17, .err = PROTO_ENOTSUP },
	  "95 00 03 00 11 02" },
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static const struct msg *vector_msg(const char *name)
{
	for (size_t i = 0; i < NVECTORS; i++)
		if (strcmp(vectors[i].name, name) == 0)
			return &vectors[i].msg;
	abort();
}

/* Two decoded messages are equal if they encode to the same bytes. */
static void check_same(const struct msg *a, const struct msg *b)
{
	uint8_t x[PROTO_MSG_MAX], y[PROTO_MSG_MAX];
	size_t nx = msg_encode(a, x, sizeof(x)), ny = msg_encode(b, y, sizeof(y));

	CHECK(nx > 0);
	CHECK_EQ(nx, ny);
	CHECK_MEM(x, y, nx < ny ? nx : ny);
	CHECK_EQ(a->type, b->type);
	CHECK_EQ(a->tag, b->tag);
	CHECK_EQ(a->err, b->err);
	CHECK_EQ(a->sock, b->sock);
}

static void test_vectors(void)
{
	for (size_t i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		uint8_t want[PROTO_MSG_MAX], got[PROTO_MSG_MAX];
		size_t wlen = check_hex(v->hex, want, sizeof(want));
		size_t n = msg_encode(&v->msg, got, sizeof(got));
		struct msg m;

		check_case = v->name;
		CHECK_EQ(n, wlen);
		CHECK_EQ(msg_encoded_len(&v->msg), wlen);
		CHECK_MEM(got, want, wlen);
		if (n != wlen || memcmp(got, want, wlen)) {
			check_dump("got", got, n);
			check_dump("want", want, wlen);
		}
		CHECK_EQ(msg_decode(&m, want, wlen), MSG_OK);
		check_same(&m, &v->msg);
		/* Too small an output buffer is refused, never overrun. */
		CHECK_EQ(msg_encode(&v->msg, got, wlen - 1), 0);
		/* Every proper prefix is truncated, whatever the declared length says. */
		for (size_t cut = 0; cut < wlen; cut++)
			CHECK(msg_decode(&m, want, cut) == MSG_ETRUNC);
	}
}

static void test_fields(void)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg m;
	size_t n, pos = 0;
	struct msg_entry e;

	check_case = "decoded fields";
	n = msg_encode(vector_msg("CONNECT tcp"), buf, sizeof(buf));
	CHECK_EQ(msg_decode(&m, buf, n), MSG_OK);
	CHECK_EQ(m.type, PROTO_CONNECT);
	CHECK_EQ(m.tag, 11);
	CHECK_EQ(m.sock, 1);
	CHECK_EQ(m.u.connect.kind, PROTO_KIND_TCP);
	CHECK_EQ(m.u.connect.port, 80);
	CHECK_EQ(m.u.connect.rx_window, 65536);
	CHECK(strcmp(m.u.connect.host, "10.0.0.1") == 0);

	check_case = "list walking";
	CHECK_EQ(msg_decode(&m, buf, msg_encode(vector_msg("WIFI_SCAN response"), buf, sizeof(buf))), MSG_OK);
	CHECK(msg_list_next(&m, &pos, &e));
	CHECK(strcmp(e.u.ap.ssid, "home") == 0);
	CHECK_EQ(e.u.ap.rssi, -40);
	CHECK_EQ(e.u.ap.enc, 3);
	CHECK(msg_list_next(&m, &pos, &e));
	CHECK(strcmp(e.u.ap.ssid, "") == 0);
	CHECK_EQ(e.u.ap.channel, 11);
	CHECK(!msg_list_next(&m, &pos, &e));

	check_case = "status list walking";
	pos = 0;
	CHECK_EQ(msg_decode(&m, buf, msg_encode(vector_msg("STATUS response"), buf, sizeof(buf))), MSG_OK);
	CHECK(msg_list_next(&m, &pos, &e));
	CHECK(strcmp(e.u.kv.key, "link.baud") == 0);
	CHECK_EQ(e.u.kv.kind, PROTO_KV_INT);
	CHECK_EQ(e.u.kv.num, 2000000);
	CHECK(msg_list_next(&m, &pos, &e));
	CHECK(strcmp(e.u.kv.str, "attached") == 0);
	CHECK(!msg_list_next(&m, &pos, &e));
}

static void test_builders(void)
{
	uint8_t body[512];
	struct msg_list_builder b;
	static const uint8_t bssid1[6] = { 1, 2, 3, 4, 5, 6 }, bssid2[6] = { 6, 5, 4, 3, 2, 1 };
	static const uint8_t ip[4] = { 93, 184, 216, 34 };
	char longkey[40];

	check_case = "scan builder";
	msg_list_begin(&b, body, sizeof(body));
	CHECK(msg_list_add_ap(&b, "home", bssid1, -40, 1, 3));
	CHECK(msg_list_add_ap(&b, "", bssid2, -90, 11, 0));
	CHECK_EQ(b.count, 2);
	CHECK_EQ(b.len, sizeof(scan_entries));
	CHECK_MEM(body, scan_entries, sizeof(scan_entries));

	check_case = "resolve builder";
	msg_list_begin(&b, body, sizeof(body));
	CHECK(msg_list_add_ip(&b, ip));
	CHECK_MEM(body, resolve_entries, sizeof(resolve_entries));

	check_case = "status builder";
	msg_list_begin(&b, body, sizeof(body));
	CHECK(msg_list_add_int(&b, "link.baud", 2000000));
	CHECK(msg_list_add_str(&b, "board.state", "attached"));
	CHECK_EQ(b.len, sizeof(status_entries));
	CHECK_MEM(body, status_entries, sizeof(status_entries));

	check_case = "builder refuses what does not fit";
	msg_list_begin(&b, body, 10);
	CHECK(!msg_list_add_str(&b, "board.state", "attached"));
	CHECK_EQ(b.count, 0);
	CHECK_EQ(b.len, 0);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = 0;
	msg_list_begin(&b, body, sizeof(body));
	CHECK(!msg_list_add_int(&b, longkey, 1));
}

struct bad_vector {
	const char *name;
	const char *hex;
	enum msg_status expect;
	uint8_t type;
	uint16_t tag;
};

static const struct bad_vector bad[] = {
	{ "header only two bytes", "01 00", MSG_ETRUNC, 0, 0 },
	{ "body shorter than declared", "20 00 10 00 01 41", MSG_ETRUNC, PROTO_DATA, 0 },
	{ "declared length above the maximum", "20 0a 00 00 01", MSG_EOVERSIZE, PROTO_DATA, 0 },
	{ "unknown request keeps its tag", "1f 00 02 12 34", MSG_ETYPE, 0x1f, 0x1234 },
	{ "unknown event", "5f 00 00", MSG_ETYPE, 0x5f, 0 },
	{ "success answer to an unknown request", "9f 00 03 00 01 00", MSG_ETYPE, 0x9f, 1 },
	{ "response to a non-request", "a0 00 03 00 01 00", MSG_ETYPE, 0xa0, 0 },
	{ "CONNECT without host", "10 00 0d 00 0b 00 01 01 00 50 00 00 00 01 00 00", MSG_ETRUNC, PROTO_CONNECT, 11 },
	{ "string length past the body", "08 00 05 00 08 09 61 62", MSG_ETRUNC, PROTO_RESOLVE, 8 },
	{ "ssid longer than 32", "05 00 25 00 05 21 "
	  "61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 00",
	  MSG_EINVAL, PROTO_WIFI_JOIN, 5 },
	{ "NUL inside a string", "08 00 06 00 08 03 61 00 62", MSG_EINVAL, PROTO_RESOLVE, 8 },
	{ "list count beyond entries", "88 00 08 00 08 00 02 5d b8 d8 22", MSG_EINVAL, PROTO_RESOLVE | PROTO_RESPONSE, 8 },
	{ "status entry of unknown kind", "89 00 08 00 09 00 01 01 6b 07 00", MSG_EINVAL, PROTO_STATUS | PROTO_RESPONSE, 9 },
	{ "credit cut short", "22 00 04 00 01 00 00", MSG_ETRUNC, PROTO_CREDIT, 0 },
	{ "PING without host", "0b 00 02 00 13", MSG_ETRUNC, PROTO_PING, 0x13 },
	{ "PING host longer than 253", "0b 00 03 00 13 fe", MSG_EINVAL, PROTO_PING, 0x13 },
	{ "PING answer cut short", "8b 00 05 00 13 00 00 00", MSG_ETRUNC, PROTO_PING | PROTO_RESPONSE, 0x13 },
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t buf[PROTO_MSG_MAX];
		size_t n = check_hex(bad[i].hex, buf, sizeof(buf));
		struct msg m;

		check_case = bad[i].name;
		CHECK_EQ(msg_decode(&m, buf, n), bad[i].expect);
		CHECK_EQ(m.type, bad[i].type);
		CHECK_EQ(m.tag, bad[i].tag);
	}

	check_case = "DATA over 2048 bytes";
	{
		static uint8_t big[PROTO_MSG_MAX];
		struct msg m;

		big[0] = PROTO_DATA;
		big[1] = (2051 >> 8) & 0xff;
		big[2] = 2051 & 0xff;
		CHECK_EQ(msg_decode(&m, big, 3 + 2051), MSG_EINVAL);
		msg_init(&m, PROTO_DATA);
		m.u.data.data = big;
		m.u.data.len = PROTO_DATA_MAX + 1;
		CHECK_EQ(msg_encode(&m, big, sizeof(big)), 0);
	}
	check_case = "encoding refuses an overlong string";
	{
		struct msg m;
		uint8_t out[PROTO_MSG_MAX];

		msg_init(&m, PROTO_WIFI_JOIN);
		memset(m.u.join.ssid, 'x', sizeof(m.u.join.ssid));
		CHECK_EQ(msg_encode(&m, out, sizeof(out)), 0);
	}
	check_case = "encoding refuses an unknown type";
	{
		struct msg m;
		uint8_t out[16];

		msg_init(&m, 0x3f);
		CHECK_EQ(msg_encode(&m, out, sizeof(out)), 0);
	}
	check_case = "a newer peer's extra trailing fields are ignored";
	{
		uint8_t buf[32];
		size_t n = check_hex("22 00 08 00 01 00 00 08 00 ee ff", buf, sizeof(buf));
		struct msg m;

		CHECK_EQ(msg_decode(&m, buf, n), MSG_OK);
		CHECK_EQ(m.u.credit.bytes, 2048);
	}
	check_case = "a refusal of an unknown request encodes and decodes";
	{
		struct msg req, resp, back;
		uint8_t out[16], want[16];
		size_t n, wlen = check_hex("9f 00 03 12 34 02", want, sizeof(want));

		msg_init(&req, 0x1f);
		req.tag = 0x1234;
		msg_init_response(&resp, &req, PROTO_ENOTSUP);
		n = msg_encode(&resp, out, sizeof(out));
		CHECK_EQ(n, wlen);
		CHECK_MEM(out, want, wlen);
		CHECK_EQ(msg_decode(&back, out, n), MSG_OK);
		CHECK_EQ(back.tag, 0x1234);
		CHECK_EQ(back.err, PROTO_ENOTSUP);
	}
	check_case = "error response carries no body";
	{
		uint8_t buf[32];
		size_t n = check_hex("90 00 03 00 0b 0a", buf, sizeof(buf));
		struct msg m;

		CHECK_EQ(msg_decode(&m, buf, n), MSG_OK);
		CHECK_EQ(m.err, PROTO_ECONNREFUSED);
		CHECK_EQ(m.u.opened.tx_window, 0);
	}
}

/* All vectors back to back, fed whole and then in pieces of every size up to 7. */
static void test_reader(void)
{
	static uint8_t stream[NVECTORS * PROTO_MSG_MAX];
	static struct msg_reader r;
	size_t total = 0;

	for (size_t i = 0; i < NVECTORS; i++)
		total += check_hex(vectors[i].hex, stream + total, sizeof(stream) - total);
	for (size_t step = 0; step <= 7; step++) {
		size_t at = 0, seen = 0;

		check_case = step ? "reader in pieces" : "reader whole";
		msg_reader_reset(&r);
		while (at < total) {
			size_t piece = step && total - at > step ? step : total - at;
			size_t off = 0;

			while (off < piece) {
				enum msg_status st;
				const uint8_t *p = NULL;
				size_t len = 0;
				struct msg m;

				off += msg_reader_feed(&r, stream + at + off, piece - off, &st, &p, &len);
				if (st == MSG_NEED_MORE)
					continue;
				CHECK_EQ(st, MSG_OK);
				if (st != MSG_OK || seen >= NVECTORS)
					return;
				CHECK_EQ(msg_decode(&m, p, len), MSG_OK);
				check_same(&m, &vectors[seen].msg);
				seen++;
			}
			at += piece;
		}
		CHECK_EQ(seen, NVECTORS);
	}

	check_case = "reader: oversized length breaks the stream for good";
	{
		static const uint8_t oversize[] = { PROTO_DATA, 0xff, 0xff, 0, 1 };
		static const uint8_t good[] = { PROTO_CREDIT, 0, 6, 0, 1, 0, 0, 8, 0 };
		enum msg_status st;
		const uint8_t *p;
		size_t len;

		msg_reader_reset(&r);
		CHECK_EQ(msg_reader_feed(&r, oversize, sizeof(oversize), &st, &p, &len), sizeof(oversize));
		CHECK_EQ(st, MSG_EOVERSIZE);
		msg_reader_feed(&r, good, sizeof(good), &st, &p, &len);
		CHECK_EQ(st, MSG_EOVERSIZE);
		msg_reader_reset(&r);
		msg_reader_feed(&r, good, sizeof(good), &st, &p, &len);
		CHECK_EQ(st, MSG_OK);
	}
	check_case = "reader: an empty body completes at once";
	{
		static const uint8_t empty[] = { PROTO_DEVICE_INFO | PROTO_RESPONSE, 0, 0 };
		enum msg_status st;
		const uint8_t *p;
		size_t len;

		msg_reader_reset(&r);
		CHECK_EQ(msg_reader_feed(&r, empty, sizeof(empty), &st, &p, &len), 3);
		CHECK_EQ(st, MSG_OK);
		CHECK_EQ(len, 3);
	}
}

static void test_names(void)
{
	check_case = "names";
	for (int e = 0; e < PROTO_ERR_COUNT; e++)
		CHECK(strcmp(proto_err_str(e), "unknown error") != 0);
	CHECK(strcmp(proto_err_str(PROTO_ERR_COUNT), "unknown error") == 0);
	for (size_t i = 0; i < NVECTORS; i++)
		CHECK(strcmp(proto_type_name(vectors[i].msg.type), "UNKNOWN") != 0);
	CHECK(strcmp(proto_type_name(0x3f), "UNKNOWN") == 0);
}

/* The helpers for moving encoded messages: they agree with the codec. */
static void test_headers(void)
{
	static const uint8_t payload[] = { 'a', 'b', 'c' };
	uint8_t buf[PROTO_MSG_MAX];
	struct msg m;
	size_t len;

	check_case = "headers";
	msg_init(&m, PROTO_DEVICE_INFO);
	m.tag = 0x1234;
	len = msg_encode(&m, buf, sizeof(buf));
	CHECK(len >= PROTO_MSG_HDR + 2);
	CHECK_EQ(msg_peek_len(buf), len);
	CHECK_EQ(msg_peek_tag(buf), 0x1234);
	msg_set_tag(buf, 0xbeef);
	CHECK_EQ(msg_decode(&m, buf, len), MSG_OK);
	CHECK_EQ(m.tag, 0xbeef);

	msg_data_header(buf, 0x8001, sizeof(payload));
	memcpy(buf + PROTO_DATA_HDR, payload, sizeof(payload));
	CHECK_EQ(msg_peek_len(buf), PROTO_DATA_HDR + sizeof(payload));
	CHECK_EQ(msg_decode(&m, buf, PROTO_DATA_HDR + sizeof(payload)), MSG_OK);
	CHECK_EQ(m.type, PROTO_DATA);
	CHECK_EQ(m.sock, 0x8001);
	CHECK_EQ(m.u.data.len, sizeof(payload));
	CHECK_MEM(m.u.data.data, payload, sizeof(payload));
}

int main(void)
{
	test_vectors();
	test_fields();
	test_builders();
	test_bad();
	test_reader();
	test_names();
	test_headers();
	return check_done("test_msg");
}
