/*
 * State shared by the daemon's subsystems: the event base, the running
 * configuration, the clock.  Each subsystem keeps its own state in its file.
 */
#ifndef K210SOCKD_H
#define K210SOCKD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define K210SOCKD_NAME "k210sockd"

struct event_base;

struct main_state {
	struct event_base *base;
	struct config *cfg;        /* the configuration in force */
	const char *conf_path;
	uint64_t start_us;
	uid_t uid;                 /* the daemon's own uid (privileged requests) */
	bool stopping;
};

extern struct main_state main_state;

/* CLOCK_MONOTONIC in microseconds. */
uint64_t main_now_us(void);
/* Convert milliseconds to a struct timeval for event_add. */
struct timeval main_tv(uint32_t ms);

#endif
