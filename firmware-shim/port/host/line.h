/*
 * One emulated UART between the firmware core and a file descriptor (the
 * USB line's pty, or the ESP8285 simulator): a receive ring and a transmit
 * ring like the board's, each direction paced at the line's baud rate, and
 * optional line noise (bit flips, dropped bytes) from a seeded generator.
 */
#ifndef EMU_LINE_H
#define EMU_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pace.h"
#include "ring.h"

#define LINE_RING 8192

struct line_stats {
	uint64_t rx_bytes, tx_bytes;    /* through the fd */
	uint64_t rx_overflow;           /* arrived with the receive ring full: lost */
	uint64_t flipped, dropped;      /* noise */
};

struct line {
	const char *name;
	int fd;
	bool pace_rx, pace_tx;
	/* Paced receive models a real UART: bytes keep arriving and a full ring loses them. */
	bool rx_drops;
	struct ring rx, tx;
	uint8_t rxmem[LINE_RING], txmem[LINE_RING];
	struct pace rxp, txp;
	uint8_t out[4096];                /* left the transmit ring, waiting for the fd */
	size_t out_len, out_off;
	uint32_t baud;
	uint64_t flip_below, drop_below;  /* per-byte thresholds on a 64-bit draw */
	uint64_t prng;
	struct line_stats st;
};

enum line_result {
	LINE_RX = 1,     /* bytes for the core arrived */
	LINE_EOF = 2,    /* the other end is gone */
};

void line_init(struct line *l, const char *name, uint32_t baud, bool pace_rx, bool pace_tx, int64_t now);
void line_attach(struct line *l, int fd);
void line_set_baud(struct line *l, uint32_t baud, int64_t now);
/* Board reset: the UART and its rings start empty at baud. */
void line_reset(struct line *l, uint32_t baud, int64_t now);
/* ber: probability that a bit flips; drop: probability that a byte is lost. */
void line_set_noise(struct line *l, double ber, double drop, uint64_t seed);

/* The core's side. */
size_t line_read(struct line *l, uint8_t *buf, size_t cap);
size_t line_write(struct line *l, const uint8_t *buf, size_t len);
size_t line_tx_room(const struct line *l);
bool line_tx_idle(const struct line *l, int64_t now);

/* The event loop's side: what to poll for and when to wake; then the work. */
short line_events(const struct line *l, int64_t now, int64_t *wake);
int line_service(struct line *l, short revents, int64_t now);

#endif
