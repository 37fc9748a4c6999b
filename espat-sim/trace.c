#include "monotime.h"
#include "trace.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "loop.h"

/* Long chunks are split so every trace line stays readable. */
#define TRACE_BYTES_PER_LINE 64

static FILE *trace_file;
static bool trace_with_bytes;
static int64_t trace_start;

int trace_open(const char *path, bool bytes)
{
	trace_file = fopen(path, "w");
	if (trace_file == NULL)
		return -1;
	setvbuf(trace_file, NULL, _IOLBF, 0);
	trace_with_bytes = bytes;
	trace_start = monotime_ns();
	/* The start on CLOCK_MONOTONIC lets other programs' timestamps be lined up with these. */
	fprintf(trace_file, "# espat-sim trace: seconds, direction (> to host, < from host, # event), %s; "
	    "start %lld.%09lld\n", bytes ? "bytes" : "event", (long long)(trace_start / LOOP_NS_PER_S),
	    (long long)(trace_start % LOOP_NS_PER_S));
	return 0;
}

void trace_close(void)
{
	if (trace_file != NULL)
		fclose(trace_file);
	trace_file = NULL;
}

static void trace_stamp(char mark)
{
	int64_t t = monotime_ns() - trace_start;

	fprintf(trace_file, "%4lld.%06lld %c ", (long long)(t / LOOP_NS_PER_S),
	    (long long)(t % LOOP_NS_PER_S / 1000), mark);
}

void trace_bytes(enum trace_dir dir, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (trace_file == NULL || !trace_with_bytes)
		return;
	for (size_t off = 0; off < len; off += TRACE_BYTES_PER_LINE) {
		size_t n = len - off < TRACE_BYTES_PER_LINE ? len - off : TRACE_BYTES_PER_LINE;

		trace_stamp(dir == TRACE_OUT ? '>' : '<');
		fputc('"', trace_file);
		for (size_t i = 0; i < n; i++) {
			uint8_t c = p[off + i];

			if (c == '\r')
				fputs("\\r", trace_file);
			else if (c == '\n')
				fputs("\\n", trace_file);
			else if (c == '"' || c == '\\')
				fprintf(trace_file, "\\%c", c);
			else if (c >= 0x20 && c < 0x7f)
				fputc(c, trace_file);
			else
				fprintf(trace_file, "\\x%02x", c);
		}
		fputs("\"\n", trace_file);
	}
}

void trace_note(const char *fmt, ...)
{
	va_list ap;

	if (trace_file == NULL)
		return;
	trace_stamp('#');
	va_start(ap, fmt);
	vfprintf(trace_file, fmt, ap);
	va_end(ap);
	fputc('\n', trace_file);
}
