/*
 * The k210sock wire protocol: version, limits, message types and error codes.
 * Shared by the daemon, the CLI, the client library and the board firmware.
 * proto/PROTOCOL.md is the specification this header implements.
 */
#ifndef K210_PROTO_H
#define K210_PROTO_H

#include <stdint.h>

/*
 * Versioning: peers with different major versions refuse each other at the
 * link handshake (and at the client HELLO).  Within a major version, a newer
 * minor version may add message types (answered with PROTO_ENOTSUP by older
 * peers) and append fields to the end of a body (ignored by older peers).
 */
#define PROTO_VERSION_MAJOR 1
#define PROTO_VERSION_MINOR 0

/* Largest message (3-byte header included) and largest data chunk in one. */
#define PROTO_MSG_MAX 2560
#define PROTO_MSG_HDR 3
#define PROTO_BODY_MAX (PROTO_MSG_MAX - PROTO_MSG_HDR)
#define PROTO_DATA_MAX 2048
#define PROTO_DATA_HDR (PROTO_MSG_HDR + 2)   /* DATA: header, then the socket id */

/* The board serves at most this many requests at once. */
#define PROTO_BOARD_REQUESTS_MAX 8

/* Sockets the ESP8285 AT firmware has (AT+CIPMUX=1 links 0..4); DEVICE_INFO
 * reports what the board really has. */
#define PROTO_ESP_LINKS 5

/* Socket ids: the host picks 1..0x7fff, the board 0x8000..0xffff (accepted). */
#define PROTO_SOCK_HOST_MAX 0x7fff
#define PROTO_SOCK_BOARD_MIN 0x8000

/* String limits (bytes, without a terminating NUL). */
#define PROTO_HOST_MAX 253  /* DNS name or dotted IPv4 */
#define PROTO_SSID_MAX 32
#define PROTO_PSK_MAX 64
#define PROTO_NAME_MAX 64   /* client names, versions, board names */
#define PROTO_LOG_MAX 200
#define PROTO_KEY_MAX 32    /* status keys */
#define PROTO_STR_MAX 255   /* any string field */

/*
 * Message types.  Requests carry a tag and are answered by exactly one
 * response whose type is the request type | PROTO_RESPONSE.  Messages in the
 * 0x20 and 0x40 blocks are never answered.
 */
enum proto_type {
	/* Requests: 0x01..0x1f */
	PROTO_HELLO = 0x01,       /* client <-> daemon: versions and names */
	PROTO_DEVICE_INFO = 0x02, /* firmware/AT versions, MAC, IP, links */
	PROTO_RESET = 0x03,       /* reset the board or the ESP8285 */
	PROTO_WIFI_STATUS = 0x04,
	PROTO_WIFI_JOIN = 0x05,
	PROTO_WIFI_SCAN = 0x06,
	PROTO_WIFI_LEAVE = 0x07,
	PROTO_RESOLVE = 0x08,     /* getaddrinfo: name -> IPv4 addresses */
	PROTO_STATUS = 0x09,      /* daemon status as key/value pairs */
	PROTO_SUBSCRIBE = 0x0a,   /* client <-> daemon: event subscription */
	PROTO_PING = 0x0b,        /* ICMP echo to a host from the module (AT+PING) */
	PROTO_CONNECT = 0x10,     /* TCP, UDP or TLS socket to host:port */
	PROTO_UDP_BIND = 0x11,    /* UDP socket for sendto/recvfrom */
	PROTO_LISTEN = 0x12,      /* TCP server socket */
	PROTO_ACCEPT = 0x13,      /* client <-> daemon: wait for a connection */
	PROTO_CLOSE = 0x14,
	PROTO_SETSOCKOPT = 0x15,

	/* Stream and flow control, either direction, never answered: 0x20..0x3f */
	PROTO_DATA = 0x20,        /* bytes of a stream or one datagram */
	PROTO_DATAGRAM = 0x21,    /* one datagram with its remote address */
	PROTO_CREDIT = 0x22,      /* receiver grants more bytes of window */

	/* Events, never answered: 0x40..0x5f */
	PROTO_EV_CLOSED = 0x40,   /* a socket ended (err says why) */
	PROTO_EV_ACCEPTED = 0x41, /* a listening socket got a connection */
	PROTO_EV_WIFI = 0x42,     /* WiFi state changed */
	PROTO_EV_DEVICE = 0x43,   /* board attached/detached/reset, ESP reset */
	PROTO_EV_LOG = 0x44,      /* a log line from the board or daemon */
};

#define PROTO_RESPONSE 0x80
#define PROTO_IS_REQUEST(t) ((t) >= 0x01 && (t) <= 0x1f)
#define PROTO_IS_RESPONSE(t) (((t) & PROTO_RESPONSE) && PROTO_IS_REQUEST((t) & 0x7f))

/*
 * Error codes on the wire (one byte).  Each maps to one errno value
 * (proto_errno_from_err, proto_errno.h); the numbers themselves are part of the protocol.
 */
enum proto_err {
	PROTO_OK = 0,
	PROTO_EINVAL = 1,        /* malformed or invalid argument */
	PROTO_ENOTSUP = 2,       /* unknown request, option or feature */
	PROTO_ENOBUFS = 3,       /* out of buffers or table entries */
	PROTO_EMFILE = 4,        /* no free socket (ESP links exhausted) */
	PROTO_EBADF = 5,         /* unknown socket id */
	PROTO_EBUSY = 6,         /* resource held (one TLS link, one server) */
	PROTO_EAGAIN = 7,        /* temporarily unable: try again */
	PROTO_ENETDOWN = 8,      /* WiFi not connected */
	PROTO_EHOSTUNREACH = 9,
	PROTO_ECONNREFUSED = 10,
	PROTO_ECONNRESET = 11,   /* remote reset, or board/ESP reset */
	PROTO_ETIMEDOUT = 12,
	PROTO_ENOTCONN = 13,
	PROTO_EADDRINUSE = 14,
	PROTO_EMSGSIZE = 15,
	PROTO_EACCES = 16,       /* refused by access control */
	PROTO_ENOHOST = 17,      /* name did not resolve */
	PROTO_EAUTH = 18,        /* WiFi: wrong password */
	PROTO_ENOAP = 19,        /* WiFi: access point not found */
	PROTO_EIO = 20,          /* the ESP8285 answered ERROR or nonsense */
	PROTO_EPROTO = 21,       /* peer broke the protocol */
	PROTO_ENODEV = 22,       /* no board attached */
	PROTO_EVERSION = 23,     /* incompatible protocol version */
	PROTO_ECANCELED = 24,    /* request cancelled (socket closed, shutdown) */
	PROTO_EPIPE = 25,        /* send on a socket that is closing */
	PROTO_EALREADY = 26,     /* already connected / in progress */
	PROTO_ECONNABORTED = 27, /* TLS handshake or link failure on the ESP */
	PROTO_EUDPREFUSED = 28,  /* the ESP8285 refused a UDP socket (a plain ERROR) */
	PROTO_ENETRESET = 29,    /* the ESP8285 stopped answering and was reset */
	PROTO_ERR_COUNT
};

/* Socket kinds (PROTO_CONNECT). */
enum proto_kind {
	PROTO_KIND_TCP = 1,
	PROTO_KIND_UDP = 2,
	PROTO_KIND_TLS = 3,      /* TLS terminated on the ESP (usocket IPPROTO_SEC) */
};

/* Socket options (PROTO_SETSOCKOPT). */
enum proto_opt {
	PROTO_OPT_KEEPALIVE = 1,      /* TCP keepalive seconds, 0 = off (before connect) */
	PROTO_OPT_SERVER_TIMEOUT = 2, /* idle timeout of accepted links, seconds */
	PROTO_OPT_TLS_BUFSIZE = 3,    /* ESP TLS buffer, 2048..4096 (before connect) */
	PROTO_OPT_RCVBUF = 4,         /* receive window the host grants, bytes */
	PROTO_OPT_SNDBUF = 5,         /* send buffer on the host side, bytes */
};

/* PROTO_RESET targets. */
enum proto_reset {
	PROTO_RESET_BOARD = 0,
	PROTO_RESET_ESP = 1,
};

/* WiFi states (EV_WIFI, WIFI_STATUS). */
enum proto_wifi_state {
	PROTO_WIFI_DOWN = 0,
	PROTO_WIFI_CONNECTING = 1,
	PROTO_WIFI_CONNECTED = 2,  /* associated, no address yet */
	PROTO_WIFI_GOT_IP = 3,
};

/* PROTO_EV_DEVICE reasons. */
enum proto_device_event {
	PROTO_DEV_ATTACHED = 1,    /* link to a board came up */
	PROTO_DEV_DETACHED = 2,    /* board gone (unplugged or link dead) */
	PROTO_DEV_BOARD_RESET = 3, /* board restarted: all its sockets are gone */
	PROTO_DEV_ESP_RESET = 4,   /* ESP8285 restarted: all its sockets are gone */
	PROTO_DEV_BAUD = 5,        /* a rate changed (value = baud) */
	PROTO_DEV_ESP_READY = 6,   /* ESP8285 up: DEVICE_INFO has its versions now */
	PROTO_DEV_ESP_WEDGED = 7,  /* ESP8285 answered only "busy" for too long: reset (value = times) */
};

/* Capability bits in DEVICE_INFO. */
enum proto_caps {
	PROTO_CAP_PASSIVE_RX = 1 << 0, /* ESP reads are flow controlled end to end */
	PROTO_CAP_TLS = 1 << 1,
	PROTO_CAP_SERVER = 1 << 2,
	PROTO_CAP_UDP = 1 << 3,
};

/* Subscription mask bits (PROTO_SUBSCRIBE). */
enum proto_sub {
	PROTO_SUB_DEVICE = 1 << 0,
	PROTO_SUB_WIFI = 1 << 1,
	PROTO_SUB_LOG = 1 << 2,
};

/* Log levels (PROTO_EV_LOG). */
enum proto_log_level {
	PROTO_LOG_ERROR = 0,
	PROTO_LOG_WARN = 1,
	PROTO_LOG_INFO = 2,
	PROTO_LOG_DEBUG = 3,
};

/* Status value kinds (PROTO_STATUS response). */
enum proto_kv_kind {
	PROTO_KV_INT = 0,
	PROTO_KV_STR = 1,
};

const char *proto_err_str(int err);
const char *proto_type_name(int type);

#endif
