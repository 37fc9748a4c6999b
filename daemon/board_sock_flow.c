#include <event2/buffer.h>
#include <stdint.h>

#include "board_sock_int.h"
#include "board_link.h"
#include "board_sock.h"
#include "log.h"
#include "report.h"

#define BFLOW_DATA_HDR 5         /* DATA: type, len, sock */
#define BFLOW_MIN_CHUNK 512      /* do not cut DATA smaller than this for lack of room */

static TAILQ_HEAD(bflow_txq_head, bsock) bflow_txq = TAILQ_HEAD_INITIALIZER(bflow_txq);
static TAILQ_HEAD(bflow_ctlq_head, bsock) bflow_ctlq = TAILQ_HEAD_INITIALIZER(bflow_ctlq);
static unsigned bflow_txq_len;

void bflow_forget(struct bsock *b)
{
	if (b->in_txq) {
		TAILQ_REMOVE(&bflow_txq, b, txq);
		bflow_txq_len--;
		b->in_txq = false;
	}
	if (b->in_ctlq) {
		TAILQ_REMOVE(&bflow_ctlq, b, ctlq);
		b->in_ctlq = false;
	}
}

void bflow_take_credit(struct bsock *b, uint32_t bytes)
{
	if (b->state != BSOCK_OPEN)
		return;
	b->tx_credit = bytes > UINT32_MAX - b->tx_credit ? UINT32_MAX : b->tx_credit + bytes;
	if (b->ops && b->ops->tx)
		bflow_want_tx(b);
}

static void bflow_ctl_enqueue(struct bsock *b)
{
	if (b->in_ctlq)
		return;
	b->in_ctlq = true;
	TAILQ_INSERT_TAIL(&bflow_ctlq, b, ctlq);
	board_kick();
}

void bflow_consumed(struct bsock *b, size_t n)
{
	uint32_t threshold = b->rx_window / 4;

	if (threshold > 16384)
		threshold = 16384;
	b->credit_due += (uint32_t)n;
	/* Batch small credits, but never let the board run dry waiting for one. */
	if (b->state == BSOCK_OPEN && b->id &&
	    (b->credit_due >= threshold || b->rx_avail < PROTO_DATA_MAX))
		bflow_ctl_enqueue(b);
}

void bflow_want_tx(struct bsock *b)
{
	if (b->in_txq || b->state != BSOCK_OPEN || !b->tx_credit || !b->id)
		return;
	b->in_txq = true;
	bflow_txq_len++;
	TAILQ_INSERT_TAIL(&bflow_txq, b, txq);
	board_kick();
}

size_t bflow_send_stream(struct bsock *b, struct evbuffer *src, size_t max)
{
	size_t n = evbuffer_get_length(src), room = board_data_room();

	if (n > max)
		n = max;
	if (n > b->tx_credit)
		n = b->tx_credit;
	if (n > PROTO_DATA_MAX)
		n = PROTO_DATA_MAX;
	if (room < BFLOW_DATA_HDR + (n < BFLOW_MIN_CHUNK ? n : BFLOW_MIN_CHUNK) || n == 0)
		return 0;
	if (n > room - BFLOW_DATA_HDR)
		n = room - BFLOW_DATA_HDR;
	if (!board_send_data(b->id, src, n))
		return 0;
	b->tx_credit -= (uint32_t)n;
	status_ctr.bytes_up += n;
	return n;
}

bool bflow_send_datagram(struct bsock *b, const struct msg_addr *to, const uint8_t *data,
			 size_t len)
{
	struct msg m;

	if (b->state != BSOCK_OPEN || len > b->tx_credit || len > PROTO_DATA_MAX)
		return false;
	msg_init(&m, PROTO_DATAGRAM);
	m.sock = b->id;
	m.u.data.addr = *to;
	m.u.data.data = data;
	m.u.data.len = (uint16_t)len;
	if (!board_send(&m, true))
		return false;
	b->tx_credit -= (uint32_t)len;
	status_ctr.bytes_up += len;
	return true;
}

/*
 * Stream data that comes before the CONNECT answer (the board may pass on
 * what the remote sent at once before it answers) waits for the owner, as
 * for an accepted connection not yet claimed.
 */
static void bflow_take_early(struct bsock *b, const struct msg *m)
{
	if (b->remote_closed)
		return;
	if (m->u.data.len > b->rx_avail) {
		log_warnx("board socket %u: data beyond the credit granted before the connect "
			  "answer: the stream fails", b->id);
		board_info_count_bad();
		b->remote_closed = true;
		b->closed_err = PROTO_EPROTO;
		return;
	}
	if ((!b->held && !(b->held = evbuffer_new())) ||
	    evbuffer_add(b->held, m->u.data.data, m->u.data.len) < 0) {
		b->remote_closed = true;
		b->closed_err = PROTO_ENOBUFS;
		return;
	}
	b->rx_avail -= m->u.data.len;
	status_ctr.bytes_down += m->u.data.len;
}

/* Data beyond the credit granted breaks the contract: the socket fails. */
void bflow_take_data(struct bsock *b, const struct msg *m)
{
	if (b->state == BSOCK_OPENING && b->type == BSOCK_STREAM && !b->close_wanted) {
		bflow_take_early(b, m);
		return;
	}
	if (b->state != BSOCK_OPEN) {
		/* Closing: what was in flight when the owner left is of no use. */
		return;
	}
	if (m->u.data.len > b->rx_avail) {
		bsock_fail_protocol(b, "data beyond the credit granted");
		return;
	}
	b->rx_avail -= m->u.data.len;
	status_ctr.bytes_down += m->u.data.len;
	if (b->token) {
		evbuffer_add(b->held, m->u.data.data, m->u.data.len);
		return;
	}
	if (m->type == PROTO_DATAGRAM) {
		if (b->type == BSOCK_UDP && b->ops && b->ops->datagram)
			b->ops->datagram(b->ctx, b, m);
		else
			bflow_consumed(b, m->u.data.len);
	} else if (b->type == BSOCK_STREAM && b->ops && b->ops->data) {
		b->ops->data(b->ctx, b, m->u.data.data, m->u.data.len);
	} else {
		bsock_fail_protocol(b, "stream data on a socket that is not a stream");
	}
}

void bflow_flush_control(void)
{
	struct bsock *b;

	while ((b = TAILQ_FIRST(&bflow_ctlq))) {
		struct msg m;

		if (b->credit_due && b->state == BSOCK_OPEN && b->id) {
			msg_init(&m, PROTO_CREDIT);
			m.sock = b->id;
			m.u.credit.bytes = b->credit_due;
			if (!board_send(&m, false))
				return;
			b->rx_avail += b->credit_due;
			b->credit_due = 0;
		}
		TAILQ_REMOVE(&bflow_ctlq, b, ctlq);
		b->in_ctlq = false;
	}
}

void bflow_flush_data(void)
{
	struct bsock *b;
	unsigned idle = 0;

	/* One message per socket per turn: five uploads share the link evenly. */
	while ((b = TAILQ_FIRST(&bflow_txq)) && idle < bflow_txq_len) {
		size_t before = board_data_room();

		if (before < BFLOW_DATA_HDR + BFLOW_MIN_CHUNK)
			return;
		TAILQ_REMOVE(&bflow_txq, b, txq);
		bflow_txq_len--;
		b->in_txq = false;
		if (b->ops && b->ops->tx && b->ops->tx(b->ctx, b))
			bflow_want_tx(b);
		idle = board_data_room() == before ? idle + 1 : 0;
	}
}

bool bflow_pending(void)
{
	return !TAILQ_EMPTY(&bflow_txq) || !TAILQ_EMPTY(&bflow_ctlq);
}
