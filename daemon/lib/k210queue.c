#include <stdlib.h>
#include <string.h>

#include "k210queue.h"

void k210queue_events_reset(struct k210queue_events *q)
{
	q->head = 0;
	q->count = 0;
	q->lost = 0;
}

void k210queue_events_push(struct k210queue_events *q, const struct k210sock_event *ev)
{
	if (q->lost || q->count == K210QUEUE_EVENTS_MAX) {
		q->lost++;
		return;
	}
	q->ev[(q->head + q->count) % K210QUEUE_EVENTS_MAX] = *ev;
	q->count++;
}

bool k210queue_events_pop(struct k210queue_events *q, struct k210sock_event *ev)
{
	if (q->count) {
		*ev = q->ev[q->head];
		q->head = (q->head + 1) % K210QUEUE_EVENTS_MAX;
		q->count--;
		return true;
	}
	if (q->lost) {
		memset(ev, 0, sizeof(*ev));
		ev->type = K210SOCK_EV_LOST;
		ev->u.lost.count = q->lost;
		q->lost = 0;
		return true;
	}
	return false;
}

int k210queue_dgrams_init(struct k210queue_dgrams *q, uint32_t cap)
{
	memset(q, 0, sizeof(*q));
	q->data = malloc(cap ? cap : 1);
	if (!q->data)
		return -1;
	q->cap = cap;
	return 0;
}

void k210queue_dgrams_free(struct k210queue_dgrams *q)
{
	free(q->data);
	memset(q, 0, sizeof(*q));
}

bool k210queue_dgrams_push(struct k210queue_dgrams *q, const uint8_t ip[4], uint16_t port,
			   const uint8_t *data, uint16_t len)
{
	struct k210queue_dgram *d;
	uint32_t at, first;

	if (q->count == K210QUEUE_DGRAMS_MAX || len > q->cap - q->used)
		return false;
	at = (q->start + q->used) % (q->cap ? q->cap : 1);
	first = q->cap - at < len ? q->cap - at : len;
	if (len) {
		memcpy(q->data + at, data, first);
		memcpy(q->data, data + first, len - first);
	}
	q->used += len;
	d = &q->d[(q->head + q->count) % K210QUEUE_DGRAMS_MAX];
	memcpy(d->ip, ip, 4);
	d->port = port;
	d->len = len;
	q->count++;
	return true;
}

bool k210queue_dgrams_pop(struct k210queue_dgrams *q, void *buf, size_t cap,
			  struct k210queue_dgram *d)
{
	size_t copy, first;

	if (!q->count)
		return false;
	*d = q->d[q->head];
	copy = d->len < cap ? d->len : cap;
	first = q->cap - q->start < copy ? q->cap - q->start : copy;
	if (copy) {
		memcpy(buf, q->data + q->start, first);
		memcpy((uint8_t *)buf + first, q->data, copy - first);
	}
	if (q->cap)
		q->start = (q->start + d->len) % q->cap;
	q->used -= d->len;
	q->head = (q->head + 1) % K210QUEUE_DGRAMS_MAX;
	q->count--;
	return true;
}
