/*
 * State shared by the daemon's subsystems: the event base, the running
 * configuration, the clock.  Each subsystem keeps its own state in its file.
 */
#ifndef K210_DAEMON_H
#define K210_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>

#include "config.h"

#define K210SOCKD_NAME "k210sockd"

struct event_base;

struct daemon_state {
	struct event_base *base;
	struct config *cfg;        /* the configuration in force */
	const char *conf_path;
	uint64_t start_us;
	uid_t uid;                 /* the daemon's own uid (privileged requests) */
	bool stopping;
};

extern struct daemon_state daemon_state;

/* What the daemon counts, for STATUS (each layer adds to its own). */
struct daemon_counters {
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

extern struct daemon_counters daemon_ctr;

/* Convert milliseconds to a struct timeval for event_add. */
struct timeval daemon_tv(uint32_t ms);

#endif
