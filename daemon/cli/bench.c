/*
 * k210sock bench: with HOST PORT, download from a remote that sends data
 * (a chargen-like server) over one or more streams and report throughput,
 * also as a ratio to the serial link's wire limit (baud/10 bytes/s), and
 * the connect and first-byte latencies.  Without them, the round trip of a
 * request to the board.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "progress.h"

#define BENCH_BYTES_DEFAULT (1024 * 1024)
#define BENCH_STREAMS_MAX 16
#define BENCH_IDLE_MS 30000
#define BENCH_CONNECT_TIMEOUT 60000
#define BENCH_ROUND_TRIPS 20

struct bench_stream {
	int fd;
	uint64_t want, got;
	int64_t t_start, t_conn, t_first, t_done;
};

struct bench_span {
	double min, sum, max;
	unsigned n;
};

static void bench_span_add(struct bench_span *s, double v)
{
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max)
		s->max = v;
	s->sum += v;
	s->n++;
}

static double bench_span_avg(const struct bench_span *s)
{
	return s->n ? s->sum / s->n : 0;
}

/* The link rate: status key link.baud, else the board's USB rate; 0 if unknown. */
static uint64_t bench_link_baud(k210sock *h)
{
	struct k210sock_device_info info;
	struct k210sock_kv kv;

	if (k210sock_status(h) > 0)
		while (k210sock_status_next(h, &kv) == 1)
			if (!strcmp(kv.key, "link.baud") && !kv.is_str && kv.num > 0)
				return (uint64_t)kv.num;
	if (k210sock_device_info(h, &info) == 0)
		return info.usb_baud;
	return 0;
}

static void bench_json_span(struct json *j, const char *key, const struct bench_span *s)
{
	json_object_begin(j, key);
	json_double(j, "min", s->min, 3);
	json_double(j, "avg", bench_span_avg(s), 3);
	json_double(j, "max", s->max, 3);
	json_object_end(j);
}

static void bench_text_span(const char *name, const struct bench_span *s)
{
	printf("%-11s min %.1f ms  avg %.1f ms  max %.1f ms\n", name, s->min, bench_span_avg(s), s->max);
}

/* Read every stream until it has its share: 0, or an exit code after a report. */
static int bench_download(const struct cli *c, struct bench_stream *st, unsigned n,
			  uint64_t total, const char *what)
{
	static uint8_t buf[65536];
	struct pollfd fds[BENCH_STREAMS_MAX];
	int64_t last_data = cli_now_us();
	uint64_t got = 0;
	struct progress p;
	int rc = CLI_OK;

	progress_init(&p, stdout, isatty(STDOUT_FILENO) && !c->quiet && !c->json, total);
	for (;;) {
		unsigned open = 0;
		int r;

		for (unsigned i = 0; i < n; i++) {
			fds[i].fd = st[i].fd;
			fds[i].events = POLLIN;
			fds[i].revents = 0;
			open += st[i].fd >= 0;
		}
		if (!open)
			break;
		r = poll(fds, n, p.on ? progress_interval(&p) : 1000);
		if (r < 0 && errno != EINTR) {
			rc = cli_fail_errno(errno, "%s: poll", what);
			break;
		}
		for (unsigned i = 0; i < n && rc == CLI_OK; i++) {
			struct bench_stream *s = &st[i];
			size_t want = sizeof(buf);
			ssize_t got_now;

			if (s->fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* A source that never stops sends more than asked: what is counted is what was asked. */
			if (s->want - s->got < want)
				want = (size_t)(s->want - s->got);
			got_now = recv(s->fd, buf, want, MSG_DONTWAIT);
			if (got_now < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got_now < 0) {
				rc = cli_fail_errno(errno, "%s: stream %u", what, i + 1);
			} else if (got_now == 0) {
				fprintf(stderr, "k210sock: %s: stream %u: the remote closed after %llu of %llu bytes\n",
					what, i + 1, (unsigned long long)s->got, (unsigned long long)s->want);
				rc = CLI_FAILED;
			} else {
				int64_t now = cli_now_us();

				if (!s->got)
					s->t_first = now;
				s->got += (uint64_t)got_now;
				got += (uint64_t)got_now;
				last_data = now;
				if (s->got >= s->want) {
					s->t_done = now;
					close(s->fd);
					s->fd = -1;
				}
			}
		}
		if (rc != CLI_OK)
			break;
		if (cli_now_us() - last_data > (int64_t)BENCH_IDLE_MS * 1000) {
			fprintf(stderr, "k210sock: %s: no data for %d s\n", what, BENCH_IDLE_MS / 1000);
			rc = CLI_FAILED;
			break;
		}
		progress_update(&p, 0, got);
	}
	progress_done(&p);
	return rc;
}

static void bench_report(const struct cli *c, const struct bench_stream *st, unsigned n,
			 const char *host, uint16_t port, uint64_t baud)
{
	struct bench_span conn = { 0 }, first = { 0 };
	int64_t t0 = 0, t1 = 0;
	uint64_t total = 0;
	double secs, rate, wire = (double)baud / 10;
	char human[32];

	for (unsigned i = 0; i < n; i++) {
		total += st[i].got;
		bench_span_add(&conn, (double)(st[i].t_conn - st[i].t_start) / 1000);
		bench_span_add(&first, (double)(st[i].t_first - st[i].t_conn) / 1000);
		if (!i || st[i].t_conn < t0)
			t0 = st[i].t_conn;
		if (!i || st[i].t_done > t1)
			t1 = st[i].t_done;
	}
	secs = (double)(t1 - t0) / 1e6;
	rate = secs > 0 ? (double)total / secs : 0;
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "host", host);
		json_int(&j, "port", port);
		json_int(&j, "streams", n);
		json_int(&j, "bytes", (int64_t)total);
		json_double(&j, "seconds", secs, 6);
		json_double(&j, "bytes_per_s", rate, 1);
		json_int(&j, "link_baud", (int64_t)baud);
		json_double(&j, "wire_limit_bytes_per_s", wire, 1);
		json_double(&j, "ratio", wire > 0 ? rate / wire : 0, 4);
		bench_json_span(&j, "connect_ms", &conn);
		bench_json_span(&j, "first_byte_ms", &first);
		json_object_end(&j);
		json_finish(&j);
		return;
	}
	cli_format_bytes(human, sizeof(human), rate);
	printf("bench %s:%u: %u stream%s, %llu bytes in %.3f s\n", host, port, n, n == 1 ? "" : "s",
	       (unsigned long long)total, secs);
	printf("%-11s %s/s (%.0f bytes/s)", "throughput", human, rate);
	if (baud)
		printf(", %.3f of the wire limit (%.0f bytes/s at %llu baud)\n", rate / wire, wire,
		       (unsigned long long)baud);
	else
		printf(", link rate unknown\n");
	bench_text_span("connect", &conn);
	bench_text_span("first byte", &first);
}

static int bench_remote(const struct cli *c, k210sock *h)
{
	struct bench_stream st[BENCH_STREAMS_MAX];
	const char *host = c->argv[0];
	unsigned n = c->streams ? c->streams : 1;
	uint64_t total = c->bytes ? c->bytes : BENCH_BYTES_DEFAULT, baud;
	char what[K210SOCK_HOST_MAX + 32];
	uint16_t port;
	int rc = CLI_OK;

	if (!cli_parse_port(c->argv[1], &port))
		return cli_usage("bench: bad port '%s'", c->argv[1]);
	if (n > BENCH_STREAMS_MAX)
		return cli_usage("bench: at most %d streams", BENCH_STREAMS_MAX);
	if (total < n)
		return cli_usage("bench: fewer bytes than streams");
	snprintf(what, sizeof(what), "bench %s:%u", host, port);
	baud = bench_link_baud(h);
	memset(st, 0, sizeof(st));
	for (unsigned i = 0; i < n; i++) {
		st[i].fd = -1;
		st[i].want = total / n + (i == 0 ? total % n : 0);
	}
	for (unsigned i = 0; i < n && rc == CLI_OK; i++) {
		st[i].t_start = cli_now_us();
		st[i].fd = k210sock_dial(h, host, port, K210SOCK_TCP, BENCH_CONNECT_TIMEOUT);
		st[i].t_conn = cli_now_us();
		if (st[i].fd < 0)
			rc = cli_fail(h, "%s: stream %u", what, i + 1);
	}
	if (rc == CLI_OK)
		rc = bench_download(c, st, n, total, what);
	for (unsigned i = 0; i < n; i++)
		if (st[i].fd >= 0)
			close(st[i].fd);
	if (rc == CLI_OK)
		bench_report(c, st, n, host, port, baud);
	return rc;
}

/* Round trips of a request that goes to the board and back. */
static int bench_board(const struct cli *c, k210sock *h)
{
	struct k210sock_device_info info;
	struct bench_span rtt = { 0 };
	uint64_t baud = bench_link_baud(h);

	for (int i = 0; i < BENCH_ROUND_TRIPS; i++) {
		int64_t t = cli_now_us();

		if (k210sock_device_info(h, &info) < 0)
			return cli_fail(h, "bench: board request");
		bench_span_add(&rtt, (double)(cli_now_us() - t) / 1000);
	}
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_int(&j, "round_trips", rtt.n);
		json_int(&j, "link_baud", (int64_t)baud);
		json_double(&j, "wire_limit_bytes_per_s", (double)baud / 10, 1);
		bench_json_span(&j, "round_trip_ms", &rtt);
		json_object_end(&j);
		json_finish(&j);
		return CLI_OK;
	}
	printf("bench board: %u requests at %llu baud\n", rtt.n, (unsigned long long)baud);
	bench_text_span("round trip", &rtt);
	return CLI_OK;
}

int bench_run(const struct cli *c)
{
	k210sock *h;
	int rc;

	if (c->argc != 0 && c->argc != 2)
		return cli_usage("usage: bench [--bytes N] [--streams N] [HOST PORT]");
	if (c->argc == 0 && (c->bytes || c->streams))
		return cli_usage("bench: --bytes and --streams need HOST PORT");
	h = cli_open(c);
	if (!h)
		return CLI_UNREACHABLE;
	rc = c->argc ? bench_remote(c, h) : bench_board(c, h);
	k210sock_close(h);
	return rc;
}
