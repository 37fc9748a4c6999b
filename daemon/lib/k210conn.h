/*
 * One connection to the daemon's Unix socket speaking the native protocol:
 * whole messages out, whole messages in, every wait bounded by a deadline.
 * Reads never go past the end of the current message, so a connection that
 * turns into a raw byte pipe after a response hands the pipe over intact.
 */
#ifndef K210SOCK_K210CONN_H
#define K210SOCK_K210CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Why the last operation failed, for k210sock_strerror. */
struct k210conn_error {
	int proto;        /* enum proto_err from the daemon, or -1 */
	int errnum;
	char text[192];
};

struct k210conn {
	int fd;
	int broken;       /* errno once the stream is unusable, else 0 */
	bool complete;    /* in[] holds the message k210conn_recv returned last */
	size_t have;
	unsigned long skipped; /* messages of unknown types, ignored */
	struct k210conn_error err;
	uint8_t in[PROTO_MSG_MAX];
	uint8_t out[PROTO_MSG_MAX]; /* the rest of a message the socket could not take */
	size_t out_off, out_len;
};

/* The deadline timeout_ms from now (monotonic); -1 (negative timeouts) never passes. */
int64_t k210conn_deadline(int timeout_ms);

/* Path for a NULL argument: $K210SOCK_SOCKET, else the default socket. */
const char *k210conn_default_path(const char *path);

void k210conn_init(struct k210conn *c);
/*
 * Connect to the daemon's socket, waiting until deadline at most (a deadline
 * already passed does not wait: a daemon whose listen queue is full fails
 * it with ETIMEDOUT); 0 or -1.
 */
int k210conn_connect(struct k210conn *c, const char *path, int64_t deadline);
/* The HELLO a client sends first (tag 1), and the check of its answer: 0 or -1. */
void k210conn_hello_init(struct msg *req);
int k210conn_hello_check(struct k210conn *c, const struct msg *resp, char *daemon_name,
			 size_t name_cap);
/* Connect to the daemon's socket and exchange versions; 0 or -1. */
int k210conn_open(struct k210conn *c, const char *path, char *daemon_name, size_t name_cap,
	      int64_t deadline);
void k210conn_close(struct k210conn *c);

/*
 * Send one message: 0 once it is on its way (a rest the socket could not
 * take goes out with the next calls), or -1 (ETIMEDOUT: nothing of it was
 * sent, the connection is still usable).
 */
int k210conn_send(struct k210conn *c, const struct msg *m, int64_t deadline);
/*
 * Receive the next message into *m (its data points into c until the next
 * call).  Returns 1, 0 when the deadline passed first, or -1 (broken).
 * Messages of unknown types are skipped; a request is answered ENOTSUP.
 */
int k210conn_recv(struct k210conn *c, struct msg *m, int64_t deadline);
/*
 * Send req and wait for its response (nothing else may come first): for
 * connections that carry one request before becoming a pipe.  Returns 0
 * with the response in *resp, or -1 (a refused request included).
 */
int k210conn_request(struct k210conn *c, struct msg *req, struct msg *resp, int64_t deadline);

/* Record errors: both return -1 with errno set. */
int k210conn_fail(struct k210conn *c, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));   /* breaks the connection */
int k210conn_error(struct k210conn *c, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));   /* leaves it usable */
/* A request the daemon answered with an error: errno from the table. */
int k210conn_refused(struct k210conn *c, int proto_err);

/* Copy another connection's error (a failed stream into the handle). */
void k210conn_error_copy(struct k210conn *to, const struct k210conn *from);

#endif
