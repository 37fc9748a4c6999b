/*
 * A raw byte pipe between a local connection and a board stream socket,
 * after a SOCKS5 or native CONNECT, or a claimed ACCEPT.
 *
 * Client -> board: read only while the board has credit for the socket
 * (EV_READ off otherwise), at most [limits] send_buffer buffered.
 * Board -> client: credit goes back to the board only as the client drains
 * its output buffer, so that buffer never exceeds [limits] client_buffer.
 * Remote EOF becomes shutdown(SHUT_WR) after the last byte; a failure closes
 * the connection with SO_LINGER 0 (a reset on TCP).  A client that closes
 * while its bytes wait for credit still has them sent; the board socket is
 * closed once all credit is back (at most handshake_timeout later).
 * After a client's half close the remote is relayed until it closes, or
 * until it has been quiet for half_close_timeout (the ESP8285 passes an end
 * of input on only as a close); the client's later close is watched for
 * (peer.h) and frees the board socket at once.
 */
#ifndef K210_CLIENT_PIPE_H
#define K210_CLIENT_PIPE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bufferevent;
struct board_sock;

/* Take over a client's connection (see client_handover) with its open stream b. */
void client_pipe_start(struct bufferevent *bev, struct board_sock *b, uid_t uid, bool tcp,
		       uint32_t serial);
/* Pipes open now (they count as clients). */
unsigned client_pipe_count(void);
/* Stopping: close every pipe (as a failure: the remote side was cut). */
void client_pipe_shutdown_all(void);

#endif
