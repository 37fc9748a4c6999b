/*
 * The simulated UART between the ESP8285 and its host: a bounded output queue drained at the line's
 * baud rate (10 bits per byte, 8N1), and unpaced input. The transport is stdin/stdout or a pty.
 */
#ifndef ESPAT_UART_H
#define ESPAT_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_QUEUE_SIZE 65536
#define UART_DEFAULT_BAUD 115200UL
#define UART_BURST_MS 20

typedef void (*uart_input_fn)(const uint8_t *buf, size_t len);

int uart_open_stdio(uart_input_fn on_input);
int uart_open_pty(const char *link_path, uart_input_fn on_input);
void uart_close(void);
/* The host side went away (EOF or a write error on stdio): time to exit. */
bool uart_eof(void);

void uart_set_unpaced(bool unpaced);
/* Output waits UART_BURST_MS after the first byte of an idle line, then leaves in one burst. */
void uart_set_burst(bool burst);
/* The new rate applies to bytes queued after this call; those already queued go at the old rate. */
void uart_set_baud_after_pending(unsigned long baud);
unsigned long uart_baud(void);

/* Queue bytes for the host, all or nothing; false (and a warning) when they do not fit. */
bool uart_put(const void *buf, size_t len);
size_t uart_pending(void);
size_t uart_room(void);
/* Power loss: bytes not yet on the wire are lost. */
void uart_discard(void);

void uart_prepare(void);

#endif
