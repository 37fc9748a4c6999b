#include "wifi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define WIFI_DEFAULT_SSID "k210sim"
#define WIFI_DEFAULT_PSK "k210sim-pass"
#define WIFI_DEFAULT_RSSI (-52)
#define WIFI_DEFAULT_CHANNEL 6
/* An AP this faint never answers the association: the join times out (+CWJAP:1). */
#define WIFI_RSSI_UNREACHABLE (-90)

static struct wifi_ap wifi_aps[WIFI_AP_MAX];
static size_t wifi_naps;
static const struct wifi_ap *wifi_current;

static int wifi_store(const char *ssid, size_t ssid_len, const char *psk, size_t psk_len, int rssi,
    int channel)
{
	struct wifi_ap *ap;

	if (wifi_naps == WIFI_AP_MAX) {
		log_warnx("at most %d access points", WIFI_AP_MAX);
		return -1;
	}
	if (ssid_len == 0 || ssid_len > WIFI_SSID_MAX || psk_len > WIFI_PSK_MAX ||
	    (psk_len > 0 && psk_len < 8)) {
		log_warnx("access point: SSID must be 1..32 bytes, PSK empty (open) or 8..64 bytes");
		return -1;
	}
	if (rssi < -100 || rssi > 0 || channel < 1 || channel > 14) {
		log_warnx("access point: RSSI must be -100..0 and channel 1..14");
		return -1;
	}
	ap = &wifi_aps[wifi_naps];
	memcpy(ap->ssid, ssid, ssid_len);
	ap->ssid[ssid_len] = '\0';
	memcpy(ap->psk, psk, psk_len);
	ap->psk[psk_len] = '\0';
	ap->rssi = rssi;
	ap->channel = channel;
	/* A locally administered BSSID, stable per AP slot. */
	ap->bssid[0] = 0x02;
	ap->bssid[1] = 0x4b;
	ap->bssid[2] = 0x32;
	ap->bssid[3] = 0x31;
	ap->bssid[4] = 0x30;
	ap->bssid[5] = (uint8_t)(0x10 + wifi_naps);
	wifi_naps++;
	return 0;
}

static bool wifi_parse_int(const char *s, size_t len, int *out)
{
	char buf[16], *end;
	long v;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtol(buf, &end, 10);
	if (*end != '\0' || v < -1000 || v > 1000)
		return false;
	*out = (int)v;
	return true;
}

int wifi_add_ap(const char *spec)
{
	const char *psk, *rssi_s, *chan_s, *end = spec + strlen(spec);
	int rssi = WIFI_DEFAULT_RSSI, channel = WIFI_DEFAULT_CHANNEL;

	psk = strchr(spec, ',');
	if (psk == NULL) {
		log_warnx("--ap %s: expected SSID,PSK[,RSSI[,CHANNEL]]", spec);
		return -1;
	}
	psk++;
	rssi_s = strchr(psk, ',');
	chan_s = rssi_s != NULL ? strchr(rssi_s + 1, ',') : NULL;
	if (rssi_s != NULL && !wifi_parse_int(rssi_s + 1,
	    (size_t)((chan_s != NULL ? chan_s : end) - rssi_s - 1), &rssi)) {
		log_warnx("--ap %s: bad RSSI", spec);
		return -1;
	}
	if (chan_s != NULL && !wifi_parse_int(chan_s + 1, (size_t)(end - chan_s - 1), &channel)) {
		log_warnx("--ap %s: bad channel", spec);
		return -1;
	}
	return wifi_store(spec, (size_t)(psk - 1 - spec), psk,
	    (size_t)((rssi_s != NULL ? rssi_s : end) - psk), rssi, channel);
}

void wifi_add_default_ap(void)
{
	wifi_store(WIFI_DEFAULT_SSID, strlen(WIFI_DEFAULT_SSID), WIFI_DEFAULT_PSK,
	    strlen(WIFI_DEFAULT_PSK), WIFI_DEFAULT_RSSI, WIFI_DEFAULT_CHANNEL);
}

size_t wifi_ap_count(void)
{
	return wifi_naps;
}

const struct wifi_ap *wifi_ap_at(size_t i)
{
	return i < wifi_naps ? &wifi_aps[i] : NULL;
}

const struct wifi_ap *wifi_ap_named(const char *ssid)
{
	for (size_t i = 0; i < wifi_naps; i++)
		if (strcmp(wifi_aps[i].ssid, ssid) == 0)
			return &wifi_aps[i];
	return NULL;
}

enum wifi_join wifi_check(const char *ssid, const char *psk)
{
	const struct wifi_ap *ap = wifi_ap_named(ssid);

	if (ap == NULL)
		return WIFI_JOIN_NO_AP;
	if (ap->rssi <= WIFI_RSSI_UNREACHABLE)
		return WIFI_JOIN_TIMEOUT;
	if (strcmp(ap->psk, psk) != 0)
		return WIFI_JOIN_WRONG_PSK;
	return WIFI_JOIN_OK;
}

void wifi_set_joined(const char *ssid)
{
	wifi_current = wifi_ap_named(ssid);
}

void wifi_set_left(void)
{
	wifi_current = NULL;
}

const struct wifi_ap *wifi_joined(void)
{
	return wifi_current;
}
