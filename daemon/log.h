/*
 * Logging: one event per line.  In the foreground (-d) lines go to stderr:
 * with a timestamp on a terminal, with sd-daemon "<N>" priority prefixes when
 * stderr is the journal (JOURNAL_STREAM), plain otherwise.  Without -d they
 * go to syslog.
 */
#ifndef K210_LOG_H
#define K210_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

void log_init(int foreground, enum log_level level, const char *ident);
void log_set_level(enum log_level level);
/* Parse "error", "warn", "info" or "debug"; -1 when unknown. */
int log_level_parse(const char *s);

/* log_warn appends strerror(errno); log_warnx does not.  fatalx logs and exits 1. */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
_Noreturn void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
