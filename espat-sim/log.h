/* Diagnostics to stderr: warnings always, details with -v. */
#ifndef ESPAT_LOG_H
#define ESPAT_LOG_H

#include <stdnoreturn.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *progname, int verbosity);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);   /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);   /* shown with -v */
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);  /* shown with -vv */
noreturn void log_fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void log_fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
