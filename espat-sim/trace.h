/*
 * --trace FILE: every byte in and out, with timestamps, as readable escaped text.
 * --trace-events FILE: only what happened (commands, final results, unsolicited results
 * moving to the UART, with the UART's backlog), cheap enough to run under a benchmark.
 */
#ifndef ESPAT_TRACE_H
#define ESPAT_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

enum trace_dir { TRACE_IN, TRACE_OUT };

/* bytes: log every byte too (--trace), or only the notes (--trace-events). */
int trace_open(const char *path, bool bytes);
void trace_close(void);
void trace_bytes(enum trace_dir dir, const void *buf, size_t len);
void trace_note(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
