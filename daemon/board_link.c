#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <unistd.h>

#include "board_sock_int.h"
#include "board_link.h"
#include "board_req.h"
#include "board_sock.h"
#include "client.h"
#include "daemon.h"
#include "link.h"
#include "log.h"
#include "notify.h"
#include "serial.h"
#include "report.h"
#include "watch.h"
#include "board_wifi.h"

#define BOARD_CTL_RESERVE 4096     /* link room kept for credits and requests */
#define BOARD_DATA_MIN 6144        /* client data queued in the link, at least */
#define BOARD_OUT_BUF 16384        /* bytes handed to one write() */
#define BOARD_IN_BUF 65536
#define BOARD_BAUD_DRAIN_US 1000000
#define BOARD_QUEUE_MS 4           /* line time queued in the tty beyond one frame */

static struct {
	enum board_state state;
	struct serial ser;
	bool port_open;
	struct link link;
	void *linkmem;
	size_t tx_buffer;
	struct msg_reader reader;
	struct event *ev_read, *ev_write, *ev_deadline, *ev_flush, *ev_reconnect, *ev_drain;
	uint8_t out[BOARD_OUT_BUF];
	bool queue_full;              /* the tty holds all it may: wait for it to drain */
	size_t out_len, out_pos;
	uint32_t baud_pending;
	uint64_t baud_pending_since;
	bool restart_wanted;
	bool in_flush;
	bool version_logged;
	uint32_t backoff_ms;
	unsigned open_failures;
	struct board_info info;
	char path[4096];
	bool stopping;
} B;

static void board_flush(void);
static void board_schedule_reconnect(void);
static void board_try_open(void);

enum board_state board_state(void)
{
	return B.state;
}

bool board_attached(void)
{
	return B.state == BOARD_ATTACHED;
}

size_t board_writable(void)
{
	return B.port_open ? link_writable(&B.link) : 0;
}

/*
 * Client data may fill the link only so far: the link is one byte stream,
 * and a CREDIT or a request queued behind a long tail of data would wait
 * for all of it.  About 1/8 s of line time (at least 6 KB) keeps several
 * frames in flight, which is all the throughput needs.
 */
size_t board_data_room(void)
{
	size_t w = board_writable(), used, allowance;

	if (w <= BOARD_CTL_RESERVE)
		return 0;
	used = B.tx_buffer - w;
	allowance = link_baud(&B.link) / 80;
	if (allowance < BOARD_DATA_MIN)
		allowance = BOARD_DATA_MIN;
	if (used >= allowance)
		return 0;
	allowance -= used;
	return allowance < w - BOARD_CTL_RESERVE ? allowance : w - BOARD_CTL_RESERVE;
}

void board_write_raw(const uint8_t *buf, size_t len)
{
	link_write(&B.link, buf, len);
}

bool board_send(const struct msg *m, bool data)
{
	uint8_t buf[PROTO_MSG_MAX];
	size_t len = msg_encode(m, buf, sizeof(buf));

	if (!len || len > (data ? board_data_room() : board_writable()))
		return false;
	link_write(&B.link, buf, len);
	board_kick();
	return true;
}

bool board_send_data(uint16_t sock, struct evbuffer *src, size_t n)
{
	uint8_t hdr[5];
	struct evbuffer_iovec vec[8];
	size_t left = n;
	int nvec;

	if (n == 0 || n > PROTO_DATA_MAX || n + sizeof(hdr) > board_writable() ||
	    evbuffer_get_length(src) < n)
		return false;
	hdr[0] = PROTO_DATA;
	hdr[1] = (uint8_t)((n + 2) >> 8);
	hdr[2] = (uint8_t)(n + 2);
	hdr[3] = (uint8_t)(sock >> 8);
	hdr[4] = (uint8_t)sock;
	link_write(&B.link, hdr, sizeof(hdr));
	/* Straight from the client's buffer into the link: no copy of our own. */
	while (left) {
		nvec = evbuffer_peek(src, (ev_ssize_t)left, NULL, vec, 8);
		if (nvec > 8)
			nvec = 8;
		for (int i = 0; i < nvec && left; i++) {
			size_t take = vec[i].iov_len < left ? vec[i].iov_len : left;

			link_write(&B.link, vec[i].iov_base, take);
			left -= take;
		}
		evbuffer_drain(src, n - left);
		n = left;
	}
	board_kick();
	return true;
}

void board_kick(void)
{
	if (B.ev_flush && !B.in_flush)
		event_active(B.ev_flush, EV_TIMEOUT, 0);
}

bool board_idle(void)
{
	return breq_idle() && !bflow_pending() &&
	       (!B.port_open || (link_drained(&B.link) && !link_pending(&B.link)));
}

const struct board_info *board_info(void)
{
	B.info.state = B.state;
	B.info.path = B.port_open ? B.ser.path : daemon_state.cfg->device.path;
	B.info.session = B.port_open ? link_session(&B.link) : 0;
	return &B.info;
}

void board_link_stats(struct link_stats *st)
{
	link_get_stats(&B.link, st);
}

uint32_t board_baud(void)
{
	return B.port_open ? link_baud(&B.link) : 0;
}

void board_info_count_bad(void)
{
	B.info.bad_messages++;
}

void board_info_count_ignored(void)
{
	B.info.ignored_messages++;
}

static void board_broadcast_device(uint8_t what, uint32_t value)
{
	struct msg m;

	msg_init(&m, PROTO_EV_DEVICE);
	m.u.device.what = what;
	m.u.device.value = value;
	client_broadcast(&m, PROTO_SUB_DEVICE);
}

/* ---- requests of the daemon's own ---- */

static void board_info_done(void *ctx, const struct msg *resp)
{
	const uint8_t *mac;

	(void)ctx;
	if (resp->err != PROTO_OK) {
		log_warnx("board: DEVICE_INFO failed: %s", proto_err_str(resp->err));
		return;
	}
	B.info.info = *resp;
	B.info.have_info = true;
	mac = resp->u.info.mac;
	log_info("board: %s, %s, %s, AT %s, SDK %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, %u links",
		 resp->u.info.board, resp->u.info.firmware, B.ser.path, resp->u.info.at_version,
		 resp->u.info.sdk_version, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		 resp->u.info.links_total);
	bsock_board_up(resp->u.info.links_total);
	notify_status();
}

static void board_fetch_info(void)
{
	struct msg m;

	msg_init(&m, PROTO_DEVICE_INFO);
	if (!breq_submit(&m, daemon_state.cfg->limits.request_timeout_ms, 0, board_info_done, NULL))
		log_warnx("board: cannot queue DEVICE_INFO: the board's facts stay unknown");
}

/* ---- link callbacks ---- */

static void board_take_device(const struct msg *m)
{
	switch (m->u.device.what) {
	case PROTO_DEV_ESP_RESET:
		log_warnx("board: the ESP8285 restarted; its sockets are gone");
		wifi_esp_reset();
		break;
	case PROTO_DEV_BAUD:
		log_info("board: ESP UART at %u baud", m->u.device.value);
		if (B.info.have_info)
			B.info.info.u.info.esp_baud = m->u.device.value;
		break;
	case PROTO_DEV_ESP_READY:
		/* Versions and addresses are known only now. */
		board_fetch_info();
		break;
	case PROTO_DEV_ESP_WEDGED:
		B.info.esp_wedged++;
		log_warnx("board: the ESP8285 answered only \"busy\" for longer than any command takes; "
			  "the board reset it (%u times since it started), its sockets fail", m->u.device.value);
		break;
	default:
		log_debug("board: device event %u (%u)", m->u.device.what, m->u.device.value);
		break;
	}
	client_broadcast(m, PROTO_SUB_DEVICE);
}

static void board_take_log(const struct msg *m)
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
	client_broadcast(m, PROTO_SUB_LOG);
}

/* Answer a request the board should never send. */
static void board_refuse_request(const struct msg *m)
{
	struct msg resp;

	msg_init_response(&resp, m, PROTO_ENOTSUP);
	if (!board_send(&resp, false))
		B.info.ignored_messages++;
}

static void board_dispatch(const uint8_t *buf, size_t len)
{
	struct msg m;
	enum msg_status st = msg_decode(&m, buf, len);

	if (st == MSG_ETYPE) {
		if (PROTO_IS_REQUEST(m.type)) {
			board_refuse_request(&m);
		} else {
			log_debug("board: ignoring message type 0x%02x", m.type);
			B.info.ignored_messages++;
		}
		return;
	}
	if (st != MSG_OK) {
		log_warnx("board sent a bad %s message (%s): restarting the link",
			  proto_type_name(m.type), msg_status_str(st));
		B.info.bad_messages++;
		B.restart_wanted = true;
		return;
	}
	if (PROTO_IS_RESPONSE(m.type)) {
		if (!breq_response(&m))
			B.restart_wanted = true;
		return;
	}
	if (PROTO_IS_REQUEST(m.type)) {
		board_refuse_request(&m);
		return;
	}
	switch (m.type) {
	case PROTO_DATA:
	case PROTO_DATAGRAM:
	case PROTO_CREDIT:
	case PROTO_EV_CLOSED:
	case PROTO_EV_ACCEPTED:
		bsock_input(&m);
		break;
	case PROTO_EV_WIFI:
		wifi_event(&m);
		break;
	case PROTO_EV_DEVICE:
		board_take_device(&m);
		break;
	case PROTO_EV_LOG:
		board_take_log(&m);
		break;
	default:
		B.info.ignored_messages++;
		break;
	}
}

static void board_deliver(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	while (len && !B.restart_wanted) {
		enum msg_status st;
		const uint8_t *msg;
		size_t msglen = 0;
		size_t used = msg_reader_feed(&B.reader, data, len, &st, &msg, &msglen);

		data += used;
		len -= used;
		if (st == MSG_OK) {
			board_dispatch(msg, msglen);
		} else if (st == MSG_EOVERSIZE) {
			log_warnx("board sent an oversized message: restarting the link");
			B.info.bad_messages++;
			B.restart_wanted = true;
		}
	}
}

static void board_up(const struct link_event *ev)
{
	const struct config *cfg = daemon_state.cfg;
	uint32_t want = cfg->device.baud;

	B.state = BOARD_ATTACHED;
	B.info.attached_us = daemon_now_us();
	B.backoff_ms = 0;
	msg_reader_reset(&B.reader);
	log_info("board attached on %s (session %08x, payload %u, window %u)%s", B.ser.path,
		 link_session(&B.link), ev->u.up.payload, ev->u.up.window,
		 ev->u.up.peer_rebooted ? ": the board restarted" : "");
	if (ev->u.up.peer_rebooted) {
		B.info.board_resets++;
		board_broadcast_device(PROTO_DEV_BOARD_RESET, 0);
	}
	if (want > ev->u.up.peer_max_baud)
		want = ev->u.up.peer_max_baud;
	if (want > LINK_BASE_BAUD && !link_request_baud(&B.link, want))
		log_warnx("board: cannot ask for %u baud", want);
	breq_board_up();
	board_fetch_info();
	wifi_board_up();
	bsock_board_up(5);
	board_broadcast_device(PROTO_DEV_ATTACHED, link_baud(&B.link));
	notify_status();
}

static void board_down(const struct link_event *ev)
{
	static const char *const why[] = {
		[LINK_DOWN_TIMEOUT] = "no answer",
		[LINK_DOWN_PEER_RESET] = "the board started a new session",
		[LINK_DOWN_PEER_CLOSED] = "the board closed the link",
		[LINK_DOWN_LOCAL] = "link restarted",
	};
	unsigned reason = ev->u.down.reason;

	B.state = B.port_open ? BOARD_CONNECTING : BOARD_ABSENT;
	B.info.link_restarts++;
	B.info.have_info = false;
	wifi_board_down();
	log_info("board detached from the link: %s",
		 reason < sizeof(why) / sizeof(why[0]) && why[reason] ? why[reason] : "unknown");
	breq_fail_session();
	bsock_fail_all(PROTO_ECONNRESET);
	msg_reader_reset(&B.reader);
	board_broadcast_device(PROTO_DEV_DETACHED, 0);
	notify_status();
}

static void board_link_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	switch (ev->type) {
	case LINK_EV_UP:
		board_up(ev);
		break;
	case LINK_EV_DOWN:
		board_down(ev);
		break;
	case LINK_EV_BAUD:
		if (ev->u.baud.ok)
			log_info("link at %u baud", ev->u.baud.baud);
		else
			log_warnx("link: the faster rate failed; staying at %u baud", ev->u.baud.baud);
		if (B.info.have_info)
			B.info.info.u.info.usb_baud = ev->u.baud.baud;
		board_broadcast_device(PROTO_DEV_BAUD, ev->u.baud.baud);
		notify_status();
		break;
	case LINK_EV_VERSION:
		/* Every HELLO of the peer says it again: once per port is enough. */
		if (B.version_logged)
			break;
		B.version_logged = true;
		log_error("board speaks protocol version %u.%u, this daemon %u.%u: update one of them",
			  ev->u.version.major, ev->u.version.minor, PROTO_VERSION_MAJOR,
			  PROTO_VERSION_MINOR);
		break;
	}
}

static void board_set_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	if (!B.port_open)
		return;
	B.baud_pending = baud;
	B.baud_pending_since = daemon_now_us();
}

static const struct link_ops board_link_ops = {
	.deliver = board_deliver,
	.event = board_link_event,
	.set_baud = board_set_baud,
};

/* ---- the port ---- */

static void board_close_port(const char *why)
{
	if (!B.port_open)
		return;
	/* Fail everything now: waiting for the link to time out helps nobody. */
	link_restart(&B.link, daemon_now_us());
	B.port_open = false;
	event_del(B.ev_read);
	event_del(B.ev_write);
	event_del(B.ev_deadline);
	event_del(B.ev_drain);
	serial_close(&B.ser);
	B.out_len = B.out_pos = 0;
	B.baud_pending = 0;
	B.state = BOARD_ABSENT;
	log_info("board detached: %s: %s", B.path, why);
	notify_status();
	if (!B.stopping)
		board_schedule_reconnect();
}

/* Switch the line rate once the kernel has sent everything before it. */
static bool board_apply_baud(void)
{
	uint64_t now = daemon_now_us();
	size_t queued = serial_outq(&B.ser);

	if (queued && now - B.baud_pending_since < BOARD_BAUD_DRAIN_US) {
		struct timeval tv = { 0, 1000 };

		evtimer_add(B.ev_drain, &tv);
		return false;
	}
	if (queued) {
		/* A line that does not drain would hold the daemon in tcdrain; bytes
		 * that straddle the switch are garbage anyway, and the link resends. */
		log_warnx("line: %zu bytes still queued after %u ms: dropped before the rate change",
			  queued, BOARD_BAUD_DRAIN_US / 1000);
		serial_discard(&B.ser);
	}
	serial_drain(&B.ser);
	serial_set_baud(&B.ser, B.baud_pending);
	log_debug("line switched to %u baud", B.baud_pending);
	B.baud_pending = 0;
	return true;
}

/*
 * Frames wait in the link rather than in the kernel: only there can an
 * acknowledgement or a retransmission still overtake them, and only there
 * does the retransmission clock start when they really leave.  So the tty
 * holds at most one frame and a few milliseconds of line time; returns
 * how much more it may take now, arming a timer for when it has drained.
 */
static size_t board_queue_room(void)
{
	uint32_t baud = link_baud(&B.link);
	size_t limit = FRAME_ENCODED_MAX(LINK_HDR_LEN + LINK_SACK_LEN + LINK_PAYLOAD_MAX) +
		       (size_t)baud / 10 * BOARD_QUEUE_MS / 1000;
	size_t queued = serial_outq(&B.ser);
	uint64_t wait_us;
	struct timeval tv;

	B.queue_full = queued >= limit;
	if (!B.queue_full)
		return limit - queued;
	/* Come back when half of the limit is left. */
	wait_us = (queued - limit / 2) * 10 * 1000000ull / baud;
	if (wait_us < 1000)
		wait_us = 1000;
	tv.tv_sec = (time_t)(wait_us / 1000000);
	tv.tv_usec = (suseconds_t)(wait_us % 1000000);
	evtimer_add(B.ev_drain, &tv);
	return 0;
}

static void board_write_out(void)
{
	for (;;) {
		size_t room;

		if (B.baud_pending && !board_apply_baud())
			return;
		if (B.out_pos < B.out_len) {
			ssize_t n = write(B.ser.fd, B.out + B.out_pos, B.out_len - B.out_pos);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				event_add(B.ev_write, NULL);
				return;
			}
			if (n < 0) {
				board_close_port(strerror(errno));
				return;
			}
			B.out_pos += (size_t)n;
			if (B.out_pos < B.out_len) {
				event_add(B.ev_write, NULL);
				return;
			}
			continue;
		}
		B.out_pos = 0;
		B.out_len = 0;
		if (!link_pending(&B.link)) {
			/* Timers only. */
			link_output(&B.link, daemon_now_us(), B.out, 0);
			if (!link_pending(&B.link))
				return;
		}
		room = board_queue_room();
		if (room == 0)
			return;
		B.out_len = link_output(&B.link, daemon_now_us(), B.out,
					room < sizeof(B.out) ? room : sizeof(B.out));
		if (!B.out_len)
			return;
	}
}

static void board_arm_deadline(void)
{
	uint64_t now = daemon_now_us(), dl = link_deadline(&B.link);
	struct timeval tv = { 0, 0 };

	/* A timer that is due waits for the frame it wants to send: the tty is
	 * full, and the drain timer comes back when it has room. */
	if (dl <= now && B.queue_full)
		return;

	if (dl > now) {
		uint64_t d = dl - now;

		tv.tv_sec = (time_t)(d / 1000000);
		tv.tv_usec = (suseconds_t)(d % 1000000);
	}
	evtimer_add(B.ev_deadline, &tv);
}

static void board_flush(void)
{
	if (!B.port_open || B.in_flush)
		return;
	B.in_flush = true;
	if (B.restart_wanted) {
		B.restart_wanted = false;
		link_restart(&B.link, daemon_now_us());
	}
	bflow_flush_control();
	bsock_dispatch();
	breq_send_queued();
	bflow_flush_data();
	if (B.port_open)
		board_write_out();
	B.in_flush = false;
	if (B.port_open)
		board_arm_deadline();
}

/* The port can take more, a link timer is due, the tty has drained, or
 * something new waits to go out: all of it is a flush. */
static void board_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	board_flush();
}

static void board_read_cb(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t buf[BOARD_IN_BUF];
	ssize_t n;

	(void)what;
	(void)arg;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		board_close_port(n == 0 ? "end of file" : strerror(errno));
		return;
	}
	link_input(&B.link, daemon_now_us(), buf, (size_t)n);
	board_flush();
}

static bool board_open_port(void)
{
	const struct config *cfg = daemon_state.cfg;
	char err[300];

	if (!serial_open(&B.ser, cfg->device.path, err, sizeof(err))) {
		if (B.open_failures++ == 0)
			log_info("board absent: %s", err);
		else
			log_debug("board absent: %s", err);
		return false;
	}
	B.open_failures = 0;
	B.version_logged = false;
	snprintf(B.path, sizeof(B.path), "%s", B.ser.path);
	B.port_open = true;
	B.state = BOARD_CONNECTING;
	event_assign(B.ev_read, daemon_state.base, B.ser.fd, EV_READ | EV_PERSIST, board_read_cb,
		     NULL);
	event_assign(B.ev_write, daemon_state.base, B.ser.fd, EV_WRITE, board_flush_cb, NULL);
	event_add(B.ev_read, NULL);
	link_restart(&B.link, daemon_now_us());
	msg_reader_reset(&B.reader);
	log_info("board port %s open%s, waiting for the link", B.ser.path,
		 B.ser.is_pty ? " (pseudo-terminal)" : "");
	notify_status();
	board_kick();
	return true;
}

static void board_try_open(void)
{
	if (B.port_open || B.stopping)
		return;
	if (!board_open_port())
		board_schedule_reconnect();
}

static void board_reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	board_try_open();
}

static void board_schedule_reconnect(void)
{
	const struct config *cfg = daemon_state.cfg;
	struct timeval tv;

	if (!B.backoff_ms)
		B.backoff_ms = cfg->device.reconnect_min_ms;
	else if (B.backoff_ms < cfg->device.reconnect_max_ms)
		B.backoff_ms = B.backoff_ms * 2 > cfg->device.reconnect_max_ms
				       ? cfg->device.reconnect_max_ms
				       : B.backoff_ms * 2;
	tv = daemon_tv(B.backoff_ms);
	evtimer_add(B.ev_reconnect, &tv);
}

/* The port's node (re)appeared: a replugged board may be back. */
static void board_appeared(void)
{
	if (B.port_open || B.stopping)
		return;
	B.backoff_ms = 0;
	evtimer_del(B.ev_reconnect);
	/* udev may still be setting the node up: a failure backs off as usual. */
	board_try_open();
}

void board_init(void)
{
	const struct config *cfg = daemon_state.cfg;
	struct link_config lc;
	size_t memlen;
	uint32_t window = 1;

	memset(&B, 0, sizeof(B));
	link_config_default(&lc);
	if (getrandom(&lc.boot_id, sizeof(lc.boot_id), 0) != sizeof(lc.boot_id))
		lc.boot_id = (uint32_t)daemon_now_us() ^ (uint32_t)getpid();
	lc.max_baud = cfg->device.baud;
	lc.max_payload = (uint16_t)cfg->device.link_payload;
	if (lc.min_payload > lc.max_payload)
		lc.min_payload = lc.max_payload;
	/* The link wants a power of two: take the largest not above the setting. */
	while (window * 2 <= cfg->device.link_window)
		window *= 2;
	lc.window = (uint8_t)window;
	lc.tx_buffer = 16384;
	while (lc.tx_buffer < 2u * window * lc.max_payload)
		lc.tx_buffer *= 2;
	B.tx_buffer = lc.tx_buffer;
	memlen = link_mem_size(&lc);
	B.linkmem = malloc(memlen);
	if (!B.linkmem || !link_init(&B.link, &lc, &board_link_ops, NULL, B.linkmem, memlen,
				     daemon_now_us()))
		fatalx("cannot set up the link (window %u, payload %u)", window, lc.max_payload);
	msg_reader_reset(&B.reader);
	B.ev_read = event_new(daemon_state.base, -1, 0, board_read_cb, NULL);
	B.ev_write = event_new(daemon_state.base, -1, 0, board_flush_cb, NULL);
	B.ev_deadline = evtimer_new(daemon_state.base, board_flush_cb, NULL);
	B.ev_flush = event_new(daemon_state.base, -1, 0, board_flush_cb, NULL);
	B.ev_reconnect = evtimer_new(daemon_state.base, board_reconnect_cb, NULL);
	B.ev_drain = evtimer_new(daemon_state.base, board_flush_cb, NULL);
	if (!B.ev_read || !B.ev_write || !B.ev_deadline || !B.ev_flush || !B.ev_reconnect ||
	    !B.ev_drain)
		fatalx("out of memory");
	B.state = BOARD_ABSENT;
}

void board_start(void)
{
	watch_start(daemon_state.cfg->device.path, board_appeared);
	board_try_open();
}

void board_stop(void)
{
	uint64_t until = daemon_now_us() + 200000;

	B.stopping = true;
	breq_stop();
	evtimer_del(B.ev_reconnect);
	if (B.port_open) {
		/* Say goodbye: the board then drops everything it held for us. */
		link_close(&B.link, daemon_now_us());
		board_write_out();
		while (B.port_open && B.out_pos < B.out_len && daemon_now_us() < until) {
			usleep(1000);
			board_write_out();
		}
		board_close_port("stopping");
	}
	watch_stop();
}
