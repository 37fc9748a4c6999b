/*
 * The host end of a board session for k210-probe: the serial line (a tty
 * or pty), the reliable link, requests and their responses, and sockets
 * with credit flow control in both directions.  Everything is polled from
 * the caller's loop through plink_poll().
 */
#ifndef K210_PLINK_H
#define K210_PLINK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct psock;
typedef void (*psock_data_fn)(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *from);

struct psock {
	uint16_t id;
	bool used, open, closed;
	uint8_t close_err;
	uint32_t tx_credit;      /* bytes the board accepts now */
	uint32_t rx_window;
	uint32_t rx_allowed;     /* bytes the board may still send before more credit */
	uint32_t rx_owed;        /* consumed, not yet credited back */
	uint64_t rx_bytes, tx_bytes;
	psock_data_fn on_data;
	void *ctx;
};

/* Events the caller wants to see (EV_ACCEPTED, EV_WIFI, EV_DEVICE). */
typedef void (*plink_event_fn)(const struct msg *m);

/* Open the line and bring the session up, then move to baud (115200: stay). */
int plink_open(const char *path, uint32_t baud, int verbose);
void plink_close(void);
uint32_t plink_baud(void);
bool plink_up(void);
/* Sessions so far (a board reset or a line fault makes a new one). */
unsigned plink_sessions(void);
void plink_on_event(plink_event_fn fn);
/* Set when the board broke the protocol (more data than credit, bad messages). */
bool plink_broken(void);

/* Move bytes; wait up to timeout_ms for the line or the extra fds (revents filled in). */
void plink_poll(int timeout_ms, struct pollfd *extra, int nextra);
/* Wait for a session, up to timeout_ms. */
bool plink_wait_up(int timeout_ms);
bool plink_send(const struct msg *m);

/*
 * Send a request and wait for its response (events are served meanwhile).
 * Returns false on timeout or when the session ended; resp (with any list
 * in it) stays valid until the next call.
 */
bool plink_call(struct msg *req, struct msg *resp, int timeout_ms);

struct psock *psock_new(uint16_t id, uint32_t rx_window);
struct psock *psock_find(uint16_t id);
void psock_free(struct psock *s);
/* CONNECT (kind, host, port) or, with host NULL, UDP_BIND (port = local port); returns a proto error. */
int psock_open(struct psock *s, uint8_t kind, const char *host, uint16_t port, int timeout_ms);
/* Queue up to n bytes as DATA (within credit and link room); returns how many. */
size_t psock_send(struct psock *s, const uint8_t *p, size_t n);
bool psock_sendto(struct psock *s, const uint8_t *p, size_t n, const struct msg_addr *to);
/* The application took n bytes: give them back as credit (in batches). */
void psock_consumed(struct psock *s, size_t n);
int psock_close(struct psock *s, int timeout_ms);

int64_t plink_now_ms(void);
double plink_now_s(void);

#endif
