#include "monotime.h"
#include "timebase.h"

static struct {
	int64_t board;
	int64_t real_last;    /* when the firmware last got the CPU back */
	int64_t origin;       /* the host clock stands for board time real - origin */
	int64_t limit;        /* a sleep's end: board time does not pass it */
} tb = { .limit = INT64_MAX };

void timebase_reset(void)
{
	tb.board = 0;
	tb.real_last = tb.origin = monotime_ns();
}

int64_t timebase_now(void)
{
	return tb.board;
}

int64_t timebase_sync(int64_t allowance)
{
	int64_t real = monotime_ns(), d = real - tb.real_last;

	tb.real_last = real;
	if (tb.limit != INT64_MAX && allowance > tb.limit - tb.board)
		allowance = tb.limit > tb.board ? tb.limit - tb.board : 0;
	if (d > allowance)
		d = allowance;
	if (d > 0)
		tb.board += d;
	/* Further behind than this is forgotten. */
	if (real - tb.origin - tb.board > TIMEBASE_LAG_MAX)
		tb.origin = real - tb.board - TIMEBASE_LAG_MAX;
	return tb.board;
}

int64_t timebase_last_real(void)
{
	return tb.real_last;
}

void timebase_leave(void)
{
	tb.real_last = monotime_ns();
}

int64_t timebase_wait_for(int64_t t, int64_t lead)
{
	int64_t host = monotime_ns() - tb.origin;

	if (t <= tb.board || t <= host + lead)
		return 0;
	return t - host;
}

void timebase_limit(int64_t t)
{
	tb.limit = t;
}

void timebase_jump(int64_t t)
{
	if (t > tb.board)
		tb.board = t;
}
