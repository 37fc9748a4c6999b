/*
 * The handle: its connection, requests and their responses, and everything
 * the daemon sends unasked (events, datagrams) filed into bounded queues.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k210sock_int.h"

/* The public constants are the protocol's: keep them in step. */
#define K210SOCK_SAME(pub, wire) _Static_assert((int)(pub) == (int)(wire), #pub)
K210SOCK_SAME(K210SOCK_HOST_MAX, PROTO_HOST_MAX);
K210SOCK_SAME(K210SOCK_SSID_MAX, PROTO_SSID_MAX);
K210SOCK_SAME(K210SOCK_PSK_MAX, PROTO_PSK_MAX);
K210SOCK_SAME(K210SOCK_NAME_MAX, PROTO_NAME_MAX);
K210SOCK_SAME(K210SOCK_LOG_MAX, PROTO_LOG_MAX);
K210SOCK_SAME(K210SOCK_KEY_MAX, PROTO_KEY_MAX);
K210SOCK_SAME(K210SOCK_STR_MAX, PROTO_STR_MAX);
K210SOCK_SAME(K210SOCK_DATAGRAM_MAX, PROTO_DATA_MAX);
K210SOCK_SAME(K210SOCK_TCP, PROTO_KIND_TCP);
K210SOCK_SAME(K210SOCK_TLS, PROTO_KIND_TLS);
K210SOCK_SAME(K210SOCK_RESET_BOARD, PROTO_RESET_BOARD);
K210SOCK_SAME(K210SOCK_RESET_ESP, PROTO_RESET_ESP);
K210SOCK_SAME(K210SOCK_WIFI_DOWN, PROTO_WIFI_DOWN);
K210SOCK_SAME(K210SOCK_WIFI_CONNECTING, PROTO_WIFI_CONNECTING);
K210SOCK_SAME(K210SOCK_WIFI_CONNECTED, PROTO_WIFI_CONNECTED);
K210SOCK_SAME(K210SOCK_WIFI_GOT_IP, PROTO_WIFI_GOT_IP);
K210SOCK_SAME(K210SOCK_CAP_PASSIVE_RX, PROTO_CAP_PASSIVE_RX);
K210SOCK_SAME(K210SOCK_CAP_TLS, PROTO_CAP_TLS);
K210SOCK_SAME(K210SOCK_CAP_SERVER, PROTO_CAP_SERVER);
K210SOCK_SAME(K210SOCK_CAP_UDP, PROTO_CAP_UDP);
K210SOCK_SAME(K210SOCK_SUB_DEVICE, PROTO_SUB_DEVICE);
K210SOCK_SAME(K210SOCK_SUB_WIFI, PROTO_SUB_WIFI);
K210SOCK_SAME(K210SOCK_SUB_LOG, PROTO_SUB_LOG);
K210SOCK_SAME(K210SOCK_DEV_ATTACHED, PROTO_DEV_ATTACHED);
K210SOCK_SAME(K210SOCK_DEV_DETACHED, PROTO_DEV_DETACHED);
K210SOCK_SAME(K210SOCK_DEV_BOARD_RESET, PROTO_DEV_BOARD_RESET);
K210SOCK_SAME(K210SOCK_DEV_ESP_RESET, PROTO_DEV_ESP_RESET);
K210SOCK_SAME(K210SOCK_DEV_BAUD, PROTO_DEV_BAUD);
K210SOCK_SAME(K210SOCK_DEV_ESP_READY, PROTO_DEV_ESP_READY);
K210SOCK_SAME(K210SOCK_DEV_ESP_WEDGED, PROTO_DEV_ESP_WEDGED);
K210SOCK_SAME(K210SOCK_LOG_ERROR, PROTO_LOG_ERROR);
K210SOCK_SAME(K210SOCK_LOG_DEBUG, PROTO_LOG_DEBUG);

/* HELLO gets its own, shorter bound: a daemon that does not answer at once is stuck. */
#define K210SOCK_HELLO_TIMEOUT 10000

k210sock *k210sock_new(const char *path)
{
	k210sock *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	k210conn_init(&h->conn);
	path = k210conn_default_path(path);
	if (strlen(path) >= sizeof(h->path)) {
		free(h);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(h->path, path);
	h->timeout_ms = K210SOCK_TIMEOUT_DEFAULT;
	k210queue_events_reset(&h->events);
	k210sock_table_init(&h->socks);
	return h;
}

k210sock *k210sock_open(const char *path)
{
	k210sock *h = k210sock_new(path);
	int errnum;

	if (!h)
		return NULL;
	if (k210conn_open(&h->conn, h->path, h->daemon_name, sizeof(h->daemon_name),
			  k210conn_deadline(K210SOCK_HELLO_TIMEOUT)) < 0) {
		errnum = errno;
		free(h);
		errno = errnum;
		return NULL;
	}
	return h;
}

void k210sock_close(k210sock *h)
{
	if (!h)
		return;
	k210conn_close(&h->conn);
	k210sock_table_free(&h->socks);
	free(h);
}

int k210sock_fd(const k210sock *h)
{
	if (!h) {
		errno = EINVAL;
		return -1;
	}
	return h->conn.fd;
}

const char *k210sock_strerror(const k210sock *h)
{
	if (!h)
		return "no handle";
	if (!h->conn.err.text[0])
		return "success";
	return h->conn.err.text;
}

int k210sock_set_timeout(k210sock *h, int timeout_ms)
{
	if (!h) {
		errno = EINVAL;
		return -1;
	}
	h->timeout_ms = timeout_ms;
	return 0;
}

const char *k210sock_daemon_name(const k210sock *h)
{
	return h ? h->daemon_name : "";
}

/* An event from the daemon, as the application sees it. */
static void k210sock_event_from(struct k210sock_event *ev, const struct msg *m)
{
	memset(ev, 0, sizeof(*ev));
	switch (m->type) {
	case PROTO_EV_DEVICE:
		ev->type = K210SOCK_EV_DEVICE;
		ev->u.device.what = m->u.device.what;
		ev->u.device.value = m->u.device.value;
		break;
	case PROTO_EV_WIFI:
		ev->type = K210SOCK_EV_WIFI;
		ev->u.wifi.state = m->u.wifi.state;
		memcpy(&ev->u.wifi.ip, m->u.wifi.ip, 4);
		break;
	case PROTO_EV_LOG:
		ev->type = K210SOCK_EV_LOG;
		ev->u.log.level = m->u.log.level;
		memcpy(ev->u.log.text, m->u.log.text, sizeof(ev->u.log.text));
		break;
	}
}

/* File a message that is not a response. */
static void k210sock_file(k210sock *h, const struct msg *m)
{
	struct k210sock_event ev;

	switch (m->type) {
	case PROTO_EV_DEVICE:
	case PROTO_EV_WIFI:
	case PROTO_EV_LOG:
		k210sock_event_from(&ev, m);
		k210queue_events_push(&h->events, &ev);
		return;
	default:
		/* Also data for a socket closed meanwhile: nothing waits for it. */
		if (!k210sock_table_input(&h->socks, m))
			h->conn.skipped++;
	}
}

int k210sock_pump(k210sock *h, int64_t deadline)
{
	struct msg m;
	int r = k210conn_recv(&h->conn, &m, deadline);

	if (r <= 0)
		return r;
	if (PROTO_IS_RESPONSE(m.type))
		return k210conn_fail(&h->conn, EPROTO, "the daemon sent %s with no request pending",
				     proto_type_name(m.type));
	k210sock_file(h, &m);
	return 1;
}

int k210sock_request(k210sock *h, struct msg *req, struct msg *resp)
{
	int64_t deadline = k210conn_deadline(h->timeout_ms);

	req->tag = ++h->next_tag;
	if (k210conn_send(&h->conn, req, deadline) < 0)
		return -1;
	for (;;) {
		int r = k210conn_recv(&h->conn, resp, deadline);

		if (r < 0)
			return -1;
		/* A late answer would put the stream out of step: give up on it. */
		if (r == 0)
			return k210conn_fail(&h->conn, ETIMEDOUT, "no answer from the daemon to %s",
					     proto_type_name(req->type));
		if (!PROTO_IS_RESPONSE(resp->type)) {
			k210sock_file(h, resp);
			continue;
		}
		if (resp->type != (req->type | PROTO_RESPONSE) || resp->tag != req->tag)
			return k210conn_fail(&h->conn, EPROTO,
					     "the daemon sent %s (tag %u) while %s (tag %u) was pending",
					     proto_type_name(resp->type), resp->tag,
					     proto_type_name(req->type), req->tag);
		if (resp->err != PROTO_OK)
			return k210conn_refused(&h->conn, resp->err);
		return 0;
	}
}

/* A request without arguments whose response carries nothing needed. */
static int k210sock_simple(k210sock *h, uint8_t type)
{
	struct msg req, resp;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	msg_init(&req, type);
	return k210sock_request(h, &req, &resp);
}

/* Check a string argument against its protocol limit. */
static int k210sock_check_str(k210sock *h, const char *s, size_t max, bool empty_ok,
			      const char *what)
{
	if (!s || (!empty_ok && !*s))
		return k210conn_error(&h->conn, EINVAL, "no %s given", what);
	if (strlen(s) > max)
		return k210conn_error(&h->conn, EINVAL, "%s longer than %zu bytes", what, max);
	return 0;
}

int k210sock_getaddrinfo(k210sock *h, const char *host, struct in_addr *addrs, int max)
{
	struct msg req, resp;
	struct msg_entry e;
	size_t pos = 0;
	int n = 0;

	if (!h || max < 0 || (max > 0 && !addrs)) {
		errno = EINVAL;
		return -1;
	}
	if (k210sock_check_str(h, host, PROTO_HOST_MAX, false, "host name") < 0)
		return -1;
	msg_init(&req, PROTO_RESOLVE);
	strcpy(req.u.resolve.host, host);
	if (k210sock_request(h, &req, &resp) < 0)
		return -1;
	while (msg_list_next(&resp, &pos, &e)) {
		if (n < max)
			memcpy(&addrs[n], e.u.ip, 4);
		n++;
	}
	return n;
}

int k210sock_ping(k210sock *h, const char *host, unsigned *rtt_ms)
{
	struct msg req, resp;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	if (k210sock_check_str(h, host, PROTO_HOST_MAX, false, "host name") < 0)
		return -1;
	msg_init(&req, PROTO_PING);
	strcpy(req.u.resolve.host, host);
	if (k210sock_request(h, &req, &resp) < 0)
		return -1;
	if (rtt_ms)
		*rtt_ms = resp.u.ping.ms;
	return 0;
}

int k210sock_device_info(k210sock *h, struct k210sock_device_info *info)
{
	struct msg req, resp;

	if (!h || !info) {
		errno = EINVAL;
		return -1;
	}
	msg_init(&req, PROTO_DEVICE_INFO);
	if (k210sock_request(h, &req, &resp) < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	memcpy(info->firmware, resp.u.info.firmware, sizeof(info->firmware));
	memcpy(info->at_version, resp.u.info.at_version, sizeof(info->at_version));
	memcpy(info->sdk_version, resp.u.info.sdk_version, sizeof(info->sdk_version));
	memcpy(info->board, resp.u.info.board, sizeof(info->board));
	memcpy(info->mac, resp.u.info.mac, 6);
	memcpy(&info->ip, resp.u.info.ip, 4);
	info->links_total = resp.u.info.links_total;
	info->links_free = resp.u.info.links_free;
	info->caps = resp.u.info.caps;
	info->usb_baud = resp.u.info.usb_baud;
	info->esp_baud = resp.u.info.esp_baud;
	info->uptime_s = resp.u.info.uptime_s;
	return 0;
}

int k210sock_wifi_status(k210sock *h, struct k210sock_wifi_status *st)
{
	struct msg req, resp;

	if (!h || !st) {
		errno = EINVAL;
		return -1;
	}
	msg_init(&req, PROTO_WIFI_STATUS);
	if (k210sock_request(h, &req, &resp) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	st->state = resp.u.wstatus.state;
	memcpy(st->ssid, resp.u.wstatus.ssid, sizeof(st->ssid));
	memcpy(st->bssid, resp.u.wstatus.bssid, 6);
	st->rssi = resp.u.wstatus.rssi;
	st->channel = resp.u.wstatus.channel;
	memcpy(&st->ip, resp.u.wstatus.ip, 4);
	memcpy(&st->gateway, resp.u.wstatus.gw, 4);
	memcpy(&st->netmask, resp.u.wstatus.mask, 4);
	return 0;
}

int k210sock_wifi_scan(k210sock *h, struct k210sock_ap *aps, int max)
{
	struct msg req, resp;
	struct msg_entry e;
	size_t pos = 0;
	int n = 0;

	if (!h || max < 0 || (max > 0 && !aps)) {
		errno = EINVAL;
		return -1;
	}
	msg_init(&req, PROTO_WIFI_SCAN);
	if (k210sock_request(h, &req, &resp) < 0)
		return -1;
	while (msg_list_next(&resp, &pos, &e)) {
		if (n < max) {
			struct k210sock_ap *ap = &aps[n];

			memset(ap, 0, sizeof(*ap));
			memcpy(ap->ssid, e.u.ap.ssid, sizeof(ap->ssid));
			memcpy(ap->bssid, e.u.ap.bssid, 6);
			ap->rssi = e.u.ap.rssi;
			ap->channel = e.u.ap.channel;
			ap->security = e.u.ap.enc;
		}
		n++;
	}
	return n;
}

int k210sock_wifi_join(k210sock *h, const char *ssid, const char *psk)
{
	struct msg req, resp;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	if (!psk)
		psk = "";
	if (k210sock_check_str(h, ssid, PROTO_SSID_MAX, false, "SSID") < 0 ||
	    k210sock_check_str(h, psk, PROTO_PSK_MAX, true, "passphrase") < 0)
		return -1;
	msg_init(&req, PROTO_WIFI_JOIN);
	strcpy(req.u.join.ssid, ssid);
	strcpy(req.u.join.psk, psk);
	return k210sock_request(h, &req, &resp);
}

int k210sock_wifi_leave(k210sock *h)
{
	return k210sock_simple(h, PROTO_WIFI_LEAVE);
}

int k210sock_reset(k210sock *h, int what)
{
	struct msg req, resp;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	if (what != K210SOCK_RESET_BOARD && what != K210SOCK_RESET_ESP)
		return k210conn_error(&h->conn, EINVAL, "unknown reset target %d", what);
	msg_init(&req, PROTO_RESET);
	req.u.reset.what = (uint8_t)what;
	return k210sock_request(h, &req, &resp);
}

int k210sock_status(k210sock *h)
{
	struct msg req, resp;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	h->status_len = 0;
	h->status_count = 0;
	h->status_pos = 0;
	msg_init(&req, PROTO_STATUS);
	if (k210sock_request(h, &req, &resp) < 0)
		return -1;
	/* The response lives in the connection's buffer: keep a copy to walk. */
	memcpy(h->status, resp.u.list.entries, resp.u.list.len);
	h->status_len = resp.u.list.len;
	h->status_count = resp.u.list.count;
	return h->status_count;
}

int k210sock_status_next(k210sock *h, struct k210sock_kv *kv)
{
	struct msg list;
	struct msg_entry e;

	if (!h || !kv) {
		errno = EINVAL;
		return -1;
	}
	msg_init(&list, PROTO_STATUS | PROTO_RESPONSE);
	list.u.list.entries = h->status;
	list.u.list.len = h->status_len;
	list.u.list.count = h->status_count;
	if (!msg_list_next(&list, &h->status_pos, &e))
		return 0;
	memset(kv, 0, sizeof(*kv));
	memcpy(kv->key, e.u.kv.key, sizeof(kv->key));
	kv->is_str = e.u.kv.kind == PROTO_KV_STR;
	kv->num = e.u.kv.num;
	memcpy(kv->str, e.u.kv.str, sizeof(kv->str));
	return 1;
}

int k210sock_subscribe(k210sock *h, unsigned mask)
{
	struct msg req, resp;

	if (!h) {
		errno = EINVAL;
		return -1;
	}
	if (mask & ~(unsigned)K210SOCK_SUB_ALL)
		return k210conn_error(&h->conn, EINVAL, "unknown event kinds 0x%x", mask);
	msg_init(&req, PROTO_SUBSCRIBE);
	req.u.subscribe.mask = mask;
	return k210sock_request(h, &req, &resp);
}

int k210sock_next_event(k210sock *h, struct k210sock_event *ev, int timeout_ms)
{
	int64_t deadline = k210conn_deadline(timeout_ms);

	if (!h || !ev) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		int r;

		if (k210queue_events_pop(&h->events, ev))
			return 1;
		r = k210sock_pump(h, deadline);
		if (r <= 0)
			return r;
	}
}
