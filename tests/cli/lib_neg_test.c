/*
 * libk210sock against a daemon that misbehaves or refuses: named vectors
 * of bad answers and of bad HELLO answers (each run whole and one byte per
 * write), the mapping of every protocol error to errno, arguments past the
 * protocol's limits, and random garbage.  The library must fail cleanly
 * (EPROTO for a broken stream), never crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "k210sock.h"
#include "proto_errno.h"
#include "wire.h"

/* The valid answer to the first STATUS of a handle (its tag is 1). */
static size_t status_answer(uint8_t *out, size_t cap, uint16_t tag)
{
	uint8_t list[64];
	struct msg_list_builder b;
	struct msg r;

	msg_init(&r, PROTO_STATUS | PROTO_RESPONSE);
	r.tag = tag;
	msg_list_begin(&b, list, sizeof(list));
	msg_list_add_int(&b, "clients", 1);
	msg_list_finish(&b, &r);
	return msg_encode(&r, out, cap);
}

/* --- answers to STATUS: named vectors ------------------------------------------- */

enum then {
	THEN_ANSWER,   /* then the valid answer */
	THEN_CLOSE,    /* then close the connection */
	THEN_WAIT,     /* then wait for the client to give up and close */
};

struct answer_vector {
	const char *name;
	uint8_t bytes[16];
	size_t len;
	enum then then;
	int want_errno;          /* 0: the call succeeds */
	bool broken;             /* the handle is unusable afterwards */
	uint8_t refusal[6];      /* the client must answer this (a request from the daemon) */
	size_t pad;              /* zero bytes after bytes */
};

static const struct answer_vector answer_vectors[] = {
	{ "declared length far over the limit", { 0x89, 0xff, 0xff }, 3,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "declared length one over the limit", { 0x89, 0x09, 0xfe }, 3,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "header cut short by a close", { 0x89, 0x00 }, 2,
	  THEN_CLOSE, EPROTO, true, { 0 }, 0 },
	{ "body cut short by a close", { 0x89, 0x00, 0x05, 0x00, 0x01 }, 5,
	  THEN_CLOSE, EPROTO, true, { 0 }, 0 },
	{ "close without an answer", { 0 }, 0,
	  THEN_CLOSE, ECONNRESET, true, { 0 }, 0 },
	{ "no answer in time", { 0 }, 0,
	  THEN_WAIT, ETIMEDOUT, true, { 0 }, 0 },
	{ "response without its error byte", { 0x89, 0x00, 0x02, 0x00, 0x01 }, 5,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "list counting an entry it lacks", { 0x89, 0x00, 0x04, 0x00, 0x01, 0x00, 0x01 }, 7,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "status entry of an unknown kind",
	  { 0x89, 0x00, 0x07, 0x00, 0x01, 0x00, 0x01, 0x01, 'k', 0x09 }, 10,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "status key with a NUL byte",
	  { 0x89, 0x00, 0x07, 0x00, 0x01, 0x00, 0x01, 0x01, 0x00, 0x01 }, 10,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "status key longer than allowed",
	  { 0x89, 0x00, 0x06, 0x00, 0x01, 0x00, 0x01, 0x21, 'k' }, 9,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "answer carrying another tag", { 0x89, 0x00, 0x03, 0x00, 0x09, 0x00 }, 6,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "answer to another request", { 0x84, 0x00, 0x03, 0x00, 0x01, 0x05 }, 6,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "log event with an over-long text", { 0x44, 0x00, 0x02, 0x02, 0xff }, 5,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "credit cut short", { 0x22, 0x00, 0x03, 0x00, 0x01, 0x00 }, 6,
	  THEN_WAIT, EPROTO, true, { 0 }, 0 },
	{ "datagram longer than allowed", { 0x21, 0x08, 0x09, 0x00, 0x01 }, 5,
	  THEN_WAIT, EPROTO, true, { 0 }, 2055 },
	{ "refused with an error the protocol lacks", { 0x89, 0x00, 0x03, 0x00, 0x01, 99 }, 6,
	  THEN_WAIT, EIO, false, { 0 }, 0 },
	{ "refused: no board", { 0x89, 0x00, 0x03, 0x00, 0x01, PROTO_ENODEV }, 6,
	  THEN_WAIT, ENODEV, false, { 0 }, 0 },
	{ "unknown event type first", { 0x5f, 0x00, 0x02, 0xaa, 0xbb }, 5,
	  THEN_ANSWER, 0, false, { 0 }, 0 },
	{ "unknown type with the response bit first", { 0xa0, 0x00, 0x00 }, 3,
	  THEN_ANSWER, 0, false, { 0 }, 0 },
	{ "stream data on the handle first", { 0x20, 0x00, 0x03, 0x00, 0x07, 'x' }, 6,
	  THEN_ANSWER, 0, false, { 0 }, 0 },
	{ "credit for a socket the handle lacks first", { 0x22, 0x00, 0x06, 0x00, 0x07, 0, 0, 1, 0 }, 9,
	  THEN_ANSWER, 0, false, { 0 }, 0 },
	{ "a request from the daemon first", { 0x02, 0x00, 0x02, 0x00, 0x07 }, 5,
	  THEN_ANSWER, 0, false, { 0x82, 0x00, 0x03, 0x00, 0x07, PROTO_ENOTSUP }, 0 },
	{ "a request of an unknown type first", { 0x1e, 0x00, 0x02, 0x12, 0x34 }, 5,
	  THEN_ANSWER, 0, false, { 0x9e, 0x00, 0x03, 0x12, 0x34, PROTO_ENOTSUP }, 0 },
};

#define ANSWER_VECTORS (sizeof(answer_vectors) / sizeof(answer_vectors[0]))

static void script_answer(struct fake *f, int fd, int index)
{
	const struct answer_vector *v = f->ctx;
	uint8_t buf[PROTO_MSG_MAX], got[6];
	struct msg req;
	size_t n;

	(void)index;
	if (!fake_hello(f, fd) || !fake_expect(f, fd, PROTO_STATUS, &req, buf))
		return;
	fake_send_raw(f, fd, v->bytes, v->len);
	if (v->pad) {
		static const uint8_t zeros[PROTO_MSG_MAX];

		fake_send_raw(f, fd, zeros, v->pad);
	}
	if (v->then == THEN_CLOSE)
		return;
	if (v->refusal[0]) {
		size_t have = 0;

		while (have < sizeof(got)) {
			ssize_t r = read(fd, got + have, sizeof(got) - have);

			if (r <= 0)
				break;
			have += (size_t)r;
		}
		if (have != sizeof(got) || memcmp(got, v->refusal, sizeof(got)))
			fake_fail(f, "%s: the client did not refuse the request", v->name);
	}
	if (v->then == THEN_ANSWER) {
		n = status_answer(buf, sizeof(buf), req.tag);
		fake_send_raw(f, fd, buf, n);
	}
	if (!v->broken) {
		/* A usable handle asks again and gets its answer. */
		if (!fake_expect(f, fd, PROTO_STATUS, &req, buf))
			return;
		n = status_answer(buf, sizeof(buf), req.tag);
		fake_send_raw(f, fd, buf, n);
	}
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_answers(bool bytewise)
{
	for (size_t i = 0; i < ANSWER_VECTORS; i++) {
		const struct answer_vector *v = &answer_vectors[i];
		struct k210sock_kv kv;
		struct fake f;
		k210sock *h;
		int r, errnum;

		h = fake_open(&f, script_answer, v, bytewise);
		if (!h)
			continue;
		k210sock_set_timeout(h, 300);
		r = k210sock_status(h);
		errnum = errno;
		if (v->want_errno == 0) {
			if (r != 1)
				fprintf(stderr, "%s: %s\n", v->name, k210sock_strerror(h));
			CHECK(r == 1);
			CHECK(k210sock_status_next(h, &kv) == 1 && !strcmp(kv.key, "clients"));
		} else {
			if (r != -1 || errnum != v->want_errno)
				fprintf(stderr, "%s (%s): got %d, %s\n", v->name, bytewise ? "byte by byte" : "whole",
					r, strerror(errnum));
			CHECK(r == -1 && errnum == v->want_errno);
			CHECK(strlen(k210sock_strerror(h)) > 0);
		}
		/* Broken: the same error again without a word to the daemon; else a fresh answer. */
		r = k210sock_status(h);
		if (v->broken)
			CHECK(r == -1 && errno == v->want_errno);
		else
			CHECK(r == 1);
		fake_done(&f, h);
	}
}

/* --- the daemon's side of HELLO: named vectors ------------------------------------ */

struct hello_vector {
	const char *name;
	uint8_t bytes[16];
	size_t len;
	int want_errno;
};

static const struct hello_vector hello_vectors[] = {
	{ "version refused", { 0x81, 0x00, 0x03, 0x00, 0x01, PROTO_EVERSION }, 6, EPROTONOSUPPORT },
	{ "another major version",
	  { 0x81, 0x00, 0x0a, 0x00, 0x01, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0x00 }, 13, EPROTONOSUPPORT },
	{ "closed at once", { 0 }, 0, ECONNRESET },
	{ "garbage", { 0xff, 0xff, 0xff }, 3, EPROTO },
	{ "name longer than its body",
	  { 0x81, 0x00, 0x0a, 0x00, 0x01, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x05 }, 13, EPROTO },
	{ "refused: not allowed", { 0x81, 0x00, 0x03, 0x00, 0x01, PROTO_EACCES }, 6, EACCES },
};

#define HELLO_VECTORS (sizeof(hello_vectors) / sizeof(hello_vectors[0]))

static void script_hello(struct fake *f, int fd, int index)
{
	const struct hello_vector *v = f->ctx;
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req;

	(void)index;
	if (!fake_expect(f, fd, PROTO_HELLO, &req, buf))
		return;
	if (req.tag != 1)
		fake_fail(f, "HELLO with tag %u", req.tag);
	fake_send_raw(f, fd, v->bytes, v->len);
}

static void test_hello(bool bytewise)
{
	for (size_t i = 0; i < HELLO_VECTORS; i++) {
		const struct hello_vector *v = &hello_vectors[i];
		struct fake f;
		k210sock *h;

		if (fake_start(&f, script_hello, v, bytewise) < 0) {
			check_failures++;
			continue;
		}
		h = k210sock_open(f.path);
		if (h || errno != v->want_errno)
			fprintf(stderr, "hello: %s: got %s\n", v->name, h ? "a handle" : strerror(errno));
		CHECK(h == NULL && errno == v->want_errno);
		k210sock_close(h);
		check_failures += fake_stop(&f);
	}
}

/* --- every protocol error maps to its errno ------------------------------------------ */

static void script_errors(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req;

	(void)index;
	if (!fake_hello(f, fd))
		return;
	for (int err = 1; err < PROTO_ERR_COUNT; err++) {
		if (!fake_expect(f, fd, PROTO_DEVICE_INFO, &req, buf))
			return;
		fake_reply(f, fd, &req, (uint8_t)err);
	}
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_errors(bool bytewise)
{
	struct k210sock_device_info info;
	struct fake f;
	k210sock *h;

	h = fake_open(&f, script_errors, NULL, bytewise);
	if (!h)
		return;
	for (int err = 1; err < PROTO_ERR_COUNT; err++) {
		int r = k210sock_device_info(h, &info);

		CHECK(r == -1 && errno == proto_errno_from_err(err));
		CHECK(!strcmp(k210sock_strerror(h), proto_err_str(err)));
	}
	fake_done(&f, h);
}

static void test_arguments(void)
{
	/* Nothing listens there. */
	CHECK(k210sock_open("/nonexistent/k210sockd.sock") == NULL && errno == ENOENT);
	CHECK(k210sock_connect("/nonexistent/k210sockd.sock", "h", 1, K210SOCK_TCP, 100) == -1 &&
	      errno == ENOENT);
	CHECK(k210sock_connect("/tmp/x", "h", 1, 2, 100) == -1 && errno == EINVAL);
	CHECK(k210sock_connect("/tmp/x", "", 1, K210SOCK_TCP, 100) == -1 && errno == EINVAL);
	CHECK(k210sock_connect("/tmp/x", "h", 0, K210SOCK_TCP, 100) == -1 && errno == EINVAL);
	CHECK(k210sock_status(NULL) == -1 && errno == EINVAL);
	CHECK(k210sock_fd(NULL) == -1);
	CHECK(!strcmp(k210sock_strerror(NULL), "no handle"));
}

/* Arguments longer than the protocol allows are refused before anything is sent. */
static void script_limits(struct fake *f, int fd, int index)
{
	(void)index;
	if (fake_hello(f, fd))
		fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_limits(void)
{
	char long_host[K210SOCK_HOST_MAX + 2], long_psk[K210SOCK_PSK_MAX + 2];
	struct in_addr a;
	struct fake f;
	k210sock *h;

	memset(long_host, 'a', sizeof(long_host) - 1);
	long_host[sizeof(long_host) - 1] = 0;
	memset(long_psk, 'p', sizeof(long_psk) - 1);
	long_psk[sizeof(long_psk) - 1] = 0;
	h = fake_open(&f, script_limits, NULL, false);
	if (!h)
		return;
	CHECK(k210sock_getaddrinfo(h, long_host, &a, 1) == -1 && errno == EINVAL);
	CHECK(k210sock_wifi_join(h, "ssid", long_psk) == -1 && errno == EINVAL);
	CHECK(k210sock_wifi_join(h, "", "x") == -1 && errno == EINVAL);
	CHECK(k210sock_reset(h, 7) == -1 && errno == EINVAL);
	CHECK(k210sock_dial(h, long_host, 80, K210SOCK_TCP, 100) == -1 && errno == EINVAL);
	CHECK(k210sock_sendto(h, 1, a, 1, "x", 1) == -1 && errno == EBADF);
	fake_done(&f, h);
}

/* --- random garbage as the answer: fail or succeed, never crash --------------------------- */

struct garbage {
	uint8_t bytes[96];
	size_t len;
};

static void script_garbage(struct fake *f, int fd, int index)
{
	const struct garbage *g = f->ctx;
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req;

	(void)index;
	if (!fake_hello(f, fd) || !fake_expect(f, fd, PROTO_STATUS, &req, buf))
		return;
	fake_send_raw(f, fd, g->bytes, g->len);
}

static void test_garbage(void)
{
	struct garbage g;
	unsigned seed = 12345;

	for (int round = 0; round < 200; round++) {
		struct k210sock_kv kv;
		struct fake f;
		k210sock *h;
		int r;

		g.len = (size_t)(rand_r(&seed) % (int)sizeof(g.bytes));
		for (size_t i = 0; i < g.len; i++)
			g.bytes[i] = (uint8_t)rand_r(&seed);
		/* Mostly plausible headers, so that bodies get parsed too. */
		if (g.len >= 3 && round % 2) {
			g.bytes[0] = (uint8_t)(round % 4 ? 0x89 : 0x40 + round % 6);
			wire_put_u16(g.bytes + 1, (uint16_t)(g.len - 3));
		}
		h = fake_open(&f, script_garbage, &g, false);
		if (!h)
			continue;
		k210sock_set_timeout(h, 200);
		r = k210sock_status(h);
		CHECK(r >= 0 || errno != 0);
		while (r > 0 && k210sock_status_next(h, &kv) == 1)
			;
		fake_done(&f, h);
	}
}

int main(void)
{
	test_arguments();
	test_limits();
	for (int bytewise = 0; bytewise <= 1; bytewise++) {
		test_answers(bytewise);
		test_hello(bytewise);
		test_errors(bytewise);
	}
	test_garbage();
	if (check_failures)
		fprintf(stderr, "%d checks failed\n", check_failures);
	else
		printf("libk210sock: all failure tests passed\n");
	return check_failures ? 1 : 0;
}
