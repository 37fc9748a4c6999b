/*
 * Sockets a native client owns on its connection: UDP sockets (datagrams in
 * DATAGRAM messages, credit returned as the client drains its connection)
 * and a listener (EV_ACCEPTED with a claim token).  The client names them
 * with its own ids; the board sees the daemon's.
 */
#ifndef K210_USOCK_H
#define K210_USOCK_H

#include <stdbool.h>

#include "msg.h"

struct client;

/* UDP_BIND (listener false) or LISTEN; answered when the board has. */
void usock_open(struct client *c, const struct msg *m, bool listener);
void usock_close(struct client *c, const struct msg *m);
void usock_setsockopt(struct client *c, const struct msg *m);
/* A DATAGRAM from the client; false when it has to wait for credit or room. */
bool usock_datagram(struct client *c, const struct msg *m);
/* The client drained its connection: the datagrams it held become credit. */
void usock_credit(struct client *c);
/* The client is going: close everything it owns. */
void usock_close_all(struct client *c);

#endif
