/*
 * The board as a device: its facts (DEVICE_INFO, asked for when the link
 * comes up and again when the ESP8285 is ready, which is when versions and
 * addresses are known), and its device and log events, logged here and
 * passed on to subscribers (events.h).
 */
#ifndef K210_BOARD_DEVICE_H
#define K210_BOARD_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

/* Register with the board session. */
void board_device_init(void);

/* Facts for STATUS. */
struct board_device_info {
	bool have_info;
	struct msg info;              /* last DEVICE_INFO response */
	uint64_t esp_wedged;          /* the board reset an ESP8285 that answered only "busy" */
};
const struct board_device_info *board_device_info(void);

#endif
