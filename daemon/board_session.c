#include <event2/buffer.h>
#include <string.h>

#include "board_link.h"
#include "board_session.h"
#include "daemon.h"
#include "events.h"
#include "link.h"
#include "log.h"
#include "monotime.h"

#define BOARD_SESSION_USERS_MAX 8

static struct {
	const struct board_user *users[BOARD_SESSION_USERS_MAX];
	size_t nusers;
	bool attached;
	bool restart_wanted;
	struct msg_reader reader;
	struct board_session_info info;
} S;

void board_session_add_user(const struct board_user *u)
{
	if (S.nusers == BOARD_SESSION_USERS_MAX)
		log_fatalx("board: more than %d session users", BOARD_SESSION_USERS_MAX);
	S.users[S.nusers++] = u;
}

enum board_state board_session_state(void)
{
	if (S.attached)
		return BOARD_ATTACHED;
	return board_link_port_open() ? BOARD_CONNECTING : BOARD_ABSENT;
}

bool board_session_attached(void)
{
	return S.attached;
}

bool board_session_send(const struct msg *m, bool data)
{
	uint8_t buf[PROTO_MSG_MAX];
	size_t len = msg_encode(m, buf, sizeof(buf));

	if (!len || len > (data ? board_link_data_room() : board_link_writable()))
		return false;
	board_link_write(buf, len);
	board_link_kick();
	return true;
}

bool board_session_send_data(uint16_t sock, struct evbuffer *src, size_t n)
{
	uint8_t hdr[PROTO_DATA_HDR];
	struct evbuffer_iovec vec[8];
	size_t left = n;
	int nvec;

	if (n == 0 || n > PROTO_DATA_MAX || n + sizeof(hdr) > board_link_writable() ||
	    evbuffer_get_length(src) < n)
		return false;
	msg_data_header(hdr, sock, n);
	board_link_write(hdr, sizeof(hdr));
	/* Straight from the client's buffer into the link: no copy of our own. */
	while (left) {
		nvec = evbuffer_peek(src, (ev_ssize_t)left, NULL, vec, 8);
		if (nvec > 8)
			nvec = 8;
		for (int i = 0; i < nvec && left; i++) {
			size_t take = vec[i].iov_len < left ? vec[i].iov_len : left;

			board_link_write(vec[i].iov_base, take);
			left -= take;
		}
		evbuffer_drain(src, n - left);
		n = left;
	}
	board_link_kick();
	return true;
}

bool board_session_idle(void)
{
	for (size_t i = 0; i < S.nusers; i++)
		if (S.users[i]->idle && !S.users[i]->idle())
			return false;
	return board_link_idle();
}

const struct board_session_info *board_session_info(void)
{
	S.info.state = board_session_state();
	S.info.path = board_link_path();
	S.info.session = board_link_session();
	return &S.info;
}

void board_session_count_bad(void)
{
	S.info.bad_messages++;
}

void board_session_count_ignored(void)
{
	S.info.ignored_messages++;
}

/* Answer a request the board should never send. */
static void board_session_refuse_request(const struct msg *m)
{
	struct msg resp;

	msg_init_response(&resp, m, PROTO_ENOTSUP);
	if (!board_session_send(&resp, false))
		S.info.ignored_messages++;
}

static void board_session_dispatch(const uint8_t *buf, size_t len)
{
	struct msg m;
	enum msg_status st = msg_decode(&m, buf, len);
	bool taken = false;

	if (st == MSG_ETYPE) {
		if (PROTO_IS_REQUEST(m.type)) {
			board_session_refuse_request(&m);
		} else {
			log_debug("board: ignoring message type 0x%02x", m.type);
			S.info.ignored_messages++;
		}
		return;
	}
	if (st != MSG_OK) {
		log_warnx("board sent a bad %s message (%s): restarting the link",
			  proto_type_name(m.type), msg_status_str(st));
		S.info.bad_messages++;
		S.restart_wanted = true;
		return;
	}
	if (PROTO_IS_REQUEST(m.type)) {
		board_session_refuse_request(&m);
		return;
	}
	for (size_t i = 0; i < S.nusers && !S.restart_wanted; i++) {
		enum board_input in = S.users[i]->input ? S.users[i]->input(&m) : BOARD_INPUT_NOT_MINE;

		if (in == BOARD_INPUT_BROKEN)
			S.restart_wanted = true;
		taken |= in != BOARD_INPUT_NOT_MINE;
	}
	if (!taken)
		S.info.ignored_messages++;
}

static void board_session_deliver(const uint8_t *data, size_t len)
{
	while (len && !S.restart_wanted) {
		enum msg_status st;
		const uint8_t *msg;
		size_t msglen = 0;
		size_t used = msg_reader_feed(&S.reader, data, len, &st, &msg, &msglen);

		data += used;
		len -= used;
		if (st == MSG_OK) {
			board_session_dispatch(msg, msglen);
		} else if (st == MSG_EOVERSIZE) {
			log_warnx("board sent an oversized message: restarting the link");
			S.info.bad_messages++;
			S.restart_wanted = true;
		}
	}
}

static void board_session_up(const struct link_event *ev)
{
	S.attached = true;
	S.info.attached_us = monotime_us();
	msg_reader_reset(&S.reader);
	log_info("board attached on %s (session %08x, payload %u, window %u)%s", board_link_path(),
		 board_link_session(), ev->u.up.payload, ev->u.up.window,
		 ev->u.up.peer_rebooted ? ": the board restarted" : "");
	if (ev->u.up.peer_rebooted) {
		S.info.board_resets++;
		events_device(PROTO_DEV_BOARD_RESET, 0);
	}
	for (size_t i = 0; i < S.nusers; i++)
		if (S.users[i]->up)
			S.users[i]->up();
	events_device(PROTO_DEV_ATTACHED, board_link_baud());
	events_state_changed();
}

static void board_session_down(const struct link_event *ev)
{
	static const char *const why[] = {
		[LINK_DOWN_TIMEOUT] = "no answer",
		[LINK_DOWN_PEER_RESET] = "the board started a new session",
		[LINK_DOWN_PEER_CLOSED] = "the board closed the link",
		[LINK_DOWN_LOCAL] = "link restarted",
	};
	unsigned reason = ev->u.down.reason;

	S.attached = false;
	S.info.link_restarts++;
	log_info("board detached from the link: %s",
		 reason < sizeof(why) / sizeof(why[0]) && why[reason] ? why[reason] : "unknown");
	for (size_t i = S.nusers; i-- > 0;)
		if (S.users[i]->down)
			S.users[i]->down();
	msg_reader_reset(&S.reader);
	events_device(PROTO_DEV_DETACHED, 0);
	events_state_changed();
}

static void board_session_link_event(const struct link_event *ev)
{
	if (ev->type == LINK_EV_UP)
		board_session_up(ev);
	else if (ev->type == LINK_EV_DOWN)
		board_session_down(ev);
}

static void board_session_flush(void)
{
	if (S.restart_wanted) {
		S.restart_wanted = false;
		board_link_restart();
	}
	for (size_t i = 0; i < S.nusers; i++)
		if (S.users[i]->flush)
			S.users[i]->flush();
	for (size_t i = 0; i < S.nusers; i++)
		if (S.users[i]->flush_data)
			S.users[i]->flush_data();
}

static const struct board_link_ops board_session_link_ops = {
	.deliver = board_session_deliver,
	.event = board_session_link_event,
	.flush = board_session_flush,
};

void board_session_init(void)
{
	memset(&S, 0, sizeof(S));
	msg_reader_reset(&S.reader);
	board_link_init(&board_session_link_ops);
}
