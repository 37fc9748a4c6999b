#include <string.h>

#include "config.h"
#include "evlog.h"
#include "msg.h"
#include "txt.h"

#define LOG_QUEUE 4

static struct {
	char text[LOG_QUEUE][PROTO_LOG_MAX + 1];
	uint8_t level[LOG_QUEUE];
	unsigned head, count;
	unsigned tokens;
	uint64_t now, refilled;
	uint32_t suppressed;   /* since boot */
	uint32_t unreported;   /* not yet mentioned in a summary line */
	evlog_hook_fn hook;
} lg;

void evlog_init(void)
{
	evlog_hook_fn hook = lg.hook;

	memset(&lg, 0, sizeof(lg));
	lg.hook = hook;
	lg.tokens = CONFIG_LOG_BURST;
}

void evlog_set_hook(evlog_hook_fn hook)
{
	lg.hook = hook;
}

static void evlog_refill(void)
{
	uint64_t interval = CONFIG_LOG_INTERVAL_MS * 1000ull;

	while (lg.tokens < CONFIG_LOG_BURST && lg.now - lg.refilled >= interval) {
		lg.tokens++;
		lg.refilled += interval;
	}
	if (lg.tokens == CONFIG_LOG_BURST)
		lg.refilled = lg.now;
}

static void evlog_queue(uint8_t level, const char *text)
{
	unsigned slot;
	size_t n;

	evlog_refill();
	if (lg.tokens == 0 || lg.count == LOG_QUEUE) {
		lg.suppressed++;
		lg.unreported++;
		return;
	}
	lg.tokens--;
	slot = (lg.head + lg.count++) % LOG_QUEUE;
	n = strlen(text);
	if (n > PROTO_LOG_MAX)
		n = PROTO_LOG_MAX;
	memcpy(lg.text[slot], text, n);
	lg.text[slot][n] = '\0';
	lg.level[slot] = level;
}

static void evlog_emit(uint8_t level, struct txt *t)
{
	/* An overlong line is cut rather than lost. */
	t->overflow = false;
	txt_end(t);
	if (lg.hook)
		lg.hook(level, t->buf);
	evlog_queue(level, t->buf);
}

void evlog_join(uint8_t level, const char *a, const char *b)
{
	char buf[PROTO_LOG_MAX + 1];
	struct txt t;

	txt_begin(&t, buf, sizeof(buf));
	txt_str(&t, a);
	txt_str(&t, b);
	evlog_emit(level, &t);
}

void evlog_num(uint8_t level, const char *a, uint32_t n, const char *b)
{
	char buf[PROTO_LOG_MAX + 1];
	struct txt t;

	txt_begin(&t, buf, sizeof(buf));
	txt_str(&t, a);
	txt_u32_put(&t, n);
	txt_str(&t, b);
	evlog_emit(level, &t);
}

void evlog_flush(uint64_t now, bool (*write)(const struct msg *m))
{
	lg.now = now;
	while (lg.count > 0) {
		struct msg m;

		msg_init(&m, PROTO_EV_LOG);
		m.u.log.level = lg.level[lg.head];
		memcpy(m.u.log.text, lg.text[lg.head], PROTO_LOG_MAX + 1);
		if (!write(&m))
			return;
		lg.head = (lg.head + 1) % LOG_QUEUE;
		lg.count--;
	}
	if (lg.unreported > 0) {
		evlog_refill();
		if (lg.tokens > 0) {
			char buf[PROTO_LOG_MAX + 1];
			struct txt t;

			txt_begin(&t, buf, sizeof(buf));
			txt_u32_put(&t, lg.unreported);
			txt_str(&t, " log lines suppressed");
			txt_end(&t);
			lg.unreported = 0;
			evlog_queue(PROTO_LOG_WARN, buf);
		}
	}
}

uint32_t evlog_suppressed(void)
{
	return lg.suppressed;
}
