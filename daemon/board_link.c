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

#include "board_link.h"
#include "daemon.h"
#include "events.h"
#include "link.h"
#include "log.h"
#include "monotime.h"
#include "serial.h"
#include "watch.h"

#define BOARD_OUT_BUF 16384        /* bytes handed to one write() */
#define BOARD_IN_BUF 65536
#define BOARD_BAUD_DRAIN_US 1000000
#define BOARD_QUEUE_MS 4           /* line time queued in the tty beyond one frame */

static struct {
	const struct board_link_ops *ops;
	struct serial ser;
	bool port_open;
	struct link link;
	void *linkmem;
	struct event *ev_read, *ev_write, *ev_deadline, *ev_flush, *ev_reconnect, *ev_drain;
	uint8_t out[BOARD_OUT_BUF];
	bool queue_full;              /* the tty holds all it may: wait for it to drain */
	size_t out_len, out_pos;
	uint32_t baud_pending;
	uint64_t baud_pending_since;
	bool in_flush;
	bool version_logged;
	uint32_t backoff_ms;
	unsigned open_failures;
	char path[4096];
	bool stopping;
} B;

static void board_link_flush(void);
static void board_link_schedule_reconnect(void);
static void board_link_try_open(void);

bool board_link_port_open(void)
{
	return B.port_open;
}

void board_link_restart(void)
{
	link_restart(&B.link, monotime_us());
}

size_t board_link_writable(void)
{
	return B.port_open ? link_writable(&B.link) : 0;
}

/*
 * Client data may fill the link only so far: the link is one byte stream,
 * and a CREDIT, a request or another client's few bytes written behind a
 * long tail of data would wait for all of it.  The link bounds it by line
 * time (link_data_room: what keeps the line busy until the next
 * acknowledgement) and keeps room for control messages; the rest waits in
 * the clients' buffers, where the sockets take turns.
 */
size_t board_link_data_room(void)
{
	return B.port_open ? link_data_room(&B.link) : 0;
}

void board_link_cap_payload(uint16_t cap)
{
	link_cap_payload(&B.link, cap);
}

void board_link_write(const void *buf, size_t len)
{
	link_write(&B.link, buf, len);
}

void board_link_kick(void)
{
	if (B.ev_flush && !B.in_flush)
		event_active(B.ev_flush, EV_TIMEOUT, 0);
}

bool board_link_idle(void)
{
	return !B.port_open || (link_drained(&B.link) && !link_pending(&B.link));
}

const char *board_link_path(void)
{
	return B.port_open ? B.ser.path : daemon_state.cfg->device.path;
}

uint32_t board_link_session(void)
{
	return B.port_open ? link_session(&B.link) : 0;
}

void board_link_stats(struct link_stats *st)
{
	link_get_stats(&B.link, st);
}

uint32_t board_link_baud(void)
{
	return B.port_open ? link_baud(&B.link) : 0;
}

/* ---- link callbacks ---- */

static void board_link_deliver(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	B.ops->deliver(data, len);
}

static void board_link_up_event(const struct link_event *ev)
{
	uint32_t want = daemon_state.cfg->device.baud;

	B.backoff_ms = 0;
	if (want > ev->u.up.peer_max_baud)
		want = ev->u.up.peer_max_baud;
	if (want > LINK_BASE_BAUD && !link_request_baud(&B.link, want))
		log_warnx("board: cannot ask for %u baud", want);
}

static void board_link_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	switch (ev->type) {
	case LINK_EV_UP:
		board_link_up_event(ev);
		B.ops->event(ev);
		break;
	case LINK_EV_DOWN:
		B.ops->event(ev);
		break;
	case LINK_EV_BAUD:
		if (ev->u.baud.ok)
			log_info("link at %u baud", ev->u.baud.baud);
		else
			log_warnx("link: the faster rate failed; staying at %u baud", ev->u.baud.baud);
		events_device(PROTO_DEV_BAUD, ev->u.baud.baud);
		events_state_changed();
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

static void board_link_set_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	if (!B.port_open)
		return;
	B.baud_pending = baud;
	B.baud_pending_since = monotime_us();
}

static const struct link_ops board_link_callbacks = {
	.deliver = board_link_deliver,
	.event = board_link_event,
	.set_baud = board_link_set_baud,
};

/* ---- the port ---- */

static void board_link_close_port(const char *why)
{
	if (!B.port_open)
		return;
	/* Fail everything now: waiting for the link to time out helps nobody. */
	link_restart(&B.link, monotime_us());
	B.port_open = false;
	event_del(B.ev_read);
	event_del(B.ev_write);
	event_del(B.ev_deadline);
	event_del(B.ev_drain);
	serial_close(&B.ser);
	B.out_len = B.out_pos = 0;
	B.baud_pending = 0;
	log_info("board detached: %s: %s", B.path, why);
	events_state_changed();
	if (!B.stopping)
		board_link_schedule_reconnect();
}

/* Switch the line rate once the kernel has sent everything before it. */
static bool board_link_apply_baud(void)
{
	uint64_t now = monotime_us();
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
static size_t board_link_queue_room(void)
{
	uint32_t baud = link_baud(&B.link);
	size_t limit = FRAME_ENCODED_MAX(LINK_HDR_LEN + LINK_SACK_LEN + link_payload(&B.link)) +
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

static void board_link_write_out(void)
{
	for (;;) {
		size_t room;

		if (B.baud_pending && !board_link_apply_baud())
			return;
		if (B.out_pos < B.out_len) {
			ssize_t n = serial_write(&B.ser, B.out + B.out_pos, B.out_len - B.out_pos);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				event_add(B.ev_write, NULL);
				return;
			}
			if (n < 0) {
				board_link_close_port(strerror(errno));
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
			link_output(&B.link, monotime_us(), B.out, 0);
			if (!link_pending(&B.link))
				return;
		}
		room = board_link_queue_room();
		if (room == 0)
			return;
		B.out_len = link_output(&B.link, monotime_us(), B.out,
					room < sizeof(B.out) ? room : sizeof(B.out));
		if (!B.out_len)
			return;
	}
}

static void board_link_arm_deadline(void)
{
	uint64_t now = monotime_us(), dl = link_deadline(&B.link);
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

static void board_link_flush(void)
{
	if (!B.port_open || B.in_flush)
		return;
	B.in_flush = true;
	B.ops->flush();
	if (B.port_open)
		board_link_write_out();
	B.in_flush = false;
	if (B.port_open)
		board_link_arm_deadline();
}

/* The port can take more, a link timer is due, the tty has drained, or
 * something new waits to go out: all of it is a flush. */
static void board_link_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	board_link_flush();
}

static void board_link_read_cb(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t buf[BOARD_IN_BUF];
	ssize_t n;

	(void)what;
	(void)arg;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		board_link_close_port(n == 0 ? "end of file" : strerror(errno));
		return;
	}
	link_input(&B.link, monotime_us(), buf, (size_t)n);
	board_link_flush();
}

static bool board_link_open_port(void)
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
	event_assign(B.ev_read, daemon_state.base, B.ser.fd, EV_READ | EV_PERSIST, board_link_read_cb,
		     NULL);
	event_assign(B.ev_write, daemon_state.base, B.ser.fd, EV_WRITE, board_link_flush_cb, NULL);
	event_add(B.ev_read, NULL);
	link_restart(&B.link, monotime_us());
	log_info("board port %s open%s, waiting for the link", B.ser.path,
		 B.ser.is_pty ? " (pseudo-terminal)" : "");
	events_state_changed();
	board_link_kick();
	return true;
}

static void board_link_try_open(void)
{
	if (B.port_open || B.stopping)
		return;
	if (!board_link_open_port())
		board_link_schedule_reconnect();
}

static void board_link_reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	board_link_try_open();
}

static void board_link_schedule_reconnect(void)
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
static void board_link_appeared(void)
{
	if (B.port_open || B.stopping)
		return;
	B.backoff_ms = 0;
	evtimer_del(B.ev_reconnect);
	/* udev may still be setting the node up: a failure backs off as usual. */
	board_link_try_open();
}

void board_link_init(const struct board_link_ops *ops)
{
	const struct config *cfg = daemon_state.cfg;
	struct link_config lc;
	size_t memlen;
	uint32_t window = 1;

	memset(&B, 0, sizeof(B));
	B.ops = ops;
	link_config_default(&lc);
	if (getrandom(&lc.boot_id, sizeof(lc.boot_id), 0) != sizeof(lc.boot_id))
		lc.boot_id = (uint32_t)monotime_us() ^ (uint32_t)getpid();
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
	memlen = link_mem_size(&lc);
	B.linkmem = malloc(memlen);
	if (!B.linkmem || !link_init(&B.link, &lc, &board_link_callbacks, NULL, B.linkmem, memlen,
				     monotime_us()))
		log_fatalx("cannot set up the link (window %u, payload %u)", window, lc.max_payload);
	B.ev_read = event_new(daemon_state.base, -1, 0, board_link_read_cb, NULL);
	B.ev_write = event_new(daemon_state.base, -1, 0, board_link_flush_cb, NULL);
	B.ev_deadline = evtimer_new(daemon_state.base, board_link_flush_cb, NULL);
	B.ev_flush = event_new(daemon_state.base, -1, 0, board_link_flush_cb, NULL);
	B.ev_reconnect = evtimer_new(daemon_state.base, board_link_reconnect_cb, NULL);
	B.ev_drain = evtimer_new(daemon_state.base, board_link_flush_cb, NULL);
	if (!B.ev_read || !B.ev_write || !B.ev_deadline || !B.ev_flush || !B.ev_reconnect ||
	    !B.ev_drain)
		log_fatalx("out of memory");
}

void board_link_start(void)
{
	watch_start(daemon_state.cfg->device.path, board_link_appeared);
	board_link_try_open();
}

void board_link_stop(void)
{
	uint64_t until = monotime_us() + 200000;

	B.stopping = true;
	evtimer_del(B.ev_reconnect);
	if (B.port_open) {
		/* Say goodbye: the board then drops everything it held for us. */
		link_close(&B.link, monotime_us());
		board_link_write_out();
		while (B.port_open && B.out_pos < B.out_len && monotime_us() < until) {
			usleep(1000);
			board_link_write_out();
		}
		board_link_close_port("stopping");
	}
	watch_stop();
}
