#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake.h"
#include "wire.h"

int check_failures;

void fake_fail(struct fake *f, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&f->lock);
	f->failures++;
	fputs("fake daemon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&f->lock);
}

struct fake_worker {
	struct fake *f;
	int fd, index;
};

static void *fake_worker_main(void *arg)
{
	struct fake_worker *w = arg;

	w->f->script(w->f, w->fd, w->index);
	close(w->fd);
	free(w);
	return NULL;
}

static void *fake_acceptor_main(void *arg)
{
	struct fake *f = arg;

	while (!f->stopping) {
		struct pollfd p = { .fd = f->lfd, .events = POLLIN };
		struct fake_worker *w;
		int fd;

		if (poll(&p, 1, 20) <= 0)
			continue;
		fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		w = malloc(sizeof(*w));
		pthread_mutex_lock(&f->lock);
		if (!w || f->workers_used == FAKE_CONNS_MAX) {
			pthread_mutex_unlock(&f->lock);
			fake_fail(f, "too many connections");
			free(w);
			close(fd);
			continue;
		}
		w->f = f;
		w->fd = fd;
		w->index = f->workers_used;
		if (pthread_create(&f->workers[f->workers_used], NULL, fake_worker_main, w) == 0) {
			f->workers_used++;
		} else {
			close(fd);
			free(w);
		}
		pthread_mutex_unlock(&f->lock);
	}
	return NULL;
}

int fake_start(struct fake *f, fake_script *script, const void *ctx, bool bytewise)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->script = script;
	f->ctx = ctx;
	f->bytewise = bytewise;
	pthread_mutex_init(&f->lock, NULL);
	snprintf(f->dir, sizeof(f->dir), "/tmp/k210sock-test.XXXXXX");
	if (!mkdtemp(f->dir)) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%.60s/sock", f->dir);
	memcpy(sa.sun_path, f->path, sizeof(sa.sun_path));
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(f->lfd, 16) < 0 ||
	    pthread_create(&f->acceptor, NULL, fake_acceptor_main, f) != 0) {
		perror("fake daemon");
		return -1;
	}
	return 0;
}

int fake_stop(struct fake *f)
{
	f->stopping = true;
	pthread_join(f->acceptor, NULL);
	/* Scripts end on their own: on EOF from the client or their timeouts. */
	for (int i = 0; i < f->workers_used; i++)
		pthread_join(f->workers[i], NULL);
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
	pthread_mutex_destroy(&f->lock);
	return f->failures;
}

k210sock *fake_open(struct fake *f, fake_script *script, const void *ctx, bool bytewise)
{
	k210sock *h;

	if (fake_start(f, script, ctx, bytewise) < 0) {
		check_failures++;
		return NULL;
	}
	h = k210sock_open(f->path);
	if (!h) {
		fprintf(stderr, "k210sock_open on the fake daemon: %s\n", strerror(errno));
		check_failures++;
		fake_stop(f);
	}
	return h;
}

void fake_done(struct fake *f, k210sock *h)
{
	k210sock_close(h);
	check_failures += fake_stop(f);
}

/* Read exactly n bytes: 1, 0 on EOF before any, -1 on error or timeout. */
static int fake_read(int fd, uint8_t *p, size_t n, int timeout_ms)
{
	size_t have = 0;

	while (have < n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, timeout_ms) <= 0)
			return -1;
		r = read(fd, p + have, n - have);
		if (r == 0)
			return have ? -1 : 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return have ? -1 : 0;
		}
		have += (size_t)r;
	}
	return 1;
}

bool fake_recv(struct fake *f, int fd, struct msg *m, uint8_t *buf)
{
	size_t body;
	enum msg_status st;

	if (fake_read(fd, buf, PROTO_MSG_HDR, FAKE_TIMEOUT_MS) != 1)
		return false;
	body = wire_get_u16(buf + 1);
	if (body > PROTO_BODY_MAX) {
		fake_fail(f, "client sent an oversized message");
		return false;
	}
	if (body && fake_read(fd, buf + PROTO_MSG_HDR, body, FAKE_TIMEOUT_MS) != 1) {
		fake_fail(f, "client sent a truncated message");
		return false;
	}
	st = msg_decode(m, buf, PROTO_MSG_HDR + body);
	if (st != MSG_OK) {
		fake_fail(f, "client sent a bad %s: %s", proto_type_name(buf[0]), msg_status_str(st));
		return false;
	}
	return true;
}

bool fake_expect(struct fake *f, int fd, uint8_t type, struct msg *m, uint8_t *buf)
{
	if (!fake_recv(f, fd, m, buf)) {
		fake_fail(f, "expected %s, got nothing", proto_type_name(type));
		return false;
	}
	if (m->type != type) {
		fake_fail(f, "expected %s, got %s", proto_type_name(type), proto_type_name(m->type));
		return false;
	}
	return true;
}

bool fake_expect_eof(struct fake *f, int fd, int timeout_ms)
{
	uint8_t b;

	if (fake_read(fd, &b, 1, timeout_ms) == 0)
		return true;
	fake_fail(f, "expected the client to close");
	return false;
}

void fake_send_raw(struct fake *f, int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t off = 0;
	size_t step = f->bytewise ? 1 : n;

	while (off < n) {
		size_t chunk = n - off < step ? n - off : step;
		ssize_t w = send(fd, b + off, chunk, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* The client may have given up already: that is its test's business. */
			return;
		}
		off += (size_t)w;
		/* Give the reader time to see each piece: every byte of a message's
		 * start (headers, small messages), then now and then in long bodies. */
		if (f->bytewise && (off < 64 || off % 64 == 0))
			usleep(20);
	}
}

void fake_send(struct fake *f, int fd, const struct msg *m)
{
	uint8_t out[PROTO_MSG_MAX];
	size_t n = msg_encode(m, out, sizeof(out));

	if (!n) {
		fake_fail(f, "cannot encode %s", proto_type_name(m->type));
		return;
	}
	fake_send_raw(f, fd, out, n);
}

void fake_reply(struct fake *f, int fd, const struct msg *req, uint8_t err)
{
	struct msg r;

	msg_init_response(&r, req, err);
	fake_send(f, fd, &r);
}

bool fake_hello(struct fake *f, int fd)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, r;

	if (!fake_expect(f, fd, PROTO_HELLO, &req, buf))
		return false;
	if (req.u.hello.major != PROTO_VERSION_MAJOR)
		fake_fail(f, "client speaks version %u", req.u.hello.major);
	msg_init_response(&r, &req, PROTO_OK);
	r.u.hello.major = PROTO_VERSION_MAJOR;
	r.u.hello.minor = PROTO_VERSION_MINOR;
	snprintf(r.u.hello.name, sizeof(r.u.hello.name), "fake k210sockd");
	fake_send(f, fd, &r);
	return true;
}
