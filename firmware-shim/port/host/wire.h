/*
 * One serial line between an emulated UART and a file descriptor (the USB
 * line's pty, or the ESP8285 simulator), as the wire carries it: each
 * byte takes 10 bit times at the rate its sender uses, and a receiver
 * whose rate differs from the sender's by more than 3% samples garbage
 * (the wire simulates the sampling).  Optional line noise (bit flips,
 * lost bytes).  Times are board time in ns.
 *
 * Toward the board, bytes read from the fd wait here (as in a USB bridge's
 * buffer) until their turn on the wire; the UART takes those that have
 * arrived.  From the board, bytes the UART has sent wait here until the
 * next service writes them to the fd.
 */
#ifndef EMU_WIRE_H
#define EMU_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_BUF 8192
/* A receiver more than this far off the sender's rate (per mille) samples garbage. */
#define WIRE_TOLERANCE_PERMILLE 30

struct wire_stats {
	uint64_t rx_bytes, tx_bytes;    /* through the fd */
	uint64_t garbled;               /* bytes sent at a rate the receiver did not use */
	uint64_t flipped, dropped;      /* noise */
	uint64_t lost;                  /* from the board, the fd not taking them (a full bridge buffer) */
};

struct wire {
	const char *name;
	int fd;
	bool paced;
	/* Toward the board: a ring, each byte with the rate it was sent at. */
	uint8_t in[WIRE_BUF];
	uint32_t in_rate[WIRE_BUF];
	size_t in_head, in_len;
	int64_t in_done;                /* when the head byte has fully arrived (paced) */
	int64_t in_free;                /* when the last byte taken had arrived: the wire is idle after it */
	/* From the board. */
	uint8_t out[WIRE_BUF];
	size_t out_len;
	bool out_burst;                 /* bytes sent since the line was last quiet */
	int64_t quiet_at;               /* the line went quiet and the far end has not answered yet (-1: no) */
	/* Bytes sent at a rate the far end does not use, resampled as one burst at the next flush. */
	uint8_t skew[256];
	size_t skew_len;
	uint32_t skew_tx_rate;
	uint32_t peer_rate;             /* the rate the far end sends and listens at */
	uint32_t max_rate;              /* the far end (a USB bridge) runs no faster than this; 0: no limit */
	uint64_t flip_below, drop_below, prng;
	/* Optional: each byte the far end sends (returns its rate for what follows, 0: unchanged) and receives. */
	uint32_t (*tap_sent)(uint8_t c);
	void (*tap_received)(uint8_t c);
	struct wire_stats st;
};

void wire_init(struct wire *w, const char *name, bool paced, uint32_t peer_rate);
void wire_attach(struct wire *w, int fd);
/* Everything in flight is gone (the line lost power). */
void wire_clear(struct wire *w, int64_t now);
void wire_set_peer_rate(struct wire *w, uint32_t rate);
void wire_set_noise(struct wire *w, double ber, double drop, uint64_t seed);

/* The service: read what the fd has (queued behind what waits), write what is due. */
bool wire_fill(struct wire *w, int64_t now, bool *eof);
/* The far end is off: what waits and what the fd has are not on the wire. */
void wire_drop_input(struct wire *w, bool *eof);
void wire_flush(struct wire *w);
/*
 * The sender's line has gone quiet (its last byte is out): what it sent
 * reaches the far end now, not with the next batch, since an AT command
 * or a frame's tail is what the far end waits for to answer.
 */
void wire_quiet(struct wire *w, int64_t now);
/* The line went quiet less than within ago and nothing came back since. */
bool wire_awaits_answer(const struct wire *w, int64_t now, int64_t within);
bool wire_wants_input(const struct wire *w);
bool wire_has_output(const struct wire *w);

/*
 * The receiver: bytes that have arrived by now (paced) or, unpaced, at most
 * limit of them, as a receiver at rx_rate samples them; ferr[i] marks a
 * framing error.  Returns how many are in buf.
 */
size_t wire_receive(struct wire *w, int64_t now, uint32_t rx_rate, size_t limit, uint8_t *buf, bool *ferr,
		    size_t cap);
/* When the k-th byte (1-based) still to come will have arrived; INT64_MAX if it is not here yet. */
int64_t wire_arrival(const struct wire *w, int64_t now, size_t k);
/* A byte is on its way in right now (a receiver would be busy). */
bool wire_receiving(const struct wire *w, int64_t now);

/* The transmitter: one byte, sent at tx_rate. */
void wire_send(struct wire *w, uint8_t byte, uint32_t tx_rate);

#endif
