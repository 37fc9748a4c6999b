#include <string.h>

#include "config.h"
#include "esp.h"
#include "evlog.h"
#include "link.h"
#include "msg.h"
#include "port.h"
#include "proto.h"
#include "shim.h"
#include "shim_int.h"
#include "sock.h"
#include "wifi.h"
#include "wire.h"

/*
 * Link bytes kept free for answers and events: data messages stop short of
 * it so that a response never waits behind a full window of data.
 */
#define SHIM_CONTROL_RESERVE 4096
/* A board reset waits this long at most for the host to acknowledge the answer. */
#define SHIM_REBOOT_WAIT_US 1000000ull
/* Wake-up interval while bytes wait for room in the host UART. */
#define SHIM_TX_RETRY_US 1000ull
#define SHIM_INPUT_ROUNDS 16

/* Device events waiting for room in the link, one slot each, sent in this order. */
enum shim_dev_slot { DEV_ESP_WEDGED, DEV_ESP_RESET, DEV_BAUD, DEV_ESP_READY, DEV_SLOTS };
static const uint8_t shim_dev_what[DEV_SLOTS] = {
	PROTO_DEV_ESP_WEDGED, PROTO_DEV_ESP_RESET, PROTO_DEV_BAUD, PROTO_DEV_ESP_READY,
};

static struct {
	struct link link;
	uint8_t linkmem[CONFIG_LINK_MEM];
	bool link_ok;
	struct msg_reader reader;
	struct req reqs[CONFIG_REQUESTS];
	uint8_t out[PROTO_MSG_MAX];
	/* The list of one deferred list answer. */
	uint8_t backlog[PROTO_BODY_MAX];
	struct req *backlog_owner;
	uint64_t now, boot_us;
	bool up;
	bool restart_due;
	bool baud_due;
	uint32_t baud_to;
	bool reboot_due;
	uint64_t reboot_at;
	uint8_t stage[CONFIG_HOST_CHUNK];
	size_t stage_len, stage_off;
	size_t tx_cap;               /* the host UART's transmit ring, as its largest room */
	bool dev_due[DEV_SLOTS];
	uint32_t dev_value[DEV_SLOTS];
	uint32_t unknown;            /* messages of unknown types, ignored */
} sh;

void shim_link_stats(struct link_stats *st)
{
	link_get_stats(&sh.link, st);
}

bool shim_link_up(void)
{
	return sh.up;
}

uint32_t shim_host_baud(void)
{
	return sh.up ? link_baud(&sh.link) : 0;
}

uint64_t shim_now(void)
{
	return sh.now;
}

bool shim_write(const struct msg *m)
{
	size_t len = msg_encoded_len(m);

	if (len == 0) {
		evlog_join(PROTO_LOG_ERROR, "message not encodable: ", proto_type_name(m->type));
		return true;
	}
	if (!sh.up || link_writable(&sh.link) < len)
		return false;
	msg_encode(m, sh.out, sizeof(sh.out));
	link_write(&sh.link, sh.out, len);
	return true;
}

static bool shim_answers_waiting(void)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++)
		if (sh.reqs[i].used && sh.reqs[i].answered)
			return true;
	return false;
}

size_t shim_data_room(void)
{
	size_t room;

	if (!sh.up || shim_answers_waiting())
		return 0;
	room = link_writable(&sh.link);
	return room > SHIM_CONTROL_RESERVE ? room - SHIM_CONTROL_RESERVE : 0;
}

bool shim_answer_due(uint16_t sock)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++) {
		const struct req *r = &sh.reqs[i];

		if (r->used && r->answered && sock != 0 && r->m.sock == sock)
			return true;
	}
	return false;
}

static void shim_release(struct req *r)
{
	if (sh.backlog_owner == r)
		sh.backlog_owner = NULL;
	memset(r, 0, sizeof(*r));
}

void shim_answer(struct req *r, struct msg *resp)
{
	if (!r || !r->used || r->answered)
		return;
	/*
	 * Answers go out in the flush phase, after the events of the same
	 * moment, so the host hears things in the order they happened.  A
	 * list is copied: the buffer it was built in gets reused.
	 */
	r->resp = *resp;
	r->answered = true;
	r->owner = REQ_NONE;
	if (resp->err != PROTO_OK || (resp->type != (PROTO_WIFI_SCAN | PROTO_RESPONSE) &&
				      resp->type != (PROTO_RESOLVE | PROTO_RESPONSE)))
		return;
	if (resp->u.list.len <= sizeof(r->list)) {
		memcpy(r->list, resp->u.list.entries, resp->u.list.len);
		r->resp.u.list.entries = r->list;
	} else if (!sh.backlog_owner) {
		memcpy(sh.backlog, resp->u.list.entries, resp->u.list.len);
		r->resp.u.list.entries = sh.backlog;
		sh.backlog_owner = r;
	} else {
		msg_init_response(&r->resp, &r->m, PROTO_ENOBUFS);
	}
}

void shim_answer_err(struct req *r, uint8_t err)
{
	struct msg resp;

	if (!r || !r->used)
		return;
	msg_init_response(&resp, &r->m, err);
	shim_answer(r, &resp);
}

void shim_device_event(uint8_t what, uint32_t value)
{
	if (!sh.up)
		return;
	for (unsigned slot = 0; slot < DEV_SLOTS; slot++) {
		if (shim_dev_what[slot] == what) {
			sh.dev_due[slot] = true;
			sh.dev_value[slot] = value;
		}
	}
}

static void shim_flush_answers(void)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++) {
		struct req *r = &sh.reqs[i];

		if (!r->used || !r->answered)
			continue;
		if (!shim_write(&r->resp))
			return;
		shim_release(r);
	}
}

static void shim_flush_device(void)
{
	for (unsigned i = 0; i < DEV_SLOTS; i++) {
		struct msg m;

		if (!sh.dev_due[i])
			continue;
		/* Every socket hears of an ESP reset before the host hears of the reset itself. */
		if ((i == DEV_ESP_RESET || i == DEV_ESP_WEDGED) && sock_closes_pending())
			continue;
		/* A module is not ready before the host heard that it went away. */
		if (i == DEV_ESP_READY && sh.dev_due[DEV_ESP_RESET])
			continue;
		msg_init(&m, PROTO_EV_DEVICE);
		m.u.device.what = shim_dev_what[i];
		m.u.device.value = sh.dev_value[i];
		if (!shim_write(&m))
			return;
		sh.dev_due[i] = false;
	}
}

static void shim_answer_info(struct req *r)
{
	struct msg resp;
	size_t n;

	msg_init_response(&resp, &r->m, PROTO_OK);
	memcpy(resp.u.info.firmware, CONFIG_FIRMWARE_VERSION, sizeof(CONFIG_FIRMWARE_VERSION));
	memcpy(resp.u.info.at_version, esp_at_version(), strlen(esp_at_version()) + 1);
	memcpy(resp.u.info.sdk_version, esp_sdk_version(), strlen(esp_sdk_version()) + 1);
	n = strlen(port_board_name());
	if (n > PROTO_NAME_MAX)
		n = PROTO_NAME_MAX;
	memcpy(resp.u.info.board, port_board_name(), n);
	wifi_get_mac(resp.u.info.mac);
	wifi_get_ip(resp.u.info.ip);
	resp.u.info.links_total = CONFIG_LINKS;
	resp.u.info.links_free = sock_links_free();
	resp.u.info.caps = PROTO_CAP_TLS | PROTO_CAP_SERVER | PROTO_CAP_UDP;
	if (esp_passive())
		resp.u.info.caps |= PROTO_CAP_PASSIVE_RX;
	resp.u.info.usb_baud = link_baud(&sh.link);
	resp.u.info.esp_baud = esp_baud();
	resp.u.info.uptime_s = (uint32_t)((sh.now - sh.boot_us) / 1000000u);
	shim_answer(r, &resp);
}

static struct req *shim_req_alloc(const struct msg *m)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++) {
		struct req *r = &sh.reqs[i];

		if (r->used)
			continue;
		memset(r, 0, sizeof(*r));
		r->used = true;
		r->m = *m;
		r->deadline = sh.now + CONFIG_REQUEST_WAIT_MS * 1000ull;
		return r;
	}
	return NULL;
}

/* An error answer that needs no slot (refusals before any work). */
static void shim_refuse(const struct msg *m, uint8_t err)
{
	struct msg resp;

	msg_init_response(&resp, m, err);
	if (!sh.up || !shim_write(&resp))
		evlog_join(PROTO_LOG_WARN, "no room to refuse a request: ", proto_type_name(m->type));
}

static void shim_request(const struct msg *m)
{
	struct req *r = shim_req_alloc(m);

	if (!r) {
		shim_refuse(m, PROTO_EAGAIN);
		return;
	}
	switch (m->type) {
	case PROTO_DEVICE_INFO:
		shim_answer_info(r);
		return;
	case PROTO_RESET:
		if (m->u.reset.what == PROTO_RESET_BOARD) {
			shim_answer_err(r, PROTO_OK);
			sh.reboot_due = true;
			sh.reboot_at = sh.now + SHIM_REBOOT_WAIT_US;
		} else if (m->u.reset.what == PROTO_RESET_ESP) {
			r->owner = REQ_ESP;
			r->started = true;
			esp_restart(r);
		} else {
			shim_answer_err(r, PROTO_EINVAL);
		}
		return;
	case PROTO_WIFI_STATUS:
	case PROTO_WIFI_JOIN:
	case PROTO_WIFI_SCAN:
	case PROTO_WIFI_LEAVE:
	case PROTO_RESOLVE:
	case PROTO_PING:
		wifi_request(r);
		return;
	case PROTO_CONNECT:
	case PROTO_UDP_BIND:
		sock_connect(r);
		return;
	case PROTO_LISTEN:
		sock_listen(r);
		return;
	case PROTO_CLOSE:
		sock_close(r);
		return;
	case PROTO_SETSOCKOPT:
		sock_setsockopt(r);
		return;
	default:
		/* HELLO, STATUS, SUBSCRIBE, ACCEPT belong between clients and the daemon. */
		shim_answer_err(r, PROTO_ENOTSUP);
		return;
	}
}

/* One whole message from the host. */
static void shim_message(const uint8_t *buf, size_t len)
{
	enum msg_status st;
	struct msg m;

	st = msg_decode(&m, buf, len);
	if (st == MSG_ETYPE) {
		if (PROTO_IS_REQUEST(m.type))
			shim_refuse(&m, PROTO_ENOTSUP);
		else
			sh.unknown++;
		return;
	}
	if (st != MSG_OK) {
		if (PROTO_IS_REQUEST(m.type)) {
			shim_refuse(&m, PROTO_EINVAL);
			return;
		}
		evlog_join(PROTO_LOG_ERROR, "undecodable message from the host: ", msg_status_str(st));
		sh.restart_due = true;
		return;
	}
	if (PROTO_IS_REQUEST(m.type)) {
		shim_request(&m);
		return;
	}
	switch (m.type) {
	case PROTO_DATA:
	case PROTO_DATAGRAM:
		sock_host_data(&m);
		break;
	case PROTO_CREDIT:
		sock_host_credit(&m);
		break;
	default:
		sh.unknown++;
		break;
	}
}

static void shim_deliver(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	while (len > 0 && !sh.restart_due) {
		enum msg_status st;
		const uint8_t *msg;
		size_t msglen = 0, used;

		used = msg_reader_feed(&sh.reader, data, len, &st, &msg, &msglen);
		data += used;
		len -= used;
		if (st == MSG_OK) {
			shim_message(msg, msglen);
		} else if (st == MSG_EOVERSIZE) {
			evlog_join(PROTO_LOG_ERROR, "oversized message from the host: restarting the link", "");
			sh.restart_due = true;
		}
	}
}

/* The session ended: whatever the host asked for is void. */
static void shim_session_over(void)
{
	sock_host_down();
	wifi_host_down();
	esp_host_down();
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++)
		shim_release(&sh.reqs[i]);
	msg_reader_reset(&sh.reader);
	memset(sh.dev_due, 0, sizeof(sh.dev_due));
}

static void shim_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	switch (ev->type) {
	case LINK_EV_UP:
		sh.up = true;
		msg_reader_reset(&sh.reader);
		wifi_host_up();
		break;
	case LINK_EV_DOWN:
		sh.up = false;
		shim_session_over();
		break;
	case LINK_EV_BAUD:
		if (!ev->u.baud.ok)
			evlog_num(PROTO_LOG_WARN, "host link stayed at ", ev->u.baud.baud, " baud");
		break;
	case LINK_EV_VERSION:
		evlog_num(PROTO_LOG_ERROR, "host speaks protocol version ", ev->u.version.major, "");
		break;
	}
}

static void shim_set_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	/* The switch happens in the main loop once the transmitter has drained. */
	sh.baud_due = true;
	sh.baud_to = baud;
}

static const struct link_ops shim_link_ops = {
	.deliver = shim_deliver,
	.event = shim_event,
	.set_baud = shim_set_baud,
};

void shim_init(void)
{
	struct link_config cfg;
	uint32_t seed;

	memset(&sh, 0, sizeof(sh));
	sh.now = sh.boot_us = port_now_us();
	seed = port_entropy();
	evlog_init();
	link_config_default(&cfg);
	cfg.boot_id = seed;
	cfg.max_baud = port_host_max_baud();
	cfg.max_payload = CONFIG_LINK_PAYLOAD;
	cfg.window = CONFIG_LINK_WINDOW;
	cfg.tx_buffer = CONFIG_LINK_TX_BUFFER;
	/* CONFIG_LINK_MEM covers link_mem_size() for these settings. */
	sh.link_ok = link_init(&sh.link, &cfg, &shim_link_ops, NULL, sh.linkmem, sizeof(sh.linkmem), sh.now);
	msg_reader_reset(&sh.reader);
	wifi_init();
	sock_init(seed * 2654435761u);
	esp_init(sh.now);
}

static void shim_expire_requests(void)
{
	for (unsigned i = 0; i < CONFIG_REQUESTS; i++) {
		struct req *r = &sh.reqs[i];

		if (!r->used || r->answered || r->started || sh.now < r->deadline)
			continue;
		if (r->owner == REQ_SOCK)
			sock_cancel(r);
		else if (r->owner == REQ_WIFI)
			wifi_cancel(r);
		shim_answer_err(r, PROTO_EAGAIN);
	}
}

static void shim_read_host(void)
{
	uint8_t buf[CONFIG_HOST_CHUNK];

	for (unsigned round = 0; round < SHIM_INPUT_ROUNDS; round++) {
		size_t n = port_host_read(buf, sizeof(buf));

		if (n == 0)
			return;
		link_input(&sh.link, sh.now, buf, n);
	}
}

/* Bytes allowed to queue in the host UART: about 4 ms of line, at least 256. */
static size_t shim_tx_queue_max(void)
{
	size_t n = link_baud(&sh.link) / 2500u;

	return n < 256 ? 256 : n;
}

/* Move link output to the host UART; false while bytes or a rate change wait for the transmitter. */
static bool shim_write_host(void)
{
	for (unsigned round = 0; round < SHIM_INPUT_ROUNDS; round++) {
		size_t room;

		if (sh.baud_due) {
			if (!port_host_tx_idle())
				return false;
			port_host_set_baud(sh.baud_to);
			sh.baud_due = false;
		}
		if (sh.stage_off < sh.stage_len) {
			sh.stage_off += port_host_write(sh.stage + sh.stage_off, sh.stage_len - sh.stage_off);
			if (sh.stage_off < sh.stage_len)
				return false;
		}
		room = port_host_tx_room();
		if (room > sh.tx_cap)
			sh.tx_cap = room;
		/*
		 * Frames wait inside the link until the UART has nearly caught up: a
		 * frame handed out starts its retransmission clock, and time queued
		 * in the transmit ring would read as a slow round trip.
		 */
		if (room == 0 || sh.tx_cap - room > shim_tx_queue_max()) {
			/* No bytes now, but the link's timers still run. */
			link_output(&sh.link, sh.now, sh.stage, 0);
			return !link_pending(&sh.link);
		}
		if (room > sizeof(sh.stage))
			room = sizeof(sh.stage);
		/* Bytes produced after a set_baud callback belong to the new rate: staged until it is set. */
		sh.stage_len = link_output(&sh.link, sh.now, sh.stage, room);
		sh.stage_off = 0;
		if (sh.stage_len == 0 && !sh.baud_due)
			return true;
	}
	return false;
}

uint64_t shim_poll(uint64_t now)
{
	uint64_t next, t;

	sh.now = now;
	if (!sh.link_ok)
		return now + 1000000ull;
	if (sh.reboot_due && (link_drained(&sh.link) || now >= sh.reboot_at)) {
		port_reboot();
		return now;
	}
	shim_read_host();
	if (sh.restart_due) {
		sh.restart_due = false;
		link_restart(&sh.link, now);
	}
	shim_expire_requests();
	next = esp_poll(now);
	/* Events and data first, then answers: the order in which things happened. */
	sock_flush();
	wifi_flush();
	shim_flush_answers();
	/* Data held back while answers waited may go now. */
	sock_flush();
	shim_flush_device();
	evlog_flush(now);
	if (!shim_write_host())
		t = now + SHIM_TX_RETRY_US;
	else
		t = link_deadline(&sh.link);
	if (t < next)
		next = t;
	if (sh.reboot_due && next > now + SHIM_TX_RETRY_US * 10)
		next = now + SHIM_TX_RETRY_US * 10;
	return next;
}
