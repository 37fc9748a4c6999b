/*
 * The ESP side of the sockets: the AT commands that open, feed, drain and
 * close the module's links (CIPSTART, CIPSEND, CIPRECVDATA, CIPRECVLEN?,
 * CIPCLOSE, CIPSERVER, CIPSTO, CIPSTATUS) and the link URCs (<id>,CONNECT,
 * <id>,CLOSED, +IPD).  Sends and reads take turns across the links so that
 * parallel transfers share the UART evenly.
 */
#ifndef K210_CONN_H
#define K210_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "at.h"
#include "esp.h"

/* The next socket-control command (open, close, server), if any. */
bool conn_next_control(struct esp_cmd *c, uint64_t now);
/* The next data command (send, read, length poll), if any. */
bool conn_next_data(struct esp_cmd *c, uint64_t now);
void conn_urc(const struct at_event *ev);
/* A socket waits to open and the module holds no link: its UART may change rate now. */
bool conn_quiet_open(void);
/* The module restarted: every link is gone. */
void conn_esp_lost(void);
/* Garbage on the ESP line: notifications or unsolicited data may be lost. */
void conn_esp_garbled(void);
/* The module checked out after garbage: sockets that lost bytes fail now. */
void conn_esp_sound(void);

#endif
