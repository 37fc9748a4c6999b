/*
 * The ESP8285's UART rate, as the AT firmware sets it: 115200 from boot,
 * AT+UART_CUR=<baud> moves it once the module has sent its OK, AT+RST
 * brings it back.  The emulated board follows the commands the module
 * receives and the answers it sends, so that the wire knows at which rate
 * the far end samples and sends.
 */
#ifndef EMU_ESPRATE_H
#define EMU_ESPRATE_H

#include <stdint.h>

#define ESPRATE_BOOT 115200u

/* The module boots (or is held in reset): back to the boot rate. */
void esprate_reset(void);
/* A byte the module received; a byte it sent.  esprate_sent returns the rate for what follows. */
void esprate_received(uint8_t c);
uint32_t esprate_sent(uint8_t c);
uint32_t esprate_now(void);

#endif
