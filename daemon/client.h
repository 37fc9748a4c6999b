/*
 * Local clients' connections (the Unix socket, or the TCP SOCKS listener):
 * accepted, checked (access rules, limits, handshake deadline), then served
 * by the front end the first byte picks -- SOCKS5 (client_socks.c) or the
 * native protocol (client_native.c) -- until a stream they open becomes a
 * byte pipe (client_pipe.c).  What the rest of the daemon sees of them.
 */
#ifndef K210_CLIENT_H
#define K210_CLIENT_H

#include <stdbool.h>

/* Also registers the clients subscribed to events as an event sink. */
void client_init(void);
/* A new connection (already accepted, non-blocking). */
void client_accept(int fd, bool tcp);
/* Connections now open (clients, SOCKS and pipes). */
unsigned client_count(void);
/* Stop accepting work: close every client. */
void client_shutdown_all(void);

#endif
