/*
 * Sockets: streams (a connection of their own to the daemon that becomes a
 * raw pipe), UDP sockets and listeners (on the handle's connection).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k210sock_int.h"

/* Connections the board may hold for a listener until they are accepted. */
#define K210SOCK_BACKLOG 4

/* Hand the connection's descriptor to the caller once it is a pipe. */
static int k210sock_take_fd(struct k210conn *c)
{
	int fd = c->fd;

	c->fd = -1;
	return fd;
}

static int k210sock_stream_failed(struct k210conn *c)
{
	int errnum = errno;

	k210conn_close(c);
	errno = errnum;
	return -1;
}

static int k210sock_stream(struct k210conn *c, const char *path, const char *host, uint16_t port,
			   int kind, int timeout_ms)
{
	int64_t deadline = k210conn_deadline(timeout_ms);
	struct msg req, resp;

	if (!host || !*host)
		return k210conn_error(c, EINVAL, "no host given");
	if (strlen(host) > PROTO_HOST_MAX)
		return k210conn_error(c, EINVAL, "host name longer than %d bytes", PROTO_HOST_MAX);
	if (kind != K210SOCK_TCP && kind != K210SOCK_TLS)
		return k210conn_error(c, EINVAL, "unknown socket kind %d", kind);
	if (port == 0)
		return k210conn_error(c, EINVAL, "port 0");
	if (k210conn_open(c, path, NULL, 0, deadline) < 0)
		return -1;
	msg_init(&req, PROTO_CONNECT);
	req.tag = 2;
	req.u.connect.kind = (uint8_t)kind;
	req.u.connect.port = port;
	strcpy(req.u.connect.host, host);
	if (k210conn_request(c, &req, &resp, deadline) < 0) {
		if (errno == ETIMEDOUT && c->err.proto < 0)
			snprintf(c->err.text, sizeof(c->err.text), "connection timed out");
		return k210sock_stream_failed(c);
	}
	return k210sock_take_fd(c);
}

int k210sock_connect(const char *path, const char *host, uint16_t port, int kind, int timeout_ms)
{
	struct k210conn c;

	k210conn_init(&c);
	return k210sock_stream(&c, k210conn_default_path(path), host, port, kind, timeout_ms);
}

int k210sock_dial(k210sock *h, const char *host, uint16_t port, int kind, int timeout_ms)
{
	struct k210conn c;
	int fd;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	k210conn_init(&c);
	fd = k210sock_stream(&c, h->path, host, port, kind, timeout_ms);
	if (fd < 0) {
		int errnum = errno;

		k210conn_error_copy(&h->conn, &c);
		errno = errnum;
	}
	return fd;
}

/*
 * Does the daemon still hold its end of the connection?  1 yes, 0 no, -1
 * unknown.  The kernel's socket diagnostics name the peer of our socket
 * (by inode), and inode 0 once the peer is closed.
 */
static int k210sock_peer_open(int fd)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} q = {
		.h = { .nlmsg_len = sizeof(q), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_show = UDIAG_SHOW_PEER,
		       .udiag_cookie = { ~0u, ~0u } },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t buf[4096] __attribute__((aligned(4)));
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct stat st;
	ssize_t n = -1;
	int nl, len, open = -1;

	if (fstat(fd, &st) < 0)
		return -1;
	q.r.udiag_ino = (uint32_t)st.st_ino;
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -1;
	if (sendto(nl, &q, sizeof(q), 0, (struct sockaddr *)&kernel, sizeof(kernel)) ==
	    (ssize_t)sizeof(q))
		n = recv(nl, buf, sizeof(buf), 0);
	close(nl);
	if (n < (ssize_t)NLMSG_HDRLEN || (size_t)n < h->nlmsg_len ||
	    h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
		return -1;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(struct unix_diag_msg)));
	open = 0;   /* no peer named: none */
	for (struct rtattr *a = (struct rtattr *)((uint8_t *)NLMSG_DATA(h) +
							      NLMSG_ALIGN(sizeof(struct unix_diag_msg)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			open = *(const uint32_t *)RTA_DATA(a) != 0;
	return open;
}

int k210sock_stream_error(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
		return err;
	/*
	 * An orderly end is a half close, and the daemon keeps its end open
	 * until we close ours; a failure closes the whole connection.  poll
	 * reports a hang-up for both once we have shut down our own sending
	 * side: whether the daemon still holds its end tells them apart.
	 */
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && k210sock_peer_open(fd) != 1)
		return ECONNRESET;
	return 0;
}

/* One more message filed before deadline: 0, or -1 (EAGAIN: no what came in time). */
static int k210sock_wait(k210sock *h, int64_t deadline, const char *what)
{
	int r = k210sock_pump(h, deadline);

	if (r < 0)
		return -1;
	if (r == 0)
		return k210conn_error(&h->conn, EAGAIN, "no %s came in time", what);
	return 0;
}

/* The socket ended: report why, as the daemon said it. */
static int k210sock_ended(k210sock *h, const struct k210sock_table_sock *s)
{
	return k210conn_refused(&h->conn, s->err);
}

static struct k210sock_table_sock *k210sock_find(k210sock *h, int id, int kind)
{
	struct k210sock_table_sock *s = k210sock_table_find(&h->socks, id, kind);

	if (!s)
		k210conn_error(&h->conn, EBADF, "no %s %d on this handle",
			       kind == K210SOCK_TABLE_UDP ? "UDP socket" : "listener", id);
	return s;
}

/* CLOSE a socket and forget it whatever the answer. */
static int k210sock_close_sock(k210sock *h, int id, int kind)
{
	struct k210sock_table_sock *s;
	struct msg req, resp;
	bool ended;
	int r;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	s = k210sock_find(h, id, kind);
	if (!s)
		return -1;
	msg_init(&req, PROTO_CLOSE);
	req.sock = s->id;
	r = k210sock_request(h, &req, &resp);
	/* Replies cannot move sockets in the table: s is still this socket. */
	ended = s->err != PROTO_OK;
	k210sock_table_remove(&h->socks, s);
	/* A socket that already ended is unknown to the daemon: closing it is fine. */
	if (r < 0 && ended && h->conn.err.proto == PROTO_EBADF)
		return 0;
	return r;
}

/*
 * A new socket of kind on the handle, opened on the daemon by req (whose
 * sock is set here); NULL when either fails, the socket forgotten again.
 */
static struct k210sock_table_sock *k210sock_open_sock(k210sock *h, int kind, struct msg *req,
						 struct msg *resp)
{
	struct k210sock_table_sock *s = k210sock_table_add(&h->socks, kind);

	if (!s) {
		k210conn_error(&h->conn, errno, errno == EMFILE ? "too many sockets on this handle"
								: NULL);
		return NULL;
	}
	req->sock = s->id;
	if (k210sock_request(h, req, resp) < 0) {
		int errnum = errno;

		k210sock_table_remove(&h->socks, s);
		errno = errnum;
		return NULL;
	}
	return s;
}

int k210sock_udp_bind(k210sock *h, uint16_t local_port)
{
	struct k210sock_table_sock *s;
	struct msg req, resp;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	msg_init(&req, PROTO_UDP_BIND);
	req.u.bind.local_port = local_port;
	req.u.bind.rx_window = K210SOCK_TABLE_UDP_QUEUE;
	s = k210sock_open_sock(h, K210SOCK_TABLE_UDP, &req, &resp);
	if (!s)
		return -1;
	s->local_port = resp.u.opened.local_port ? resp.u.opened.local_port : local_port;
	return s->id;
}

/* The UDP socket id of a handle that is only looked at; NULL with errno. */
static const struct k210sock_table_sock *k210sock_udp_sock(const k210sock *h, int id)
{
	if (!h) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < K210SOCK_TABLE_MAX; i++)
		if (h->socks.s[i].kind == K210SOCK_TABLE_UDP && h->socks.s[i].id == id)
			return &h->socks.s[i];
	errno = EBADF;
	return NULL;
}

int k210sock_udp_port(const k210sock *h, int id)
{
	const struct k210sock_table_sock *s = k210sock_udp_sock(h, id);

	return s ? s->local_port : -1;
}

long k210sock_udp_dropped(const k210sock *h, int id)
{
	const struct k210sock_table_sock *s = k210sock_udp_sock(h, id);

	return s ? (long)s->drops : -1;
}

ssize_t k210sock_sendto(k210sock *h, int id, struct in_addr ip, uint16_t port,
			const void *buf, size_t len)
{
	struct k210sock_table_sock *s;
	struct msg m;

	if (!h || (!buf && len)) {
		errno = EINVAL;
		return -1;
	}
	s = k210sock_find(h, id, K210SOCK_TABLE_UDP);
	if (!s)
		return -1;
	if (s->err != PROTO_OK)
		return k210sock_ended(h, s);
	if (len > PROTO_DATA_MAX)
		return k210conn_error(&h->conn, EMSGSIZE, "datagram of %zu bytes: the limit is %d",
				      len, PROTO_DATA_MAX);
	msg_init(&m, PROTO_DATAGRAM);
	m.sock = s->id;
	memcpy(m.u.data.addr.ip, &ip, 4);
	m.u.data.addr.port = port;
	m.u.data.data = buf;
	m.u.data.len = (uint16_t)len;
	/* The daemon stops reading while the board has no room: that is the wait. */
	if (k210conn_send(&h->conn, &m, k210conn_deadline(h->timeout_ms)) < 0) {
		if (errno == ETIMEDOUT && !h->conn.broken)
			return k210conn_error(&h->conn, EAGAIN, "the board's buffer for the socket stayed full");
		return -1;
	}
	return (ssize_t)len;
}

ssize_t k210sock_recvfrom(k210sock *h, int id, void *buf, size_t cap,
			  struct in_addr *ip, uint16_t *port, int timeout_ms)
{
	int64_t deadline = k210conn_deadline(timeout_ms);
	struct k210queue_dgram d;

	if (!h || (!buf && cap)) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		struct k210sock_table_sock *s = k210sock_find(h, id, K210SOCK_TABLE_UDP);

		if (!s)
			return -1;
		if (k210queue_dgrams_pop(&s->q, buf, cap, &d)) {
			if (ip)
				memcpy(ip, d.ip, 4);
			if (port)
				*port = d.port;
			return (ssize_t)(d.len < cap ? d.len : cap);
		}
		if (s->err != PROTO_OK)
			return k210sock_ended(h, s);
		if (k210sock_wait(h, deadline, "datagram") < 0)
			return -1;
	}
}

int k210sock_udp_close(k210sock *h, int id)
{
	return k210sock_close_sock(h, id, K210SOCK_TABLE_UDP);
}

int k210sock_listen(k210sock *h, uint16_t port)
{
	struct k210sock_table_sock *s;
	struct msg req, resp;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	if (port == 0)
		return k210conn_error(&h->conn, EINVAL, "port 0");
	msg_init(&req, PROTO_LISTEN);
	req.u.listen.port = port;
	/* rx_window stays 0: accepted streams are pipes, windowed by the daemon. */
	req.u.listen.backlog = K210SOCK_BACKLOG;
	s = k210sock_open_sock(h, K210SOCK_TABLE_LISTENER, &req, &resp);
	if (!s)
		return -1;
	s->local_port = port;
	return s->id;
}

/* Claim an accepted connection on a connection of its own. */
static int k210sock_claim(k210sock *h, const struct k210sock_table_accept *a, struct sockaddr_in *remote)
{
	int64_t deadline = k210conn_deadline(h->timeout_ms);
	struct msg req, resp;
	struct k210conn c;

	k210conn_init(&c);
	msg_init(&req, PROTO_ACCEPT);
	req.tag = 2;
	req.sock = a->token;
	if (k210conn_open(&c, h->path, NULL, 0, deadline) < 0 ||
	    k210conn_request(&c, &req, &resp, deadline) < 0) {
		int errnum = errno;

		k210conn_close(&c);
		k210conn_error_copy(&h->conn, &c);
		errno = errnum;
		return -1;
	}
	if (remote) {
		memset(remote, 0, sizeof(*remote));
		remote->sin_family = AF_INET;
		memcpy(&remote->sin_addr, resp.u.accept.remote.ip, 4);
		remote->sin_port = htons(resp.u.accept.remote.port);
	}
	return k210sock_take_fd(&c);
}

int k210sock_accept(k210sock *h, int listener, int timeout_ms, struct sockaddr_in *remote)
{
	int64_t deadline = k210conn_deadline(timeout_ms);
	struct k210sock_table_accept a;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		struct k210sock_table_sock *s = k210sock_find(h, listener, K210SOCK_TABLE_LISTENER);

		if (!s)
			return -1;
		if (k210sock_table_take_accept(&h->socks, s->id, &a))
			return k210sock_claim(h, &a, remote);
		if (s->accept_overflow) {
			s->accept_overflow = false;
			return k210conn_error(&h->conn, ENOBUFS,
					      "connections arrived faster than they were accepted: some were left to expire");
		}
		if (s->err != PROTO_OK)
			return k210sock_ended(h, s);
		if (k210sock_wait(h, deadline, "connection") < 0)
			return -1;
	}
}

int k210sock_listen_close(k210sock *h, int listener)
{
	return k210sock_close_sock(h, listener, K210SOCK_TABLE_LISTENER);
}
