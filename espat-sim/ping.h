/*
 * The round trip AT+PING reports.  A simulator on ordinary sockets cannot send ICMP without
 * privileges, so a TCP handshake stands in for the echo: a connect to port 7 of the host that is
 * accepted or refused (either is an answer from the host) gives the round trip; no answer within
 * the chip's wait, or an unreachable host, is a timeout.  One probe at a time, as the firmware
 * runs one command at a time.
 */
#ifndef ESPAT_PING_H
#define ESPAT_PING_H

#include <netinet/in.h>
#include <stdbool.h>

/* How long the chip waits for the echo reply. */
#define PING_WAIT_MS 1000

typedef void (*ping_fn)(bool answered, long ms);

/* The callback always runs later, from the event loop. */
void ping_start(struct in_addr addr, ping_fn fn);
/* Forget the probe in progress (the chip was reset): its callback will not run. */
void ping_cancel(void);
void ping_prepare(void);

#endif
