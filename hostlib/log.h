/*
 * The log of the programs that run on Linux (k210sockd, k210-netif,
 * espat-sim, k210-emu): printf-style, one event per line.
 *
 * A daemon in the foreground (-d) writes to stderr: with a timestamp on a
 * terminal, with sd-daemon "<N>" priority prefixes when stderr is the
 * journal (JOURNAL_STREAM), plain otherwise; in the background it logs to
 * syslog.  The simulators name themselves at the start of each line and
 * write to stderr (a timestamp on a terminal) or append to a file (with
 * timestamps).
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
/* A simulator: lines "ident: text" to stderr, or appended to path (not NULL); exits 1 if it cannot open path. */
void log_init_tool(const char *ident, enum log_level level, const char *path);
void log_set_level(enum log_level level);
/* Parse "error", "warn", "info" or "debug"; -1 when unknown. */
int log_level_parse(const char *s);
/* The level for -v given n times: warnings, then info, then debug. */
enum log_level log_level_verbose(int n);

/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
/* One error line per line of text (the messages a parser collected). */
void log_error_lines(const char *text);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Log an error and exit 1: log_fatal appends strerror(errno), log_fatalx does not. */
_Noreturn void log_fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
_Noreturn void log_fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
