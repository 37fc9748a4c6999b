/* Changing the line rate: request, switch, verify, fall back (PROTOCOL.md 3.7). */
#include "link_int.h"
#include "wire.h"

#define LINK_BAUD_RETRY_US 100000u
#define LINK_BAUD_TRIES 5
#define LINK_CHECK_RETRY_US 20000u

static void link_baud_send(struct link *l, uint8_t op, uint32_t rate)
{
	l->baud_op = op;
	l->baud_arg = rate;
	link_send_ctl(l, CTL_BAUD);
}

/*
 * How long a side waits for the other at a new rate, counted from its own
 * switch.  The responder switches first and waits twice as long as the
 * initiator, so a failed check always ends with both back at the old rate.
 */
static uint32_t link_baud_window(const struct link *l)
{
	return link_ms(l->cfg.baud_verify_ms) + 2 * link_frame_time_us(l);
}

/* Interval between repeats of a BAUD request: room for a frame each way. */
static uint32_t link_baud_retry(const struct link *l)
{
	return LINK_BAUD_RETRY_US + 3 * link_frame_time_us(l);
}

void link_baud_finish(struct link *l, bool ok)
{
	struct link_event ev = { .type = LINK_EV_BAUD };

	l->baud_state = BAUD_IDLE;
	if (!ok)
		l->baud_switch_to = l->baud_old;
	ev.u.baud.baud = ok ? l->baud : l->baud_old;
	ev.u.baud.ok = ok;
	link_emit(l, &ev);
}

void link_baud_take(struct link *l, const uint8_t *b, size_t len)
{
	uint8_t op;
	uint32_t rate;

	if (len < 5) {
		l->st.runts++;
		return;
	}
	op = b[0];
	rate = wire_get_u32(b + 1);
	switch (op) {
	case BAUD_REQ:
		/* A repeat whose ACK is still queued behind a frame: ACK again. */
		if (l->baud_state == BAUD_VERIFYING && rate == l->baud_new && l->baud != rate) {
			link_baud_send(l, BAUD_ACK, rate);
			break;
		}
		if (rate < LINK_BASE_BAUD || rate > l->cfg.max_baud || l->baud_state != BAUD_IDLE) {
			link_baud_send(l, BAUD_NAK, rate);
			break;
		}
		l->baud_old = l->baud;
		l->baud_new = rate;
		l->baud_state = BAUD_VERIFYING;
		l->baud_deadline_us = l->now_us + link_baud_window(l);
		link_baud_send(l, BAUD_ACK, rate);
		break;
	case BAUD_ACK:
		if (l->baud_state == BAUD_REQUESTED && rate == l->baud_new) {
			l->baud_state = BAUD_CHECKING;
			l->baud_switch_to = rate;
			l->baud_deadline_us = l->now_us + link_baud_window(l);
		}
		break;
	case BAUD_NAK:
		if (l->baud_state == BAUD_REQUESTED && rate == l->baud_new)
			link_baud_finish(l, false);
		break;
	case BAUD_CHECK:
		if (l->baud_state == BAUD_VERIFYING && rate == l->baud)
			link_baud_send(l, BAUD_CHECK_ACK, rate);
		break;
	case BAUD_CHECK_ACK:
		if (l->baud_state == BAUD_CHECKING && rate == l->baud) {
			link_baud_send(l, BAUD_COMMIT, rate);
			link_baud_finish(l, true);
		}
		break;
	case BAUD_COMMIT:
		if (l->baud_state == BAUD_VERIFYING && rate == l->baud)
			link_baud_finish(l, true);
		break;
	default:
		l->st.runts++;
		break;
	}
}

void link_baud_build(struct link *l)
{
	size_t h = link_header(l, LINK_T_BAUD, 0);

	l->scratch[h] = l->baud_op;
	wire_put_u32(l->scratch + h + 1, l->baud_arg);
	link_seal(l, h + 5);
	/* The responder moves to the new rate right after its ACK leaves. */
	if (l->baud_op == BAUD_ACK)
		l->baud_switch_to = l->baud_new;
}

bool link_baud_start(struct link *l, uint32_t baud)
{
	if (l->state != LINK_S_UP || l->baud_state != BAUD_IDLE || baud == l->baud ||
	    baud < LINK_BASE_BAUD || baud > l->cfg.max_baud || baud > l->peer_max_baud)
		return false;
	l->baud_old = l->baud;
	l->baud_new = baud;
	l->baud_state = BAUD_REQUESTED;
	l->baud_tries = 0;
	l->baud_due_us = l->now_us;
	return true;
}

/* Called on every pass of the link's timers while it is up. */
void link_baud_timers(struct link *l)
{
	switch (l->baud_state) {
	case BAUD_REQUESTED:
		if (l->now_us >= l->baud_due_us) {
			if (l->baud_tries++ >= LINK_BAUD_TRIES) {
				link_baud_finish(l, false);
				break;
			}
			l->baud_due_us = l->now_us + link_baud_retry(l);
			link_baud_send(l, BAUD_REQ, l->baud_new);
		}
		break;
	case BAUD_CHECKING:
		if (l->now_us >= l->baud_deadline_us) {
			link_baud_finish(l, false);
		} else if (l->now_us >= l->baud_due_us && l->baud == l->baud_new) {
			l->baud_due_us = l->now_us + LINK_CHECK_RETRY_US;
			link_baud_send(l, BAUD_CHECK, l->baud_new);
		}
		break;
	case BAUD_VERIFYING:
		if (l->now_us >= l->baud_deadline_us)
			link_baud_finish(l, false);
		break;
	default:
		break;
	}
}

/* Both sides just moved to a new rate: the wait for the peer starts now. */
void link_baud_switched(struct link *l)
{
	if (l->baud_state == BAUD_VERIFYING) {
		l->baud_deadline_us = l->now_us + link_baud_window(l);
	} else if (l->baud_state == BAUD_CHECKING) {
		l->baud_deadline_us = l->now_us + link_baud_window(l) / 2;
		l->baud_due_us = l->now_us;
	}
}
