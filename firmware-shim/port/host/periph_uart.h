/*
 * UART2 (0x50220000): the DesignWare APB UART the ESP8285 is wired to (IO6
 * RX, IO7 TX).  16550 registers with a 32-bit stride and 16-entry FIFOs
 * (trigger levels, character timeout, programmable THRE mode), the
 * DesignWare extras (USR, TFL/RFL, shadow registers, DLF fractional
 * divisor), baud = APB0 / (16 * DLH:DLL + DLF), PLIC source 12.  LCR and
 * the divisor latches ignore writes while the UART is busy, as
 * DesignWare's do when not built 16550-compatible.
 */
#ifndef EMU_PERIPH_UART_H
#define EMU_PERIPH_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

struct periph_uart_stats {
	uint64_t overruns;      /* bytes lost to a full receive FIFO (LSR.OE) */
	uint64_t unrouted;      /* bytes that met a pad not routed to the UART */
	uint64_t busy_writes;   /* LCR or divisor writes ignored while busy */
};

void periph_uart_init(struct wire *esp);
void periph_uart_map(void);
void periph_uart_reset(int64_t now);
/* SYSCTL's peri_reset bit for UART2. */
void periph_uart_hold_reset(int64_t now, bool on);
void periph_uart_update(int64_t now);
int64_t periph_uart_next_event(int64_t now);
void periph_uart_clock_changed(int64_t now);
uint32_t periph_uart_baud(void);
void periph_uart_stats(struct periph_uart_stats *st);

#endif
