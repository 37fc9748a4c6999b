/*
 * The firmware core: serves the k210sock protocol on the host UART and
 * drives the ESP8285 AT firmware on the ESP UART.  A port calls shim_init()
 * once after bringing up the hardware, then loops:
 *
 *	for (;;)
 *		port_wait(shim_poll(port_now_us()));
 */
#ifndef K210_SHIM_H
#define K210_SHIM_H

#include <stdint.h>

void shim_init(void);
/* Do all work that is due; returns the time by which to call again. */
uint64_t shim_poll(uint64_t now_us);

#endif
