/* k210sock resolve, ping, wifi and reset: one request each, its answer printed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

#define CONTROL_ADDRS_MAX 16
#define CONTROL_APS_MAX 255

int control_resolve(const struct cli *c)
{
	struct in_addr addrs[CONTROL_ADDRS_MAX];
	const char *host = c->argv[0];
	k210sock *h = cli_open(c);
	int n, rc = CLI_OK;
	char ip[16];

	if (!h)
		return CLI_UNREACHABLE;
	n = k210sock_getaddrinfo(h, host, addrs, CONTROL_ADDRS_MAX);
	if (n < 0) {
		rc = cli_fail(h, "resolve %s", host);
	} else if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "host", host);
		json_array_begin(&j, "addresses");
		for (int i = 0; i < n && i < CONTROL_ADDRS_MAX; i++) {
			cli_format_ip(ip, &addrs[i]);
			json_string(&j, NULL, ip);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else {
		for (int i = 0; i < n && i < CONTROL_ADDRS_MAX; i++) {
			cli_format_ip(ip, &addrs[i]);
			printf("%s\n", ip);
		}
	}
	k210sock_close(h);
	return rc;
}

int control_ping(const struct cli *c)
{
	const char *host = c->argv[0];
	k210sock *h = cli_open(c);
	unsigned ms = 0;
	int rc = CLI_OK;

	if (!h)
		return CLI_UNREACHABLE;
	if (k210sock_ping(h, host, &ms) < 0) {
		rc = cli_fail(h, "ping %s", host);
	} else if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "host", host);
		json_int(&j, "rtt_ms", ms);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("%s: %u ms\n", host, ms);
	}
	k210sock_close(h);
	return rc;
}

static void control_wifi_status_print(const struct cli *c, const struct k210sock_wifi_status *st)
{
	char ip[16], gw[16], mask[16], bssid[18];

	cli_format_ip(ip, &st->ip);
	cli_format_ip(gw, &st->gateway);
	cli_format_ip(mask, &st->netmask);
	cli_format_mac(bssid, st->bssid);
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "state", cli_wifi_state_name(st->state));
		json_string(&j, "ssid", st->ssid);
		json_string(&j, "bssid", bssid);
		json_int(&j, "rssi", st->rssi);
		json_int(&j, "channel", st->channel);
		json_string(&j, "ip", ip);
		json_string(&j, "gateway", gw);
		json_string(&j, "netmask", mask);
		json_object_end(&j);
		json_finish(&j);
		return;
	}
	printf("state    %s\n", cli_wifi_state_name(st->state));
	if (st->state == K210SOCK_WIFI_DOWN)
		return;
	printf("ssid     ");
	cli_print_safe(st->ssid);
	putchar('\n');
	printf("bssid    %s\n", bssid);
	printf("rssi     %d dBm\n", st->rssi);
	printf("channel  %u\n", st->channel);
	if (st->state == K210SOCK_WIFI_GOT_IP) {
		printf("ip       %s\n", ip);
		printf("gateway  %s\n", gw);
		printf("netmask  %s\n", mask);
	}
}

static const char *control_security_name(int security)
{
	switch (security) {
	case 0: return "open";
	case 1: return "wep";
	case 2: return "wpa";
	case 3: return "wpa2";
	case 4: return "wpa/wpa2";
	}
	return "unknown";
}

static void control_scan_print(const struct cli *c, const struct k210sock_ap *aps, int n)
{
	char bssid[18];
	int n_printed;

	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_array_begin(&j, "access_points");
		for (int i = 0; i < n; i++) {
			cli_format_mac(bssid, aps[i].bssid);
			json_object_begin(&j, NULL);
			json_string(&j, "ssid", aps[i].ssid);
			json_string(&j, "bssid", bssid);
			json_int(&j, "rssi", aps[i].rssi);
			json_int(&j, "channel", aps[i].channel);
			json_string(&j, "security", control_security_name(aps[i].security));
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
		return;
	}
	printf("%-32s  %-17s  %2s  %4s  %s\n", "SSID", "BSSID", "CH", "RSSI", "SECURITY");
	for (int i = 0; i < n; i++) {
		cli_format_mac(bssid, aps[i].bssid);
		n_printed = cli_print_safe(aps[i].ssid);
		printf("%*s  %-17s  %2u  %4d  %s\n", n_printed < 32 ? 32 - n_printed : 0, "", bssid,
		       aps[i].channel, aps[i].rssi, control_security_name(aps[i].security));
	}
}

/* One line from fd without its newline; false at EOF with nothing read. */
static bool control_read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	bool any = false;
	char ch;

	for (;;) {
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		any = true;
		if (n + 1 < cap)
			buf[n++] = ch;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = 0;
	return any || n;
}

/* The passphrase: from stdin when it is not a terminal, else asked without echo. */
static int control_read_psk(const char *ssid, char *psk, size_t cap)
{
	struct termios old, quiet;
	bool echo_off = false;
	int tty;

	if (!isatty(STDIN_FILENO)) {
		if (!control_read_line(STDIN_FILENO, psk, cap))
			psk[0] = 0;
		return 0;
	}
	tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (tty < 0)
		return cli_fail_errno(errno, "wifi join: /dev/tty");
	dprintf(tty, "Passphrase for %s (empty for an open network): ", ssid);
	if (tcgetattr(tty, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		echo_off = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
	}
	if (!control_read_line(tty, psk, cap))
		psk[0] = 0;
	if (echo_off)
		tcsetattr(tty, TCSAFLUSH, &old);
	close(tty);
	return 0;
}

static int control_join(const struct cli *c, k210sock *h)
{
	const char *ssid = c->argv[1];
	/* One byte more than allowed, so that a too long passphrase is refused, not cut. */
	char psk[K210SOCK_PSK_MAX + 2];
	int rc;

	if (c->argc > 2) {
		snprintf(psk, sizeof(psk), "%s", c->argv[2]);
		/* Shorten the time it shows in the process list. */
		memset(c->argv[2], 0, strlen(c->argv[2]));
	} else {
		rc = control_read_psk(ssid, psk, sizeof(psk));
		if (rc != CLI_OK)
			return rc;
	}
	rc = k210sock_wifi_join(h, ssid, psk);
	memset(psk, 0, sizeof(psk));
	if (rc < 0)
		return cli_fail(h, "wifi join %s", ssid);
	cli_note(c, "joined %s", ssid);
	return CLI_OK;
}

int control_wifi(const struct cli *c)
{
	const char *sub = c->argv[0];
	bool status = !strcmp(sub, "status"), scan = !strcmp(sub, "scan");
	bool join = !strcmp(sub, "join"), leave = !strcmp(sub, "leave");
	k210sock *h;
	int rc = CLI_OK;

	if (!status && !scan && !join && !leave)
		return cli_usage("wifi: unknown subcommand '%s' (status, scan, join, leave)", sub);
	if (join ? (c->argc < 2 || c->argc > 3) : c->argc != 1)
		return cli_usage(join ? "usage: wifi join SSID [PSK]" : "wifi %s: too many arguments", sub);
	if (c->json && (join || leave))
		return cli_usage("--json applies to wifi status and wifi scan");
	h = cli_open(c);
	if (!h)
		return CLI_UNREACHABLE;
	if (status) {
		struct k210sock_wifi_status st;

		if (k210sock_wifi_status(h, &st) < 0)
			rc = cli_fail(h, "wifi status");
		else
			control_wifi_status_print(c, &st);
	} else if (scan) {
		struct k210sock_ap *aps = calloc(CONTROL_APS_MAX, sizeof(*aps));
		int n = aps ? k210sock_wifi_scan(h, aps, CONTROL_APS_MAX) : -1;

		if (!aps)
			rc = cli_fail_errno(ENOMEM, "wifi scan");
		else if (n < 0)
			rc = cli_fail(h, "wifi scan");
		else
			control_scan_print(c, aps, n < CONTROL_APS_MAX ? n : CONTROL_APS_MAX);
		free(aps);
	} else if (join) {
		rc = control_join(c, h);
	} else if (k210sock_wifi_leave(h) < 0) {
		rc = cli_fail(h, "wifi leave");
	}
	k210sock_close(h);
	return rc;
}

int control_reset(const struct cli *c)
{
	const char *target = c->argc ? c->argv[0] : "board";
	int what;
	k210sock *h;
	int rc = CLI_OK;

	if (!strcmp(target, "board"))
		what = K210SOCK_RESET_BOARD;
	else if (!strcmp(target, "esp"))
		what = K210SOCK_RESET_ESP;
	else
		return cli_usage("reset: unknown target '%s' (board or esp)", target);
	h = cli_open(c);
	if (!h)
		return CLI_UNREACHABLE;
	if (k210sock_reset(h, what) < 0)
		rc = cli_fail(h, "reset %s", target);
	else
		cli_note(c, "%s reset", target);
	k210sock_close(h);
	return rc;
}
