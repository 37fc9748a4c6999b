/* The emulator's own log: stderr (or a file), more with each -v. */
#ifndef EMU_ELOG_H
#define EMU_ELOG_H

#define ELOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void elog_init(int verbosity, const char *path);
void elog_warn(const char *fmt, ...) ELOG_PRINTF(1, 2);
void elog_info(const char *fmt, ...) ELOG_PRINTF(1, 2);
void elog_debug(const char *fmt, ...) ELOG_PRINTF(1, 2);
/* Errors that end the program (exit status 1). */
void elog_fatal(const char *fmt, ...) ELOG_PRINTF(1, 2) __attribute__((noreturn));

#endif
