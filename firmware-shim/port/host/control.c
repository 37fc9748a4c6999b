#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "board.h"
#include "control.h"
#include "log.h"

#define CONTROL_CLIENTS 4
#define CONTROL_LINE 256
/* The longest answer a command gives (stats). */
#define CONTROL_REPLY 2048
#define CONTROL_OUT (2 * CONTROL_REPLY)

struct control_client {
	int fd;
	char in[CONTROL_LINE];   /* bytes not yet taken as commands */
	size_t in_len;
	bool skipping;           /* the rest of an overlong line */
	char out[CONTROL_OUT];
	size_t out_len;
};

static struct {
	int fd;
	const char *path;
	struct control_client c[CONTROL_CLIENTS];
} ctl = { .fd = -1 };

int control_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("--control %s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A socket left by an earlier run may go; anything else stays. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	ctl.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl.fd < 0 || bind(ctl.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ctl.fd, 4) < 0) {
		log_warnx("--control %s: %s", path, strerror(errno));
		if (ctl.fd >= 0)
			close(ctl.fd);
		ctl.fd = -1;
		return -1;
	}
	ctl.path = path;
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		ctl.c[i].fd = -1;
	return 0;
}

static void control_drop(struct control_client *c)
{
	close(c->fd);
	c->fd = -1;
}

void control_close(void)
{
	if (ctl.fd < 0)
		return;
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		if (ctl.c[i].fd >= 0)
			control_drop(&ctl.c[i]);
	close(ctl.fd);
	unlink(ctl.path);
	ctl.fd = -1;
}

/* Room for one more whole answer: a command is taken only then, so no answer is ever cut. */
static bool control_can_answer(const struct control_client *c)
{
	return CONTROL_OUT - c->out_len >= CONTROL_REPLY;
}

int control_pollfds(struct pollfd *fds, int max)
{
	int n = 0;

	if (ctl.fd < 0 || max < 1 + CONTROL_CLIENTS)
		return 0;
	fds[n++] = (struct pollfd){ .fd = ctl.fd, .events = POLLIN };
	for (int i = 0; i < CONTROL_CLIENTS; i++) {
		struct control_client *c = &ctl.c[i];

		/* Stop reading a client that does not read its answers. */
		fds[n++] = (struct pollfd){ .fd = c->fd,
					    .events = (short)((c->out_len ? POLLOUT : 0) |
							      (control_can_answer(c) ? POLLIN : 0)) };
	}
	return n;
}

static void control_accept(void)
{
	int fd = accept4(ctl.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < CONTROL_CLIENTS; i++) {
		if (ctl.c[i].fd < 0) {
			memset(&ctl.c[i], 0, sizeof(ctl.c[i]));
			ctl.c[i].fd = fd;
			return;
		}
	}
	(void)!write(fd, "error: too many control clients\n", 32);
	close(fd);
}

static void control_reply(struct control_client *c, const char *text)
{
	size_t n = strlen(text);

	if (n > CONTROL_OUT - c->out_len)
		n = CONTROL_OUT - c->out_len;
	memcpy(c->out + c->out_len, text, n);
	c->out_len += n;
}

static void control_line(struct control_client *c, char *line, size_t len)
{
	char reply[CONTROL_REPLY];

	line[len] = '\0';
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (len == 0)
		return;
	log_info("control: %s", line);
	board_command(line, reply, sizeof(reply));
	control_reply(c, reply);
}

/* Answer the whole lines received, as far as the output has room. */
static void control_lines(struct control_client *c)
{
	while (control_can_answer(c)) {
		char *nl = memchr(c->in, '\n', c->in_len);
		size_t len;

		if (!nl) {
			if (c->skipping) {
				c->in_len = 0;
			} else if (c->in_len == sizeof(c->in)) {
				control_reply(c, "error: line too long\n");
				c->skipping = true;
				c->in_len = 0;
			}
			return;
		}
		len = (size_t)(nl - c->in);
		if (c->skipping)
			c->skipping = false;
		else
			control_line(c, c->in, len);
		c->in_len -= len + 1;
		memmove(c->in, nl + 1, c->in_len);
	}
}

static void control_read(struct control_client *c)
{
	ssize_t n;

	if (c->in_len == sizeof(c->in))
		return;
	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		control_drop(c);
		return;
	}
	if (n > 0)
		c->in_len += (size_t)n;
	control_lines(c);
}

static void control_write(struct control_client *c)
{
	ssize_t n = write(c->fd, c->out, c->out_len);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			control_drop(c);
		return;
	}
	memmove(c->out, c->out + n, c->out_len - (size_t)n);
	c->out_len -= (size_t)n;
	/* Commands that waited for room. */
	control_lines(c);
}

void control_service(const struct pollfd *fds, int n)
{
	if (n == 0)
		return;
	if (fds[0].revents & POLLIN)
		control_accept();
	for (int i = 0; i < CONTROL_CLIENTS && i + 1 < n; i++) {
		struct control_client *c = &ctl.c[i];
		short re = fds[i + 1].revents;

		if (c->fd < 0 || fds[i + 1].fd != c->fd)
			continue;
		if (re & POLLOUT)
			control_write(c);
		if (c->fd >= 0 && (re & (POLLIN | POLLHUP | POLLERR)))
			control_read(c);
	}
}
