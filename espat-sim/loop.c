#include "loop.h"
#include "monotime.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <time.h>

#include "log.h"

#define LOOP_WATCH_MAX 32

struct loop_watch_entry {
	loop_io_fn fn;
	void *ctx;
};

struct loop_timer_entry {
	bool active;
	int64_t when;
	loop_timer_fn fn;
};

static struct pollfd loop_fds[LOOP_WATCH_MAX];
static struct loop_watch_entry loop_watches[LOOP_WATCH_MAX];
static size_t loop_nfds;
static int64_t loop_wake;
static unsigned loop_epoch;
static struct loop_timer_entry loop_timers[LOOP_TIMER_COUNT];

void loop_watch(int fd, short events, loop_io_fn fn, void *ctx)
{
	if (fd < 0 || events == 0)
		return;
	if (loop_nfds == LOOP_WATCH_MAX)
		log_fatalx("event loop: more than %d descriptors", LOOP_WATCH_MAX);
	loop_fds[loop_nfds].fd = fd;
	loop_fds[loop_nfds].events = events;
	loop_fds[loop_nfds].revents = 0;
	loop_watches[loop_nfds].fn = fn;
	loop_watches[loop_nfds].ctx = ctx;
	loop_nfds++;
}

void loop_wake_at(int64_t when)
{
	if (loop_wake < 0 || when < loop_wake)
		loop_wake = when;
}

void loop_invalidate(void)
{
	loop_epoch++;
}

void loop_timer_in(enum loop_timer t, int64_t delay_ns, loop_timer_fn fn)
{
	loop_timers[t].active = true;
	loop_timers[t].when = monotime_ns() + (delay_ns > 0 ? delay_ns : 0);
	loop_timers[t].fn = fn;
}

void loop_timer_stop(enum loop_timer t)
{
	loop_timers[t].active = false;
}

bool loop_timer_active(enum loop_timer t)
{
	return loop_timers[t].active;
}

static void loop_run_timers(void)
{
	int64_t now = monotime_ns();

	for (size_t i = 0; i < LOOP_TIMER_COUNT; i++) {
		struct loop_timer_entry *t = &loop_timers[i];

		if (t->active && t->when <= now) {
			t->active = false;
			t->fn();
		}
	}
}

void loop_turn(void (*prepare)(void))
{
	struct timespec timeout, *tp = NULL;
	unsigned epoch;
	int n;

	loop_nfds = 0;
	loop_wake = -1;
	prepare();
	for (size_t i = 0; i < LOOP_TIMER_COUNT; i++)
		if (loop_timers[i].active)
			loop_wake_at(loop_timers[i].when);
	if (loop_wake >= 0) {
		int64_t delta = loop_wake - monotime_ns();

		if (delta < 0)
			delta = 0;
		timeout.tv_sec = (time_t)(delta / LOOP_NS_PER_S);
		timeout.tv_nsec = (long)(delta % LOOP_NS_PER_S);
		tp = &timeout;
	}
	n = ppoll(loop_fds, (nfds_t)loop_nfds, tp, NULL);
	if (n < 0 && errno != EINTR)
		log_fatal("ppoll");
	epoch = loop_epoch;
	for (size_t i = 0; n > 0 && i < loop_nfds && epoch == loop_epoch; i++) {
		if (loop_fds[i].revents == 0)
			continue;
		loop_watches[i].fn(loop_fds[i].fd, loop_fds[i].revents, loop_watches[i].ctx);
	}
	loop_run_timers();
}
