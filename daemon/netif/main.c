/*
 * k210-netif: the board's WiFi as a network interface for every program.
 * Creates and configures the interface while it holds CAP_NET_ADMIN, drops
 * every capability, then serves packets until SIGTERM; SIGHUP re-reads
 * [limits] and [log].
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "caps.h"
#include "conf.h"
#include "ctl.h"
#include "echo.h"
#include "log.h"
#include "monotime.h"
#include "netif.h"
#include "resolver.h"
#include "tcpflow.h"
#include "tun.h"
#include "udpflow.h"

#define MAIN_STOP_MS 300   /* the resets of the last connections still need translating */

static const char *main_conf_path = CONF_DEFAULT_PATH;
static int main_verbose;
static struct conf main_conf;

static _Noreturn void main_usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: k210-netif [-d] [-n] [-v]... [-f FILE]\n"
		"  -d       stay in the foreground and log to standard error\n"
		"  -f FILE  configuration file (default " CONF_DEFAULT_PATH ")\n"
		"  -n       check the configuration and exit (0 valid, 1 invalid)\n"
		"  -v       log more (repeatable)\n"
		"  -h       this help\n");
	exit(status);
}

static int main_log_level(const struct conf *c)
{
	int level = c->log_level + main_verbose;

	return level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG : level;
}

/* A configuration file that is absent is the built-in defaults. */
static bool main_load(struct conf *c, struct conf_errors *err)
{
	conf_defaults(c);
	if (access(main_conf_path, F_OK) < 0 && errno == ENOENT && !strcmp(main_conf_path, CONF_DEFAULT_PATH))
		return true;
	return conf_load(c, main_conf_path, err);
}

static bool main_same_setup(const struct conf *a, const struct conf *b)
{
	return !memcmp(&a->iface, &b->iface, sizeof(a->iface)) &&
	       !strcmp(a->daemon_socket, b->daemon_socket) &&
	       !memcmp(&a->control, &b->control, sizeof(a->control)) &&
	       a->limits.flows == b->limits.flows;
}

static void main_reload(void)
{
	struct conf next;
	struct conf_errors err = { .count = 0 };

	sd_notify(0, "RELOADING=1");
	log_info("reloading %s", main_conf_path);
	if (!main_load(&next, &err)) {
		log_error_lines(err.text);
		log_error("reload failed: keeping the configuration in force");
	} else {
		if (!main_same_setup(&next, &main_conf))
			log_warnx("[interface], [daemon], [control] and [limits] flows take a restart: "
				  "only [limits] and [log] were applied");
		main_conf.limits = next.limits;
		main_conf.limits.flows = netif.nat.cap;
		main_conf.log_level = next.log_level;
		log_set_level(main_log_level(&main_conf));
		tcpflow_reload();
		udpflow_reload();
		log_info("configuration reloaded");
	}
	sd_notify(0, "READY=1");
}

static void main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct timeval tv = netif_tv(MAIN_STOP_MS);

	(void)what;
	(void)arg;
	if (sig == SIGHUP) {
		main_reload();
		return;
	}
	log_info("stopping");
	sd_notify(0, "STOPPING=1");
	ctl_close();
	echo_shutdown();
	resolver_shutdown();
	udpflow_shutdown();
	tcpflow_shutdown();
	event_base_loopexit(netif.base, &tv);
}

static void main_options(int argc, char **argv, bool *foreground, bool *check)
{
	int opt;

	while ((opt = getopt(argc, argv, "df:nvh")) != -1) {
		switch (opt) {
		case 'd': *foreground = true; break;
		case 'f': main_conf_path = optarg; break;
		case 'n': *check = true; break;
		case 'v': main_verbose++; break;
		case 'h': main_usage(0);
		default: main_usage(2);
		}
	}
	if (optind != argc)
		main_usage(2);
}

/* Each TCP connection takes two descriptors (the accepted socket and the stream). */
static void main_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the descriptor limit");
	}
}

/* The interface, while the capability to create it is held; then none is. */
static bool main_setup(void)
{
	char err[256], ip[16];

	netif.tun_fd = tun_create(main_conf.iface.name, err, sizeof(err));
	if (netif.tun_fd < 0) {
		log_error("%s", err);
		return false;
	}
	snprintf(netif.ifname, sizeof(netif.ifname), "%s", main_conf.iface.name);
	if (tun_configure(&main_conf, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return false;
	}
	if (!nat_init(&netif.nat, main_conf.limits.flows)) {
		log_error("out of memory for %u flows", main_conf.limits.flows);
		return false;
	}
	/* The control socket's group is set while that may still need a capability. */
	if (!ctl_open() || !tcpflow_init())
		return false;
	if (!caps_drop_all() || caps_any_effective()) {
		log_error("cannot drop capabilities: %s", strerror(errno));
		return false;
	}
	log_info("%s up: %s/%u, resolver %s, MTU %u, through %s", netif.ifname,
		 netif_ip(main_conf.iface.address, ip), main_conf.iface.prefix,
		 netif_ip(main_conf.iface.resolver, err), main_conf.iface.mtu, main_conf.daemon_socket);
	return true;
}

int main(int argc, char **argv)
{
	struct conf_errors err = { .count = 0 };
	bool foreground = false, check = false;
	struct event *sigs[3];
	const int signals[3] = { SIGHUP, SIGTERM, SIGINT };

	main_options(argc, argv, &foreground, &check);
	log_init(foreground || check, LOG_LEVEL_INFO, "k210-netif");
	if (!main_load(&main_conf, &err)) {
		log_error_lines(err.text);
		return 1;
	}
	if (check)
		return 0;
	log_set_level(main_log_level(&main_conf));
	signal(SIGPIPE, SIG_IGN);
	main_raise_fd_limit();
	netif.cfg = &main_conf;
	netif.started_ms = monotime_ms();
	netif.base = event_base_new();
	if (!netif.base || !main_setup() || !netif_start()) {
		ctl_close();
		return 1;
	}
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(netif.base, signals[i], main_signal_cb, NULL);
		if (!sigs[i] || event_add(sigs[i], NULL) < 0) {
			log_error("signal handling: out of memory");
			return 1;
		}
	}
	sd_notify(0, "READY=1");
	event_base_dispatch(netif.base);
	netif_stop();
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	close(netif.tun_fd);
	nat_free(&netif.nat);
	event_base_free(netif.base);
	log_info("stopped");
	return 0;
}
