#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "events.h"
#include "log.h"
#include "notify.h"
#include "report.h"

static struct event *notify_watchdog;
static char notify_last[256];

static void notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	/* Sent from the event loop: a stuck loop stops the pings. */
	sd_notify(0, "WATCHDOG=1");
}

static void notify_status(void);

static const struct events_sink notify_events_sink = {
	.state_changed = notify_status,
};

void notify_init(void)
{
	events_add_sink(&notify_events_sink);
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		struct timeval tv = { .tv_sec = (time_t)(usec / 2 / 1000000),
				      .tv_usec = (suseconds_t)(usec / 2 % 1000000) };

		notify_watchdog = event_new(daemon_state.base, -1, EV_PERSIST, notify_watchdog_cb, NULL);
		if (notify_watchdog)
			event_add(notify_watchdog, &tv);
		log_debug("watchdog: pinging every %llu ms", (unsigned long long)(usec / 2000));
	}
}

void notify_ready(void)
{
	char line[300];

	report_summary(notify_last, sizeof(notify_last));
	snprintf(line, sizeof(line), "READY=1\nSTATUS=%s", notify_last);
	sd_notify(0, line);
}

void notify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

static void notify_status(void)
{
	char summary[256], line[300];

	report_summary(summary, sizeof(summary));
	if (strcmp(summary, notify_last) == 0)
		return;
	snprintf(notify_last, sizeof(notify_last), "%s", summary);
	snprintf(line, sizeof(line), "STATUS=%s", summary);
	sd_notify(0, line);
}

void notify_listen_fds(int *unix_fd, int *tcp_fd)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);

	*unix_fd = -1;
	*tcp_fd = -1;
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (*unix_fd < 0 && sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0) {
			*unix_fd = fd;
		} else if (*tcp_fd < 0 && sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) > 0) {
			*tcp_fd = fd;
		} else {
			log_warnx("ignoring passed socket %d (%s): not a listening stream socket", fd,
				  names && names[i] ? names[i] : "unnamed");
		}
	}
	if (names) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
}
