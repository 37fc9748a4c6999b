/*
 * Broadcasts from the daemon's lower layers to whoever listens: board, WiFi
 * and log events for subscribed clients, and "the state the status line
 * shows changed" for the service manager.  Sinks register at start-up; the
 * layers that emit know none of them by name.
 */
#ifndef K210_EVENTS_H
#define K210_EVENTS_H

#include <stdint.h>

#include "msg.h"

struct events_sink {
	/* An event message (EV_DEVICE, EV_WIFI, EV_LOG) for subscribers of
	 * sub_bit (enum proto_sub); NULL: not interested. */
	void (*message)(const struct msg *m, uint32_t sub_bit);
	/* The board's or the WiFi's state changed; NULL: not interested. */
	void (*state_changed)(void);
};

/* Sinks are called in the order they were added (at most a handful). */
void events_add_sink(const struct events_sink *sink);
void events_message(const struct msg *m, uint32_t sub_bit);
/* An EV_DEVICE event (enum proto_dev, value) to subscribers of PROTO_SUB_DEVICE. */
void events_device(uint8_t what, uint32_t value);
void events_state_changed(void);

#endif
