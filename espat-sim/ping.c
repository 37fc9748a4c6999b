#include "monotime.h"
#include "ping.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

/* The echo service's port: nothing needs to listen there, a refusal answers too. */
#define PING_PORT 7

static struct {
	int fd;
	int64_t started;
	ping_fn fn;
	bool result_answered;
	long result_ms;
} ping = { .fd = -1 };

static void ping_close(void)
{
	if (ping.fd >= 0) {
		close(ping.fd);
		ping.fd = -1;
		loop_invalidate();
	}
	loop_timer_stop(LOOP_TIMER_PING);
}

static void ping_report(void)
{
	ping_fn fn = ping.fn;

	ping.fn = NULL;
	if (fn != NULL)
		fn(ping.result_answered, ping.result_ms);
}

/* Finish from the loop, never from inside ping_start(). */
static void ping_finish(bool answered)
{
	ping.result_answered = answered;
	ping.result_ms = answered ? (long)((monotime_ns() - ping.started) / LOOP_NS_PER_MS) : 0;
	ping_close();
	log_debug("ping %s", answered ? "answered" : "timed out");
	loop_timer_in(LOOP_TIMER_PING, 0, ping_report);
}

static void ping_timed_out(void)
{
	ping_finish(false);
}

static void ping_on_connect(int fd, short revents, void *ctx)
{
	int err = 0;
	socklen_t len = sizeof(err);

	(void)revents;
	(void)ctx;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	ping_finish(err == 0 || err == ECONNREFUSED);
}

void ping_start(struct in_addr addr, ping_fn fn)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PING_PORT), .sin_addr = addr };

	ping_cancel();
	ping.fn = fn;
	ping.started = monotime_ns();
	ping.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ping.fd < 0) {
		log_warn("ping socket");
		ping_finish(false);
		return;
	}
	if (connect(ping.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == ECONNREFUSED) {
		ping_finish(true);
		return;
	}
	if (errno != EINPROGRESS) {
		ping_finish(false);
		return;
	}
	loop_timer_in(LOOP_TIMER_PING, (int64_t)PING_WAIT_MS * LOOP_NS_PER_MS, ping_timed_out);
}

void ping_cancel(void)
{
	ping.fn = NULL;
	ping_close();
}

void ping_prepare(void)
{
	if (ping.fd >= 0)
		loop_watch(ping.fd, POLLOUT, ping_on_connect, NULL);
}
