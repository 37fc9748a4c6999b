/*
 * The board's WiFi as the daemon sees it (state, SSID, RSSI, address, from
 * WIFI_STATUS answers and EV_WIFI events) and [wifi]: join the configured
 * network when the board comes up, after a reload that changed it, after an
 * ESP8285 reset (which forgets it), and when it stays lost.
 */
#ifndef K210_BOARD_WIFI_H
#define K210_BOARD_WIFI_H

#include <stdint.h>

#include "msg.h"

struct event;

struct board_wifi_info {
	uint8_t state;                 /* enum proto_wifi_state */
	char ssid[PROTO_SSID_MAX + 1];
	int8_t rssi;
	uint8_t ip[4];
	struct event *timer;           /* look again, and rejoin if needed */
};

/* Register with the board session (EV_WIFI is passed on to subscribers). */
void board_wifi_init(void);
/* Reload: [wifi] changed. */
void board_wifi_config_changed(void);
const struct board_wifi_info *board_wifi_info(void);
const char *board_wifi_state_name(uint8_t st);

#endif
