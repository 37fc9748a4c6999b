/*
 * k210sock connect and listen: a stream to a remote through the board,
 * relayed to standard input and output like netcat.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

#define STREAM_BUF 16384
#define STREAM_CONNECT_TIMEOUT 60000

struct stream_relay {
	int fd;
	uint8_t up[STREAM_BUF], down[STREAM_BUF];
	size_t up_len, up_off;
	bool in_eof;
	bool half_close;         /* pass the end of input on (not --no-shutdown) */
	bool shut;               /* it was passed on */
	uint64_t sent, received;
	const char *where;       /* what failed: NULL for the stream itself */
};

/* Standard input towards the stream; a closed stream only stops this direction. */
static int stream_upload(struct stream_relay *r, short revents, short in_revents)
{
	if (in_revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(STDIN_FILENO, r->up, sizeof(r->up));

		if (n > 0) {
			r->up_len = (size_t)n;
			r->up_off = 0;
		} else if (n == 0) {
			r->in_eof = true;
		} else if (errno != EINTR && errno != EAGAIN) {
			r->where = "standard input";
			return errno;
		}
	}
	if ((revents & POLLOUT) && r->up_len) {
		ssize_t n = send(r->fd, r->up + r->up_off, r->up_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			r->up_off += (size_t)n;
			r->up_len -= (size_t)n;
			r->sent += (uint64_t)n;
		} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
			/* The daemon closed the stream: reading it tells why. */
			r->up_len = 0;
			r->in_eof = true;
		}
	}
	/*
	 * The end of input goes on as a half close, as nc -N and ncat do: the
	 * daemon keeps relaying the remote until it closes (the ESP8285 cannot
	 * pass a half close on) and frees the stream if we close first.
	 */
	if (r->in_eof && !r->up_len && r->half_close && !r->shut) {
		shutdown(r->fd, SHUT_WR);
		r->shut = true;
	}
	return 0;
}

/* Relay until the remote closes: 0 then, else the errno that ended it. */
static int stream_relay(struct stream_relay *r, struct progress *p)
{
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = r->in_eof || r->up_len ? -1 : STDIN_FILENO, .events = POLLIN },
			{ .fd = r->fd, .events = (short)(POLLIN | (r->up_len ? POLLOUT : 0)) },
		};
		int err;

		if (poll(fds, 2, progress_interval(p)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(r->fd, r->down, sizeof(r->down), MSG_DONTWAIT);

			if (n == 0)
				return k210sock_stream_error(r->fd);
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return errno;
			if (n > 0) {
				if (cli_write_all(STDOUT_FILENO, r->down, (size_t)n) < 0) {
					r->where = "standard output";
					return errno;
				}
				r->received += (uint64_t)n;
			}
		}
		err = stream_upload(r, fds[1].revents, fds[0].revents);
		if (err)
			return err;
		progress_update(p, r->sent, r->received);
	}
}

/* Relay fd (then closed) and report how it ended; what names the stream. */
static int stream_run(const struct cli *c, int fd, const char *what)
{
	static struct stream_relay r;
	struct progress p;
	int err;

	memset(&r, 0, sizeof(r));
	r.fd = fd;
	r.half_close = !c->no_shutdown;
	progress_init(&p, stderr, isatty(STDERR_FILENO) && !c->quiet, 0);
	err = stream_relay(&r, &p);
	progress_done(&p);
	close(fd);
	if (err) {
		if (r.where)
			return cli_fail_errno(err, "%s: %s", what, r.where);
		return cli_fail_errno(err, "%s", what);
	}
	cli_note(c, "%s: closed by the remote (%llu bytes sent, %llu received)", what,
		 (unsigned long long)r.sent, (unsigned long long)r.received);
	return CLI_OK;
}

int stream_connect(const struct cli *c)
{
	const char *host = c->argv[0];
	char what[K210SOCK_HOST_MAX + 32];
	uint16_t port;
	k210sock *h;
	int fd, rc;

	if (!cli_parse_port(c->argv[1], &port))
		return cli_usage("connect: bad port '%s'", c->argv[1]);
	snprintf(what, sizeof(what), "connect %s:%u", host, port);
	h = cli_open(c);
	if (!h)
		return CLI_UNREACHABLE;
	fd = k210sock_dial(h, host, port, c->tls ? K210SOCK_TLS : K210SOCK_TCP, STREAM_CONNECT_TIMEOUT);
	if (fd < 0) {
		rc = cli_fail(h, "%s", what);
		k210sock_close(h);
		return rc;
	}
	k210sock_close(h);
	cli_note(c, "connected to %s:%u%s", host, port, c->tls ? " (TLS)" : "");
	return stream_run(c, fd, what);
}

int stream_listen(const struct cli *c)
{
	struct sockaddr_in remote;
	char what[64], ip[16];
	uint16_t port;
	k210sock *h;
	int id, rc = CLI_OK;

	if (!cli_parse_port(c->argv[0], &port))
		return cli_usage("listen: bad port '%s'", c->argv[0]);
	snprintf(what, sizeof(what), "listen %u", port);
	h = cli_open(c);
	if (!h)
		return CLI_UNREACHABLE;
	id = k210sock_listen(h, port);
	if (id < 0) {
		rc = cli_fail(h, "%s", what);
		k210sock_close(h);
		return rc;
	}
	cli_note(c, "listening on port %u", port);
	do {
		int fd = k210sock_accept(h, id, -1, &remote);

		if (fd < 0) {
			rc = cli_fail(h, "%s: accept", what);
			break;
		}
		cli_format_ip(ip, &remote.sin_addr);
		cli_note(c, "connection from %s:%u", ip, ntohs(remote.sin_port));
		rc = stream_run(c, fd, what);
	} while (c->keep);
	k210sock_close(h);
	return rc;
}
