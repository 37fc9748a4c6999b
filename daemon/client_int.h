/*
 * A local client's connection as the client family shares it (client.c and
 * its front ends, client_socks.c and client_native.c, which register there
 * and are called back; client-owned sockets, client_sock.c): replies,
 * requests forwarded to the board, streams opened through the access rules,
 * and the handover of a connection whose stream is open to a byte pipe
 * (client_pipe.c).  The connection count (this record or its pipe) is kept
 * in client.c.  Nothing outside the family includes this.
 */
#ifndef K210_CLIENT_INT_H
#define K210_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "client.h"
#include "msg.h"

struct bufferevent;
struct event;
struct socks_parser;
struct board_req;
struct client_sock;
struct board_sock;

/* A request waiting for the board on behalf of a client. */
struct client_req {
	LIST_ENTRY(client_req) entry;
	struct client *c;
	struct board_req *req;
	uint16_t tag;
	uint8_t type;
	uint8_t kind;                  /* RESOLVE before a CONNECT: the stream to open */
	uint16_t port;
};

#define CLIENT_OUT_HIGH (64 * 1024)    /* stop reading requests above this output */

enum client_mode {
	CLIENT_NEW,        /* waiting for the first byte */
	CLIENT_OPEN,       /* served by its front end */
	CLIENT_REFUSED,    /* answer the first request with an error, then close */
	CLIENT_CLOSING,    /* flushing a last reply */
};

struct client;

/* A front end: serves a connection from its first byte on. */
struct client_frontend {
	/* Will it serve a connection starting with this byte? */
	bool (*claims)(uint8_t first, bool tcp);
	/* Bytes arrived (also called once for the first byte, still unread). */
	void (*input)(struct client *c);
	/* The output drained below half the high mark; NULL: nothing to do. */
	void (*writable)(struct client *c);
	/* The connection goes: let go of what the front end holds; may be NULL. */
	void (*release)(struct client *c);
};

/* A stream opened for a front end: err PROTO_OK and b, or why not (b NULL). */
typedef void (*client_open_done)(struct client *c, int err, struct board_sock *b);

struct client {
	struct bufferevent *bev;
	uint32_t serial;               /* for log lines */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint8_t mode;
	const struct client_frontend *fe;
	uint8_t refuse_err;            /* CLIENT_REFUSED: the error to answer */
	bool tcp;                      /* came through the TCP SOCKS listener */
	bool hello_done;
	bool pending;                  /* no first request yet (handshakes_per_user) */
	bool input_blocked;            /* waiting for credit, link room or answers */
	bool connecting;               /* CONNECT/ACCEPT/SOCKS open in progress */
	uint8_t outstanding;           /* requests waiting for an answer */
	uint32_t sub_mask;
	struct event *timer;           /* handshake deadline, or the final flush (for
					* the whole life of the record) */
	struct socks_parser *socks;    /* SOCKS handshake state */
	struct board_sock *opening;    /* stream open in progress */
	client_open_done open_done;
	uint16_t connect_tag;
	LIST_HEAD(, client_req) reqs;
	LIST_HEAD(, client_sock) socks_owned;
	TAILQ_ENTRY(client) all;
	TAILQ_ENTRY(client) subs;      /* subscribers to events */
	bool subscribed;
};

/* Front ends are asked in the order they were added. */
void client_add_frontend(const struct client_frontend *fe);
/* Encode a message onto a client connection. */
bool client_send(struct client *c, const struct msg *m);
/* Close after the last reply is out (bounded by a short timer). */
void client_close_after_flush(struct client *c);
void client_free(struct client *c);
/* Answer a request (an error answer carries only the tag and the code). */
void client_reply(struct client *c, const struct msg *req, uint8_t err);
/* Pass a request to the board; its answer goes back with the client's tag.
 * flags: enum board_req_flags (BOARD_REQ_SESSION for requests naming a board socket). */
void client_forward(struct client *c, const struct msg *req, uint32_t timeout_ms, unsigned flags);
/* The first request came: no handshake deadline, no longer counted as pending. */
void client_stop_handshake_timer(struct client *c);
/* Destination check before opening a stream (err PROTO_EACCES when refused). */
bool client_dest_allowed(const uint8_t ip[4], uint16_t port);
/* Events of the kinds in mask (enum proto_sub) go to c from now on. */
void client_subscribe(struct client *c, uint32_t mask);
/*
 * Open a stream for c through the per-uid limit, the access rules (a name
 * is resolved on the board first when rules exist) and the board's link
 * queue; done is called once (c->connecting meanwhile).
 */
void client_open_stream(struct client *c, uint8_t kind, const char *host, uint16_t port,
			client_open_done done);
/* The stream b is open: the connection becomes a byte pipe to it, and c is freed. */
void client_handover(struct client *c, struct board_sock *b);

#endif
