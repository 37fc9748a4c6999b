/*
 * The board's WiFi as the daemon sees it (state, SSID, RSSI, address, from
 * WIFI_STATUS answers and EV_WIFI events) and [wifi]: join the configured
 * network when the board comes up, after a reload that changed it, after an
 * ESP8285 reset (which forgets it), and when it stays lost.
 */
#ifndef K210_WIFI_H
#define K210_WIFI_H

#include <stdint.h>

#include "msg.h"

struct event;

struct wifi_info {
	uint8_t state;                 /* enum proto_wifi_state */
	char ssid[PROTO_SSID_MAX + 1];
	int8_t rssi;
	uint8_t ip[4];
	struct event *timer;           /* look again, and rejoin if needed */
};

void wifi_init(void);
void wifi_board_up(void);
void wifi_board_down(void);
void wifi_esp_reset(void);
/* An EV_WIFI from the board (passed on to subscribers). */
void wifi_event(const struct msg *m);
/* Reload: [wifi] changed. */
void wifi_config_changed(void);
const struct wifi_info *wifi_info(void);
const char *wifi_state_name(uint8_t st);

#endif
