/*
 * Has a program closed its TCP socket, or only shut down its sending side?
 * Both look the same on the wire (a FIN); the kernel knows: a socket the
 * program closed lives on only as an orphan, with no file (inode 0).  The
 * query goes to the kernel's socket diagnostics (NETLINK_SOCK_DIAG), which
 * needs no privilege.
 */
#ifndef NETIF_DIAG_H
#define NETIF_DIAG_H

#include <stddef.h>
#include <stdint.h>

enum diag_answer {
	DIAG_OPEN = 0,      /* a program still holds the socket */
	DIAG_GONE,          /* closed by its program (an orphan), or no longer there */
	DIAG_UNKNOWN,       /* the kernel could not be asked */
};

/* The TCP socket src:sport -> dst:dport (host order) as its program sees it. */
enum diag_answer diag_tcp_socket(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport);
/* The kernel's answer in buf (n bytes): what it says, checking every length. */
enum diag_answer diag_parse_reply(const uint8_t *buf, size_t n);

#endif
