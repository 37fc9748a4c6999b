#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_name = "espat-sim";
static int log_level;

static void log_emit(const char *fmt, va_list ap, const char *suffix) LOG_PRINTF(1, 0);

void log_init(const char *progname, int verbosity)
{
	if (progname != NULL)
		log_name = progname;
	log_level = verbosity;
}

static void log_emit(const char *fmt, va_list ap, const char *suffix)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (suffix != NULL)
		fprintf(stderr, "%s: %s: %s\n", log_name, line, suffix);
	else
		fprintf(stderr, "%s: %s\n", log_name, line);
}

void log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_emit(fmt, ap, why);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(fmt, ap, NULL);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	log_emit(fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	log_emit(fmt, ap, NULL);
	va_end(ap);
}

void log_fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_emit(fmt, ap, why);
	va_end(ap);
	exit(1);
}

void log_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
