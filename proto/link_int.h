/*
 * Inside the link: what link.c (sessions, frames, the API), link_arq.c
 * (acknowledgement, retransmission, frame sizing) and link_baud.c (the
 * baud-rate change) share.  Not for users of the link.
 */
#ifndef K210_LINK_INT_H
#define K210_LINK_INT_H

#include "link.h"

/* Frame types (low nibble of the first byte) and flags (high nibble). */
enum {
	LINK_T_DATA = 1,
	LINK_T_ACK = 2,
	LINK_T_HELLO = 3,
	LINK_T_BAUD = 4,
	LINK_T_CLOSE = 5,
	LINK_F_SACK = 0x10,
};

/* HELLO body: major, minor, boot id, nonce, peer nonce, payload, window, baud, flags. */
#define LINK_HELLO_LEN 22
#define LINK_HELLO_UP 0x01    /* flags: the sender holds the session already */
#define LINK_HELLO_BYTES 0x02 /* flags: holds frames out of order by bytes, not by slots */
/* Most copies of one retransmission (a frame far larger than the line now carries). */
#define LINK_COPIES_MAX 8
/* Bytes a frame costs beyond its payload: header, CRC, delimiter, ~COBS. */
#define LINK_FRAME_OVERHEAD (LINK_HDR_LEN + FRAME_CRC_LEN + 3)

enum link_state_id { LINK_S_DOWN, LINK_S_UP, LINK_S_CLOSING };

enum link_baud_op {
	BAUD_REQ = 1,      /* initiator: please move to rate */
	BAUD_ACK,          /* responder: agreed, switching after this frame */
	BAUD_NAK,          /* responder: cannot do that rate */
	BAUD_CHECK,        /* initiator, at the new rate: do you hear me? */
	BAUD_CHECK_ACK,    /* responder, at the new rate: yes */
	BAUD_COMMIT,       /* initiator: both directions work, resume */
};

enum link_baud_state {
	BAUD_IDLE,
	BAUD_REQUESTED,    /* initiator waits for ACK/NAK at the old rate */
	BAUD_CHECKING,     /* initiator at the new rate, waits for CHECK_ACK */
	BAUD_VERIFYING,    /* responder at the new rate, waits for COMMIT */
};

/* Pending control frames, sent before any data. */
enum {
	CTL_HELLO = 1 << 0,
	CTL_BAUD = 1 << 1,
	CTL_ACK = 1 << 2,
};

static inline uint32_t link_ms(uint32_t ms)
{
	return ms * 1000u;
}

/* Sequence-space distance that survives wrap-around. */
static inline uint16_t seq_dist(uint16_t from, uint16_t to)
{
	return (uint16_t)(to - from);
}

static inline struct link_txslot *link_slot(struct link *l, uint16_t seq)
{
	return &l->tx[seq & (LINK_WINDOW_MAX - 1)];
}

/* link.c */
void link_emit(struct link *l, const struct link_event *ev);
void link_send_ctl(struct link *l, unsigned ctl);
size_t link_header(struct link *l, uint8_t type, uint16_t seq);
void link_seal(struct link *l, size_t body_len);
uint32_t link_frame_time_us(const struct link *l);

/* link_arq.c */
void link_arq_prior(struct link *l);
/* Bytes of the next new frame, if the window has room for it (else 0). */
/* Payload of a full frame now: the size for the line's errors, within the writer's cap. */
uint16_t link_arq_payload(const struct link *l);
uint32_t link_arq_next_len(const struct link *l);
/* How many copies a retransmission of len payload bytes takes (1..LINK_COPIES_MAX). */
uint8_t link_arq_copies(const struct link *l, uint32_t len);
uint32_t link_arq_rto(const struct link *l);
/* Stream bytes written and not yet delivered that keep the line busy (see link_data_room). */
uint32_t link_arq_limit(const struct link *l);
/* Stream bytes a byte written now would wait behind: not yet in a frame, or
 * in a frame the peer does not hold yet (sent, lost or to be resent). */
uint32_t link_arq_held(const struct link *l);
void link_arq_take_ack(struct link *l, uint16_t ack, uint32_t sack, bool has_sack);
void link_arq_take_data(struct link *l, uint16_t seq, const uint8_t *data, size_t len);
void link_arq_retransmit_timer(struct link *l);

/* link_baud.c */
bool link_baud_start(struct link *l, uint32_t baud);
void link_baud_take(struct link *l, const uint8_t *b, size_t len);
void link_baud_build(struct link *l);
void link_baud_finish(struct link *l, bool ok);
void link_baud_timers(struct link *l);
void link_baud_switched(struct link *l);

#endif
