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
#ifndef K210SOCK_TABLE_H
#define K210SOCK_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "k210queue.h"
#include "msg.h"

#define K210SOCK_TABLE_MAX 8              /* sockets per handle (the board has 5 links) */
#define K210SOCK_TABLE_ACCEPTS_MAX 32     /* connections waiting for k210sock_accept */
#define K210SOCK_TABLE_UDP_QUEUE 65536    /* bytes of datagrams queued per UDP socket */

enum k210sock_table_kind {
	K210SOCK_TABLE_FREE = 0,
	K210SOCK_TABLE_UDP,
	K210SOCK_TABLE_LISTENER,
};

struct k210sock_table_sock {
	int kind;
	uint16_t id;
	uint16_t local_port;
	uint8_t err;             /* enum proto_err that ended it; PROTO_OK while usable */
	bool accept_overflow;    /* listener: connections were left unclaimed */
	unsigned long drops;     /* datagrams that found the queue full */
	struct k210queue_dgrams q;
};

struct k210sock_table_accept {
	uint16_t listener, token;
	struct msg_addr remote;
};

struct k210sock_table {
	struct k210sock_table_sock s[K210SOCK_TABLE_MAX];
	uint16_t next_id;
	struct k210sock_table_accept acc[K210SOCK_TABLE_ACCEPTS_MAX];
	unsigned acc_count;
};

void k210sock_table_init(struct k210sock_table *t);
void k210sock_table_free(struct k210sock_table *t);
/* A new socket with a fresh id; NULL with errno EMFILE or ENOMEM. */
struct k210sock_table_sock *k210sock_table_add(struct k210sock_table *t, int kind);
struct k210sock_table_sock *k210sock_table_find(struct k210sock_table *t, int id, int kind);
/* Forget a socket, its queued datagrams and its waiting connections. */
void k210sock_table_remove(struct k210sock_table *t, struct k210sock_table_sock *s);

/*
 * Take a DATAGRAM, EV_CLOSED or EV_ACCEPTED message.  Returns true
 * when it belonged to one of the sockets; false for other messages and for
 * sockets this handle does not have (already closed).
 */
bool k210sock_table_input(struct k210sock_table *t, const struct msg *m);

/* The oldest waiting connection for listener, removed from the queue. */
bool k210sock_table_take_accept(struct k210sock_table *t, uint16_t listener, struct k210sock_table_accept *a);

#endif
