/*
 * The UDP and listening sockets a handle owns, with what arrives for them
 * on the handle's connection: datagrams, closes, and connections waiting to
 * be accepted.
 *
 * The daemon passes datagrams on as the client reads its connection (that
 * is its flow control towards the board), so reading for an answer can
 * bring more datagrams than the application takes: each socket queues a
 * bounded amount, and like a kernel UDP socket drops and counts the rest.
 */
#ifndef K210SOCK_K210SOCKS_H
#define K210SOCK_K210SOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "k210queue.h"
#include "msg.h"

#define K210SOCKS_MAX 8              /* sockets per handle (the board has 5 links) */
#define K210SOCKS_ACCEPTS_MAX 32     /* connections waiting for k210sock_accept */
#define K210SOCKS_UDP_QUEUE 65536    /* bytes of datagrams queued per UDP socket */

enum k210socks_kind {
	K210SOCKS_FREE = 0,
	K210SOCKS_UDP,
	K210SOCKS_LISTENER,
};

struct k210socks_sock {
	int kind;
	uint16_t id;
	uint16_t local_port;
	uint8_t err;             /* enum proto_err that ended it; PROTO_OK while usable */
	bool accept_overflow;    /* listener: connections were left unclaimed */
	unsigned long drops;     /* datagrams that found the queue full */
	struct k210queue_dgrams q;
};

struct k210socks_accept {
	uint16_t listener, token;
	struct msg_addr remote;
};

struct k210socks {
	struct k210socks_sock s[K210SOCKS_MAX];
	uint16_t next_id;
	struct k210socks_accept acc[K210SOCKS_ACCEPTS_MAX];
	unsigned acc_count;
};

void k210socks_init(struct k210socks *t);
void k210socks_free(struct k210socks *t);
/* A new socket with a fresh id; NULL with errno EMFILE or ENOMEM. */
struct k210socks_sock *k210socks_add(struct k210socks *t, int kind);
struct k210socks_sock *k210socks_find(struct k210socks *t, int id, int kind);
/* Forget a socket, its queued datagrams and its waiting connections. */
void k210socks_remove(struct k210socks *t, struct k210socks_sock *s);

/*
 * Take a DATAGRAM, EV_CLOSED or EV_ACCEPTED message.  Returns true
 * when it belonged to one of the sockets; false for other messages and for
 * sockets this handle does not have (already closed).
 */
bool k210socks_input(struct k210socks *t, const struct msg *m);

/* The oldest waiting connection for listener, removed from the queue. */
bool k210socks_take_accept(struct k210socks *t, uint16_t listener, struct k210socks_accept *a);

#endif
