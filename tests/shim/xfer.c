#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pattern.h"
#include "plink.h"
#include "probe.h"
#include "proto.h"
#include "xfer.h"

#define XFER_STREAMS 32
#define XFER_FIRST_ID 1
#define XFER_CHUNK 2048
#define XFER_TRAILER 65       /* 64 hex digits and a newline */
#define XFER_LISTENER_ID 900
#define XFER_UDP_ID 800

static uint8_t xfer_kind(void)
{
	return probe.tls ? PROTO_KIND_TLS : PROTO_KIND_TCP;
}

static double xfer_ratio(double bytes_per_s)
{
	return bytes_per_s / (plink_baud() / 10.0);
}

/* ---- connect: a terminal onto a remote socket ---- */

static void xfer_to_stdout(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *from)
{
	size_t off = 0;

	(void)from;
	while (off < n) {
		ssize_t w = write(STDOUT_FILENO, p + off, n - off);

		if (w < 0 && errno != EINTR && errno != EAGAIN)
			exit(1);
		if (w > 0)
			off += (size_t)w;
	}
	psock_consumed(s, n);
}

int xfer_connect(const char *host, uint16_t port)
{
	struct psock *s = psock_new(XFER_FIRST_ID, probe.window);
	uint8_t buf[XFER_CHUNK];
	size_t have = 0, off = 0;
	bool in_eof = false;
	int err = psock_open(s, xfer_kind(), host, port, probe.timeout_ms);

	if (err)
		return probe_fail(err, "connect");
	s->on_data = xfer_to_stdout;
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	/* The ESP8285 cannot half-close: after EOF on stdin, wait for the remote to finish. */
	while (!s->closed) {
		struct pollfd in = { .fd = STDIN_FILENO, .events = (short)(!in_eof && have == 0 ? POLLIN : 0) };

		if (off < have)
			off += psock_send(s, buf + off, have - off);
		if (off == have)
			have = off = 0;
		plink_poll(100, &in, 1);
		if (in.revents & (POLLIN | POLLHUP)) {
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));

			if (r > 0)
				have = (size_t)r;
			else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				in_eof = true;
		}
	}
	printf("closed=%d\nsent=%llu\nreceived=%llu\n", s->close_err, (unsigned long long)s->tx_bytes,
	       (unsigned long long)s->rx_bytes);
	return s->close_err == PROTO_OK ? 0 : 1;
}

static void xfer_count(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *from)
{
	(void)p;
	(void)from;
	psock_consumed(s, n);
}

/* ---- get: one HTTP/1.0 request ---- */

struct xfer_http {
	char head[4096];
	size_t head_len;
	bool in_body;
	uint64_t body;
	struct digest *d;
	FILE *out;
};

static void xfer_http_data(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *from)
{
	struct xfer_http *h = s->ctx;
	size_t i = 0;

	(void)from;
	while (!h->in_body && i < n) {
		if (h->head_len < sizeof(h->head) - 1)
			h->head[h->head_len++] = (char)p[i];
		i++;
		h->head[h->head_len] = '\0';
		if (h->head_len >= 4 && strcmp(h->head + h->head_len - 4, "\r\n\r\n") == 0)
			h->in_body = true;
	}
	if (i < n) {
		digest_add(h->d, p + i, n - i);
		if (h->out)
			fwrite(p + i, 1, n - i, h->out);
		h->body += n - i;
	}
	psock_consumed(s, n);
}

int xfer_get(const char *host, uint16_t port, const char *path)
{
	struct psock *s = psock_new(XFER_FIRST_ID, probe.window);
	struct xfer_http h = { .d = digest_new() };
	char req[600], hex[65];
	double t0 = plink_now_s(), t1;
	int64_t end = plink_now_ms() + probe.timeout_ms;
	size_t len, off = 0;
	int err, status = 0;

	if (probe.out && !(h.out = fopen(probe.out, "wb"))) {
		fprintf(stderr, "k210-probe: %s: %s\n", probe.out, strerror(errno));
		return 1;
	}
	err = psock_open(s, xfer_kind(), host, port, probe.timeout_ms);
	if (err)
		return probe_fail(err, "get");
	s->ctx = &h;
	s->on_data = xfer_http_data;
	len = (size_t)snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
	while (!s->closed && plink_now_ms() < end) {
		if (off < len)
			off += psock_send(s, (const uint8_t *)req + off, len - off);
		plink_poll(50, NULL, 0);
	}
	t1 = plink_now_s();
	digest_end(h.d, hex);
	if (h.out)
		fclose(h.out);
	sscanf(h.head, "HTTP/%*s %d", &status);
	printf("status=%d\nbytes=%llu\nsha256=%s\nseconds=%.3f\nBps=%.0f\nratio=%.3f\n", status,
	       (unsigned long long)h.body, hex, t1 - t0, (double)h.body / (t1 - t0),
	       xfer_ratio((double)h.body / (t1 - t0)));
	if (!s->closed)
		return probe_fail(PROTO_ETIMEDOUT, "get");
	return s->close_err == PROTO_OK && status == 200 ? 0 : 1;
}

/* ---- transfer and bench-download: checked parallel streams ---- */

struct xfer_stream {
	struct psock *s;
	uint32_t down_seed, up_seed;
	struct pattern down_pat, up_pat;
	uint64_t down_got, up_sent;
	struct digest *up_digest;
	char up_hex[65];
	char trailer[XFER_TRAILER + 1];
	size_t trailer_len;
	uint8_t up_buf[XFER_CHUNK];
	size_t up_have, up_off;
	char cmd[64];
	size_t cmd_len, cmd_off;
	uint64_t unread;            /* received, not yet taken by the (slow) reader */
	double t_start, t_end;
	bool bad, done;
	const char *why;
};

static struct xfer_stream xs[XFER_STREAMS];

static void xfer_stream_data(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *from)
{
	struct xfer_stream *x = s->ctx;
	uint8_t want[XFER_CHUNK];

	(void)from;
	while (n > 0 && x->down_got < probe.down) {
		size_t take = n;

		if (take > probe.down - x->down_got)
			take = (size_t)(probe.down - x->down_got);
		if (take > sizeof(want))
			take = sizeof(want);
		pattern_fill(&x->down_pat, want, take);
		if (memcmp(want, p, take) != 0 && !x->bad) {
			x->bad = true;
			x->why = "downloaded bytes differ";
		}
		x->down_got += take;
		p += take;
		n -= take;
		if (probe.read_rate)
			x->unread += take;
		else
			psock_consumed(s, take);
		x->t_end = plink_now_s();
	}
	if (n > 0) {
		/* The upload's SHA-256 from the server, after the download. */
		if (x->trailer_len + n > XFER_TRAILER) {
			x->bad = true;
			x->why = "unexpected bytes after the download";
			n = XFER_TRAILER - x->trailer_len;
		}
		memcpy(x->trailer + x->trailer_len, p, n);
		x->trailer_len += n;
		psock_consumed(s, n);
		x->t_end = plink_now_s();
	}
}

static void xfer_stream_push(struct xfer_stream *x)
{
	struct psock *s = x->s;

	if (x->cmd_off < x->cmd_len)
		x->cmd_off += psock_send(s, (const uint8_t *)x->cmd + x->cmd_off, x->cmd_len - x->cmd_off);
	if (x->cmd_off < x->cmd_len)
		return;
	while (x->up_sent < probe.up || x->up_off < x->up_have) {
		size_t n;

		if (x->up_off == x->up_have) {
			size_t want = sizeof(x->up_buf);

			if (want > probe.up - x->up_sent)
				want = (size_t)(probe.up - x->up_sent);
			pattern_fill(&x->up_pat, x->up_buf, want);
			digest_add(x->up_digest, x->up_buf, want);
			x->up_sent += want;
			x->up_have = want;
			x->up_off = 0;
		}
		n = psock_send(s, x->up_buf + x->up_off, x->up_have - x->up_off);
		x->up_off += n;
		if (n == 0)
			return;
	}
}

/* The slow reader takes bytes at read_rate and only then gives credit back. */
static void xfer_stream_read(struct xfer_stream *x, double now)
{
	double allowed = (now - x->t_start) * (double)probe.read_rate;
	uint64_t taken = x->down_got - x->unread;

	if (!probe.read_rate || x->unread == 0 || allowed <= (double)taken)
		return;
	{
		uint64_t n = (uint64_t)allowed - taken;

		if (n > x->unread)
			n = x->unread;
		x->unread -= n;
		psock_consumed(x->s, (size_t)n);
	}
}

static bool xfer_stream_check(struct xfer_stream *x)
{
	if (x->done)
		return true;
	if (!x->s->closed)
		return false;
	x->done = true;
	if (x->s->close_err != PROTO_OK && !x->bad) {
		x->bad = true;
		x->why = proto_err_str(x->s->close_err);
	}
	if (x->down_got != probe.down && !x->bad) {
		x->bad = true;
		x->why = "download short";
	}
	digest_end(x->up_digest, x->up_hex);
	x->up_digest = NULL;
	if (probe.up && !x->bad) {
		if (x->trailer_len != XFER_TRAILER || strncmp(x->trailer, x->up_hex, 64) != 0) {
			x->bad = true;
			x->why = "upload checksum differs";
		}
	}
	return true;
}

/* Opens stream i: a socket to the test server and the command it will send. */
static int xfer_stream_open(unsigned i, const char *host, uint16_t port)
{
	struct xfer_stream *x = &xs[i];
	int err;

	memset(x, 0, sizeof(*x));
	x->s = psock_new((uint16_t)(XFER_FIRST_ID + i), probe.window);
	x->s->ctx = x;
	x->s->on_data = xfer_stream_data;
	x->down_seed = probe.seed * 100u + i + 1;
	x->up_seed = probe.seed * 100u + 50u + i;
	pattern_init(&x->down_pat, x->down_seed);
	pattern_init(&x->up_pat, x->up_seed);
	x->up_digest = digest_new();
	if (probe.up == 0)
		snprintf(x->cmd, sizeof(x->cmd), "GET %llu %u\n", (unsigned long long)probe.down, x->down_seed);
	else if (probe.down == 0)
		snprintf(x->cmd, sizeof(x->cmd), "PUT %llu\n", (unsigned long long)probe.up);
	else
		snprintf(x->cmd, sizeof(x->cmd), "BOTH %llu %u %llu\n", (unsigned long long)probe.down,
			 x->down_seed, (unsigned long long)probe.up);
	x->cmd_len = strlen(x->cmd);
	err = psock_open(x->s, xfer_kind(), host, port, probe.timeout_ms);
	if (err)
		return probe_fail(err, "transfer: connect");
	x->t_start = x->t_end = plink_now_s();
	return 0;
}

static int xfer_report(double t_first, double t_last, bool all_done)
{
	double total = 0, sum_rate = 0, min_r = 1e30, max_r = 0, mean, spread = 0;
	int failed = 0;

	for (unsigned i = 0; i < probe.streams; i++) {
		struct xfer_stream *x = &xs[i];
		double secs = x->t_end > x->t_start ? x->t_end - x->t_start : 1e-9;

		if (!x->s) {
			printf("stream=%u ok=0 why=never opened\n", i);
			failed++;
			continue;
		}
		double rate = (double)(x->down_got + x->up_sent) / secs;

		total += (double)(x->down_got + x->up_sent);
		sum_rate += rate;
		if (rate < min_r)
			min_r = rate;
		if (rate > max_r)
			max_r = rate;
		printf("stream=%u down=%llu up=%llu seconds=%.3f Bps=%.0f ratio=%.3f ok=%d%s%s\n", i,
		       (unsigned long long)x->down_got, (unsigned long long)x->up_sent, secs, rate, xfer_ratio(rate),
		       !x->bad && x->done, x->why ? " why=" : "", x->why ? x->why : "");
		if (x->bad || !x->done)
			failed++;
	}
	mean = sum_rate / probe.streams;
	if (mean > 0)
		spread = (max_r - mean > mean - min_r ? max_r - mean : mean - min_r) / mean * 100.0;
	printf("streams=%u\nbaud=%u\nseconds=%.3f\naggregate_Bps=%.0f\naggregate_ratio=%.3f\n"
	       "min_ratio=%.3f\nmax_ratio=%.3f\nspread_pct=%.1f\nfailed=%d\n",
	       probe.streams, plink_baud(), t_last - t_first, total / (t_last - t_first),
	       xfer_ratio(total / (t_last - t_first)), xfer_ratio(min_r), xfer_ratio(max_r), spread, failed);
	if (probe.expect_fail)
		return failed ? 0 : 1;
	return failed || !all_done ? 1 : 0;
}

/* Streams open, at most --parallel at a time (the board has five links); the next opens as one ends. */
int xfer_transfer(const char *host, uint16_t port)
{
	int64_t end = plink_now_ms() + probe.timeout_ms;
	unsigned parallel = probe.parallel ? probe.parallel : probe.streams, opened = 0, running = 0;
	double t_first, t_last;
	bool all = false;
	int rc;

	if (probe.streams == 0 || probe.streams > XFER_STREAMS) {
		fprintf(stderr, "k210-probe: --streams 1..%d\n", XFER_STREAMS);
		return 2;
	}
	memset(xs, 0, sizeof(xs));
	t_first = plink_now_s();
	while (!all && plink_now_ms() < end) {
		double now = plink_now_s();

		while (opened < probe.streams && running < parallel) {
			rc = xfer_stream_open(opened++, host, port);
			if (rc)
				return rc;
			running++;
		}
		all = opened == probe.streams;
		running = 0;
		for (unsigned i = 0; i < opened; i++) {
			xfer_stream_push(&xs[i]);
			xfer_stream_read(&xs[i], now);
			if (!xfer_stream_check(&xs[i])) {
				all = false;
				running++;
			}
		}
		if (!all && (running == parallel || opened == probe.streams))
			plink_poll(probe.read_rate ? 5 : 20, NULL, 0);
	}
	/* From the first stream's start: connects before it are not transfer time. */
	if (opened > 0 && xs[0].t_start > 0)
		t_first = xs[0].t_start;
	t_last = t_first;
	for (unsigned i = 0; i < opened; i++)
		if (xs[i].t_end > t_last)
			t_last = xs[i].t_end;
	rc = xfer_report(t_first, t_last, all);
	for (unsigned i = 0; i < opened; i++)
		psock_close(xs[i].s, 2000);
	return rc;
}

/* ---- accept-close: connects to a server that closes at once, each with a definite end ---- */

#define XFER_CLOSE_WAIT_MS 10000
#define XFER_HANGS_MAX 3

int xfer_accept_close(const char *host, uint16_t port)
{
	unsigned opened = 0, refused = 0, closed = 0, clean = 0, hung = 0, k;
	uint64_t bytes = 0;

	for (k = 0; k < probe.count && hung < XFER_HANGS_MAX && !plink_broken(); k++) {
		struct psock *s = psock_new((uint16_t)(XFER_FIRST_ID + k % 1000), probe.window);
		int64_t end = plink_now_ms() + XFER_CLOSE_WAIT_MS;
		int err = psock_open(s, xfer_kind(), host, port, probe.timeout_ms);

		if (err == PROTO_ETIMEDOUT && !s->open) {
			/* No answer at all is a hang too. */
			hung++;
			psock_free(s);
			continue;
		}
		if (err) {
			refused++;
			psock_free(s);
			continue;
		}
		opened++;
		s->on_data = xfer_count;
		while (!s->closed && plink_now_ms() < end && !plink_broken())
			plink_poll(20, NULL, 0);
		if (s->closed) {
			closed++;
			clean += s->close_err == PROTO_OK;
		} else {
			hung++;
			fprintf(stderr, "k210-probe: accept-close: socket %u got no EV_CLOSED\n", s->id);
		}
		bytes += s->rx_bytes;
		psock_close(s, probe.timeout_ms);
		psock_free(s);
	}
	printf("connects=%u\nopened=%u\nrefused=%u\nclosed=%u\nclean=%u\nhung=%u\nbytes=%llu\n", k, opened, refused,
	       closed, clean, hung, (unsigned long long)bytes);
	return hung == 0 && k == probe.count ? 0 : 1;
}

/* ---- first-byte: connect, wait for the server's first byte, close ---- */

static int xfer_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int xfer_first_byte(const char *host, uint16_t port)
{
	double *ms = calloc(probe.count ? probe.count : 1, sizeof(double));
	unsigned got = 0;

	for (unsigned k = 0; k < probe.count; k++) {
		struct psock *s = psock_new((uint16_t)(XFER_FIRST_ID + k % 1000), probe.window);
		double t0 = plink_now_s();
		int64_t end = plink_now_ms() + probe.timeout_ms;
		int err = psock_open(s, xfer_kind(), host, port, probe.timeout_ms);

		if (err)
			return probe_fail(err, "first-byte: connect");
		while (s->rx_bytes == 0 && !s->closed && plink_now_ms() < end)
			plink_poll(1, NULL, 0);
		if (s->rx_bytes == 0)
			return probe_fail(s->closed ? s->close_err : PROTO_ETIMEDOUT, "first-byte: no data");
		ms[got++] = (plink_now_s() - t0) * 1000.0;
		psock_close(s, probe.timeout_ms);
		psock_free(s);
	}
	qsort(ms, got, sizeof(double), xfer_cmp);
	printf("count=%u\nmin_ms=%.2f\nmedian_ms=%.2f\np90_ms=%.2f\nmax_ms=%.2f\n", got, ms[0], ms[got / 2],
	       ms[(got * 9) / 10 < got ? (got * 9) / 10 : got - 1], ms[got - 1]);
	free(ms);
	return 0;
}

/* ---- udp-echo ---- */

struct xfer_udp {
	unsigned received, bad;
	struct msg_addr from;
};

static void xfer_udp_data(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *from)
{
	struct xfer_udp *u = s->ctx;
	uint8_t want[PROTO_DATA_MAX];

	memset(want, 'u', sizeof(want));
	if (n != probe.size || memcmp(p, want, n) != 0)
		u->bad++;
	else
		u->received++;
	if (from)
		u->from = *from;
	psock_consumed(s, n);
}

int xfer_udp_echo(const char *host, uint16_t port)
{
	struct psock *s = psock_new(XFER_UDP_ID, probe.window);
	struct xfer_udp u = { 0 };
	struct msg_addr to = { .port = port };
	uint8_t data[PROTO_DATA_MAX];
	unsigned a, b, c, d, sent = 0;
	int64_t end;
	int err;

	if (!probe.size)
		probe.size = 64;
	if (probe.size > PROTO_DATA_MAX || sscanf(host, "%u.%u.%u.%u", &a, &b, &c, &d) != 4) {
		fprintf(stderr, "k210-probe: udp-echo wants a dotted IPv4 host and --size up to 2048\n");
		return 2;
	}
	to.ip[0] = (uint8_t)a;
	to.ip[1] = (uint8_t)b;
	to.ip[2] = (uint8_t)c;
	to.ip[3] = (uint8_t)d;
	memset(data, 'u', sizeof(data));
	err = psock_open(s, 0, NULL, 0, probe.timeout_ms);
	if (err)
		return probe_fail(err, "udp-echo: bind");
	s->ctx = &u;
	s->on_data = xfer_udp_data;
	end = plink_now_ms() + probe.timeout_ms;
	while (sent < probe.count && plink_now_ms() < end) {
		int64_t wait = plink_now_ms() + 1000;

		if (!psock_sendto(s, data, probe.size, &to)) {
			plink_poll(5, NULL, 0);
			continue;
		}
		sent++;
		/* One at a time: UDP may drop what piles up, and this counts round trips. */
		while (u.received + u.bad < sent && plink_now_ms() < wait)
			plink_poll(5, NULL, 0);
	}
	printf("sent=%u\nreceived=%u\nbad=%u\nlost=%u\nfrom_port=%u\n", sent, u.received, u.bad,
	       sent - u.received - u.bad, u.from.port);
	psock_close(s, probe.timeout_ms);
	return u.received == probe.count && u.bad == 0 ? 0 : 1;
}

/* ---- listen: an echo server on the board ---- */

static unsigned xfer_accepted, xfer_finished;

static void xfer_echo(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *from)
{
	(void)from;
	/* Echo what the window allows; the rest is dropped and the run fails. */
	if (psock_send(s, p, n) != n) {
		fprintf(stderr, "k210-probe: echo could not keep up\n");
		exit(1);
	}
	psock_consumed(s, n);
}

static void xfer_listen_event(const struct msg *m)
{
	struct psock *s;
	char ip[20];

	if (m->type == PROTO_EV_ACCEPTED) {
		s = psock_new(m->u.accepted.new_sock, probe.window);
		if (!s)
			return;
		s->open = true;
		s->tx_credit = m->u.accepted.tx_window;
		s->on_data = xfer_echo;
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", m->u.accepted.remote.ip[0], m->u.accepted.remote.ip[1],
			 m->u.accepted.remote.ip[2], m->u.accepted.remote.ip[3]);
		printf("accepted=%u remote=%s:%u\n", m->u.accepted.new_sock, ip, m->u.accepted.remote.port);
		fflush(stdout);
		xfer_accepted++;
	} else if (m->type == PROTO_EV_CLOSED && m->sock != XFER_LISTENER_ID) {
		xfer_finished++;
	}
}

int xfer_listen(uint16_t port)
{
	struct msg req, resp;
	int64_t end = plink_now_ms() + probe.timeout_ms;

	plink_on_event(xfer_listen_event);
	msg_init(&req, PROTO_LISTEN);
	req.sock = XFER_LISTENER_ID;
	req.u.listen.port = port;
	req.u.listen.backlog = 4;
	req.u.listen.rx_window = probe.window;
	if (!plink_call(&req, &resp, probe.timeout_ms))
		return probe_fail(PROTO_ETIMEDOUT, "listen");
	if (resp.err)
		return probe_fail(resp.err, "listen");
	printf("listening=%u\n", port);
	fflush(stdout);
	while (xfer_finished < probe.count && plink_now_ms() < end)
		plink_poll(50, NULL, 0);
	msg_init(&req, PROTO_CLOSE);
	req.sock = XFER_LISTENER_ID;
	plink_call(&req, &resp, probe.timeout_ms);
	printf("accepted_total=%u\nfinished=%u\n", xfer_accepted, xfer_finished);
	return xfer_finished >= probe.count ? 0 : 1;
}
