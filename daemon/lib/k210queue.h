/*
 * Bounded queues a handle keeps between the daemon's stream and the
 * application: events not yet taken, and datagrams per UDP socket.
 */
#ifndef K210SOCK_K210QUEUE_H
#define K210SOCK_K210QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k210sock.h"

#define K210QUEUE_EVENTS_MAX 64
#define K210QUEUE_DGRAMS_MAX 64

/*
 * Events in arrival order.  Once one does not fit, every later one is only
 * counted until the application has taken the queue and a K210SOCK_EV_LOST
 * carrying the count, so the order it sees stays true.
 */
struct k210queue_events {
	struct k210sock_event ev[K210QUEUE_EVENTS_MAX];
	unsigned head, count;
	unsigned long lost;
};

void k210queue_events_reset(struct k210queue_events *q);
void k210queue_events_push(struct k210queue_events *q, const struct k210sock_event *ev);
bool k210queue_events_pop(struct k210queue_events *q, struct k210sock_event *ev);

/* Datagrams of one socket: their bytes in a ring of cap bytes. */
struct k210queue_dgram {
	uint8_t ip[4];
	uint16_t port;
	uint16_t len;
};

struct k210queue_dgrams {
	uint8_t *data;
	uint32_t cap, start, used;       /* byte ring */
	struct k210queue_dgram d[K210QUEUE_DGRAMS_MAX];
	unsigned head, count;
};

/* 0, or -1 when cap bytes cannot be allocated. */
int k210queue_dgrams_init(struct k210queue_dgrams *q, uint32_t cap);
void k210queue_dgrams_free(struct k210queue_dgrams *q);
/* False when the datagram does not fit (bytes or entries): nothing stored. */
bool k210queue_dgrams_push(struct k210queue_dgrams *q, const uint8_t ip[4], uint16_t port,
			   const uint8_t *data, uint16_t len);
/*
 * Take the oldest datagram: copies at most cap bytes into buf, stores the
 * sender and its whole length in *d.  False when the queue is empty.
 */
bool k210queue_dgrams_pop(struct k210queue_dgrams *q, void *buf, size_t cap,
			  struct k210queue_dgram *d);

#endif
