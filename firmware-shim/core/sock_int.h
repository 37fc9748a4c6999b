/*
 * The socket table and one socket's life, shared by the socket family:
 * sock.c (the table: slots, links, the transitions both sides make),
 * sock_host.c (what the host asks and what goes back to it), sock_esp.c
 * (the module's links: AT commands and link URCs) and sock_serve.c (the
 * listening socket on the module).
 *
 * A socket's life, and which file moves it on:
 *
 *   FREE -> CONNECTING       sock_host_connect (CONNECT, UDP_BIND): a slot and a link
 *   CONNECTING -> OPEN       sock_esp_start_done: CIPSTART's OK, the answer goes to the host
 *   CONNECTING -> FREE       sock_esp_start_done (refused), sock_host_close (not started yet)
 *   FREE -> ACCEPTING        sock_accept, from sock_serve_incoming ("<link>,CONNECT")
 *   ACCEPTING -> OPEN        sock_serve_status_done: the address is known, EV_ACCEPTED due
 *   OPEN -> DRAINING         sock_esp_closed ("<link>,CLOSED"): what the module holds still comes
 *   OPEN/DRAINING -> CLOSING sock_fail (errors from either side), sock_host_close (CLOSE)
 *   DRAINING -> FREE         sock_host_flush_closed: all delivered, EV_CLOSED sent
 *   CLOSING -> FREE          sock_settle once the link is released (CIPCLOSE done) and,
 *                            with an EV_CLOSED due, sock_host_flush_closed once it is sent
 *   any -> CLOSING or FREE   sock_esp_lost: the module restarted
 */
#ifndef K210_SOCK_INT_H
#define K210_SOCK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at.h"
#include "config.h"
#include "fairq.h"
#include "msg.h"
#include "pool.h"
#include "ring.h"
#include "sock.h"

/* Slots: one per link, plus one so a socket still draining towards the host
 * does not keep the module from reusing its link for an accepted client. */
#define SOCK_SLOTS (CONFIG_LINKS + 1)
#define SOCK_NONE 0xff
#define SOCK_NO_ERR 0xff

enum sock_state {
	SOCK_FREE = 0,
	SOCK_CONNECTING,   /* CONNECT / UDP_BIND: waiting for or running CIPSTART */
	SOCK_ACCEPTING,    /* accepted by the module: asking CIPSTATUS who it is */
	SOCK_OPEN,
	SOCK_DRAINING,     /* the remote closed: deliver what is left, then EV_CLOSED */
	SOCK_CLOSING,      /* the link is to be closed (host CLOSE, failure, session end) */
};

enum sock_step {
	SOCK_STEP_NONE = 0,
	SOCK_STEP_RECLOSE, /* the link may still be open in the module: close it first */
	SOCK_STEP_SSLSIZE,
	SOCK_STEP_START,
};

struct sock_dgram {
	uint16_t len;
	bool has_addr;
	struct msg_addr addr;
};

struct sock {
	enum sock_state state;
	uint16_t id;
	uint8_t kind;           /* PROTO_KIND_* */
	uint8_t link;           /* module link id, or SOCK_NONE */
	bool bound;             /* UDP_BIND: datagrams carry addresses */
	bool host_knows;        /* CONNECT answered or EV_ACCEPTED sent */
	bool announce;          /* EV_ACCEPTED is due */
	bool status_asked;      /* accepted: the AT+CIPSTATUS in flight covers it */
	bool cancel;            /* closed by the host while CIPSTART runs */
	bool busy;              /* a command about this socket is in flight */
	bool esp_open;          /* the module holds the link: CIPCLOSE releases it */
	bool recvlen_due;       /* how much the module still holds is unknown */
	bool damaged;           /* bytes may have been lost: fails once the module is checked */
	bool confirmed;         /* the module printed "<link>,CONNECT" for this socket's link */
	bool closed_early;      /* "<link>,CLOSED" came before CIPSTART's OK */
	bool fail_seen, dns_fail, no_ip, already;
	uint8_t retries;
	enum sock_step step;
	uint8_t close_err;      /* EV_CLOSED reason once drained, SOCK_NO_ERR: none due */
	struct req *req;        /* CONNECT / UDP_BIND */
	struct req *close_req;  /* CLOSE */
	uint16_t local_port;
	uint32_t keepalive;
	uint16_t tls_size;
	struct msg_addr remote;

	/* host -> module */
	struct ring tx;
	struct sock_dgram dq[CONFIG_SOCK_DGRAMS];
	uint8_t dq_head, dq_count;
	uint32_t sending;       /* payload of the CIPSEND in flight */
	uint32_t credit_due;    /* sent bytes not yet credited back to the host */

	/* module -> host */
	struct pool_queue rx;
	uint32_t credit;        /* bytes the host still accepts */
	uint32_t esp_pending;   /* passive: bytes the module holds, as far as known */
	uint32_t reading;       /* CIPRECVDATA in flight: bytes asked for */
	uint32_t read_got;
	/* Newest bytes in rx not yet confirmed by the end of their reply: never delivered early. */
	uint32_t uncommitted;
};

enum sock_listener_state {
	LIS_NONE = 0,
	LIS_STARTING,      /* CIPSERVER=1 to send */
	LIS_ACTIVE,
	LIS_STOPPING,      /* CIPSERVER=0 to send */
};

struct sock_listener {
	enum sock_listener_state state;
	uint16_t id;
	uint16_t port;
	uint32_t rx_window;
	bool busy;
	bool sto_due;             /* CIPSTO to send */
	uint32_t sto;
	struct req *req;          /* LISTEN or CLOSE */
	struct req *sto_req;      /* SETSOCKOPT SERVER_TIMEOUT */
	uint8_t close_err;        /* EV_CLOSED due for the listener */
	uint16_t closed_id;
};

struct sock_table {
	struct sock s[SOCK_SLOTS];
	uint8_t link_slot[CONFIG_LINKS];   /* slot using each link, or SOCK_NONE */
	bool stale[CONFIG_LINKS];          /* a close failed: re-close before reuse */
	struct sock_listener lis;
	bool recvlen_due;
	bool status_busy;
	uint8_t refuse_mask;               /* links given to clients nobody takes: to be closed */
	unsigned ctl_rr, data_rr, pump_rr;
	/* The module's commands (a send and a read flow per slot) and the
	 * DATA towards the host (one flow per slot) go fairly, idle flows first. */
	struct fairq esp_fq, pump_fq;
	uint64_t shared_until;             /* the link's frames stay short until then */
	uint64_t shared_seen_us;           /* when the sockets were last looked at for it */
	uint16_t next_board_id;
	uint32_t next_port;
	/* active +IPD being received */
	uint8_t ipd_slot;
	bool ipd_udp;
	uint32_t ipd_len, ipd_got;
	struct msg_addr ipd_from;
	struct sock_stats st;
};

extern struct sock_table sk;

struct sock *sock_of_link(uint8_t link);
/* The socket failed: deliver what it received, then EV_CLOSED err. */
void sock_fail(struct sock *s, uint8_t err);
/* Free what can be freed and answer a waiting CLOSE once the link is released. */
void sock_settle(struct sock *s);
void sock_unlink(struct sock *s);
void sock_free(struct sock *s);
/* A protocol id held by a socket or the listener. */
bool sock_id_in_use(uint16_t id);
/* A free slot, cleared, and the lowest free link for a new socket, or NULL. */
struct sock *sock_alloc(uint8_t *link_out);
void sock_bind_link(struct sock *s, uint8_t link);
/* Move a queued CONNECT off a link the module just gave to an accepted client. */
bool sock_relocate(struct sock *s);
/* A client the module accepted on link: a new socket for the listener, or false. */
struct sock *sock_accept(uint8_t link);
/* One socket has something to move while another is open with nothing. */
bool sock_esp_shared(void);
/* The module keeps its data until asked for it (AT+CIPRECVDATA). */
bool sock_passive_stream(const struct sock *s);
/* Bytes data messages to the host may use now: none while answers wait. */
size_t sock_data_room(void);
uint32_t sock_read_budget(const struct sock *s);
bool sock_receiving(const struct sock *s);

/* sock_urc.c: what the module says about its links unasked, and what becomes of them when it is lost or garbled. */
void sock_urc_handle(const struct at_event *ev);
/* "<link>,CLOSED" (also for a socket whose CIPSTART's OK came after it). */
void sock_urc_closed(uint8_t link);
/* A socket waits to open and the module holds no link: its UART may change rate now. */
bool sock_urc_quiet_open(void);
/* The module restarted: every link is gone. */
void sock_urc_lost(void);
/* Garbage on the ESP line: notifications or unsolicited data may be lost. */
void sock_urc_garbled(void);
/* The module checked out after garbage: sockets that lost bytes fail now. */
void sock_urc_sound(void);

#endif
