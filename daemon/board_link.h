/*
 * The board's link: its serial port (opened, reopened with backoff when it
 * goes away, and at once when inotify sees the node come back), the
 * reliable link on it, the line rate, and writing frames out without
 * letting the tty queue more than a frame and a few milliseconds.
 *
 * It knows nothing of messages: bytes of the message stream go up to the
 * one layer that registered (board_session.c), and so do the link's
 * events; before frames are written out that layer is asked to queue what
 * waits.
 */
#ifndef K210_BOARD_LINK_H
#define K210_BOARD_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct link_event;
struct link_stats;

struct board_link_ops {
	/* Bytes of the message stream, in order. */
	void (*deliver)(const uint8_t *data, size_t len);
	/* LINK_EV_UP (the line rate is already asked for) and LINK_EV_DOWN. */
	void (*event)(const struct link_event *ev);
	/* The link is about to write frames: queue whatever waits. */
	void (*flush)(void);
};

void board_link_init(const struct board_link_ops *ops);
/* Open the port (or wait for it) and watch its node. */
void board_link_start(void);
/* Say goodbye on the link (the board drops what it held for us) and close the port. */
void board_link_stop(void);

bool board_link_port_open(void);
/* Start a new link session (the board sent something that makes no sense). */
void board_link_restart(void);
/* Bytes the link takes now (any message). */
size_t board_link_writable(void);
/* Bytes of client data that may go to the link now (room beyond the control reserve). */
size_t board_link_data_room(void);
/* Cap the link's frames at cap bytes of payload (0: no cap). */
void board_link_cap_payload(uint16_t cap);
/* Write bytes of whole messages (the caller checked the room). */
void board_link_write(const void *buf, size_t len);
/* Something waits to go out: flush on the next loop pass. */
void board_link_kick(void);
/* Every byte written is out and acknowledged (or no port is open). */
bool board_link_idle(void);

/* The port in use, or the configured path. */
const char *board_link_path(void);
/* The link session id (0 while no port is open). */
uint32_t board_link_session(void);
uint32_t board_link_baud(void);
/* Link statistics (zeroes while no port is open). */
void board_link_stats(struct link_stats *st);

#endif
