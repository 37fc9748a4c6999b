/*
 * The native front end of a client connection (Unix socket only): HELLO,
 * then requests -- answered here (STATUS, SUBSCRIBE), forwarded to the
 * board with the client's tags, or served by its own sockets
 * (client_sock.c); a CONNECT or a claimed ACCEPT hands the connection over
 * to a pipe.  Requests stop being read while too many answers wait or the
 * client does not read them.
 */
#ifndef K210_CLIENT_NATIVE_H
#define K210_CLIENT_NATIVE_H

/* Register with client.c. */
void client_native_init(void);

#endif
