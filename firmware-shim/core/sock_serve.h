/*
 * The listening socket on the ESP side: AT+CIPSERVER and AT+CIPSTO, clients
 * the module accepts ("<id>,CONNECT" nobody asked for) and their addresses
 * from AT+CIPSTATUS, and refusals when nobody can take a client.
 *
 * AT+CIPSERVER=0 stops the server and leaves accepted links open (ESP-AT
 * documents that as the default of its optional second argument), so a
 * closed listener's clients live on as ordinary sockets.
 */
#ifndef K210_SOCK_SERVE_H
#define K210_SOCK_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "esp.h"

/* The next listener or accept command, if any. */
bool sock_serve_next(struct esp_cmd *c);
/* "<link>,CONNECT" nobody asked for. */
void sock_serve_incoming(uint8_t link);
/* The module restarted: the server and its pending work are gone. */
void sock_serve_lost(void);

#endif
