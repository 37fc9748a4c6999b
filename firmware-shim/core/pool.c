#include <string.h>

#include "config.h"
#include "pool.h"

#define POOL_MAX_BLOCKS (CONFIG_RX_POOL / POOL_BLOCK)
#define POOL_NONE 0xffffu

_Static_assert(POOL_MAX_BLOCKS < POOL_NONE, "block numbers are 16 bits");

static struct {
	uint8_t *mem;
	uint16_t next[POOL_MAX_BLOCKS];
	uint16_t free_head;
	uint32_t blocks, free;
	uint32_t share;          /* blocks each queue is guaranteed */
	uint32_t owed;           /* blocks still owed to queues below their share */
	uint32_t peak;
} pool;

void pool_init(void *mem, size_t size, unsigned queues)
{
	uint32_t n = (uint32_t)((size < CONFIG_RX_POOL ? size : CONFIG_RX_POOL) / POOL_BLOCK);

	memset(&pool, 0, sizeof(pool));
	pool.mem = mem;
	pool.blocks = pool.free = n;
	pool.free_head = n ? 0 : POOL_NONE;
	for (uint32_t i = 0; i < n; i++)
		pool.next[i] = (uint16_t)(i + 1 < n ? i + 1 : POOL_NONE);
	/* A small pool (a test board's) still keeps half of itself for the queues' shares. */
	pool.share = CONFIG_RX_SHARE_MIN / POOL_BLOCK;
	if (queues && pool.share > n / (2 * queues))
		pool.share = n / (2 * queues);
	pool.owed = pool.share * queues;
}

void pool_queue_init(struct pool_queue *q)
{
	memset(q, 0, sizeof(*q));
}

uint32_t pool_used(const struct pool_queue *q)
{
	return q->used;
}

/* Bytes in the tail block's unused end. */
static uint32_t pool_tail_room(const struct pool_queue *q)
{
	if (q->blocks == 0)
		return 0;
	return q->blocks * POOL_BLOCK - q->off - q->used;
}

/* Blocks q may still take: what it is owed, and free blocks nobody is owed. */
static uint32_t pool_blocks_allowed(const struct pool_queue *q)
{
	uint32_t own = q->blocks < pool.share ? pool.share - q->blocks : 0;

	return own + (pool.free > pool.owed ? pool.free - pool.owed : 0);
}

uint32_t pool_room(const struct pool_queue *q)
{
	return pool_tail_room(q) + pool_blocks_allowed(q) * POOL_BLOCK;
}

static void pool_take_block(struct pool_queue *q)
{
	uint16_t b = pool.free_head;

	pool.free_head = pool.next[b];
	pool.free--;
	if (pool.blocks - pool.free > pool.peak)
		pool.peak = pool.blocks - pool.free;
	if (q->blocks < pool.share)
		pool.owed--;
	pool.next[b] = POOL_NONE;
	if (q->blocks == 0)
		q->head = b;
	else
		pool.next[q->tail] = b;
	q->tail = b;
	q->blocks++;
}

/* Gives back the blocks after keep of them (the newest ones). */
static void pool_trim(struct pool_queue *q, uint32_t keep)
{
	uint16_t b = q->head, last = POOL_NONE;

	for (uint32_t i = 0; i < keep; i++) {
		last = b;
		b = pool.next[b];
	}
	while (q->blocks > keep) {
		uint16_t next = pool.next[b];

		pool.next[b] = pool.free_head;
		pool.free_head = b;
		pool.free++;
		q->blocks--;
		if (q->blocks < pool.share)
			pool.owed++;
		b = next;
	}
	if (keep == 0) {
		q->off = 0;
		return;
	}
	q->tail = last;
	pool.next[last] = POOL_NONE;
}

uint32_t pool_put(struct pool_queue *q, const uint8_t *data, uint32_t n)
{
	uint32_t done = 0, room = pool_room(q);

	if (n > room)
		n = room;
	while (done < n) {
		uint32_t space = pool_tail_room(q), chunk;

		if (space == 0) {
			pool_take_block(q);
			space = POOL_BLOCK;
		}
		chunk = n - done < space ? n - done : space;
		memcpy(pool.mem + (size_t)q->tail * POOL_BLOCK + (POOL_BLOCK - space), data + done, chunk);
		q->used += chunk;
		done += chunk;
	}
	return done;
}

uint32_t pool_peek(const struct pool_queue *q, uint32_t off, uint8_t *out, uint32_t n)
{
	uint32_t pos, done = 0;
	uint16_t b;

	if (off >= q->used)
		return 0;
	if (n > q->used - off)
		n = q->used - off;
	pos = q->off + off;
	b = q->head;
	for (; pos >= POOL_BLOCK; pos -= POOL_BLOCK)
		b = pool.next[b];
	while (done < n) {
		uint32_t chunk = POOL_BLOCK - pos < n - done ? POOL_BLOCK - pos : n - done;

		memcpy(out + done, pool.mem + (size_t)b * POOL_BLOCK + pos, chunk);
		done += chunk;
		pos = 0;
		b = pool.next[b];
	}
	return n;
}

void pool_drop(struct pool_queue *q, uint32_t n)
{
	if (n > q->used)
		n = q->used;
	q->used -= n;
	if (q->used == 0) {
		pool_trim(q, 0);
		return;
	}
	n += q->off;
	/* Whole blocks from the head go back. */
	while (n >= POOL_BLOCK) {
		uint16_t b = q->head;

		q->head = pool.next[b];
		pool.next[b] = pool.free_head;
		pool.free_head = b;
		pool.free++;
		q->blocks--;
		if (q->blocks < pool.share)
			pool.owed++;
		n -= POOL_BLOCK;
	}
	q->off = (uint16_t)n;
}

void pool_unput(struct pool_queue *q, uint32_t n)
{
	if (n > q->used)
		n = q->used;
	q->used -= n;
	if (q->used == 0) {
		pool_trim(q, 0);
		return;
	}
	pool_trim(q, (q->off + q->used + POOL_BLOCK - 1) / POOL_BLOCK);
}

void pool_clear(struct pool_queue *q)
{
	q->used = 0;
	pool_trim(q, 0);
}

void pool_get_stats(struct pool_stats *st)
{
	st->blocks = pool.blocks;
	st->free = pool.free;
	st->peak = pool.peak;
}
