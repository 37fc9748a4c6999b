/*
 * The listeners: the Unix socket at [socket] path (mode, group, stale file
 * handling) or the one passed by socket activation, and the optional TCP
 * SOCKS5 listener on loopback.  Accepted connections go to client.c.
 */
#ifndef K210_SERVER_H
#define K210_SERVER_H

#include <stdbool.h>

/* Open the listeners; false (logged) on failure. */
bool server_start(void);
/* Stop accepting; remove the socket file unless it was passed in. */
void server_stop(void);

#endif
