/*
 * Board log lines for the host: queued and sent as EV_LOG messages, rate
 * limited (a burst, then one a second); lines over the limit are counted
 * and reported by a summary line.  A port may mirror them locally.
 *
 * A line is pieced together from fixed parts (the core has no printf):
 * evlog_join(PROTO_LOG_WARN, "ESP8285 reset: ", why).
 */
#ifndef K210_EVLOG_H
#define K210_EVLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"
#include "proto.h"

typedef void (*evlog_hook_fn)(uint8_t level, const char *text);

void evlog_init(void);
/* Every line also goes to hook (NULL: none), before any rate limit. */
void evlog_set_hook(evlog_hook_fn hook);
/* A line made of a then b (level: PROTO_LOG_*). */
void evlog_join(uint8_t level, const char *a, const char *b);
/* A line made of a, the number n, then b. */
void evlog_num(uint8_t level, const char *a, uint32_t n, const char *b);
/* Send what the rate limit allows now with write (false: no room; called from the main loop). */
void evlog_flush(uint64_t now, bool (*write)(const struct msg *m));
uint32_t evlog_suppressed(void);

#endif
