/*
 * UARTHS (0x38000000): the SiFive UART that the USB-serial bridge is wired
 * to (IO4 RX, IO5 TX): 8-entry FIFOs with watermark interrupts (PLIC
 * source 33), baud = CPU clock / (div + 1).  A byte that arrives with the
 * receive FIFO full is lost: this UART has no overrun flag.
 */
#ifndef EMU_PERIPH_UARTHS_H
#define EMU_PERIPH_UARTHS_H

#include <stdint.h>

#include "wire.h"

struct periph_uarths_stats {
	uint64_t rx_lost;       /* arrived with the receive FIFO full */
	uint64_t unrouted;      /* bytes that met a pad not routed to the UART */
};

void periph_uarths_init(struct wire *usb);
void periph_uarths_map(void);
void periph_uarths_reset(int64_t now);
/* Bring the FIFOs up to now and the interrupt line with them. */
void periph_uarths_update(int64_t now);
/* When the interrupt line may rise next (INT64_MAX: not on its own). */
int64_t periph_uarths_next_event(int64_t now);
void periph_uarths_clock_changed(int64_t now);
/* The line rate the divisor gives now. */
uint32_t periph_uarths_baud(void);
void periph_uarths_stats(struct periph_uarths_stats *st);

#endif
