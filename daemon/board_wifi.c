#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "board_link.h"
#include "board_req.h"
#include "client.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "board_wifi.h"

#define WIFI_REJOIN_MS 2000        /* after an ESP reset or a failed join, look again */
#define WIFI_LOST_MS 10000         /* the WiFi down this long: rejoin [wifi] ssid */

static struct wifi_info W;

const char *wifi_state_name(uint8_t st)
{
	switch (st) {
	case PROTO_WIFI_CONNECTING: return "connecting";
	case PROTO_WIFI_CONNECTED: return "connected";
	case PROTO_WIFI_GOT_IP: return "got-ip";
	default: return "down";
	}
}

static void wifi_later(uint32_t ms)
{
	struct timeval tv = daemon_tv(ms);

	if (daemon_state.cfg->wifi.ssid[0] && board_attached())
		evtimer_add(W.timer, &tv);
}

static void wifi_join_done(void *ctx, const struct msg *resp)
{
	(void)ctx;
	if (resp->err == PROTO_OK) {
		log_info("WiFi: joined \"%s\"", daemon_state.cfg->wifi.ssid);
		return;
	}
	log_warnx("WiFi: joining \"%s\" failed: %s", daemon_state.cfg->wifi.ssid,
		  proto_err_str(resp->err));
	/* The ESP may still be starting (EAGAIN) or the network out of reach: again later. */
	wifi_later(resp->err == PROTO_EAGAIN ? WIFI_REJOIN_MS : WIFI_LOST_MS);
}

static void wifi_join(void)
{
	const struct config *cfg = daemon_state.cfg;
	struct msg m;

	msg_init(&m, PROTO_WIFI_JOIN);
	snprintf(m.u.join.ssid, sizeof(m.u.join.ssid), "%s", cfg->wifi.ssid);
	snprintf(m.u.join.psk, sizeof(m.u.join.psk), "%s", cfg->wifi.psk);
	log_info("WiFi: joining \"%s\"", cfg->wifi.ssid);
	/* The board bounds the join itself; leave it a second more. */
	if (!breq_submit(&m, cfg->wifi.join_timeout_ms + 1000, 0, wifi_join_done, NULL)) {
		log_warnx("WiFi: cannot queue the join request");
		wifi_later(WIFI_REJOIN_MS);
	}
}

static void wifi_status_done(void *ctx, const struct msg *resp)
{
	bool want_join = ctx != NULL;
	const struct config *cfg = daemon_state.cfg;

	if (resp->err == PROTO_OK) {
		W.state = resp->u.wstatus.state;
		memcpy(W.ssid, resp->u.wstatus.ssid, sizeof(W.ssid));
		W.rssi = resp->u.wstatus.rssi;
		memcpy(W.ip, resp->u.wstatus.ip, 4);
		notify_status();
	} else {
		log_warnx("WiFi: status request failed: %s", proto_err_str(resp->err));
		if (want_join)
			wifi_later(WIFI_REJOIN_MS);
		return;
	}
	if (!want_join || !cfg->wifi.ssid[0] || !board_attached())
		return;
	if (resp->u.wstatus.state == PROTO_WIFI_GOT_IP &&
	    strcmp(resp->u.wstatus.ssid, cfg->wifi.ssid) == 0) {
		log_info("WiFi: already on \"%s\"", cfg->wifi.ssid);
		return;
	}
	wifi_join();
}

static void wifi_refresh(bool then_join)
{
	struct msg m;

	msg_init(&m, PROTO_WIFI_STATUS);
	if (!breq_submit(&m, daemon_state.cfg->limits.request_timeout_ms, 0, wifi_status_done,
			 then_join ? &W : NULL)) {
		log_warnx("WiFi: cannot queue a status request");
		if (then_join)
			wifi_later(WIFI_REJOIN_MS);
	}
}

static void wifi_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (board_attached() && W.state != PROTO_WIFI_GOT_IP)
		wifi_refresh(true);
}

void wifi_config_changed(void)
{
	if (board_attached() && daemon_state.cfg->wifi.ssid[0])
		wifi_refresh(true);
}

void wifi_event(const struct msg *m)
{
	uint8_t old = W.state;

	W.state = m->u.wifi.state;
	memcpy(W.ip, m->u.wifi.ip, 4);
	if (m->u.wifi.state == PROTO_WIFI_GOT_IP)
		log_info("WiFi: got-ip %u.%u.%u.%u", m->u.wifi.ip[0], m->u.wifi.ip[1], m->u.wifi.ip[2],
			 m->u.wifi.ip[3]);
	else
		log_info("WiFi: %s", wifi_state_name(m->u.wifi.state));
	if (m->u.wifi.state == PROTO_WIFI_GOT_IP && old != PROTO_WIFI_GOT_IP)
		wifi_refresh(false);
	if (m->u.wifi.state == PROTO_WIFI_DOWN) {
		W.ssid[0] = 0;
		wifi_later(WIFI_LOST_MS);
	}
	client_broadcast(m, PROTO_SUB_WIFI);
	notify_status();
}

void wifi_init(void)
{
	memset(&W, 0, sizeof(W));
	W.timer = evtimer_new(daemon_state.base, wifi_timer_cb, NULL);
	if (!W.timer)
		fatalx("out of memory");
}

void wifi_board_up(void)
{
	wifi_refresh(true);
}

void wifi_board_down(void)
{
	evtimer_del(W.timer);
	W.state = PROTO_WIFI_DOWN;
	W.ssid[0] = 0;
	W.rssi = 0;
	memset(W.ip, 0, 4);
}

void wifi_esp_reset(void)
{
	W.state = PROTO_WIFI_DOWN;
	/* It forgot the network it was on ([wifi] joins with _CUR settings). */
	wifi_later(WIFI_REJOIN_MS);
}

const struct wifi_info *wifi_info(void)
{
	return &W;
}
