/*
 * Sockets a native client owns on its connection: UDP sockets (datagrams in
 * DATAGRAM messages, credit returned as the client drains its connection)
 * and a listener (EV_ACCEPTED with a claim token).  The client names them
 * with its own ids; the board sees the daemon's.
 */
#ifndef K210_CLIENT_SOCK_H
#define K210_CLIENT_SOCK_H

#include <stdbool.h>

#include "msg.h"

struct client;

/* UDP_BIND (listener false) or LISTEN; answered when the board has. */
void client_sock_open(struct client *c, const struct msg *m, bool listener);
void client_sock_close(struct client *c, const struct msg *m);
void client_sock_setsockopt(struct client *c, const struct msg *m);
/* A DATAGRAM from the client; false when it has to wait for credit or room. */
bool client_sock_datagram(struct client *c, const struct msg *m);
/* The client drained its connection: the datagrams it held become credit. */
void client_sock_credit(struct client *c);
/* The client is going: close everything it owns. */
void client_sock_close_all(struct client *c);

#endif
