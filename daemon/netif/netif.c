#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "echo.h"
#include "log.h"
#include "netif.h"
#include "resolver.h"
#include "tcpflow.h"
#include "udpflow.h"

/* Packets read per wakeup before other events get their turn. */
#define NETIF_BURST 64

struct netif netif = { .tun_fd = -1 };

static struct event *netif_tun_ev;
static uint8_t netif_buf[PKT_MAX];

struct timeval netif_tv(uint32_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

const char *netif_ip(uint32_t addr, char *buf)
{
	return conf_ip(addr, buf);
}

void netif_send(const uint8_t *pkt, size_t len)
{
	ssize_t n = write(netif.tun_fd, pkt, len);

	if (n == (ssize_t)len) {
		netif.ctr.packets_out++;
		netif.ctr.bytes_out += len;
		return;
	}
	netif.ctr.drops_tun_full++;
	if (n < 0 && errno != EAGAIN)
		log_debug("writing to %s: %s", netif.ifname, strerror(errno));
}

void netif_send_unreach(const uint8_t *orig, size_t len, uint8_t code)
{
	uint8_t out[PKT_IP_HLEN + 8 + 60 + 8];
	size_t n = pkt_build_unreach(out, sizeof(out), netif.cfg->iface.nat_address, code, orig, len);

	if (n)
		netif_send(out, n);
}

static void netif_packet(uint8_t *buf, size_t len)
{
	struct pkt p;
	enum pkt_status st = pkt_parse(buf, len, &p);

	switch (st) {
	case PKT_OK:
		break;
	case PKT_NOT_IPV4:
		netif.ctr.drops_ipv6++;
		return;
	case PKT_FRAGMENT:
		netif.ctr.drops_fragment++;
		return;
	case PKT_OTHER_PROTO:
		netif.ctr.drops_other_proto++;
		return;
	default:
		netif.ctr.drops_malformed++;
		log_debug("packet of %zu bytes dropped: %s", len, pkt_status_str(st));
		return;
	}
	switch (p.proto) {
	case PKT_PROTO_TCP:
		tcpflow_packet(buf, p.len, &p);
		break;
	case PKT_PROTO_UDP:
		if (p.dst == netif.cfg->iface.resolver)
			resolver_packet(buf, p.len, &p);
		else if (p.dst == netif.cfg->iface.nat_address)
			netif_send_unreach(buf, p.len, PKT_UNREACH_PORT);
		else
			udpflow_packet(buf, p.len, &p);
		break;
	default:
		echo_packet(buf, p.len, &p);
		break;
	}
}

static void netif_tun_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	(void)arg;
	for (int i = 0; i < NETIF_BURST; i++) {
		ssize_t n = read(fd, netif_buf, sizeof(netif_buf));

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("reading %s", netif.ifname);
			return;
		}
		netif.ctr.packets_in++;
		netif.ctr.bytes_in += (uint64_t)n;
		netif_packet(netif_buf, (size_t)n);
	}
}

bool netif_start(void)
{
	netif_tun_ev = event_new(netif.base, netif.tun_fd, EV_READ | EV_PERSIST, netif_tun_cb, NULL);
	return netif_tun_ev && event_add(netif_tun_ev, NULL) == 0;
}

void netif_stop(void)
{
	if (netif_tun_ev)
		event_free(netif_tun_ev);
	netif_tun_ev = NULL;
}
