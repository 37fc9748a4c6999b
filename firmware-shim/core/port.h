/*
 * What the firmware core needs from the hardware it runs on.  Implemented
 * by the K210 port (port/k210) and by the host emulator (port/host).
 *
 * "host" is the USB-serial UART to the PC (UARTHS on the K210), "esp" the
 * UART to the ESP8285 (UART2).  Reads and writes never block: receive and
 * transmit go through interrupt-fed rings on the board.
 */
#ifndef K210_PORT_H
#define K210_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic microseconds since boot. */
uint64_t port_now_us(void);

/* Host UART. */
size_t port_host_read(uint8_t *buf, size_t cap);
size_t port_host_write(const uint8_t *buf, size_t len); /* bytes accepted */
size_t port_host_tx_room(void);
bool port_host_tx_idle(void);                           /* every byte shifted out */
void port_host_set_baud(uint32_t baud);
uint32_t port_host_max_baud(void);

/* ESP8285 UART. */
size_t port_esp_read(uint8_t *buf, size_t cap);
size_t port_esp_write(const uint8_t *buf, size_t len);
size_t port_esp_tx_room(void);
bool port_esp_tx_idle(void);
void port_esp_set_baud(uint32_t baud);
/* Highest rate worth asking the ESP8285 for (AT+UART_CUR) on this board. */
uint32_t port_esp_max_baud(void);
/* Receive bytes lost to a full ring or a UART overrun since boot. */
uint32_t port_esp_rx_overruns(void);

/* A rate the ESP UART makes closely enough to talk to the module at (at most port_esp_max_baud()). */
bool port_esp_baud_ok(uint32_t baud);

/* Memory for the receive pool; the core uses up to CONFIG_RX_POOL bytes of it. */
void *port_rx_pool(size_t *size);

/* WIFI_EN (IO8): false holds the ESP8285 in reset. */
void port_esp_enable(bool on);

/* Restart the whole board (the emulator restarts the core instead). */
void port_reboot(void);

/* Some entropy for the per-boot link id (timer jitter, unconnected pins). */
uint32_t port_entropy(void);

/* Sleep until a byte arrives on either UART or deadline_us passes. */
void port_wait(uint64_t deadline_us);

/* "Maix Dock", "Maix Go", "k210-emu". */
const char *port_board_name(void);

#endif
