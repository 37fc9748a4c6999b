#include "atwifi.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "atcmd.h"
#include "links.h"
#include "loop.h"
#include "reply.h"
#include "sim.h"
#include "wifi.h"

/* A timed-out association waits this many join periods before giving up, as a real scan does. */
#define ATWIFI_TIMEOUT_PERIODS 3
/* The gap between WIFI CONNECTED and WIFI GOT IP (DHCP) as a fraction of the join period. */
#define ATWIFI_DHCP_DIVISOR 4
/* --quirk join-ok-early: the association is reported this long after the OK. */
#define ATWIFI_LATE_JOIN_MS 2000

static struct {
	int mode;
	bool by_command; /* CWJAP is waiting (else the join is the boot-time autojoin) */
	char ssid[WIFI_SSID_MAX + 1];
	char psk[WIFI_PSK_MAX + 1];
	char reply_name[ATPARSE_NAME_MAX + 1];
} atwifi = { .mode = 1 };

static int64_t atwifi_period(void)
{
	return (int64_t)sim_opt.join_ms * LOOP_NS_PER_MS;
}

static void atwifi_format_mac(char *buf, size_t size, const uint8_t *mac)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void atwifi_reset(void)
{
	atwifi.mode = 1;
	wifi_set_left();
	loop_timer_stop(LOOP_TIMER_JOIN);
	loop_timer_stop(LOOP_TIMER_SCAN);
}

/* Leaving the AP: the disconnect URC, then every link goes down with its own CLOSED. */
static void atwifi_leave(void)
{
	if (wifi_joined() == NULL)
		return;
	wifi_set_left();
	reply_urc_printf("WIFI DISCONNECT\r\n");
	links_drop_all();
}

static void atwifi_line(const char *text)
{
	if (atwifi.by_command) {
		reply_printf("%s", text);
		reply_point();
	} else {
		reply_urc_printf("%s", text);
	}
}

static void atwifi_got_ip(void)
{
	wifi_set_joined(atwifi.ssid);
	atwifi_line(sim_quirk(SIM_Q_JOIN_OK_EARLY) ? "WiFi GOT IP\r\n" : "WIFI GOT IP\r\n");
	if (atwifi.by_command)
		atcmd_ok();
}

static void atwifi_associated(void)
{
	enum wifi_join result = wifi_check(atwifi.ssid, atwifi.psk);
	char line[32];

	if (result == WIFI_JOIN_OK) {
		atwifi_line(sim_quirk(SIM_Q_JOIN_OK_EARLY) ? "WiFi CONNECTED\r\n" : "WIFI CONNECTED\r\n");
		loop_timer_in(LOOP_TIMER_JOIN, atwifi_period() / ATWIFI_DHCP_DIVISOR, atwifi_got_ip);
		return;
	}
	if (!atwifi.by_command)
		return;
	snprintf(line, sizeof(line), "+CWJAP:%d\r\n", (int)result);
	reply_printf("%s", line);
	reply_point();
	/* NonOS AT ends a failed join with FAIL, ESP-AT 2.x with ERROR. */
	atcmd_final(sim_opt.version == SIM_AT2 ? "\r\nERROR\r\n" : "\r\nFAIL\r\n");
}

static void atwifi_start_join(bool by_command)
{
	int64_t delay = atwifi_period();

	/* A build that answers OK at once reports the association on its own, later. */
	if (by_command && sim_quirk(SIM_Q_JOIN_OK_EARLY)) {
		by_command = false;
		delay += ATWIFI_LATE_JOIN_MS * LOOP_NS_PER_MS;
		atcmd_ok();
	}
	atwifi.by_command = by_command;
	if (wifi_check(atwifi.ssid, atwifi.psk) == WIFI_JOIN_TIMEOUT)
		delay *= ATWIFI_TIMEOUT_PERIODS;
	loop_timer_in(LOOP_TIMER_JOIN, delay, atwifi_associated);
}

void atwifi_autojoin(const char *ssid)
{
	const struct wifi_ap *ap = wifi_ap_named(ssid);

	snprintf(atwifi.ssid, sizeof(atwifi.ssid), "%s", ssid);
	/* Saved credentials are by definition the right ones for the AP they were saved for. */
	snprintf(atwifi.psk, sizeof(atwifi.psk), "%s", ap != NULL ? ap->psk : "");
	atwifi_start_join(false);
}

void atwifi_cwmode(struct atparse_cmd *cmd)
{
	long mode;

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("%s:%d\r\n", cmd->name, atwifi.mode);
		atcmd_ok();
		return;
	}
	if (cmd->kind == ATPARSE_TEST) {
		reply_printf("%s:(1-3)\r\n", cmd->name);
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !atparse_int(&cmd->args[0], 1, 3, &mode)) {
		atcmd_error();
		return;
	}
	/* Only the station side is simulated; a mode without it leaves the AP like the chip does. */
	atwifi.mode = (int)mode;
	if (mode == 2)
		atwifi_leave();
	atcmd_ok();
}

void atwifi_cwjap(struct atparse_cmd *cmd)
{
	const struct wifi_ap *ap = wifi_joined();
	char bssid[18];

	snprintf(atwifi.reply_name, sizeof(atwifi.reply_name), "%s", cmd->name);
	if (cmd->kind == ATPARSE_QUERY) {
		if (ap == NULL) {
			reply_printf("No AP\r\n");
		} else {
			atwifi_format_mac(bssid, sizeof(bssid), ap->bssid);
			/* ESP-AT 2.x appends pci_en, reconn_interval, listen_interval, scan_mode and pmf. */
			reply_printf("%s:\"%s\",\"%s\",%d,%d%s\r\n", atwifi.reply_name, ap->ssid, bssid, ap->channel,
			    ap->rssi, sim_opt.version == SIM_AT2 ? ",0,1,3,0,1" : "");
		}
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs < 2 || !cmd->args[0].quoted || !cmd->args[1].quoted ||
	    cmd->args[0].len == 0 || cmd->args[0].len > WIFI_SSID_MAX || cmd->args[1].len > WIFI_PSK_MAX ||
	    atwifi.mode == 2) {
		atcmd_error();
		return;
	}
	loop_timer_stop(LOOP_TIMER_JOIN);
	if (ap != NULL) {
		wifi_set_left();
		reply_printf("WIFI DISCONNECT\r\n");
		reply_point();
		links_drop_all();
	}
	memcpy(atwifi.ssid, cmd->args[0].s, cmd->args[0].len + 1);
	memcpy(atwifi.psk, cmd->args[1].s, cmd->args[1].len + 1);
	atwifi_start_join(true);
}

void atwifi_cwqap(struct atparse_cmd *cmd)
{
	if (cmd->kind != ATPARSE_EXEC) {
		atcmd_error();
		return;
	}
	loop_timer_stop(LOOP_TIMER_JOIN);
	atcmd_final_then("\r\nOK\r\n", atwifi_leave);
}

static void atwifi_scan_done(void)
{
	char mac[18];

	for (size_t i = 0; i < wifi_ap_count(); i++) {
		const struct wifi_ap *ap = wifi_ap_at(i);
		int ecn = ap->psk[0] != '\0' ? 3 : 0;

		atwifi_format_mac(mac, sizeof(mac), ap->bssid);
		if (sim_opt.version == SIM_AT11)
			reply_printf("+CWLAP:(%d,\"%s\",%d,\"%s\",%d,%d,%d)\r\n", ecn, ap->ssid, ap->rssi, mac,
			    ap->channel, -8, 0);
		else
			/* Later firmware adds pairwise and group cipher (CCMP = 4), b/g/n bits and WPS. */
			reply_printf("+CWLAP:(%d,\"%s\",%d,\"%s\",%d,%d,%d,%d,%d,%d,%d)\r\n", ecn, ap->ssid, ap->rssi,
			    mac, ap->channel, -8, 0, ecn != 0 ? 4 : 0, ecn != 0 ? 4 : 0, 7, 0);
		reply_point();
	}
	if (sim_quirk(SIM_Q_BUSY_AFTER_SCAN))
		atcmd_final_then("\r\nOK\r\n", atcmd_wedge);
	else
		atcmd_ok();
}

void atwifi_cwlap(struct atparse_cmd *cmd)
{
	if (cmd->kind != ATPARSE_EXEC || atwifi.mode == 2) {
		atcmd_error();
		return;
	}
	loop_timer_in(LOOP_TIMER_SCAN, atwifi_period(), atwifi_scan_done);
}

static const char *atwifi_ip(struct in_addr addr, char *buf)
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}

void atwifi_cifsr(struct atparse_cmd *cmd)
{
	struct in_addr none = { 0 };
	char ip[INET_ADDRSTRLEN], mac[18];

	if (cmd->kind != ATPARSE_EXEC) {
		atcmd_error();
		return;
	}
	atwifi_format_mac(mac, sizeof(mac), sim_opt.mac);
	reply_printf(sim_quirk(SIM_Q_CIFSR_TYPO) ? "+CISFR:STAIP,\"%s\"\r\n" : "+CIFSR:STAIP,\"%s\"\r\n",
	    atwifi_ip(wifi_joined() != NULL ? sim_opt.ip : none, ip));
	reply_point();
	reply_printf("+CIFSR:STAMAC,\"%s\"\r\n", mac);
	atcmd_ok();
}

static bool atwifi_parse_ip(const struct atparse_arg *arg, struct in_addr *out)
{
	return arg->quoted && inet_pton(AF_INET, arg->s, out) == 1;
}

void atwifi_cipsta(struct atparse_cmd *cmd)
{
	struct in_addr none = { 0 }, ip, gw, mask;
	bool joined = wifi_joined() != NULL;
	char buf[INET_ADDRSTRLEN];

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("%s:ip:\"%s\"\r\n", cmd->name, atwifi_ip(joined ? sim_opt.ip : none, buf));
		reply_point();
		reply_printf("%s:gateway:\"%s\"\r\n", cmd->name, atwifi_ip(joined ? sim_opt.gateway : none, buf));
		reply_point();
		reply_printf("%s:netmask:\"%s\"\r\n", cmd->name, atwifi_ip(joined ? sim_opt.netmask : none, buf));
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || (cmd->nargs != 1 && cmd->nargs != 3) ||
	    !atwifi_parse_ip(&cmd->args[0], &ip) ||
	    (cmd->nargs == 3 && (!atwifi_parse_ip(&cmd->args[1], &gw) || !atwifi_parse_ip(&cmd->args[2], &mask)))) {
		atcmd_error();
		return;
	}
	/* Only the reported configuration changes: traffic still uses the host's own network stack. */
	sim_opt.ip = ip;
	if (cmd->nargs == 3) {
		sim_opt.gateway = gw;
		sim_opt.netmask = mask;
	}
	atcmd_ok();
}

void atwifi_cipstamac(struct atparse_cmd *cmd)
{
	char mac[18];

	if (cmd->kind != ATPARSE_QUERY) {
		atcmd_error();
		return;
	}
	atwifi_format_mac(mac, sizeof(mac), sim_opt.mac);
	reply_printf("%s:\"%s\"\r\n", cmd->name, mac);
	atcmd_ok();
}
