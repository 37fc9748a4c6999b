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

/* CLOCK_MONOTONIC in microseconds. */
uint64_t daemon_now_us(void);
/* Convert milliseconds to a struct timeval for event_add. */
struct timeval daemon_tv(uint32_t ms);

#endif
