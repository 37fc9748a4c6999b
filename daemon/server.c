#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"
#include "log.h"
#include "monotime.h"
#include "notify.h"
#include "server.h"

#define SERVER_PAUSE_MS 100   /* out of descriptors: stop accepting this long */

struct server_listener {
	struct evconnlistener *lev;
	struct event *resume;
	bool tcp;
};

static struct server_listener server_unix, server_tcp;
static bool server_unix_passed;
static bool server_unix_created;
static char server_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void server_accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
			     int salen, void *arg)
{
	struct server_listener *l = arg;

	(void)lev;
	(void)sa;
	(void)salen;
	if (daemon_state.stopping) {
		close(fd);
		return;
	}
	client_accept(fd, l->tcp);
}

static void server_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server_listener *l = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(l->lev);
}

static void server_error_cb(struct evconnlistener *lev, void *arg)
{
	struct server_listener *l = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = daemon_tv(SERVER_PAUSE_MS);

	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		/* Retrying at once would spin: pause, and let clients go meanwhile. */
		static uint64_t last_us;
		uint64_t now = monotime_us();

		if (now - last_us > 10000000) {
			log_warnx("accept: %s: pausing new connections", strerror(err));
			last_us = now;
		}
		evconnlistener_disable(lev);
		evtimer_add(l->resume, &tv);
		return;
	}
	log_debug("accept: %s", strerror(err));
}

static bool server_listen_fd(struct server_listener *l, int fd, bool tcp)
{
	l->tcp = tcp;
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	l->lev = evconnlistener_new(daemon_state.base, server_accept_cb, l,
				    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	l->resume = evtimer_new(daemon_state.base, server_resume_cb, l);
	if (!l->lev || !l->resume) {
		log_error("cannot listen: out of memory");
		return false;
	}
	evconnlistener_set_error_cb(l->lev, server_error_cb);
	return true;
}

/* A socket file left by a daemon that died is removed; a live one is not. */
static bool server_clear_stale(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return true;
		log_warn("%s", path);
		return false;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket: not touching it", path);
		return false;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("socket");
		return false;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		log_error("%s: another daemon is listening there", path);
		return false;
	}
	log_info("%s: removing a stale socket", path);
	if (unlink(path) < 0 && errno != ENOENT) {
		log_warn("unlink %s", path);
		return false;
	}
	return true;
}

static int server_make_unix(void)
{
	const struct config *cfg = daemon_state.cfg;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	/* The configuration checked that the path fits. */
	snprintf(server_path, sizeof(server_path), "%.107s", cfg->socket.path);
	if (!server_clear_stale(server_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("socket");
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", server_path);
	/* Nobody may connect before the mode and group are right. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old);
		log_warn("bind %s", server_path);
		close(fd);
		return -1;
	}
	umask(old);
	server_unix_created = true;
	if (cfg->socket.group_set && chown(server_path, (uid_t)-1, cfg->socket.group) < 0)
		log_warn("%s: cannot give it to group %s", server_path, cfg->socket.group_name);
	if (chmod(server_path, cfg->socket.mode) < 0)
		log_warn("%s: cannot set mode %04o", server_path, (unsigned)cfg->socket.mode);
	if (listen(fd, SOMAXCONN) < 0) {
		log_warn("listen %s", server_path);
		close(fd);
		return -1;
	}
	return fd;
}

static int server_make_tcp(void)
{
	const struct config *cfg = daemon_state.cfg;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const char *addr = cfg->socket.socks_address;
	int one = 1, fd;

	memset(&ss, 0, sizeof(ss));
	if (strcmp(addr, "::1") == 0) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(cfg->socket.socks_port);
		sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(cfg->socket.socks_port);
		if (inet_pton(AF_INET, strcmp(addr, "localhost") == 0 ? "127.0.0.1" : addr,
			      &s4->sin_addr) != 1) {
			log_error("socks_address %s: not an address", addr);
			return -1;
		}
		sslen = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, SOMAXCONN) < 0) {
		log_warn("SOCKS listener on %s port %u", addr, cfg->socket.socks_port);
		close(fd);
		return -1;
	}
	log_info("SOCKS5 on %s port %u", addr, cfg->socket.socks_port);
	return fd;
}

bool server_start(void)
{
	const struct config *cfg = daemon_state.cfg;
	int ufd = -1, tfd = -1;

	notify_listen_fds(&ufd, &tfd);
	if (ufd >= 0) {
		server_unix_passed = true;
		log_info("serving the socket passed by the service manager");
	} else {
		ufd = server_make_unix();
		if (ufd < 0)
			return false;
		log_info("listening on %s", server_path);
	}
	if (!server_listen_fd(&server_unix, ufd, false))
		return false;
	if (tfd < 0 && cfg->socket.socks_port) {
		tfd = server_make_tcp();
		if (tfd < 0)
			return false;
	} else if (tfd >= 0) {
		log_info("SOCKS5 on the TCP socket passed by the service manager");
	}
	if (tfd >= 0 && !server_listen_fd(&server_tcp, tfd, true))
		return false;
	return true;
}

void server_stop(void)
{
	struct server_listener *ls[] = { &server_unix, &server_tcp };

	for (size_t i = 0; i < 2; i++) {
		if (ls[i]->lev)
			evconnlistener_free(ls[i]->lev);
		if (ls[i]->resume)
			event_free(ls[i]->resume);
		ls[i]->lev = NULL;
		ls[i]->resume = NULL;
	}
	if (server_unix_created && !server_unix_passed && unlink(server_path) < 0 &&
	    errno != ENOENT)
		log_warn("unlink %s", server_path);
	server_unix_created = false;
}
