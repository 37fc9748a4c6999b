#include <time.h>

#include "daemon.h"

struct daemon_state daemon_state;
struct daemon_counters daemon_ctr;

struct timeval daemon_tv(uint32_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000),
			      .tv_usec = (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}
