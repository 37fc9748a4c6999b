#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "dns.h"
#include "k210sock.h"
#include "log.h"
#include "netif.h"
#include "resolver.h"

#define RESOLVER_PORT 53
#define RESOLVER_ADDRS 8

struct resolver_query {
	LIST_ENTRY(resolver_query) all;
	k210sock_op *op;
	struct event *ev;
	uint32_t client;
	uint16_t client_port;
	struct dns_query q;
	size_t len;
	uint8_t query[];           /* the datagram: q points into it */
};

static LIST_HEAD(, resolver_query) resolver_all = LIST_HEAD_INITIALIZER(resolver_all);
static unsigned resolver_n;

/* Send an answer of n bytes in body from the resolver to the program. */
static void resolver_send(uint32_t client, uint16_t port, const uint8_t *body, size_t n)
{
	uint8_t out[PKT_IP_HLEN + 8 + DNS_ANSWER_MAX];
	size_t len = pkt_build_udp(out, sizeof(out), netif.cfg->iface.resolver, RESOLVER_PORT, client,
				   port, body, n);

	if (len)
		netif_send(out, len);
}

static void resolver_answer(uint32_t client, uint16_t port, const struct dns_query *q, uint8_t rcode,
			    const struct in_addr *addrs, int naddrs)
{
	uint8_t body[DNS_ANSWER_MAX];
	size_t n = dns_build_answer(body, sizeof(body), q, rcode, addrs, naddrs,
				    netif.cfg->limits.dns_ttl);

	switch (rcode) {
	case DNS_NOERROR:
		netif.ctr.dns_answered++;
		break;
	case DNS_NXDOMAIN:
		netif.ctr.dns_nxdomain++;
		break;
	case DNS_NOTIMP:
		netif.ctr.dns_notimp++;
		break;
	default:
		netif.ctr.dns_failed++;
		break;
	}
	if (n)
		resolver_send(client, port, body, n);
}

static void resolver_free(struct resolver_query *r)
{
	LIST_REMOVE(r, all);
	if (r->ev)
		event_free(r->ev);
	k210sock_op_free(r->op);
	resolver_n--;
	free(r);
}

static void resolver_done(struct resolver_query *r, int result, int errnum)
{
	struct in_addr addrs[RESOLVER_ADDRS];
	int n;

	if (result > 0) {
		n = k210sock_op_addrs(r->op, addrs, RESOLVER_ADDRS);
		if (n > RESOLVER_ADDRS)
			n = RESOLVER_ADDRS;
		resolver_answer(r->client, r->client_port, &r->q, DNS_NOERROR, addrs, n);
	} else {
		log_debug("resolve %s: %s", r->q.name, r->op ? k210sock_op_strerror(r->op) : strerror(errnum));
		/* The board says a name does not resolve; anything else is a failure to ask. */
		resolver_answer(r->client, r->client_port, &r->q,
				errnum == EHOSTUNREACH ? DNS_NXDOMAIN : DNS_SERVFAIL, NULL, 0);
	}
	resolver_free(r);
}

static void resolver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_query *r = arg;
	int result = k210sock_op_step(r->op);

	(void)fd;
	(void)what;
	if (result != 0)
		resolver_done(r, result, errno);
}

static void resolver_lookup(const struct pkt *p)
{
	struct resolver_query *r;

	if (resolver_n >= netif.cfg->limits.dns_queries ||
	    !(r = malloc(sizeof(*r) + p->payload_len))) {
		netif.ctr.dns_dropped++;
		return;
	}
	memset(r, 0, sizeof(*r));
	memcpy(r->query, p->payload, p->payload_len);
	r->len = p->payload_len;
	r->client = p->src;
	r->client_port = p->sport;
	/* Parsed again from the copy, so that the question points into it. */
	dns_parse_query(r->query, r->len, &r->q);
	LIST_INSERT_HEAD(&resolver_all, r, all);
	resolver_n++;
	r->op = k210sock_op_resolve(netif.cfg->daemon_socket, r->q.name);
	if (!r->op) {
		resolver_done(r, -1, errno);
		return;
	}
	r->ev = event_new(netif.base, k210sock_op_fd(r->op), EV_READ | EV_PERSIST, resolver_cb, r);
	if (!r->ev || event_add(r->ev, NULL) < 0)
		resolver_done(r, -1, ENOMEM);
}

void resolver_packet(const uint8_t *buf, size_t len, const struct pkt *p)
{
	struct dns_query q;
	enum dns_status st;
	int rcode;

	if (p->dport != RESOLVER_PORT) {
		netif_send_unreach(buf, len, PKT_UNREACH_PORT);
		return;
	}
	netif.ctr.dns_queries++;
	st = dns_parse_query(p->payload, p->payload_len, &q);
	rcode = dns_status_rcode(st);
	if (st != DNS_OK) {
		uint8_t body[DNS_ANSWER_MAX];
		size_t n = 0;

		log_debug("DNS query from port %u: %s", p->sport, dns_status_str(st));
		if (rcode < 0) {
			netif.ctr.dns_dropped++;
			return;
		}
		if (st == DNS_CHARACTER)
			n = dns_build_answer(body, sizeof(body), &q, (uint8_t)rcode, NULL, 0, 0);
		else
			n = dns_build_header_only(body, sizeof(body), p->payload, p->payload_len,
						  (uint8_t)rcode);
		netif.ctr.dns_failed++;
		if (n)
			resolver_send(p->src, p->sport, body, n);
		return;
	}
	if (q.qclass != DNS_CLASS_IN || (q.qtype != DNS_TYPE_A && q.qtype != DNS_TYPE_AAAA)) {
		resolver_answer(p->src, p->sport, &q, DNS_NOTIMP, NULL, 0);
		return;
	}
	if (q.qtype == DNS_TYPE_AAAA || !q.name[0]) {
		/* No IPv6 through the board: the name exists, it has no AAAA records here. */
		resolver_answer(p->src, p->sport, &q, q.name[0] ? DNS_NOERROR : DNS_REFUSED, NULL, 0);
		return;
	}
	resolver_lookup(p);
}

void resolver_shutdown(void)
{
	while (!LIST_EMPTY(&resolver_all))
		resolver_free(LIST_FIRST(&resolver_all));
}

unsigned resolver_in_flight(void)
{
	return resolver_n;
}
