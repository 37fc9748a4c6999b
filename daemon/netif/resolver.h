/*
 * The DNS server on the interface's resolver address (UDP port 53): A
 * queries are looked up on the board (RESOLVE through k210sockd), AAAA get
 * an empty answer (the ESP8285 has no IPv6), anything else NOTIMP.  Queries
 * in flight are bounded (limits.dns_queries); more are dropped, and the
 * program's resolver asks again.
 */
#ifndef NETIF_RESOLVER_H
#define NETIF_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

void resolver_packet(const uint8_t *buf, size_t len, const struct pkt *p);
void resolver_shutdown(void);
unsigned resolver_in_flight(void);

#endif
