/*
 * The TUN device and its configuration: address, MTU, no IPv6, up, routes.
 * Everything here needs CAP_NET_ADMIN and runs before it is dropped; errors
 * say what is missing in words a user can act on.
 */
#ifndef NETIF_TUN_H
#define NETIF_TUN_H

#include <stddef.h>

#include "conf.h"

/* Create the device (non-blocking descriptor), or -1 with the reason in err. */
int tun_create(const char *name, char *err, size_t errlen);
/* Address, MTU, IPv6 off, up, routes: 0, or -1 with the reason in err. */
int tun_configure(const struct conf *c, char *err, size_t errlen);

#endif
