/*
 * k210sock monitor: the daemon's device, WiFi and log events with the time
 * they arrived, one line each (one JSON object per line with --json), until
 * interrupted.
 */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "cli.h"
#include "json.h"

static const char *monitor_device_name(int what)
{
	switch (what) {
	case K210SOCK_DEV_ATTACHED: return "attached";
	case K210SOCK_DEV_DETACHED: return "detached";
	case K210SOCK_DEV_BOARD_RESET: return "board-reset";
	case K210SOCK_DEV_ESP_RESET: return "esp-reset";
	case K210SOCK_DEV_BAUD: return "baud";
	case K210SOCK_DEV_ESP_READY: return "esp-ready";
	case K210SOCK_DEV_ESP_WEDGED: return "esp-wedged";
	}
	return "unknown";
}

static const char *monitor_level_name(int level)
{
	switch (level) {
	case K210SOCK_LOG_ERROR: return "error";
	case K210SOCK_LOG_WARN: return "warning";
	case K210SOCK_LOG_INFO: return "info";
	case K210SOCK_LOG_DEBUG: return "debug";
	}
	return "unknown";
}

static const char *monitor_type_name(int type)
{
	switch (type) {
	case K210SOCK_EV_DEVICE: return "device";
	case K210SOCK_EV_WIFI: return "wifi";
	case K210SOCK_EV_LOG: return "log";
	case K210SOCK_EV_LOST: return "lost";
	}
	return "unknown";
}

/* Local time for people, UTC (RFC 3339) for JSON. */
static void monitor_time(char *out, size_t cap, bool utc)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	if (utc)
		gmtime_r(&tv.tv_sec, &tm);
	else
		localtime_r(&tv.tv_sec, &tm);
	n = strftime(out, cap, utc ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out + n, cap - n, ".%03ld%s", (long)(tv.tv_usec / 1000), utc ? "Z" : "");
}

static void monitor_print_json(const struct k210sock_event *ev)
{
	char when[40], ip[16];
	struct json j;

	monitor_time(when, sizeof(when), true);
	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "time", when);
	json_string(&j, "event", monitor_type_name(ev->type));
	switch (ev->type) {
	case K210SOCK_EV_DEVICE:
		json_string(&j, "what", monitor_device_name(ev->u.device.what));
		json_int(&j, "value", ev->u.device.value);
		break;
	case K210SOCK_EV_WIFI:
		cli_format_ip(ip, &ev->u.wifi.ip);
		json_string(&j, "state", cli_wifi_state_name(ev->u.wifi.state));
		json_string(&j, "ip", ip);
		break;
	case K210SOCK_EV_LOG:
		json_string(&j, "level", monitor_level_name(ev->u.log.level));
		json_string(&j, "text", ev->u.log.text);
		break;
	case K210SOCK_EV_LOST:
		json_int(&j, "count", (int64_t)ev->u.lost.count);
		break;
	}
	json_object_end(&j);
	json_finish(&j);
}

static void monitor_print_text(const struct k210sock_event *ev)
{
	char when[40], ip[16];

	monitor_time(when, sizeof(when), false);
	printf("%s ", when);
	switch (ev->type) {
	case K210SOCK_EV_DEVICE:
		printf("device %s", monitor_device_name(ev->u.device.what));
		if (ev->u.device.what == K210SOCK_DEV_BAUD)
			printf(" %lu", (unsigned long)ev->u.device.value);
		break;
	case K210SOCK_EV_WIFI:
		printf("wifi %s", cli_wifi_state_name(ev->u.wifi.state));
		if (ev->u.wifi.state == K210SOCK_WIFI_GOT_IP) {
			cli_format_ip(ip, &ev->u.wifi.ip);
			printf(" %s", ip);
		}
		break;
	case K210SOCK_EV_LOG:
		printf("log %s: ", monitor_level_name(ev->u.log.level));
		cli_print_safe(ev->u.log.text);
		break;
	case K210SOCK_EV_LOST:
		printf("lost %lu events (not read fast enough)", ev->u.lost.count);
		break;
	default:
		printf("event %d", ev->type);
	}
	putchar('\n');
	fflush(stdout);
}

int monitor_run(const struct cli *c)
{
	k210sock *h = cli_open(c);
	struct k210sock_event ev;
	int rc = CLI_OK;

	if (!h)
		return CLI_UNREACHABLE;
	if (k210sock_subscribe(h, K210SOCK_SUB_ALL) < 0) {
		rc = cli_fail(h, "monitor");
		k210sock_close(h);
		return rc;
	}
	cli_note(c, "waiting for events from %s", k210sock_daemon_name(h));
	for (;;) {
		int r = k210sock_next_event(h, &ev, -1);

		if (r < 0) {
			rc = cli_fail(h, "monitor");
			break;
		}
		if (c->json)
			monitor_print_json(&ev);
		else
			monitor_print_text(&ev);
		if (ferror(stdout)) {
			rc = cli_fail_errno(EIO, "monitor: standard output");
			break;
		}
	}
	k210sock_close(h);
	return rc;
}
