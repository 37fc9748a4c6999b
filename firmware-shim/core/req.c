#include <string.h>

#include "config.h"
#include "host.h"
#include "msg.h"
#include "proto.h"
#include "req.h"

static struct {
	struct req reqs[CONFIG_REQUESTS];
	/* The list of one deferred list answer. */
	uint8_t backlog[PROTO_BODY_MAX];
	struct req *backlog_owner;
} rq;

void req_init(void)
{
	memset(&rq, 0, sizeof(rq));
}

struct req *req_alloc(const struct msg *m, uint64_t now)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++) {
		struct req *r = &rq.reqs[i];

		if (r->used)
			continue;
		memset(r, 0, sizeof(*r));
		r->used = true;
		r->m = *m;
		r->deadline = now + CONFIG_REQUEST_WAIT_MS * 1000ull;
		return r;
	}
	return NULL;
}

static void req_release(struct req *r)
{
	if (rq.backlog_owner == r)
		rq.backlog_owner = NULL;
	memset(r, 0, sizeof(*r));
}

void req_release_all(void)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++)
		req_release(&rq.reqs[i]);
}

bool req_answers_waiting(void)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++)
		if (rq.reqs[i].used && rq.reqs[i].answered)
			return true;
	return false;
}

bool req_answer_due(uint16_t sock)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++) {
		const struct req *r = &rq.reqs[i];

		if (r->used && r->answered && sock != 0 && r->m.sock == sock)
			return true;
	}
	return false;
}

void req_answer(struct req *r, struct msg *resp)
{
	if (!r || !r->used || r->answered)
		return;
	/* A list is copied: the buffer it was built in gets reused. */
	r->resp = *resp;
	r->answered = true;
	r->owner = REQ_NONE;
	if (resp->err != PROTO_OK || (resp->type != (PROTO_WIFI_SCAN | PROTO_RESPONSE) &&
				      resp->type != (PROTO_RESOLVE | PROTO_RESPONSE)))
		return;
	if (resp->u.list.len <= sizeof(r->list)) {
		memcpy(r->list, resp->u.list.entries, resp->u.list.len);
		r->resp.u.list.entries = r->list;
	} else if (!rq.backlog_owner) {
		memcpy(rq.backlog, resp->u.list.entries, resp->u.list.len);
		r->resp.u.list.entries = rq.backlog;
		rq.backlog_owner = r;
	} else {
		msg_init_response(&r->resp, &r->m, PROTO_ENOBUFS);
	}
}

void req_answer_err(struct req *r, uint8_t err)
{
	struct msg resp;

	if (!r || !r->used)
		return;
	msg_init_response(&resp, &r->m, err);
	req_answer(r, &resp);
}

void req_flush(void)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++) {
		struct req *r = &rq.reqs[i];

		if (!r->used || !r->answered)
			continue;
		if (!host_write(&r->resp))
			return;
		req_release(r);
	}
}

void req_expire(uint64_t now, void (*cancel)(struct req *r))
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++) {
		struct req *r = &rq.reqs[i];

		if (!r->used || r->answered || r->started || now < r->deadline)
			continue;
		cancel(r);
		req_answer_err(r, PROTO_EAGAIN);
	}
}
