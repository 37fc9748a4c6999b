#include "pace.h"

#define PACE_BITS_PER_BYTE 10
#define PACE_NS 1000000000ull

void pace_init(struct pace *p, uint32_t baud, size_t depth, int64_t now)
{
	p->baud = baud;
	p->depth = depth;
	p->line_at = now;
	p->rem = 0;
	p->busy = false;
}

void pace_set_baud(struct pace *p, uint32_t baud, int64_t now)
{
	if (p->line_at < now)
		p->line_at = now;
	p->baud = baud;
	p->rem = 0;
	p->busy = false;
}

/* Where the line stands at now: behind now only while it has not idled. */
static int64_t pace_line_at(const struct pace *p, int64_t now)
{
	if (p->line_at >= now)
		return p->line_at;
	if (!p->busy)
		return now;
	return p->line_at > now - PACE_CATCHUP_NS ? p->line_at : now - PACE_CATCHUP_NS;
}

/* Nanoseconds n bytes occupy the line (rounded down; the remainder is kept by pace_take). */
static int64_t pace_ns(const struct pace *p, size_t n)
{
	return (int64_t)((uint64_t)n * PACE_BITS_PER_BYTE * PACE_NS / p->baud);
}

size_t pace_grant(const struct pace *p, int64_t now)
{
	int64_t backlog;
	size_t queued;

	if (p->baud == 0)
		return SIZE_MAX;
	if (p->line_at <= now)
		return p->depth + (size_t)((uint64_t)(now - pace_line_at(p, now)) * p->baud /
					   (PACE_BITS_PER_BYTE * PACE_NS));
	backlog = p->line_at - now;
	/* Bytes still ahead of the line, rounded up: a partial byte still holds its slot. */
	queued = (size_t)(((uint64_t)backlog * p->baud + PACE_BITS_PER_BYTE * PACE_NS - 1) /
			  (PACE_BITS_PER_BYTE * PACE_NS));
	return queued >= p->depth ? 0 : p->depth - queued;
}

void pace_take(struct pace *p, size_t n, int64_t now, bool busy)
{
	uint64_t total;

	if (p->baud == 0 || n == 0)
		return;
	p->line_at = pace_line_at(p, now);
	p->busy = busy;
	total = (uint64_t)n * PACE_BITS_PER_BYTE * PACE_NS + p->rem;
	p->line_at += (int64_t)(total / p->baud);
	p->rem = total % p->baud;
}

int64_t pace_when(const struct pace *p, size_t want, int64_t now)
{
	int64_t t;

	if (p->baud == 0 || pace_grant(p, now) >= want)
		return now;
	if (want > p->depth)
		want = p->depth;
	/* The line must have drained down to depth - want queued bytes. */
	t = p->line_at - pace_ns(p, p->depth - want);
	return t > now ? t : now + 1;
}

bool pace_idle(const struct pace *p, int64_t now)
{
	return p->baud == 0 || p->line_at <= now;
}
