/*
 * ICMP echo: a program's ping to a remote is answered with the round trip
 * of the ESP8285's own ping (AT+PING, through k210sockd); a ping to the
 * interface's NAT or resolver address is answered at once.  No answer from
 * the remote is a lost echo, as on any network; where the board cannot ping
 * at all (no WiFi, no daemon, an AT firmware without AT+PING) the program
 * gets "network unreachable", so ping never waits silently for nothing.
 */
#ifndef NETIF_ECHO_H
#define NETIF_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

void echo_packet(const uint8_t *buf, size_t len, const struct pkt *p);
void echo_shutdown(void);
unsigned echo_in_flight(void);

#endif
