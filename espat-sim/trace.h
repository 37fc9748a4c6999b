/* --trace FILE: every byte in and out, with timestamps, as readable escaped text. */
#ifndef ESPAT_TRACE_H
#define ESPAT_TRACE_H

#include <stddef.h>

#include "log.h"

enum trace_dir { TRACE_IN, TRACE_OUT };

int trace_open(const char *path);
void trace_close(void);
void trace_bytes(enum trace_dir dir, const void *buf, size_t len);
void trace_note(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
