/*
 * Daemon counters and the STATUS response: a key/value list whose key names
 * are stable (scripts rely on them).
 */
#ifndef K210_STATUS_H
#define K210_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct status_counters {
	uint64_t clients_accepted;
	uint64_t clients_refused;      /* access control or the clients limit */
	uint64_t clients_dropped;      /* bad input, too slow, handshake timeout */
	uint64_t requests;             /* native requests handled */
	uint64_t bad_messages;         /* malformed native messages */
	uint64_t socks_requests;
	uint64_t socks_failed;
	uint64_t streams_opened;
	uint64_t streams_failed;
	uint64_t streams_accepted;
	uint64_t streams_reset;        /* pipes ended by an error */
	uint64_t bytes_up;             /* client -> board */
	uint64_t bytes_down;           /* board -> client */
	uint64_t datagrams_up, datagrams_down, datagrams_refused;
	uint64_t events_sent;
};

extern struct status_counters status_ctr;

/* Fill a STATUS response body into buf and point resp at it. */
void status_build(struct msg *resp, uint8_t *buf, size_t cap);
/* One line for sd_notify STATUS= and the log. */
void status_summary(char *out, size_t len);

#endif
