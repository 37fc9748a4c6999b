/* The monotonic clock, as the hosted programs count time. */
#ifndef K210_MONOTIME_H
#define K210_MONOTIME_H

#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC. */
int64_t monotime_ns(void);
/* Microseconds, for timers that count in them. */
uint64_t monotime_us(void);
/* Milliseconds. */
int64_t monotime_ms(void);

#endif
