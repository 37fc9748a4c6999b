/*
 * UART timing: a line that moves one byte every 10 bit times (8N1), with a
 * FIFO of a few bytes in front of it.  Time is CLOCK_MONOTONIC nanoseconds.
 * A rate of 0 means unpaced: everything may move at once.
 */
#ifndef EMU_PACE_H
#define EMU_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A wake-up later than this means the host did not run the emulator: that
 * time is lost, not caught up. */
#define PACE_CATCHUP_NS 20000000ll

struct pace {
	uint32_t baud;       /* 0: unpaced */
	size_t depth;        /* bytes that may be queued ahead of the line */
	int64_t line_at;     /* when the line is done with every byte taken */
	uint64_t rem;        /* sub-nanosecond remainder, in 1/baud ns */
	/* Bytes were still waiting when the last ones moved: the line has not
	 * idled since, so a late wake-up finds the bytes of the time it missed
	 * already through (up to PACE_CATCHUP_NS of them), as on a real wire. */
	bool busy;
};

void pace_init(struct pace *p, uint32_t baud, size_t depth, int64_t now);
void pace_set_baud(struct pace *p, uint32_t baud, int64_t now);
/* Bytes that may move now. */
size_t pace_grant(const struct pace *p, int64_t now);
/* n bytes moved at now; busy: more were waiting behind them. */
void pace_take(struct pace *p, size_t n, int64_t now, bool busy);
/* When want bytes may move (now if they already may). */
int64_t pace_when(const struct pace *p, size_t want, int64_t now);
/* True once every byte taken has left the line. */
bool pace_idle(const struct pace *p, int64_t now);

#endif
