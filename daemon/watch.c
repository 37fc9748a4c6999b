#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "watch.h"

static struct {
	int fd;
	struct event *ev;
	char dir[256], name[128];    /* name empty: any entry */
	void (*appeared)(void);
} W = { .fd = -1 };

static void watch_split(const char *spec)
{
	const char *slash;

	if (strncmp(spec, "usb:", 4) == 0 || !(slash = strrchr(spec, '/'))) {
		snprintf(W.dir, sizeof(W.dir), "/dev");
		W.name[0] = 0;
		return;
	}
	snprintf(W.dir, sizeof(W.dir), "%.*s", slash > spec ? (int)(slash - spec) : 1, spec);
	snprintf(W.name, sizeof(W.name), "%s", slash + 1);
}

static void watch_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;

	(void)what;
	(void)arg;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ie = (const struct inotify_event *)(void *)p;

			if (!W.name[0] || (ie->len && strcmp(ie->name, W.name) == 0))
				hit = true;
			p += sizeof(*ie) + ie->len;
		}
	}
	if (hit) {
		log_debug("%s/%s appeared", W.dir, W.name);
		W.appeared();
	}
}

void watch_start(const char *spec, void (*appeared)(void))
{
	watch_split(spec);
	W.appeared = appeared;
	W.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (W.fd < 0) {
		log_warn("inotify");
		return;
	}
	if (inotify_add_watch(W.fd, W.dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
		/* Reconnect attempts still find the board, only later. */
		log_debug("cannot watch %s: %s", W.dir, strerror(errno));
		watch_stop();
		return;
	}
	W.ev = event_new(daemon_state.base, W.fd, EV_READ | EV_PERSIST, watch_cb, NULL);
	if (!W.ev || event_add(W.ev, NULL) < 0) {
		log_warnx("cannot watch %s: out of memory", W.dir);
		watch_stop();
	}
}

void watch_stop(void)
{
	if (W.ev) {
		event_free(W.ev);
		W.ev = NULL;
	}
	if (W.fd >= 0)
		close(W.fd);
	W.fd = -1;
}
