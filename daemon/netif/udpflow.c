#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "k210sock.h"
#include "log.h"
#include "netif.h"
#include "udpflow.h"

#define UDPFLOW_KICK_MS 50   /* a datagram half written to the daemon gets pushed on */

/* A datagram that came while the flow's board socket was opening. */
struct udpflow_dgram {
	STAILQ_ENTRY(udpflow_dgram) next;
	uint32_t dst;
	uint16_t dport;
	uint16_t len;
	uint8_t data[];
};

struct udpflow {
	TAILQ_ENTRY(udpflow) all;
	struct nat_entry *nat;
	k210sock_op *op;
	struct event *op_ev;
	k210sock *h;
	int id;
	struct event *h_ev, *idle, *kick;
	STAILQ_HEAD(, udpflow_dgram) pending;
	unsigned npending;
	uint64_t up, down, dropped;
};

static TAILQ_HEAD(, udpflow) udpflow_all = TAILQ_HEAD_INITIALIZER(udpflow_all);
static unsigned udpflow_n;

static void udpflow_free(struct udpflow *u)
{
	struct udpflow_dgram *d;

	while ((d = STAILQ_FIRST(&u->pending))) {
		STAILQ_REMOVE_HEAD(&u->pending, next);
		free(d);
	}
	if (u->op_ev)
		event_free(u->op_ev);
	k210sock_op_free(u->op);
	if (u->h_ev)
		event_free(u->h_ev);
	if (u->idle)
		event_free(u->idle);
	if (u->kick)
		event_free(u->kick);
	/* Closing the handle closes its board socket. */
	k210sock_close(u->h);
	TAILQ_REMOVE(&udpflow_all, u, all);
	nat_remove(&netif.nat, u->nat);
	udpflow_n--;
	free(u);
}

static void udpflow_touch(struct udpflow *u)
{
	struct timeval tv = netif_tv(netif.cfg->limits.udp_idle_ms);

	evtimer_add(u->idle, &tv);
}

static void udpflow_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udpflow *u = arg;

	(void)fd;
	(void)what;
	netif.ctr.udp_expired++;
	udpflow_free(u);
}

/* Datagrams from the board: to the program's socket, from their remote address. */
static void udpflow_recv(struct udpflow *u)
{
	uint8_t data[K210SOCK_DATAGRAM_MAX], out[PKT_IP_HLEN + 8 + K210SOCK_DATAGRAM_MAX];
	struct in_addr ip;
	uint16_t port;

	for (;;) {
		ssize_t r = k210sock_recvfrom(u->h, u->id, data, sizeof(data), &ip, &port, 0);
		size_t n;

		if (r < 0) {
			if (errno == EAGAIN)
				return;
			log_debug("udp flow from port %u: %s", u->nat->key.sport, k210sock_strerror(u->h));
			udpflow_free(u);
			return;
		}
		n = pkt_build_udp(out, sizeof(out), ntohl(ip.s_addr), port, u->nat->key.saddr,
				  u->nat->key.sport, data, (size_t)r);
		if (n) {
			u->down++;
			netif.ctr.udp_down++;
			netif_send(out, n);
		}
		udpflow_touch(u);
	}
}

static void udpflow_h_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	udpflow_recv(arg);
}

static void udpflow_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	/* Receiving also pushes out what the daemon's socket could not take at once. */
	udpflow_recv(arg);
}

static void udpflow_send(struct udpflow *u, uint32_t dst, uint16_t dport, const uint8_t *data,
			 size_t len)
{
	struct in_addr ip = { htonl(dst) };
	struct timeval tv = netif_tv(UDPFLOW_KICK_MS);

	if (k210sock_sendto(u->h, u->id, ip, dport, data, len) < 0) {
		u->dropped++;
		netif.ctr.udp_dropped++;
		return;
	}
	u->up++;
	netif.ctr.udp_up++;
	udpflow_touch(u);
	if (!evtimer_pending(u->kick, NULL))
		evtimer_add(u->kick, &tv);
}

static void udpflow_opened(struct udpflow *u)
{
	struct udpflow_dgram *d;

	u->h = k210sock_op_take_handle(u->op, &u->id);
	event_free(u->op_ev);
	u->op_ev = NULL;
	k210sock_op_free(u->op);
	u->op = NULL;
	if (!u->h) {
		udpflow_free(u);
		return;
	}
	/* A full board never blocks the loop: such a datagram is dropped. */
	k210sock_set_timeout(u->h, 0);
	u->h_ev = event_new(netif.base, k210sock_fd(u->h), EV_READ | EV_PERSIST, udpflow_h_cb, u);
	if (!u->h_ev || event_add(u->h_ev, NULL) < 0) {
		udpflow_free(u);
		return;
	}
	while ((d = STAILQ_FIRST(&u->pending))) {
		STAILQ_REMOVE_HEAD(&u->pending, next);
		u->npending--;
		udpflow_send(u, d->dst, d->dport, d->data, d->len);
		free(d);
	}
	udpflow_recv(u);
}

/* The board socket could not be opened: what waited is lost, the program hears why. */
static void udpflow_failed(struct udpflow *u, int errnum)
{
	struct udpflow_dgram *d = STAILQ_FIRST(&u->pending);
	uint8_t orig[PKT_IP_HLEN + 8 + 8];

	log_debug("udp flow from port %u: %s", u->nat->key.sport,
		  u->op ? k210sock_op_strerror(u->op) : strerror(errnum));
	netif.ctr.udp_dropped += u->npending;
	if (d && pkt_build_udp(orig, sizeof(orig), u->nat->key.saddr, u->nat->key.sport, d->dst,
			       d->dport, d->data, d->len < 8 ? d->len : 8))
		netif_send_unreach(orig, sizeof(orig), errnum == EACCES ? PKT_UNREACH_ADMIN
									 : PKT_UNREACH_NET);
	udpflow_free(u);
}

static void udpflow_op_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udpflow *u = arg;
	int r = k210sock_op_step(u->op);

	(void)fd;
	(void)what;
	if (r > 0)
		udpflow_opened(u);
	else if (r < 0)
		udpflow_failed(u, errno);
}

static struct udpflow *udpflow_new(const struct nat_key *k)
{
	struct udpflow *u;

	if (udpflow_n >= netif.cfg->limits.udp_flows) {
		errno = EMFILE;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->nat = nat_add(&netif.nat, k, false);
	if (!u->nat) {
		free(u);
		errno = EMFILE;
		return NULL;
	}
	u->nat->owner = u;
	STAILQ_INIT(&u->pending);
	TAILQ_INSERT_TAIL(&udpflow_all, u, all);
	udpflow_n++;
	u->idle = evtimer_new(netif.base, udpflow_idle_cb, u);
	u->kick = evtimer_new(netif.base, udpflow_kick_cb, u);
	if (!u->idle || !u->kick) {
		udpflow_free(u);
		return NULL;
	}
	udpflow_touch(u);
	u->op = k210sock_op_udp_bind(netif.cfg->daemon_socket, 0);
	if (!u->op) {
		int errnum = errno;

		log_debug("udp flow from port %u: the daemon: %s", k->sport, strerror(errnum));
		udpflow_free(u);
		errno = errnum;
		return NULL;
	}
	u->op_ev = event_new(netif.base, k210sock_op_fd(u->op), EV_READ | EV_PERSIST, udpflow_op_cb, u);
	if (!u->op_ev || event_add(u->op_ev, NULL) < 0) {
		udpflow_free(u);
		errno = ENOMEM;
		return NULL;
	}
	netif.ctr.udp_opened++;
	return u;
}

static void udpflow_hold(struct udpflow *u, const struct pkt *p)
{
	struct udpflow_dgram *d;

	if (u->npending >= netif.cfg->limits.udp_queue ||
	    !(d = malloc(sizeof(*d) + p->payload_len))) {
		u->dropped++;
		netif.ctr.udp_dropped++;
		return;
	}
	d->dst = p->dst;
	d->dport = p->dport;
	d->len = p->payload_len;
	memcpy(d->data, p->payload, p->payload_len);
	STAILQ_INSERT_TAIL(&u->pending, d, next);
	u->npending++;
}

void udpflow_packet(const uint8_t *buf, size_t len, const struct pkt *p)
{
	struct nat_key k = { PKT_PROTO_UDP, p->src, 0, p->sport, 0 };
	struct nat_entry *e = nat_find(&netif.nat, &k);
	struct udpflow *u = e ? e->owner : NULL;

	if (p->payload_len > K210SOCK_DATAGRAM_MAX || p->dport == 0) {
		netif.ctr.udp_dropped++;
		return;
	}
	if (!u) {
		u = udpflow_new(&k);
		if (!u) {
			/* No board socket for it now: lost, as on a congested network; with
			 * no daemon to ask, the network is unreachable. */
			netif.ctr.udp_dropped++;
			if (errno != EMFILE && errno != ENOMEM)
				netif_send_unreach(buf, len, PKT_UNREACH_NET);
			return;
		}
	}
	if (u->h)
		udpflow_send(u, p->dst, p->dport, p->payload, p->payload_len);
	else
		udpflow_hold(u, p);
}

void udpflow_reload(void)
{
	struct udpflow *u;

	TAILQ_FOREACH(u, &udpflow_all, all)
		udpflow_touch(u);
}

void udpflow_shutdown(void)
{
	struct udpflow *u;

	while ((u = TAILQ_FIRST(&udpflow_all)))
		udpflow_free(u);
}

unsigned udpflow_count(void)
{
	return udpflow_n;
}

void udpflow_walk(bool (*fn)(void *ctx, const char *line), void *ctx)
{
	struct udpflow *u;
	char line[128], a[16];

	TAILQ_FOREACH(u, &udpflow_all, all) {
		snprintf(line, sizeof(line), "udp %s:%u %s up %llu down %llu dropped %llu",
			 netif_ip(u->nat->key.saddr, a), u->nat->key.sport, u->h ? "open" : "opening",
			 (unsigned long long)u->up, (unsigned long long)u->down,
			 (unsigned long long)u->dropped);
		if (!fn(ctx, line))
			return;
	}
}
