/*
 * Deterministic simulation of two link endpoints joined by a serial wire:
 * a virtual clock, a seeded random generator, a baud rate (10 bits a
 * byte), one-way latency, bit errors, byte drops, garbage bursts, and a
 * peer reset.  Both endpoints stream data at each other at once and every
 * delivered byte is checked against what the sender wrote.
 */
#ifndef K210_LINKSIM_H
#define K210_LINKSIM_H

#include <stdbool.h>
#include <stdint.h>

/* Largest transmit queue ahead of the wire the simulation models. */
#define LINKSIM_QUEUE_MAX 16384

struct linksim_params {
	uint32_t baud;            /* rate negotiated after the 115200 start */
	uint64_t bytes;           /* to deliver in each direction */
	double ber;               /* probability that a data bit flips */
	double drop;              /* probability that a byte vanishes */
	double noise_from;        /* errors and drops start at this fraction of the transfer (0: at once) */
	uint32_t latency_us;      /* one way */
	uint64_t seed;
	uint32_t garbage_bursts;  /* bursts of noise into each receiver */
	uint32_t garbage_len;     /* bytes per burst */
	double reset_at;          /* reset endpoint B at this fraction of the transfer (0 = never) */
	uint32_t window;          /* link window (frames) */
	uint32_t payload;         /* largest frame payload */
	uint32_t max_baud_b;      /* B's highest rate (0 = same as baud) */
	uint32_t broken_baud;     /* a rate the wire garbles (cable too long) */
	uint32_t tx_queue;        /* bytes a transmitter takes from its link at once */
	uint64_t time_limit_us;   /* virtual time before giving up */
};

struct linksim_result {
	bool completed;           /* both directions delivered everything */
	double seconds;           /* virtual time to completion */
	double goodput_ratio[2];  /* A->B, B->A: bytes/s over baud/10 */
	uint64_t delivered[2];
	uint64_t lost;            /* written in the final session, never delivered */
	uint64_t corrupted;       /* delivered bytes that differ from what was sent */
	uint64_t retransmits;
	uint64_t timeouts;        /* retransmissions by timer, both ends */
	uint64_t crc_errors;
	uint64_t stale;           /* frames rejected as another session's */
	uint32_t final_baud;
	uint16_t final_payload;   /* A's adaptive payload at the end */
	unsigned ups;             /* LINK_EV_UP seen by A */
	unsigned downs_timeout, downs_reset; /* LINK_EV_DOWN reasons seen by A */
	bool peer_rebooted_seen;  /* A was told B restarted */
	unsigned baud_events, baud_failures;
};

void linksim_defaults(struct linksim_params *p);
/* Returns false only on a setup error (bad parameters, out of memory). */
bool linksim_run(const struct linksim_params *p, struct linksim_result *r);

/* Two endpoints wired back to back, no line in between (the unit tests). */
struct link;
/* Everything l has to send at now, up to cap bytes. */
size_t linksim_take(struct link *l, uint64_t now, uint8_t *buf, size_t cap);
/* Exchange bytes at now until both ends are quiet. */
void linksim_exchange(struct link *a, struct link *b, uint64_t now);

#endif
