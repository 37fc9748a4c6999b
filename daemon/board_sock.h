/*
 * Board sockets: the daemon's table of sockets on the board.  Ids 1..0x7fff
 * are chosen here, 0x8000..0xffff by the board for accepted connections.
 * Opens that need one of the ESP8285's links wait in a FIFO queue when none
 * is free.  Flow control both ways (board_sock_flow.c): the board's credit
 * bounds what we send, and credit goes back to the board only as the
 * owner's client consumes the bytes it was given.
 *
 * An owner (a pipe, a client's UDP socket or listener) is called back
 * through struct board_sock_ops and sees the socket only through the
 * functions here.
 */
#ifndef K210_BOARD_SOCK_H
#define K210_BOARD_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "msg.h"

struct board_sock;
struct evbuffer;

struct board_sock_ops {
	/* CONNECT / UDP_BIND / LISTEN finished: err PROTO_OK or why not.  On
	 * error the socket is freed after the call. */
	void (*opened)(void *ctx, struct board_sock *b, int err);
	/* Stream bytes from the remote (within the credit granted). */
	void (*data)(void *ctx, struct board_sock *b, const uint8_t *data, size_t len);
	/* One datagram (m->u.data) from the remote. */
	void (*datagram)(void *ctx, struct board_sock *b, const struct msg *m);
	/* The remote closed (PROTO_OK) or the socket failed; b is freed after. */
	void (*closed)(void *ctx, struct board_sock *b, int err);
	/* A listener got a connection; child waits to be claimed by its token. */
	void (*accepted)(void *ctx, struct board_sock *listener, struct board_sock *child,
			 const struct msg_addr *remote);
	/* Credit and link room are available: send (board_sock_flow_send_*);
	 * return true to stay in the transmit rotation. */
	bool (*tx)(void *ctx, struct board_sock *b);
};

/* Register with the board session (socket messages, up/down, flushes). */
void board_sock_init(void);

/* Open a stream (queued until a link is free); NULL with *err set. */
struct board_sock *board_sock_connect(uint8_t kind, const char *host, uint16_t port, uid_t uid,
				      const struct board_sock_ops *ops, void *ctx, int *err);
struct board_sock *board_sock_udp_bind(uint16_t local_port, uid_t uid,
				       const struct board_sock_ops *ops, void *ctx, int *err);
struct board_sock *board_sock_listen(uint16_t port, uint8_t backlog, uid_t uid,
				     const struct board_sock_ops *ops, void *ctx, int *err);
/* The owner lets go: CLOSE on the board when needed, then freed. */
void board_sock_close(struct board_sock *b);
/* Claim an accepted connection by token (uid must match the listener's). */
struct board_sock *board_sock_claim(uint16_t token, uid_t uid, const struct board_sock_ops *ops,
				    void *ctx, int *err);
/* Hand the socket to another owner (a CONNECT that became a pipe). */
void board_sock_set_owner(struct board_sock *b, const struct board_sock_ops *ops, void *ctx);

/* The board's id for b (for log lines and requests naming it). */
uint16_t board_sock_id(const struct board_sock *b);
/* The port the board gave the socket (CONNECT, UDP_BIND answers). */
uint16_t board_sock_local_port(const struct board_sock *b);
/* Accepted and not yet claimed: the claim token (0 otherwise). */
uint16_t board_sock_token(const struct board_sock *b);
/* Accepted: the peer. */
const struct msg_addr *board_sock_remote(const struct board_sock *b);

/* The board's link count (DEVICE_INFO); queued opens start as links allow. */
void board_sock_set_links(unsigned links_total);
/* SIGTERM: close everything open on the board; true when nothing is left. */
bool board_sock_shutdown(void);

struct board_sock_counts {
	unsigned in_use, queued, udp, listeners, links_used, links_total, unclaimed;
};
void board_sock_counts(struct board_sock_counts *c);
/* Streams (open or queued) a uid holds. */
unsigned board_sock_uid_streams(uid_t uid);

/* ---- flow control (board_sock_flow.c) ---- */

/* The owner's client took n more received bytes: they become credit. */
void board_sock_flow_consumed(struct board_sock *b, size_t n);
/* The owner has something to send: join the transmit rotation. */
void board_sock_flow_want_tx(struct board_sock *b);
/* Send up to max bytes of src as DATA, as credit and the link allow;
 * returns the bytes sent. */
size_t board_sock_flow_send_stream(struct board_sock *b, struct evbuffer *src, size_t max);
/* Send one datagram; false if credit or link room is short. */
bool board_sock_flow_send_datagram(struct board_sock *b, const struct msg_addr *to,
				   const uint8_t *data, size_t len);
/* Credit the board gave us now, and the most it gives (its buffer for b). */
uint32_t board_sock_flow_credit(const struct board_sock *b);
uint32_t board_sock_flow_window(const struct board_sock *b);
/* All credit is back: the board has handed every byte sent to the ESP8285. */
bool board_sock_flow_all_acked(const struct board_sock *b);
/* What came for an accepted or early connection before its owner took it:
 * moved to dst; returns the bytes moved. */
size_t board_sock_flow_take_held(struct board_sock *b, struct evbuffer *dst);
/* The remote closed before the owner took the socket: true, with why. */
bool board_sock_flow_remote_closed(const struct board_sock *b, uint8_t *err);

#endif
