/*
 * The SOCKS5 front end of a client connection (first byte 0x05): the
 * greeting and the request parsed by socks.c; CONNECT opens a stream and
 * hands the connection over to a pipe after the reply; Tor's RESOLVE is
 * answered from the board, then the connection closes.
 */
#ifndef K210_CLIENT_SOCKS_H
#define K210_CLIENT_SOCKS_H

/* Register with client.c (before client_native_init: 0x05 is SOCKS). */
void client_socks_init(void);

#endif
