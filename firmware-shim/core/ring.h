/* A byte ring over caller-owned memory whose size is a power of two. */
#ifndef K210_RING_H
#define K210_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring {
	uint8_t *buf;
	uint32_t cap;
	uint32_t head;   /* offset of the oldest byte */
	uint32_t used;
};

void ring_init(struct ring *r, uint8_t *buf, uint32_t cap);
void ring_clear(struct ring *r);
uint32_t ring_used(const struct ring *r);
uint32_t ring_free(const struct ring *r);
/* Append up to n bytes; returns how many fitted. */
uint32_t ring_put(struct ring *r, const uint8_t *data, uint32_t n);
/* Copy n bytes starting off bytes after the oldest; returns how many there were. */
uint32_t ring_peek(const struct ring *r, uint32_t off, uint8_t *out, uint32_t n);
/* Forget the n oldest bytes. */
void ring_drop(struct ring *r, uint32_t n);

#endif
