/*
 * The station's WiFi state and the requests about it: WIFI_STATUS,
 * WIFI_JOIN, WIFI_SCAN, WIFI_LEAVE, RESOLVE and PING, run one at a time through
 * the ESP engine; unsolicited WIFI CONNECTED / GOT IP / DISCONNECT lines;
 * EV_WIFI on every change.
 */
#ifndef K210_WIFI_H
#define K210_WIFI_H

#include <stdbool.h>
#include <stdint.h>

struct req;

/* Start over and register with the ESP engine (after esp_init). */
void wifi_init(void);
uint8_t wifi_state(void);              /* enum proto_wifi_state */
/* The module just started and its WiFi state is not known yet. */
bool wifi_settling(void);
void wifi_get_ip(uint8_t ip[4]);
void wifi_get_mac(uint8_t mac[6]);

void wifi_request(struct req *r);
void wifi_cancel(struct req *r);
void wifi_host_down(void);
/* The host session began: tell it the current state. */
void wifi_host_up(void);
/* EV_WIFI when due and the link has room. */
void wifi_flush(void);

#endif
