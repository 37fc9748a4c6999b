/*
 * A one-line progress display for long transfers, redrawn a few times a
 * second on a terminal and erased at the end.
 */
#ifndef K210SOCK_PROGRESS_H
#define K210SOCK_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *f;
	bool on, drawn;
	uint64_t total;          /* bytes expected down, 0 when unknown */
	int64_t start_us, last_us;
};

/* on: whether to draw at all (the caller checks the terminal and -q). */
void progress_init(struct progress *p, FILE *f, bool on, uint64_t total);
/* Milliseconds until the next redraw is due, for poll(2): -1 when off. */
int progress_interval(const struct progress *p);
void progress_update(struct progress *p, uint64_t up, uint64_t down);
/* Erase the line. */
void progress_done(struct progress *p);

#endif
