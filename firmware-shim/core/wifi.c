#include <string.h>

#include "at.h"
#include "config.h"
#include "esp.h"
#include "evlog.h"
#include "host.h"
#include "proto.h"
#include "req.h"
#include "txt.h"
#include "wifi.h"

enum wifi_kind {
	W_REFRESH = 1,   /* AT+CIFSR: address and MAC */
	W_REFRESH_STA,   /* AT+CIPSTA_CUR?: the address, when AT+CIFSR gave none */
	W_JOIN,
	W_LEAVE,
	W_SCAN,
	W_STATUS_AP,     /* AT+CWJAP_CUR? */
	W_STATUS_IP,     /* AT+CIPSTA_CUR? */
	W_RESOLVE,
	W_PING,
};

/* List entries fit a response body after tag, err and count. */
#define WIFI_LIST_MAX (PROTO_BODY_MAX - 4)

/* State changes waiting to go out as EV_WIFI, oldest first. */
#define WIFI_EVENTS 4
/* A join the module said OK to before it had an address: how often to look for one. */
#define WIFI_JOIN_POLL_US 1000000ull

static struct {
	uint8_t state;
	uint8_t ip[4], mac[6];
	uint8_t events[WIFI_EVENTS];
	unsigned nevents;
	bool refresh_due, refreshing;
	bool sta_due;              /* AT+CIFSR showed no address: ask AT+CIPSTA_CUR? */
	bool addr_warned;          /* the address could not be read: said once */
	struct req *join_req;      /* a JOIN answered OK before the association: waits for an address */
	uint64_t join_until, join_poll;
	bool announce_ready;       /* the module just started: tell the host after CIFSR */
	bool busy;
	struct req *queue[CONFIG_REQUESTS];
	unsigned head, count;
	struct req *cur;           /* the request whose commands run */
	uint8_t cwjap;             /* +CWJAP:<n> of a failed join */
	bool dns_fail, got_addr;
	uint8_t addr[4];
	bool ping_timeout, got_ping;  /* "+timeout" seen; a round trip parsed */
	uint32_t ping_ms;
	struct msg status;         /* WIFI_STATUS answer under construction */
	struct msg_list_builder scan;
	uint8_t scan_buf[WIFI_LIST_MAX];
	uint8_t resolve_buf[8];
} wf;

static const struct esp_ops wifi_ops;
static const struct esp_user wifi_user;

void wifi_init(void)
{
	memset(&wf, 0, sizeof(wf));
	esp_register(&wifi_user);
}

uint8_t wifi_state(void)
{
	return wf.state;
}

bool wifi_settling(void)
{
	return !esp_ready() || wf.refresh_due || wf.refreshing || wf.sta_due;
}

void wifi_get_ip(uint8_t ip[4])
{
	memcpy(ip, wf.ip, 4);
}

void wifi_get_mac(uint8_t mac[6])
{
	memcpy(mac, wf.mac, 6);
}

void wifi_flush(void)
{
	while (wf.nevents > 0 && host_up()) {
		uint8_t state = wf.events[0];
		struct msg m;

		/* GOT_IP goes out once the address is known. */
		if (state == PROTO_WIFI_GOT_IP && (wf.refresh_due || wf.refreshing || wf.sta_due))
			return;
		msg_init(&m, PROTO_EV_WIFI);
		m.u.wifi.state = state;
		if (state == PROTO_WIFI_GOT_IP)
			memcpy(m.u.wifi.ip, wf.ip, 4);
		if (!host_write(&m))
			return;
		memmove(wf.events, wf.events + 1, --wf.nevents);
	}
}

static void wifi_event_push(uint8_t state)
{
	if (wf.nevents > 0 && wf.events[wf.nevents - 1] == state)
		return;
	/* A full queue keeps the newest state in its last place. */
	if (wf.nevents == WIFI_EVENTS)
		wf.nevents--;
	wf.events[wf.nevents++] = state;
}

static void wifi_set_state(uint8_t state)
{
	if (state != PROTO_WIFI_GOT_IP)
		memset(wf.ip, 0, 4);
	if (state == wf.state)
		return;
	wf.state = state;
	wifi_event_push(state);
}

void wifi_host_up(void)
{
	wf.nevents = 0;
	wifi_event_push(wf.state);
}

/* A dotted IPv4 string, whole. */
static bool wifi_parse_ip(const char *s, uint8_t ip[4])
{
	const char *end = s + strlen(s);

	return txt_ipv4(&s, end, ip) && s == end;
}

static void wifi_answer_ip(struct req *r, const uint8_t ip[4])
{
	struct msg_list_builder b;
	struct msg resp;

	msg_list_begin(&b, wf.resolve_buf, sizeof(wf.resolve_buf));
	msg_list_add_ip(&b, ip);
	msg_init_response(&resp, &r->m, PROTO_OK);
	msg_list_finish(&b, &resp);
	req_answer(r, &resp);
}

void wifi_request(struct req *r)
{
	uint8_t ip[4];

	switch (r->m.type) {
	case PROTO_PING:
		if (r->m.u.resolve.host[0] == '\0') {
			req_answer_err(r, PROTO_EINVAL);
			return;
		}
		if (!wifi_settling() && wf.state != PROTO_WIFI_GOT_IP) {
			req_answer_err(r, PROTO_ENETDOWN);
			return;
		}
		break;
	case PROTO_RESOLVE:
		if (wifi_parse_ip(r->m.u.resolve.host, ip)) {
			wifi_answer_ip(r, ip);
			return;
		}
		if (r->m.u.resolve.host[0] == '\0') {
			req_answer_err(r, PROTO_EINVAL);
			return;
		}
		if (!wifi_settling() && wf.state != PROTO_WIFI_GOT_IP) {
			req_answer_err(r, PROTO_ENETDOWN);
			return;
		}
		break;
	case PROTO_WIFI_JOIN:
		if (r->m.u.join.ssid[0] == '\0') {
			req_answer_err(r, PROTO_EINVAL);
			return;
		}
		break;
	default:
		break;
	}
	if (wf.count == CONFIG_REQUESTS) {
		req_answer_err(r, PROTO_EAGAIN);
		return;
	}
	r->owner = REQ_WIFI;
	wf.queue[(wf.head + wf.count++) % CONFIG_REQUESTS] = r;
}

void wifi_cancel(struct req *r)
{
	unsigned n = wf.count;

	wf.count = 0;
	for (unsigned i = 0; i < n; i++) {
		struct req *q = wf.queue[(wf.head + i) % CONFIG_REQUESTS];

		if (q != r)
			wf.queue[(wf.head + wf.count++) % CONFIG_REQUESTS] = q;
	}
}

void wifi_host_down(void)
{
	wf.count = 0;
	wf.cur = NULL;
	wf.join_req = NULL;
	wf.nevents = 0;
}

/* The pending join ends: answered err (a new JOIN or LEAVE, a lost module, the deadline). */
static void wifi_join_end(uint8_t err)
{
	if (!wf.join_req)
		return;
	req_answer_err(wf.join_req, err);
	wf.join_req = NULL;
}

static bool wifi_simple(struct esp_cmd *c, uint8_t kind, uint32_t timeout_ms, const char *a, const char *b)
{
	struct txt t;

	esp_cmd_begin(c, &t, &wifi_ops, kind, timeout_ms);
	txt_str(&t, a);
	txt_str(&t, b);
	return esp_cmd_end(c, &t);
}

/* The command for the current request. */
static bool wifi_request_cmd(struct esp_cmd *c)
{
	const struct msg *m = &wf.cur->m;
	struct txt t;

	switch (m->type) {
	case PROTO_WIFI_JOIN:
		wifi_join_end(PROTO_ECANCELED);
		esp_cmd_begin(c, &t, &wifi_ops, W_JOIN, CONFIG_ESP_JOIN_MS);
		txt_str(&t, "AT+CWJAP");
		txt_str(&t, esp_cur());
		txt_str(&t, "=");
		txt_quote_put(&t, m->u.join.ssid);
		txt_str(&t, ",");
		txt_quote_put(&t, m->u.join.psk);
		wf.cwjap = 0;
		wifi_set_state(PROTO_WIFI_CONNECTING);
		return esp_cmd_end(c, &t);
	case PROTO_WIFI_LEAVE:
		wifi_join_end(PROTO_ECANCELED);
		return wifi_simple(c, W_LEAVE, CONFIG_ESP_CMD_MS, "AT+CWQAP", "");
	case PROTO_WIFI_SCAN:
		msg_list_begin(&wf.scan, wf.scan_buf, sizeof(wf.scan_buf));
		return wifi_simple(c, W_SCAN, CONFIG_ESP_SCAN_MS, "AT+CWLAP", "");
	case PROTO_WIFI_STATUS:
		msg_init_response(&wf.status, m, PROTO_OK);
		return wifi_simple(c, W_STATUS_AP, CONFIG_ESP_CMD_MS, "AT+CWJAP",
				   esp_version() == ESP_V2 ? "?" : "_CUR?");
	case PROTO_PING:
		esp_cmd_begin(c, &t, &wifi_ops, W_PING, CONFIG_ESP_DNS_MS);
		txt_str(&t, "AT+PING=");
		txt_quote_put(&t, m->u.resolve.host);
		wf.dns_fail = false;
		wf.ping_timeout = false;
		wf.got_ping = false;
		return esp_cmd_end(c, &t);
	default:
		esp_cmd_begin(c, &t, &wifi_ops, W_RESOLVE, CONFIG_ESP_DNS_MS);
		txt_str(&t, "AT+CIPDOMAIN=");
		txt_quote_put(&t, m->u.resolve.host);
		wf.dns_fail = false;
		wf.got_addr = false;
		return esp_cmd_end(c, &t);
	}
}

static bool wifi_next(struct esp_cmd *c, uint64_t now)
{
	if (wf.busy)
		return false;
	if (wf.join_req && now >= wf.join_until) {
		evlog_join(PROTO_LOG_WARN, "the module said OK to AT+CWJAP but never got an address", "");
		wifi_join_end(PROTO_ETIMEDOUT);
		wifi_set_state(PROTO_WIFI_DOWN);
	}
	if (wf.join_req && !wf.refresh_due && !wf.refreshing && !wf.sta_due && now >= wf.join_poll)
		wf.refresh_due = true;
	if (wf.sta_due) {
		wf.sta_due = false;
		wf.refreshing = true;
		wf.busy = wifi_simple(c, W_REFRESH_STA, CONFIG_ESP_CMD_MS, "AT+CIPSTA",
				      esp_version() == ESP_V2 ? "?" : "_CUR?");
		return wf.busy;
	}
	if (wf.refresh_due) {
		wf.refresh_due = false;
		wf.refreshing = true;
		wf.busy = wifi_simple(c, W_REFRESH, CONFIG_ESP_CMD_MS, "AT+CIFSR", "");
		return wf.busy;
	}
	if (!wf.cur) {
		if (wf.count == 0)
			return false;
		wf.cur = wf.queue[wf.head];
		wf.head = (wf.head + 1) % CONFIG_REQUESTS;
		wf.count--;
		wf.cur->started = true;
		if (!wifi_request_cmd(c)) {
			req_answer_err(wf.cur, PROTO_EINVAL);
			wf.cur = NULL;
			return false;
		}
	} else {
		/* The second half of WIFI_STATUS. */
		wifi_simple(c, W_STATUS_IP, CONFIG_ESP_CMD_MS, "AT+CIPSTA", esp_version() == ESP_V2 ? "?" : "_CUR?");
	}
	wf.busy = true;
	return true;
}

static uint8_t wifi_enc(uint32_t ecn)
{
	/* AT ecn: 0 open, 1 WEP, 2 WPA, 3 WPA2, 4 WPA/WPA2, 5+ enterprise and later kinds. */
	return ecn <= 4 ? (uint8_t)ecn : 3;
}

/* +CWLAP:(<ecn>,"<ssid>",<rssi>,"<mac>",<channel>,...) */
static void wifi_take_ap(const char *line)
{
	const char *p = line, *end = line + strlen(line);
	char ssid[PROTO_SSID_MAX + 1];
	uint8_t bssid[6];
	uint32_t ecn, ch;
	int32_t rssi;

	if (!txt_lit(&p, end, "+CWLAP:(") || !txt_u32(&p, end, 255, &ecn) || !txt_char(&p, end, ',') ||
	    !txt_quoted(&p, end, ssid, sizeof(ssid)) || !txt_char(&p, end, ',') ||
	    !txt_i32(&p, end, -128, 127, &rssi) || !txt_char(&p, end, ',') || !txt_char(&p, end, '"') ||
	    !txt_mac(&p, end, bssid) || !txt_char(&p, end, '"') || !txt_char(&p, end, ',') ||
	    !txt_u32(&p, end, 255, &ch))
		return;
	if (!msg_list_add_ap(&wf.scan, ssid, bssid, (int8_t)rssi, (uint8_t)ch, wifi_enc(ecn)))
		evlog_join(PROTO_LOG_WARN, "scan result dropped: list full", "");
}

/* +CWJAP_CUR:"<ssid>","<bssid>",<channel>,<rssi>[,...] (2.x: +CWJAP:) */
static void wifi_take_ap_status(const char *line)
{
	const char *p = line, *end = line + strlen(line);
	struct msg *st = &wf.status;
	uint32_t ch;
	int32_t rssi;

	if (!txt_lit(&p, end, "+CWJAP_CUR:") && !txt_lit(&p, end, "+CWJAP:"))
		return;
	if (!txt_quoted(&p, end, st->u.wstatus.ssid, sizeof(st->u.wstatus.ssid)) || !txt_char(&p, end, ',') ||
	    !txt_char(&p, end, '"') || !txt_mac(&p, end, st->u.wstatus.bssid) || !txt_char(&p, end, '"') ||
	    !txt_char(&p, end, ',') || !txt_u32(&p, end, 255, &ch) || !txt_char(&p, end, ',') ||
	    !txt_i32(&p, end, -128, 127, &rssi))
		return;
	st->u.wstatus.channel = (uint8_t)ch;
	st->u.wstatus.rssi = (int8_t)rssi;
}

/* +CIPSTA_CUR:ip:"a.b.c.d", gateway, netmask (2.x: +CIPSTA:); dst_ip takes the address. */
static void wifi_take_ip_status(const char *line, uint8_t *dst_ip)
{
	const char *p = line, *end = line + strlen(line);
	uint8_t *dst;

	if (!txt_lit(&p, end, "+CIPSTA_CUR:") && !txt_lit(&p, end, "+CIPSTA:"))
		return;
	if (txt_lit(&p, end, "ip:"))
		dst = dst_ip;
	else if (dst_ip == wf.addr)
		return;
	else if (txt_lit(&p, end, "gateway:"))
		dst = wf.status.u.wstatus.gw;
	else if (txt_lit(&p, end, "netmask:"))
		dst = wf.status.u.wstatus.mask;
	else
		return;
	if (!txt_char(&p, end, '"') || !txt_ipv4(&p, end, dst) || dst != wf.addr)
		return;
	wf.got_addr = true;
}

/*
 * +CIFSR:STAIP,"a.b.c.d" and +CIFSR:STAMAC,"aa:bb:...".  The label before the
 * colon is not checked: some builds misspell it (+CISFR:), and what follows
 * says what the line is.
 */
static void wifi_take_cifsr(const char *line)
{
	const char *p = strchr(line, ':'), *end = line + strlen(line);
	uint8_t ip[4];

	if (line[0] != '+' || !p)
		return;
	p++;
	if (txt_lit(&p, end, "STAIP,\"")) {
		if (txt_ipv4(&p, end, ip) && txt_char(&p, end, '"')) {
			memcpy(wf.addr, ip, 4);
			wf.got_addr = true;
		}
	} else if (txt_lit(&p, end, "STAMAC,\"")) {
		txt_mac(&p, end, wf.mac);
	}
}

/* +CIPDOMAIN:1.2.3.4 (1.x) or +CIPDOMAIN:"1.2.3.4" (2.x) */
static void wifi_take_domain(const char *line)
{
	const char *p = line, *end = line + strlen(line);
	bool quoted;

	if (!txt_lit(&p, end, "+CIPDOMAIN:"))
		return;
	quoted = txt_char(&p, end, '"');
	if (txt_ipv4(&p, end, wf.addr) && (!quoted || txt_char(&p, end, '"')))
		wf.got_addr = true;
}

/* +<ms> or +timeout (NonOS AT), +PING:<ms> or +PING:TIMEOUT (ESP-AT 2.x) */
static void wifi_take_ping(const char *line)
{
	const char *p = line, *end = line + strlen(line);

	if (!txt_char(&p, end, '+'))
		return;
	txt_lit(&p, end, "PING:");
	if (txt_lit(&p, end, "timeout") || txt_lit(&p, end, "TIMEOUT")) {
		wf.ping_timeout = true;
		return;
	}
	if (txt_u32(&p, end, UINT32_MAX, &wf.ping_ms) && p == end)
		wf.got_ping = true;
}

static void wifi_event(struct esp_cmd *c, const struct at_event *ev)
{
	if (ev->type == AT_EV_CWJAP && c->kind == W_JOIN) {
		wf.cwjap = (uint8_t)ev->num;
		return;
	}
	if (ev->type == AT_EV_DNS_FAIL) {
		wf.dns_fail = true;
		return;
	}
	if (ev->type != AT_EV_LINE)
		return;
	switch (c->kind) {
	case W_REFRESH:
		wifi_take_cifsr(ev->text);
		break;
	case W_SCAN:
		wifi_take_ap(ev->text);
		break;
	case W_STATUS_AP:
		wifi_take_ap_status(ev->text);
		break;
	case W_STATUS_IP:
		wifi_take_ip_status(ev->text, wf.status.u.wstatus.ip);
		break;
	case W_REFRESH_STA:
		wifi_take_ip_status(ev->text, wf.addr);
		break;
	case W_RESOLVE:
		wifi_take_domain(ev->text);
		break;
	case W_PING:
		wifi_take_ping(ev->text);
		break;
	default:
		break;
	}
}

static uint8_t wifi_result_err(enum esp_result r)
{
	switch (r) {
	case ESP_OK:
		return PROTO_OK;
	case ESP_TIMEOUT:
		return PROTO_ETIMEDOUT;
	case ESP_BUSY:
		return PROTO_EAGAIN;
	case ESP_LOST:
		return esp_lost_err();
	default:
		return PROTO_EIO;
	}
}

static uint8_t wifi_join_err(enum esp_result r)
{
	if (r != ESP_ERROR && r != ESP_FAIL)
		return wifi_result_err(r);
	switch (wf.cwjap) {
	case 1:
		return PROTO_ETIMEDOUT;
	case 2:
		return PROTO_EAUTH;
	case 3:
		return PROTO_ENOAP;
	default:
		return PROTO_EIO;
	}
}

/* The address the module showed (or none: ip 0.0.0.0 stands for "not known", never a claim). */
static void wifi_take_address(void)
{
	static const uint8_t zero[4];

	if (!wf.got_addr) {
		if (wf.state == PROTO_WIFI_GOT_IP && !wf.addr_warned) {
			wf.addr_warned = true;
			evlog_join(PROTO_LOG_WARN, "WiFi up, but the module showed no address (AT+CIFSR, AT+CIPSTA)", "");
		}
		if (wf.join_req)
			wf.join_poll = esp_now() + WIFI_JOIN_POLL_US;
		return;
	}
	wf.got_addr = false;
	if (memcmp(wf.addr, zero, 4) != 0) {
		/* A new address is news even when the state stays. */
		if (wf.state == PROTO_WIFI_GOT_IP && memcmp(wf.ip, wf.addr, 4) != 0 &&
		    !(wf.nevents > 0 && wf.events[wf.nevents - 1] == PROTO_WIFI_GOT_IP))
			wifi_event_push(PROTO_WIFI_GOT_IP);
		memcpy(wf.ip, wf.addr, 4);
		wf.addr_warned = false;
		wifi_set_state(PROTO_WIFI_GOT_IP);
		wifi_join_end(PROTO_OK);
	} else if (wf.join_req) {
		/* Not associated yet: look again in a while. */
		wf.join_poll = esp_now() + WIFI_JOIN_POLL_US;
	} else if (wf.state == PROTO_WIFI_GOT_IP) {
		wifi_set_state(PROTO_WIFI_DOWN);
	}
}

static void wifi_refresh_done(uint8_t kind, enum esp_result r)
{
	wf.refreshing = false;
	if (r == ESP_GARBLED || r == ESP_BUSY) {
		wf.refresh_due = true;
		return;
	}
	/* The host asks for DEVICE_INFO on this news: the MAC is known now. */
	if (wf.announce_ready) {
		wf.announce_ready = false;
		host_device_event(PROTO_DEV_ESP_READY, esp_baud());
	}
	if (r != ESP_OK)
		return;
	/* No address line that made sense (a misspelled one, say): the station settings may say. */
	if (kind == W_REFRESH && !wf.got_addr) {
		wf.sta_due = true;
		return;
	}
	wifi_take_address();
}

/*
 * A module that knows AT+PING says why it failed (+timeout, or DNS Fail for
 * a name); a bare ERROR is the answer of one that does not know the command.
 */
static void wifi_ping_done(struct req *r, enum esp_result res)
{
	struct msg resp;

	if (res == ESP_OK && wf.got_ping) {
		msg_init_response(&resp, &r->m, PROTO_OK);
		resp.u.ping.ms = wf.ping_ms;
		req_answer(r, &resp);
	} else if (res != ESP_ERROR && res != ESP_FAIL && res != ESP_OK) {
		req_answer_err(r, wifi_result_err(res));
	} else if (wf.dns_fail) {
		req_answer_err(r, PROTO_ENOHOST);
	} else if (wf.ping_timeout) {
		req_answer_err(r, PROTO_ETIMEDOUT);
	} else {
		req_answer_err(r, res == ESP_OK ? PROTO_EIO : PROTO_ENOTSUP);
	}
}

static void wifi_finish(struct req *r, enum esp_result res, uint8_t kind)
{
	struct msg resp;

	switch (kind) {
	case W_JOIN:
		if (res == ESP_OK) {
			wf.refresh_due = true;
			if (wf.state != PROTO_WIFI_GOT_IP) {
				/* OK but no "WIFI GOT IP" yet: joined once the module shows an address. */
				wf.join_req = r;
				wf.join_until = esp_now() + CONFIG_ESP_JOIN_MS * 1000ull;
				break;
			}
		} else {
			wifi_set_state(PROTO_WIFI_DOWN);
		}
		req_answer_err(r, wifi_join_err(res));
		break;
	case W_LEAVE:
		if (res == ESP_OK)
			wifi_set_state(PROTO_WIFI_DOWN);
		req_answer_err(r, wifi_result_err(res));
		break;
	case W_SCAN:
		if (res != ESP_OK) {
			req_answer_err(r, wifi_result_err(res));
			break;
		}
		msg_init_response(&resp, &r->m, PROTO_OK);
		msg_list_finish(&wf.scan, &resp);
		req_answer(r, &resp);
		break;
	case W_STATUS_IP:
		if (res != ESP_OK) {
			req_answer_err(r, wifi_result_err(res));
			break;
		}
		wf.status.u.wstatus.state = wf.state;
		req_answer(r, &wf.status);
		break;
	case W_PING:
		wifi_ping_done(r, res);
		break;
	default:
		if (res == ESP_OK && wf.got_addr)
			wifi_answer_ip(r, wf.addr);
		else
			req_answer_err(r, res == ESP_OK || wf.dns_fail || res == ESP_ERROR ? PROTO_ENOHOST
											: wifi_result_err(res));
		wf.got_addr = false;
		break;
	}
}

static void wifi_done(struct esp_cmd *c, enum esp_result r)
{
	struct req *cur = wf.cur;

	wf.busy = false;
	if (c->kind == W_REFRESH || c->kind == W_REFRESH_STA) {
		wifi_refresh_done(c->kind, r);
		return;
	}
	if (c->kind == W_STATUS_AP && r == ESP_OK) {
		/* Keep the request: its second command comes next. */
		return;
	}
	wf.cur = NULL;
	if (!cur)
		return;
	if (c->kind == W_STATUS_AP) {
		req_answer_err(cur, wifi_result_err(r));
		return;
	}
	wifi_finish(cur, r, c->kind);
}

static const struct esp_ops wifi_ops = {
	.event = wifi_event,
	.done = wifi_done,
};

static void wifi_urc(const struct at_event *ev)
{
	switch (ev->type) {
	case AT_EV_WIFI_CONNECTED:
		wifi_set_state(PROTO_WIFI_CONNECTED);
		break;
	case AT_EV_WIFI_GOT_IP:
		/* The address comes from AT+CIFSR; EV_WIFI waits for it. */
		wf.refresh_due = true;
		wifi_set_state(PROTO_WIFI_GOT_IP);
		break;
	case AT_EV_WIFI_DISCONNECT:
		wifi_set_state(PROTO_WIFI_DOWN);
		break;
	default:
		break;
	}
}

static void wifi_esp_lost(void)
{
	wf.busy = false;
	wf.refresh_due = false;
	wf.refreshing = false;
	wf.sta_due = false;
	wifi_join_end(esp_lost_err());
	wifi_set_state(PROTO_WIFI_DOWN);
}

static void wifi_esp_ready(void)
{
	wf.busy = false;
	wf.refresh_due = true;
	wf.announce_ready = true;
}

static const struct esp_user wifi_user = {
	.next = wifi_next,
	.urc = wifi_urc,
	.lost = wifi_esp_lost,
	.ready = wifi_esp_ready,
};
