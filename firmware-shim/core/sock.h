/*
 * The sockets: protocol socket ids and their slots (each with rings and
 * credit in both directions) on the module's links, and the one listening
 * socket.  The host side (sock_host.c) serves CONNECT/UDP_BIND/LISTEN/
 * CLOSE/SETSOCKOPT, DATA, DATAGRAM and CREDIT and sends back answers,
 * EV_ACCEPTED, EV_CLOSED, CREDIT and DATA; the ESP side runs the AT
 * commands (sock_esp.c, sock_serve.c) and takes what the module says
 * unasked (sock_urc.c), as users of the ESP engine.  sock_int.h shows one socket's life across them.
 */
#ifndef K210_SOCK_H
#define K210_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

struct req;

struct sock_stats {
	uint32_t opened, failed;
	uint32_t accepted, refused;    /* incoming connections */
	uint32_t udp_dropped;          /* datagrams dropped: no credit, queue full, send failed */
	uint32_t stray_data;           /* host data for a socket that is gone */
	uint32_t overflows;            /* active-mode receive overflows */
	uint64_t bytes_up, bytes_down;
	/* Gauges: bytes waiting in the sockets' rings for AT+CIPSEND / for the host. */
	uint32_t tx_queued, rx_queued;
};

/* The table (sock.c), the host side's pending options (sock_host.c), the ESP side's registration (sock_esp.c, after esp_init). */
void sock_init(uint32_t seed);
void sock_host_init(void);
void sock_esp_init(void);

/* Host requests (each answered through req_answer, at once or later). */
void sock_host_connect(struct req *r);       /* CONNECT and UDP_BIND */
void sock_host_listen(struct req *r);
void sock_host_close(struct req *r);
void sock_host_setsockopt(struct req *r);
/* The request waited too long for the module: forget it (the caller answers). */
void sock_host_cancel(struct req *r);

/* Host messages that are not requests. */
void sock_host_data(const struct msg *m);    /* DATA, DATAGRAM */
void sock_host_credit(const struct msg *m);
/* The host session ended: close every link, forget everything. */
void sock_host_down(void);

/* Events, credit and data towards the host, as far as the link takes them. */
void sock_host_flush(void);
/* Once a poll, before the flushes: the size of the link's frames now. */
void sock_host_share_frames(uint64_t now);
/* Some EV_CLOSED is still to be sent. */
bool sock_closes_pending(void);

uint8_t sock_links_free(void);
/* Sockets held, in any state, the listener included. */
uint8_t sock_in_use(void);
void sock_get_stats(struct sock_stats *st);

#endif
