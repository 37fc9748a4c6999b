#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "echo.h"
#include "log.h"
#include "monotime.h"
#include "msg.h"
#include "netif.h"
#include "resolver.h"
#include "tcpflow.h"
#include "udpflow.h"

#define CTL_CLIENTS_MAX 16
#define CTL_IDLE_MS 30000
#define CTL_OUT_MAX (64 * 1024)

struct ctl_client {
	LIST_ENTRY(ctl_client) all;
	struct bufferevent *bev;
	struct event *idle;
	bool hello;
};

static LIST_HEAD(, ctl_client) ctl_clients = LIST_HEAD_INITIALIZER(ctl_clients);
static unsigned ctl_n;
static struct evconnlistener *ctl_listener;
static char ctl_path[CONF_PATH_MAX + 1];

static void ctl_free(struct ctl_client *c)
{
	LIST_REMOVE(c, all);
	bufferevent_free(c->bev);
	event_free(c->idle);
	ctl_n--;
	free(c);
}

static void ctl_send(struct ctl_client *c, const struct msg *m)
{
	uint8_t out[PROTO_MSG_MAX];
	size_t n = msg_encode(m, out, sizeof(out));

	if (n)
		bufferevent_write(c->bev, out, n);
}

static void ctl_reply(struct ctl_client *c, const struct msg *req, uint8_t err)
{
	struct msg r;

	msg_init_response(&r, req, err);
	ctl_send(c, &r);
}

struct ctl_flows {
	struct msg_list_builder *b;
	unsigned n;
};

static bool ctl_add_flow(void *ctx, const char *line)
{
	struct ctl_flows *f = ctx;
	char key[PROTO_KEY_MAX + 1];

	snprintf(key, sizeof(key), "netif.flow.%u", f->n + 1);
	if (f->b->count == 255 || !msg_list_add_str(f->b, key, line))
		return false;
	f->n++;
	return true;
}

static void ctl_status(struct ctl_client *c, const struct msg *req)
{
	const struct conf *cfg = netif.cfg;
	const struct netif_counters *k = &netif.ctr;
	uint8_t list[PROTO_BODY_MAX - 4];
	struct msg_list_builder b;
	struct tcpflow_counts tc;
	struct ctl_flows flows = { &b, 0 };
	struct msg r;
	char text[64], ip[16];

	tcpflow_counts(&tc);
	msg_list_begin(&b, list, sizeof(list));
	msg_list_add_str(&b, "netif.version", K210SOCKD_VERSION);
	msg_list_add_int(&b, "netif.uptime_s", (monotime_ms() - netif.started_ms) / 1000);
	msg_list_add_str(&b, "netif.interface", netif.ifname);
	snprintf(text, sizeof(text), "%s/%u", netif_ip(cfg->iface.address, ip), cfg->iface.prefix);
	msg_list_add_str(&b, "netif.address", text);
	msg_list_add_str(&b, "netif.resolver", netif_ip(cfg->iface.resolver, ip));
	msg_list_add_int(&b, "netif.mtu", cfg->iface.mtu);
	msg_list_add_str(&b, "netif.daemon", cfg->daemon_socket);
	msg_list_add_int(&b, "netif.tcp.open", tc.open);
	msg_list_add_int(&b, "netif.tcp.connecting", tc.connecting);
	msg_list_add_int(&b, "netif.tcp.waiting", tc.waiting);
	msg_list_add_int(&b, "netif.tcp.closing", tc.closing);
	msg_list_add_int(&b, "netif.tcp.streams", tc.streams);
	msg_list_add_int(&b, "netif.tcp.opened", (int64_t)k->tcp_opened);
	msg_list_add_int(&b, "netif.tcp.refused", (int64_t)k->tcp_refused);
	msg_list_add_int(&b, "netif.tcp.unreachable", (int64_t)k->tcp_unreachable);
	msg_list_add_int(&b, "netif.tcp.timed_out", (int64_t)k->tcp_timeout);
	msg_list_add_int(&b, "netif.tcp.reset", (int64_t)k->tcp_reset);
	msg_list_add_int(&b, "netif.tcp.stray", (int64_t)k->tcp_stray);
	msg_list_add_int(&b, "netif.tcp.table_full", (int64_t)k->tcp_table_full);
	msg_list_add_int(&b, "netif.tcp.waiting_max", (int64_t)k->tcp_queued_max);
	msg_list_add_int(&b, "netif.tcp.bytes_up", (int64_t)k->tcp_bytes_up);
	msg_list_add_int(&b, "netif.tcp.bytes_down", (int64_t)k->tcp_bytes_down);
	msg_list_add_int(&b, "netif.udp.flows", udpflow_count());
	msg_list_add_int(&b, "netif.udp.opened", (int64_t)k->udp_opened);
	msg_list_add_int(&b, "netif.udp.expired", (int64_t)k->udp_expired);
	msg_list_add_int(&b, "netif.udp.up", (int64_t)k->udp_up);
	msg_list_add_int(&b, "netif.udp.down", (int64_t)k->udp_down);
	msg_list_add_int(&b, "netif.udp.dropped", (int64_t)k->udp_dropped);
	msg_list_add_int(&b, "netif.dns.queries", (int64_t)k->dns_queries);
	msg_list_add_int(&b, "netif.dns.answered", (int64_t)k->dns_answered);
	msg_list_add_int(&b, "netif.dns.nxdomain", (int64_t)k->dns_nxdomain);
	msg_list_add_int(&b, "netif.dns.notimp", (int64_t)k->dns_notimp);
	msg_list_add_int(&b, "netif.dns.failed", (int64_t)k->dns_failed);
	msg_list_add_int(&b, "netif.dns.dropped", (int64_t)k->dns_dropped);
	msg_list_add_int(&b, "netif.dns.in_flight", resolver_in_flight());
	msg_list_add_int(&b, "netif.icmp.echo", (int64_t)k->icmp_echo);
	msg_list_add_int(&b, "netif.icmp.answered", (int64_t)k->icmp_answered);
	msg_list_add_int(&b, "netif.icmp.lost", (int64_t)k->icmp_lost);
	msg_list_add_int(&b, "netif.icmp.unreachable", (int64_t)k->icmp_unreachable);
	msg_list_add_int(&b, "netif.icmp.dropped", (int64_t)k->icmp_dropped);
	msg_list_add_int(&b, "netif.icmp.in_flight", echo_in_flight());
	msg_list_add_int(&b, "netif.packets.in", (int64_t)k->packets_in);
	msg_list_add_int(&b, "netif.packets.out", (int64_t)k->packets_out);
	msg_list_add_int(&b, "netif.drops.malformed", (int64_t)k->drops_malformed);
	msg_list_add_int(&b, "netif.drops.fragment", (int64_t)k->drops_fragment);
	msg_list_add_int(&b, "netif.drops.other_protocol", (int64_t)k->drops_other_proto);
	msg_list_add_int(&b, "netif.drops.not_ipv4", (int64_t)k->drops_ipv6);
	msg_list_add_int(&b, "netif.drops.device_full", (int64_t)k->drops_tun_full);
	/* The flows last, as many as the answer holds; the counts above are complete. */
	tcpflow_walk(ctl_add_flow, &flows);
	udpflow_walk(ctl_add_flow, &flows);
	msg_init_response(&r, req, PROTO_OK);
	msg_list_finish(&b, &r);
	ctl_send(c, &r);
}

/* One whole message; false when the client is to be dropped. */
static bool ctl_message(struct ctl_client *c, const uint8_t *buf, size_t len)
{
	struct msg m;
	enum msg_status st = msg_decode(&m, buf, len);

	if (st == MSG_ETYPE || st == MSG_EINVAL) {
		if (!PROTO_IS_REQUEST(m.type) || !c->hello)
			return false;
		ctl_reply(c, &m, st == MSG_ETYPE ? PROTO_ENOTSUP : PROTO_EINVAL);
		return true;
	}
	if (st != MSG_OK || !PROTO_IS_REQUEST(m.type))
		return false;
	if (!c->hello) {
		struct msg r;

		if (m.type != PROTO_HELLO || m.u.hello.major != PROTO_VERSION_MAJOR) {
			ctl_reply(c, &m, m.type == PROTO_HELLO ? PROTO_EVERSION : PROTO_EPROTO);
			return false;
		}
		c->hello = true;
		msg_init_response(&r, &m, PROTO_OK);
		r.u.hello.major = PROTO_VERSION_MAJOR;
		r.u.hello.minor = PROTO_VERSION_MINOR;
		snprintf(r.u.hello.name, sizeof(r.u.hello.name), "k210-netif %s", K210SOCKD_VERSION);
		ctl_send(c, &r);
		return true;
	}
	if (m.type == PROTO_STATUS)
		ctl_status(c, &m);
	else
		ctl_reply(c, &m, m.type == PROTO_HELLO ? PROTO_EALREADY : PROTO_ENOTSUP);
	return true;
}

static void ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct timeval tv = netif_tv(CTL_IDLE_MS);

	evtimer_add(c->idle, &tv);
	for (;;) {
		uint8_t buf[PROTO_MSG_MAX];
		size_t have = evbuffer_get_length(in), total;

		if (have < PROTO_MSG_HDR)
			return;
		/* Answers the client does not read stop its requests. */
		if (evbuffer_get_length(bufferevent_get_output(bev)) > CTL_OUT_MAX) {
			bufferevent_disable(bev, EV_READ);
			return;
		}
		evbuffer_copyout(in, buf, PROTO_MSG_HDR);
		total = PROTO_MSG_HDR + (size_t)(buf[1] << 8 | buf[2]);
		if (total > PROTO_MSG_MAX) {
			ctl_free(c);
			return;
		}
		if (have < total)
			return;
		evbuffer_remove(in, buf, total);
		if (!ctl_message(c, buf, total)) {
			ctl_free(c);
			return;
		}
	}
}

static void ctl_write_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (!(bufferevent_get_enabled(bev) & EV_READ))
		bufferevent_enable(bev, EV_READ);
}

static void ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ctl_free(arg);
}

static void ctl_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ctl_free(arg);
}

static void ctl_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			  int socklen, void *arg)
{
	struct ctl_client *c;
	struct timeval tv = netif_tv(CTL_IDLE_MS);

	(void)l;
	(void)sa;
	(void)socklen;
	(void)arg;
	if (ctl_n >= CTL_CLIENTS_MAX || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->bev = bufferevent_socket_new(netif.base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->idle = evtimer_new(netif.base, ctl_idle_cb, c);
	if (!c->bev || !c->idle) {
		if (c->bev)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->idle)
			event_free(c->idle);
		free(c);
		return;
	}
	LIST_INSERT_HEAD(&ctl_clients, c, all);
	ctl_n++;
	bufferevent_setcb(c->bev, ctl_read_cb, ctl_write_cb, ctl_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	evtimer_add(c->idle, &tv);
}

static bool ctl_group(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);
	char *end;
	unsigned long n;

	if (g) {
		*gid = g->gr_gid;
		return true;
	}
	n = strtoul(name, &end, 10);
	if (!*name || *end)
		return false;
	*gid = (gid_t)n;
	return true;
}

bool ctl_open(void)
{
	const struct conf *cfg = netif.cfg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	gid_t gid;
	int fd;

	if (!cfg->control.path[0])
		return true;
	snprintf(ctl_path, sizeof(ctl_path), "%s", cfg->control.path);
	memcpy(sa.sun_path, ctl_path, strlen(ctl_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("control socket");
		return false;
	}
	/* A socket file left by an earlier run that did not end cleanly. */
	unlink(ctl_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_warn("control socket %s", ctl_path);
		close(fd);
		ctl_path[0] = 0;
		return false;
	}
	if (cfg->control.group[0] && (!ctl_group(cfg->control.group, &gid) || chown(ctl_path, (uid_t)-1, gid) < 0))
		log_warn("control socket %s: group %s", ctl_path, cfg->control.group);
	if (chmod(ctl_path, cfg->control.mode) < 0)
		log_warn("control socket %s: mode", ctl_path);
	ctl_listener = evconnlistener_new(netif.base, ctl_accept_cb, NULL, LEV_OPT_CLOSE_ON_FREE,
					  CTL_CLIENTS_MAX, fd);
	if (!ctl_listener) {
		close(fd);
		unlink(ctl_path);
		ctl_path[0] = 0;
		return false;
	}
	return true;
}

void ctl_close(void)
{
	while (!LIST_EMPTY(&ctl_clients))
		ctl_free(LIST_FIRST(&ctl_clients));
	if (ctl_listener)
		evconnlistener_free(ctl_listener);
	ctl_listener = NULL;
	if (ctl_path[0])
		unlink(ctl_path);
	ctl_path[0] = 0;
}
