#include <event2/buffer.h>
#include <stdint.h>

#include "board_link.h"
#include "board_session.h"
#include "board_sock_int.h"
#include "daemon.h"
#include "log.h"
#include "monotime.h"

#define BOARD_SOCK_FLOW_MIN_CHUNK 512      /* do not cut DATA smaller than this for lack of room */
/* What a turn costs in the fair order beyond its bytes: many tiny sends are not free. */
#define BOARD_SOCK_FLOW_TURN_COST 64
/* Frame payload while an upload shares the link with a quiet socket: its next
 * message waits behind half the line time of full frames, in the link and in
 * the tty, for about 2% of framing instead of 1. */
#define BOARD_SOCK_FLOW_SHARED_PAYLOAD 1024
#define BOARD_SOCK_FLOW_SHARED_HOLD_US 1000000

static TAILQ_HEAD(board_sock_flow_txq_head, board_sock) board_sock_flow_txq =
	TAILQ_HEAD_INITIALIZER(board_sock_flow_txq);
static TAILQ_HEAD(board_sock_flow_ctlq_head, board_sock) board_sock_flow_ctlq =
	TAILQ_HEAD_INITIALIZER(board_sock_flow_ctlq);
static unsigned board_sock_flow_txq_len;
/* Start tag of the latest socket served: a socket whose tag is behind it was idle. */
static uint64_t board_sock_flow_vclock;
/* Until when the link's frames stay short (board_sock_flow_share_frames). */
static uint64_t board_sock_flow_shared_until;

void board_sock_flow_forget(struct board_sock *b)
{
	if (b->in_txq) {
		TAILQ_REMOVE(&board_sock_flow_txq, b, txq);
		board_sock_flow_txq_len--;
		b->in_txq = false;
	}
	if (b->in_ctlq) {
		TAILQ_REMOVE(&board_sock_flow_ctlq, b, ctlq);
		b->in_ctlq = false;
	}
}

void board_sock_flow_take_credit(struct board_sock *b, uint32_t bytes)
{
	if (b->state != BOARD_SOCK_OPEN)
		return;
	b->tx_credit = bytes > UINT32_MAX - b->tx_credit ? UINT32_MAX : b->tx_credit + bytes;
	if (b->ops && b->ops->tx)
		board_sock_flow_want_tx(b);
}

static void board_sock_flow_ctl_enqueue(struct board_sock *b)
{
	if (b->in_ctlq)
		return;
	b->in_ctlq = true;
	TAILQ_INSERT_TAIL(&board_sock_flow_ctlq, b, ctlq);
	board_link_kick();
}

void board_sock_flow_consumed(struct board_sock *b, size_t n)
{
	uint32_t threshold = b->rx_window / 4;

	if (threshold > 16384)
		threshold = 16384;
	b->credit_due += (uint32_t)n;
	/* Batch small credits, but never let the board run dry waiting for one. */
	if (b->state == BOARD_SOCK_OPEN && b->id &&
	    (b->credit_due >= threshold || b->rx_avail < PROTO_DATA_MAX))
		board_sock_flow_ctl_enqueue(b);
}

void board_sock_flow_want_tx(struct board_sock *b)
{
	b->tx_pending = true;
	if (b->in_txq || b->state != BOARD_SOCK_OPEN || !b->tx_credit || !b->id)
		return;
	b->in_txq = true;
	board_sock_flow_txq_len++;
	TAILQ_INSERT_TAIL(&board_sock_flow_txq, b, txq);
	board_link_kick();
}

size_t board_sock_flow_send_stream(struct board_sock *b, struct evbuffer *src, size_t max)
{
	size_t n = evbuffer_get_length(src), room = board_link_data_room();

	if (n > max)
		n = max;
	if (n > b->tx_credit)
		n = b->tx_credit;
	if (n > PROTO_DATA_MAX)
		n = PROTO_DATA_MAX;
	if (n == 0 ||
	    room < PROTO_DATA_HDR + (n < BOARD_SOCK_FLOW_MIN_CHUNK ? n : BOARD_SOCK_FLOW_MIN_CHUNK))
		return 0;
	if (n > room - PROTO_DATA_HDR)
		n = room - PROTO_DATA_HDR;
	if (!board_session_send_data(b->id, src, n))
		return 0;
	b->tx_tag += PROTO_DATA_HDR + n;
	b->tx_credit -= (uint32_t)n;
	daemon_ctr.bytes_up += n;
	return n;
}

bool board_sock_flow_send_datagram(struct board_sock *b, const struct msg_addr *to,
				   const uint8_t *data, size_t len)
{
	struct msg m;

	if (b->state != BOARD_SOCK_OPEN || len > b->tx_credit || len > PROTO_DATA_MAX)
		return false;
	msg_init(&m, PROTO_DATAGRAM);
	m.sock = b->id;
	m.u.data.addr = *to;
	m.u.data.data = data;
	m.u.data.len = (uint16_t)len;
	if (!board_session_send(&m, true))
		return false;
	b->tx_tag += PROTO_DATA_HDR + len;
	b->tx_credit -= (uint32_t)len;
	daemon_ctr.bytes_up += len;
	return true;
}

/*
 * Stream data that comes before the CONNECT answer (the board may pass on
 * what the remote sent at once before it answers) waits for the owner, as
 * for an accepted connection not yet claimed.
 */
static void board_sock_flow_take_early(struct board_sock *b, const struct msg *m)
{
	if (b->remote_closed)
		return;
	if (m->u.data.len > b->rx_avail) {
		log_warnx("board socket %u: data beyond the credit granted before the connect "
			  "answer: the stream fails", b->id);
		board_session_count_bad();
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
	daemon_ctr.bytes_down += m->u.data.len;
}

/* Data beyond the credit granted breaks the contract: the socket fails. */
void board_sock_flow_take_data(struct board_sock *b, const struct msg *m)
{
	if (b->state == BOARD_SOCK_OPENING && b->type == BOARD_SOCK_STREAM && !b->close_wanted) {
		board_sock_flow_take_early(b, m);
		return;
	}
	if (b->state != BOARD_SOCK_OPEN) {
		/* Closing: what was in flight when the owner left is of no use. */
		return;
	}
	if (m->u.data.len > b->rx_avail) {
		board_sock_fail_protocol(b, "data beyond the credit granted");
		return;
	}
	b->rx_avail -= m->u.data.len;
	daemon_ctr.bytes_down += m->u.data.len;
	if (b->token) {
		evbuffer_add(b->held, m->u.data.data, m->u.data.len);
		return;
	}
	if (m->type == PROTO_DATAGRAM) {
		if (b->type == BOARD_SOCK_UDP && b->ops && b->ops->datagram)
			b->ops->datagram(b->ctx, b, m);
		else
			board_sock_flow_consumed(b, m->u.data.len);
	} else if (b->type == BOARD_SOCK_STREAM && b->ops && b->ops->data) {
		b->ops->data(b->ctx, b, m->u.data.data, m->u.data.len);
	} else {
		board_sock_fail_protocol(b, "stream data on a socket that is not a stream");
	}
}

void board_sock_flow_flush_control(void)
{
	struct board_sock *b;

	while ((b = TAILQ_FIRST(&board_sock_flow_ctlq))) {
		struct msg m;

		if (b->credit_due && b->state == BOARD_SOCK_OPEN && b->id) {
			msg_init(&m, PROTO_CREDIT);
			m.sock = b->id;
			m.u.credit.bytes = b->credit_due;
			if (!board_session_send(&m, false))
				return;
			b->rx_avail += b->credit_due;
			b->credit_due = 0;
		}
		TAILQ_REMOVE(&board_sock_flow_ctlq, b, ctlq);
		b->in_ctlq = false;
	}
}

static uint64_t board_sock_flow_start(const struct board_sock *b)
{
	return b->tx_tag > board_sock_flow_vclock ? b->tx_tag : board_sock_flow_vclock;
}

/*
 * The socket to send next (start-time fair queueing): the one that has sent
 * the fewest bytes lately goes first, and one back from idle starts at the
 * clock, before the busy ones that meet it there.  So an interactive
 * client's few bytes go before the next message of every upload.
 */
static struct board_sock *board_sock_flow_next(void)
{
	struct board_sock *b, *best = NULL;

	TAILQ_FOREACH(b, &board_sock_flow_txq, txq) {
		uint64_t s = board_sock_flow_start(b), bs;

		if (!best) {
			best = b;
			continue;
		}
		bs = board_sock_flow_start(best);
		if (s < bs || (s == bs && b->tx_tag < board_sock_flow_vclock &&
			       best->tx_tag >= board_sock_flow_vclock))
			best = b;
	}
	return best;
}

/* An open socket has nothing to send: an interactive connection between its messages. */
static bool board_sock_flow_any_quiet(void)
{
	struct board_sock *b;

	TAILQ_FOREACH(b, &board_sock_all, all) {
		if (b->state == BOARD_SOCK_OPEN && b->type != BOARD_SOCK_LISTENER && !b->token &&
		    !b->tx_pending)
			return true;
	}
	return false;
}

/*
 * Shorter frames while an upload shares the link with a quiet socket, and
 * for a while after one was last seen: the moment it has a message to send
 * it is no longer quiet, and that message must not wait behind full frames.
 */
static void board_sock_flow_share_frames(void)
{
	uint64_t now = monotime_us();

	if (!TAILQ_EMPTY(&board_sock_flow_txq) && board_sock_flow_any_quiet())
		board_sock_flow_shared_until = now + BOARD_SOCK_FLOW_SHARED_HOLD_US;
	board_link_cap_payload(now < board_sock_flow_shared_until ? BOARD_SOCK_FLOW_SHARED_PAYLOAD : 0);
}

void board_sock_flow_flush_data(void)
{
	struct board_sock *b;
	unsigned idle = 0;

	board_sock_flow_share_frames();
	/* One message per turn, in fair order. */
	while ((b = board_sock_flow_next()) && idle < board_sock_flow_txq_len) {
		size_t before = board_link_data_room(), sent;
		uint64_t start;

		if (before < PROTO_DATA_HDR + BOARD_SOCK_FLOW_MIN_CHUNK)
			return;
		TAILQ_REMOVE(&board_sock_flow_txq, b, txq);
		board_sock_flow_txq_len--;
		b->in_txq = false;
		start = board_sock_flow_start(b);
		board_sock_flow_vclock = start;
		/* The turn costs something even if it moves nothing, so that the next
		 * is another socket's; what it sends is added as it goes. */
		b->tx_tag = start + BOARD_SOCK_FLOW_TURN_COST;
		if (b->ops && b->ops->tx && b->ops->tx(b->ctx, b))
			board_sock_flow_want_tx(b);
		else if (b->tx_credit)
			b->tx_pending = false; /* not for want of credit: nothing left */
		sent = before - board_link_data_room();
		idle = sent == 0 ? idle + 1 : 0;
	}
}

bool board_sock_flow_idle(void)
{
	return TAILQ_EMPTY(&board_sock_flow_txq) && TAILQ_EMPTY(&board_sock_flow_ctlq);
}

uint32_t board_sock_flow_credit(const struct board_sock *b)
{
	return b->tx_credit;
}

uint32_t board_sock_flow_window(const struct board_sock *b)
{
	return b->tx_window;
}

bool board_sock_flow_all_acked(const struct board_sock *b)
{
	return b->tx_credit >= b->tx_window;
}

size_t board_sock_flow_take_held(struct board_sock *b, struct evbuffer *dst)
{
	size_t n = b->held ? evbuffer_get_length(b->held) : 0;

	if (n)
		evbuffer_add_buffer(dst, b->held);
	return n;
}

bool board_sock_flow_remote_closed(const struct board_sock *b, uint8_t *err)
{
	*err = b->closed_err;
	return b->remote_closed;
}
