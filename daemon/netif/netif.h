/*
 * k210-netif: the board's WiFi as a network interface.  The kernel routes
 * packets into a TUN device; TCP connections are handed to the kernel's own
 * TCP through a local listener (addresses rewritten both ways, see
 * tcpflow.h), and each becomes a stream through k210sockd; UDP flows become
 * board UDP sockets, DNS queries to the resolver address become RESOLVE
 * requests, ICMP echo becomes PING.  This file holds what the parts share:
 * the event loop, the configuration, the flow table, the TUN device and the
 * counters.
 */
#ifndef NETIF_NETIF_H
#define NETIF_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "nat.h"
#include "pkt.h"

struct event_base;
struct event;

/* Counters for k210sock status; "drops" are packets taken in and not passed on. */
struct netif_counters {
	uint64_t packets_in, packets_out, bytes_in, bytes_out;
	uint64_t drops_malformed, drops_fragment, drops_other_proto, drops_ipv6, drops_tun_full;
	uint64_t tcp_opened, tcp_refused, tcp_unreachable, tcp_timeout, tcp_reset, tcp_stray;
	uint64_t tcp_queued_max, tcp_bytes_up, tcp_bytes_down, tcp_table_full;
	uint64_t udp_opened, udp_expired, udp_up, udp_down, udp_dropped;
	uint64_t dns_queries, dns_answered, dns_nxdomain, dns_failed, dns_notimp, dns_dropped;
	uint64_t icmp_echo, icmp_answered, icmp_lost, icmp_unreachable, icmp_dropped;
};

struct netif {
	struct event_base *base;
	struct conf *cfg;
	int tun_fd;
	char ifname[CONF_NAME_MAX + 1];
	struct nat nat;
	uint16_t listen_port;          /* the local listener on the interface address */
	struct netif_counters ctr;
	int64_t started_ms;
};

extern struct netif netif;

/* Write one packet to the TUN device (counted; dropped when the device refuses it). */
void netif_send(const uint8_t *pkt, size_t len);
/* Answer the packet orig with ICMP destination unreachable from the NAT address. */
void netif_send_unreach(const uint8_t *orig, size_t len, uint8_t code);
/* A timeval of ms milliseconds, for libevent. */
struct timeval netif_tv(uint32_t ms);
/* Dotted text of a host-order address into buf (16 bytes). */
const char *netif_ip(uint32_t addr, char *buf);

/* Start reading packets; false when the event cannot be added. */
bool netif_start(void);
void netif_stop(void);

#endif
