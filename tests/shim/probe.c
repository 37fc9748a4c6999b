/*
 * k210-probe: speaks the link and message protocol straight to a board (a
 * tty, or k210-emu's pty) for tests and benchmarks.  Results are printed
 * as key=value lines.  Exit status: 0 ok, 1 the operation failed, 2 usage,
 * 3 no session with the board.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pattern.h"
#include "plink.h"
#include "probe.h"
#include "proto.h"
#include "xfer.h"

struct probe_opts probe;

static void probe_usage(FILE *out)
{
	fprintf(out,
	    "usage: k210-probe --link PATH [--baud N] [--timeout S] [-v] COMMAND [ARGS]\n"
	    "Talks the k210sock link and message protocol straight to a board's serial port.\n"
	    "\n"
	    "  info                          DEVICE_INFO\n"
	    "  wifi-status | wifi-scan | wifi-leave | wifi-join SSID [PSK]\n"
	    "  wait-wifi [SECONDS]           wait until the board has an IP address\n"
	    "  resolve NAME                  RESOLVE\n"
	    "  reset board|esp               RESET (board: waits for the new session)\n"
	    "  connect HOST PORT             stdin to the socket, the socket to stdout (--tls)\n"
	    "  get HOST PORT PATH            HTTP/1.0 GET: bytes, sha256, seconds (--tls, --out FILE)\n"
	    "  transfer HOST PORT            --streams N parallel sockets to a k210 test server, each\n"
	    "                                moving --down BYTES and --up BYTES at once, checked\n"
	    "                                byte for byte and by SHA-256 (--tls, --read-rate B/s,\n"
	    "                                --window BYTES, --expect-fail)\n"
	    "                                --parallel N: at most N open at once, the next opening\n"
	    "                                as one ends\n"
	    "  bench-download HOST PORT N    N parallel downloads of --size BYTES from a test server:\n"
	    "                                throughput per stream and in all, as ratios to baud/10\n"
	    "  first-byte HOST PORT          connect-to-first-byte latency over --count connections\n"
	    "  udp-echo HOST PORT            --count datagrams of --size bytes through a bound UDP\n"
	    "                                socket, echoes counted\n"
	    "  listen PORT                   accept --count connections and echo what they send\n"
	    "  accept-close HOST PORT        --count connects, one after another, to a server that\n"
	    "                                closes at once: each must be answered and then end with\n"
	    "                                EV_CLOSED (hung= counts those that did not)\n"
	    "\n"
	    "Options: --baud N (negotiate the link rate, default 115200 = stay), --timeout S (default\n"
	    "30), --window BYTES (receive window, default 65536), --count N, --size BYTES, --streams N,\n"
	    "--down BYTES, --up BYTES, --parallel N, --tls, --read-rate BYTES/S, --out FILE, --seed N, -v.\n");
}

static unsigned long probe_num(const char *what, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0') {
		fprintf(stderr, "k210-probe: %s: not a number: %s\n", what, s);
		exit(2);
	}
	return v;
}

int probe_fail(int err, const char *what)
{
	printf("error=%s\nerror_code=%d\n", proto_err_str(err), err);
	fprintf(stderr, "k210-probe: %s: %s\n", what, proto_err_str(err));
	return 1;
}

static void probe_ip(char *out, size_t cap, const uint8_t ip[4])
{
	snprintf(out, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

static int probe_info(void)
{
	struct msg req, resp;
	char ip[20];

	msg_init(&req, PROTO_DEVICE_INFO);
	if (!plink_call(&req, &resp, probe.timeout_ms))
		return probe_fail(PROTO_ETIMEDOUT, "info");
	if (resp.err)
		return probe_fail(resp.err, "info");
	probe_ip(ip, sizeof(ip), resp.u.info.ip);
	printf("firmware=%s\nat_version=%s\nsdk_version=%s\nboard=%s\n"
	       "mac=%02x:%02x:%02x:%02x:%02x:%02x\nip=%s\nlinks_total=%u\nlinks_free=%u\ncaps=%u\n"
	       "usb_baud=%u\nesp_baud=%u\nuptime_s=%u\n",
	       resp.u.info.firmware, resp.u.info.at_version, resp.u.info.sdk_version, resp.u.info.board,
	       resp.u.info.mac[0], resp.u.info.mac[1], resp.u.info.mac[2], resp.u.info.mac[3], resp.u.info.mac[4],
	       resp.u.info.mac[5], ip, resp.u.info.links_total, resp.u.info.links_free, resp.u.info.caps,
	       resp.u.info.usb_baud, resp.u.info.esp_baud, resp.u.info.uptime_s);
	return 0;
}

static int probe_wifi(const char *cmd, int argc, char **argv)
{
	struct msg req, resp;
	struct msg_entry e;
	size_t pos = 0;
	char ip[20], gw[20], mask[20];

	if (strcmp(cmd, "wifi-status") == 0) {
		msg_init(&req, PROTO_WIFI_STATUS);
	} else if (strcmp(cmd, "wifi-scan") == 0) {
		msg_init(&req, PROTO_WIFI_SCAN);
	} else if (strcmp(cmd, "wifi-leave") == 0) {
		msg_init(&req, PROTO_WIFI_LEAVE);
	} else {
		if (argc < 1)
			return 2;
		msg_init(&req, PROTO_WIFI_JOIN);
		snprintf(req.u.join.ssid, sizeof(req.u.join.ssid), "%s", argv[0]);
		snprintf(req.u.join.psk, sizeof(req.u.join.psk), "%s", argc > 1 ? argv[1] : "");
	}
	if (!plink_call(&req, &resp, probe.timeout_ms))
		return probe_fail(PROTO_ETIMEDOUT, cmd);
	if (resp.err)
		return probe_fail(resp.err, cmd);
	if (req.type == PROTO_WIFI_STATUS) {
		probe_ip(ip, sizeof(ip), resp.u.wstatus.ip);
		probe_ip(gw, sizeof(gw), resp.u.wstatus.gw);
		probe_ip(mask, sizeof(mask), resp.u.wstatus.mask);
		printf("state=%u\nssid=%s\nrssi=%d\nchannel=%u\nip=%s\ngateway=%s\nnetmask=%s\n", resp.u.wstatus.state,
		       resp.u.wstatus.ssid, resp.u.wstatus.rssi, resp.u.wstatus.channel, ip, gw, mask);
	} else if (req.type == PROTO_WIFI_SCAN) {
		printf("count=%u\n", resp.u.list.count);
		while (msg_list_next(&resp, &pos, &e))
			printf("ap=%s,%02x:%02x:%02x:%02x:%02x:%02x,%d,%u,%u\n", e.u.ap.ssid, e.u.ap.bssid[0],
			       e.u.ap.bssid[1], e.u.ap.bssid[2], e.u.ap.bssid[3], e.u.ap.bssid[4], e.u.ap.bssid[5],
			       e.u.ap.rssi, e.u.ap.channel, e.u.ap.enc);
	} else {
		printf("ok=1\n");
	}
	return 0;
}

static int probe_wait_wifi(int seconds)
{
	int64_t end = plink_now_ms() + seconds * 1000;

	while (plink_now_ms() < end) {
		struct msg req, resp;

		msg_init(&req, PROTO_WIFI_STATUS);
		if (plink_call(&req, &resp, 5000) && resp.err == PROTO_OK && resp.u.wstatus.state == PROTO_WIFI_GOT_IP) {
			printf("state=%u\n", resp.u.wstatus.state);
			return 0;
		}
		if (!plink_up())
			plink_wait_up(1000);
		plink_poll(200, NULL, 0);
	}
	return probe_fail(PROTO_ETIMEDOUT, "wait-wifi");
}

static int probe_resolve(const char *name)
{
	struct msg req, resp;
	struct msg_entry e;
	size_t pos = 0;
	char ip[20];

	msg_init(&req, PROTO_RESOLVE);
	snprintf(req.u.resolve.host, sizeof(req.u.resolve.host), "%s", name);
	if (!plink_call(&req, &resp, probe.timeout_ms))
		return probe_fail(PROTO_ETIMEDOUT, "resolve");
	if (resp.err)
		return probe_fail(resp.err, "resolve");
	while (msg_list_next(&resp, &pos, &e)) {
		probe_ip(ip, sizeof(ip), e.u.ip);
		printf("ip=%s\n", ip);
	}
	return 0;
}

static int probe_reset(const char *what)
{
	struct msg req, resp;
	unsigned sessions = plink_sessions();
	int64_t end;

	msg_init(&req, PROTO_RESET);
	if (strcmp(what, "board") == 0)
		req.u.reset.what = PROTO_RESET_BOARD;
	else if (strcmp(what, "esp") == 0)
		req.u.reset.what = PROTO_RESET_ESP;
	else
		return 2;
	if (!plink_call(&req, &resp, probe.timeout_ms))
		return probe_fail(PROTO_ETIMEDOUT, "reset");
	if (resp.err)
		return probe_fail(resp.err, "reset");
	if (req.u.reset.what == PROTO_RESET_BOARD) {
		end = plink_now_ms() + probe.timeout_ms;
		while (plink_sessions() == sessions && plink_now_ms() < end)
			plink_poll(50, NULL, 0);
		if (plink_sessions() == sessions)
			return probe_fail(PROTO_ETIMEDOUT, "reset: no new session");
	}
	printf("ok=1\n");
	return 0;
}

static int probe_run(const char *cmd, int argc, char **argv)
{
	if (strcmp(cmd, "info") == 0)
		return probe_info();
	if (strncmp(cmd, "wifi-", 5) == 0 && strcmp(cmd, "wifi-status") && strcmp(cmd, "wifi-scan") &&
	    strcmp(cmd, "wifi-leave") && strcmp(cmd, "wifi-join"))
		return 2;
	if (strncmp(cmd, "wifi-", 5) == 0)
		return probe_wifi(cmd, argc, argv);
	if (strcmp(cmd, "wait-wifi") == 0)
		return probe_wait_wifi(argc > 0 ? (int)probe_num("seconds", argv[0]) : 10);
	if (strcmp(cmd, "resolve") == 0 && argc == 1)
		return probe_resolve(argv[0]);
	if (strcmp(cmd, "reset") == 0 && argc == 1)
		return probe_reset(argv[0]);
	if (strcmp(cmd, "connect") == 0 && argc == 2)
		return xfer_connect(argv[0], (uint16_t)probe_num("port", argv[1]));
	if (strcmp(cmd, "get") == 0 && argc == 3)
		return xfer_get(argv[0], (uint16_t)probe_num("port", argv[1]), argv[2]);
	if (strcmp(cmd, "transfer") == 0 && argc == 2)
		return xfer_transfer(argv[0], (uint16_t)probe_num("port", argv[1]));
	if (strcmp(cmd, "bench-download") == 0 && argc == 3) {
		probe.streams = (unsigned)probe_num("streams", argv[2]);
		probe.up = 0;
		if (!probe.down)
			probe.down = probe.size ? probe.size : 1u << 20;
		probe.bench = true;
		return xfer_transfer(argv[0], (uint16_t)probe_num("port", argv[1]));
	}
	if (strcmp(cmd, "first-byte") == 0 && argc == 2)
		return xfer_first_byte(argv[0], (uint16_t)probe_num("port", argv[1]));
	if (strcmp(cmd, "udp-echo") == 0 && argc == 2)
		return xfer_udp_echo(argv[0], (uint16_t)probe_num("port", argv[1]));
	if (strcmp(cmd, "accept-close") == 0 && argc == 2)
		return xfer_accept_close(argv[0], (uint16_t)probe_num("port", argv[1]));
	if (strcmp(cmd, "listen") == 0 && argc == 1)
		return xfer_listen((uint16_t)probe_num("port", argv[0]));
	return 2;
}

int main(int argc, char **argv)
{
	const char *link = NULL;
	char *pos[8];
	uint32_t baud = 115200;
	int npos = 0, rc;

	probe.timeout_ms = 30000;
	probe.window = 65536;
	probe.count = 1;
	probe.streams = 1;
	/* Options may come before or after the command and its arguments. */
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (o[0] != '-' || o[1] == '\0') {
			if (npos == (int)(sizeof(pos) / sizeof(pos[0]))) {
				probe_usage(stderr);
				return 2;
			}
			pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(o, "-v") == 0) {
			probe.verbose++;
			continue;
		}
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			probe_usage(stdout);
			return 0;
		}
		if (strcmp(o, "--tls") == 0) {
			probe.tls = true;
			continue;
		}
		if (strcmp(o, "--expect-fail") == 0) {
			probe.expect_fail = true;
			continue;
		}
		if (!v) {
			probe_usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(o, "--link") == 0)
			link = v;
		else if (strcmp(o, "--baud") == 0)
			baud = (uint32_t)probe_num(o, v);
		else if (strcmp(o, "--timeout") == 0)
			probe.timeout_ms = (int)probe_num(o, v) * 1000;
		else if (strcmp(o, "--window") == 0)
			probe.window = (uint32_t)probe_num(o, v);
		else if (strcmp(o, "--count") == 0)
			probe.count = (unsigned)probe_num(o, v);
		else if (strcmp(o, "--size") == 0)
			probe.size = (uint32_t)probe_num(o, v);
		else if (strcmp(o, "--streams") == 0)
			probe.streams = (unsigned)probe_num(o, v);
		else if (strcmp(o, "--parallel") == 0)
			probe.parallel = (unsigned)probe_num(o, v);
		else if (strcmp(o, "--down") == 0)
			probe.down = (uint64_t)probe_num(o, v);
		else if (strcmp(o, "--up") == 0)
			probe.up = (uint64_t)probe_num(o, v);
		else if (strcmp(o, "--read-rate") == 0)
			probe.read_rate = (uint64_t)probe_num(o, v);
		else if (strcmp(o, "--seed") == 0)
			probe.seed = (uint32_t)probe_num(o, v);
		else if (strcmp(o, "--out") == 0)
			probe.out = v;
		else {
			probe_usage(stderr);
			return 2;
		}
	}
	if (!link || npos == 0) {
		probe_usage(stderr);
		return 2;
	}
	if (plink_open(link, baud, probe.verbose) < 0)
		return 3;
	rc = probe_run(pos[0], npos - 1, pos + 1);
	if (rc == 2)
		probe_usage(stderr);
	if (plink_broken())
		rc = 1;
	plink_close();
	return rc;
}
