#include <string.h>

#include "boot.h"
#include "config.h"
#include "esp.h"
#include "evlog.h"
#include "host.h"
#include "msg.h"
#include "port.h"
#include "proto.h"
#include "req.h"
#include "shim.h"
#include "sock.h"
#include "wifi.h"

/* A board reset waits this long at most for the host to acknowledge the answer. */
#define SHIM_REBOOT_WAIT_US 1000000ull
/* Wake-up interval while bytes wait for room in the host UART. */
#define SHIM_TX_RETRY_US 1000ull

static struct {
	bool link_ok;
	uint64_t now, boot_us;
	bool reboot_due;
	uint64_t reboot_at;
} sh;

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
	resp.u.info.usb_baud = host_baud();
	resp.u.info.esp_baud = esp_baud();
	resp.u.info.uptime_s = (uint32_t)((sh.now - sh.boot_us) / 1000000u);
	req_answer(r, &resp);
}

static void shim_request(const struct msg *m)
{
	struct req *r = req_alloc(m, sh.now);

	if (!r) {
		host_refuse(m, PROTO_EAGAIN);
		return;
	}
	switch (m->type) {
	case PROTO_DEVICE_INFO:
		shim_answer_info(r);
		return;
	case PROTO_RESET:
		if (m->u.reset.what == PROTO_RESET_BOARD) {
			req_answer_err(r, PROTO_OK);
			sh.reboot_due = true;
			sh.reboot_at = sh.now + SHIM_REBOOT_WAIT_US;
		} else if (m->u.reset.what == PROTO_RESET_ESP) {
			r->owner = REQ_ESP;
			r->started = true;
			esp_restart(r);
		} else {
			req_answer_err(r, PROTO_EINVAL);
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
		sock_host_connect(r);
		return;
	case PROTO_LISTEN:
		sock_host_listen(r);
		return;
	case PROTO_CLOSE:
		sock_host_close(r);
		return;
	case PROTO_SETSOCKOPT:
		sock_host_setsockopt(r);
		return;
	default:
		/* HELLO, STATUS, SUBSCRIBE, ACCEPT belong between clients and the daemon. */
		req_answer_err(r, PROTO_ENOTSUP);
		return;
	}
}

/* One message from the host: requests to their subsystem, socket data to the sockets. */
static void shim_message(const struct msg *m)
{
	if (PROTO_IS_REQUEST(m->type)) {
		shim_request(m);
		return;
	}
	switch (m->type) {
	case PROTO_DATA:
	case PROTO_DATAGRAM:
		sock_host_data(m);
		break;
	case PROTO_CREDIT:
		sock_host_credit(m);
		break;
	default:
		/* Other messages of known types mean nothing here. */
		break;
	}
}

static void shim_session_up(void)
{
	wifi_host_up();
}

static void shim_session_down(void)
{
	sock_host_down();
	wifi_host_down();
	esp_host_down();
	req_release_all();
}

static const struct host_ops shim_host_ops = {
	.message = shim_message,
	.up = shim_session_up,
	.down = shim_session_down,
};

/* A request's deadline passed before its work began: its owner forgets it. */
static void shim_cancel(struct req *r)
{
	if (r->owner == REQ_SOCK)
		sock_host_cancel(r);
	else if (r->owner == REQ_WIFI)
		wifi_cancel(r);
}

void shim_init(void)
{
	uint32_t seed;

	memset(&sh, 0, sizeof(sh));
	sh.now = sh.boot_us = port_now_us();
	seed = port_entropy();
	evlog_init();
	sh.link_ok = host_init(&shim_host_ops, seed, sh.now);
	req_init();
	esp_init(sh.now);
	boot_init();
	wifi_init();
	sock_init(seed * 2654435761u);
	sock_host_init();
	sock_esp_init();
}

uint64_t shim_poll(uint64_t now)
{
	uint64_t next, t;

	sh.now = now;
	if (!sh.link_ok)
		return now + 1000000ull;
	if (sh.reboot_due && (host_drained() || now >= sh.reboot_at)) {
		port_reboot();
		return now;
	}
	host_read(now);
	req_expire(now, shim_cancel);
	next = esp_poll(now);
	sock_host_share_frames(now);
	/* Events and data first, then answers: the order in which things happened. */
	sock_host_flush();
	wifi_flush();
	req_flush();
	/* Data held back while answers waited may go now. */
	sock_host_flush();
	host_flush_device(sock_closes_pending());
	evlog_flush(now, host_write);
	if (!host_write_out(now))
		t = now + SHIM_TX_RETRY_US;
	else
		t = host_deadline();
	if (t < next)
		next = t;
	if (sh.reboot_due && next > now + SHIM_TX_RETRY_US * 10)
		next = now + SHIM_TX_RETRY_US * 10;
	return next;
}
