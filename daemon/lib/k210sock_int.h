/* The handle, shared by the files of the library (not installed). */
#ifndef K210SOCK_INT_H
#define K210SOCK_INT_H

#include <sys/un.h>

#include "k210conn.h"
#include "k210queue.h"
#include "k210sock.h"
#include "k210sock_table.h"

struct k210sock {
	struct k210conn conn;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char daemon_name[PROTO_NAME_MAX + 1];
	int timeout_ms;
	uint16_t next_tag;
	struct k210queue_events events;
	struct k210sock_table socks;
	/* The list k210sock_status fetched, walked by k210sock_status_next. */
	uint8_t status[PROTO_BODY_MAX];
	uint16_t status_len;
	uint8_t status_count;
	size_t status_pos;
};

/* A handle not yet connected (k210sock_open connects it); NULL with errno. */
k210sock *k210sock_new(const char *path);

/*
 * Send req (its tag is chosen here) and wait up to the request timeout for
 * its response, handing everything else that arrives meanwhile to the
 * event and socket queues.  0 with *resp filled in, or -1.
 */
int k210sock_request(k210sock *h, struct msg *req, struct msg *resp);

/*
 * Read and file one message that is not a response (none is pending), waiting
 * until deadline.  Returns 1 when one was filed, 0 when the deadline passed
 * first, -1 when the connection failed.
 */
int k210sock_pump(k210sock *h, int64_t deadline);

#endif
