/*
 * The ESP side of the sockets: the AT commands that open, feed, drain and
 * close the module's links (CIPSTART, CIPSEND, CIPRECVDATA, CIPRECVLEN?,
 * CIPCLOSE, CIPSERVER, CIPSTO, CIPSTATUS) and the link URCs (<id>,CONNECT,
 * <id>,CLOSED, +IPD).  Sends and reads take turns across the links so that
 * parallel transfers share the UART evenly.
 */
#ifndef K210_CONN_H
#define K210_CONN_H

/* Register with the ESP engine (after esp_init). */
void conn_init(void);

#endif
