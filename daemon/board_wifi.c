#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "board_req.h"
#include "board_session.h"
#include "board_wifi.h"
#include "daemon.h"
#include "events.h"
#include "log.h"

#define BOARD_WIFI_REJOIN_MS 2000        /* after an ESP reset or a failed join, look again */
#define BOARD_WIFI_LOST_MS 10000         /* the WiFi down this long: rejoin [wifi] ssid */

static struct board_wifi_info W;

const char *board_wifi_state_name(uint8_t st)
{
	switch (st) {
	case PROTO_WIFI_CONNECTING: return "connecting";
	case PROTO_WIFI_CONNECTED: return "connected";
	case PROTO_WIFI_GOT_IP: return "got-ip";
	default: return "down";
	}
}

static void board_wifi_later(uint32_t ms)
{
	struct timeval tv = daemon_tv(ms);

	if (daemon_state.cfg->wifi.ssid[0] && board_session_attached())
		evtimer_add(W.timer, &tv);
}

static void board_wifi_join_done(void *ctx, const struct msg *resp)
{
	(void)ctx;
	if (resp->err == PROTO_OK) {
		log_info("WiFi: joined \"%s\"", daemon_state.cfg->wifi.ssid);
		return;
	}
	log_warnx("WiFi: joining \"%s\" failed: %s", daemon_state.cfg->wifi.ssid,
		  proto_err_str(resp->err));
	/* The ESP may still be starting (EAGAIN) or the network out of reach: again later. */
	board_wifi_later(resp->err == PROTO_EAGAIN ? BOARD_WIFI_REJOIN_MS : BOARD_WIFI_LOST_MS);
}

static void board_wifi_join(void)
{
	const struct config *cfg = daemon_state.cfg;
	struct msg m;

	msg_init(&m, PROTO_WIFI_JOIN);
	snprintf(m.u.join.ssid, sizeof(m.u.join.ssid), "%s", cfg->wifi.ssid);
	snprintf(m.u.join.psk, sizeof(m.u.join.psk), "%s", cfg->wifi.psk);
	log_info("WiFi: joining \"%s\"", cfg->wifi.ssid);
	/* The board bounds the join itself; leave it a second more. */
	if (!board_req_submit(&m, cfg->wifi.join_timeout_ms + 1000, 0, board_wifi_join_done, NULL)) {
		log_warnx("WiFi: cannot queue the join request");
		board_wifi_later(BOARD_WIFI_REJOIN_MS);
	}
}

static void board_wifi_status_done(void *ctx, const struct msg *resp)
{
	bool want_join = ctx != NULL;
	const struct config *cfg = daemon_state.cfg;

	if (resp->err == PROTO_OK) {
		W.state = resp->u.wstatus.state;
		memcpy(W.ssid, resp->u.wstatus.ssid, sizeof(W.ssid));
		W.rssi = resp->u.wstatus.rssi;
		memcpy(W.ip, resp->u.wstatus.ip, 4);
		events_state_changed();
	} else {
		log_warnx("WiFi: status request failed: %s", proto_err_str(resp->err));
		if (want_join)
			board_wifi_later(BOARD_WIFI_REJOIN_MS);
		return;
	}
	if (!want_join || !cfg->wifi.ssid[0] || !board_session_attached())
		return;
	if (resp->u.wstatus.state == PROTO_WIFI_GOT_IP &&
	    strcmp(resp->u.wstatus.ssid, cfg->wifi.ssid) == 0) {
		log_info("WiFi: already on \"%s\"", cfg->wifi.ssid);
		return;
	}
	board_wifi_join();
}

static void board_wifi_refresh(bool then_join)
{
	struct msg m;

	msg_init(&m, PROTO_WIFI_STATUS);
	if (!board_req_submit(&m, daemon_state.cfg->limits.request_timeout_ms, 0, board_wifi_status_done,
			 then_join ? &W : NULL)) {
		log_warnx("WiFi: cannot queue a status request");
		if (then_join)
			board_wifi_later(BOARD_WIFI_REJOIN_MS);
	}
}

static void board_wifi_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (board_session_attached() && W.state != PROTO_WIFI_GOT_IP)
		board_wifi_refresh(true);
}

void board_wifi_config_changed(void)
{
	if (board_session_attached() && daemon_state.cfg->wifi.ssid[0])
		board_wifi_refresh(true);
}

static void board_wifi_event(const struct msg *m)
{
	uint8_t old = W.state;

	W.state = m->u.wifi.state;
	memcpy(W.ip, m->u.wifi.ip, 4);
	if (m->u.wifi.state == PROTO_WIFI_GOT_IP)
		log_info("WiFi: got-ip %u.%u.%u.%u", m->u.wifi.ip[0], m->u.wifi.ip[1], m->u.wifi.ip[2],
			 m->u.wifi.ip[3]);
	else
		log_info("WiFi: %s", board_wifi_state_name(m->u.wifi.state));
	if (m->u.wifi.state == PROTO_WIFI_GOT_IP && old != PROTO_WIFI_GOT_IP)
		board_wifi_refresh(false);
	if (m->u.wifi.state == PROTO_WIFI_DOWN) {
		W.ssid[0] = 0;
		board_wifi_later(BOARD_WIFI_LOST_MS);
	}
	events_message(m, PROTO_SUB_WIFI);
	events_state_changed();
}

static void board_wifi_board_up(void)
{
	board_wifi_refresh(true);
}

static void board_wifi_board_down(void)
{
	evtimer_del(W.timer);
	W.state = PROTO_WIFI_DOWN;
	W.ssid[0] = 0;
	W.rssi = 0;
	memset(W.ip, 0, 4);
}

static void board_wifi_esp_reset(void)
{
	W.state = PROTO_WIFI_DOWN;
	/* It forgot the network it was on ([wifi] joins with _CUR settings). */
	board_wifi_later(BOARD_WIFI_REJOIN_MS);
}

static enum board_input board_wifi_input(const struct msg *m)
{
	if (m->type == PROTO_EV_WIFI) {
		board_wifi_event(m);
		return BOARD_INPUT_TAKEN;
	}
	if (m->type == PROTO_EV_DEVICE && m->u.device.what == PROTO_DEV_ESP_RESET) {
		board_wifi_esp_reset();
		return BOARD_INPUT_TAKEN;
	}
	return BOARD_INPUT_NOT_MINE;
}

static const struct board_user board_wifi_user = {
	.up = board_wifi_board_up,
	.down = board_wifi_board_down,
	.input = board_wifi_input,
};

void board_wifi_init(void)
{
	memset(&W, 0, sizeof(W));
	W.timer = evtimer_new(daemon_state.base, board_wifi_timer_cb, NULL);
	if (!W.timer)
		log_fatalx("out of memory");
	board_session_add_user(&board_wifi_user);
}

const struct board_wifi_info *board_wifi_info(void)
{
	return &W;
}
