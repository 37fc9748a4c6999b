/*
 * Byte ring shared by one interrupt handler and the main loop: exactly one
 * side produces and the other consumes, so neither needs to mask interrupts.
 * head and tail run freely; the capacity is a power of two.
 */
#ifndef K210_SPSC_H
#define K210_SPSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct spsc {
	uint8_t *buf;
	uint32_t mask;
	uint32_t head;   /* written by the producer only */
	uint32_t tail;   /* written by the consumer only */
};

#define SPSC_INIT(storage) { (storage), sizeof(storage) - 1, 0, 0 }
#define SPSC_SIZE_OK(n) ((n) >= 2 && ((n) & ((n) - 1)) == 0)

static inline uint32_t spsc_count(const struct spsc *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}

static inline uint32_t spsc_space(const struct spsc *r)
{
	return r->mask + 1 - spsc_count(r);
}

/* Producer side: one byte; false when full. */
static inline bool spsc_put(struct spsc *r, uint8_t byte)
{
	uint32_t head = r->head;

	if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) > r->mask)
		return false;
	r->buf[head & r->mask] = byte;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/* Consumer side: one byte; the caller checked spsc_count() first. */
static inline uint8_t spsc_get(struct spsc *r)
{
	uint32_t tail = r->tail;
	uint8_t byte = r->buf[tail & r->mask];

	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return byte;
}

/* Producer side: as many bytes as fit; returns how many. */
static inline size_t spsc_write(struct spsc *r, const uint8_t *src, size_t len)
{
	uint32_t head = r->head;
	uint32_t room = spsc_space(r);
	size_t n = len < room ? len : room;
	size_t at = head & r->mask;
	size_t first = r->mask + 1 - at;

	if (first > n)
		first = n;
	memcpy(r->buf + at, src, first);
	memcpy(r->buf, src + first, n - first);
	__atomic_store_n(&r->head, head + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

/* Consumer side: up to cap bytes; returns how many. */
static inline size_t spsc_read(struct spsc *r, uint8_t *dst, size_t cap)
{
	uint32_t tail = r->tail;
	uint32_t avail = spsc_count(r);
	size_t n = cap < avail ? cap : avail;
	size_t at = tail & r->mask;
	size_t first = r->mask + 1 - at;

	if (first > n)
		first = n;
	memcpy(dst, r->buf + at, first);
	memcpy(dst + first, r->buf, n - first);
	__atomic_store_n(&r->tail, tail + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

/* Consumer side: drop everything buffered. */
static inline void spsc_discard(struct spsc *r)
{
	__atomic_store_n(&r->tail, __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

#endif
