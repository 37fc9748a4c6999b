/*
 * UDP: each local socket (source address and port) that sends through the
 * interface gets one UDP socket on the board, opened on its first datagram
 * and closed after limits.udp_idle without traffic, so that dead flows do
 * not hold the ESP8285's five links.  Datagrams go both ways with their
 * remote addresses; one the board cannot take now is dropped and counted,
 * as UDP would lose it.
 */
#ifndef NETIF_UDPFLOW_H
#define NETIF_UDPFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

void udpflow_packet(const uint8_t *buf, size_t len, const struct pkt *p);
/* Limits changed: idle times apply from the next datagram. */
void udpflow_reload(void);
void udpflow_shutdown(void);
unsigned udpflow_count(void);
void udpflow_walk(bool (*fn)(void *ctx, const char *line), void *ctx);

#endif
