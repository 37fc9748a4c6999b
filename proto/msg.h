/*
 * Message layer: encode and decode the messages of proto.h, and reassemble
 * them from a byte stream (the reliable link, or a local Unix connection).
 *
 * Every message is  type:u8  len:u16  body[len]  with big-endian fields.
 * Decoding never allocates: strings are copied into fixed arrays in
 * struct msg and NUL-terminated; data and list bodies point into the
 * caller's buffer, which must outlive the decoded message.
 */
#ifndef K210_MSG_H
#define K210_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

enum msg_status {
	MSG_OK = 0,
	MSG_NEED_MORE,   /* reader: feed more bytes */
	MSG_ETRUNC,      /* body shorter than its fields */
	MSG_EOVERSIZE,   /* declared length above PROTO_BODY_MAX */
	MSG_ETYPE,       /* unknown message type (length was valid) */
	MSG_EINVAL,      /* a field is out of range: bad string, bad enum */
};

struct msg_addr {
	uint8_t ip[4];   /* IPv4, network order */
	uint16_t port;
};

struct msg {
	uint8_t type;
	uint16_t tag;    /* requests and responses */
	uint8_t err;     /* responses: enum proto_err */
	uint16_t sock;   /* socket-addressed messages */
	union {
		struct {                /* HELLO and its response */
			uint8_t major, minor;
			uint32_t features;
			char name[PROTO_NAME_MAX + 1];
		} hello;
		struct {                /* RESET */
			uint8_t what;
		} reset;
		struct {                /* WIFI_JOIN */
			char ssid[PROTO_SSID_MAX + 1];
			char psk[PROTO_PSK_MAX + 1];
		} join;
		struct {                /* RESOLVE, PING */
			char host[PROTO_HOST_MAX + 1];
		} resolve;
		struct {                /* SUBSCRIBE */
			uint32_t mask;
		} subscribe;
		struct {                /* CONNECT */
			uint8_t kind;
			uint16_t port;
			uint16_t local_port;   /* 0 = any */
			uint32_t rx_window;    /* bytes the sender of CONNECT can take */
			char host[PROTO_HOST_MAX + 1];
		} connect;
		struct {                /* UDP_BIND */
			uint16_t local_port;
			uint32_t rx_window;
		} bind;
		struct {                /* LISTEN */
			uint16_t port;
			uint8_t backlog;
			uint32_t rx_window;    /* initial window of each accepted socket */
		} listen;
		struct {                /* SETSOCKOPT */
			uint8_t opt;
			uint32_t value;
		} sockopt;
		struct {                /* DATA, DATAGRAM */
			struct msg_addr addr;  /* DATAGRAM only */
			const uint8_t *data;
			uint16_t len;
		} data;
		struct {                /* CREDIT */
			uint32_t bytes;
		} credit;
		struct {                /* EV_CLOSED */
			uint8_t err;           /* PROTO_OK = orderly close by the remote */
		} closed;
		struct {                /* EV_ACCEPTED (sock = the listener) */
			uint16_t new_sock;
			struct msg_addr remote;
			uint32_t tx_window;
		} accepted;
		struct {                /* EV_WIFI */
			uint8_t state;
			uint8_t ip[4];
		} wifi;
		struct {                /* EV_DEVICE */
			uint8_t what;
			uint32_t value;
		} device;
		struct {                /* EV_LOG */
			uint8_t level;
			char text[PROTO_LOG_MAX + 1];
		} log;

		/* Responses (err == PROTO_OK; otherwise only tag and err are set). */
		struct {                /* DEVICE_INFO response */
			char firmware[PROTO_NAME_MAX + 1];
			char at_version[PROTO_NAME_MAX + 1];
			char sdk_version[PROTO_NAME_MAX + 1];
			char board[PROTO_NAME_MAX + 1];
			uint8_t mac[6];
			uint8_t ip[4];
			uint8_t links_total, links_free;
			uint8_t caps;          /* enum proto_caps */
			uint32_t usb_baud, esp_baud;
			uint32_t uptime_s;
		} info;
		struct {                /* WIFI_STATUS response */
			uint8_t state;
			char ssid[PROTO_SSID_MAX + 1];
			uint8_t bssid[6];
			int8_t rssi;
			uint8_t channel;
			uint8_t ip[4], gw[4], mask[4];
		} wstatus;
		struct {                /* WIFI_SCAN, RESOLVE and STATUS responses */
			uint8_t count;         /* entries, walk them with msg_list_next */
			const uint8_t *entries;
			uint16_t len;
		} list;
		struct {                /* CONNECT and UDP_BIND responses */
			uint32_t tx_window;    /* bytes the requester may send at once */
			uint16_t local_port;
		} opened;
		struct {                /* ACCEPT response (client <-> daemon) */
			struct msg_addr remote;
		} accept;
		struct {                /* PING response */
			uint32_t ms;           /* round trip the module measured */
		} ping;
	} u;
};

/* One entry of a list response, as msg_list_next returns it. */
struct msg_entry {
	union {
		struct {                /* WIFI_SCAN */
			char ssid[PROTO_SSID_MAX + 1];
			uint8_t bssid[6];
			int8_t rssi;
			uint8_t channel;
			uint8_t enc;           /* 0 open, 1 WEP, 2 WPA, 3 WPA2, 4 WPA/WPA2 */
		} ap;
		uint8_t ip[4];          /* RESOLVE */
		struct {                /* STATUS */
			char key[PROTO_KEY_MAX + 1];
			uint8_t kind;          /* enum proto_kv_kind */
			int64_t num;
			char str[PROTO_STR_MAX + 1];
		} kv;
	} u;
};

/*
 * Decode one whole message (header included).  Returns MSG_OK, MSG_ETRUNC,
 * MSG_EOVERSIZE, MSG_ETYPE or MSG_EINVAL.  On MSG_ETYPE and MSG_EINVAL the
 * type (and, where the body had one, the tag) are still filled in so that a
 * request can be answered with an error.
 */
enum msg_status msg_decode(struct msg *m, const uint8_t *buf, size_t len);

/* Encode into out; returns the total length, or 0 if it does not fit or a
 * field is invalid. */
size_t msg_encode(const struct msg *m, uint8_t *out, size_t cap);

/* Size msg_encode would produce (0 if invalid). */
size_t msg_encoded_len(const struct msg *m);

/* Walk a list response: *pos starts at 0; returns false at the end. */
bool msg_list_next(const struct msg *m, size_t *pos, struct msg_entry *e);

/*
 * Builders for list responses: append entries to a body under construction.
 * Return false when the entry does not fit (the list stays valid).
 */
struct msg_list_builder {
	uint8_t *buf;
	size_t cap, len;
	uint8_t count;
};
void msg_list_begin(struct msg_list_builder *b, uint8_t *buf, size_t cap);
bool msg_list_add_ap(struct msg_list_builder *b, const char *ssid, const uint8_t bssid[6],
		     int8_t rssi, uint8_t channel, uint8_t enc);
bool msg_list_add_ip(struct msg_list_builder *b, const uint8_t ip[4]);
bool msg_list_add_int(struct msg_list_builder *b, const char *key, int64_t value);
bool msg_list_add_str(struct msg_list_builder *b, const char *key, const char *value);
/* Point a response at the built list. */
void msg_list_finish(const struct msg_list_builder *b, struct msg *m);

/*
 * For code that moves encoded messages without decoding them: the length
 * of a whole message from its first PROTO_MSG_HDR bytes; the tag of an
 * encoded request or response (PROTO_MSG_HDR + 2 bytes at least); a new
 * tag written into an encoded request; the header of a DATA message of len
 * payload bytes for sock, which the payload then follows.
 */
size_t msg_peek_len(const uint8_t *hdr);
uint16_t msg_peek_tag(const uint8_t *buf);
void msg_set_tag(uint8_t *buf, uint16_t tag);
void msg_data_header(uint8_t hdr[PROTO_DATA_HDR], uint16_t sock, size_t len);

/* Fill the common fields of a message. */
void msg_init(struct msg *m, uint8_t type);
void msg_init_response(struct msg *resp, const struct msg *req, uint8_t err);

/*
 * Incremental reader: reassembles messages from a byte stream fed in pieces
 * of any size.  After MSG_EOVERSIZE the stream cannot be resynchronised and
 * the reader stays in that state until msg_reader_reset.
 */
struct msg_reader {
	uint8_t buf[PROTO_MSG_MAX];
	size_t have;
	enum msg_status broken;
};
void msg_reader_reset(struct msg_reader *r);
/*
 * Consume bytes from in (n of them); returns how many were consumed.  When a
 * whole message is ready, *st is MSG_OK and *msg and *msglen point at it inside
 * the reader (valid until the next feed).  *st is MSG_NEED_MORE when all
 * input was consumed without completing a message, MSG_EOVERSIZE if the
 * stream declared an oversized body.
 */
size_t msg_reader_feed(struct msg_reader *r, const uint8_t *in, size_t n,
		       enum msg_status *st, const uint8_t **msg, size_t *msglen);

const char *msg_status_str(enum msg_status st);

#endif
