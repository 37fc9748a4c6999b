/*
 * CAP_NET_ADMIN is needed to create and configure the interface, and for
 * nothing after that: every capability is dropped once the interface is up
 * (ambient, inheritable, permitted and effective sets), so that the program
 * that handles packets from every local program holds none.
 */
#ifndef NETIF_CAPS_H
#define NETIF_CAPS_H

#include <stdbool.h>

/* Drop every capability; false (errno set) when the kernel refused. */
bool caps_drop_all(void);
/* Does the process still hold any effective capability? */
bool caps_any_effective(void);

#endif
