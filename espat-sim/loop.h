/*
 * The single-threaded event loop: a poll() set rebuilt on every turn (so each module decides from its
 * current state which events it can take, which is how flow control is expressed) plus named timers.
 */
#ifndef ESPAT_LOOP_H
#define ESPAT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define LOOP_NS_PER_MS 1000000LL
#define LOOP_NS_PER_S 1000000000LL

typedef void (*loop_io_fn)(int fd, short revents, void *ctx);
typedef void (*loop_timer_fn)(void);

enum loop_timer {
	LOOP_TIMER_BOOT,      /* ROM boot time before "ready" */
	LOOP_TIMER_RESULT,    /* delayed final result (--cmd-latency-us) */
	LOOP_TIMER_JOIN,      /* simulated association steps */
	LOOP_TIMER_SCAN,      /* simulated AP scan */
	LOOP_TIMER_URC,       /* held URCs in chaos mode */
	LOOP_TIMER_RESOLVE,   /* answers the resolver gives without a lookup */
	LOOP_TIMER_PING,      /* AT+PING's wait, and its result */
	LOOP_TIMER_COUNT
};

/* Called by the per-turn prepare hook: watch fd for events this turn only. */
void loop_watch(int fd, short events, loop_io_fn fn, void *ctx);
/* Called by the per-turn prepare hook: wake up no later than when (monotonic ns). */
void loop_wake_at(int64_t when);
/* File descriptors were closed: stop dispatching the poll results of this turn. */
void loop_invalidate(void);

void loop_timer_in(enum loop_timer t, int64_t delay_ns, loop_timer_fn fn);
void loop_timer_stop(enum loop_timer t);
bool loop_timer_active(enum loop_timer t);

/* One turn: prepare() registers watches, then wait, dispatch I/O, run due timers. */
void loop_turn(void (*prepare)(void));

#endif
