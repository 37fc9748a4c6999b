/*
 * Board log lines for the host: queued and sent as EV_LOG messages, rate
 * limited (a burst, then one a second); lines over the limit are counted
 * and reported by a summary line.  A port may mirror them locally.
 */
#ifndef K210_LOG_H
#define K210_LOG_H

#include <stdint.h>

#include "proto.h"

typedef void (*log_hook_fn)(uint8_t level, const char *text);

void log_init(void);
/* Every line also goes to hook (NULL: none), before any rate limit. */
void log_set_hook(log_hook_fn hook);
/* A line made of a then b. */
void log_text(uint8_t level, const char *a, const char *b);
/* A line made of a, the number n, then b. */
void log_num(uint8_t level, const char *a, uint32_t n, const char *b);
/* Send what the rate limit allows now (called from the main loop). */
void log_flush(uint64_t now);
uint32_t log_suppressed(void);

#define log_error(a, b) log_text(PROTO_LOG_ERROR, (a), (b))
#define log_warn(a, b) log_text(PROTO_LOG_WARN, (a), (b))
#define log_info(a, b) log_text(PROTO_LOG_INFO, (a), (b))

#endif
