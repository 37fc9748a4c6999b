/*
 * The board: its serial port, the reliable link, the message stream on it,
 * request/response routing (tags, at most PROTO_BOARD_REQUESTS_MAX in flight,
 * timeouts) and the board's events.  Reconnects with backoff when the port
 * goes away, and learns about a replug from inotify.
 */
#ifndef K210_BOARD_H
#define K210_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct evbuffer;

enum board_state { BOARD_ABSENT, BOARD_CONNECTING, BOARD_ATTACHED };

void board_init(void);
void board_start(void);
/* Stop: close the link politely and the port. */
void board_stop(void);

enum board_state board_state(void);
bool board_attached(void);
/* Bytes the link takes now (any message). */
size_t board_writable(void);
/* Write bytes of whole messages into the link (the caller checked the room). */
void board_write_raw(const uint8_t *buf, size_t len);
/* Bytes of data that may go to the link now (room beyond the control reserve). */
size_t board_data_room(void);
/* Write one message now; false (nothing written) when the link lacks room. */
bool board_send(const struct msg *m, bool data);
/* DATA for sock: n bytes taken from src (n <= board_data_room() - header). */
bool board_send_data(uint16_t sock, struct evbuffer *src, size_t n);
/* Something is waiting to go out: flush on the next loop pass. */
void board_kick(void);
/* Nothing left to send to the board (shutdown). */
bool board_idle(void);

/* Facts for STATUS. */
struct board_info {
	enum board_state state;
	const char *path;             /* the port in use, or the configured path */
	bool have_info;
	struct msg info;              /* last DEVICE_INFO response */
	uint32_t session;
	uint64_t attached_us;
	uint64_t board_resets, link_restarts, bad_messages, ignored_messages;
	uint64_t esp_wedged;          /* the board reset an ESP8285 that answered only "busy" */
};
const struct board_info *board_info(void);
/* Link statistics (zeroes while no port is open). */
struct link_stats;
void board_link_stats(struct link_stats *st);
uint32_t board_baud(void);
/* The board broke the message contract on a socket / sent something unused. */
void board_info_count_bad(void);
void board_info_count_ignored(void);

#endif
