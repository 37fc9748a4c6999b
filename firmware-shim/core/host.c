#include <string.h>

#include "config.h"
#include "evlog.h"
#include "host.h"
#include "link.h"
#include "msg.h"
#include "port.h"
#include "proto.h"

/* Rounds of UART reads or writes per turn of the main loop. */
#define HOST_IO_ROUNDS 16

/* Device events waiting for room in the link, one slot each, sent in this order. */
enum host_dev_slot { DEV_ESP_WEDGED, DEV_ESP_RESET, DEV_BAUD, DEV_ESP_READY, DEV_SLOTS };
static const uint8_t host_dev_what[DEV_SLOTS] = {
	PROTO_DEV_ESP_WEDGED, PROTO_DEV_ESP_RESET, PROTO_DEV_BAUD, PROTO_DEV_ESP_READY,
};

static struct {
	const struct host_ops *ops;
	struct link link;
	uint8_t linkmem[CONFIG_LINK_MEM];
	struct msg_reader reader;
	uint8_t out[PROTO_MSG_MAX];
	bool up;
	bool restart_due;
	bool baud_due;
	uint32_t baud_to;
	uint8_t stage[CONFIG_HOST_CHUNK];
	size_t stage_len, stage_off;
	size_t tx_cap;               /* the host UART's transmit ring, as its largest room */
	bool dev_due[DEV_SLOTS];
	uint32_t dev_value[DEV_SLOTS];
} ho;

void host_link_stats(struct link_stats *st)
{
	link_get_stats(&ho.link, st);
}

bool host_up(void)
{
	return ho.up;
}

uint32_t host_baud(void)
{
	return ho.up ? link_baud(&ho.link) : 0;
}

bool host_write(const struct msg *m)
{
	size_t len = msg_encoded_len(m);

	if (len == 0) {
		evlog_join(PROTO_LOG_ERROR, "message not encodable: ", proto_type_name(m->type));
		return true;
	}
	if (!ho.up || link_writable(&ho.link) < len)
		return false;
	msg_encode(m, ho.out, sizeof(ho.out));
	link_write(&ho.link, ho.out, len);
	return true;
}

/* Once the link has delivered what it held, a whole DATA fits: the sockets'
 * pump, which sends a socket's waiting bytes in one message, never stalls. */
_Static_assert(LINK_DATA_ROOM_MIN >= PROTO_DATA_HDR + PROTO_DATA_MAX, "a whole DATA fits the data room");

size_t host_data_room(void)
{
	return ho.up ? link_data_room(&ho.link) : 0;
}

void host_cap_payload(uint16_t cap)
{
	link_cap_payload(&ho.link, cap);
}

void host_refuse(const struct msg *m, uint8_t err)
{
	struct msg resp;

	msg_init_response(&resp, m, err);
	if (!ho.up || !host_write(&resp))
		evlog_join(PROTO_LOG_WARN, "no room to refuse a request: ", proto_type_name(m->type));
}

void host_device_event(uint8_t what, uint32_t value)
{
	if (!ho.up)
		return;
	for (unsigned slot = 0; slot < DEV_SLOTS; slot++) {
		if (host_dev_what[slot] == what) {
			ho.dev_due[slot] = true;
			ho.dev_value[slot] = value;
		}
	}
}

void host_flush_device(bool closes_pending)
{
	for (unsigned i = 0; i < DEV_SLOTS; i++) {
		struct msg m;

		if (!ho.dev_due[i])
			continue;
		if ((i == DEV_ESP_RESET || i == DEV_ESP_WEDGED) && closes_pending)
			continue;
		/* A module is not ready before the host heard that it went away. */
		if (i == DEV_ESP_READY && ho.dev_due[DEV_ESP_RESET])
			continue;
		msg_init(&m, PROTO_EV_DEVICE);
		m.u.device.what = host_dev_what[i];
		m.u.device.value = ho.dev_value[i];
		if (!host_write(&m))
			return;
		ho.dev_due[i] = false;
	}
}

/* One whole message from the host: decoded for the user, or refused here. */
static void host_message(const uint8_t *buf, size_t len)
{
	enum msg_status st;
	struct msg m;

	st = msg_decode(&m, buf, len);
	if (st == MSG_ETYPE) {
		/* Other messages of unknown types are ignored. */
		if (PROTO_IS_REQUEST(m.type))
			host_refuse(&m, PROTO_ENOTSUP);
		return;
	}
	if (st != MSG_OK) {
		if (PROTO_IS_REQUEST(m.type)) {
			host_refuse(&m, PROTO_EINVAL);
			return;
		}
		evlog_join(PROTO_LOG_ERROR, "undecodable message from the host: ", msg_status_str(st));
		ho.restart_due = true;
		return;
	}
	ho.ops->message(&m);
}

static void host_deliver(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	while (len > 0 && !ho.restart_due) {
		enum msg_status st;
		const uint8_t *msg;
		size_t msglen = 0, used;

		used = msg_reader_feed(&ho.reader, data, len, &st, &msg, &msglen);
		data += used;
		len -= used;
		if (st == MSG_OK) {
			host_message(msg, msglen);
		} else if (st == MSG_EOVERSIZE) {
			evlog_join(PROTO_LOG_ERROR, "oversized message from the host: restarting the link", "");
			ho.restart_due = true;
		}
	}
}

static void host_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	switch (ev->type) {
	case LINK_EV_UP:
		ho.up = true;
		msg_reader_reset(&ho.reader);
		ho.ops->up();
		break;
	case LINK_EV_DOWN:
		ho.up = false;
		ho.ops->down();
		msg_reader_reset(&ho.reader);
		memset(ho.dev_due, 0, sizeof(ho.dev_due));
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

static void host_set_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	/* The switch happens in the main loop once the transmitter has drained. */
	ho.baud_due = true;
	ho.baud_to = baud;
}

static const struct link_ops host_link_ops = {
	.deliver = host_deliver,
	.event = host_event,
	.set_baud = host_set_baud,
};

bool host_init(const struct host_ops *ops, uint32_t boot_id, uint64_t now)
{
	struct link_config cfg;

	memset(&ho, 0, sizeof(ho));
	ho.ops = ops;
	link_config_default(&cfg);
	cfg.boot_id = boot_id;
	cfg.max_baud = port_host_max_baud();
	cfg.max_payload = CONFIG_LINK_PAYLOAD;
	cfg.window = CONFIG_LINK_WINDOW;
	cfg.tx_buffer = CONFIG_LINK_TX_BUFFER;
	msg_reader_reset(&ho.reader);
	/* CONFIG_LINK_MEM covers link_mem_size() for these settings. */
	return link_init(&ho.link, &cfg, &host_link_ops, NULL, ho.linkmem, sizeof(ho.linkmem), now);
}

void host_read(uint64_t now)
{
	uint8_t buf[CONFIG_HOST_CHUNK];

	for (unsigned round = 0; round < HOST_IO_ROUNDS; round++) {
		size_t n = port_host_read(buf, sizeof(buf));

		if (n == 0)
			break;
		link_input(&ho.link, now, buf, n);
	}
	if (ho.restart_due) {
		ho.restart_due = false;
		link_restart(&ho.link, now);
	}
}

/* Bytes allowed to queue in the host UART: about 4 ms of line, at least 256. */
static size_t host_tx_queue_max(void)
{
	size_t n = link_baud(&ho.link) / 2500u;

	return n < 256 ? 256 : n;
}

bool host_write_out(uint64_t now)
{
	for (unsigned round = 0; round < HOST_IO_ROUNDS; round++) {
		size_t room;

		if (ho.baud_due) {
			if (!port_host_tx_idle())
				return false;
			port_host_set_baud(ho.baud_to);
			ho.baud_due = false;
		}
		if (ho.stage_off < ho.stage_len) {
			ho.stage_off += port_host_write(ho.stage + ho.stage_off, ho.stage_len - ho.stage_off);
			if (ho.stage_off < ho.stage_len)
				return false;
		}
		room = port_host_tx_room();
		if (room > ho.tx_cap)
			ho.tx_cap = room;
		/*
		 * Frames wait inside the link until the UART has nearly caught up: a
		 * frame handed out starts its retransmission clock, and time queued
		 * in the transmit ring would read as a slow round trip.
		 */
		if (room == 0 || ho.tx_cap - room > host_tx_queue_max()) {
			/* No bytes now, but the link's timers still run. */
			link_output(&ho.link, now, ho.stage, 0);
			return !link_pending(&ho.link);
		}
		if (room > sizeof(ho.stage))
			room = sizeof(ho.stage);
		/* Bytes produced after a set_baud callback belong to the new rate: staged until it is set. */
		ho.stage_len = link_output(&ho.link, now, ho.stage, room);
		ho.stage_off = 0;
		if (ho.stage_len == 0 && !ho.baud_due)
			return true;
	}
	return false;
}

uint64_t host_deadline(void)
{
	return link_deadline(&ho.link);
}

bool host_drained(void)
{
	return link_drained(&ho.link);
}
