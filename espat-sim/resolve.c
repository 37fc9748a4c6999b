#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

#define RESOLVE_NAME_MAX 255

static struct {
	int pipe[2];
	bool in_flight;    /* the resolver owns req/name until it notifies */
	bool wanted;       /* a caller waits for this lookup */
	unsigned generation;
	char name[RESOLVE_NAME_MAX + 1];
	struct addrinfo hints;
	struct gaicb req;
	resolve_fn fn;
	bool shortcut_ok;
	struct in_addr shortcut_addr;
} resolve = { .pipe = { -1, -1 } };

/* Runs on the resolver's own thread: only hand the news to the loop. */
static void resolve_notify(union sigval value)
{
	unsigned generation = (unsigned)value.sival_int;
	ssize_t n = write(resolve.pipe[1], &generation, sizeof(generation));

	(void)n;
}

static void resolve_shortcut_due(void)
{
	resolve_fn fn = resolve.fn;

	resolve.fn = NULL;
	if (fn != NULL)
		fn(resolve.shortcut_ok, resolve.shortcut_addr);
}

static void resolve_answer_later(bool ok, struct in_addr addr)
{
	resolve.shortcut_ok = ok;
	resolve.shortcut_addr = addr;
	loop_timer_in(LOOP_TIMER_RESOLVE, 0, resolve_shortcut_due);
}

static bool resolve_is_special_invalid(const char *name)
{
	size_t len = strlen(name);
	const char *tld = ".invalid";
	size_t tld_len = strlen(tld);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == tld_len - 1 && strncasecmp(name, tld + 1, len) == 0)
		return true;
	return len > tld_len && strncasecmp(name + len - tld_len, tld, tld_len) == 0;
}

void resolve_start(const char *name, resolve_fn fn)
{
	struct gaicb *list[1];
	struct sigevent sev;
	struct in_addr none = { 0 };

	resolve.fn = fn;
	/* RFC 6761: names under .invalid never resolve; no query needs to leave the machine. */
	if (resolve_is_special_invalid(name) || strlen(name) > RESOLVE_NAME_MAX) {
		resolve_answer_later(false, none);
		return;
	}
	if (resolve.in_flight) {
		log_warnx("resolver still busy with an abandoned lookup: %s fails", name);
		resolve_answer_later(false, none);
		return;
	}
	if (resolve.pipe[0] < 0 && pipe2(resolve.pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		log_fatal("pipe2");
	strcpy(resolve.name, name);
	memset(&resolve.hints, 0, sizeof(resolve.hints));
	resolve.hints.ai_family = AF_INET;
	resolve.hints.ai_socktype = SOCK_STREAM;
	memset(&resolve.req, 0, sizeof(resolve.req));
	resolve.req.ar_name = resolve.name;
	resolve.req.ar_request = &resolve.hints;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = resolve_notify;
	sev.sigev_value.sival_int = (int)++resolve.generation;
	list[0] = &resolve.req;
	if (getaddrinfo_a(GAI_NOWAIT, list, 1, &sev) != 0) {
		log_warnx("cannot start a lookup of %s", name);
		resolve_answer_later(false, none);
		return;
	}
	resolve.in_flight = true;
	resolve.wanted = true;
	log_debug("resolving %s", name);
}

void resolve_cancel(void)
{
	loop_timer_stop(LOOP_TIMER_RESOLVE);
	resolve.fn = NULL;
	resolve.wanted = false;
	if (resolve.in_flight && gai_cancel(&resolve.req) == EAI_CANCELED) {
		resolve.in_flight = false;
		if (resolve.req.ar_result != NULL)
			freeaddrinfo(resolve.req.ar_result);
	}
}

static void resolve_on_pipe(int fd, short revents, void *ctx)
{
	unsigned generation;
	struct in_addr addr = { 0 };
	bool ok = false;
	resolve_fn fn;

	(void)revents;
	(void)ctx;
	while (read(fd, &generation, sizeof(generation)) == (ssize_t)sizeof(generation)) {
		if (generation != resolve.generation || !resolve.in_flight)
			continue;
		resolve.in_flight = false;
		if (gai_error(&resolve.req) == 0 && resolve.req.ar_result != NULL) {
			addr = ((const struct sockaddr_in *)(const void *)resolve.req.ar_result->ai_addr)->sin_addr;
			ok = true;
		}
		if (resolve.req.ar_result != NULL)
			freeaddrinfo(resolve.req.ar_result);
		resolve.req.ar_result = NULL;
		log_debug("lookup of %s %s", resolve.name, ok ? "succeeded" : "failed");
		if (!resolve.wanted)
			continue;
		resolve.wanted = false;
		fn = resolve.fn;
		resolve.fn = NULL;
		if (fn != NULL)
			fn(ok, addr);
	}
}

void resolve_prepare(void)
{
	if (resolve.pipe[0] >= 0)
		loop_watch(resolve.pipe[0], POLLIN, resolve_on_pipe, NULL);
}
