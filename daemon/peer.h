/*
 * Has the local peer of a connection closed its socket, or only shut down
 * its writing?  A half close and a close look the same from this side of a
 * TCP connection (CLOSE-WAIT either way, no POLLHUP), but the TCP SOCKS
 * listener takes loopback connections only, whose other end is a socket on
 * this host: the kernel's socket diagnostics say whether a process still
 * owns it.  A Unix socket raises POLLHUP once its peer is closed.
 */
#ifndef K210_PEER_H
#define K210_PEER_H

#include <stdbool.h>

enum peer_state {
	PEER_OPEN,       /* a process still holds the other end */
	PEER_CLOSED,     /* closed (or gone): nobody reads what we send */
	PEER_UNKNOWN,    /* cannot tell (no socket diagnostics) */
};

/* fd: a connected stream socket, Unix or loopback TCP. */
enum peer_state peer_state(int fd, bool tcp);

#endif
