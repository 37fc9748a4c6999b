#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loop.h"
#include "trace.h"
#include "uart.h"

#define REPLY_LINE_MAX 512
/* In chaos mode a URC is held at most this long when no reply offers a point to release it. */
#define REPLY_CHAOS_HOLD_MAX_MS 20
/* URCs move to the UART only while its backlog is short, so data URCs never crowd out replies. */
#define REPLY_UART_BACKLOG 4096

static struct {
	uint8_t queue[REPLY_URC_QUEUE_SIZE];
	size_t len;
	bool chaos;
	uint64_t rng;
} reply;

static uint64_t reply_random(void)
{
	/* splitmix64: deterministic for a given seed, good enough to pick insertion points. */
	uint64_t z = (reply.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void reply_set_chaos(uint64_t seed)
{
	reply.chaos = true;
	reply.rng = seed;
}

void reply_bytes(const void *buf, size_t len)
{
	uart_put(buf, len);
}

/* Formats into line (REPLY_LINE_MAX bytes); returns the length kept, 0 for nothing. */
static size_t reply_format(char *line, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

static size_t reply_format(char *line, const char *fmt, va_list ap)
{
	int n = vsnprintf(line, REPLY_LINE_MAX, fmt, ap);

	if (n <= 0)
		return 0;
	return (size_t)n < REPLY_LINE_MAX ? (size_t)n : REPLY_LINE_MAX - 1;
}

void reply_printf(const char *fmt, ...)
{
	char line[REPLY_LINE_MAX];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = reply_format(line, fmt, ap);
	va_end(ap);
	if (n > 0)
		uart_put(line, n);
}

static void reply_flush(void)
{
	if (reply.len == 0 || uart_room() < reply.len)
		return;
	uart_put(reply.queue, reply.len);
	trace_note("urc %zu backlog %zu", reply.len, uart_pending());
	reply.len = 0;
	loop_timer_stop(LOOP_TIMER_URC);
}

static void reply_chaos_expired(void)
{
	reply_flush();
}

void reply_point(void)
{
	if (reply.chaos && reply.len > 0 && (reply_random() & 1) == 0)
		reply_flush();
}

static void reply_urc_added(void)
{
	if (!reply.chaos) {
		if (uart_pending() < REPLY_UART_BACKLOG)
			reply_flush();
		return;
	}
	if (!loop_timer_active(LOOP_TIMER_URC))
		loop_timer_in(LOOP_TIMER_URC,
		    (int64_t)(1 + reply_random() % REPLY_CHAOS_HOLD_MAX_MS) * LOOP_NS_PER_MS,
		    reply_chaos_expired);
}

static bool reply_urc_append(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen + blen > REPLY_URC_QUEUE_SIZE - reply.len) {
		log_warnx("URC queue full: %zu bytes not sent", alen + blen);
		return false;
	}
	memcpy(reply.queue + reply.len, a, alen);
	if (blen > 0)
		memcpy(reply.queue + reply.len + alen, b, blen);
	reply.len += alen + blen;
	return true;
}

void reply_urc_printf(const char *fmt, ...)
{
	char line[REPLY_LINE_MAX];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = reply_format(line, fmt, ap);
	va_end(ap);
	if (n > 0 && reply_urc_append(line, n, NULL, 0))
		reply_urc_added();
}

void reply_urc_data(const char *header, size_t header_len, const void *data, size_t len)
{
	if (reply_urc_append(header, header_len, data, len))
		reply_urc_added();
}

size_t reply_urc_room(void)
{
	if (uart_pending() >= REPLY_UART_BACKLOG)
		return 0;
	return REPLY_URC_QUEUE_SIZE - reply.len;
}

void reply_pump(void)
{
	/* In chaos mode an expired hold that found the UART full is released here once it has room. */
	if (reply.chaos ? !loop_timer_active(LOOP_TIMER_URC) : uart_pending() < REPLY_UART_BACKLOG)
		reply_flush();
}

void reply_reset(void)
{
	reply.len = 0;
	loop_timer_stop(LOOP_TIMER_URC);
}
