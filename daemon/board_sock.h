/*
 * Board sockets: the daemon's table of sockets on the board.  Ids 1..0x7fff
 * are chosen here, 0x8000..0xffff by the board for accepted connections.
 * Opens that need one of the ESP8285's links wait in a FIFO queue when none
 * is free.  Flow control both ways: tx_credit is what the board lets us send,
 * rx_avail what we let the board send; credit goes back to the board only as
 * the owner's client consumes the bytes.
 */
#ifndef K210_BSOCK_H
#define K210_BSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "msg.h"

struct bsock;
struct breq;
struct evbuffer;
struct event;

struct bsock_ops {
	/* CONNECT / UDP_BIND / LISTEN finished: err PROTO_OK or why not.  On
	 * error the socket is freed after the call. */
	void (*opened)(void *ctx, struct bsock *b, int err);
	/* Stream bytes from the remote (within the credit granted). */
	void (*data)(void *ctx, struct bsock *b, const uint8_t *data, size_t len);
	/* One datagram (m->u.data) from the remote. */
	void (*datagram)(void *ctx, struct bsock *b, const struct msg *m);
	/* The remote closed (PROTO_OK) or the socket failed; b is freed after. */
	void (*closed)(void *ctx, struct bsock *b, int err);
	/* A listener got a connection; child waits to be claimed by token. */
	void (*accepted)(void *ctx, struct bsock *listener, struct bsock *child,
			 const struct msg_addr *remote);
	/* Credit and link room are available: send (bsock_send_*); return
	 * true to stay in the transmit rotation. */
	bool (*tx)(void *ctx, struct bsock *b);
};

enum bsock_state {
	BSOCK_QUEUED,    /* waiting for the board or a free ESP link */
	BSOCK_OPENING,   /* open request in flight */
	BSOCK_OPEN,
	BSOCK_CLOSING,   /* CLOSE in flight, or waiting to be sent */
};

enum bsock_type { BSOCK_STREAM, BSOCK_UDP, BSOCK_LISTENER };

struct bsock {
	uint16_t id;
	uint16_t token;            /* accepted and unclaimed: the claim token */
	uint8_t type;              /* enum bsock_type */
	uint8_t kind;              /* PROTO_KIND_* for streams */
	uint8_t state;
	bool holds_link;           /* counts against the ESP's links */
	bool remote_closed;        /* EV_CLOSED came before a claim or the open answer */
	uint8_t closed_err;
	bool in_txq, in_ctlq, in_openq;
	bool close_wanted;         /* owner closed while the open was in flight */
	uid_t uid;
	uint32_t tx_credit;
	uint32_t tx_window;        /* the board's buffer for it: the largest send */
	uint32_t rx_avail;         /* bytes the board may still send */
	uint32_t rx_window;        /* listener: window of each accepted socket */
	uint32_t credit_due;       /* consumed bytes not yet returned as CREDIT */
	uint16_t port, local_port;
	uint8_t backlog;
	char *host;                /* queued connect: destination */
	const struct bsock_ops *ops;
	void *ctx;
	struct breq *req;          /* open or close request in flight */
	struct event *timer;       /* open deadline, or claim expiry */
	struct evbuffer *held;     /* data before the claim or the open answer */
	struct msg_addr remote;    /* accepted: the peer */
	uint16_t listener_id;      /* accepted: the listener it came from */
	uint64_t created_us;
	uint64_t started_us;       /* the open went to the board */
	TAILQ_ENTRY(bsock) txq, ctlq, openq, all;
};

void bsock_init(void);

/* Open a stream (queued until a link is free); NULL with *err set. */
struct bsock *bsock_connect(uint8_t kind, const char *host, uint16_t port, uid_t uid,
			    const struct bsock_ops *ops, void *ctx, int *err);
struct bsock *bsock_udp_bind(uint16_t local_port, uid_t uid, const struct bsock_ops *ops,
			     void *ctx, int *err);
struct bsock *bsock_listen(uint16_t port, uint8_t backlog, uid_t uid,
			   const struct bsock_ops *ops, void *ctx, int *err);
/* The owner lets go: CLOSE on the board when needed, then freed. */
void bsock_close(struct bsock *b);
/* Claim an accepted connection by token (uid must match the listener's). */
struct bsock *bsock_claim(uint16_t token, uid_t uid, const struct bsock_ops *ops, void *ctx,
			  int *err);

/* Hand the socket to another owner (a CONNECT that became a pipe). */
void bsock_set_owner(struct bsock *b, const struct bsock_ops *ops, void *ctx);

/* Board messages about sockets: DATA, DATAGRAM, CREDIT, EV_CLOSED, EV_ACCEPTED. */
void bsock_input(const struct msg *m);
/* The board came up: start queued opens.  links_free from DEVICE_INFO. */
void bsock_board_up(unsigned links_total);
/* Start queued opens while links are free. */
void bsock_dispatch(void);
/* The board broke the flow contract on b: the owner is told, b closed. */
void bsock_fail_protocol(struct bsock *b, const char *why);
/* The session ended: every socket fails with err. */
void bsock_fail_all(int err);
/* SIGTERM: close everything open on the board; true when nothing is left. */
bool bsock_shutdown(void);

struct bsock_counts {
	unsigned in_use, queued, udp, listeners, links_used, links_total, unclaimed;
};
void bsock_counts(struct bsock_counts *c);
/* Streams (open or queued) a uid holds. */
unsigned bsock_uid_streams(uid_t uid);

#endif
