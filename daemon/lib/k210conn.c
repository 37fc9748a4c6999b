#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "k210conn.h"
#include "k210sock.h"
#include "proto_errno.h"
#include "wire.h"

/* Monotonic milliseconds. */
static int64_t k210conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t k210conn_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return k210conn_now_ms() + timeout_ms;
}

/* Milliseconds left until deadline, for poll(2): -1 without a deadline. */
static int k210conn_remaining(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - k210conn_now_ms();
	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

const char *k210conn_default_path(const char *path)
{
	const char *env;

	if (path && *path)
		return path;
	env = getenv(K210SOCK_SOCKET_ENV);
	if (env && *env)
		return env;
	return K210SOCK_DEFAULT_SOCKET;
}

/* strerror() text starting in lower case, to fit "what: why" messages. */
static void k210conn_describe_errno(char *out, size_t cap, int errnum)
{
	snprintf(out, cap, "%s", strerror(errnum));
	if (isupper((unsigned char)out[0]) && islower((unsigned char)out[1]))
		out[0] = (char)tolower((unsigned char)out[0]);
}

__attribute__((format(printf, 3, 0)))
static int k210conn_record(struct k210conn *c, int errnum, const char *fmt, va_list ap)
{
	c->err.proto = -1;
	c->err.errnum = errnum;
	if (fmt)
		vsnprintf(c->err.text, sizeof(c->err.text), fmt, ap);
	else
		k210conn_describe_errno(c->err.text, sizeof(c->err.text), errnum);
	errno = errnum;
	return -1;
}

int k210conn_fail(struct k210conn *c, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	k210conn_record(c, errnum, fmt, ap);
	va_end(ap);
	c->broken = errnum;
	errno = errnum;
	return -1;
}

int k210conn_error(struct k210conn *c, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	k210conn_record(c, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int k210conn_refused(struct k210conn *c, int proto_err)
{
	c->err.proto = proto_err;
	c->err.errnum = proto_errno_from_err(proto_err);
	if (c->err.errnum == 0)
		c->err.errnum = EPROTO;
	snprintf(c->err.text, sizeof(c->err.text), "%s", proto_err_str(proto_err));
	errno = c->err.errnum;
	return -1;
}

/* The connection is broken: record nothing new, return -1 with its errno. */
static int k210conn_broken(struct k210conn *c)
{
	/* Calls after the failure keep reporting its original reason. */
	errno = c->broken;
	return -1;
}

void k210conn_error_copy(struct k210conn *to, const struct k210conn *from)
{
	to->err = from->err;
}

void k210conn_init(struct k210conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->err.proto = -1;
}

void k210conn_close(struct k210conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Wait for the descriptor: 1 ready, 0 deadline passed, -1 poll failed. */
static int k210conn_wait(struct k210conn *c, short events, int64_t deadline)
{
	struct pollfd p = { .fd = c->fd, .events = events };

	for (;;) {
		int r = poll(&p, 1, k210conn_remaining(deadline));

		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return k210conn_fail(c, errno, NULL);
	}
}

/* Send what is pending without waiting: 0 (some may be left), -1 broken. */
static int k210conn_push(struct k210conn *c)
{
	while (c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0) {
			c->out_off += (size_t)w;
			c->out_len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w < 0 && errno != EPIPE && errno != ECONNRESET)
			return k210conn_fail(c, errno, NULL);
		return k210conn_fail(c, ECONNRESET, "the daemon closed the connection");
	}
	c->out_off = 0;
	return 0;
}

/* Send until nothing is pending: 1 done, 0 deadline passed, -1 broken. */
static int k210conn_flush(struct k210conn *c, int64_t deadline)
{
	for (;;) {
		int r;

		if (k210conn_push(c) < 0)
			return -1;
		if (!c->out_len)
			return 1;
		r = k210conn_wait(c, POLLOUT, deadline);
		if (r <= 0)
			return r;
	}
}

/*
 * Send one whole message.  Once part of it is out, the rest must follow
 * for the stream to stay in step: it waits in c->out and goes out with the
 * next calls (which flush it first), and the message counts as sent.
 */
static int k210conn_write(struct k210conn *c, const uint8_t *p, size_t n, int64_t deadline)
{
	int r = k210conn_flush(c, deadline);

	if (r < 0)
		return -1;
	if (r == 1) {
		memcpy(c->out, p, n);
		c->out_len = n;
		c->out_off = 0;
		r = k210conn_flush(c, deadline);
		if (r < 0)
			return -1;
		if (r == 1 || c->out_off > 0)
			return 0;
		c->out_len = 0;
	}
	return k210conn_error(c, ETIMEDOUT, "the daemon does not read its socket");
}

int k210conn_send(struct k210conn *c, const struct msg *m, int64_t deadline)
{
	uint8_t out[PROTO_MSG_MAX];
	size_t n;

	if (c->broken)
		return k210conn_broken(c);
	n = msg_encode(m, out, sizeof(out));
	if (n == 0)
		return k210conn_error(c, EINVAL, "%s: an argument is too long or out of range",
				      proto_type_name(m->type));
	return k210conn_write(c, out, n, deadline);
}

/* Read towards need bytes: 1 progress, 0 deadline passed, -1 broken. */
static int k210conn_fill(struct k210conn *c, size_t need, int64_t deadline)
{
	for (;;) {
		ssize_t r;
		int w;

		/* A message half sent may be what the daemon waits for before answering. */
		if (c->out_len && k210conn_push(c) < 0)
			return -1;
		r = recv(c->fd, c->in + c->have, need - c->have, MSG_DONTWAIT);
		if (r > 0) {
			c->have += (size_t)r;
			return 1;
		}
		if (r == 0) {
			if (c->have == 0)
				return k210conn_fail(c, ECONNRESET, "the daemon closed the connection");
			return k210conn_fail(c, EPROTO, "the daemon closed the connection in the middle of a message");
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return k210conn_fail(c, errno, NULL);
		w = k210conn_wait(c, (short)(POLLIN | (c->out_len ? POLLOUT : 0)), deadline);
		if (w <= 0)
			return w;
	}
}

/* A request from the daemon: clients serve none, so refuse it. */
static int k210conn_refuse_request(struct k210conn *c, const struct msg *req, int64_t deadline)
{
	struct msg resp;

	msg_init_response(&resp, req, PROTO_ENOTSUP);
	return k210conn_send(c, &resp, deadline);
}

int k210conn_recv(struct k210conn *c, struct msg *m, int64_t deadline)
{
	if (c->broken)
		return k210conn_broken(c);
	for (;;) {
		size_t need = PROTO_MSG_HDR;
		enum msg_status st;

		if (c->complete) {
			c->have = 0;
			c->complete = false;
		}
		if (c->have >= PROTO_MSG_HDR) {
			size_t body = wire_get_u16(c->in + 1);

			if (body > PROTO_BODY_MAX)
				return k210conn_fail(c, EPROTO,
						 "the daemon sent an oversized message (%zu bytes)", body);
			need += body;
		}
		if (c->have < need) {
			int r = k210conn_fill(c, need, deadline);

			if (r <= 0)
				return r;
			continue;
		}
		c->complete = true;
		st = msg_decode(m, c->in, c->have);
		if (st == MSG_ETYPE || (st == MSG_OK && PROTO_IS_REQUEST(m->type))) {
			if (PROTO_IS_REQUEST(m->type)) {
				if (c->have < PROTO_MSG_HDR + 2)
					return k210conn_fail(c, EPROTO, "the daemon sent a request without a tag");
				/* Unanswered, it would leave the daemon waiting: give up on the stream. */
				if (k210conn_refuse_request(c, m, deadline) < 0) {
					c->broken = errno;
					return -1;
				}
			} else {
				c->skipped++;
			}
			continue;
		}
		if (st != MSG_OK)
			return k210conn_fail(c, EPROTO, "the daemon sent a malformed %s message (%s)",
					 proto_type_name(c->in[0]), msg_status_str(st));
		return 1;
	}
}

int k210conn_request(struct k210conn *c, struct msg *req, struct msg *resp, int64_t deadline)
{
	int r;

	if (k210conn_send(c, req, deadline) < 0)
		return -1;
	r = k210conn_recv(c, resp, deadline);
	if (r < 0)
		return -1;
	if (r == 0)
		return k210conn_fail(c, ETIMEDOUT, "no answer from the daemon to %s",
				 proto_type_name(req->type));
	if (resp->type != (req->type | PROTO_RESPONSE) || resp->tag != req->tag)
		return k210conn_fail(c, EPROTO, "the daemon sent %s while %s was pending",
				 proto_type_name(resp->type), proto_type_name(req->type));
	if (resp->err != PROTO_OK)
		return k210conn_refused(c, resp->err);
	return 0;
}

void k210conn_hello_init(struct msg *req)
{
	msg_init(req, PROTO_HELLO);
	req->tag = 1;
	req->u.hello.major = PROTO_VERSION_MAJOR;
	req->u.hello.minor = PROTO_VERSION_MINOR;
	snprintf(req->u.hello.name, sizeof(req->u.hello.name), "libk210sock %s", K210SOCK_LIB_VERSION);
}

int k210conn_hello_check(struct k210conn *c, const struct msg *resp, char *daemon_name,
			 size_t name_cap)
{
	if (resp->type != (PROTO_HELLO | PROTO_RESPONSE) || resp->tag != 1)
		return k210conn_fail(c, EPROTO, "the daemon sent %s while HELLO was pending",
				     proto_type_name(resp->type));
	if (resp->err == PROTO_EVERSION) {
		/* The daemon closes after refusing: nothing more to read. */
		c->broken = EPROTONOSUPPORT;
		return k210conn_error(c, EPROTONOSUPPORT,
				      "the daemon does not speak protocol version %d",
				      PROTO_VERSION_MAJOR);
	}
	if (resp->err != PROTO_OK)
		return k210conn_refused(c, resp->err);
	if (resp->u.hello.major != PROTO_VERSION_MAJOR)
		return k210conn_fail(c, EPROTONOSUPPORT,
				     "the daemon speaks protocol version %u.%u, this library %d.%d",
				     resp->u.hello.major, resp->u.hello.minor,
				     PROTO_VERSION_MAJOR, PROTO_VERSION_MINOR);
	if (daemon_name)
		snprintf(daemon_name, name_cap, "%s", resp->u.hello.name);
	return 0;
}

static int k210conn_hello(struct k210conn *c, char *daemon_name, size_t name_cap, int64_t deadline)
{
	struct msg req, resp;
	int r;

	k210conn_hello_init(&req);
	if (k210conn_send(c, &req, deadline) < 0)
		return -1;
	r = k210conn_recv(c, &resp, deadline);
	if (r < 0)
		return -1;
	if (r == 0)
		return k210conn_fail(c, ETIMEDOUT, "no answer from the daemon to HELLO");
	return k210conn_hello_check(c, &resp, daemon_name, name_cap);
}

/* Bound the blocking connect() by the deadline (0: no bound, as for the stream). */
static void k210conn_connect_bound(struct k210conn *c, int64_t deadline)
{
	int left = k210conn_remaining(deadline);
	struct timeval tv = { 0, 0 };

	if (left >= 0) {
		tv.tv_sec = left / 1000;
		/* Zero would mean no bound at all. */
		tv.tv_usec = left ? (left % 1000) * 1000 : 1;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/*
 * Connect to the daemon's socket.  A daemon whose listen queue is full
 * leaves connect() waiting: SO_SNDTIMEO bounds that wait (the kernel then
 * says EAGAIN), and is lifted again so that the descriptor handed on as a
 * stream blocks like any other.
 */
int k210conn_connect(struct k210conn *c, const char *path, int64_t deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int rc = 0;

	if (len >= sizeof(sa.sun_path))
		return k210conn_fail(c, ENAMETOOLONG, "%s: socket path too long", path);
	memcpy(sa.sun_path, path, len + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return k210conn_fail(c, errno, NULL);
	for (;;) {
		int errnum;

		k210conn_connect_bound(c, deadline);
		if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		errnum = errno;
		if (errnum == EINTR)
			continue;
		if (errnum == EISCONN)
			break;
		if (errnum == EAGAIN) {
			rc = k210conn_fail(c, ETIMEDOUT, "%s: the daemon does not accept connections",
					   path);
		} else {
			rc = k210conn_fail(c, errnum, "%s: ", path);
			k210conn_describe_errno(c->err.text + strlen(c->err.text),
						sizeof(c->err.text) - strlen(c->err.text), errnum);
		}
		k210conn_close(c);
		errno = c->err.errnum;
		return rc;
	}
	k210conn_connect_bound(c, -1);
	return 0;
}

int k210conn_open(struct k210conn *c, const char *path, char *daemon_name, size_t name_cap,
		  int64_t deadline)
{
	if (k210conn_connect(c, path, deadline) < 0)
		return -1;
	if (k210conn_hello(c, daemon_name, name_cap, deadline) < 0) {
		int errnum = errno;

		k210conn_close(c);
		errno = errnum;
		return -1;
	}
	return 0;
}
