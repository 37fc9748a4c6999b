#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "echo.h"
#include "k210sock.h"
#include "log.h"
#include "netif.h"

struct echo {
	LIST_ENTRY(echo) all;
	k210sock_op *op;
	struct event *ev;
	size_t len;
	uint8_t req[];            /* the request, for the reply */
};

static LIST_HEAD(, echo) echo_all = LIST_HEAD_INITIALIZER(echo_all);
static unsigned echo_n;

static void echo_free(struct echo *e)
{
	LIST_REMOVE(e, all);
	if (e->ev)
		event_free(e->ev);
	k210sock_op_free(e->op);
	echo_n--;
	free(e);
}

static void echo_reply(const uint8_t *req, size_t len)
{
	uint8_t out[PKT_MAX];
	struct pkt p;
	size_t n;

	if (pkt_parse(req, len, &p) != PKT_OK)
		return;
	n = pkt_build_echo_reply(out, sizeof(out), &p);
	if (n) {
		netif.ctr.icmp_answered++;
		netif_send(out, n);
	}
}

static void echo_done(struct echo *e, int r, int errnum)
{
	if (r > 0) {
		echo_reply(e->req, e->len);
	} else if (errnum == ETIMEDOUT) {
		netif.ctr.icmp_lost++;
	} else {
		log_debug("ping: %s", e->op ? k210sock_op_strerror(e->op) : strerror(errnum));
		netif.ctr.icmp_unreachable++;
		netif_send_unreach(e->req, e->len,
				   errnum == EHOSTUNREACH ? PKT_UNREACH_HOST : PKT_UNREACH_NET);
	}
	echo_free(e);
}

static void echo_cb(evutil_socket_t fd, short what, void *arg)
{
	struct echo *e = arg;
	int r = k210sock_op_step(e->op);

	(void)fd;
	(void)what;
	if (r != 0)
		echo_done(e, r, errno);
}

void echo_packet(const uint8_t *buf, size_t len, const struct pkt *p)
{
	const struct conf *cfg = netif.cfg;
	struct echo *e;
	char host[16];

	if (p->icmp_type != PKT_ICMP_ECHO || p->icmp_code != 0) {
		netif.ctr.icmp_dropped++;
		return;
	}
	netif.ctr.icmp_echo++;
	if (p->dst == cfg->iface.nat_address || p->dst == cfg->iface.resolver) {
		echo_reply(buf, len);
		return;
	}
	if (echo_n >= cfg->limits.pings || !(e = malloc(sizeof(*e) + len))) {
		netif.ctr.icmp_dropped++;
		return;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->req, buf, len);
	e->len = len;
	LIST_INSERT_HEAD(&echo_all, e, all);
	echo_n++;
	e->op = k210sock_op_ping(cfg->daemon_socket, netif_ip(p->dst, host));
	if (!e->op) {
		echo_done(e, -1, ENETUNREACH);
		return;
	}
	e->ev = event_new(netif.base, k210sock_op_fd(e->op), EV_READ | EV_PERSIST, echo_cb, e);
	if (!e->ev || event_add(e->ev, NULL) < 0)
		echo_done(e, -1, ENOMEM);
}

void echo_shutdown(void)
{
	while (!LIST_EMPTY(&echo_all))
		echo_free(LIST_FIRST(&echo_all));
}

unsigned echo_in_flight(void)
{
	return echo_n;
}
