/*
 * Operations for event loops: HELLO and one request go out together on a
 * connection of their own, and each step reads what has arrived without
 * waiting.  Reads stop at the end of the request's answer, so a connect's
 * descriptor is handed over as a pipe with nothing of it consumed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k210sock_int.h"

#define K210SOCK_OP_ADDRS 8

enum k210sock_op_state {
	OP_HELLO,      /* waiting for the answer to HELLO */
	OP_ANSWER,     /* waiting for the answer to the request */
	OP_DONE,
	OP_FAILED,
};

struct k210sock_op {
	uint8_t type;              /* the request: PROTO_CONNECT, _RESOLVE, _PING, _UDP_BIND */
	uint8_t state;
	int errnum;                /* OP_FAILED: why */
	struct k210conn *c;        /* &conn, or the handle's connection for UDP_BIND */
	struct k210conn conn;
	k210sock *h;               /* UDP_BIND: the handle being opened */
	int udp_id;
	int naddrs;
	struct in_addr addrs[K210SOCK_OP_ADDRS];
	uint32_t rtt_ms;
};

/* Connect and send HELLO and req at once: a fresh socket's buffer takes both. */
static k210sock_op *k210sock_op_start(k210sock_op *op, const char *path, struct msg *req)
{
	int64_t now = k210conn_deadline(0);
	struct msg hello;
	int errnum;

	k210conn_hello_init(&hello);
	req->tag = 2;
	if (k210conn_connect(op->c, path, now) == 0 && k210conn_send(op->c, &hello, now) == 0 &&
	    k210conn_send(op->c, req, now) == 0) {
		op->type = req->type;
		op->state = OP_HELLO;
		return op;
	}
	errnum = errno;
	k210sock_op_free(op);
	errno = errnum;
	return NULL;
}

static k210sock_op *k210sock_op_new(void)
{
	k210sock_op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	k210conn_init(&op->conn);
	op->c = &op->conn;
	return op;
}

/* Arguments are checked as the blocking calls check them. */
static bool k210sock_op_host_ok(const char *host)
{
	if (!host || !*host || strlen(host) > PROTO_HOST_MAX) {
		errno = EINVAL;
		return false;
	}
	return true;
}

k210sock_op *k210sock_op_connect(const char *path, const char *host, uint16_t port, int kind)
{
	k210sock_op *op;
	struct msg req;

	if (!k210sock_op_host_ok(host) || port == 0 || (kind != K210SOCK_TCP && kind != K210SOCK_TLS)) {
		errno = EINVAL;
		return NULL;
	}
	op = k210sock_op_new();
	if (!op)
		return NULL;
	msg_init(&req, PROTO_CONNECT);
	req.u.connect.kind = (uint8_t)kind;
	req.u.connect.port = port;
	strcpy(req.u.connect.host, host);
	return k210sock_op_start(op, k210conn_default_path(path), &req);
}

static k210sock_op *k210sock_op_named(const char *path, const char *host, uint8_t type)
{
	k210sock_op *op;
	struct msg req;

	if (!k210sock_op_host_ok(host))
		return NULL;
	op = k210sock_op_new();
	if (!op)
		return NULL;
	msg_init(&req, type);
	strcpy(req.u.resolve.host, host);
	return k210sock_op_start(op, k210conn_default_path(path), &req);
}

k210sock_op *k210sock_op_resolve(const char *path, const char *host)
{
	return k210sock_op_named(path, host, PROTO_RESOLVE);
}

k210sock_op *k210sock_op_ping(const char *path, const char *host)
{
	return k210sock_op_named(path, host, PROTO_PING);
}

k210sock_op *k210sock_op_udp_bind(const char *path, uint16_t local_port)
{
	k210sock_op *op = k210sock_op_new();
	struct k210sock_table_sock *s;
	struct msg req;

	if (!op)
		return NULL;
	op->h = k210sock_new(path);
	s = op->h ? k210sock_table_add(&op->h->socks, K210SOCK_TABLE_UDP) : NULL;
	if (!s) {
		int errnum = errno;

		k210sock_op_free(op);
		errno = errnum;
		return NULL;
	}
	op->c = &op->h->conn;
	op->udp_id = s->id;
	s->local_port = local_port;
	/* The handle's next request gets the tag after HELLO's and this one's. */
	op->h->next_tag = 2;
	msg_init(&req, PROTO_UDP_BIND);
	req.sock = s->id;
	req.u.bind.local_port = local_port;
	req.u.bind.rx_window = K210SOCK_TABLE_UDP_QUEUE;
	return k210sock_op_start(op, op->h->path, &req);
}

int k210sock_op_fd(const k210sock_op *op)
{
	if (!op || op->state >= OP_DONE) {
		errno = EINVAL;
		return -1;
	}
	return op->c->fd;
}

static int k210sock_op_fail(k210sock_op *op)
{
	op->errnum = errno;
	op->state = OP_FAILED;
	k210conn_close(op->c);
	errno = op->errnum;
	return -1;
}

/* The request's answer arrived: keep its result. */
static int k210sock_op_answer(k210sock_op *op, const struct msg *resp)
{
	struct msg_entry e;
	size_t pos = 0;

	if (resp->type != (op->type | PROTO_RESPONSE) || resp->tag != 2) {
		k210conn_fail(op->c, EPROTO, "the daemon sent %s while %s was pending",
			      proto_type_name(resp->type), proto_type_name(op->type));
		return k210sock_op_fail(op);
	}
	if (resp->err != PROTO_OK) {
		k210conn_refused(op->c, resp->err);
		return k210sock_op_fail(op);
	}
	switch (op->type) {
	case PROTO_RESOLVE:
		while (msg_list_next(resp, &pos, &e)) {
			if (op->naddrs < K210SOCK_OP_ADDRS)
				memcpy(&op->addrs[op->naddrs], e.u.ip, 4);
			op->naddrs++;
		}
		break;
	case PROTO_PING:
		op->rtt_ms = resp->u.ping.ms;
		break;
	case PROTO_UDP_BIND:
		if (resp->u.opened.local_port)
			k210sock_table_find(&op->h->socks, op->udp_id, K210SOCK_TABLE_UDP)->local_port =
				resp->u.opened.local_port;
		break;
	default:
		break;
	}
	op->state = OP_DONE;
	return 1;
}

int k210sock_op_step(k210sock_op *op)
{
	if (!op) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		struct msg resp;
		int r;

		if (op->state == OP_DONE)
			return 1;
		if (op->state == OP_FAILED) {
			errno = op->errnum;
			return -1;
		}
		r = k210conn_recv(op->c, &resp, 0);
		if (r < 0)
			return k210sock_op_fail(op);
		if (r == 0)
			return 0;
		if (op->state == OP_ANSWER)
			return k210sock_op_answer(op, &resp);
		if (k210conn_hello_check(op->c, &resp, op->h ? op->h->daemon_name : NULL,
					 op->h ? sizeof(op->h->daemon_name) : 0) < 0)
			return k210sock_op_fail(op);
		op->state = OP_ANSWER;
	}
}

const char *k210sock_op_strerror(const k210sock_op *op)
{
	if (!op)
		return "no operation";
	return op->c->err.text[0] ? op->c->err.text : "success";
}

int k210sock_op_take_fd(k210sock_op *op)
{
	int fd;

	if (!op || op->type != PROTO_CONNECT || op->state != OP_DONE || op->c->fd < 0) {
		errno = EINVAL;
		return -1;
	}
	fd = op->c->fd;
	op->c->fd = -1;
	return fd;
}

int k210sock_op_addrs(const k210sock_op *op, struct in_addr *addrs, int max)
{
	if (!op || op->type != PROTO_RESOLVE || op->state != OP_DONE || max < 0 || (max && !addrs)) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < max && i < op->naddrs && i < K210SOCK_OP_ADDRS; i++)
		addrs[i] = op->addrs[i];
	return op->naddrs;
}

long k210sock_op_rtt_ms(const k210sock_op *op)
{
	if (!op || op->type != PROTO_PING || op->state != OP_DONE) {
		errno = EINVAL;
		return -1;
	}
	return (long)op->rtt_ms;
}

k210sock *k210sock_op_take_handle(k210sock_op *op, int *udp_id)
{
	k210sock *h;

	if (!op || op->type != PROTO_UDP_BIND || op->state != OP_DONE || !op->h) {
		errno = EINVAL;
		return NULL;
	}
	h = op->h;
	op->h = NULL;
	op->c = &op->conn;
	if (udp_id)
		*udp_id = op->udp_id;
	return h;
}

void k210sock_op_free(k210sock_op *op)
{
	if (!op)
		return;
	k210conn_close(&op->conn);
	k210sock_close(op->h);
	free(op);
}
