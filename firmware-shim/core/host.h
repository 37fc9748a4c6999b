/*
 * The host link: the k210sock session on the USB serial line (proto's
 * reliable link over the port's host UART), whole messages in and out,
 * the link's rate changes, and EV_DEVICE.  Its one user, the request
 * dispatcher (shim.c), hears of messages and of the session coming and
 * going through the callbacks it gives host_init.
 */
#ifndef K210_HOST_H
#define K210_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "msg.h"

struct host_ops {
	/* A whole message from the host, decoded. */
	void (*message)(const struct msg *m);
	/* A session began. */
	void (*up)(void);
	/* The session ended: whatever the host asked for is void. */
	void (*down)(void);
};

/* False if the link cannot run (its memory does not fit its settings). */
bool host_init(const struct host_ops *ops, uint32_t boot_id, uint64_t now);
/* Take what the host UART received and hand whole messages to the user. */
void host_read(uint64_t now);
/* Move link output to the host UART; false while bytes or a rate change wait for the transmitter. */
bool host_write_out(uint64_t now);
/* When the link's timers want the next call. */
uint64_t host_deadline(void);
/* Everything sent was acknowledged. */
bool host_drained(void);

/* Write a message to the host now if the link takes it whole. */
bool host_write(const struct msg *m);
/* An error answer to a request that holds no slot (refused before any work). */
void host_refuse(const struct msg *m, uint8_t err);
/* Link bytes data messages may use: room minus a reserve kept for answers and events. */
size_t host_data_room(void);
/* Cap the link's frames at cap bytes of payload (0: no cap). */
void host_cap_payload(uint16_t cap);
bool host_up(void);
/* The link's rate while a session is up, else 0. */
uint32_t host_baud(void);
/* The link's counters (for a port's diagnostics). */
void host_link_stats(struct link_stats *st);

/* EV_DEVICE (queued while the link is busy; the latest of each kind wins). */
void host_device_event(uint8_t what, uint32_t value);
/*
 * Send the queued EV_DEVICE; while sockets still owe their EV_CLOSED
 * (closes_pending), an ESP reset waits so that every socket hears of it first.
 */
void host_flush_device(bool closes_pending);

#endif
