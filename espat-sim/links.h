/*
 * The five links (ids 0..4) on real Linux sockets, and the one TCP server. This layer prints the
 * link-level URCs itself: +IPD (active data or passive notification), <id>,CONNECT for accepted
 * clients and <id>,CLOSED when a peer goes away.
 *
 * Receive flow control: a link reads its socket only while the output can take the result (active
 * mode) or while its passive buffer has room; otherwise the kernel's small receive buffer fills and
 * the remote TCP sender is held back, as the chip's TCP window does.
 *
 * Closing in passive mode: <id>,CLOSED is printed when the TCP connection closes, as the firmware
 * does; bytes already buffered stay readable with AT+CIPRECVDATA (and counted by AT+CIPRECVLEN)
 * until read, or until the id is used for a new link.
 */
#ifndef ESPAT_LINKS_H
#define ESPAT_LINKS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINKS_MAX 5
#define LINKS_SEND_MAX 2048
#define LINKS_HOST_MAX 64

enum links_type { LINKS_TCP, LINKS_UDP, LINKS_SSL };

enum links_state {
	LINKS_FREE,
	LINKS_CONNECTING, /* TCP connect or TLS handshake under way */
	LINKS_OPEN,
	LINKS_CLOSED, /* the connection is gone; passive data is still buffered */
};

struct links_params {
	enum links_type type;
	struct in_addr addr;
	uint16_t port;
	char host[LINKS_HOST_MAX + 1]; /* TLS server name */
	uint16_t local_port;           /* UDP; 0 = any */
	int udp_mode;
	int keepalive_s;
};

struct links_info {
	enum links_state state;
	enum links_type type;
	struct sockaddr_in remote;
	uint16_t local_port;
	bool server_child;
};

enum links_start { LINKS_STARTED, LINKS_READY, LINKS_FAILED };

typedef void (*links_done_fn)(int id, bool ok);
typedef void (*links_sent_fn)(bool ok);

void links_set_mux(bool mux);
void links_set_passive(bool passive);
void links_set_dinfo(bool dinfo);
void links_set_ssl_size(unsigned size);

/* LINKS_STARTED: done() will report the outcome later; LINKS_READY: open now (UDP). */
enum links_start links_connect(int id, const struct links_params *p, links_done_fn done);
/* Hands len bytes to the link's socket; sent() reports when the socket took them all, or failed. */
void links_send(int id, const uint8_t *buf, size_t len, const struct sockaddr_in *dest, links_sent_fn sent);
/* Local close; false when the link was not open. Prints nothing. */
bool links_close(int id);
/* The station lost the AP: every link closes with its CLOSED URC. */
void links_drop_all(void);
/* Power loss or reset: everything goes, silently. */
void links_reset(void);

bool links_info(int id, struct links_info *info);
bool links_is_open(int id);
bool links_any_in_use(void);
bool links_ssl_in_use(void);
size_t links_buffered(int id);
size_t links_take(int id, uint8_t *buf, size_t max);

int links_server_start(uint16_t port);
void links_server_stop(void);
bool links_server_running(void);
void links_set_server_timeout(unsigned seconds);
unsigned links_server_timeout(void);

/* Per loop turn: serve buffered TLS data, time out stuck connects and idle server clients. */
void links_service(void);
void links_prepare(void);

#endif
