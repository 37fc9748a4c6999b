/*
 * The STATUS response: a key/value list whose key names
 * are stable (scripts rely on them).
 */
#ifndef K210_REPORT_H
#define K210_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Fill a STATUS response body into buf and point resp at it. */
void report_build(struct msg *resp, uint8_t *buf, size_t cap);
/* One line for sd_notify STATUS= and the log. */
void report_summary(char *out, size_t len);

#endif
