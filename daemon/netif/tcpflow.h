/*
 * TCP through the kernel's own stack.  A program's SYN to a remote D:p is
 * held while k210sockd opens the stream to D:p; once it is open the SYN is
 * rewritten to come from the NAT address (F:n, n standing for this flow) and
 * go to the local listener (A:L), and written back into the TUN device.  The
 * kernel completes the handshake between the program's socket and the
 * listener, every packet of it rewritten on the way (A:L -> F:n becomes
 * D:p -> program, program -> D:p becomes F:n -> A:L), and the accepted
 * socket is relayed to the stream with bounded buffers.  A refused connect
 * answers the SYN with a reset, an unreachable host with ICMP, a timeout
 * with silence, as a network would.
 */
#ifndef NETIF_TCPFLOW_H
#define NETIF_TCPFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

/* The local listener on the interface's address; false when it cannot be opened. */
bool tcpflow_init(void);
/* A TCP packet read from the TUN device (buf may be rewritten in place). */
void tcpflow_packet(uint8_t *buf, size_t len, const struct pkt *p);
/* Limits changed: start connects that now fit. */
void tcpflow_reload(void);
/* Stopping: reset every connection (the resets still need the loop to run). */
void tcpflow_shutdown(void);

struct tcpflow_counts {
	unsigned open, connecting, waiting, closing, streams;
};
void tcpflow_counts(struct tcpflow_counts *c);
/* One line per flow, as long as fn returns true. */
void tcpflow_walk(bool (*fn)(void *ctx, const char *line), void *ctx);

#endif
