/* The simulated radio: access points given on the command line and the station's association. */
#ifndef ESPAT_WIFI_H
#define ESPAT_WIFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIFI_SSID_MAX 32
#define WIFI_PSK_MAX 64
#define WIFI_AP_MAX 16

struct wifi_ap {
	char ssid[WIFI_SSID_MAX + 1];
	char psk[WIFI_PSK_MAX + 1];
	int rssi;
	int channel;
	uint8_t bssid[6];
};

/* Failure codes as +CWJAP:<n> reports them. */
enum wifi_join {
	WIFI_JOIN_OK = 0,
	WIFI_JOIN_TIMEOUT = 1,
	WIFI_JOIN_WRONG_PSK = 2,
	WIFI_JOIN_NO_AP = 3,
};

/* "SSID,PSK[,RSSI[,CHANNEL]]"; returns -1 with a message on a malformed spec. */
int wifi_add_ap(const char *spec);
/* The default AP, when none was given. */
void wifi_add_default_ap(void);
size_t wifi_ap_count(void);
const struct wifi_ap *wifi_ap_at(size_t i);
/* The AP with this SSID, or NULL. */
const struct wifi_ap *wifi_ap_named(const char *ssid);

enum wifi_join wifi_check(const char *ssid, const char *psk);
void wifi_set_joined(const char *ssid);
void wifi_set_left(void);
const struct wifi_ap *wifi_joined(void);

#endif
