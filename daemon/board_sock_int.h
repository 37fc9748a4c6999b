/*
 * The board socket object, shared by its two files: board_sock.c (the
 * table, opening, closing, accepting, the socket messages) and
 * board_sock_flow.c (flow control both ways: tx_credit is what the board
 * lets us send, and owners with data join a round robin -- one DATA
 * message per socket per turn -- served as the link has room; rx_avail is
 * what the board may still send, a receiver that gets more treats the
 * socket as broken, and consumed bytes go back as CREDIT, batched but
 * never leaving the board dry).  Nothing else includes this.
 */
#ifndef K210_BOARD_SOCK_INT_H
#define K210_BOARD_SOCK_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "board_sock.h"
#include "msg.h"

struct board_req;
struct evbuffer;
struct event;

enum board_sock_state {
	BOARD_SOCK_QUEUED,    /* waiting for the board or a free ESP link */
	BOARD_SOCK_OPENING,   /* open request in flight */
	BOARD_SOCK_OPEN,
	BOARD_SOCK_CLOSING,   /* CLOSE in flight, or waiting to be sent */
};
enum board_sock_type { BOARD_SOCK_STREAM, BOARD_SOCK_UDP, BOARD_SOCK_LISTENER };
struct board_sock {
	uint16_t id;
	uint16_t token;            /* accepted and unclaimed: the claim token */
	uint8_t type;              /* enum board_sock_type */
	uint8_t kind;              /* PROTO_KIND_* for streams */
	uint8_t state;
	bool holds_link;           /* counts against the ESP's links */
	bool remote_closed;        /* EV_CLOSED came before a claim or the open answer */
	uint8_t closed_err;
	bool in_txq, in_ctlq, in_openq;
	bool tx_pending;           /* the owner has bytes to send, credit or not */
	bool close_wanted;         /* owner closed while the open was in flight */
	uid_t uid;
	uint32_t tx_credit;
	uint32_t tx_window;        /* the board's buffer for it: the largest send */
	uint32_t rx_avail;         /* bytes the board may still send */
	uint32_t rx_window;        /* listener: window of each accepted socket */
	uint32_t credit_due;       /* consumed bytes not yet returned as CREDIT */
	uint64_t tx_tag;           /* fair order of sends: virtual time of its next turn */
	uint16_t port, local_port;
	uint8_t backlog;
	char *host;                /* queued connect: destination */
	const struct board_sock_ops *ops;
	void *ctx;
	struct board_req *req;         /* open or close request in flight */
	struct event *timer;       /* open deadline, or claim expiry */
	struct evbuffer *held;     /* data before the claim or the open answer */
	struct msg_addr remote;    /* accepted: the peer */
	uint16_t listener_id;      /* accepted: the listener it came from */
	uint64_t created_us;
	uint64_t started_us;       /* the open went to the board */
	TAILQ_ENTRY(board_sock) txq, ctlq, openq, all;
};

/* Every socket of the family, in order of creation. */
extern TAILQ_HEAD(board_sock_all_head, board_sock) board_sock_all;

/* The board broke the flow contract on b: the owner is told, b closed. */
void board_sock_fail_protocol(struct board_sock *b, const char *why);

/* DATA or DATAGRAM from the board; CREDIT from the board. */
void board_sock_flow_take_data(struct board_sock *b, const struct msg *m);
void board_sock_flow_take_credit(struct board_sock *b, uint32_t bytes);
/* Board flush: credits first, then data round robin. */
void board_sock_flow_flush_control(void);
void board_sock_flow_flush_data(void);
/* No credit or data waits to be sent. */
bool board_sock_flow_idle(void);
/* The socket is going: out of every queue. */
void board_sock_flow_forget(struct board_sock *b);

#endif
