#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "plink.h"
#include "proto.h"
#include "tty.h"

#define PLINK_SOCKS 64
#define PLINK_IO 2048
#define PLINK_FDS 16
/* Bytes left queued in the tty before more frames are taken from the link. */
#define PLINK_QUEUE_MAX 1024

static struct {
	int fd;
	int verbose;
	struct link link;
	uint8_t *mem;
	struct msg_reader reader;
	uint8_t out[PLINK_IO];
	size_t out_len, out_off;
	bool up;
	unsigned sessions;
	bool baud_done, baud_ok;
	bool broken;
	uint16_t tag;
	uint16_t want_tag;
	bool got;
	uint8_t resp_raw[PROTO_MSG_MAX];
	size_t resp_len;
	plink_event_fn on_event;
	struct psock socks[PLINK_SOCKS];
	struct psock *opening;   /* its CONNECT or UDP_BIND is not answered yet */
} pl = { .fd = -1 };

int64_t plink_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double plink_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t plink_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}


bool plink_broken(void)
{
	return pl.broken;
}

static void plink_broke(const char *why)
{
	fprintf(stderr, "k210-probe: board broke the protocol: %s\n", why);
	pl.broken = true;
}

struct psock *psock_find(uint16_t id)
{
	for (int i = 0; i < PLINK_SOCKS; i++)
		if (pl.socks[i].used && pl.socks[i].id == id)
			return &pl.socks[i];
	return NULL;
}

static void plink_data(const struct msg *m)
{
	struct psock *s = psock_find(m->sock);

	if (!s) {
		plink_broke("data for an unknown socket");
		return;
	}
	if (m->u.data.len > s->rx_allowed) {
		plink_broke("more data than credit");
		return;
	}
	s->rx_allowed -= m->u.data.len;
	s->rx_bytes += m->u.data.len;
	if (s->on_data)
		s->on_data(s, m->u.data.data, m->u.data.len, m->type == PROTO_DATAGRAM ? &m->u.data.addr : NULL);
}

static void plink_message(const uint8_t *buf, size_t len)
{
	struct msg m;
	struct psock *s;

	if (msg_decode(&m, buf, len) != MSG_OK) {
		plink_broke("undecodable message");
		return;
	}
	if (PROTO_IS_RESPONSE(m.type)) {
		if (m.tag == pl.want_tag && !pl.got) {
			memcpy(pl.resp_raw, buf, len);
			pl.resp_len = len;
			pl.got = true;
			pl.opening = NULL;
		}
		return;
	}
	/* The answer opens a socket; nothing may be said about it before. */
	if (pl.opening && m.sock == pl.opening->id &&
	    (m.type == PROTO_DATA || m.type == PROTO_DATAGRAM || m.type == PROTO_CREDIT || m.type == PROTO_EV_CLOSED)) {
		plink_broke(m.type == PROTO_EV_CLOSED ? "EV_CLOSED before the answer that opens its socket"
						      : "data before the answer that opens its socket");
		return;
	}
	switch (m.type) {
	case PROTO_DATA:
	case PROTO_DATAGRAM:
		plink_data(&m);
		break;
	case PROTO_CREDIT:
		s = psock_find(m.sock);
		if (s)
			s->tx_credit += m.u.credit.bytes;
		break;
	case PROTO_EV_CLOSED:
		s = psock_find(m.sock);
		if (s) {
			s->closed = true;
			s->open = false;
			s->close_err = m.u.closed.err;
		}
		if (pl.on_event)
			pl.on_event(&m);
		break;
	case PROTO_EV_LOG:
		if (pl.verbose)
			fprintf(stderr, "board: %s\n", m.u.log.text);
		break;
	default:
		if (pl.verbose > 1)
			fprintf(stderr, "k210-probe: %s\n", proto_type_name(m.type));
		if (pl.on_event)
			pl.on_event(&m);
		break;
	}
}

static void plink_deliver(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	while (len > 0) {
		enum msg_status st;
		const uint8_t *msg;
		size_t msglen = 0, used = msg_reader_feed(&pl.reader, data, len, &st, &msg, &msglen);

		data += used;
		len -= used;
		if (st == MSG_OK) {
			plink_message(msg, msglen);
		} else if (st == MSG_EOVERSIZE) {
			plink_broke("oversized message");
			return;
		}
	}
}

static void plink_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	switch (ev->type) {
	case LINK_EV_UP:
		pl.up = true;
		pl.sessions++;
		msg_reader_reset(&pl.reader);
		if (pl.verbose)
			fprintf(stderr, "k210-probe: session up (board %s)\n",
				ev->u.up.peer_rebooted ? "rebooted" : "same");
		break;
	case LINK_EV_DOWN:
		pl.up = false;
		if (pl.verbose)
			fprintf(stderr, "k210-probe: session down\n");
		/* Every socket of the session is gone. */
		for (int i = 0; i < PLINK_SOCKS; i++) {
			if (pl.socks[i].used && !pl.socks[i].closed) {
				pl.socks[i].closed = true;
				pl.socks[i].open = false;
				pl.socks[i].close_err = PROTO_ECONNRESET;
			}
		}
		break;
	case LINK_EV_BAUD:
		pl.baud_done = true;
		pl.baud_ok = ev->u.baud.ok;
		break;
	case LINK_EV_VERSION:
		fprintf(stderr, "k210-probe: the board speaks protocol %u.%u\n", ev->u.version.major,
			ev->u.version.minor);
		break;
	}
}

static void plink_set_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	tcdrain(pl.fd);
	tty_raw(pl.fd, baud);
}

static const struct link_ops plink_ops = {
	.deliver = plink_deliver,
	.event = plink_event,
	.set_baud = plink_set_baud,
};

/*
 * Bytes the line has not sent yet.  Frames wait inside the link rather than
 * in the kernel: a frame the link hands out starts its retransmission
 * clock, and time spent queued in the tty would look like a slow round trip.
 */
static bool plink_line_busy(void)
{
	int queued = 0;

	return ioctl(pl.fd, TIOCOUTQ, &queued) == 0 && queued > PLINK_QUEUE_MAX;
}

static void plink_flush(void)
{
	for (;;) {
		ssize_t w;

		if (pl.out_off == pl.out_len) {
			if (plink_line_busy())
				return;
			pl.out_len = link_output(&pl.link, plink_now_us(), pl.out, sizeof(pl.out));
			pl.out_off = 0;
			if (pl.out_len == 0)
				return;
		}
		w = write(pl.fd, pl.out + pl.out_off, pl.out_len - pl.out_off);
		if (w <= 0)
			return;
		pl.out_off += (size_t)w;
	}
}

void plink_poll(int timeout_ms, struct pollfd *extra, int nextra)
{
	struct pollfd fds[PLINK_FDS];
	uint64_t now = plink_now_us(), deadline = link_deadline(&pl.link);
	int n = 0, t = timeout_ms;

	plink_flush();
	/* Frames wait for the tty queue to shrink: look again soon. */
	if (pl.out_off == pl.out_len && link_pending(&pl.link) && t > 1)
		t = 1;
	if (deadline <= now)
		t = 0;
	else if ((deadline - now) / 1000 < (uint64_t)t)
		t = (int)((deadline - now) / 1000) + 1;
	fds[n++] = (struct pollfd){ .fd = pl.fd, .events = (short)(POLLIN | (pl.out_off < pl.out_len ? POLLOUT : 0)) };
	for (int i = 0; i < nextra && n < PLINK_FDS; i++)
		fds[n++] = extra[i];
	poll(fds, (nfds_t)n, t);
	for (int i = 0; i < nextra && i + 1 < PLINK_FDS; i++)
		extra[i].revents = fds[i + 1].revents;
	if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		uint8_t buf[PLINK_IO];
		ssize_t r = read(pl.fd, buf, sizeof(buf));

		if (r > 0)
			link_input(&pl.link, plink_now_us(), buf, (size_t)r);
		else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			fprintf(stderr, "k210-probe: the serial line is gone\n");
			exit(3);
		}
	}
	plink_flush();
}

bool plink_wait_up(int timeout_ms)
{
	int64_t end = plink_now_ms() + timeout_ms;

	while (!pl.up && plink_now_ms() < end)
		plink_poll((int)(end - plink_now_ms()), NULL, 0);
	return pl.up;
}

int plink_open(const char *path, uint32_t baud, int verbose)
{
	struct link_config cfg;

	pl.verbose = verbose;
	pl.fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (pl.fd < 0) {
		fprintf(stderr, "k210-probe: %s: %s\n", path, strerror(errno));
		return -1;
	}
	tty_raw(pl.fd, LINK_BASE_BAUD);
	link_config_default(&cfg);
	cfg.boot_id = (uint32_t)plink_now_us() ^ (uint32_t)getpid() << 12;
	cfg.max_baud = baud > LINK_BASE_BAUD ? baud : LINK_BASE_BAUD;
	pl.mem = malloc(link_mem_size(&cfg));
	if (!pl.mem || !link_init(&pl.link, &cfg, &plink_ops, NULL, pl.mem, link_mem_size(&cfg), plink_now_us()))
		return -1;
	msg_reader_reset(&pl.reader);
	if (!plink_wait_up(10000)) {
		fprintf(stderr, "k210-probe: no session with the board on %s\n", path);
		return -1;
	}
	if (baud > LINK_BASE_BAUD) {
		int64_t end = plink_now_ms() + 5000;

		if (!link_request_baud(&pl.link, baud)) {
			fprintf(stderr, "k210-probe: the board does not go to %u baud\n", baud);
			return -1;
		}
		while (!pl.baud_done && plink_now_ms() < end)
			plink_poll(50, NULL, 0);
		if (!pl.baud_ok) {
			fprintf(stderr, "k210-probe: moving to %u baud failed\n", baud);
			return -1;
		}
	}
	return 0;
}

void plink_close(void)
{
	int64_t end = plink_now_ms() + 500;
	struct link_stats st;

	link_get_stats(&pl.link, &st);
	if (pl.verbose)
		fprintf(stderr, "k210-probe: link frames_tx=%llu frames_rx=%llu retransmits=%llu timeouts=%llu "
			"crc_errors=%llu srtt_us=%u payload=%u\n", (unsigned long long)st.frames_tx,
			(unsigned long long)st.frames_rx, (unsigned long long)st.retransmits,
			(unsigned long long)st.timeouts, (unsigned long long)st.crc_errors, st.srtt_us, st.payload);

	/* Leave politely: the board then forgets the session at once. */
	while (pl.up && !link_drained(&pl.link) && plink_now_ms() < end)
		plink_poll(10, NULL, 0);
	link_close(&pl.link, plink_now_us());
	plink_flush();
	tcdrain(pl.fd);
	close(pl.fd);
	pl.fd = -1;
}

uint32_t plink_baud(void)
{
	return link_baud(&pl.link);
}

bool plink_up(void)
{
	return pl.up;
}

unsigned plink_sessions(void)
{
	return pl.sessions;
}

void plink_on_event(plink_event_fn fn)
{
	pl.on_event = fn;
}

bool plink_send(const struct msg *m)
{
	uint8_t buf[PROTO_MSG_MAX];
	size_t len = msg_encode(m, buf, sizeof(buf));

	if (len == 0 || !pl.up || link_writable(&pl.link) < len)
		return false;
	link_write(&pl.link, buf, len);
	return true;
}

bool plink_call(struct msg *req, struct msg *resp, int timeout_ms)
{
	int64_t end = plink_now_ms() + timeout_ms;
	unsigned session = pl.sessions;

	req->tag = ++pl.tag;
	pl.want_tag = req->tag;
	pl.got = false;
	while (!plink_send(req)) {
		if (plink_now_ms() >= end || !pl.up)
			return false;
		plink_poll(10, NULL, 0);
	}
	while (!pl.got) {
		if (plink_now_ms() >= end || !pl.up || pl.sessions != session)
			return false;
		plink_poll((int)(end - plink_now_ms()), NULL, 0);
	}
	return msg_decode(resp, pl.resp_raw, pl.resp_len) == MSG_OK;
}

struct psock *psock_new(uint16_t id, uint32_t rx_window)
{
	for (int i = 0; i < PLINK_SOCKS; i++) {
		struct psock *s = &pl.socks[i];

		if (s->used)
			continue;
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->id = id;
		s->rx_window = s->rx_allowed = rx_window;
		return s;
	}
	return NULL;
}

void psock_free(struct psock *s)
{
	s->used = false;
}

int psock_open(struct psock *s, uint8_t kind, const char *host, uint16_t port, int timeout_ms)
{
	struct msg req, resp;

	if (host) {
		msg_init(&req, PROTO_CONNECT);
		req.u.connect.kind = kind;
		req.u.connect.port = port;
		req.u.connect.rx_window = s->rx_window;
		snprintf(req.u.connect.host, sizeof(req.u.connect.host), "%s", host);
	} else {
		msg_init(&req, PROTO_UDP_BIND);
		req.u.bind.local_port = port;
		req.u.bind.rx_window = s->rx_window;
	}
	req.sock = s->id;
	pl.opening = s;
	if (!plink_call(&req, &resp, timeout_ms)) {
		pl.opening = NULL;
		return PROTO_ETIMEDOUT;
	}
	if (resp.err == PROTO_OK) {
		s->open = true;
		s->tx_credit = resp.u.opened.tx_window;
	}
	return resp.err;
}

size_t psock_send(struct psock *s, const uint8_t *p, size_t n)
{
	size_t done = 0;

	while (done < n && s->open) {
		struct msg m;
		size_t chunk = n - done;

		if (chunk > PROTO_DATA_MAX)
			chunk = PROTO_DATA_MAX;
		if (chunk > s->tx_credit)
			chunk = s->tx_credit;
		if (chunk == 0)
			break;
		msg_init(&m, PROTO_DATA);
		m.sock = s->id;
		m.u.data.data = p + done;
		m.u.data.len = (uint16_t)chunk;
		if (!plink_send(&m))
			break;
		s->tx_credit -= (uint32_t)chunk;
		s->tx_bytes += chunk;
		done += chunk;
	}
	return done;
}

bool psock_sendto(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *to)
{
	struct msg m;

	if (!s->open || n > s->tx_credit || n > PROTO_DATA_MAX)
		return false;
	msg_init(&m, PROTO_DATAGRAM);
	m.sock = s->id;
	m.u.data.addr = *to;
	m.u.data.data = p;
	m.u.data.len = (uint16_t)n;
	if (!plink_send(&m))
		return false;
	s->tx_credit -= (uint32_t)n;
	s->tx_bytes += n;
	return true;
}

void psock_consumed(struct psock *s, size_t n)
{
	struct msg m;

	s->rx_owed += (uint32_t)n;
	/* Credit in batches: a quarter of the window at a time. */
	if (s->rx_owed < s->rx_window / 4 || s->closed)
		return;
	msg_init(&m, PROTO_CREDIT);
	m.sock = s->id;
	m.u.credit.bytes = s->rx_owed;
	if (plink_send(&m)) {
		s->rx_allowed += s->rx_owed;
		s->rx_owed = 0;
	}
}

int psock_close(struct psock *s, int timeout_ms)
{
	struct msg req, resp;

	if (s->closed) {
		s->open = false;
		return PROTO_OK;
	}
	msg_init(&req, PROTO_CLOSE);
	req.sock = s->id;
	s->open = false;
	if (!plink_call(&req, &resp, timeout_ms))
		return PROTO_ETIMEDOUT;
	s->closed = true;
	return resp.err;
}
