/*
 * k210sock udp: lines of standard input sent as datagrams, datagrams
 * received printed on standard output.  Without --listen it ends once input
 * is over and no datagram came for a while; with --listen it runs until
 * interrupted, answering the last sender when no destination was given.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define UDP_REPLY_WAIT_MS 2000

struct udp {
	k210sock *h;
	int id;
	bool have_peer;
	struct in_addr peer;
	uint16_t peer_port;
	char line[K210SOCK_DATAGRAM_MAX];
	size_t line_len;
	uint8_t in[K210SOCK_DATAGRAM_MAX];
};

static int udp_send_line(const struct cli *c, struct udp *u)
{
	if (!u->have_peer) {
		fprintf(stderr, "k210sock: udp: nobody to send to yet: line not sent\n");
		u->line_len = 0;
		return CLI_OK;
	}
	if (k210sock_sendto(u->h, u->id, u->peer, u->peer_port, u->line, u->line_len) < 0)
		return cli_fail(u->h, "udp: send");
	cli_note(c, "sent %zu bytes", u->line_len);
	u->line_len = 0;
	return CLI_OK;
}

/* Read standard input, sending each complete line; *eof at its end. */
static int udp_input(const struct cli *c, struct udp *u, bool *eof)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	int rc;

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return CLI_OK;
		return cli_fail_errno(errno, "udp: standard input");
	}
	if (n == 0) {
		*eof = true;
		return u->line_len ? udp_send_line(c, u) : CLI_OK;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n')
			u->line[u->line_len++] = buf[i];
		/* A line longer than a datagram goes out in datagram-sized pieces. */
		if (buf[i] == '\n' || u->line_len == sizeof(u->line)) {
			rc = udp_send_line(c, u);
			if (rc != CLI_OK)
				return rc;
		}
	}
	return CLI_OK;
}

/* Print every datagram already there; *got tells whether one came. */
static int udp_drain(const struct cli *c, struct udp *u, bool *got)
{
	for (;;) {
		struct in_addr from;
		uint16_t port;
		char ip[16];
		ssize_t n = k210sock_recvfrom(u->h, u->id, u->in, sizeof(u->in), &from, &port, 0);

		if (n < 0)
			return errno == EAGAIN ? CLI_OK : cli_fail(u->h, "udp: receive");
		*got = true;
		cli_format_ip(ip, &from);
		cli_note(c, "%zd bytes from %s:%u", n, ip, port);
		if (c->udp_listen && !(c->argc)) {
			u->have_peer = true;
			u->peer = from;
			u->peer_port = port;
		}
		if (cli_write_all(STDOUT_FILENO, u->in, (size_t)n) < 0 ||
		    ((n == 0 || u->in[n - 1] != '\n') && cli_write_all(STDOUT_FILENO, "\n", 1) < 0))
			return cli_fail_errno(errno, "udp: standard output");
	}
}

static int udp_loop(const struct cli *c, struct udp *u)
{
	int64_t quiet_until = 0;
	bool eof = false;

	for (;;) {
		bool got = false;
		int rc = udp_drain(c, u, &got), timeout = -1;
		struct pollfd fds[2] = {
			{ .fd = eof ? -1 : STDIN_FILENO, .events = POLLIN },
			{ .fd = k210sock_fd(u->h), .events = POLLIN },
		};

		if (rc != CLI_OK)
			return rc;
		if (got)
			quiet_until = cli_now_us() + UDP_REPLY_WAIT_MS * 1000;
		if (eof && !c->udp_listen) {
			int64_t left = quiet_until - cli_now_us();

			if (left <= 0)
				return CLI_OK;
			timeout = (int)(left / 1000) + 1;
		}
		if (poll(fds, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return cli_fail_errno(errno, "udp: poll");
		}
		if (fds[0].revents) {
			rc = udp_input(c, u, &eof);
			if (rc != CLI_OK)
				return rc;
			if (eof)
				quiet_until = cli_now_us() + UDP_REPLY_WAIT_MS * 1000;
		}
	}
}

int udp_run(const struct cli *c)
{
	static struct udp u;
	int rc = CLI_OK;

	memset(&u, 0, sizeof(u));
	if (c->argc == 2 && !cli_parse_port(c->argv[1], &u.peer_port))
		return cli_usage("udp: bad port '%s'", c->argv[1]);
	if (c->argc != 2 && !(c->udp_listen && c->argc == 0))
		return cli_usage("usage: udp HOST PORT, udp --listen PORT [HOST PORT]");
	u.h = cli_open(c);
	if (!u.h)
		return CLI_UNREACHABLE;
	if (c->argc == 2) {
		const char *host = c->argv[0];

		/* Names are resolved by the board, as every name the daemon handles. */
		if (inet_pton(AF_INET, host, &u.peer) != 1) {
			int n = k210sock_getaddrinfo(u.h, host, &u.peer, 1);

			if (n < 0)
				rc = cli_fail(u.h, "udp: resolve %s", host);
			else if (n == 0)
				rc = cli_fail_errno(EHOSTUNREACH, "udp: resolve %s", host);
			if (n < 1) {
				k210sock_close(u.h);
				return rc;
			}
		}
		u.have_peer = true;
	}
	u.id = k210sock_udp_bind(u.h, c->udp_listen ? c->udp_port : 0);
	if (u.id < 0) {
		rc = cli_fail(u.h, "udp: bind");
	} else {
		cli_note(c, "local port %d", k210sock_udp_port(u.h, u.id));
		rc = udp_loop(c, &u);
	}
	k210sock_close(u.h);
	return rc;
}
