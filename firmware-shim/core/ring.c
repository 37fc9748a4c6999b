#include <string.h>

#include "ring.h"

void ring_init(struct ring *r, uint8_t *buf, uint32_t cap)
{
	r->buf = buf;
	r->cap = cap;
	r->head = 0;
	r->used = 0;
}

void ring_clear(struct ring *r)
{
	r->head = 0;
	r->used = 0;
}

uint32_t ring_used(const struct ring *r)
{
	return r->used;
}

uint32_t ring_free(const struct ring *r)
{
	return r->cap - r->used;
}

uint32_t ring_put(struct ring *r, const uint8_t *data, uint32_t n)
{
	uint32_t at, first;

	if (n > r->cap - r->used)
		n = r->cap - r->used;
	at = (r->head + r->used) & (r->cap - 1);
	first = r->cap - at;
	if (first > n)
		first = n;
	memcpy(r->buf + at, data, first);
	memcpy(r->buf, data + first, n - first);
	r->used += n;
	return n;
}

uint32_t ring_peek(const struct ring *r, uint32_t off, uint8_t *out, uint32_t n)
{
	uint32_t at, first;

	if (off >= r->used)
		return 0;
	if (n > r->used - off)
		n = r->used - off;
	at = (r->head + off) & (r->cap - 1);
	first = r->cap - at;
	if (first > n)
		first = n;
	memcpy(out, r->buf + at, first);
	memcpy(out + first, r->buf, n - first);
	return n;
}

void ring_drop(struct ring *r, uint32_t n)
{
	if (n > r->used)
		n = r->used;
	r->head = (r->head + n) & (r->cap - 1);
	r->used -= n;
	if (r->used == 0)
		r->head = 0;
}
