/*
 * Requests to the board: queued (urgent ones first) until the board is there
 * and one of its PROTO_BOARD_REQUESTS_MAX slots is free, tagged when sent,
 * matched with their answers, and bounded in time: [device] request_wait
 * while no board is attached (then ENODEV), the request's own timeout once
 * sent (then ETIMEDOUT; the slot is kept until the board answers, or for one
 * more timeout).
 */
#ifndef K210_BOARD_REQ_H
#define K210_BOARD_REQ_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

struct board_req;

/* Register with the board session: requests go out as it flushes, answers
 * come back through it, and a session's end fails what belongs to it. */
void board_req_init(void);

/* resp is a response (err set); for local failures only type/tag/err are set. */
typedef void (*board_req_cb)(void *ctx, const struct msg *resp);

enum board_req_flags {
	BOARD_REQ_URGENT = 1 << 0,   /* ahead of the normal queue (CLOSE) */
	BOARD_REQ_SESSION = 1 << 1,  /* meaningless in another link session */
};

/*
 * Queue a request (its tag is replaced).  timeout_ms 0: no deadline once
 * sent.  The callback runs exactly once unless board_req_cancel; NULL when the
 * queue is full or the message cannot be encoded.
 */
struct board_req *board_req_submit(const struct msg *req, uint32_t timeout_ms, unsigned flags,
				   board_req_cb cb, void *ctx);
void board_req_cancel(struct board_req *r);

/* Stopping: no new requests. */
void board_req_stop(void);

#endif
