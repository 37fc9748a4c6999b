/*
 * Reliable link: turns a lossy serial byte pipe into a reliable, ordered
 * byte stream in each direction.
 *
 * Selective-repeat ARQ over the frame layer: 16-bit sequence numbers,
 * cumulative + selective acknowledgement, a sliding window, retransmission
 * on SACK holes (the wire is FIFO, so a hole is a loss) and on an adaptive
 * timeout, frame payloads sized to the measured error rate, keepalive and
 * link-down detection, a versioned handshake whose nonces form the session
 * id carried by every frame, and a verified baud-rate change.
 *
 * The link does no I/O and never allocates.  The caller:
 *   - feeds received bytes to link_input();
 *   - pulls bytes to transmit with link_output() whenever link_pending()
 *     says there are some and its transmitter has room, and in any case by
 *     link_deadline() (timers run inside link_output, even with cap 0);
 *   - writes outgoing stream bytes with link_write() and receives incoming
 *     stream bytes and events through struct link_ops callbacks;
 *   - passes the current time (microseconds, monotonic) to every call.
 */
#ifndef K210_LINK_H
#define K210_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define LINK_BASE_BAUD 115200u
#define LINK_WINDOW_MAX 32        /* bounded by the 32-bit SACK bitmap */
#define LINK_PAYLOAD_MIN 64
#define LINK_PAYLOAD_MAX 4096
#define LINK_HDR_LEN 9            /* type|flags, session, seq, ack */
#define LINK_SACK_LEN 4

enum link_event_type {
	LINK_EV_UP = 1,       /* session established: start talking */
	LINK_EV_DOWN,         /* session over: everything unacknowledged is gone */
	LINK_EV_BAUD,         /* baud-rate change finished (ok or fell back) */
	LINK_EV_VERSION,      /* peer speaks an incompatible major version */
};

enum link_down_reason {
	LINK_DOWN_TIMEOUT = 1,     /* nothing valid heard for dead_ms */
	LINK_DOWN_PEER_RESET,      /* peer started a new session (reset or restart) */
	LINK_DOWN_PEER_CLOSED,     /* peer said goodbye */
	LINK_DOWN_LOCAL,           /* link_close() or link_restart() */
};

struct link_event {
	enum link_event_type type;
	union {
		struct {
			uint32_t peer_boot_id;
			bool peer_rebooted;   /* boot id differs from the previous session's */
			uint16_t payload;     /* negotiated largest frame payload */
			uint8_t window;       /* negotiated window, frames */
			uint32_t peer_max_baud;
		} up;
		struct {
			enum link_down_reason reason;
		} down;
		struct {
			uint32_t baud;        /* rate now in use */
			bool ok;              /* false: the requested rate failed */
		} baud;
		struct {
			uint8_t major, minor; /* the peer's version */
		} version;
	} u;
};

struct link_ops {
	/* In-order stream bytes from the peer.  Must accept them all. */
	void (*deliver)(void *ctx, const uint8_t *data, size_t len);
	void (*event)(void *ctx, const struct link_event *ev);
	/*
	 * Switch the line to baud once every byte already returned by
	 * link_output() has left the transmitter (drain, then switch).
	 */
	void (*set_baud)(void *ctx, uint32_t baud);
};

/* Buffer link_data_room leaves for control messages (credits, requests,
 * answers) behind the data. */
#define LINK_CONTROL_ROOM 4096u
/* link_data_room's bound is never below this, however short frames and
 * round trips are: a writer can always place one whole message (the largest
 * DATA and its header) once the link has delivered what it held. */
#define LINK_DATA_ROOM_MIN 2304u

struct link_config {
	uint32_t boot_id;       /* random, different on every start */
	uint32_t max_baud;      /* highest rate this side can run */
	uint16_t max_payload;   /* largest frame payload this side sends/accepts */
	uint16_t min_payload;   /* floor for the adaptive payload size */
	/* Frames of max_payload in flight, <= LINK_WINDOW_MAX: window * max_payload
	 * bytes are kept for frames received out of order, and smaller frames may
	 * be more (up to LINK_WINDOW_MAX) within as many bytes. */
	uint8_t window;
	uint32_t tx_buffer;     /* bytes of outgoing stream buffered */
	uint32_t hello_ms;      /* handshake retry interval */
	uint32_t keepalive_ms;  /* probe when the line was quiet this long */
	uint32_t dead_ms;       /* declare the link down after this much silence */
	uint32_t baud_verify_ms;/* time to prove a new baud rate works */
};

struct link_stats {
	uint64_t frames_tx, frames_rx;
	uint64_t bytes_tx, bytes_rx;      /* on the wire */
	uint64_t data_tx, data_rx;        /* stream bytes */
	uint64_t retransmits;
	uint64_t timeouts;                /* retransmissions by timer */
	uint64_t crc_errors, cobs_errors, runts, oversize;
	uint64_t stale;                   /* frames of another session */
	uint64_t duplicates;
	uint64_t reorder_full;            /* frames dropped: no room to hold them out of order */
	uint64_t sessions;
	uint32_t srtt_us, rto_us;
	uint16_t payload;                 /* current adaptive payload size */
	uint32_t baud;
	/* Gauges of the transmit side: where written bytes wait now. */
	uint32_t queued;                  /* written, not yet in a frame */
	uint32_t limit;                   /* link_data_room's bound on undelivered bytes (line time) */
	uint32_t in_flight;               /* sent in frames, not yet acknowledged */
	uint8_t frames_in_flight;
};

/* Internal state below: callers treat it as opaque. */
struct link_txslot {
	uint32_t off;          /* stream offset of the first byte */
	uint16_t len;
	bool sacked;           /* the peer holds it out of order */
	bool lost;             /* waiting for retransmission */
	uint8_t tries;
	uint32_t serial;       /* transmission order of the latest send */
	uint64_t sent_us;
	uint64_t done_us;      /* when its last byte is off the line, by line time */
};

struct link {
	struct link_config cfg;
	struct link_ops ops;
	void *ctx;

	int state;
	uint32_t nonce, peer_nonce, session, attempts;
	uint32_t peer_boot_id, last_peer_boot_id;
	bool have_last_peer;
	uint16_t payload_max;  /* negotiated */
	uint8_t window;        /* negotiated, in frames of payload_max: the byte window */
	uint8_t frames_max;    /* frames unacknowledged at once: window, or 32 when both hold by bytes */
	uint32_t bytes_max;    /* stream bytes unacknowledged at once: window * payload_max */
	uint32_t peer_max_baud;

	/* transmit */
	uint8_t *ring;         /* outgoing stream */
	uint32_t acked_off, sent_off, write_off;
	struct link_txslot tx[LINK_WINDOW_MAX];
	uint16_t snd_una, snd_nxt;
	uint32_t serial;
	uint8_t *txframe;      /* encoded frame being handed out */
	size_t txframe_len, txframe_pos;
	uint8_t txframe_copies; /* more times the frame in txframe goes out... */
	uint8_t txframe_start;  /* ...from here (after a leading delimiter) */
	uint8_t *scratch;      /* frame body under construction */
	bool need_delim;

	/* receive */
	struct frame_decoder dec;
	/* Frames held out of order, by their bytes: a ring of window * max_payload
	 * bytes (cfg), positions counted from the session start. */
	uint8_t *rxpool;
	uint32_t rxpool_size, rxpool_head, rxpool_tail;
	uint32_t rxpos[LINK_WINDOW_MAX];
	uint16_t rxlen[LINK_WINDOW_MAX];
	uint32_t rxheld;       /* bit i: rcv_nxt + 1 + i is held */
	uint16_t rcv_nxt;
	uint16_t unacked;      /* data frames received since the last ack sent */
	uint64_t ack_due_us;

	/* timers */
	uint64_t now_us;
	uint64_t last_rx_us, last_tx_us, hello_due_us;
	uint32_t srtt_us, rttvar_us, rto_us;
	uint8_t rto_backoff;   /* doublings of the timeout since the last sample */
	/* Least time from a frame's last byte off the line to its acknowledgement,
	 * in this window of LINK_BASE_WINDOW and the one before (UINT32_MAX: none
	 * yet); when the line is free of every byte handed out, by line time
	 * (line_rem: what the last whole microsecond left over, in 1/baud us). */
	uint32_t base_cur_us, base_prev_us;
	uint64_t base_since_us, line_free_us;
	uint32_t line_rem;

	/* adaptive payload */
	uint32_t loss_fp;      /* EWMA of frame loss, 1/65536 units */
	uint32_t len_fp;       /* EWMA of wire bytes per frame, 1/65536 units */
	uint16_t payload;
	uint16_t payload_cap;  /* the writer's cap (link_cap_payload), 0: none */

	/* baud change */
	int baud_state;
	uint32_t baud, baud_old, baud_new;
	uint32_t baud_switch_to; /* rate to switch to once the current frame is out */
	uint64_t baud_due_us, baud_deadline_us;
	uint8_t baud_tries;
	uint8_t baud_op;       /* BAUD frame to send: operation and rate */
	uint32_t baud_arg;
	uint8_t pending_ctl;   /* control frames to send next */

	struct link_stats st;
};

/* Sensible defaults for everything but boot_id. */
void link_config_default(struct link_config *cfg);
/* Bytes of memory link_init needs for this configuration. */
size_t link_mem_size(const struct link_config *cfg);
/*
 * Initialise a link in the down state.  mem must hold link_mem_size(cfg)
 * bytes and stay valid for the link's life.  Returns false on a bad config.
 */
bool link_init(struct link *l, const struct link_config *cfg, const struct link_ops *ops,
	       void *ctx, void *mem, size_t memlen, uint64_t now_us);

void link_input(struct link *l, uint64_t now_us, const uint8_t *in, size_t n);
size_t link_output(struct link *l, uint64_t now_us, uint8_t *out, size_t cap);
/*
 * True if link_output has bytes to hand out now.  Timers that fell due
 * since the last link_output call are only seen after the next one, which
 * may pass cap 0 to run them without taking bytes.
 */
bool link_pending(const struct link *l);
/* Absolute time of the next timer: call link_output by then at the latest. */
uint64_t link_deadline(const struct link *l);

/* Queue stream bytes; returns how many were taken (0 while down). */
size_t link_write(struct link *l, const void *data, size_t len);
/* Bytes link_write would take now. */
size_t link_writable(const struct link *l);
/*
 * Stream data to write now (0 while the link is not up).  Bytes written and
 * not yet delivered (queued, or in frames the peer does not hold) are held to
 * the line time that keeps the line busy: two frames and the least round trip
 * seen beyond them, as Linux's BQL does for a NIC's ring; LINK_CONTROL_ROOM of
 * the buffer stays for control messages.  What waits beyond that waits in
 * the writer, whose scheduler can still put a small message first; a byte in
 * the link waits for every byte written before it.
 */
size_t link_data_room(const struct link *l);
/* True once every written byte has been acknowledged. */
bool link_drained(const struct link *l);

bool link_is_up(const struct link *l);
uint32_t link_baud(const struct link *l);
/* Payload of the largest frame the link sends now (it adapts to line errors). */
uint16_t link_payload(const struct link *l);
/*
 * The writer caps frames at cap bytes of payload (0: no cap; never below the
 * configured min_payload): while a small message shares the line with bulk
 * data, shorter frames mean less line time queued ahead of it in the link
 * and below it, at a few more bytes of framing.
 */
void link_cap_payload(struct link *l, uint16_t cap);
/* The session id both ends share while up (0 while down). */
uint32_t link_session(const struct link *l);

/*
 * Ask the peer to move to baud (up to the lower of both max_baud).  The
 * outcome arrives as LINK_EV_BAUD; on failure both sides stay at the old
 * rate.  Returns false if the link is down or a change is in progress.
 */
bool link_request_baud(struct link *l, uint32_t baud);

/* Say goodbye to the peer (best effort) and go down. */
void link_close(struct link *l, uint64_t now_us);
/* Drop the session without telling the peer (port reopened, line replaced). */
void link_restart(struct link *l, uint64_t now_us);

void link_get_stats(const struct link *l, struct link_stats *st);

#endif
