#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "elog.h"

static int elog_level;
static FILE *elog_out;

void elog_init(int verbosity, const char *path)
{
	elog_level = verbosity;
	elog_out = stderr;
	if (path) {
		FILE *f = fopen(path, "a");

		if (!f) {
			fprintf(stderr, "k210-emu: cannot open log %s: %s\n", path, strerror(errno));
			exit(1);
		}
		setvbuf(f, NULL, _IOLBF, 0);
		elog_out = f;
	}
}

static void elog_vsay(const char *tag, const char *fmt, va_list ap) ELOG_PRINTF(2, 0);

static void elog_vsay(const char *tag, const char *fmt, va_list ap)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(elog_out, "k210-emu %ld.%03ld %s: ", (long)ts.tv_sec, ts.tv_nsec / 1000000, tag);
	vfprintf(elog_out, fmt, ap);
	fputc('\n', elog_out);
}

void elog_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	elog_vsay("warning", fmt, ap);
	va_end(ap);
}

void elog_info(const char *fmt, ...)
{
	va_list ap;

	if (elog_level < 1)
		return;
	va_start(ap, fmt);
	elog_vsay("info", fmt, ap);
	va_end(ap);
}

void elog_debug(const char *fmt, ...)
{
	va_list ap;

	if (elog_level < 2)
		return;
	va_start(ap, fmt);
	elog_vsay("debug", fmt, ap);
	va_end(ap);
}

void elog_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	elog_vsay("error", fmt, ap);
	va_end(ap);
	exit(1);
}
