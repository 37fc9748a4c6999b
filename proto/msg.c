#include <string.h>

#include "msg.h"
#include "wire.h"

/*
 * One description of every body drives both directions: msg_fields() walks
 * the fields of a message through a codec that either writes them out or
 * reads them in, so encoder and decoder cannot disagree.
 */
struct codec {
	bool enc;
	uint8_t *out;          /* encode: destination, NULL to only count */
	const uint8_t *in;     /* decode: body */
	size_t len;            /* encode: capacity; decode: body length */
	size_t pos;
	enum msg_status st;
};

/* Room for the next n output bytes: NULL when only counting (or on error). */
static uint8_t *codec_take(struct codec *c, size_t n)
{
	size_t at = c->pos;

	if (c->st != MSG_OK)
		return NULL;
	if (n > c->len - c->pos) {
		c->st = MSG_EOVERSIZE;
		return NULL;
	}
	c->pos += n;
	return c->out ? c->out + at : NULL;
}

/* Position of the next n input bytes, or NULL (and a sticky error). */
static const uint8_t *codec_in(struct codec *c, size_t n)
{
	size_t at = c->pos;

	if (c->st != MSG_OK)
		return NULL;
	if (n > c->len - c->pos) {
		c->st = MSG_ETRUNC;
		return NULL;
	}
	c->pos += n;
	return c->in + at;
}

static void codec_u8(struct codec *c, uint8_t *v)
{
	if (c->enc) {
		uint8_t *p = codec_take(c, 1);

		if (p)
			*p = *v;
	} else {
		const uint8_t *p = codec_in(c, 1);

		if (p)
			*v = *p;
	}
}

static void codec_u16(struct codec *c, uint16_t *v)
{
	if (c->enc) {
		uint8_t *p = codec_take(c, 2);

		if (p)
			wire_put_u16(p, *v);
	} else {
		const uint8_t *p = codec_in(c, 2);

		if (p)
			*v = wire_get_u16(p);
	}
}

static void codec_u32(struct codec *c, uint32_t *v)
{
	if (c->enc) {
		uint8_t *p = codec_take(c, 4);

		if (p)
			wire_put_u32(p, *v);
	} else {
		const uint8_t *p = codec_in(c, 4);

		if (p)
			*v = wire_get_u32(p);
	}
}

static void codec_u64(struct codec *c, uint64_t *v)
{
	uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v;

	codec_u32(c, &hi);
	codec_u32(c, &lo);
	*v = (uint64_t)hi << 32 | lo;
}

static void codec_bytes(struct codec *c, uint8_t *v, size_t n)
{
	if (c->enc) {
		uint8_t *p = codec_take(c, n);

		if (p)
			memcpy(p, v, n);
	} else {
		const uint8_t *p = codec_in(c, n);

		if (p)
			memcpy(v, p, n);
	}
}

/* A string: u8 length, then that many bytes, no NUL among them. */
static void codec_str(struct codec *c, char *s, size_t max)
{
	if (c->enc) {
		const char *end = memchr(s, 0, max + 1);
		size_t n = end ? (size_t)(end - s) : max + 1;
		uint8_t len = (uint8_t)n;

		if (n > max) {
			c->st = MSG_EINVAL;
			return;
		}
		codec_u8(c, &len);
		codec_bytes(c, (uint8_t *)s, n);
	} else {
		uint8_t len = 0;
		const uint8_t *p;

		codec_u8(c, &len);
		if (c->st == MSG_OK && len > max) {
			c->st = MSG_EINVAL;
			return;
		}
		p = codec_in(c, len);
		if (!p)
			return;
		if (memchr(p, 0, len)) {
			c->st = MSG_EINVAL;
			return;
		}
		memcpy(s, p, len);
		s[len] = 0;
	}
}

/* The rest of the body, at most max bytes (data and list payloads). */
static void codec_rest(struct codec *c, const uint8_t **data, uint16_t *len, size_t max)
{
	if (c->enc) {
		uint8_t *p;

		if (*len > max) {
			c->st = MSG_EINVAL;
			return;
		}
		p = codec_take(c, *len);
		if (p && *len)
			memcpy(p, *data, *len);
	} else {
		size_t n = c->len - c->pos;

		if (c->st != MSG_OK)
			return;
		if (n > max) {
			c->st = MSG_EINVAL;
			return;
		}
		*data = codec_in(c, n);
		*len = (uint16_t)n;
	}
}

static void codec_addr(struct codec *c, struct msg_addr *a)
{
	codec_bytes(c, a->ip, 4);
	codec_u16(c, &a->port);
}

static bool msg_known(uint8_t type)
{
	switch (type & 0x7f) {
	case PROTO_HELLO: case PROTO_DEVICE_INFO: case PROTO_RESET:
	case PROTO_WIFI_STATUS: case PROTO_WIFI_JOIN: case PROTO_WIFI_SCAN:
	case PROTO_WIFI_LEAVE: case PROTO_RESOLVE: case PROTO_STATUS:
	case PROTO_SUBSCRIBE: case PROTO_CONNECT: case PROTO_UDP_BIND:
	case PROTO_LISTEN: case PROTO_ACCEPT: case PROTO_CLOSE:
	case PROTO_SETSOCKOPT: case PROTO_PING:
		return true;
	case PROTO_DATA: case PROTO_DATAGRAM: case PROTO_CREDIT:
	case PROTO_EV_CLOSED: case PROTO_EV_ACCEPTED: case PROTO_EV_WIFI:
	case PROTO_EV_DEVICE: case PROTO_EV_LOG:
		return !(type & PROTO_RESPONSE);
	}
	return false;
}

static bool msg_list_check(struct msg *m);

/* Request bodies (after the tag) and event bodies. */
static void msg_fields_request(struct codec *c, struct msg *m)
{
	switch (m->type) {
	case PROTO_HELLO:
		codec_u8(c, &m->u.hello.major);
		codec_u8(c, &m->u.hello.minor);
		codec_u32(c, &m->u.hello.features);
		codec_str(c, m->u.hello.name, PROTO_NAME_MAX);
		break;
	case PROTO_RESET:
		codec_u8(c, &m->u.reset.what);
		break;
	case PROTO_WIFI_JOIN:
		codec_str(c, m->u.join.ssid, PROTO_SSID_MAX);
		codec_str(c, m->u.join.psk, PROTO_PSK_MAX);
		break;
	case PROTO_RESOLVE:
	case PROTO_PING:
		codec_str(c, m->u.resolve.host, PROTO_HOST_MAX);
		break;
	case PROTO_SUBSCRIBE:
		codec_u32(c, &m->u.subscribe.mask);
		break;
	case PROTO_CONNECT:
		codec_u16(c, &m->sock);
		codec_u8(c, &m->u.connect.kind);
		codec_u16(c, &m->u.connect.port);
		codec_u16(c, &m->u.connect.local_port);
		codec_u32(c, &m->u.connect.rx_window);
		codec_str(c, m->u.connect.host, PROTO_HOST_MAX);
		break;
	case PROTO_UDP_BIND:
		codec_u16(c, &m->sock);
		codec_u16(c, &m->u.bind.local_port);
		codec_u32(c, &m->u.bind.rx_window);
		break;
	case PROTO_LISTEN:
		codec_u16(c, &m->sock);
		codec_u16(c, &m->u.listen.port);
		codec_u8(c, &m->u.listen.backlog);
		codec_u32(c, &m->u.listen.rx_window);
		break;
	case PROTO_ACCEPT:
	case PROTO_CLOSE:
		codec_u16(c, &m->sock);
		break;
	case PROTO_SETSOCKOPT:
		codec_u16(c, &m->sock);
		codec_u8(c, &m->u.sockopt.opt);
		codec_u32(c, &m->u.sockopt.value);
		break;
	default: /* DEVICE_INFO, WIFI_STATUS, WIFI_SCAN, WIFI_LEAVE, STATUS */
		break;
	}
}

static void msg_fields_response(struct codec *c, struct msg *m)
{
	switch (m->type & 0x7f) {
	case PROTO_HELLO:
		codec_u8(c, &m->u.hello.major);
		codec_u8(c, &m->u.hello.minor);
		codec_u32(c, &m->u.hello.features);
		codec_str(c, m->u.hello.name, PROTO_NAME_MAX);
		break;
	case PROTO_DEVICE_INFO:
		codec_str(c, m->u.info.firmware, PROTO_NAME_MAX);
		codec_str(c, m->u.info.at_version, PROTO_NAME_MAX);
		codec_str(c, m->u.info.sdk_version, PROTO_NAME_MAX);
		codec_str(c, m->u.info.board, PROTO_NAME_MAX);
		codec_bytes(c, m->u.info.mac, 6);
		codec_bytes(c, m->u.info.ip, 4);
		codec_u8(c, &m->u.info.links_total);
		codec_u8(c, &m->u.info.links_free);
		codec_u8(c, &m->u.info.caps);
		codec_u32(c, &m->u.info.usb_baud);
		codec_u32(c, &m->u.info.esp_baud);
		codec_u32(c, &m->u.info.uptime_s);
		break;
	case PROTO_WIFI_STATUS:
		codec_u8(c, &m->u.wstatus.state);
		codec_str(c, m->u.wstatus.ssid, PROTO_SSID_MAX);
		codec_bytes(c, m->u.wstatus.bssid, 6);
		codec_u8(c, (uint8_t *)&m->u.wstatus.rssi);
		codec_u8(c, &m->u.wstatus.channel);
		codec_bytes(c, m->u.wstatus.ip, 4);
		codec_bytes(c, m->u.wstatus.gw, 4);
		codec_bytes(c, m->u.wstatus.mask, 4);
		break;
	case PROTO_WIFI_SCAN:
	case PROTO_RESOLVE:
	case PROTO_STATUS:
		codec_u8(c, &m->u.list.count);
		codec_rest(c, &m->u.list.entries, &m->u.list.len, PROTO_BODY_MAX);
		/* The list ends after count entries; a newer peer's extra fields follow. */
		if (!c->enc && c->st == MSG_OK && !msg_list_check(m))
			c->st = MSG_EINVAL;
		break;
	case PROTO_CONNECT:
	case PROTO_UDP_BIND:
		codec_u32(c, &m->u.opened.tx_window);
		codec_u16(c, &m->u.opened.local_port);
		break;
	case PROTO_ACCEPT:
		codec_addr(c, &m->u.accept.remote);
		break;
	case PROTO_PING:
		codec_u32(c, &m->u.ping.ms);
		break;
	default: /* RESET, WIFI_JOIN, WIFI_LEAVE, SUBSCRIBE, LISTEN, CLOSE, SETSOCKOPT */
		break;
	}
}

static void msg_fields_other(struct codec *c, struct msg *m)
{
	switch (m->type) {
	case PROTO_DATA:
		codec_u16(c, &m->sock);
		codec_rest(c, &m->u.data.data, &m->u.data.len, PROTO_DATA_MAX);
		break;
	case PROTO_DATAGRAM:
		codec_u16(c, &m->sock);
		codec_addr(c, &m->u.data.addr);
		codec_rest(c, &m->u.data.data, &m->u.data.len, PROTO_DATA_MAX);
		break;
	case PROTO_CREDIT:
		codec_u16(c, &m->sock);
		codec_u32(c, &m->u.credit.bytes);
		break;
	case PROTO_EV_CLOSED:
		codec_u16(c, &m->sock);
		codec_u8(c, &m->u.closed.err);
		break;
	case PROTO_EV_ACCEPTED:
		codec_u16(c, &m->sock);
		codec_u16(c, &m->u.accepted.new_sock);
		codec_addr(c, &m->u.accepted.remote);
		codec_u32(c, &m->u.accepted.tx_window);
		break;
	case PROTO_EV_WIFI:
		codec_u8(c, &m->u.wifi.state);
		codec_bytes(c, m->u.wifi.ip, 4);
		break;
	case PROTO_EV_DEVICE:
		codec_u8(c, &m->u.device.what);
		codec_u32(c, &m->u.device.value);
		break;
	case PROTO_EV_LOG:
		codec_u8(c, &m->u.log.level);
		codec_str(c, m->u.log.text, PROTO_LOG_MAX);
		break;
	}
}

static void msg_fields(struct codec *c, struct msg *m)
{
	if (PROTO_IS_REQUEST(m->type)) {
		codec_u16(c, &m->tag);
		msg_fields_request(c, m);
	} else if (PROTO_IS_RESPONSE(m->type)) {
		codec_u16(c, &m->tag);
		codec_u8(c, &m->err);
		if (m->err == PROTO_OK)
			msg_fields_response(c, m);
	} else {
		msg_fields_other(c, m);
	}
}

static size_t msg_encode_into(const struct msg *m, uint8_t *out, size_t cap)
{
	struct msg copy = *m;
	struct codec c = { .enc = true, .st = MSG_OK };

	/* An error answer carries only tag and err, so any request may get one. */
	if (cap < PROTO_MSG_HDR ||
	    !(msg_known(m->type) || (PROTO_IS_RESPONSE(m->type) && m->err != PROTO_OK)))
		return 0;
	c.out = out ? out + PROTO_MSG_HDR : NULL;
	c.len = (cap < PROTO_MSG_MAX ? cap : PROTO_MSG_MAX) - PROTO_MSG_HDR;
	msg_fields(&c, &copy);
	if (c.st != MSG_OK)
		return 0;
	if (out) {
		out[0] = m->type;
		wire_put_u16(out + 1, (uint16_t)c.pos);
	}
	return PROTO_MSG_HDR + c.pos;
}

size_t msg_encode(const struct msg *m, uint8_t *out, size_t cap)
{
	return msg_encode_into(m, out, cap);
}

size_t msg_encoded_len(const struct msg *m)
{
	return msg_encode_into(m, NULL, PROTO_MSG_MAX);
}

enum msg_status msg_decode(struct msg *m, const uint8_t *buf, size_t len)
{
	struct codec c = { .enc = false, .st = MSG_OK };
	size_t body;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_MSG_HDR)
		return MSG_ETRUNC;
	m->type = buf[0];
	body = wire_get_u16(buf + 1);
	if (body > PROTO_BODY_MAX)
		return MSG_EOVERSIZE;
	if (len - PROTO_MSG_HDR < body)
		return MSG_ETRUNC;
	c.in = buf + PROTO_MSG_HDR;
	c.len = body;
	if (!msg_known(m->type)) {
		/* Keep the tag so that an unknown request can be refused. */
		if ((PROTO_IS_REQUEST(m->type) || PROTO_IS_RESPONSE(m->type)) && body >= 2)
			m->tag = wire_get_u16(c.in);
		/* A refusal of a request this side does not know is still an answer. */
		if (PROTO_IS_RESPONSE(m->type) && body >= 3 && c.in[2] != PROTO_OK) {
			m->err = c.in[2];
			return MSG_OK;
		}
		return MSG_ETYPE;
	}
	msg_fields(&c, m);
	return c.st;
}

size_t msg_peek_len(const uint8_t *hdr)
{
	return PROTO_MSG_HDR + (size_t)wire_get_u16(hdr + 1);
}

uint16_t msg_peek_tag(const uint8_t *buf)
{
	return wire_get_u16(buf + PROTO_MSG_HDR);
}

void msg_set_tag(uint8_t *buf, uint16_t tag)
{
	wire_put_u16(buf + PROTO_MSG_HDR, tag);
}

void msg_data_header(uint8_t hdr[PROTO_DATA_HDR], uint16_t sock, size_t len)
{
	hdr[0] = PROTO_DATA;
	wire_put_u16(hdr + 1, (uint16_t)(len + 2));
	wire_put_u16(hdr + PROTO_MSG_HDR, sock);
}

void msg_init(struct msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

void msg_init_response(struct msg *resp, const struct msg *req, uint8_t err)
{
	msg_init(resp, (uint8_t)(req->type | PROTO_RESPONSE));
	resp->tag = req->tag;
	resp->sock = req->sock;
	resp->err = err;
}

/* List entries: the same codec walks them when checking, reading and building. */
static void msg_entry_fields(struct codec *c, uint8_t type, struct msg_entry *e)
{
	switch (type & 0x7f) {
	case PROTO_WIFI_SCAN:
		codec_str(c, e->u.ap.ssid, PROTO_SSID_MAX);
		codec_bytes(c, e->u.ap.bssid, 6);
		codec_u8(c, (uint8_t *)&e->u.ap.rssi);
		codec_u8(c, &e->u.ap.channel);
		codec_u8(c, &e->u.ap.enc);
		break;
	case PROTO_RESOLVE:
		codec_bytes(c, e->u.ip, 4);
		break;
	case PROTO_STATUS: {
		uint64_t num = (uint64_t)e->u.kv.num;

		codec_str(c, e->u.kv.key, PROTO_KEY_MAX);
		codec_u8(c, &e->u.kv.kind);
		if (e->u.kv.kind == PROTO_KV_INT) {
			codec_u64(c, &num);
			e->u.kv.num = (int64_t)num;
		} else if (e->u.kv.kind == PROTO_KV_STR) {
			codec_str(c, e->u.kv.str, PROTO_STR_MAX);
		} else if (c->st == MSG_OK) {
			c->st = MSG_EINVAL;
		}
		break;
	}
	}
}

/* Check that count entries fit the list body, and trim it to them. */
static bool msg_list_check(struct msg *m)
{
	struct codec c = { .enc = false, .in = m->u.list.entries, .len = m->u.list.len, .st = MSG_OK };
	struct msg_entry e;

	memset(&e, 0, sizeof(e));
	for (unsigned i = 0; i < m->u.list.count && c.st == MSG_OK; i++)
		msg_entry_fields(&c, m->type, &e);
	m->u.list.len = (uint16_t)c.pos;
	return c.st == MSG_OK;
}

bool msg_list_next(const struct msg *m, size_t *pos, struct msg_entry *e)
{
	struct codec c = { .enc = false, .in = m->u.list.entries, .len = m->u.list.len,
			   .pos = *pos, .st = MSG_OK };

	if (c.pos >= c.len)
		return false;
	memset(e, 0, sizeof(*e));
	msg_entry_fields(&c, m->type, e);
	if (c.st != MSG_OK)
		return false;
	*pos = c.pos;
	return true;
}

void msg_list_begin(struct msg_list_builder *b, uint8_t *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->count = 0;
}

static bool msg_list_add(struct msg_list_builder *b, uint8_t type, struct msg_entry *e)
{
	struct codec c = { .enc = true, .out = b->buf, .len = b->cap, .pos = b->len, .st = MSG_OK };

	if (b->count == UINT8_MAX)
		return false;
	msg_entry_fields(&c, type, e);
	if (c.st != MSG_OK)
		return false;
	b->len = c.pos;
	b->count++;
	return true;
}

bool msg_list_add_ap(struct msg_list_builder *b, const char *ssid, const uint8_t bssid[6],
		     int8_t rssi, uint8_t channel, uint8_t enc)
{
	struct msg_entry e;

	memset(&e, 0, sizeof(e));
	if (strlen(ssid) > PROTO_SSID_MAX)
		return false;
	strcpy(e.u.ap.ssid, ssid);
	memcpy(e.u.ap.bssid, bssid, 6);
	e.u.ap.rssi = rssi;
	e.u.ap.channel = channel;
	e.u.ap.enc = enc;
	return msg_list_add(b, PROTO_WIFI_SCAN, &e);
}

bool msg_list_add_ip(struct msg_list_builder *b, const uint8_t ip[4])
{
	struct msg_entry e;

	memcpy(e.u.ip, ip, 4);
	return msg_list_add(b, PROTO_RESOLVE, &e);
}

bool msg_list_add_int(struct msg_list_builder *b, const char *key, int64_t value)
{
	struct msg_entry e;

	memset(&e, 0, sizeof(e));
	if (strlen(key) > PROTO_KEY_MAX)
		return false;
	strcpy(e.u.kv.key, key);
	e.u.kv.kind = PROTO_KV_INT;
	e.u.kv.num = value;
	return msg_list_add(b, PROTO_STATUS, &e);
}

bool msg_list_add_str(struct msg_list_builder *b, const char *key, const char *value)
{
	struct msg_entry e;

	memset(&e, 0, sizeof(e));
	if (strlen(key) > PROTO_KEY_MAX || strlen(value) > PROTO_STR_MAX)
		return false;
	strcpy(e.u.kv.key, key);
	e.u.kv.kind = PROTO_KV_STR;
	strcpy(e.u.kv.str, value);
	return msg_list_add(b, PROTO_STATUS, &e);
}

void msg_list_finish(const struct msg_list_builder *b, struct msg *m)
{
	m->u.list.count = b->count;
	m->u.list.entries = b->buf;
	m->u.list.len = (uint16_t)b->len;
}

void msg_reader_reset(struct msg_reader *r)
{
	r->have = 0;
	r->broken = MSG_OK;
}

/* Length of the message being assembled, as far as the header tells. */
static size_t msg_reader_total(const struct msg_reader *r)
{
	if (r->have < PROTO_MSG_HDR)
		return PROTO_MSG_HDR;
	return PROTO_MSG_HDR + (size_t)wire_get_u16(r->buf + 1);
}

size_t msg_reader_feed(struct msg_reader *r, const uint8_t *in, size_t n,
		       enum msg_status *st, const uint8_t **msg, size_t *msglen)
{
	size_t used = 0;

	if (r->broken != MSG_OK) {
		*st = r->broken;
		return n;
	}
	/* The message returned by the previous call has been consumed. */
	if (r->have >= PROTO_MSG_HDR && r->have == msg_reader_total(r))
		r->have = 0;
	while (used < n) {
		size_t want = msg_reader_total(r) - r->have;

		if (want > n - used)
			want = n - used;
		memcpy(r->buf + r->have, in + used, want);
		r->have += want;
		used += want;
		if (r->have < PROTO_MSG_HDR)
			continue;
		if (msg_reader_total(r) > PROTO_MSG_MAX) {
			r->broken = MSG_EOVERSIZE;
			*st = MSG_EOVERSIZE;
			return n;
		}
		if (r->have == msg_reader_total(r)) {
			*st = MSG_OK;
			*msg = r->buf;
			*msglen = r->have;
			return used;
		}
	}
	*st = MSG_NEED_MORE;
	return used;
}

const char *msg_status_str(enum msg_status st)
{
	switch (st) {
	case MSG_OK: return "ok";
	case MSG_NEED_MORE: return "need more";
	case MSG_ETRUNC: return "truncated message";
	case MSG_EOVERSIZE: return "oversized message";
	case MSG_ETYPE: return "unknown message type";
	case MSG_EINVAL: return "invalid field";
	}
	return "unknown";
}
