/*
 * libk210sock's operations for event loops against a scripted daemon: each
 * kind of operation with its result, the errors the daemon answers, a daemon
 * that breaks the protocol or goes away, and arguments refused before
 * anything is sent.  Every case runs with the daemon's messages whole and one
 * byte per write, and is driven only by poll(2) on the operation's descriptor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "k210sock.h"

/* Drive op to its end as an event loop would: 1, or -1 with errno. */
static int op_run(k210sock_op *op)
{
	for (int turns = 0; turns < 10000; turns++) {
		struct pollfd p = { .fd = k210sock_op_fd(op), .events = POLLIN };
		int r = k210sock_op_step(op);

		if (r != 0)
			return r;
		if (poll(&p, 1, FAKE_TIMEOUT_MS) != 1) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	errno = ELOOP;
	return -1;
}

/* A request of the wanted type after HELLO, or a failure. */
static bool op_request(struct fake *f, int fd, uint8_t type, struct msg *req, uint8_t *buf)
{
	return fake_hello(f, fd) && fake_expect(f, fd, type, req, buf);
}

/* The connect's answer comes with the first pipe bytes right behind it. */
static void script_connect(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX], out[PROTO_MSG_MAX];
	struct msg req, r;
	size_t n;
	char data[8];

	(void)index;
	if (!op_request(f, fd, PROTO_CONNECT, &req, buf))
		return;
	if (strcmp(req.u.connect.host, "198.18.0.1") || req.u.connect.port != 80 ||
	    req.u.connect.kind != PROTO_KIND_TCP)
		fake_fail(f, "CONNECT to %s:%u kind %u", req.u.connect.host, req.u.connect.port,
			  req.u.connect.kind);
	msg_init_response(&r, &req, PROTO_OK);
	r.u.opened.tx_window = 16384;
	n = msg_encode(&r, out, sizeof(out));
	memcpy(out + n, "banner", 6);
	fake_send_raw(f, fd, out, n + 6);
	if (read(fd, data, 4) != 4 || memcmp(data, "ping", 4))
		fake_fail(f, "no ping on the pipe");
	fake_send_raw(f, fd, "pong", 4);
}

static void test_connect(bool bytewise)
{
	struct fake f;
	k210sock_op *op;
	char data[16];
	int fd;

	if (fake_start(&f, script_connect, NULL, bytewise) < 0) {
		check_failures++;
		return;
	}
	op = k210sock_op_connect(f.path, "198.18.0.1", 80, K210SOCK_TCP);
	CHECK(op != NULL);
	if (op) {
		CHECK(k210sock_op_take_fd(op) == -1 && errno == EINVAL);
		CHECK(op_run(op) == 1);
		CHECK(k210sock_op_step(op) == 1);
		CHECK(k210sock_op_rtt_ms(op) == -1 && errno == EINVAL);
		fd = k210sock_op_take_fd(op);
		CHECK(fd >= 0);
		CHECK(k210sock_op_take_fd(op) == -1);
		k210sock_op_free(op);
		if (fd >= 0) {
			size_t got = 0;

			while (got < 6) {
				ssize_t r = read(fd, data + got, 6 - got);

				if (r <= 0)
					break;
				got += (size_t)r;
			}
			CHECK(got == 6 && !memcmp(data, "banner", 6));
			CHECK(write(fd, "ping", 4) == 4);
			got = 0;
			while (got < 4) {
				ssize_t r = read(fd, data + got, 4 - got);

				if (r <= 0)
					break;
				got += (size_t)r;
			}
			CHECK(got == 4 && !memcmp(data, "pong", 4));
			close(fd);
		}
	}
	check_failures += fake_stop(&f);
}

/* Answers by the name asked for: the cases of RESOLVE, PING and CONNECT. */
static void script_named(struct fake *f, int fd, int index)
{
	static const uint8_t ip1[4] = { 198, 18, 0, 1 }, ip2[4] = { 198, 18, 0, 2 };
	uint8_t buf[PROTO_MSG_MAX], list[64];
	struct msg_list_builder b;
	struct msg req, r;
	const char *host;

	(void)index;
	if (!fake_hello(f, fd) || !fake_recv(f, fd, &req, buf))
		return;
	host = req.type == PROTO_CONNECT ? req.u.connect.host : req.u.resolve.host;
	msg_init_response(&r, &req, PROTO_OK);
	if (!strcmp(host, "refused.test")) {
		r.err = PROTO_ECONNREFUSED;
	} else if (!strcmp(host, "nxdomain.test")) {
		r.err = PROTO_ENOHOST;
	} else if (!strcmp(host, "silent.test")) {
		r.err = PROTO_ETIMEDOUT;
	} else if (!strcmp(host, "noping.test")) {
		r.err = PROTO_ENOTSUP;
	} else if (!strcmp(host, "wrongtag.test")) {
		r.tag = 7;
	} else if (!strcmp(host, "wrongtype.test")) {
		r.type = PROTO_STATUS | PROTO_RESPONSE;
		msg_list_begin(&b, list, sizeof(list));
		msg_list_finish(&b, &r);
	} else if (!strcmp(host, "gone.test")) {
		return;
	} else if (req.type == PROTO_RESOLVE) {
		msg_list_begin(&b, list, sizeof(list));
		msg_list_add_ip(&b, ip1);
		msg_list_add_ip(&b, ip2);
		msg_list_finish(&b, &r);
	} else if (req.type == PROTO_PING) {
		r.u.ping.ms = 7;
	}
	fake_send(f, fd, &r);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

struct op_case {
	const char *name;
	uint8_t type;
	const char *host;
	int result;       /* 1, or -1 with errnum */
	int errnum;
};

static const struct op_case op_cases[] = {
	{ "resolve", PROTO_RESOLVE, "www.k210.test", 1, 0 },
	{ "ping", PROTO_PING, "198.18.0.1", 1, 0 },
	{ "connect refused", PROTO_CONNECT, "refused.test", -1, ECONNREFUSED },
	{ "name that does not resolve", PROTO_RESOLVE, "nxdomain.test", -1, EHOSTUNREACH },
	{ "ping without an answer", PROTO_PING, "silent.test", -1, ETIMEDOUT },
	{ "module without ping", PROTO_PING, "noping.test", -1, EOPNOTSUPP },
	{ "answer with another tag", PROTO_PING, "wrongtag.test", -1, EPROTO },
	{ "answer of another type", PROTO_RESOLVE, "wrongtype.test", -1, EPROTO },
	{ "daemon gone before answering", PROTO_RESOLVE, "gone.test", -1, ECONNRESET },
};

static k210sock_op *op_start(const char *path, uint8_t type, const char *host)
{
	switch (type) {
	case PROTO_RESOLVE:
		return k210sock_op_resolve(path, host);
	case PROTO_PING:
		return k210sock_op_ping(path, host);
	default:
		return k210sock_op_connect(path, host, 443, K210SOCK_TCP);
	}
}

static void test_named(bool bytewise)
{
	for (size_t i = 0; i < sizeof(op_cases) / sizeof(op_cases[0]); i++) {
		const struct op_case *c = &op_cases[i];
		struct in_addr addrs[4];
		struct fake f;
		k210sock_op *op;
		int r;

		if (fake_start(&f, script_named, NULL, bytewise) < 0) {
			check_failures++;
			return;
		}
		op = op_start(f.path, c->type, c->host);
		CHECK(op != NULL);
		if (!op) {
			check_failures += fake_stop(&f);
			continue;
		}
		r = op_run(op);
		if (r != c->result || (r < 0 && errno != c->errnum)) {
			check_failures++;
			fprintf(stderr, "%s: result %d errno %d (%s), expected %d errno %d\n", c->name, r,
				errno, k210sock_op_strerror(op), c->result, c->errnum);
		}
		if (r < 0) {
			CHECK(strcmp(k210sock_op_strerror(op), "success") != 0);
			CHECK(k210sock_op_step(op) == -1 && errno == c->errnum);
			CHECK(k210sock_op_fd(op) == -1);
		} else if (c->type == PROTO_RESOLVE) {
			CHECK(k210sock_op_addrs(op, addrs, 1) == 2);
			CHECK(addrs[0].s_addr == htonl(0xc6120001));
			CHECK(k210sock_op_addrs(op, addrs, 4) == 2 && addrs[1].s_addr == htonl(0xc6120002));
		} else if (c->type == PROTO_PING) {
			CHECK(k210sock_op_rtt_ms(op) == 7);
			CHECK(k210sock_op_addrs(op, addrs, 4) == -1 && errno == EINVAL);
		}
		k210sock_op_free(op);
		check_failures += fake_stop(&f);
	}
}

/* UDP_BIND, then datagrams both ways on the handle it hands over. */
static void script_udp(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, r;

	(void)index;
	if (!op_request(f, fd, PROTO_UDP_BIND, &req, buf))
		return;
	msg_init_response(&r, &req, PROTO_OK);
	r.u.opened.tx_window = 4096;
	r.u.opened.local_port = 40001;
	fake_send(f, fd, &r);
	if (!fake_expect(f, fd, PROTO_DATAGRAM, &req, buf))
		return;
	if (req.sock != r.sock || req.u.data.len != 5 || memcmp(req.u.data.data, "query", 5))
		fake_fail(f, "DATAGRAM on %u of %u bytes", req.sock, req.u.data.len);
	msg_init(&r, PROTO_DATAGRAM);
	r.sock = req.sock;
	r.u.data.addr = req.u.data.addr;
	r.u.data.data = (const uint8_t *)"answer";
	r.u.data.len = 6;
	fake_send(f, fd, &r);
	if (!fake_expect(f, fd, PROTO_CLOSE, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_OK);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_udp(bool bytewise)
{
	struct in_addr ip = { htonl(0xc6120001) }, from;
	struct fake f;
	k210sock_op *op;
	k210sock *h;
	char data[16];
	uint16_t port;
	int id = 0;

	if (fake_start(&f, script_udp, NULL, bytewise) < 0) {
		check_failures++;
		return;
	}
	op = k210sock_op_udp_bind(f.path, 0);
	CHECK(op != NULL);
	if (op) {
		CHECK(op_run(op) == 1);
		h = k210sock_op_take_handle(op, &id);
		CHECK(h != NULL && id > 0);
		CHECK(k210sock_op_take_handle(op, &id) == NULL && errno == EINVAL);
		k210sock_op_free(op);
		if (h) {
			CHECK(k210sock_udp_port(h, id) == 40001);
			CHECK(strstr(k210sock_daemon_name(h), "fake") != NULL ||
			      k210sock_daemon_name(h)[0] != 0);
			CHECK(k210sock_sendto(h, id, ip, 53, "query", 5) == 5);
			CHECK(k210sock_recvfrom(h, id, data, sizeof(data), &from, &port, 2000) == 6);
			CHECK(!memcmp(data, "answer", 6) && from.s_addr == ip.s_addr && port == 53);
			CHECK(k210sock_udp_close(h, id) == 0);
			k210sock_close(h);
		}
	}
	check_failures += fake_stop(&f);
}

/* A daemon that refuses the version: HELLO's answer ends the operation. */
static void script_old(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req;

	(void)index;
	if (!fake_expect(f, fd, PROTO_HELLO, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_EVERSION);
}

static void test_refusals(bool bytewise)
{
	struct fake f;
	k210sock_op *op;

	if (fake_start(&f, script_old, NULL, bytewise) < 0) {
		check_failures++;
		return;
	}
	op = k210sock_op_ping(f.path, "198.18.0.1");
	CHECK(op != NULL);
	if (op) {
		CHECK(op_run(op) == -1 && errno == EPROTONOSUPPORT);
		k210sock_op_free(op);
	}
	check_failures += fake_stop(&f);
}

/* Refused before anything is sent. */
static void test_arguments(void)
{
	char overlong[255];

	memset(overlong, 'a', sizeof(overlong) - 1);
	overlong[sizeof(overlong) - 1] = 0;
	CHECK(strlen(overlong) == 254);
	CHECK(k210sock_op_connect("/nonexistent", "", 80, K210SOCK_TCP) == NULL && errno == EINVAL);
	CHECK(k210sock_op_connect("/nonexistent", "h", 0, K210SOCK_TCP) == NULL && errno == EINVAL);
	CHECK(k210sock_op_connect("/nonexistent", "h", 80, 2) == NULL && errno == EINVAL);
	CHECK(k210sock_op_resolve("/nonexistent", NULL) == NULL && errno == EINVAL);
	CHECK(k210sock_op_ping("/nonexistent", overlong) == NULL && errno == EINVAL);
	CHECK(k210sock_op_ping("/nonexistent/daemon.sock", "198.18.0.1") == NULL && errno == ENOENT);
	CHECK(k210sock_op_udp_bind("/nonexistent/daemon.sock", 0) == NULL && errno == ENOENT);
	CHECK(k210sock_op_step(NULL) == -1 && errno == EINVAL);
	CHECK(k210sock_op_fd(NULL) == -1);
	k210sock_op_free(NULL);
}

/* The blocking ping on a handle. */
static void script_ping(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, r;

	(void)index;
	if (!op_request(f, fd, PROTO_PING, &req, buf))
		return;
	msg_init_response(&r, &req, PROTO_OK);
	r.u.ping.ms = 12;
	fake_send(f, fd, &r);
	if (!fake_expect(f, fd, PROTO_PING, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_ETIMEDOUT);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_ping(bool bytewise)
{
	struct fake f;
	unsigned ms = 0;
	k210sock *h = fake_open(&f, script_ping, NULL, bytewise);

	if (!h)
		return;
	CHECK(k210sock_ping(h, "198.18.0.1", &ms) == 0 && ms == 12);
	CHECK(k210sock_ping(h, "198.18.0.99", NULL) == -1 && errno == ETIMEDOUT);
	CHECK(k210sock_ping(h, "", NULL) == -1 && errno == EINVAL);
	fake_done(&f, h);
}

int main(void)
{
	for (int bytewise = 0; bytewise <= 1; bytewise++) {
		test_connect(bytewise);
		test_named(bytewise);
		test_udp(bytewise);
		test_refusals(bytewise);
		test_ping(bytewise);
	}
	test_arguments();
	if (check_failures)
		fprintf(stderr, "%d checks failed\n", check_failures);
	else
		printf("libk210sock: all operation tests passed\n");
	return check_failures ? 1 : 0;
}
