#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "board_sock.h"
#include "client_pipe.h"
#include "daemon.h"
#include "log.h"
#include "monotime.h"
#include "peer.h"

#define CLIENT_PIPE_WATCH_FIRST_MS 20
#define CLIENT_PIPE_WATCH_MAX_MS 1000

struct client_pipe {
	TAILQ_ENTRY(client_pipe) all;
	struct bufferevent *bev;
	struct board_sock *b;              /* NULL once the board socket is gone */
	struct event *linger;         /* after our shutdown: wait for the client's close */
	struct event *watch;          /* after the client's half close: look for its close */
	uint32_t watch_ms;
	uid_t uid;
	uint32_t serial;
	bool tcp;
	bool remote_eof;              /* the remote closed: shut down after the last byte */
	bool shut;
	bool client_eof;
	bool client_gone;             /* closed both ways: only its last bytes still go out */
	uint64_t last_rx_us;          /* the remote's last bytes, or the client's half close */
	uint64_t added;               /* bytes put into the output buffer */
	uint64_t credited;            /* of those, reported as consumed */
};

static TAILQ_HEAD(, client_pipe) client_pipe_all = TAILQ_HEAD_INITIALIZER(client_pipe_all);
static unsigned client_pipe_n;

static void client_pipe_watch_cb(evutil_socket_t fd, short what, void *arg);
static bool client_pipe_client_gone(struct client_pipe *p);

static void client_pipe_free(struct client_pipe *p)
{
	TAILQ_REMOVE(&client_pipe_all, p, all);
	if (p->b)
		board_sock_close(p->b);
	if (p->linger)
		event_free(p->linger);
	if (p->watch)
		event_free(p->watch);
	bufferevent_free(p->bev);
	client_pipe_n--;
	free(p);
}

/*
 * Close so that the client sees a failure, not an end of file: SO_LINGER 0
 * makes a TCP close a reset.  On a Unix socket the kernel reports
 * ECONNRESET only when unread data is left, which the reset path keeps.
 */
static void client_pipe_reset(struct client_pipe *p, const char *why)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	evutil_socket_t fd = bufferevent_getfd(p->bev);

	log_debug("pipe %u: reset: %s", p->serial, why);
	daemon_ctr.streams_reset++;
	if (p->tcp)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	client_pipe_free(p);
}

/* Read from the client only while the board takes bytes for this socket. */
static void client_pipe_update_read(struct client_pipe *p)
{
	bool want = p->b && !p->client_eof && !p->remote_eof && board_sock_flow_credit(p->b) > 0;
	bool on = bufferevent_get_enabled(p->bev) & EV_READ;

	if (p->shut && !p->client_eof)
		want = true;   /* only to see the client's close, or data that has to fail */
	if (want && !on)
		bufferevent_enable(p->bev, EV_READ);
	else if (!want && on)
		bufferevent_disable(p->bev, EV_READ);
}

static void client_pipe_credit(struct client_pipe *p)
{
	size_t out = evbuffer_get_length(bufferevent_get_output(p->bev));
	uint64_t consumed = p->added - out;

	if (p->b && consumed > p->credited) {
		board_sock_flow_consumed(p->b, (size_t)(consumed - p->credited));
		p->credited = consumed;
	}
}

static void client_pipe_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client_pipe *p = arg;

	(void)fd;
	(void)what;
	if (p->client_gone)
		log_debug("pipe %u: the remote did not take the client's last bytes in time",
			  p->serial);
	else
		log_debug("pipe %u: client kept the connection after the end: closed", p->serial);
	client_pipe_free(p);
}

/* Free p after a while (handshake_timeout) unless something ends it first. */
static void client_pipe_linger(struct client_pipe *p)
{
	struct timeval tv = daemon_tv(daemon_state.cfg->limits.handshake_timeout_ms);

	if (!p->linger)
		p->linger = evtimer_new(daemon_state.base, client_pipe_linger_cb, p);
	if (p->linger)
		evtimer_add(p->linger, &tv);
}

/* The remote is done and every byte is with the kernel: pass the EOF on. */
static void client_pipe_maybe_shutdown(struct client_pipe *p)
{
	if (!p->remote_eof || p->shut ||
	    evbuffer_get_length(bufferevent_get_output(p->bev)) != 0)
		return;
	shutdown(bufferevent_getfd(p->bev), SHUT_WR);
	p->shut = true;
	client_pipe_linger(p);
	if (p->client_eof) {
		/* Half-closed: held open until the client closes (the watch sees
		 * it), which tells a client on the Unix socket that the end was in
		 * order -- a failure closes at once. */
		if (client_pipe_client_gone(p))
			client_pipe_free(p);
		return;
	}
	client_pipe_update_read(p);
}

static void client_pipe_read_cb(struct bufferevent *bev, void *arg)
{
	struct client_pipe *p = arg;

	(void)bev;
	if (p->remote_eof) {
		/* Bytes for a remote that is gone cannot arrive: say so. */
		client_pipe_reset(p, "client data after the remote closed");
		return;
	}
	if (p->b)
		board_sock_flow_want_tx(p->b);
	client_pipe_update_read(p);
}

static void client_pipe_write_cb(struct bufferevent *bev, void *arg)
{
	struct client_pipe *p = arg;

	(void)bev;
	client_pipe_credit(p);
	client_pipe_maybe_shutdown(p);
}

/* Did the client close both directions (not just shut down its writing)? */
static bool client_pipe_client_gone(struct client_pipe *p)
{
	static bool warned;
	enum peer_state st = peer_state(bufferevent_getfd(p->bev), p->tcp);

	if (st != PEER_UNKNOWN)
		return st == PEER_CLOSED;
	/* Without socket diagnostics a TCP half close cannot be told from a
	 * close: holding the ESP link until the remote closes could be forever. */
	if (!warned)
		log_warnx("pipe %u: no socket diagnostics (inet_diag): an end of file from a TCP "
			  "client is taken as its close", p->serial);
	warned = true;
	return true;
}

/* The client closed both ways: free the board socket once its last bytes are out. */
static void client_pipe_client_closed(struct client_pipe *p)
{
	if (!p->b || (!evbuffer_get_length(bufferevent_get_input(p->bev)) &&
		      board_sock_flow_all_acked(p->b))) {
		log_debug("pipe %u: client closed", p->serial);
		client_pipe_free(p);
		return;
	}
	/* What it wrote before closing still goes to the remote (as a TCP
	 * close would have it), within a bound; nothing can reach it now. */
	log_debug("pipe %u: client closed: sending its last bytes", p->serial);
	p->client_gone = true;
	if (p->watch)
		evtimer_del(p->watch);
	bufferevent_disable(p->bev, EV_READ | EV_WRITE);
	evbuffer_drain(bufferevent_get_output(p->bev),
		       evbuffer_get_length(bufferevent_get_output(p->bev)));
	client_pipe_linger(p);
	board_sock_flow_want_tx(p->b);
}

/*
 * After a half close nothing on the connection announces the client's
 * final close (a TCP peer in FIN-WAIT-2 sends nothing when it closes, and
 * reading is off): look again, soon at first, then every second.
 */
static void client_pipe_watch_arm(struct client_pipe *p)
{
	struct timeval tv;

	if (!p->watch && !(p->watch = evtimer_new(daemon_state.base, client_pipe_watch_cb, p)))
		return;
	p->watch_ms = p->watch_ms ? p->watch_ms * 2 : CLIENT_PIPE_WATCH_FIRST_MS;
	if (p->watch_ms > CLIENT_PIPE_WATCH_MAX_MS)
		p->watch_ms = CLIENT_PIPE_WATCH_MAX_MS;
	tv = daemon_tv(p->watch_ms);
	evtimer_add(p->watch, &tv);
}

/*
 * The ESP8285 passes an end of input on only as a close.  Once the board
 * has every byte of a half-closed client and the remote has been quiet for
 * half_close_timeout, it is closed: a remote that reads until the end of
 * its input (an upload sink) finishes, and a link is not held for ever.
 */
static bool client_pipe_half_close_due(struct client_pipe *p)
{
	uint64_t quiet_us = (uint64_t)daemon_state.cfg->limits.half_close_timeout_ms * 1000;

	return p->b && !evbuffer_get_length(bufferevent_get_input(p->bev)) &&
	       board_sock_flow_all_acked(p->b) && monotime_us() - p->last_rx_us >= quiet_us;
}

static void client_pipe_half_close_end(struct client_pipe *p)
{
	log_debug("pipe %u: the remote sent nothing for %u ms after the client's half close: "
		  "closing the stream", p->serial, daemon_state.cfg->limits.half_close_timeout_ms);
	board_sock_close(p->b);
	p->b = NULL;
	p->remote_eof = true;
	client_pipe_linger(p);
	client_pipe_watch_arm(p);   /* for the client's close (client_pipe_maybe_shutdown may free p) */
	client_pipe_maybe_shutdown(p);
}

static void client_pipe_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client_pipe *p = arg;

	(void)fd;
	(void)what;
	if (client_pipe_client_gone(p))
		client_pipe_client_closed(p);
	else if (client_pipe_half_close_due(p))
		client_pipe_half_close_end(p);
	else
		client_pipe_watch_arm(p);
}

static void client_pipe_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client_pipe *p = arg;

	(void)bev;
	if (what & BEV_EVENT_ERROR) {
		log_debug("pipe %u: client error: %s", p->serial, strerror(EVUTIL_SOCKET_ERROR()));
		client_pipe_free(p);
		return;
	}
	if (!(what & BEV_EVENT_EOF))
		return;
	p->client_eof = true;
	if (p->remote_eof && (!p->shut || client_pipe_client_gone(p))) {
		client_pipe_free(p);
		return;
	}
	if (p->remote_eof) {
		/* A half close after our end of stream: held open until the client
		 * closes, which tells it the end was in order. */
		client_pipe_update_read(p);
		client_pipe_watch_arm(p);
		return;
	}
	if (client_pipe_client_gone(p)) {
		client_pipe_client_closed(p);
		return;
	}
	/*
	 * A half close cannot be forwarded (the ESP8285 has none): keep
	 * sending what the client wrote and relaying the remote until it
	 * closes, or until the client closes too.
	 */
	log_debug("pipe %u: client shut down its side", p->serial);
	p->last_rx_us = monotime_us();
	if (p->b && evbuffer_get_length(bufferevent_get_input(p->bev)))
		board_sock_flow_want_tx(p->b);
	client_pipe_update_read(p);
	client_pipe_watch_arm(p);
}

static void client_pipe_data(void *ctx, struct board_sock *b, const uint8_t *data, size_t len)
{
	struct client_pipe *p = ctx;

	if (p->client_gone) {
		/* Nobody to give it to: its credit goes straight back. */
		board_sock_flow_consumed(b, len);
		return;
	}
	if (bufferevent_write(p->bev, data, len) < 0) {
		/* A hole in the stream must not go unnoticed. */
		client_pipe_reset(p, "out of memory for the remote's data");
		return;
	}
	p->added += len;
	p->last_rx_us = monotime_us();
}

static void client_pipe_closed(void *ctx, struct board_sock *b, int err)
{
	struct client_pipe *p = ctx;

	(void)b;
	p->b = NULL;
	if (err != PROTO_OK) {
		client_pipe_reset(p, proto_err_str(err));
		return;
	}
	if (evbuffer_get_length(bufferevent_get_input(p->bev))) {
		client_pipe_reset(p, "the remote closed before taking the client's data");
		return;
	}
	p->remote_eof = true;
	client_pipe_update_read(p);
	client_pipe_maybe_shutdown(p);
}

static bool client_pipe_tx(void *ctx, struct board_sock *b)
{
	struct client_pipe *p = ctx;
	struct evbuffer *in = bufferevent_get_input(p->bev);

	board_sock_flow_send_stream(b, in, SIZE_MAX);
	if (p->client_gone && !evbuffer_get_length(in)) {
		/* Close once all credit is back: the board has handed every byte
		 * to the ESP8285, and a CLOSE right behind them cannot cut them off.
		 * CREDIT brings us back here. */
		if (board_sock_flow_all_acked(b))
			client_pipe_free(p);
		return false;
	}
	client_pipe_update_read(p);
	return evbuffer_get_length(in) > 0 && board_sock_flow_credit(b) > 0;
}

static const struct board_sock_ops client_pipe_ops = {
	.data = client_pipe_data,
	.closed = client_pipe_closed,
	.tx = client_pipe_tx,
};

void client_pipe_start(struct bufferevent *bev, struct board_sock *b, uid_t uid, bool tcp,
		       uint32_t serial)
{
	const struct config *cfg = daemon_state.cfg;
	struct client_pipe *p = calloc(1, sizeof(*p));
	uint8_t err;

	if (!p) {
		board_sock_close(b);
		bufferevent_free(bev);
		return;
	}
	TAILQ_INSERT_TAIL(&client_pipe_all, p, all);
	client_pipe_n++;
	p->bev = bev;
	p->b = b;
	p->uid = uid;
	p->tcp = tcp;
	p->serial = serial;
	bufferevent_setcb(bev, client_pipe_read_cb, client_pipe_write_cb, client_pipe_event_cb, p);
	bufferevent_setwatermark(bev, EV_READ, 0, cfg->limits.send_buffer);
	bufferevent_setwatermark(bev, EV_WRITE, cfg->limits.client_buffer / 2, 0);
	bufferevent_enable(bev, EV_WRITE);
	board_sock_set_owner(b, &client_pipe_ops, p);
	log_debug("pipe %u: open (board socket %u)", serial, board_sock_id(b));
	/* An accepted connection: what came before the claim goes first. */
	p->added = board_sock_flow_take_held(b, bufferevent_get_output(bev));
	if (board_sock_flow_remote_closed(b, &err)) {
		p->b = NULL;
		board_sock_close(b);
		client_pipe_closed(p, NULL, err);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_input(bev)))
		board_sock_flow_want_tx(b);
	client_pipe_update_read(p);
}

void client_pipe_shutdown_all(void)
{
	struct client_pipe *p;

	while ((p = TAILQ_FIRST(&client_pipe_all)))
		client_pipe_reset(p, "the daemon is stopping");
}

unsigned client_pipe_count(void)
{
	return client_pipe_n;
}
