/*
 * The control socket: the native protocol's HELLO and STATUS, so that
 * k210sock status (or any libk210sock program) shows the interface, its
 * flows and counters next to the daemon's status.  Other requests are
 * answered ENOTSUP; a client that breaks the protocol is dropped.
 */
#ifndef NETIF_CTL_H
#define NETIF_CTL_H

#include <stdbool.h>

/* Listen on the configured path (nothing when it is empty); false on failure (logged). */
bool ctl_open(void);
void ctl_close(void);

#endif
