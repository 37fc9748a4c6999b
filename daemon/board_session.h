/*
 * The board's session: the message stream on the link, and the users it
 * is dispatched to.  Users (board_req.c, board_sock.c, board_device.c,
 * board_wifi.c) register at start-up and are called back: up and down with
 * the link session, every message the board sends (a request from the
 * board is refused here; a message no user takes is counted as ignored),
 * and a flush before frames go out.  Users send through
 * board_session_send*; nothing here names them.
 */
#ifndef K210_BOARD_SESSION_H
#define K210_BOARD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct evbuffer;

enum board_state { BOARD_ABSENT, BOARD_CONNECTING, BOARD_ATTACHED };

enum board_input {
	BOARD_INPUT_NOT_MINE,   /* another user's, or nobody's */
	BOARD_INPUT_TAKEN,
	BOARD_INPUT_BROKEN,     /* breaks the contract: restart the link */
};

struct board_user {
	/* The link session began (in registration order) or ended (in reverse). */
	void (*up)(void);
	void (*down)(void);
	/* A decoded message from the board; every user sees every message. */
	enum board_input (*input)(const struct msg *m);
	/* Frames are about to go out: queue control messages and requests (in
	 * registration order), then bulk data (flush_data, same order). */
	void (*flush)(void);
	void (*flush_data)(void);
	/* Nothing of this user's waits to be sent or answered. */
	bool (*idle)(void);
};

/* Set up the link under the session. */
void board_session_init(void);
/* Users are called in the order they register (at most a handful); any member may be NULL. */
void board_session_add_user(const struct board_user *u);

enum board_state board_session_state(void);
bool board_session_attached(void);
/* Write one message now; false (nothing written) when the link lacks room.
 * data: client data, kept within board_link_data_room(). */
bool board_session_send(const struct msg *m, bool data);
/* DATA for sock: n bytes taken from src (n <= board_link_data_room() - header). */
bool board_session_send_data(uint16_t sock, struct evbuffer *src, size_t n);
/* Nothing left to send to the board (shutdown). */
bool board_session_idle(void);

/* Facts for STATUS. */
struct board_session_info {
	enum board_state state;
	const char *path;             /* the port in use, or the configured path */
	uint32_t session;
	uint64_t attached_us;
	uint64_t board_resets, link_restarts, bad_messages, ignored_messages;
};
const struct board_session_info *board_session_info(void);
/* The board broke the message contract on a socket / sent something unused. */
void board_session_count_bad(void);
void board_session_count_ignored(void);

#endif
