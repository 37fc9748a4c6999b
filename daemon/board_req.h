/*
 * Requests to the board: queued (urgent ones first) until the board is there
 * and one of its PROTO_BOARD_REQUESTS_MAX slots is free, tagged when sent,
 * matched with their answers, and bounded in time: [device] request_wait
 * while no board is attached (then ENODEV), the request's own timeout once
 * sent (then ETIMEDOUT; the slot is kept until the board answers, or for one
 * more timeout).
 */
#ifndef K210_BREQ_H
#define K210_BREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

struct breq;

/* resp is a response (err set); for local failures only type/tag/err are set. */
typedef void (*breq_cb)(void *ctx, const struct msg *resp);

enum breq_flags {
	BREQ_URGENT = 1 << 0,   /* ahead of the normal queue (CLOSE) */
	BREQ_SESSION = 1 << 1,  /* meaningless in another link session */
};

/*
 * Queue a request (its tag is replaced).  timeout_ms 0: no deadline once
 * sent.  The callback runs exactly once unless breq_cancel; NULL when the
 * queue is full or the message cannot be encoded.
 */
struct breq *breq_submit(const struct msg *req, uint32_t timeout_ms, unsigned flags, breq_cb cb,
			 void *ctx);
void breq_cancel(struct breq *r);

/* Board side: send what fits now. */
void breq_send_queued(void);
/* An answer from the board; false if it does not match its request's type. */
bool breq_response(const struct msg *m);
/* The link session ended: what was sent, and what belongs to it, fails. */
void breq_fail_session(void);
/* The board attached: waiting requests get their own deadlines. */
void breq_board_up(void);
bool breq_idle(void);
/* Stopping: no new requests. */
void breq_stop(void);

#endif
