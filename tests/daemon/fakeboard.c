/*
 * fakeboard: a stand-in board for the daemon's tests of its own board code.
 * It speaks the link and the messages on a pseudo-terminal (published as a
 * symlink) and serves CONNECT with real TCP sockets on this machine, so the
 * daemon's flow control, link handling and recovery can be driven without
 * the ESP8285 simulation; and it misbehaves on request (--fault) in ways the
 * emulated board never does.
 *
 *   fakeboard --link PATH [--fault MODE] [--links N]
 *   SIGUSR1: reboot (new boot id), SIGUSR2: unplug for one second,
 *   SIGTERM: exit (removes the link).
 *
 * Faults: garbage (an undecodable message after the first CONNECT answer),
 * oversize (a message header declaring 4000 bytes), overcredit (stream DATA
 * that ignores the credit), badtag (a response nobody asked for), request
 * (requests to the host, a known type and an unknown one, whose refusals
 * are logged as "fakeboard: request 0xNN refused: ENOTSUP"), early (what
 * the remote sends at once, and its close, come before the CONNECT answer).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "msg.h"
#include "wire.h"

#define FB_SOCKS 8
#define FB_WINDOW 8192       /* what the host may send per socket before CREDIT */
#define FB_PROBE_TAG 0x4b42  /* requests of the "request" fault */
#define FB_EARLY_WAIT_US 300000  /* "early": how long the remote's first bytes are awaited */

struct fb_sock {
	uint16_t id;
	int fd;
	bool connecting;
	uint16_t tag;             /* CONNECT awaiting its answer */
	uint32_t credit;          /* bytes we may still send to the host */
	uint8_t out[FB_WINDOW];   /* host bytes not yet written to TCP */
	size_t out_len;
	bool eof;
};

static struct link fb_link;
static void *fb_mem;
static struct link_config fb_cfg;
static struct msg_reader fb_reader;
static struct fb_sock fb_socks[FB_SOCKS];
static int fb_master = -1, fb_slave = -1;
static const char *fb_path;
static const char *fb_fault = "";
static unsigned fb_links = 5;
static bool fb_fault_done;
static volatile sig_atomic_t fb_sig_reboot, fb_sig_unplug, fb_sig_term;

static uint64_t fb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void fb_send(const struct msg *m)
{
	uint8_t buf[PROTO_MSG_MAX];
	size_t n = msg_encode(m, buf, sizeof(buf));

	if (n && link_writable(&fb_link) >= n)
		link_write(&fb_link, buf, n);
}

static void fb_send_raw(const uint8_t *p, size_t n)
{
	if (link_writable(&fb_link) >= n)
		link_write(&fb_link, p, n);
}

static struct fb_sock *fb_find(uint16_t id)
{
	for (int i = 0; i < FB_SOCKS; i++)
		if (fb_socks[i].fd >= 0 && fb_socks[i].id == id)
			return &fb_socks[i];
	return NULL;
}

static unsigned fb_used(void)
{
	unsigned n = 0;

	for (int i = 0; i < FB_SOCKS; i++)
		n += fb_socks[i].fd >= 0;
	return n;
}

static void fb_close(struct fb_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->out_len = 0;
	s->eof = false;
	s->connecting = false;
}

static void fb_closed(struct fb_sock *s, uint8_t err)
{
	struct msg m;

	msg_init(&m, PROTO_EV_CLOSED);
	m.sock = s->id;
	m.u.closed.err = err;
	fb_send(&m);
	fb_close(s);
}

static void fb_reset_all(void)
{
	for (int i = 0; i < FB_SOCKS; i++)
		fb_close(&fb_socks[i]);
	msg_reader_reset(&fb_reader);
}

static void fb_connect(const struct msg *req)
{
	struct msg resp;
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	char port[8];
	struct fb_sock *s = NULL;

	msg_init_response(&resp, req, PROTO_OK);
	if (fb_find(req->sock)) {
		resp.err = PROTO_EALREADY;
		fb_send(&resp);
		return;
	}
	if (fb_used() >= fb_links || req->u.connect.kind != PROTO_KIND_TCP) {
		resp.err = fb_used() >= fb_links ? PROTO_EMFILE : PROTO_ENOTSUP;
		fb_send(&resp);
		return;
	}
	for (int i = 0; i < FB_SOCKS; i++)
		if (fb_socks[i].fd < 0)
			s = &fb_socks[i];
	snprintf(port, sizeof(port), "%u", req->u.connect.port);
	if (getaddrinfo(req->u.connect.host, port, &hints, &ai) != 0) {
		resp.err = PROTO_ENOHOST;
		fb_send(&resp);
		return;
	}
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		resp.err = errno == ECONNREFUSED ? PROTO_ECONNREFUSED : PROTO_EHOSTUNREACH;
		freeaddrinfo(ai);
		fb_close(s);
		fb_send(&resp);
		return;
	}
	freeaddrinfo(ai);
	s->id = req->sock;
	s->connecting = true;
	s->tag = req->tag;
	s->credit = req->u.connect.rx_window;
	s->out_len = 0;
}

/*
 * The "early" fault: what the remote sends within a moment of the connect,
 * and its close, go to the host before the CONNECT answer (as a board that
 * flushes its sockets before its answers does).  True when it closed.
 */
static bool fb_early(struct fb_sock *s)
{
	uint64_t until = fb_now() + FB_EARLY_WAIT_US;
	uint8_t buf[PROTO_DATA_MAX];

	for (uint64_t now = fb_now(); now < until; now = fb_now()) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		size_t want = s->credit < sizeof(buf) ? s->credit : sizeof(buf);
		struct msg m;
		ssize_t n;

		if (poll(&pfd, 1, (int)((until - now) / 1000) + 1) <= 0 || !want)
			continue;
		n = read(s->fd, buf, want);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0) {
			msg_init(&m, PROTO_EV_CLOSED);
			m.sock = s->id;
			m.u.closed.err = n == 0 ? PROTO_OK : PROTO_ECONNRESET;
			fb_send(&m);
			return true;
		}
		msg_init(&m, PROTO_DATA);
		m.sock = s->id;
		m.u.data.data = buf;
		m.u.data.len = (uint16_t)n;
		fb_send(&m);
		s->credit -= (uint32_t)n;
	}
	return false;
}

static void fb_connected(struct fb_sock *s)
{
	struct msg resp;
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	msg_init(&resp, PROTO_CONNECT | PROTO_RESPONSE);
	resp.tag = s->tag;
	s->connecting = false;
	if (err) {
		resp.err = err == ECONNREFUSED ? PROTO_ECONNREFUSED : PROTO_EHOSTUNREACH;
		fb_send(&resp);
		fb_close(s);
		return;
	}
	resp.u.opened.tx_window = FB_WINDOW;
	resp.u.opened.local_port = 40000;
	if (strcmp(fb_fault, "early") == 0 && fb_early(s)) {
		fb_send(&resp);
		fb_close(s);
		return;
	}
	fb_send(&resp);
	if (strcmp(fb_fault, "garbage") == 0 && !fb_fault_done) {
		/* A CREDIT whose body is too short to decode. */
		static const uint8_t bad[] = { PROTO_CREDIT, 0, 1, 0 };

		fb_fault_done = true;
		fb_send_raw(bad, sizeof(bad));
	} else if (strcmp(fb_fault, "oversize") == 0 && !fb_fault_done) {
		static const uint8_t big[] = { PROTO_EV_LOG, 0x0f, 0xa0 };

		fb_fault_done = true;
		fb_send_raw(big, sizeof(big));
	} else if (strcmp(fb_fault, "badtag") == 0 && !fb_fault_done) {
		struct msg m;

		fb_fault_done = true;
		msg_init(&m, PROTO_STATUS | PROTO_RESPONSE);
		m.tag = 0xfffe;
		m.err = PROTO_EIO;
		fb_send(&m);
	} else if (strcmp(fb_fault, "request") == 0 && !fb_fault_done) {
		static const uint8_t unknown[] = { 0x1d, 0, 2, FB_PROBE_TAG >> 8, FB_PROBE_TAG & 0xff };
		struct msg m;

		fb_fault_done = true;
		msg_init(&m, PROTO_DEVICE_INFO);
		m.tag = FB_PROBE_TAG;
		fb_send(&m);
		fb_send_raw(unknown, sizeof(unknown));
	}
}

static void fb_request(const struct msg *m)
{
	struct msg resp;
	struct fb_sock *s;

	msg_init_response(&resp, m, PROTO_OK);
	switch (m->type) {
	case PROTO_DEVICE_INFO:
		snprintf(resp.u.info.firmware, sizeof(resp.u.info.firmware), "fakeboard 1.0.0");
		snprintf(resp.u.info.at_version, sizeof(resp.u.info.at_version), "none");
		snprintf(resp.u.info.sdk_version, sizeof(resp.u.info.sdk_version), "none");
		snprintf(resp.u.info.board, sizeof(resp.u.info.board), "fake");
		resp.u.info.links_total = (uint8_t)fb_links;
		resp.u.info.links_free = (uint8_t)(fb_links - fb_used());
		resp.u.info.usb_baud = link_baud(&fb_link);
		break;
	case PROTO_WIFI_STATUS:
		resp.u.wstatus.state = PROTO_WIFI_GOT_IP;
		snprintf(resp.u.wstatus.ssid, sizeof(resp.u.wstatus.ssid), "fakenet");
		resp.u.wstatus.ip[0] = 10;
		resp.u.wstatus.ip[3] = 2;
		break;
	case PROTO_RESOLVE: {
		struct addrinfo hints = { .ai_family = AF_INET }, *ai;
		uint8_t body[64];
		struct msg_list_builder b;

		if (getaddrinfo(m->u.resolve.host, NULL, &hints, &ai) != 0) {
			resp.err = PROTO_ENOHOST;
			break;
		}
		msg_list_begin(&b, body, sizeof(body));
		msg_list_add_ip(&b, (const uint8_t *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr);
		freeaddrinfo(ai);
		msg_list_finish(&b, &resp);
		fb_send(&resp);
		return;
	}
	case PROTO_CONNECT:
		fb_connect(m);
		return;
	case PROTO_CLOSE:
		fprintf(stderr, "fakeboard: close %u\n", m->sock);
		s = fb_find(m->sock);
		if (s)
			fb_close(s);
		break;
	default:
		resp.err = PROTO_ENOTSUP;
		break;
	}
	fb_send(&resp);
}

static void fb_message(const uint8_t *buf, size_t len)
{
	struct msg m;
	enum msg_status st = msg_decode(&m, buf, len);
	struct fb_sock *s;

	if (st != MSG_OK) {
		if (PROTO_IS_REQUEST(m.type)) {
			struct msg resp;

			msg_init_response(&resp, &m, st == MSG_ETYPE ? PROTO_ENOTSUP : PROTO_EINVAL);
			fb_send(&resp);
		}
		return;
	}
	if (PROTO_IS_REQUEST(m.type)) {
		fb_request(&m);
		return;
	}
	if (PROTO_IS_RESPONSE(m.type)) {
		if (m.tag == FB_PROBE_TAG)
			fprintf(stderr, "fakeboard: request 0x%02x refused: %s\n",
				m.type & (uint8_t)~PROTO_RESPONSE, proto_err_str(m.err));
		return;
	}
	s = fb_find(m.sock);
	if (!s)
		return;
	if (m.type == PROTO_CREDIT) {
		s->credit += m.u.credit.bytes;
	} else if (m.type == PROTO_DATA) {
		if (m.u.data.len > sizeof(s->out) - s->out_len) {
			fb_closed(s, PROTO_EPROTO);
			return;
		}
		memcpy(s->out + s->out_len, m.u.data.data, m.u.data.len);
		s->out_len += m.u.data.len;
	}
}

static void fb_deliver(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	while (len) {
		enum msg_status st;
		const uint8_t *msg;
		size_t msglen;
		size_t used = msg_reader_feed(&fb_reader, data, len, &st, &msg, &msglen);

		data += used;
		len -= used;
		if (st == MSG_OK)
			fb_message(msg, msglen);
		else if (st != MSG_NEED_MORE)
			msg_reader_reset(&fb_reader);
	}
}

static void fb_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	if (ev->type == LINK_EV_DOWN) {
		fprintf(stderr, "fakeboard: link down (%d)\n", (int)ev->u.down.reason);
		fb_reset_all();
	}
	if (ev->type == LINK_EV_UP) {
		struct msg m;

		fprintf(stderr, "fakeboard: link up\n");
		fb_reset_all();
		msg_init(&m, PROTO_EV_LOG);
		m.u.log.level = PROTO_LOG_INFO;
		snprintf(m.u.log.text, sizeof(m.u.log.text), "fakeboard up");
		fb_send(&m);
	}
}

static void fb_set_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	(void)baud;
}

static const struct link_ops fb_ops = { fb_deliver, fb_event, fb_set_baud };

static void fb_boot(void)
{
	fb_cfg.boot_id = (uint32_t)fb_now() ^ (uint32_t)getpid();
	if (!link_init(&fb_link, &fb_cfg, &fb_ops, NULL, fb_mem, link_mem_size(&fb_cfg), fb_now())) {
		fprintf(stderr, "fakeboard: link_init failed\n");
		exit(1);
	}
	fb_reset_all();
}

static void fb_plug(void)
{
	struct termios t;
	char tmp[4096];

	fb_master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fb_master < 0 || grantpt(fb_master) < 0 || unlockpt(fb_master) < 0) {
		perror("fakeboard: pty");
		exit(1);
	}
	/* Held open so the master never sees a hangup between daemon opens. */
	fb_slave = open(ptsname(fb_master), O_RDWR | O_NOCTTY);
	tcgetattr(fb_slave, &t);
	cfmakeraw(&t);
	tcsetattr(fb_slave, TCSANOW, &t);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fb_path);
	unlink(tmp);
	if (symlink(ptsname(fb_master), tmp) < 0 || rename(tmp, fb_path) < 0) {
		perror("fakeboard: symlink");
		exit(1);
	}
}

static void fb_unplug(void)
{
	unlink(fb_path);
	close(fb_master);
	close(fb_slave);
	fb_master = fb_slave = -1;
}

static void fb_signal(int sig)
{
	if (sig == SIGUSR1)
		fb_sig_reboot = 1;
	else if (sig == SIGUSR2)
		fb_sig_unplug = 1;
	else
		fb_sig_term = 1;
}

/* Pump TCP <-> link for one socket. */
static void fb_pump(struct fb_sock *s, short revents)
{
	if (s->connecting) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			fb_connected(s);
		return;
	}
	if (s->out_len && (revents & POLLOUT)) {
		ssize_t n = write(s->fd, s->out, s->out_len);

		if (n > 0) {
			struct msg m;

			memmove(s->out, s->out + n, s->out_len - (size_t)n);
			s->out_len -= (size_t)n;
			msg_init(&m, PROTO_CREDIT);
			m.sock = s->id;
			m.u.credit.bytes = (uint32_t)n;
			fb_send(&m);
		}
	}
	/* overcredit: keep sending as if the credit never ran out. */
	bool ignore_credit = strcmp(fb_fault, "overcredit") == 0;

	if ((revents & (POLLIN | POLLHUP | POLLERR)) && (s->credit || ignore_credit) &&
	    link_writable(&fb_link) > PROTO_DATA_MAX + 16) {
		uint8_t buf[PROTO_DATA_MAX];
		size_t want = s->credit < sizeof(buf) && !ignore_credit ? s->credit : sizeof(buf);
		ssize_t n;
		struct msg m;

		n = read(s->fd, buf, want);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			fb_closed(s, n == 0 ? PROTO_OK : PROTO_ECONNRESET);
			return;
		}
		msg_init(&m, PROTO_DATA);
		m.sock = s->id;
		m.u.data.data = buf;
		m.u.data.len = (uint16_t)n;
		fb_send(&m);
		if (!ignore_credit)
			s->credit -= (uint32_t)n;
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = fb_signal };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--link") == 0 && i + 1 < argc)
			fb_path = argv[++i];
		else if (strcmp(argv[i], "--fault") == 0 && i + 1 < argc)
			fb_fault = argv[++i];
		else if (strcmp(argv[i], "--links") == 0 && i + 1 < argc)
			fb_links = (unsigned)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: fakeboard --link PATH [--fault MODE] [--links N]\n");
			return 2;
		}
	}
	if (!fb_path || fb_links < 1 || fb_links > FB_SOCKS) {
		fprintf(stderr, "fakeboard: --link PATH is required (links 1..%d)\n", FB_SOCKS);
		return 2;
	}
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < FB_SOCKS; i++)
		fb_socks[i].fd = -1;
	link_config_default(&fb_cfg);
	fb_cfg.window = 16;
	fb_cfg.tx_buffer = 32768;
	fb_mem = malloc(link_mem_size(&fb_cfg));
	fb_boot();
	fb_plug();
	while (!fb_sig_term) {
		struct pollfd pfd[1 + FB_SOCKS];
		uint8_t buf[8192];
		uint64_t now = fb_now(), dl;
		int n = 1, timeout;

		if (fb_sig_reboot) {
			fb_sig_reboot = 0;
			fb_boot();
		}
		if (fb_sig_unplug) {
			fb_sig_unplug = 0;
			fb_unplug();
			sleep(1);
			fb_boot();
			fb_plug();
		}
		for (;;) {
			size_t out = link_output(&fb_link, now, buf, sizeof(buf));

			if (!out)
				break;
			if (write(fb_master, buf, out) < 0 && errno != EAGAIN)
				break;
		}
		pfd[0].fd = fb_master;
		pfd[0].events = POLLIN;
		for (int i = 0; i < FB_SOCKS; i++) {
			struct fb_sock *s = &fb_socks[i];

			pfd[n].fd = s->fd;
			pfd[n].events = 0;
			if (s->fd >= 0) {
				if (s->connecting || s->out_len)
					pfd[n].events |= POLLOUT;
				if (!s->connecting &&
				    (s->credit || strcmp(fb_fault, "overcredit") == 0))
					pfd[n].events |= POLLIN;
			}
			n++;
		}
		dl = link_deadline(&fb_link);
		timeout = dl > now ? (int)((dl - now) / 1000) + 1 : 0;
		if (timeout > 50)
			timeout = 50;
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		now = fb_now();
		if (pfd[0].revents & POLLIN) {
			ssize_t r = read(fb_master, buf, sizeof(buf));

			if (r > 0)
				link_input(&fb_link, now, buf, (size_t)r);
		}
		for (int i = 0; i < FB_SOCKS; i++)
			if (fb_socks[i].fd >= 0 && pfd[1 + i].revents)
				fb_pump(&fb_socks[i], pfd[1 + i].revents);
	}
	unlink(fb_path);
	return 0;
}
