/*
 * What the host side of the core (shim.c) offers the other subsystems:
 * request slots and their answers, messages to the host, device events.
 */
#ifndef K210_SHIM_INT_H
#define K210_SHIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "msg.h"

/* Which subsystem holds a request while it waits. */
enum req_owner {
	REQ_NONE = 0,
	REQ_SOCK,
	REQ_WIFI,
	REQ_ESP,
};

struct req {
	struct msg m;          /* the request as decoded (no pointers into other buffers) */
	uint64_t deadline;     /* still waiting for the ESP then: EAGAIN */
	enum req_owner owner;
	bool used;
	bool started;          /* its AT work began: the deadline no longer applies */
	bool answered;         /* the answer waits for the flush phase (and room on the link) */
	struct msg resp;
	uint8_t list[16];      /* a short list answer (RESOLVE), copied */
};

/* Answer r (err PROTO_OK with resp's fields, or an error); the slot frees once it is sent. */
void shim_answer(struct req *r, struct msg *resp);
void shim_answer_err(struct req *r, uint8_t err);
/*
 * An answer about socket sock waits to be sent: events about the socket wait
 * behind it, so the host hears of a socket before it hears what became of it.
 */
bool shim_answer_due(uint16_t sock);
/* Write a message to the host now if the link takes it whole. */
bool shim_write(const struct msg *m);
/* Bytes data messages may use now: link room minus a reserve for answers and events. */
size_t shim_data_room(void);
bool shim_link_up(void);
/* The host link's rate while a session is up, else 0. */
uint32_t shim_host_baud(void);
/* The time of the current turn of the main loop (microseconds). */
uint64_t shim_now(void);
/* EV_DEVICE (queued if the link is busy; the latest of each kind wins). */
void shim_device_event(uint8_t what, uint32_t value);
/* The host link's counters (for a port's diagnostics). */
void shim_link_stats(struct link_stats *st);

#endif
