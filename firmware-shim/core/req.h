/*
 * The answer service: a slot for each request the host has outstanding,
 * held by the subsystem that works on it, and the answer that frees it.
 * Answers wait for the flush phase of the main loop and go out after the
 * events of the same moment, so the host hears things in the order they
 * happened.
 */
#ifndef K210_REQ_H
#define K210_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Which subsystem holds a request while it waits. */
enum req_owner {
	REQ_NONE = 0,
	REQ_SOCK,
	REQ_WIFI,
	REQ_ESP,
};

struct req {
	struct msg m;          /* the request as decoded (no pointers into other buffers) */
	uint64_t deadline;     /* still waiting for the ESP then: EAGAIN */
	enum req_owner owner;
	bool used;
	bool started;          /* its AT work began: the deadline no longer applies */
	bool answered;         /* the answer waits for the flush phase (and room on the link) */
	struct msg resp;
	uint8_t list[16];      /* a short list answer (RESOLVE), copied */
};

void req_init(void);
/* A slot for request m, which may wait until now plus the request wait; NULL when all are taken. */
struct req *req_alloc(const struct msg *m, uint64_t now);
/* Answer r (err PROTO_OK with resp's fields, or an error); the slot frees once it is sent. */
void req_answer(struct req *r, struct msg *resp);
void req_answer_err(struct req *r, uint8_t err);
/*
 * An answer about socket sock waits to be sent: events about the socket wait
 * behind it, so the host hears of a socket before it hears what became of it.
 */
bool req_answer_due(uint16_t sock);
/* Some answer waits to be sent: data messages wait behind it. */
bool req_answers_waiting(void);
/* Send the answers the link takes. */
void req_flush(void);
/* Requests not started by their deadline: cancel (their owner forgets them), then EAGAIN. */
void req_expire(uint64_t now, void (*cancel)(struct req *r));
/* The session ended: nobody waits for any answer. */
void req_release_all(void);

#endif
