/* Acknowledgement, retransmission and frame sizing: the ARQ of the link. */
#include <string.h>

#include "link_int.h"

#define LINK_ACK_DELAY_US 2000u
#define LINK_RTO_MAX_US 2000000u
#define LINK_EWMA_SHIFT 4
#define LINK_RTO_BACKOFF_MAX 5
/* The least round trip is taken over this window and the one before. */
#define LINK_BASE_WINDOW_US 1000000u
/* Time the limit allows beyond the least round trip: the receiver's delayed
 * acknowledgement and both sides' scheduling. */
#define LINK_LIMIT_SLACK_US 3000u

uint16_t link_arq_payload(const struct link *l)
{
	return l->payload_cap && l->payload_cap < l->payload ? l->payload_cap : l->payload;
}

uint32_t link_arq_next_len(const struct link *l)
{
	uint32_t len = l->write_off - l->sent_off, payload = link_arq_payload(l);

	if (len > payload)
		len = payload;
	/* The peer holds what we have in flight out of order, if it must:
	 * within its frames and its bytes. */
	if (len == 0 || seq_dist(l->snd_una, l->snd_nxt) >= l->frames_max ||
	    l->sent_off - l->acked_off + len > l->bytes_max)
		return 0;
	return len;
}

/*
 * A frame cut for a cleaner line keeps its size through every retransmission
 * (its bytes and sequence number are fixed), and on a line that now loses
 * most frames that long it would hold the window for many round trips.  So
 * a retransmission goes out as many times in a row as it takes for at least
 * three chances in four that one copy arrives, by the loss model of the
 * frame sizing.  Frames no longer than the payload sized for the line now
 * go once, as before.
 */
uint8_t link_arq_copies(const struct link *l, uint32_t len)
{
	uint32_t p = l->loss_fp > 60000 ? 60000 : l->loss_fp, avg = l->len_fp >> 16;
	uint32_t n, ok = 65536, miss;
	uint64_t all_miss;
	uint8_t copies = 1;

	if (len <= l->payload || p < 8 || avg == 0)
		return 1;
	/* One frame of this length arrives as often as n average frames in a row. */
	n = (len + LINK_FRAME_OVERHEAD + avg / 2) / avg;
	for (uint32_t i = 0; i < (n ? n : 1) && ok; i++)
		ok = (uint32_t)((uint64_t)ok * (65536 - p) >> 16);
	miss = 65536 - ok;
	for (all_miss = miss; all_miss > 16384 && copies < LINK_COPIES_MAX; copies++)
		all_miss = all_miss * miss >> 16;
	return copies;
}

/* Keep a frame that arrived out of order; false when there is no room. */
static bool link_arq_hold(struct link *l, uint16_t seq, const uint8_t *data, size_t len)
{
	uint32_t at, first;

	if (l->rxpool_size - (l->rxpool_tail - l->rxpool_head) < len)
		return false;
	at = l->rxpool_tail % l->rxpool_size;
	first = l->rxpool_size - at;
	if (first > len)
		first = (uint32_t)len;
	memcpy(l->rxpool + at, data, first);
	memcpy(l->rxpool, data + first, len - first);
	l->rxpos[seq & (LINK_WINDOW_MAX - 1)] = l->rxpool_tail;
	l->rxlen[seq & (LINK_WINDOW_MAX - 1)] = (uint16_t)len;
	l->rxpool_tail += (uint32_t)len;
	return true;
}

/*
 * From the frame's last byte off the line to its acknowledgement: what the
 * peer and its acknowledgement add.  Its least value is the base.  The
 * frames sent before it count as on the line: they may wait in a queue below
 * the link that the link cannot see, and that queue, passing for a slow
 * peer, would raise the limit, which would fill the queue further.
 */
static void link_arq_base_sample(struct link *l, const struct link_txslot *s)
{
	uint32_t extra = l->now_us > s->done_us ? (uint32_t)(l->now_us - s->done_us) : 0;

	if (l->now_us - l->base_since_us >= LINK_BASE_WINDOW_US) {
		l->base_prev_us = l->base_cur_us;
		l->base_cur_us = UINT32_MAX;
		l->base_since_us = l->now_us;
	}
	if (extra < l->base_cur_us)
		l->base_cur_us = extra;
}

/*
 * Like Linux's BQL for a NIC ring: the link holds no more stream bytes than
 * keep the line busy until an acknowledgement frees the next ones.  That is
 * the frame on the line and the next one ready, plus the line time of the
 * least round trip (the base, which queues do not inflate) and some slack;
 * at least one whole message, at most the byte window.  Bytes beyond it
 * wait above the link, where a scheduler can still put a small message
 * first; bytes in the link wait behind everything written before them.
 */
uint32_t link_arq_limit(const struct link *l)
{
	uint32_t base = l->base_cur_us < l->base_prev_us ? l->base_cur_us : l->base_prev_us;
	uint32_t frame = link_arq_payload(l) + LINK_FRAME_OVERHEAD;
	uint64_t limit;

	if (base == UINT32_MAX || l->baud == 0)
		return l->bytes_max;
	limit = 2u * frame + (uint64_t)(base + LINK_LIMIT_SLACK_US) * (l->baud / 10u) / 1000000u;
	if (limit < LINK_DATA_ROOM_MIN)
		limit = LINK_DATA_ROOM_MIN;
	return limit < l->bytes_max ? (uint32_t)limit : l->bytes_max;
}

uint32_t link_arq_held(const struct link *l)
{
	uint32_t held = l->write_off - l->acked_off;

	/* Frames the peer holds out of order wait for nothing: they do not delay
	 * new bytes, and counting them would stall the writer during a repair.
	 * Nor do frames the line lost: they are repaired ahead of new bytes, and
	 * the new frames behind them are what shows, within a round trip, whether
	 * a copy arrived.  Counted, a frame cut before the line turned noisy can
	 * fill the bound by itself and hold the writer until the doubling timer
	 * repairs it. */
	for (uint16_t seq = l->snd_una; seq != l->snd_nxt; seq++) {
		const struct link_txslot *s = &l->tx[seq & (LINK_WINDOW_MAX - 1)];

		if (s->sacked || s->lost || s->tries > 1)
			held -= s->len;
	}
	return held;
}

static void link_arq_rtt_sample(struct link *l, uint32_t rtt)
{
	if (l->srtt_us == 0) {
		l->srtt_us = rtt;
		l->rttvar_us = rtt / 2;
	} else {
		uint32_t diff = rtt > l->srtt_us ? rtt - l->srtt_us : l->srtt_us - rtt;

		l->rttvar_us = l->rttvar_us - l->rttvar_us / 4 + diff / 4;
		l->srtt_us = l->srtt_us - l->srtt_us / 8 + rtt / 8;
	}
	/* RFC 6298 allows a steady line a margin of almost nothing; frames
	 * queued ahead of the wire on either side add delay in steps, so keep
	 * at least half a round trip in hand. */
	l->rto_us = l->srtt_us + (4 * l->rttvar_us > l->srtt_us / 2 ? 4 * l->rttvar_us : l->srtt_us / 2);
	l->rto_backoff = 0;
}

uint32_t link_arq_rto(const struct link *l)
{
	/* Never below what a full frame each way plus slack needs. */
	uint32_t floor = 3 * link_frame_time_us(l) + 5000;
	uint64_t rto = l->rto_us ? l->rto_us : 4 * floor;

	if (rto < floor)
		rto = floor;
	rto <<= l->rto_backoff;
	return rto > LINK_RTO_MAX_US ? LINK_RTO_MAX_US : (uint32_t)rto;
}

static uint32_t link_arq_isqrt(uint64_t v)
{
	uint64_t r = 0, bit = (uint64_t)1 << 62;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return (uint32_t)r;
}

/*
 * Size frames to the error rate.  With a per-byte loss probability q and a
 * per-frame overhead H, selective repeat delivers N/(N+H) * (1-q)^(N+H) of
 * the wire; that peaks near N = sqrt(H/q) - H/2.  q is estimated from the
 * smoothed frame loss rate p over frames of smoothed length L:
 * q = -ln(1-p) / L.
 */
static void link_arq_resize(struct link *l)
{
	uint64_t p = l->loss_fp, p2, p3, neglog, n2;
	uint32_t n, len = l->len_fp >> 16;

	if (p < 8 || len == 0) {
		l->payload = l->payload_max;
		return;
	}
	if (p > 60000)
		p = 60000;
	p2 = p * p >> 16;
	p3 = p2 * p >> 16;
	neglog = p + p2 / 2 + p3 / 3;
	n2 = (uint64_t)LINK_FRAME_OVERHEAD * len * 65536u / neglog;
	n = link_arq_isqrt(n2);
	n = n > LINK_FRAME_OVERHEAD / 2 ? n - LINK_FRAME_OVERHEAD / 2 : 0;
	if (n < l->cfg.min_payload)
		n = l->cfg.min_payload;
	if (n > l->payload_max)
		n = l->payload_max;
	l->payload = (uint16_t)n;
}

/*
 * Start each session as if a quarter of the largest payload were best: a
 * frame sent too large for a noisy line keeps its size through every
 * retransmission, while on a clean line some 40 good frames grow the
 * payload to its maximum.
 */
void link_arq_prior(struct link *l)
{
	uint32_t n = l->payload_max / 4;
	uint64_t len, half;

	if (n < l->cfg.min_payload)
		n = l->cfg.min_payload;
	len = n + LINK_FRAME_OVERHEAD;
	half = n + LINK_FRAME_OVERHEAD / 2;
	l->len_fp = (uint32_t)(len << 16);
	l->loss_fp = (uint32_t)(LINK_FRAME_OVERHEAD * len * 65536u / (half * half));
	link_arq_resize(l);
}

static void link_arq_loss_sample(struct link *l, bool lost, uint16_t len)
{
	uint32_t target = lost ? 65536u : 0;

	l->loss_fp = l->loss_fp - (l->loss_fp >> LINK_EWMA_SHIFT) + (target >> LINK_EWMA_SHIFT);
	l->len_fp = l->len_fp - (l->len_fp >> LINK_EWMA_SHIFT) +
		    ((uint32_t)(len + LINK_FRAME_OVERHEAD) << (16 - LINK_EWMA_SHIFT));
	link_arq_resize(l);
}

static void link_arq_mark_lost(struct link *l, struct link_txslot *s)
{
	s->lost = true;
	link_arq_loss_sample(l, true, s->len);
}

/* Acknowledgement info from any frame of the session. */
void link_arq_take_ack(struct link *l, uint16_t ack, uint32_t sack, bool has_sack)
{
	uint32_t newest = 0;
	bool any = false;

	if (seq_dist(l->snd_una, ack) > seq_dist(l->snd_una, l->snd_nxt))
		return; /* acknowledges frames never sent: stale or corrupt */
	while (l->snd_una != ack) {
		struct link_txslot *s = link_slot(l, l->snd_una);

		if (s->tries == 1 && !s->sacked) {
			link_arq_rtt_sample(l, (uint32_t)(l->now_us - s->sent_us));
			link_arq_base_sample(l, s);
		}
		if (!s->sacked && !s->lost)
			link_arq_loss_sample(l, false, s->len);
		if (s->serial > newest || !any)
			newest = s->serial;
		any = true;
		l->snd_una++;
	}
	l->acked_off = l->snd_una == l->snd_nxt ? l->sent_off : link_slot(l, l->snd_una)->off;
	if (has_sack) {
		for (unsigned i = 0; i < 32 && sack; i++, sack >>= 1) {
			uint16_t seq = (uint16_t)(ack + 1 + i);
			struct link_txslot *s;

			if (!(sack & 1) || seq_dist(l->snd_una, seq) >= seq_dist(l->snd_una, l->snd_nxt))
				continue;
			s = link_slot(l, seq);
			if (!s->sacked) {
				if (s->tries == 1) {
					link_arq_rtt_sample(l, (uint32_t)(l->now_us - s->sent_us));
					link_arq_base_sample(l, s);
				}
				if (!s->lost)
					link_arq_loss_sample(l, false, s->len);
				s->sacked = true;
				s->lost = false;
			}
			if (s->serial > newest || !any)
				newest = s->serial;
			any = true;
		}
	}
	if (!any)
		return;
	/* The wire keeps order: anything sent before a frame that arrived, and
	 * still missing, was lost. */
	for (uint16_t seq = l->snd_una; seq != l->snd_nxt; seq++) {
		struct link_txslot *s = link_slot(l, seq);

		if (!s->sacked && !s->lost && s->serial < newest)
			link_arq_mark_lost(l, s);
	}
}

static void link_arq_deliver(struct link *l, const uint8_t *data, size_t len)
{
	l->st.data_rx += len;
	if (l->ops.deliver)
		l->ops.deliver(l->ctx, data, len);
}

/* Deliver the held frame seq (in order now) and release its bytes. */
static void link_arq_release(struct link *l, uint16_t seq)
{
	uint32_t pos = l->rxpos[seq & (LINK_WINDOW_MAX - 1)], len = l->rxlen[seq & (LINK_WINDOW_MAX - 1)];
	uint32_t at = pos % l->rxpool_size, first = l->rxpool_size - at;

	if (first > len)
		first = len;
	link_arq_deliver(l, l->rxpool + at, first);
	if (len > first)
		link_arq_deliver(l, l->rxpool, len - first);
}

/* The oldest bytes still held start the pool: frames leave in sequence, not
 * in the order they came, so a gap may wait for the frames held before it. */
static void link_arq_pool_trim(struct link *l)
{
	uint32_t oldest = 0;

	l->rxpool_head = l->rxpool_tail;
	for (unsigned i = 0; i < 32; i++) {
		uint16_t seq = (uint16_t)(l->rcv_nxt + 1 + i);
		uint32_t age;

		if (!(l->rxheld & (1u << i)))
			continue;
		age = l->rxpool_tail - l->rxpos[seq & (LINK_WINDOW_MAX - 1)];
		if (age > oldest) {
			oldest = age;
			l->rxpool_head = l->rxpos[seq & (LINK_WINDOW_MAX - 1)];
		}
	}
}

void link_arq_take_data(struct link *l, uint16_t seq, const uint8_t *data, size_t len)
{
	uint16_t ahead = seq_dist(l->rcv_nxt, seq);

	if (len == 0 || len > l->payload_max) {
		l->st.runts++;
		return;
	}
	if (ahead >= l->frames_max) {
		/* Already delivered: our ack was lost, repeat it. */
		l->st.duplicates++;
		l->pending_ctl |= CTL_ACK;
		return;
	}
	if (ahead > 0) {
		uint32_t bit = 1u << (ahead - 1);

		if (l->rxheld & bit)
			l->st.duplicates++;
		else if (link_arq_hold(l, seq, data, len))
			l->rxheld |= bit;
		else
			l->st.reorder_full++; /* unmentioned in the SACK: the sender resends it */
		/* Tell the sender about the hole at once. */
		l->pending_ctl |= CTL_ACK;
		return;
	}
	/* Filling a hole is news for the sender: acknowledge at once. */
	if (l->rxheld)
		l->pending_ctl |= CTL_ACK;
	link_arq_deliver(l, data, len);
	l->rcv_nxt++;
	while (l->rxheld & 1) {
		l->rxheld >>= 1;
		link_arq_release(l, l->rcv_nxt);
		l->rcv_nxt++;
	}
	l->rxheld >>= 1;
	link_arq_pool_trim(l);
	if (++l->unacked >= 2)
		l->pending_ctl |= CTL_ACK;
	else if (l->ack_due_us == 0)
		l->ack_due_us = l->now_us + LINK_ACK_DELAY_US;
}

/*
 * Retransmit by timer what no later arrival could reveal (a lost tail).
 * The timeout doubles with each expiry until a round trip is measured
 * again: acknowledgements queued behind the peer's frames can take longer
 * than any estimate, and with every frame sent twice Karn's rule would
 * never allow a new sample.  An expiry says nothing sure about the line,
 * so it does not count as a loss for frame sizing.
 */
void link_arq_retransmit_timer(struct link *l)
{
	uint32_t rto = link_arq_rto(l);
	bool expired = false;

	for (uint16_t seq = l->snd_una; seq != l->snd_nxt; seq++) {
		struct link_txslot *s = link_slot(l, seq);

		if (!s->sacked && !s->lost && l->now_us - s->sent_us >= rto) {
			l->st.timeouts++;
			s->lost = true;
			expired = true;
		}
	}
	if (expired && l->rto_backoff < LINK_RTO_BACKOFF_MAX)
		l->rto_backoff++;
}
