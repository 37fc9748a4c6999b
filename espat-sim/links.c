#include "links.h"
#include "monotime.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "reply.h"
#include "sim.h"
#include "tls.h"
#include "trace.h"

/* The chip hands TCP data to the UART in segments of at most one MSS. */
#define LINKS_CHUNK 1460
/* Passive receive buffer per link: 2920 bytes in NonOS AT, 5760 in ESP-AT 2.x. */
#define LINKS_PASSIVE_1X 2920
#define LINKS_PASSIVE_2X 5760
/* lwIP on the ESP8266 advertises 4 MSS of window and buffers 2 MSS of unsent data. */
#define LINKS_SO_RCVBUF (4 * LINKS_CHUNK)
#define LINKS_SO_SNDBUF (2 * LINKS_CHUNK)
/* The largest datagram handed up whole; the chip's lwIP does not reassemble bigger ones. */
#define LINKS_UDP_MAX 2048
#define LINKS_HEADER_MAX 64
#define LINKS_CONNECT_TIMEOUT_S 10
#define LINKS_SERVER_BACKLOG 5
#define LINKS_DEFAULT_SERVER_TIMEOUT_S 180

struct link {
	enum links_state state;
	enum links_type type;
	int fd;
	struct tls *tls;
	bool handshaking;
	enum tls_status tls_want;
	bool server_child;
	struct sockaddr_in remote;
	uint16_t local_port;
	int udp_mode;
	bool udp_rebound;
	int64_t deadline;
	int64_t last_activity;
	links_done_fn done;
	char host[LINKS_HOST_MAX + 1];
	uint8_t rx[LINKS_PASSIVE_2X];
	size_t rx_len;
	uint8_t tx[LINKS_SEND_MAX];
	size_t tx_len;
	size_t tx_off;
	bool tx_active;
	bool tx_done; /* the socket took everything; SEND OK is due on the next loop turn */
	struct sockaddr_in tx_dest;
	links_sent_fn sent;
};

static struct {
	struct link link[LINKS_MAX];
	bool mux;
	bool passive;
	bool dinfo;
	unsigned ssl_size;
	int server_fd;
	uint16_t server_port;
	unsigned server_timeout_s;
} links = {
	.link = { { .fd = -1 }, { .fd = -1 }, { .fd = -1 }, { .fd = -1 }, { .fd = -1 } },
	.server_fd = -1,
	.server_timeout_s = LINKS_DEFAULT_SERVER_TIMEOUT_S,
};

static void links_on_io(int fd, short revents, void *ctx);

void links_set_mux(bool mux)
{
	links.mux = mux;
}

void links_set_passive(bool passive)
{
	links.passive = passive;
}

void links_set_dinfo(bool dinfo)
{
	links.dinfo = dinfo;
}

void links_set_ssl_size(unsigned size)
{
	links.ssl_size = size;
}

static int links_id(const struct link *l)
{
	return (int)(l - links.link);
}

static size_t links_passive_cap(void)
{
	return sim_opt.version == SIM_AT2 ? LINKS_PASSIVE_2X : LINKS_PASSIVE_1X;
}

/* Passive mode covers stream links; UDP datagrams always arrive as active +IPD. */
static bool links_is_passive(const struct link *l)
{
	return links.passive && l->type != LINKS_UDP;
}

static void links_urc_closed(const struct link *l)
{
	if (links.mux)
		reply_urc_printf("%d,CLOSED\r\n", links_id(l));
	else
		reply_urc_printf("CLOSED\r\n");
}

static size_t links_ipd_header(char *buf, size_t size, const struct link *l, size_t len,
    const struct sockaddr_in *from, bool with_data)
{
	char ip[INET_ADDRSTRLEN];
	int n;

	if (links.mux)
		n = snprintf(buf, size, "\r\n+IPD,%d,%zu", links_id(l), len);
	else
		n = snprintf(buf, size, "\r\n+IPD,%zu", len);
	if (with_data && links.dinfo && from != NULL) {
		inet_ntop(AF_INET, &from->sin_addr, ip, sizeof(ip));
		n += snprintf(buf + n, size - (size_t)n, ",%s,%u", ip, ntohs(from->sin_port));
	}
	n += snprintf(buf + n, size - (size_t)n, "%s", with_data ? ":" : "\r\n");
	return (size_t)n;
}

static void links_release(struct link *l)
{
	if (l->tls != NULL)
		tls_free(l->tls);
	l->tls = NULL;
	if (l->fd >= 0) {
		close(l->fd);
		loop_invalidate();
	}
	l->fd = -1;
	l->handshaking = false;
	l->tx_active = false;
	l->done = NULL;
	l->sent = NULL;
}

static void links_clear(struct link *l)
{
	links_release(l);
	l->state = LINKS_FREE;
	l->rx_len = 0;
	l->server_child = false;
}

/* Finishes a pending send with the given outcome; the callback may start new work. */
static void links_finish_send(struct link *l, bool ok)
{
	links_sent_fn sent = l->sent;

	l->tx_active = false;
	l->tx_done = false;
	l->sent = NULL;
	if (sent != NULL)
		sent(ok);
}

/* The connection is gone (peer closed, reset, or the AP was lost): report it. */
static void links_lost(struct link *l)
{
	bool keep = links_is_passive(l) && l->rx_len > 0;

	log_info("link %d closed", links_id(l));
	if (l->tx_active)
		links_finish_send(l, false);
	links_release(l);
	l->state = keep ? LINKS_CLOSED : LINKS_FREE;
	if (!keep)
		l->rx_len = 0;
	links_urc_closed(l);
}

static int links_socket(int type)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		log_warn("socket");
	return fd;
}

static void links_tune_tcp(int fd, int keepalive_s)
{
	int one = 1, rcv = LINKS_SO_RCVBUF, snd = LINKS_SO_SNDBUF;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	/* The firmware pushes each CIPSEND out at once rather than waiting to coalesce. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (keepalive_s > 0) {
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &keepalive_s, sizeof(keepalive_s));
	}
}

static void links_fill(struct link *l, const struct links_params *p)
{
	links_clear(l);
	l->type = p->type;
	l->remote.sin_family = AF_INET;
	l->remote.sin_addr = p->addr;
	l->remote.sin_port = htons(p->port);
	l->udp_mode = p->udp_mode;
	l->udp_rebound = false;
	l->last_activity = monotime_ns();
	snprintf(l->host, sizeof(l->host), "%s", p->host);
}

static uint16_t links_local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return 0;
	return ntohs(sa.sin_port);
}

static enum links_start links_connect_udp(struct link *l, const struct links_params *p)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons(p->local_port) };
	int one = 1;

	l->fd = links_socket(SOCK_DGRAM);
	if (l->fd < 0)
		return LINKS_FAILED;
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l->fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		log_warn("UDP bind to port %u", p->local_port);
		links_clear(l);
		return LINKS_FAILED;
	}
	l->local_port = links_local_port(l->fd);
	l->state = LINKS_OPEN;
	return LINKS_READY;
}

enum links_start links_connect(int id, const struct links_params *p, links_done_fn done)
{
	struct link *l = &links.link[id];

	links_fill(l, p);
	if (p->type == LINKS_UDP)
		return links_connect_udp(l, p);
	l->fd = links_socket(SOCK_STREAM);
	if (l->fd < 0)
		return LINKS_FAILED;
	links_tune_tcp(l->fd, p->keepalive_s);
	if (connect(l->fd, (struct sockaddr *)&l->remote, sizeof(l->remote)) < 0 && errno != EINPROGRESS) {
		log_info("link %d: connect: %s", id, strerror(errno));
		links_clear(l);
		return LINKS_FAILED;
	}
	l->state = LINKS_CONNECTING;
	l->deadline = monotime_ns() + LINKS_CONNECT_TIMEOUT_S * LOOP_NS_PER_S;
	l->done = done;
	return LINKS_STARTED;
}

static void links_connect_result(struct link *l, bool ok)
{
	links_done_fn done = l->done;

	l->done = NULL;
	l->handshaking = false;
	if (ok) {
		l->state = LINKS_OPEN;
		l->local_port = links_local_port(l->fd);
		l->last_activity = monotime_ns();
	} else {
		links_clear(l);
	}
	if (done != NULL)
		done(links_id(l), ok);
}

static void links_handshake_step(struct link *l)
{
	enum tls_status st = tls_handshake(l->tls);

	if (st == TLS_WANT_READ || st == TLS_WANT_WRITE) {
		l->tls_want = st;
		return;
	}
	links_connect_result(l, st == TLS_DONE);
}

static void links_connecting_io(struct link *l)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (l->handshaking) {
		links_handshake_step(l);
		return;
	}
	if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
		log_info("link %d: connect: %s", links_id(l), strerror(err));
		links_connect_result(l, false);
		return;
	}
	if (l->type != LINKS_SSL) {
		links_connect_result(l, true);
		return;
	}
	l->tls = tls_new(l->fd, l->host[0] != '\0' ? l->host : NULL, links.ssl_size);
	if (l->tls == NULL) {
		links_connect_result(l, false);
		return;
	}
	l->handshaking = true;
	links_handshake_step(l);
}

static void links_deliver(struct link *l, const uint8_t *data, size_t n, const struct sockaddr_in *from)
{
	char header[LINKS_HEADER_MAX];
	size_t hlen;

	l->last_activity = monotime_ns();
	if (links_is_passive(l)) {
		memcpy(l->rx + l->rx_len, data, n);
		l->rx_len += n;
		/* The notification carries what is buffered now, which is what one read may return. */
		hlen = links_ipd_header(header, sizeof(header), l, l->rx_len, NULL, false);
		trace_note("ipd %d %zu", links_id(l), l->rx_len);
		reply_urc_data(header, hlen, NULL, 0);
		return;
	}
	hlen = links_ipd_header(header, sizeof(header), l, n, from, true);
	reply_urc_data(header, hlen, data, n);
	if (sim_quirk(SIM_Q_IPD_CRLF))
		reply_urc_printf("\r\n");
}

/* How much one read may take now without overrunning the output or the passive buffer. */
static size_t links_read_budget(const struct link *l)
{
	size_t room = reply_urc_room();

	if (links_is_passive(l)) {
		if (room < LINKS_HEADER_MAX)
			return 0;
		return links_passive_cap() - l->rx_len;
	}
	if (l->type == LINKS_UDP)
		return room >= LINKS_HEADER_MAX + LINKS_UDP_MAX ? LINKS_UDP_MAX : 0;
	return room >= LINKS_HEADER_MAX + LINKS_CHUNK ? LINKS_CHUNK : 0;
}

static void links_read_udp(struct link *l)
{
	uint8_t buf[LINKS_UDP_MAX];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(l->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from, &flen);
	bool any_remote = l->remote.sin_addr.s_addr == htonl(INADDR_ANY);

	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf)) {
		log_warnx("link %d: %zd-byte datagram dropped: larger than %d", links_id(l), n, LINKS_UDP_MAX);
		return;
	}
	if (from.sin_addr.s_addr != l->remote.sin_addr.s_addr || from.sin_port != l->remote.sin_port) {
		/* Mode 0 keeps its remote; mode 1 follows the first other sender; mode 2 every sender. */
		if (l->udp_mode == 2 || (l->udp_mode == 1 && !l->udp_rebound) || any_remote) {
			l->remote = from;
			l->udp_rebound = true;
		} else {
			log_info("link %d: datagram from a sender other than the remote dropped", links_id(l));
			return;
		}
	}
	links_deliver(l, buf, (size_t)n, &from);
}

static void links_read_stream(struct link *l, size_t budget)
{
	uint8_t buf[LINKS_PASSIVE_2X];
	enum tls_status st = TLS_FAILED;
	ssize_t n;

	if (budget > sizeof(buf))
		budget = sizeof(buf);
	if (l->tls != NULL) {
		n = tls_read(l->tls, buf, budget, &st);
		if (n < 0 && (st == TLS_WANT_READ || st == TLS_WANT_WRITE)) {
			l->tls_want = st;
			return;
		}
		if (n < 0) {
			links_lost(l);
			return;
		}
	} else {
		n = recv(l->fd, buf, budget, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			links_lost(l);
			return;
		}
	}
	l->tls_want = TLS_DONE;
	links_deliver(l, buf, (size_t)n, &l->remote);
}

static void links_write_some(struct link *l)
{
	size_t left = l->tx_len - l->tx_off;
	enum tls_status st = TLS_FAILED;
	ssize_t n;

	if (l->type == LINKS_UDP) {
		n = sendto(l->fd, l->tx, l->tx_len, MSG_NOSIGNAL, (struct sockaddr *)&l->tx_dest,
		    sizeof(l->tx_dest));
		if (n < 0 && errno == EAGAIN)
			return;
		if (n != (ssize_t)l->tx_len) {
			links_finish_send(l, false);
			return;
		}
		l->tx_done = true;
		return;
	}
	if (l->tls != NULL) {
		n = tls_write(l->tls, l->tx + l->tx_off, left, &st);
		if (n < 0 && (st == TLS_WANT_READ || st == TLS_WANT_WRITE)) {
			l->tls_want = st;
			return;
		}
	} else {
		n = send(l->fd, l->tx + l->tx_off, left, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
	}
	if (n < 0) {
		log_info("link %d: send failed", links_id(l));
		links_lost(l);
		return;
	}
	l->tls_want = TLS_DONE;
	l->tx_off += (size_t)n;
	l->last_activity = monotime_ns();
	if (l->tx_off == l->tx_len)
		l->tx_done = true;
}

void links_send(int id, const uint8_t *buf, size_t len, const struct sockaddr_in *dest, links_sent_fn sent)
{
	struct link *l = &links.link[id];

	if (l->state != LINKS_OPEN || len > LINKS_SEND_MAX) {
		sent(false);
		return;
	}
	memcpy(l->tx, buf, len);
	l->tx_len = len;
	l->tx_off = 0;
	l->tx_dest = dest != NULL ? *dest : l->remote;
	l->tx_active = true;
	l->tx_done = false;
	l->sent = sent;
	links_write_some(l);
}

bool links_close(int id)
{
	struct link *l = &links.link[id];
	bool was_open = l->state == LINKS_OPEN || l->state == LINKS_CONNECTING;

	if (l->tx_active)
		links_finish_send(l, false);
	links_clear(l);
	return was_open;
}

void links_drop_all(void)
{
	for (int id = 0; id < LINKS_MAX; id++) {
		struct link *l = &links.link[id];

		if (l->state == LINKS_OPEN)
			links_lost(l);
		else if (l->state == LINKS_CONNECTING)
			links_connect_result(l, false);
	}
}

void links_reset(void)
{
	for (int id = 0; id < LINKS_MAX; id++)
		links_clear(&links.link[id]);
	links_server_stop();
	links.mux = false;
	links.passive = false;
	links.dinfo = false;
	links.ssl_size = 0;
	links.server_timeout_s = LINKS_DEFAULT_SERVER_TIMEOUT_S;
}

bool links_info(int id, struct links_info *info)
{
	const struct link *l = &links.link[id];

	if (l->state != LINKS_OPEN)
		return false;
	info->state = l->state;
	info->type = l->type;
	info->remote = l->remote;
	info->local_port = l->local_port;
	info->server_child = l->server_child;
	return true;
}

bool links_is_open(int id)
{
	return links.link[id].state == LINKS_OPEN;
}

bool links_any_in_use(void)
{
	for (int id = 0; id < LINKS_MAX; id++)
		if (links.link[id].state == LINKS_OPEN || links.link[id].state == LINKS_CONNECTING)
			return true;
	return false;
}

bool links_ssl_in_use(void)
{
	for (int id = 0; id < LINKS_MAX; id++) {
		const struct link *l = &links.link[id];

		if (l->type == LINKS_SSL && (l->state == LINKS_OPEN || l->state == LINKS_CONNECTING))
			return true;
	}
	return false;
}

size_t links_buffered(int id)
{
	return links.link[id].rx_len;
}

size_t links_take(int id, uint8_t *buf, size_t max)
{
	struct link *l = &links.link[id];
	size_t n = l->rx_len < max ? l->rx_len : max;

	memcpy(buf, l->rx, n);
	memmove(l->rx, l->rx + n, l->rx_len - n);
	l->rx_len -= n;
	if (l->rx_len == 0 && l->state == LINKS_CLOSED)
		l->state = LINKS_FREE;
	return n;
}

int links_server_start(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, rcv = LINKS_SO_RCVBUF, fd;

	fd = links_socket(SOCK_STREAM);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Accepted sockets inherit the small receive buffer, so back-pressure works for them too. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, LINKS_SERVER_BACKLOG) < 0) {
		log_warn("server on port %u", port);
		close(fd);
		return -1;
	}
	links.server_fd = fd;
	links.server_port = port;
	log_info("server listening on port %u", port);
	return 0;
}

void links_server_stop(void)
{
	if (links.server_fd >= 0) {
		close(links.server_fd);
		loop_invalidate();
	}
	links.server_fd = -1;
}

bool links_server_running(void)
{
	return links.server_fd >= 0;
}

void links_set_server_timeout(unsigned seconds)
{
	links.server_timeout_s = seconds;
}

unsigned links_server_timeout(void)
{
	return links.server_timeout_s;
}

static void links_on_accept(int fd, short revents, void *ctx)
{
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	struct link *l = NULL;
	int cfd;

	(void)revents;
	(void)ctx;
	cfd = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	for (int id = 0; id < LINKS_MAX && l == NULL; id++)
		if (links.link[id].state == LINKS_FREE)
			l = &links.link[id];
	if (l == NULL) {
		log_info("server: no free link, connection from port %u refused", ntohs(peer.sin_port));
		close(cfd);
		return;
	}
	links_clear(l);
	links_tune_tcp(cfd, 0);
	l->fd = cfd;
	l->type = LINKS_TCP;
	l->state = LINKS_OPEN;
	l->server_child = true;
	l->remote = peer;
	l->local_port = links.server_port;
	l->last_activity = monotime_ns();
	reply_urc_printf("%d,CONNECT\r\n", links_id(l));
}

static void links_on_io(int fd, short revents, void *ctx)
{
	struct link *l = ctx;

	if (l->fd != fd)
		return;
	if (l->state == LINKS_CONNECTING) {
		links_connecting_io(l);
		return;
	}
	if (l->state != LINKS_OPEN)
		return;
	if (l->tx_active && !l->tx_done && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		links_write_some(l);
		if (l->fd != fd || l->state != LINKS_OPEN)
			return;
	}
	if (revents & (POLLIN | POLLERR | POLLHUP)) {
		size_t budget = links_read_budget(l);

		if (budget == 0)
			return;
		if (l->type == LINKS_UDP)
			links_read_udp(l);
		else
			links_read_stream(l, budget);
	}
}

static short links_tls_events(const struct link *l, short otherwise)
{
	if (l->tls_want == TLS_WANT_READ)
		return POLLIN;
	if (l->tls_want == TLS_WANT_WRITE)
		return POLLOUT;
	return otherwise;
}

void links_service(void)
{
	int64_t now = monotime_ns();

	for (int id = 0; id < LINKS_MAX; id++) {
		struct link *l = &links.link[id];

		if (l->state == LINKS_CONNECTING && now >= l->deadline) {
			log_info("link %d: connect timed out", id);
			links_connect_result(l, false);
			continue;
		}
		if (l->state != LINKS_OPEN)
			continue;
		/*
		 * Even a send the socket took at once is reported on a later turn: the radio needs time,
		 * and bytes the host sent right behind the data meet a chip that is still sending.
		 */
		if (l->tx_done) {
			links_finish_send(l, true);
			if (l->state != LINKS_OPEN)
				continue;
		}
		if (l->server_child && links.server_timeout_s > 0 &&
		    now - l->last_activity >= (int64_t)links.server_timeout_s * LOOP_NS_PER_S) {
			log_info("link %d: idle for %u s, closed", id, links.server_timeout_s);
			links_lost(l);
			continue;
		}
		/* Bytes OpenSSL already decrypted will never wake poll(): serve them here. */
		if (l->tls != NULL && tls_pending(l->tls) > 0) {
			size_t budget = links_read_budget(l);

			if (budget > 0)
				links_read_stream(l, budget);
		}
	}
}

void links_prepare(void)
{
	bool timed = false;

	for (int id = 0; id < LINKS_MAX; id++) {
		struct link *l = &links.link[id];
		short ev = 0;

		if (l->state == LINKS_CONNECTING) {
			ev = l->handshaking ? links_tls_events(l, POLLIN) : POLLOUT;
			loop_wake_at(l->deadline);
		} else if (l->state == LINKS_OPEN) {
			if (links_read_budget(l) > 0)
				ev |= POLLIN;
			if (l->tx_active && !l->tx_done)
				ev |= POLLOUT;
			if (l->tx_done)
				loop_wake_at(monotime_ns());
			if (l->tls != NULL)
				ev = ev != 0 ? links_tls_events(l, ev) : 0;
			if (l->tls != NULL && tls_pending(l->tls) > 0 && links_read_budget(l) > 0)
				loop_wake_at(monotime_ns());
			if (l->server_child && links.server_timeout_s > 0)
				timed = true;
		}
		loop_watch(l->fd, ev, links_on_io, l);
	}
	if (timed)
		loop_wake_at(monotime_ns() + LOOP_NS_PER_S);
	if (links.server_fd >= 0 && reply_urc_room() >= LINKS_HEADER_MAX)
		loop_watch(links.server_fd, POLLIN, links_on_accept, NULL);
}
