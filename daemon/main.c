#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "board_device.h"
#include "board_link.h"
#include "board_req.h"
#include "board_session.h"
#include "board_sock.h"
#include "board_wifi.h"
#include "client.h"
#include "client_native.h"
#include "client_pipe.h"
#include "client_socks.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "monotime.h"
#include "notify.h"
#include "server.h"

#define MAIN_STOP_WAIT_MS 1000   /* SIGTERM: how long board sockets get to close */
#define MAIN_STOP_POLL_MS 20

static int main_verbose;
static struct event *main_stop_timer;
static uint64_t main_stop_deadline;

static _Noreturn void main_usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: k210sockd [-d] [-n] [-v]... [-f FILE]\n"
		"  -d          stay in the foreground and log to standard error\n"
		"  -f FILE     configuration file (default " CONFIG_DEFAULT_PATH ")\n"
		"  -n          check the configuration and exit (0 valid, 1 invalid)\n"
		"  -v          log more (repeatable)\n"
		"  -h, --help  this help\n");
	exit(status);
}

static int main_log_level(const struct config *cfg)
{
	int level = cfg->log.level + main_verbose;

	return level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG : level;
}

static void main_reload(void)
{
	struct config *next = malloc(sizeof(*next));
	struct config *cur = daemon_state.cfg;
	struct config_errors err = { .len = 0 };

	notify_reloading();
	log_info("reloading %s", daemon_state.conf_path);
	if (!next) {
		log_error("reload: out of memory");
		notify_ready();
		return;
	}
	config_defaults(next);
	if (!config_load(next, daemon_state.conf_path, &err) ||
	    !config_read_psk(next, daemon_state.conf_path, false, &err)) {
		log_error_lines(err.text);
		log_error("reload failed: keeping the configuration in force");
		free(next);
		notify_ready();
		return;
	}
	if (config_device_changed(cur, next)) {
		log_warnx("reload: changes to [device] need a restart");
		next->device = cur->device;
	}
	if (config_socket_changed(cur, next)) {
		log_warnx("reload: changes to [socket] need a restart");
		next->socket = cur->socket;
	}
	daemon_state.cfg = next;
	log_set_level((enum log_level)main_log_level(next));
	if (config_wifi_changed(cur, next)) {
		log_info("reload: [wifi] changed");
		board_wifi_config_changed();
	}
	free(cur);
	log_info("configuration reloaded");
	notify_ready();
}

static void main_finish(void)
{
	board_req_stop();
	board_link_stop();
	client_pipe_shutdown_all();
	client_shutdown_all();
	event_base_loopexit(daemon_state.base, NULL);
}

static void main_stop_poll(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = daemon_tv(MAIN_STOP_POLL_MS);

	(void)fd;
	(void)what;
	(void)arg;
	if ((board_sock_shutdown() && board_session_idle()) ||
	    monotime_us() >= main_stop_deadline) {
		main_finish();
		return;
	}
	evtimer_add(main_stop_timer, &tv);
}

static void main_stop(int sig)
{
	struct timeval tv = daemon_tv(0);

	if (daemon_state.stopping)
		return;
	daemon_state.stopping = true;
	log_info("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	notify_stopping();
	server_stop();
	/* Close the board's sockets first, so that it frees the ESP links. */
	board_sock_shutdown();
	main_stop_deadline = monotime_us() + MAIN_STOP_WAIT_MS * 1000u;
	main_stop_timer = evtimer_new(daemon_state.base, main_stop_poll, NULL);
	if (!main_stop_timer) {
		main_finish();
		return;
	}
	evtimer_add(main_stop_timer, &tv);
}

static void main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (sig == SIGHUP) {
		if (!daemon_state.stopping)
			main_reload();
		return;
	}
	main_stop((int)sig);
}

/* Thousands of clients need descriptors: take what the hard limit allows. */
static void main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the descriptor limit");
	}
}

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct config_errors err = { .len = 0 };
	const char *path = CONFIG_DEFAULT_PATH;
	bool foreground = false, check = false;
	struct config *cfg;
	int ch;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "df:hnv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			foreground = true;
			break;
		case 'f':
			path = optarg;
			break;
		case 'h':
			main_usage(0);
		case 'n':
			check = true;
			break;
		case 'v':
			main_verbose++;
			break;
		default:
			if (optopt == 'f')
				fprintf(stderr, "k210sockd: -f needs a file name\n");
			else if (optopt)
				fprintf(stderr, "k210sockd: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "k210sockd: unknown option %s\n", argv[optind - 1]);
			main_usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "k210sockd: unexpected argument %s\n", argv[optind]);
		main_usage(2);
	}
	/* Until the configuration says otherwise, errors go to stderr. */
	log_init(1, LOG_LEVEL_INFO, K210SOCKD_NAME);
	cfg = malloc(sizeof(*cfg));
	if (!cfg)
		log_fatalx("out of memory");
	config_defaults(cfg);
	if (!config_load(cfg, path, &err) || !config_read_psk(cfg, path, check, &err)) {
		if (check)
			fputs(err.text, stderr);
		else
			log_error_lines(err.text);
		free(cfg);
		return 1;
	}
	if (check) {
		printf("%s: configuration OK\n", path);
		free(cfg);
		return 0;
	}
	log_init(foreground, (enum log_level)main_log_level(cfg), K210SOCKD_NAME);
	daemon_state.cfg = cfg;
	daemon_state.conf_path = path;
	daemon_state.uid = geteuid();
	daemon_state.start_us = monotime_us();
	signal(SIGPIPE, SIG_IGN);
	main_raise_nofile();
	daemon_state.base = event_base_new();
	if (!daemon_state.base)
		log_fatalx("cannot create the event loop");
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct event *ev = evsignal_new(daemon_state.base, sigs[i], main_signal_cb, NULL);

		if (!ev || event_add(ev, NULL) < 0)
			log_fatalx("cannot catch signal %d", sigs[i]);
	}
	/* The board session calls its users in this order as the link comes up
	 * (and in reverse as it goes down): sockets, requests, device, WiFi. */
	board_session_init();
	board_sock_init();
	board_req_init();
	board_device_init();
	board_wifi_init();
	client_init();
	client_socks_init();
	client_native_init();
	notify_init();
	if (!server_start()) {
		/* Leave no socket file behind for a daemon that is not there. */
		server_stop();
		return 1;
	}
	log_info("k210sockd %s started (board %s, link %u baud)", K210SOCKD_VERSION,
		 cfg->device.path, cfg->device.baud);
	board_link_start();
	notify_ready();
	event_base_dispatch(daemon_state.base);
	log_info("stopped");
	return 0;
}
