/*
 * libk210sock: a client of k210sockd, the daemon that shares the WiFi of a
 * K210 board (ESP8285) plugged in over USB serial.
 *
 * Two kinds of connection to the daemon's Unix socket:
 *  - a handle (k210sock_open) carries requests and their answers: board and
 *    WiFi information and control, name resolution, events, UDP sockets and
 *    listening sockets;
 *  - a stream (k210sock_connect, k210sock_dial, k210sock_accept) is a plain
 *    file descriptor connected to one TCP or TLS socket on the board:
 *    read, write, poll, shutdown and close work on it as on any socket.
 *
 * Every call blocks for at most its timeout.  Timeouts are in milliseconds:
 * negative waits without limit, 0 does not wait.  On failure, functions
 * return -1 (or NULL) and set errno; functions taking a handle also keep the
 * reason for k210sock_strerror.  A handle may be used by one thread at a
 * time; the library keeps no global state.
 *
 * Errors the daemon or the board report map to errno values: EHOSTUNREACH
 * (also: name does not resolve), ECONNREFUSED, ECONNRESET, ETIMEDOUT,
 * ENETDOWN (WiFi not connected), ENETUNREACH (WiFi network not found),
 * EACCES (refused by the daemon's access control, or wrong WiFi password),
 * EMFILE (no free socket on the board), EBUSY, ENODEV (no board attached),
 * EIO (WiFi module error), EOPNOTSUPP, EINVAL and others.
 * EPROTO means the daemon broke the protocol: the handle is then unusable,
 * as after ECONNRESET (daemon gone) or ETIMEDOUT on a request; close it and
 * open a new one.
 */
#ifndef K210SOCK_H
#define K210SOCK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define K210SOCK_API __attribute__((visibility("default")))
#else
#define K210SOCK_API
#endif

/* The daemon's socket when neither a path nor $K210SOCK_SOCKET is given. */
#define K210SOCK_DEFAULT_SOCKET "/run/k210sockd/k210sockd.sock"
#define K210SOCK_SOCKET_ENV "K210SOCK_SOCKET"

/* Limits of the protocol (bytes, without a terminating NUL). */
#define K210SOCK_HOST_MAX 253
#define K210SOCK_SSID_MAX 32
#define K210SOCK_PSK_MAX 64
#define K210SOCK_NAME_MAX 64
#define K210SOCK_LOG_MAX 200
#define K210SOCK_KEY_MAX 32
#define K210SOCK_STR_MAX 255
#define K210SOCK_DATAGRAM_MAX 2048

/* Request timeout of a new handle (k210sock_set_timeout changes it). */
#define K210SOCK_TIMEOUT_DEFAULT 60000

typedef struct k210sock k210sock;

enum k210sock_kind {
	K210SOCK_TCP = 1,
	K210SOCK_TLS = 3,            /* TLS terminated on the ESP8285 */
};

enum k210sock_reset_target {
	K210SOCK_RESET_BOARD = 0,
	K210SOCK_RESET_ESP = 1,
};

enum k210sock_wifi_state {
	K210SOCK_WIFI_DOWN = 0,
	K210SOCK_WIFI_CONNECTING = 1,
	K210SOCK_WIFI_CONNECTED = 2, /* associated, no address yet */
	K210SOCK_WIFI_GOT_IP = 3,
};

/* k210sock_device_info caps bits. */
enum k210sock_caps {
	K210SOCK_CAP_PASSIVE_RX = 1 << 0, /* receive is flow controlled end to end */
	K210SOCK_CAP_TLS = 1 << 1,
	K210SOCK_CAP_SERVER = 1 << 2,
	K210SOCK_CAP_UDP = 1 << 3,
};

/* k210sock_subscribe mask bits. */
enum k210sock_sub {
	K210SOCK_SUB_DEVICE = 1 << 0,
	K210SOCK_SUB_WIFI = 1 << 1,
	K210SOCK_SUB_LOG = 1 << 2,
	K210SOCK_SUB_ALL = 7,
};

enum k210sock_event_type {
	K210SOCK_EV_DEVICE = 1,
	K210SOCK_EV_WIFI = 2,
	K210SOCK_EV_LOG = 3,
	K210SOCK_EV_LOST = 4,        /* the event queue overflowed: u.lost says how many */
};

enum k210sock_device_event {
	K210SOCK_DEV_ATTACHED = 1,   /* the link to a board came up */
	K210SOCK_DEV_DETACHED = 2,   /* the board is gone */
	K210SOCK_DEV_BOARD_RESET = 3,
	K210SOCK_DEV_ESP_RESET = 4,
	K210SOCK_DEV_BAUD = 5,       /* a rate changed: value is the new baud rate */
	K210SOCK_DEV_ESP_READY = 6,  /* the ESP8285 is up (after the board or it restarted) */
	K210SOCK_DEV_ESP_WEDGED = 7, /* the ESP8285 answered only "busy": the board reset it (value: times) */
};

enum k210sock_log_level {
	K210SOCK_LOG_ERROR = 0,
	K210SOCK_LOG_WARN = 1,
	K210SOCK_LOG_INFO = 2,
	K210SOCK_LOG_DEBUG = 3,
};

struct k210sock_device_info {
	char firmware[K210SOCK_NAME_MAX + 1];
	char at_version[K210SOCK_NAME_MAX + 1];
	char sdk_version[K210SOCK_NAME_MAX + 1];
	char board[K210SOCK_NAME_MAX + 1];
	uint8_t mac[6];
	struct in_addr ip;
	unsigned links_total, links_free;
	unsigned caps;               /* enum k210sock_caps */
	uint32_t usb_baud, esp_baud;
	uint32_t uptime_s;
};

struct k210sock_wifi_status {
	int state;                   /* enum k210sock_wifi_state */
	char ssid[K210SOCK_SSID_MAX + 1];
	uint8_t bssid[6];
	int rssi;                    /* dBm */
	unsigned channel;
	struct in_addr ip, gateway, netmask;
};

struct k210sock_ap {
	char ssid[K210SOCK_SSID_MAX + 1];
	uint8_t bssid[6];
	int rssi;                    /* dBm */
	unsigned channel;
	int security;                /* 0 open, 1 WEP, 2 WPA, 3 WPA2, 4 WPA/WPA2 */
};

/* One entry of the daemon's status (k210sock_status_next). */
struct k210sock_kv {
	char key[K210SOCK_KEY_MAX + 1];  /* dotted name, e.g. "link.baud" */
	int is_str;                      /* 1: str holds the value; 0: num does */
	int64_t num;
	char str[K210SOCK_STR_MAX + 1];
};

struct k210sock_event {
	int type;                    /* enum k210sock_event_type */
	union {
		struct {
			int what;            /* enum k210sock_device_event */
			uint32_t value;
		} device;
		struct {
			int state;           /* enum k210sock_wifi_state */
			struct in_addr ip;
		} wifi;
		struct {
			int level;           /* enum k210sock_log_level */
			char text[K210SOCK_LOG_MAX + 1];
		} log;
		struct {
			unsigned long count; /* events that did not fit in the queue */
		} lost;
	} u;
};

/*
 * Connect to the daemon and exchange versions.  path NULL: $K210SOCK_SOCKET,
 * else K210SOCK_DEFAULT_SOCKET.  Returns a handle, or NULL with errno set:
 * ENOENT, ECONNREFUSED, EACCES (cannot reach the socket), ECONNRESET (the
 * daemon closed the connection: refused by access control), EPROTONOSUPPORT
 * (incompatible protocol version), ETIMEDOUT, ENOMEM, ENAMETOOLONG.
 */
K210SOCK_API k210sock *k210sock_open(const char *path);

/* Close the handle: its UDP and listening sockets are closed by the daemon. */
K210SOCK_API void k210sock_close(k210sock *h);

/*
 * The handle's connection, for poll(2): readable when a message from the
 * daemon is waiting.  Events and datagrams the library has already read are
 * kept in the handle and do not make the descriptor readable: call
 * k210sock_next_event / k210sock_recvfrom with timeout 0 until they report
 * nothing before polling.
 */
K210SOCK_API int k210sock_fd(const k210sock *h);

/* Why the last failed call on h failed (a static or per-handle string). */
K210SOCK_API const char *k210sock_strerror(const k210sock *h);

/*
 * Set the time the library waits for the daemon's answer to a request
 * (default K210SOCK_TIMEOUT_DEFAULT; negative: no limit).  Returns 0.
 */
K210SOCK_API int k210sock_set_timeout(k210sock *h, int timeout_ms);

/* The daemon's name and version from the version exchange. */
K210SOCK_API const char *k210sock_daemon_name(const k210sock *h);

/*
 * Open a TCP or TLS connection to host:port through the board (host: a DNS
 * name or dotted IPv4, resolved on the board).  Returns a connected stream
 * file descriptor (close-on-exec, blocking), or -1 with errno set.
 * timeout_ms bounds the whole call.  The ESP8285 cannot half-close: after
 * shutdown(SHUT_WR) the daemon keeps relaying what the remote sends, and
 * closes the remote socket once the remote has been quiet for the daemon's
 * half_close_timeout (the remote sees the end of its input then).  End of
 * file on the stream means the remote closed it or the socket failed:
 * k210sock_stream_error tells which.
 */
K210SOCK_API int k210sock_connect(const char *path, const char *host, uint16_t port,
				  int kind, int timeout_ms);

/* k210sock_connect through h's daemon, keeping the reason of a failure in h. */
K210SOCK_API int k210sock_dial(k210sock *h, const char *host, uint16_t port, int kind,
			       int timeout_ms);

/*
 * After read(2) returned end of file on a stream: 0 when the remote closed
 * it in order, else the errno value of the failure (ECONNRESET: the daemon
 * closed the whole connection, as it does when the socket failed), also
 * after the caller shut down its own sending side.
 */
K210SOCK_API int k210sock_stream_error(int fd);

/*
 * Resolve host on the board.  Stores up to max IPv4 addresses and returns
 * how many the board gave (which may exceed max), or -1: EHOSTUNREACH when
 * the name does not resolve, ENETDOWN, ENODEV.
 */
K210SOCK_API int k210sock_getaddrinfo(k210sock *h, const char *host, struct in_addr *addrs,
				      int max);

/*
 * ICMP echo to host (a name or dotted IPv4) from the board's ESP8285
 * (AT+PING).  0 with the round trip the module measured in *rtt_ms (may be
 * NULL), or -1: ETIMEDOUT no answer, EHOSTUNREACH the name does not resolve,
 * EOPNOTSUPP the module's AT firmware has no ping, ENETDOWN, ENODEV.
 */
K210SOCK_API int k210sock_ping(k210sock *h, const char *host, unsigned *rtt_ms);

/* Board and ESP8285 versions, addresses, free links.  0, or -1 (ENODEV...). */
K210SOCK_API int k210sock_device_info(k210sock *h, struct k210sock_device_info *info);

/* WiFi state, network and addresses.  0, or -1. */
K210SOCK_API int k210sock_wifi_status(k210sock *h, struct k210sock_wifi_status *st);

/*
 * Scan for access points.  Stores up to max of them and returns how many
 * the ESP8285 saw (which may exceed max), or -1.
 */
K210SOCK_API int k210sock_wifi_scan(k210sock *h, struct k210sock_ap *aps, int max);

/*
 * Join a network (psk NULL or "" for an open one).  0, or -1: EACCES wrong
 * passphrase (or not allowed by the daemon), ENETUNREACH network not found,
 * ETIMEDOUT.
 */
K210SOCK_API int k210sock_wifi_join(k210sock *h, const char *ssid, const char *psk);

/* Leave the network.  0, or -1. */
K210SOCK_API int k210sock_wifi_leave(k210sock *h);

/* Reset the board or its ESP8285 (enum k210sock_reset_target).  0, or -1. */
K210SOCK_API int k210sock_reset(k210sock *h, int what);

/*
 * Fetch the daemon's status (key/value pairs with stable dotted names, see
 * k210sock(1)).  Returns the number of entries, or -1.  Walk them with
 * k210sock_status_next.
 */
K210SOCK_API int k210sock_status(k210sock *h);

/*
 * The next entry of the status k210sock_status fetched: returns 1 and fills
 * kv, or 0 after the last one.
 */
K210SOCK_API int k210sock_status_next(k210sock *h, struct k210sock_kv *kv);

/*
 * Receive the events in mask (enum k210sock_sub) from now on; 0 stops them.
 * 0, or -1.
 */
K210SOCK_API int k210sock_subscribe(k210sock *h, unsigned mask);

/*
 * Wait up to timeout_ms for the next event.  Returns 1 with *ev filled in, 0
 * if none came in time, -1 on error.  The queue of events not yet taken is
 * bounded: when it overflows, later events are counted and reported by one
 * K210SOCK_EV_LOST event, in order.
 */
K210SOCK_API int k210sock_next_event(k210sock *h, struct k210sock_event *ev, int timeout_ms);

/*
 * A UDP socket on the board that receives from anyone on local_port (0: the
 * board picks).  Returns the socket id (> 0), or -1: EMFILE no free socket,
 * EADDRINUSE, EACCES (UDP not allowed by the daemon).  Datagrams arrive on
 * the handle's connection and wait in the handle for k210sock_recvfrom, in a
 * bounded queue: as with any UDP socket, those that find it full are dropped
 * (k210sock_udp_dropped counts them).
 */
K210SOCK_API int k210sock_udp_bind(k210sock *h, uint16_t local_port);

/* The local port of UDP socket id, or -1 (EBADF). */
K210SOCK_API int k210sock_udp_port(const k210sock *h, int id);

/* Datagrams for UDP socket id dropped because its queue was full, or -1 (EBADF). */
K210SOCK_API long k210sock_udp_dropped(const k210sock *h, int id);

/*
 * Send one datagram (at most K210SOCK_DATAGRAM_MAX bytes) to ip:port.
 * Waits up to the request timeout while the board has no room for it.
 * Returns len, or -1: EMSGSIZE, EAGAIN (no room in time), EBADF, or the
 * error that ended the socket.
 */
K210SOCK_API ssize_t k210sock_sendto(k210sock *h, int id, struct in_addr ip, uint16_t port,
				     const void *buf, size_t len);

/*
 * Receive one datagram, waiting up to timeout_ms.  Copies at most cap bytes
 * (a datagram longer than cap is cut: K210SOCK_DATAGRAM_MAX always suffices)
 * and returns how many, with the sender in *ip and *port (either may be
 * NULL).  -1: EAGAIN nothing came in time, or the error that ended the socket
 * (once the datagrams that arrived before it are taken).
 */
K210SOCK_API ssize_t k210sock_recvfrom(k210sock *h, int id, void *buf, size_t cap,
				       struct in_addr *ip, uint16_t *port, int timeout_ms);

/* Close UDP socket id; datagrams still queued for it are discarded.  0, or -1. */
K210SOCK_API int k210sock_udp_close(k210sock *h, int id);

/*
 * Listen for TCP connections on port of the board's WiFi address (one
 * listening socket per board).  Returns a listener id (> 0), or -1: EBUSY
 * another one exists, EACCES not allowed by the daemon.
 */
K210SOCK_API int k210sock_listen(k210sock *h, uint16_t port);

/*
 * Wait up to timeout_ms for a connection on listener and take it.  Returns a
 * stream file descriptor as k210sock_connect does, with the remote address
 * in *remote (may be NULL), or -1: EAGAIN nothing came in time, ENOBUFS more
 * connections arrived than the handle can hold (the extra ones were left to
 * expire), or the error that ended the listener.
 */
K210SOCK_API int k210sock_accept(k210sock *h, int listener, int timeout_ms,
				 struct sockaddr_in *remote);

/* Stop listening (connections already accepted stay open).  0, or -1. */
K210SOCK_API int k210sock_listen_close(k210sock *h, int listener);

/*
 * Operations for event loops.  Each runs on a connection of its own to the
 * daemon and never blocks: start it, wait until k210sock_op_fd is readable,
 * and call k210sock_op_step, which returns 0 while the answer has not come
 * (wait again), 1 once the operation succeeded, or -1 with errno set (the
 * errors of the blocking call of the same name; k210sock_op_strerror tells
 * why).  The start functions return NULL with errno set when the daemon
 * cannot be reached at once: ETIMEDOUT when its listen queue is full (try
 * again later), ENOENT, ECONNREFUSED, EACCES, ENAMETOOLONG, ENOMEM, EINVAL.
 * An operation freed before it finished is abandoned; the daemon cancels it.
 */
typedef struct k210sock_op k210sock_op;

/* k210sock_connect without waiting; the stream: k210sock_op_take_fd. */
K210SOCK_API k210sock_op *k210sock_op_connect(const char *path, const char *host, uint16_t port,
					      int kind);
/* k210sock_getaddrinfo without waiting; the addresses: k210sock_op_addrs. */
K210SOCK_API k210sock_op *k210sock_op_resolve(const char *path, const char *host);
/* k210sock_ping without waiting; the round trip: k210sock_op_rtt_ms. */
K210SOCK_API k210sock_op *k210sock_op_ping(const char *path, const char *host);
/*
 * k210sock_open and k210sock_udp_bind without waiting; the handle and its
 * UDP socket: k210sock_op_take_handle.
 */
K210SOCK_API k210sock_op *k210sock_op_udp_bind(const char *path, uint16_t local_port);

K210SOCK_API int k210sock_op_fd(const k210sock_op *op);
K210SOCK_API int k210sock_op_step(k210sock_op *op);
K210SOCK_API const char *k210sock_op_strerror(const k210sock_op *op);
/*
 * The stream of a finished connect (a blocking, close-on-exec descriptor the
 * caller now owns), or -1 (EINVAL: not a finished connect, or taken).
 */
K210SOCK_API int k210sock_op_take_fd(k210sock_op *op);
/* The addresses of a finished resolve, as k210sock_getaddrinfo; -1 (EINVAL) otherwise. */
K210SOCK_API int k210sock_op_addrs(const k210sock_op *op, struct in_addr *addrs, int max);
/* The round trip of a finished ping in milliseconds; -1 (EINVAL) otherwise. */
K210SOCK_API long k210sock_op_rtt_ms(const k210sock_op *op);
/*
 * The handle of a finished UDP bind (the caller now owns it) with the UDP
 * socket's id in *udp_id; NULL (EINVAL) otherwise.  Its request timeout is
 * K210SOCK_TIMEOUT_DEFAULT as for any new handle.
 */
K210SOCK_API k210sock *k210sock_op_take_handle(k210sock_op *op, int *udp_id);
/* Free the operation and whatever of its result was not taken. */
K210SOCK_API void k210sock_op_free(k210sock_op *op);

#ifdef __cplusplus
}
#endif

#endif
