/* The monotonic clock, as the hosted programs count time. */
#ifndef K210_MONOTIME_H
#define K210_MONOTIME_H

#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC. */
int64_t monotime_ns(void);

#endif
