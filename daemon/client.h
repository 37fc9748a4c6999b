/*
 * Local clients on the Unix socket (or the TCP SOCKS listener): the first
 * byte picks SOCKS5 (0x05) or the native protocol; a successful CONNECT or
 * ACCEPT turns the connection into a pipe.
 */
#ifndef K210_CLIENT_H
#define K210_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "msg.h"

struct bufferevent;
struct event;
struct socks_parser;
struct breq;
struct usock;
struct bsock;

/* A request waiting for the board on behalf of a client. */
struct client_req {
	LIST_ENTRY(client_req) entry;
	struct client *c;
	struct breq *breq;
	uint16_t tag;
	uint8_t type;
	uint8_t kind;                  /* RESOLVE before a CONNECT: the stream to open */
	uint16_t port;
};

enum client_mode {
	CLIENT_NEW,        /* waiting for the first byte */
	CLIENT_NATIVE,
	CLIENT_SOCKS,
	CLIENT_REFUSED,    /* answer the first request with an error, then close */
	CLIENT_CLOSING,    /* flushing a last reply */
};

struct client {
	struct bufferevent *bev;
	uint32_t serial;               /* for log lines */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint8_t mode;
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
	struct bsock *opening;         /* CONNECT in progress */
	uint16_t connect_tag;
	LIST_HEAD(, client_req) reqs;
	LIST_HEAD(, usock) socks_owned;
	TAILQ_ENTRY(client) all;
	TAILQ_ENTRY(client) subs;      /* subscribers to events */
	bool subscribed;
};

void client_init(void);
/* A new connection (already accepted, non-blocking). */
void client_accept(int fd, bool tcp);
/* An event to every client subscribed to sub_bit (enum proto_sub). */
void client_broadcast(const struct msg *m, uint32_t sub_bit);
/* Connections now open (clients, SOCKS and pipes). */
unsigned client_count(void);
void client_count_add(int delta);
/* Encode a message onto a client connection. */
bool client_send(struct client *c, const struct msg *m);
/* Close after the last reply is out (bounded by a short timer). */
void client_close_after_flush(struct client *c);
void client_free(struct client *c);
/* Stop accepting work: close every client. */
void client_shutdown_all(void);
/* Answer a request (an error answer carries only the tag and the code). */
void client_reply(struct client *c, const struct msg *req, uint8_t err);
/* Pass a request to the board; its answer goes back with the client's tag.
 * flags: enum breq_flags (BREQ_SESSION for requests naming a board socket). */
void client_forward(struct client *c, const struct msg *req, uint32_t timeout_ms, unsigned flags);
/* The first request came: no handshake deadline, no longer counted as pending. */
void client_stop_handshake_timer(struct client *c);
/* Destination check before opening a stream (err PROTO_EACCES when refused). */
bool client_dest_allowed(const uint8_t ip[4], uint16_t port);

#endif
