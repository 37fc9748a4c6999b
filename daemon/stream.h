/*
 * Streams for local clients: CONNECT (native or SOCKS5) through the access
 * rules (a name is resolved on the board first when rules exist), the
 * per-uid limit and the board's link queue; a claimed ACCEPT; then the
 * connection becomes a pipe.
 */
#ifndef K210_STREAM_H
#define K210_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

struct client;
struct bsock;

/* Open a stream for c; the result goes to socks_connect_done or to the
 * native CONNECT answer. */
void stream_open(struct client *c, uint8_t kind, const char *host, uint16_t port);
/* A native CONNECT request. */
void stream_connect(struct client *c, const struct msg *m);
/* A native ACCEPT: true when the connection became a pipe (c is gone). */
bool stream_accept(struct client *c, const struct msg *m);
/* The connection becomes a pipe to b; c is freed. */
void stream_become_pipe(struct client *c, struct bsock *b);

#endif
