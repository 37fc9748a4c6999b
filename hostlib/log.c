#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum log_sink {
	LOG_SINK_PLAIN,     /* a pipe or a file nobody asked for: no decoration */
	LOG_SINK_TTY,       /* a terminal, or a log file: timestamps help */
	LOG_SINK_JOURNAL,   /* stderr is the journal: "<N>" sets the priority */
	LOG_SINK_SYSLOG,
};

static enum log_sink log_sink = LOG_SINK_PLAIN;
static enum log_level log_level = LOG_LEVEL_INFO;
static FILE *log_out;              /* NULL: stderr */
static const char *log_prefix = "";
static char log_prefix_buf[64];

static const char *const log_names[] = { "error", "warn", "info", "debug" };
static const int log_syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* systemd sets JOURNAL_STREAM=dev:ino for the stream it connected stderr to. */
static int log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(int foreground, enum log_level level, const char *ident)
{
	log_level = level;
	if (!foreground) {
		log_sink = LOG_SINK_SYSLOG;
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	} else if (log_stderr_is_journal()) {
		log_sink = LOG_SINK_JOURNAL;
	} else if (isatty(STDERR_FILENO)) {
		log_sink = LOG_SINK_TTY;
	} else {
		log_sink = LOG_SINK_PLAIN;
	}
}

void log_init_tool(const char *ident, enum log_level level, const char *path)
{
	log_level = level;
	snprintf(log_prefix_buf, sizeof(log_prefix_buf), "%s: ", ident);
	log_prefix = log_prefix_buf;
	log_sink = isatty(STDERR_FILENO) ? LOG_SINK_TTY : LOG_SINK_PLAIN;
	if (path) {
		FILE *f = fopen(path, "a");

		if (!f)
			log_fatal("cannot open log %s", path);
		setvbuf(f, NULL, _IOLBF, 0);
		log_out = f;
		log_sink = LOG_SINK_TTY;
	}
}

enum log_level log_level_verbose(int n)
{
	return n <= 0 ? LOG_LEVEL_WARN : n == 1 ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

int log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(s, log_names[i]) == 0)
			return (int)i;
	return -1;
}

static void log_emit(enum log_level level, const char *suffix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void log_emit_errno(enum log_level level, int saved, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void log_emit(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	FILE *out = log_out ? log_out : stderr;
	char line[1024];
	int n;

	if (level > log_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	/* One event per line: a stray newline in a value must not split it. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	switch (log_sink) {
	case LOG_SINK_SYSLOG:
		syslog(log_syslog_prio[level], "%s%s", line, suffix);
		break;
	case LOG_SINK_JOURNAL:
		fprintf(out, "<%d>%s%s%s\n", log_syslog_prio[level], log_prefix, line, suffix);
		break;
	case LOG_SINK_TTY: {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		fprintf(out, "%02d:%02d:%02d.%03ld %s%s%s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
			ts.tv_nsec / 1000000, log_prefix, line, suffix);
		break;
	}
	case LOG_SINK_PLAIN:
		fprintf(out, "%s%s%s\n", log_prefix, line, suffix);
		break;
	}
}

static void log_emit_errno(enum log_level level, int saved, const char *fmt, va_list ap)
{
	char suffix[160];

	snprintf(suffix, sizeof(suffix), ": %s", strerror(saved));
	log_emit(level, suffix, fmt, ap);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit_errno(LOG_LEVEL_WARN, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_WARN, "", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, "", fmt, ap);
	va_end(ap);
}

void log_error_lines(const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		int n = nl ? (int)(nl - text) : (int)strlen(text);

		log_error("%.*s", n, text);
		text += n + (nl ? 1 : 0);
	}
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_INFO, "", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_DEBUG, "", fmt, ap);
	va_end(ap);
}

void log_fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit_errno(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void log_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, "", fmt, ap);
	va_end(ap);
	exit(1);
}
