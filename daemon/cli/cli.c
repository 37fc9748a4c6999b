#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void cli_vreport(const char *fmt, va_list ap, const char *why)
	__attribute__((format(printf, 1, 0)));

static void cli_vreport(const char *fmt, va_list ap, const char *why)
{
	fputs("k210sock: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (why)
		fprintf(stderr, ": %s", why);
	fputc('\n', stderr);
}

/* strerror() in lower case to read like the daemon's reasons. */
static const char *cli_reason(int errnum, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", strerror(errnum));
	if (isupper((unsigned char)buf[0]) && islower((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

k210sock *cli_open(const struct cli *c)
{
	const char *path = c->socket ? c->socket : getenv(K210SOCK_SOCKET_ENV);
	k210sock *h;
	char why[128];

	if (!path || !*path)
		path = K210SOCK_DEFAULT_SOCKET;
	h = k210sock_open(path);
	if (!h) {
		int errnum = errno;

		if (errnum == EPROTONOSUPPORT)
			fprintf(stderr, "k210sock: %s: the daemon speaks another protocol version\n", path);
		else if (errnum == ECONNRESET)
			fprintf(stderr, "k210sock: %s: the daemon closed the connection "
				"(not allowed to use it?)\n", path);
		else
			fprintf(stderr, "k210sock: %s: %s (is k210sockd running?)\n", path,
				cli_reason(errnum, why, sizeof(why)));
		return NULL;
	}
	return h;
}

int cli_fail(const k210sock *h, const char *fmt, ...)
{
	int errnum = errno;
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	cli_vreport(fmt, ap, h ? k210sock_strerror(h) : cli_reason(errnum, why, sizeof(why)));
	va_end(ap);
	return errnum == ENODEV ? CLI_NO_BOARD : CLI_FAILED;
}

int cli_fail_errno(int errnum, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	cli_vreport(fmt, ap, cli_reason(errnum, why, sizeof(why)));
	va_end(ap);
	return CLI_FAILED;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vreport(fmt, ap, NULL);
	va_end(ap);
	fputs("Try 'k210sock --help'.\n", stderr);
	return CLI_USAGE;
}

void cli_note(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->verbose)
		return;
	va_start(ap, fmt);
	cli_vreport(fmt, ap, NULL);
	va_end(ap);
}

bool cli_parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

bool cli_parse_size(const char *s, uint64_t *v)
{
	unsigned long long n;
	unsigned shift = 0;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end || n > (UINT64_MAX >> shift))
		return false;
	*v = (uint64_t)n << shift;
	return true;
}

int64_t cli_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void cli_format_ip(char out[16], const void *ip)
{
	const uint8_t *b = ip;

	snprintf(out, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

void cli_format_mac(char out[18], const uint8_t mac[6])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void cli_format_bytes(char *out, size_t cap, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (bytes >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, cap, "%.0f B", bytes);
	else
		snprintf(out, cap, "%.1f %s", bytes, units[u]);
}

int cli_print_safe(const char *s)
{
	int n = 0;

	for (; *s; s++, n++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	return n;
}

int cli_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

const char *cli_wifi_state_name(int state)
{
	switch (state) {
	case K210SOCK_WIFI_DOWN: return "down";
	case K210SOCK_WIFI_CONNECTING: return "connecting";
	case K210SOCK_WIFI_CONNECTED: return "connected";
	case K210SOCK_WIFI_GOT_IP: return "got-ip";
	}
	return "unknown";
}
