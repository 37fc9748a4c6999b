/*
 * libk210sock against a scripted daemon: what arrives unasked (events and
 * datagrams interleaved with answers) and the bounds of the queues that
 * hold it, a daemon that stops reading, timeouts of every wait, and streams
 * that fail.  Each test runs with the daemon's messages written whole, and
 * one byte per write.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fake.h"
#include "k210sock.h"

/* --- events and datagrams interleaved with answers, queue bounds ------------------------- */

static void send_log(struct fake *f, int fd, const char *text)
{
	struct msg m;

	msg_init(&m, PROTO_EV_LOG);
	m.u.log.level = PROTO_LOG_INFO;
	snprintf(m.u.log.text, sizeof(m.u.log.text), "%s", text);
	fake_send(f, fd, &m);
}

static void script_events(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, m;
	char text[32];

	(void)index;
	if (!fake_hello(f, fd) || !fake_expect(f, fd, PROTO_SUBSCRIBE, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_OK);
	/* Interleaved: events before the answer, in the order sent. */
	if (!fake_expect(f, fd, PROTO_WIFI_LEAVE, &req, buf))
		return;
	msg_init(&m, PROTO_EV_WIFI);
	m.u.wifi.state = PROTO_WIFI_DOWN;
	fake_send(f, fd, &m);
	send_log(f, fd, "first");
	fake_reply(f, fd, &req, PROTO_OK);
	/* More than the queue holds: the rest is counted, then reported in order. */
	if (!fake_expect(f, fd, PROTO_WIFI_LEAVE, &req, buf))
		return;
	for (int i = 0; i < 70; i++) {
		snprintf(text, sizeof(text), "log %d", i);
		send_log(f, fd, text);
	}
	msg_init(&m, PROTO_EV_DEVICE);
	m.u.device.what = PROTO_DEV_ESP_RESET;
	fake_send(f, fd, &m);
	fake_reply(f, fd, &req, PROTO_OK);
	if (!fake_expect(f, fd, PROTO_WIFI_LEAVE, &req, buf))
		return;
	send_log(f, fd, "after");
	fake_reply(f, fd, &req, PROTO_OK);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_events(bool bytewise)
{
	struct k210sock_event ev;
	char text[32];
	struct fake f;
	k210sock *h;

	h = fake_open(&f, script_events, NULL, bytewise);
	if (!h)
		return;
	CHECK(k210sock_subscribe(h, K210SOCK_SUB_WIFI | K210SOCK_SUB_LOG) == 0);
	CHECK(k210sock_subscribe(h, 0x100) == -1 && errno == EINVAL);
	CHECK(k210sock_wifi_leave(h) == 0);
	CHECK(k210sock_next_event(h, &ev, 0) == 1 && ev.type == K210SOCK_EV_WIFI &&
	      ev.u.wifi.state == K210SOCK_WIFI_DOWN);
	CHECK(k210sock_next_event(h, &ev, 0) == 1 && ev.type == K210SOCK_EV_LOG &&
	      !strcmp(ev.u.log.text, "first"));
	CHECK(k210sock_next_event(h, &ev, 0) == 0);

	CHECK(k210sock_wifi_leave(h) == 0);
	for (int i = 0; i < 64; i++) {
		snprintf(text, sizeof(text), "log %d", i);
		CHECK(k210sock_next_event(h, &ev, 0) == 1 && ev.type == K210SOCK_EV_LOG &&
		      !strcmp(ev.u.log.text, text));
	}
	CHECK(k210sock_next_event(h, &ev, 0) == 1 && ev.type == K210SOCK_EV_LOST &&
	      ev.u.lost.count == 7);
	CHECK(k210sock_next_event(h, &ev, 0) == 0);
	CHECK(k210sock_wifi_leave(h) == 0);
	CHECK(k210sock_next_event(h, &ev, 1000) == 1 && ev.type == K210SOCK_EV_LOG &&
	      !strcmp(ev.u.log.text, "after"));
	fake_done(&f, h);
}

/* Accept UDP_BIND, and the WIFI_LEAVE that follows it. */
static bool bind_reply(struct fake *f, int fd, uint16_t *sock, struct msg *leave, uint8_t *buf)
{
	struct msg req, r;

	if (!fake_hello(f, fd) || !fake_expect(f, fd, PROTO_UDP_BIND, &req, buf))
		return false;
	*sock = req.sock;
	msg_init_response(&r, &req, PROTO_OK);
	r.u.opened.tx_window = 8192;
	r.u.opened.local_port = 4000;
	fake_send(f, fd, &r);
	return !leave || fake_expect(f, fd, PROTO_WIFI_LEAVE, leave, buf);
}

static void send_datagram(struct fake *f, int fd, uint16_t sock, const uint8_t *data, uint16_t len)
{
	struct msg m;

	msg_init(&m, PROTO_DATAGRAM);
	m.sock = sock;
	m.u.data.addr.ip[0] = 10;
	m.u.data.addr.port = 7;
	m.u.data.data = data;
	m.u.data.len = len;
	fake_send(f, fd, &m);
}

/* More bytes than a socket's queue holds arrive while the client waits for an answer. */
static void script_udp_bytes(struct fake *f, int fd, int index)
{
	static uint8_t data[PROTO_DATA_MAX];
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, m;
	uint16_t sock;

	(void)index;
	if (!bind_reply(f, fd, &sock, &req, buf))
		return;
	for (int i = 0; i < 40; i++) {
		memset(data, i, sizeof(data));
		send_datagram(f, fd, sock, data, PROTO_DATA_MAX);
	}
	fake_reply(f, fd, &req, PROTO_OK);
	/* Room again: queued as usual; then the socket fails after one more. */
	if (!fake_expect(f, fd, PROTO_WIFI_LEAVE, &req, buf))
		return;
	send_datagram(f, fd, sock, (const uint8_t *)"again", 5);
	fake_reply(f, fd, &req, PROTO_OK);
	if (!fake_expect(f, fd, PROTO_WIFI_LEAVE, &req, buf))
		return;
	send_datagram(f, fd, sock, (const uint8_t *)"last", 4);
	msg_init(&m, PROTO_EV_CLOSED);
	m.sock = sock;
	m.u.closed.err = PROTO_ECONNRESET;
	fake_send(f, fd, &m);
	fake_reply(f, fd, &req, PROTO_OK);
	/* The daemon forgot the socket when it failed. */
	if (!fake_expect(f, fd, PROTO_CLOSE, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_EBADF);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_udp_bytes(bool bytewise)
{
	static uint8_t data[PROTO_DATA_MAX + 16];
	struct fake f;
	k210sock *h;
	int id, n = 0;

	h = fake_open(&f, script_udp_bytes, NULL, bytewise);
	if (!h)
		return;
	id = k210sock_udp_bind(h, 0);
	CHECK(id > 0);
	CHECK(k210sock_wifi_leave(h) == 0);
	for (;;) {
		ssize_t r = k210sock_recvfrom(h, id, data, sizeof(data), NULL, NULL, 0);

		if (r < 0)
			break;
		CHECK(r == PROTO_DATA_MAX && data[0] == n && data[PROTO_DATA_MAX - 1] == n);
		n++;
	}
	CHECK(errno == EAGAIN);
	CHECK(n == 32);
	CHECK(k210sock_udp_dropped(h, id) == 8);
	CHECK(k210sock_wifi_leave(h) == 0);
	CHECK(k210sock_recvfrom(h, id, data, sizeof(data), NULL, NULL, 0) == 5 &&
	      !memcmp(data, "again", 5));
	CHECK(k210sock_wifi_leave(h) == 0);
	/* What came before the failure first, then the failure, for every call. */
	CHECK(k210sock_recvfrom(h, id, data, 2, NULL, NULL, 0) == 2 && !memcmp(data, "la", 2));
	CHECK(k210sock_recvfrom(h, id, data, sizeof(data), NULL, NULL, 0) == -1 &&
	      errno == ECONNRESET);
	CHECK(k210sock_sendto(h, id, (struct in_addr){ 0 }, 7, "x", 1) == -1 &&
	      errno == ECONNRESET);
	CHECK(k210sock_udp_close(h, id) == 0);
	fake_done(&f, h);
}

/* More datagrams than the queue has entries for (empty ones take no bytes). */
static void script_udp_entries(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, leave;
	uint16_t sock;

	(void)index;
	if (!bind_reply(f, fd, &sock, &leave, buf))
		return;
	for (int i = 0; i < 65; i++)
		send_datagram(f, fd, sock, NULL, 0);
	fake_reply(f, fd, &leave, PROTO_OK);
	if (!fake_expect(f, fd, PROTO_CLOSE, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_OK);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_udp_entries(bool bytewise)
{
	uint8_t data[16];
	struct fake f;
	k210sock *h;
	int id, n = 0;

	h = fake_open(&f, script_udp_entries, NULL, bytewise);
	if (!h)
		return;
	id = k210sock_udp_bind(h, 0);
	CHECK(id > 0);
	CHECK(k210sock_wifi_leave(h) == 0);
	while (k210sock_recvfrom(h, id, data, sizeof(data), NULL, NULL, 0) == 0)
		n++;
	CHECK(errno == EAGAIN);
	CHECK(n == 64);
	CHECK(k210sock_udp_dropped(h, id) == 1);
	CHECK(k210sock_udp_close(h, id) == 0);
	fake_done(&f, h);
}

/*
 * The daemon stops reading (the board has no room): sending waits, then
 * fails with EAGAIN and leaves the handle usable; every datagram counted as
 * sent arrives whole, even one the socket took only part of.
 */
struct udp_blocked {
	int sent;                /* datagrams the client counted as sent */
};

static void script_udp_blocked(struct fake *f, int fd, int index)
{
	const struct udp_blocked *u = f->ctx;
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req;
	uint16_t sock;
	int got = 0;

	(void)index;
	if (!bind_reply(f, fd, &sock, NULL, buf))
		return;
	usleep(1000000);
	for (;;) {
		if (!fake_expect(f, fd, PROTO_DATAGRAM, &req, buf))
			return;
		if (req.u.data.len != PROTO_DATA_MAX)
			break;
		got++;
	}
	if (req.u.data.len != 3 || memcmp(req.u.data.data, "end", 3))
		fake_fail(f, "a datagram of %u bytes", req.u.data.len);
	if (got != u->sent)
		fake_fail(f, "%d datagrams arrived, %d sent", got, u->sent);
	if (!fake_expect(f, fd, PROTO_CLOSE, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_OK);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_udp_blocked(void)
{
	static uint8_t data[PROTO_DATA_MAX + 1];
	struct in_addr to = { htonl(0x0a000001) };
	struct udp_blocked u = { 0 };
	struct fake f;
	k210sock *h;
	int id;

	h = fake_open(&f, script_udp_blocked, &u, false);
	if (!h)
		return;
	id = k210sock_udp_bind(h, 0);
	CHECK(id > 0);
	CHECK(k210sock_sendto(h, id, to, 7, data, sizeof(data)) == -1 && errno == EMSGSIZE);
	k210sock_set_timeout(h, 100);
	while (k210sock_sendto(h, id, to, 7, data, PROTO_DATA_MAX) == PROTO_DATA_MAX &&
	       u.sent < 100000)
		u.sent++;
	CHECK(errno == EAGAIN);
	CHECK(u.sent > 0);
	k210sock_set_timeout(h, 5000);
	CHECK(k210sock_sendto(h, id, to, 7, "end", 3) == 3);
	CHECK(k210sock_udp_close(h, id) == 0);
	fake_done(&f, h);
}

/* --- timeouts, and streams that fail --------------------------------------------------- */

static void script_quiet(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, r;

	(void)index;
	if (!fake_hello(f, fd) || !fake_expect(f, fd, PROTO_UDP_BIND, &req, buf))
		return;
	msg_init_response(&r, &req, PROTO_OK);
	r.u.opened.tx_window = 4096;
	fake_send(f, fd, &r);
	if (!fake_expect(f, fd, PROTO_LISTEN, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_OK);
	/* STATUS gets no answer at all. */
	if (!fake_expect(f, fd, PROTO_STATUS, &req, buf))
		return;
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_timeouts(bool bytewise)
{
	struct k210sock_event ev;
	uint8_t data[8];
	struct fake f;
	k210sock *h;
	int64_t t;
	int id, lid;

	h = fake_open(&f, script_quiet, NULL, bytewise);
	if (!h)
		return;
	id = k210sock_udp_bind(h, 0);
	lid = k210sock_listen(h, 80);
	CHECK(id > 0 && lid > 0);
	CHECK(k210sock_recvfrom(h, id, data, sizeof(data), NULL, NULL, 100) == -1 && errno == EAGAIN);
	CHECK(k210sock_recvfrom(h, id, data, sizeof(data), NULL, NULL, 0) == -1 && errno == EAGAIN);
	CHECK(k210sock_next_event(h, &ev, 100) == 0);
	CHECK(k210sock_accept(h, lid, 100, NULL) == -1 && errno == EAGAIN);
	CHECK(k210sock_recvfrom(h, 999, data, sizeof(data), NULL, NULL, 0) == -1 && errno == EBADF);
	CHECK(k210sock_accept(h, id, 0, NULL) == -1 && errno == EBADF);
	k210sock_set_timeout(h, 200);
	t = (int64_t)time(NULL);
	CHECK(k210sock_status(h) == -1 && errno == ETIMEDOUT);
	CHECK(k210sock_status(h) == -1 && errno == ETIMEDOUT);
	CHECK(time(NULL) - t < 3);
	fake_done(&f, h);
}

/* A daemon whose listen queue is full: connect() would wait for ever, the call may not. */
static void test_queue_full(void)
{
	char dir[] = "/tmp/k210sock-full-XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, queued[4], nq = 0, fd;
	struct timespec t0, t1;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 0) == 0);
	/* Nobody accepts: fill the queue until the kernel turns a connect away. */
	while (nq < 4) {
		int q = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (connect(q, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			CHECK(errno == EAGAIN);
			close(q);
			break;
		}
		queued[nq++] = q;
	}
	CHECK(nq < 4);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = k210sock_connect(sa.sun_path, "example.org", 80, K210SOCK_TCP, 300);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(fd == -1 && errno == ETIMEDOUT);
	CHECK(t1.tv_sec - t0.tv_sec < 3);
	while (nq)
		close(queued[--nq]);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
}

struct stream_case {
	const char *name;
	uint8_t err;             /* the answer to CONNECT; PROTO_ERR_COUNT: none */
	bool answer_hello;
	int want_errno;
	const char *want_text;
};

static const struct stream_case stream_cases[] = {
	{ "refused", PROTO_ECONNREFUSED, true, ECONNREFUSED, "connection refused" },
	{ "name does not resolve", PROTO_ENOHOST, true, EHOSTUNREACH, "name does not resolve" },
	{ "no free socket", PROTO_EMFILE, true, EMFILE, "no free socket on the board" },
	{ "no answer to CONNECT", PROTO_ERR_COUNT, true, ETIMEDOUT, "connection timed out" },
	{ "no answer to HELLO", PROTO_ERR_COUNT, false, ETIMEDOUT, NULL },
};

#define STREAM_CASES (sizeof(stream_cases) / sizeof(stream_cases[0]))

static void script_stream(struct fake *f, int fd, int index)
{
	const struct stream_case *c = f->ctx;
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req;

	if (!c->answer_hello) {
		if (fake_expect(f, fd, PROTO_HELLO, &req, buf))
			fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
		return;
	}
	if (!fake_hello(f, fd))
		return;
	/* The handle's own connection (the first) carries nothing more. */
	if (index == 0) {
		fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
		return;
	}
	if (!fake_expect(f, fd, PROTO_CONNECT, &req, buf))
		return;
	if (c->err < PROTO_ERR_COUNT)
		fake_reply(f, fd, &req, c->err);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_streams(bool bytewise)
{
	for (size_t i = 0; i < STREAM_CASES; i++) {
		const struct stream_case *c = &stream_cases[i];
		struct fake f;
		k210sock *h;
		int fd;

		if (!c->answer_hello) {
			/* Without a handle: the HELLO of k210sock_connect itself times out. */
			if (fake_start(&f, script_stream, c, bytewise) < 0) {
				check_failures++;
				continue;
			}
			fd = k210sock_connect(f.path, "example.org", 80, K210SOCK_TCP, 300);
			CHECK(fd == -1 && errno == c->want_errno);
			check_failures += fake_stop(&f);
			continue;
		}
		h = fake_open(&f, script_stream, c, bytewise);
		if (!h)
			continue;
		fd = k210sock_dial(h, "example.org", 80, K210SOCK_TCP, 300);
		if (fd != -1 || errno != c->want_errno)
			fprintf(stderr, "stream %s: got %d, %s\n", c->name, fd, strerror(errno));
		CHECK(fd == -1 && errno == c->want_errno);
		CHECK(!strcmp(k210sock_strerror(h), c->want_text));
		fake_done(&f, h);
	}
}

int main(void)
{
	for (int bytewise = 0; bytewise <= 1; bytewise++) {
		test_events(bytewise);
		test_udp_bytes(bytewise);
		test_udp_entries(bytewise);
		test_timeouts(bytewise);
		test_streams(bytewise);
	}
	test_udp_blocked();
	test_queue_full();
	if (check_failures)
		fprintf(stderr, "%d checks failed\n", check_failures);
	else
		printf("libk210sock: all flow tests passed\n");
	return check_failures ? 1 : 0;
}
