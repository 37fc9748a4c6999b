#include <string.h>

#include "board_device.h"
#include "board_link.h"
#include "board_req.h"
#include "board_session.h"
#include "board_sock.h"
#include "daemon.h"
#include "events.h"
#include "log.h"

static struct board_device_info D;

const struct board_device_info *board_device_info(void)
{
	return &D;
}

static void board_device_info_done(void *ctx, const struct msg *resp)
{
	const uint8_t *mac;

	(void)ctx;
	if (resp->err != PROTO_OK) {
		log_warnx("board: DEVICE_INFO failed: %s", proto_err_str(resp->err));
		return;
	}
	D.info = *resp;
	D.have_info = true;
	mac = resp->u.info.mac;
	log_info("board: %s, %s, %s, AT %s, SDK %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, %u links",
		 resp->u.info.board, resp->u.info.firmware, board_link_path(),
		 resp->u.info.at_version, resp->u.info.sdk_version, mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5], resp->u.info.links_total);
	board_sock_set_links(resp->u.info.links_total);
	events_state_changed();
}

static void board_device_fetch_info(void)
{
	struct msg m;

	msg_init(&m, PROTO_DEVICE_INFO);
	if (!board_req_submit(&m, daemon_state.cfg->limits.request_timeout_ms, 0,
			      board_device_info_done, NULL))
		log_warnx("board: cannot queue DEVICE_INFO: the board's facts stay unknown");
}

static void board_device_take_device(const struct msg *m)
{
	switch (m->u.device.what) {
	case PROTO_DEV_ESP_RESET:
		log_warnx("board: the ESP8285 restarted; its sockets are gone");
		break;
	case PROTO_DEV_BAUD:
		log_info("board: ESP UART at %u baud", m->u.device.value);
		if (D.have_info)
			D.info.u.info.esp_baud = m->u.device.value;
		break;
	case PROTO_DEV_ESP_READY:
		/* Versions and addresses are known only now. */
		board_device_fetch_info();
		break;
	case PROTO_DEV_ESP_WEDGED:
		D.esp_wedged++;
		log_warnx("board: the ESP8285 answered only \"busy\" for longer than any command takes; "
			  "the board reset it (%u times since it started), its sockets fail",
			  m->u.device.value);
		break;
	default:
		log_debug("board: device event %u (%u)", m->u.device.what, m->u.device.value);
		break;
	}
	events_message(m, PROTO_SUB_DEVICE);
}

static void board_device_take_log(const struct msg *m)
{
	switch (m->u.log.level) {
	case PROTO_LOG_ERROR:
	case PROTO_LOG_WARN:
		log_warnx("board: %s", m->u.log.text);
		break;
	case PROTO_LOG_INFO:
		log_info("board: %s", m->u.log.text);
		break;
	default:
		log_debug("board: %s", m->u.log.text);
		break;
	}
	events_message(m, PROTO_SUB_LOG);
}

static enum board_input board_device_input(const struct msg *m)
{
	if (m->type == PROTO_EV_DEVICE)
		board_device_take_device(m);
	else if (m->type == PROTO_EV_LOG)
		board_device_take_log(m);
	else
		return BOARD_INPUT_NOT_MINE;
	return BOARD_INPUT_TAKEN;
}

static void board_device_board_down(void)
{
	D.have_info = false;
}

static const struct board_user board_device_user = {
	.up = board_device_fetch_info,
	.down = board_device_board_down,
	.input = board_device_input,
};

void board_device_init(void)
{
	memset(&D, 0, sizeof(D));
	board_session_add_user(&board_device_user);
}
