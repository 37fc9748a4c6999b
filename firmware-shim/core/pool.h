/*
 * The receive pool: bytes from the ESP8285 that wait for the host's credit,
 * for every socket, in blocks of POOL_BLOCK bytes from one area the port
 * gives (the SRAM the image leaves free on the board).  A socket's queue is
 * a chain of blocks.  Each of the queues is guaranteed a share of
 * CONFIG_RX_SHARE_MIN bytes (less in a small pool); beyond their shares,
 * the queues take free blocks as they come, so one socket may hold most
 * of the pool while the others still have their share.
 */
#ifndef K210_POOL_H
#define K210_POOL_H

#include <stddef.h>
#include <stdint.h>

#define POOL_BLOCK 2048u

struct pool_queue {
	uint16_t head, tail;     /* first and last block (meaningless while blocks == 0) */
	uint16_t blocks;
	uint16_t off;            /* the oldest byte's offset in the head block */
	uint32_t used;
};

struct pool_stats {
	uint32_t blocks;         /* in the pool */
	uint32_t free;           /* free now */
	uint32_t peak;           /* most in use at once */
};

/* Every block free, for queues queues that all start empty (zeroed or pool_queue_init). */
void pool_init(void *mem, size_t size, unsigned queues);
void pool_queue_init(struct pool_queue *q);
uint32_t pool_used(const struct pool_queue *q);
/* Bytes q may still take: its block's rest, its own share, and the free blocks nobody is owed. */
uint32_t pool_room(const struct pool_queue *q);
/* Append up to n bytes (within pool_room); returns how many. */
uint32_t pool_put(struct pool_queue *q, const uint8_t *data, uint32_t n);
/* Copy n bytes starting off bytes after the oldest; returns how many there were. */
uint32_t pool_peek(const struct pool_queue *q, uint32_t off, uint8_t *out, uint32_t n);
/* Forget the n oldest bytes. */
void pool_drop(struct pool_queue *q, uint32_t n);
/* Take back the n newest bytes. */
void pool_unput(struct pool_queue *q, uint32_t n);
/* Empty q and give its blocks back. */
void pool_clear(struct pool_queue *q);
void pool_get_stats(struct pool_stats *st);

#endif
