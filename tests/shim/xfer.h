/*
 * k210-probe's data commands: interactive connect, HTTP get, checked
 * parallel transfers and download benchmarks, first-byte latency, UDP echo
 * and a listening echo server, connects to servers that close at once, all on
 * the board's sockets.
 */
#ifndef K210_XFER_H
#define K210_XFER_H

#include <stdint.h>

int xfer_connect(const char *host, uint16_t port);
int xfer_get(const char *host, uint16_t port, const char *path);
int xfer_transfer(const char *host, uint16_t port);
int xfer_accept_close(const char *host, uint16_t port);
int xfer_first_byte(const char *host, uint16_t port);
int xfer_udp_echo(const char *host, uint16_t port);
int xfer_listen(uint16_t port);

#endif
