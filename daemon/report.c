#include <stdio.h>
#include <string.h>

#include "board_device.h"
#include "board_link.h"
#include "board_session.h"
#include "board_sock.h"
#include "board_wifi.h"
#include "client.h"
#include "daemon.h"
#include "link.h"
#include "monotime.h"
#include "report.h"

static const char *report_board_state(enum board_state st)
{
	switch (st) {
	case BOARD_ATTACHED: return "attached";
	case BOARD_CONNECTING: return "connecting";
	default: return "absent";
	}
}

static void report_ip(char *out, size_t len, const uint8_t ip[4])
{
	snprintf(out, len, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

void report_build(struct msg *resp, uint8_t *buf, size_t cap)
{
	const struct board_session_info *bi = board_session_info();
	const struct board_device_info *di = board_device_info();
	const struct board_wifi_info *wi = board_wifi_info();
	const struct daemon_counters *k = &daemon_ctr;
	struct msg_list_builder b;
	struct link_stats ls;
	struct board_sock_counts sc;
	char text[64];
	bool attached = bi->state == BOARD_ATTACHED;

	board_link_stats(&ls);
	board_sock_counts(&sc);
	msg_list_begin(&b, buf, cap);
	msg_list_add_str(&b, "daemon.version", K210SOCKD_VERSION);
	msg_list_add_int(&b, "daemon.uptime_s",
			 (int64_t)((monotime_us() - daemon_state.start_us) / 1000000));
	msg_list_add_int(&b, "clients", client_count());
	msg_list_add_str(&b, "board.state", report_board_state(bi->state));
	msg_list_add_str(&b, "board.path", bi->path);
	if (attached && di->have_info) {
		const uint8_t *mac = di->info.u.info.mac;

		msg_list_add_str(&b, "board.firmware", di->info.u.info.firmware);
		msg_list_add_str(&b, "board.at_version", di->info.u.info.at_version);
		msg_list_add_str(&b, "board.sdk_version", di->info.u.info.sdk_version);
		msg_list_add_str(&b, "board.name", di->info.u.info.board);
		snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
			 mac[3], mac[4], mac[5]);
		msg_list_add_str(&b, "board.mac", text);
		msg_list_add_int(&b, "esp.baud", di->info.u.info.esp_baud);
	}
	msg_list_add_int(&b, "board.resets", (int64_t)bi->board_resets);
	msg_list_add_int(&b, "esp.wedged", (int64_t)di->esp_wedged);
	msg_list_add_int(&b, "link.baud", board_link_baud());
	snprintf(text, sizeof(text), "%08x", bi->session);
	msg_list_add_str(&b, "link.session", text);
	msg_list_add_int(&b, "link.frames_tx", (int64_t)ls.frames_tx);
	msg_list_add_int(&b, "link.frames_rx", (int64_t)ls.frames_rx);
	msg_list_add_int(&b, "link.retransmits", (int64_t)ls.retransmits);
	msg_list_add_int(&b, "link.crc_errors", (int64_t)ls.crc_errors);
	msg_list_add_int(&b, "link.stale", (int64_t)ls.stale);
	msg_list_add_int(&b, "link.srtt_us", ls.srtt_us);
	msg_list_add_int(&b, "link.payload", ls.payload);
	msg_list_add_int(&b, "link.queued", ls.queued);
	msg_list_add_int(&b, "link.in_flight", ls.in_flight);
	msg_list_add_int(&b, "link.limit", ls.limit);
	msg_list_add_int(&b, "link.restarts", (int64_t)bi->link_restarts);
	msg_list_add_int(&b, "link.bad_messages", (int64_t)bi->bad_messages);
	msg_list_add_str(&b, "wifi.state", board_wifi_state_name(attached ? wi->state : 0));
	msg_list_add_str(&b, "wifi.ssid", attached ? wi->ssid : "");
	msg_list_add_int(&b, "wifi.rssi", attached ? wi->rssi : 0);
	report_ip(text, sizeof(text), wi->ip);
	/* 0.0.0.0 from the board means it could not read the address: nothing to show. */
	msg_list_add_str(&b, "wifi.ip", attached && wi->state == PROTO_WIFI_GOT_IP &&
			 (wi->ip[0] | wi->ip[1] | wi->ip[2] | wi->ip[3]) ? text : "");
	msg_list_add_int(&b, "sockets.links_total", sc.links_total);
	msg_list_add_int(&b, "sockets.links_free",
			 sc.links_total > sc.links_used ? sc.links_total - sc.links_used : 0);
	msg_list_add_int(&b, "sockets.in_use", sc.in_use);
	msg_list_add_int(&b, "sockets.queued", sc.queued);
	msg_list_add_int(&b, "sockets.udp", sc.udp);
	msg_list_add_int(&b, "sockets.listeners", sc.listeners);
	msg_list_add_int(&b, "sockets.unclaimed", sc.unclaimed);
	msg_list_add_int(&b, "streams.opened", (int64_t)k->streams_opened);
	msg_list_add_int(&b, "streams.failed", (int64_t)k->streams_failed);
	msg_list_add_int(&b, "streams.accepted", (int64_t)k->streams_accepted);
	msg_list_add_int(&b, "streams.reset", (int64_t)k->streams_reset);
	msg_list_add_int(&b, "bytes.up", (int64_t)k->bytes_up);
	msg_list_add_int(&b, "bytes.down", (int64_t)k->bytes_down);
	msg_list_add_int(&b, "datagrams.up", (int64_t)k->datagrams_up);
	msg_list_add_int(&b, "datagrams.down", (int64_t)k->datagrams_down);
	msg_list_add_int(&b, "datagrams.refused", (int64_t)k->datagrams_refused);
	msg_list_add_int(&b, "socks.requests", (int64_t)k->socks_requests);
	msg_list_add_int(&b, "socks.failed", (int64_t)k->socks_failed);
	msg_list_add_int(&b, "clients.accepted", (int64_t)k->clients_accepted);
	msg_list_add_int(&b, "clients.refused", (int64_t)k->clients_refused);
	msg_list_add_int(&b, "clients.dropped", (int64_t)k->clients_dropped);
	msg_list_add_int(&b, "requests", (int64_t)k->requests);
	msg_list_add_int(&b, "messages.bad", (int64_t)k->bad_messages);
	msg_list_add_int(&b, "events.sent", (int64_t)k->events_sent);
	msg_list_finish(&b, resp);
}

void report_summary(char *out, size_t len)
{
	const struct board_session_info *bi = board_session_info();
	const struct board_wifi_info *wi = board_wifi_info();

	switch (bi->state) {
	case BOARD_ABSENT:
		snprintf(out, len, "board absent (%s)", bi->path);
		break;
	case BOARD_CONNECTING:
		snprintf(out, len, "waiting for the board on %s", bi->path);
		break;
	case BOARD_ATTACHED: {
		char ip[20] = "";

		if (wi->state == PROTO_WIFI_GOT_IP)
			report_ip(ip, sizeof(ip), wi->ip);
		snprintf(out, len, "board attached, link %u baud, WiFi %s%s%s%s%s", board_link_baud(),
			 board_wifi_state_name(wi->state), wi->ssid[0] ? " " : "", wi->ssid,
			 ip[0] ? " " : "", ip);
		break;
	}
	}
}
