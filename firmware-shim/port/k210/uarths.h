/*
 * UARTHS, the host link: the K210's SiFive-style UART wired to the USB-serial
 * bridge.  Receive and transmit go through interrupt-fed rings.
 */
#ifndef K210_UARTHS_H
#define K210_UARTHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UARTHS_RING_SIZE 8192u

void uarths_init(uint32_t baud);
/* Call only once uarths_tx_idle(): also drops everything received so far. */
void uarths_set_baud(uint32_t baud);
size_t uarths_read(uint8_t *buf, size_t cap);
size_t uarths_write(const uint8_t *buf, size_t len);
size_t uarths_tx_room(void);
bool uarths_tx_idle(void);
/* True once since the last call if bytes arrived or the transmit ring drained. */
bool uarths_take_event(void);
void uarths_irq(void);

#endif
