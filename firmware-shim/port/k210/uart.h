/*
 * UART2, the ESP8285 link: a DesignWare APB UART (16550 registers with a
 * 32-bit stride plus DesignWare extras), clocked from APB0.  Receive and
 * transmit go through interrupt-fed rings.
 */
#ifndef K210_UART_H
#define K210_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_RING_SIZE 8192u

/* Clocks and resets UART2, then 8N1 at baud with FIFOs and interrupts on. */
void uart_init(uint32_t baud);
/* Waits (bounded) for the transmitter to empty; keeps what was received. */
void uart_set_baud(uint32_t baud);
size_t uart_read(uint8_t *buf, size_t cap);
size_t uart_write(const uint8_t *buf, size_t len);
size_t uart_tx_room(void);
bool uart_tx_idle(void);
/* How far the nearest divisor misses baud, in 1/1000 (UINT32_MAX for 0). */
uint32_t uart_baud_error_permille(uint32_t baud);
/* Receive bytes lost since boot: hardware overruns plus a full ring. */
uint32_t uart_rx_overruns(void);
/* True once since the last call if bytes arrived or the transmit ring drained. */
bool uart_take_event(void);
void uart_irq(void);

#endif
