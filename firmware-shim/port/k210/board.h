/*
 * How the K210 is wired on the ESP8285 boards (Maix Dock M1W, Maix Go) and
 * the build-time choices of this port.
 */
#ifndef K210_BOARD_H
#define K210_BOARD_H

/* FPIOA pads (IO numbers on the K210 package), from the board schematics. */
#define BOARD_PAD_HOST_RX   4   /* USB-serial bridge TX -> UARTHS RX */
#define BOARD_PAD_HOST_TX   5   /* UARTHS TX -> bridge RX */
#define BOARD_PAD_ESP_RX    6   /* ESP8285 TX ("WIFI_TX") -> UART2 RX */
#define BOARD_PAD_ESP_TX    7   /* UART2 TX -> ESP8285 RX ("WIFI_RX") */
#define BOARD_PAD_WIFI_EN   8   /* ESP8285 enable, active high */
#define BOARD_PAD_ESP_BOOT  0   /* ESP8285 GPIO15 strap: must be low to boot from flash */

/* GPIOHS lines driving the two ESP control pads. */
#define BOARD_GPIOHS_WIFI_EN   8
#define BOARD_GPIOHS_ESP_BOOT  0

/* Both UARTs start at the rate the link handshake and the AT firmware use. */
#define BOARD_HOST_BAUD     115200u
#define BOARD_ESP_BAUD      115200u

/*
 * Highest host-link rate offered to the daemon.  The K210 side manages far
 * more (UARTHS samples at 16x: 390 MHz / 16); the limit is the USB bridge:
 * the Maix Go's STM32 bridge runs 3 Mbaud and more, the Maix Dock's CH340
 * tops out at 2 Mbaud, so the daemon caps this by the bridge it sees.
 */
#ifndef K210_HOST_MAX_BAUD
#define K210_HOST_MAX_BAUD  3000000u
#endif

/*
 * Rates to offer the ESP8285 (AT+UART_CUR), fastest first.  Its UART
 * divides 80 MHz, which these hit exactly; 2 Mbaud has been used on these
 * boards.  The first one UART2 can also make within BOARD_ESP_BAUD_TOLERANCE
 * from its APB0 clock is the ceiling; the core verifies it and falls back.
 */
#define BOARD_ESP_RATES           { 2000000u, 1000000u, 500000u }
#define BOARD_ESP_BAUD_TOLERANCE  10u   /* per mille: 1% */

/* The Dock and the Go run the same image and cannot be told apart in software. */
#ifndef K210_BOARD_NAME
#define K210_BOARD_NAME     "K210 (ESP8285)"
#endif

#endif
