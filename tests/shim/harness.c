#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakeport.h"
#include "harness.h"
#include "link.h"
#include "msg.h"
#include "proto.h"
#include "shim.h"

#define HS_CAPTURE (1u << 20)
#define HS_MSGS 256
#define HS_TEXT 20000
#define HS_SETTLE_ROUNDS 4000
/* Time that passes per settle round: small, so that no driver timer fires by accident. */
#define HS_TICK_US 10

static struct {
	struct link peer;
	uint8_t *peer_mem;
	struct msg_reader reader;
	char msgs[HS_MSGS][HS_TEXT];
	unsigned msg_head, msg_count;
	char logs[64][PROTO_LOG_MAX + 16];
	unsigned log_count;
	uint8_t esp_out[HS_CAPTURE];
	size_t esp_len;
	uint16_t tag;
	const char *name;
	int step;
	enum hs_mode mode;
	int failed;
	int auto_busy;        /* the ESP answers every command line "busy p..." */
} hs;

static void hs_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void hs_fail(const char *fmt, ...)
{
	va_list ap;

	if (hs.failed)
		return;
	hs.failed = 1;
	fprintf(stderr, "FAIL %s [%s] step %d: ", hs.name,
		hs.mode == HS_WHOLE ? "whole" : hs.mode == HS_BYTES ? "bytes" : "split", hs.step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void hs_escape(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		uint8_t c = p[i];

		if (c == '\r')
			o += (size_t)snprintf(out + o, cap - o, "\\r");
		else if (c == '\n')
			o += (size_t)snprintf(out + o, cap - o, "\\n");
		else if (c == '\\')
			o += (size_t)snprintf(out + o, cap - o, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* "@N" in a step stands for N bytes of this pattern. */
static void hs_pattern(uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)('a' + i % 26);
}

/* C-style escapes in a step's text: \r \n \\ \0 \xNN. */
static size_t hs_unescape(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (s[0] == '@') {
		n = strtoul(s + 1, NULL, 10);
		if (n > cap)
			n = cap;
		hs_pattern(out, n);
		return n;
	}
	while (*s && n < cap) {
		if (*s != '\\' || !s[1]) {
			out[n++] = (uint8_t)*s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': out[n++] = '\r'; s++; break;
		case 'n': out[n++] = '\n'; s++; break;
		case '0': out[n++] = 0; s++; break;
		case 'x': {
			unsigned v = 0;

			sscanf(s + 1, "%2x", &v);
			out[n++] = (uint8_t)v;
			s += 3;
			break;
		}
		default: out[n++] = (uint8_t)*s++; break;
		}
	}
	return n;
}

static void hs_ip(char *buf, size_t cap, const uint8_t ip[4])
{
	snprintf(buf, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

static void hs_render_list(char *out, size_t cap, const struct msg *m)
{
	struct msg_entry e;
	size_t pos = 0, o = strlen(out);
	char ip[20];

	o += (size_t)snprintf(out + o, cap - o, " n=%u", m->u.list.count);
	while (o < cap && msg_list_next(m, &pos, &e)) {
		if ((m->type & 0x7f) == PROTO_RESOLVE) {
			hs_ip(ip, sizeof(ip), e.u.ip);
			o += (size_t)snprintf(out + o, cap - o, " ip=%s", ip);
		} else {
			o += (size_t)snprintf(out + o, cap - o, " [%s %02x:%02x:%02x:%02x:%02x:%02x %d %u %u]",
					      e.u.ap.ssid, e.u.ap.bssid[0], e.u.ap.bssid[1], e.u.ap.bssid[2],
					      e.u.ap.bssid[3], e.u.ap.bssid[4], e.u.ap.bssid[5], e.u.ap.rssi,
					      e.u.ap.channel, e.u.ap.enc);
		}
	}
}

static void hs_render_response(char *out, size_t cap, const struct msg *m)
{
	size_t o = (size_t)snprintf(out, cap, "%s|R tag=%u err=%u", proto_type_name(m->type), m->tag, m->err);
	char a[20], b[20], c[20];

	if (m->err != PROTO_OK)
		return;
	switch (m->type & 0x7f) {
	case PROTO_CONNECT:
	case PROTO_UDP_BIND:
		snprintf(out + o, cap - o, " tx=%u lport=%u", m->u.opened.tx_window, m->u.opened.local_port);
		break;
	case PROTO_DEVICE_INFO:
		hs_ip(a, sizeof(a), m->u.info.ip);
		snprintf(out + o, cap - o, " fw=%s at=%s sdk=%s board=%s ip=%s links=%u/%u caps=%u usb=%u esp=%u",
			 m->u.info.firmware, m->u.info.at_version, m->u.info.sdk_version, m->u.info.board, a,
			 m->u.info.links_free, m->u.info.links_total, m->u.info.caps, m->u.info.usb_baud,
			 m->u.info.esp_baud);
		break;
	case PROTO_WIFI_STATUS:
		hs_ip(a, sizeof(a), m->u.wstatus.ip);
		hs_ip(b, sizeof(b), m->u.wstatus.gw);
		hs_ip(c, sizeof(c), m->u.wstatus.mask);
		snprintf(out + o, cap - o, " state=%u ssid=%s bssid=%02x:%02x:%02x:%02x:%02x:%02x rssi=%d ch=%u ip=%s gw=%s mask=%s",
			 m->u.wstatus.state, m->u.wstatus.ssid, m->u.wstatus.bssid[0], m->u.wstatus.bssid[1],
			 m->u.wstatus.bssid[2], m->u.wstatus.bssid[3], m->u.wstatus.bssid[4], m->u.wstatus.bssid[5],
			 m->u.wstatus.rssi, m->u.wstatus.channel, a, b, c);
		break;
	case PROTO_WIFI_SCAN:
	case PROTO_RESOLVE:
		hs_render_list(out, cap, m);
		break;
	case PROTO_PING:
		snprintf(out + o, cap - o, " ms=%u", m->u.ping.ms);
		break;
	default:
		break;
	}
}

static void hs_render(char *out, size_t cap, const struct msg *m)
{
	char a[20], data[HS_TEXT / 2];

	if (PROTO_IS_RESPONSE(m->type)) {
		hs_render_response(out, cap, m);
		return;
	}
	switch (m->type) {
	case PROTO_DATA:
		hs_escape(data, sizeof(data), m->u.data.data, m->u.data.len);
		snprintf(out, cap, "DATA sock=%u %s", m->sock, data);
		break;
	case PROTO_DATAGRAM:
		hs_ip(a, sizeof(a), m->u.data.addr.ip);
		hs_escape(data, sizeof(data), m->u.data.data, m->u.data.len);
		snprintf(out, cap, "DATAGRAM sock=%u from=%s:%u %s", m->sock, a, m->u.data.addr.port, data);
		break;
	case PROTO_CREDIT:
		snprintf(out, cap, "CREDIT sock=%u bytes=%u", m->sock, m->u.credit.bytes);
		break;
	case PROTO_EV_CLOSED:
		snprintf(out, cap, "EV_CLOSED sock=%u err=%u", m->sock, m->u.closed.err);
		break;
	case PROTO_EV_ACCEPTED:
		hs_ip(a, sizeof(a), m->u.accepted.remote.ip);
		snprintf(out, cap, "EV_ACCEPTED sock=%u new=%u remote=%s:%u tx=%u", m->sock, m->u.accepted.new_sock,
			 a, m->u.accepted.remote.port, m->u.accepted.tx_window);
		break;
	case PROTO_EV_WIFI:
		hs_ip(a, sizeof(a), m->u.wifi.ip);
		snprintf(out, cap, "EV_WIFI state=%u ip=%s", m->u.wifi.state, a);
		break;
	case PROTO_EV_DEVICE:
		snprintf(out, cap, "EV_DEVICE what=%u value=%u", m->u.device.what, m->u.device.value);
		break;
	default:
		snprintf(out, cap, "%s", proto_type_name(m->type));
		break;
	}
}

/* A stream has no message boundaries: consecutive DATA of one socket read as one. */
static bool hs_append_data(const struct msg *m)
{
	char prefix[32], *last;
	size_t n;

	if (hs.msg_count == 0)
		return false;
	last = hs.msgs[(hs.msg_head + hs.msg_count - 1) % HS_MSGS];
	n = (size_t)snprintf(prefix, sizeof(prefix), "DATA sock=%u ", m->sock);
	if (strncmp(last, prefix, n) != 0)
		return false;
	n = strlen(last);
	hs_escape(last + n, HS_TEXT - n, m->u.data.data, m->u.data.len);
	return true;
}

static void hs_peer_deliver(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	while (len > 0) {
		enum msg_status st;
		const uint8_t *buf;
		size_t blen = 0, used = msg_reader_feed(&hs.reader, data, len, &st, &buf, &blen);
		struct msg m;

		data += used;
		len -= used;
		if (st != MSG_OK)
			continue;
		st = msg_decode(&m, buf, blen);
		if (st == MSG_ETYPE && (buf[0] & PROTO_RESPONSE) && blen == PROTO_MSG_HDR + 3) {
			/* The refusal of a request type nobody knows: only tag and err. */
			snprintf(hs.msgs[(hs.msg_head + hs.msg_count++) % HS_MSGS], HS_TEXT, "UNKNOWN|R tag=%u err=%u",
				 (unsigned)(buf[3] << 8 | buf[4]), buf[5]);
			continue;
		}
		if (st != MSG_OK) {
			hs_fail("undecodable message from the board");
			continue;
		}
		if (m.type == PROTO_EV_LOG) {
			if (hs.log_count < 64)
				snprintf(hs.logs[hs.log_count++], sizeof(hs.logs[0]), "%s", m.u.log.text);
			continue;
		}
		if (hs.msg_count == HS_MSGS) {
			hs_fail("too many unread host messages");
			continue;
		}
		if (m.type == PROTO_DATA && hs_append_data(&m))
			continue;
		hs_render(hs.msgs[(hs.msg_head + hs.msg_count++) % HS_MSGS], HS_TEXT, &m);
	}
}

static void hs_peer_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void hs_peer_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	(void)baud;
}

static const struct link_ops hs_peer_ops = {
	.deliver = hs_peer_deliver,
	.event = hs_peer_event,
	.set_baud = hs_peer_baud,
};

/* A module stuck busy: every whole command line is taken and answered "busy p...". */
static void hs_busy_answers(void)
{
	static const char busy[] = "busy p...\r\n";
	uint8_t *eol;

	while (hs.auto_busy && (eol = memchr(hs.esp_out, '\n', hs.esp_len)) != NULL) {
		size_t n = (size_t)(eol - hs.esp_out) + 1;

		memmove(hs.esp_out, hs.esp_out + n, hs.esp_len - n);
		hs.esp_len -= n;
		fake_esp_give((const uint8_t *)busy, sizeof(busy) - 1);
	}
}

/* Let the core, the fake UARTs and the host peer run until nothing moves. */
static void hs_settle(void)
{
	uint8_t buf[4096];

	for (int round = 0; round < HS_SETTLE_ROUNDS; round++) {
		size_t moved = 0, n;

		shim_poll(fake.now);
		while ((n = fake_host_take(buf, sizeof(buf))) > 0) {
			link_input(&hs.peer, fake.now, buf, n);
			moved += n;
		}
		while ((n = link_output(&hs.peer, fake.now, buf, sizeof(buf))) > 0) {
			fake_host_give(buf, n);
			moved += n;
		}
		while ((n = fake_esp_take(buf, sizeof(buf))) > 0) {
			if (n > HS_CAPTURE - hs.esp_len)
				n = HS_CAPTURE - hs.esp_len;
			memcpy(hs.esp_out + hs.esp_len, buf, n);
			hs.esp_len += n;
			moved += n;
		}
		hs_busy_answers();
		fake.now += HS_TICK_US;
		if (moved == 0 && fake_esp_unread() == 0 && round > 2)
			return;
	}
}

static void hs_wait(unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		fake.now += 1000 - HS_TICK_US;
		hs_settle();
	}
}

/* "key=value" in a host step; data= takes the rest of the line. */
static const char *hs_field(const char *text, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);
	const char *p = text;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == ' ') && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t n = strcmp(key, "data") == 0 ? strlen(v) : strcspn(v, " ");

			if (n >= cap)
				n = cap - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return out;
		}
		p += klen;
	}
	return NULL;
}

static unsigned long hs_num(const char *text, const char *key, unsigned long dflt)
{
	char v[64];

	return hs_field(text, key, v, sizeof(v)) ? strtoul(v, NULL, 0) : dflt;
}

static void hs_addr(const char *text, struct msg_addr *a)
{
	char v[64];
	unsigned b[4];

	memset(a, 0, sizeof(*a));
	if (hs_field(text, "ip", v, sizeof(v)) && sscanf(v, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) == 4)
		for (int i = 0; i < 4; i++)
			a->ip[i] = (uint8_t)b[i];
	a->port = (uint16_t)hs_num(text, "port", 0);
}

static int hs_type(const char *name)
{
	for (int t = 1; t < 0x60; t++)
		if (strcmp(proto_type_name(t), name) == 0 && (PROTO_IS_REQUEST(t) || t >= PROTO_DATA))
			return t;
	return -1;
}

static void hs_host_send(const char *text)
{
	static uint8_t data[PROTO_DATA_MAX], out[PROTO_MSG_MAX];
	char name[32], v[4 * PROTO_DATA_MAX];
	struct msg m;
	size_t len;
	int type;

	sscanf(text, "%31s", name);
	if (strcmp(name, "RAW") == 0) {
		len = hs_unescape(text + 4, out, sizeof(out));
		link_write(&hs.peer, out, len);
		hs_settle();
		return;
	}
	type = hs_type(name);
	if (type < 0) {
		hs_fail("unknown host message %s", name);
		return;
	}
	msg_init(&m, (uint8_t)type);
	if (PROTO_IS_REQUEST(type))
		m.tag = ++hs.tag;
	m.sock = (uint16_t)hs_num(text, "sock", 0);
	switch (type) {
	case PROTO_CONNECT:
		m.u.connect.kind = (uint8_t)hs_num(text, "kind", PROTO_KIND_TCP);
		m.u.connect.port = (uint16_t)hs_num(text, "port", 0);
		m.u.connect.local_port = (uint16_t)hs_num(text, "lport", 0);
		m.u.connect.rx_window = (uint32_t)hs_num(text, "win", 65536);
		if (hs_field(text, "host", v, sizeof(m.u.connect.host)))
			memcpy(m.u.connect.host, v, strlen(v) + 1);
		break;
	case PROTO_UDP_BIND:
		m.u.bind.local_port = (uint16_t)hs_num(text, "lport", 0);
		m.u.bind.rx_window = (uint32_t)hs_num(text, "win", 65536);
		break;
	case PROTO_LISTEN:
		m.u.listen.port = (uint16_t)hs_num(text, "port", 0);
		m.u.listen.backlog = 4;
		m.u.listen.rx_window = (uint32_t)hs_num(text, "win", 65536);
		break;
	case PROTO_SETSOCKOPT:
		m.u.sockopt.opt = (uint8_t)hs_num(text, "opt", 0);
		m.u.sockopt.value = (uint32_t)hs_num(text, "value", 0);
		break;
	case PROTO_RESET:
		m.u.reset.what = (uint8_t)hs_num(text, "what", 0);
		break;
	case PROTO_RESOLVE:
	case PROTO_PING:
		if (hs_field(text, "host", v, sizeof(m.u.resolve.host)))
			memcpy(m.u.resolve.host, v, strlen(v) + 1);
		break;
	case PROTO_WIFI_JOIN:
		if (hs_field(text, "ssid", v, sizeof(m.u.join.ssid)))
			memcpy(m.u.join.ssid, v, strlen(v) + 1);
		if (hs_field(text, "psk", v, sizeof(m.u.join.psk)))
			memcpy(m.u.join.psk, v, strlen(v) + 1);
		break;
	case PROTO_CREDIT:
		m.u.credit.bytes = (uint32_t)hs_num(text, "bytes", 0);
		break;
	case PROTO_DATA:
	case PROTO_DATAGRAM:
		hs_addr(text, &m.u.data.addr);
		if (hs_field(text, "data", v, sizeof(v)))
			m.u.data.len = (uint16_t)hs_unescape(v, data, sizeof(data));
		if (hs_num(text, "size", 0)) {
			m.u.data.len = (uint16_t)hs_num(text, "size", 0);
			hs_pattern(data, m.u.data.len);
		}
		m.u.data.data = data;
		break;
	default:
		break;
	}
	len = msg_encode(&m, out, sizeof(out));
	if (len == 0 || link_write(&hs.peer, out, len) != len)
		hs_fail("cannot send host message '%s'", text);
	hs_settle();
}

static void hs_expect_bytes(const uint8_t *want, size_t n)
{
	char a[600], b[600];

	if (hs.esp_len < n || memcmp(hs.esp_out, want, n) != 0) {
		hs_escape(a, sizeof(a), want, n);
		hs_escape(b, sizeof(b), hs.esp_out, hs.esp_len < 200 ? hs.esp_len : 200);
		hs_fail("ESP expected \"%s\", core sent \"%s\"", a, b);
		return;
	}
	memmove(hs.esp_out, hs.esp_out + n, hs.esp_len - n);
	hs.esp_len -= n;
}

static void hs_esp_say(const uint8_t *p, size_t n, int split, size_t at)
{
	if (hs.mode == HS_BYTES) {
		for (size_t i = 0; i < n; i++) {
			fake_esp_give(p + i, 1);
			hs_settle();
		}
		return;
	}
	if (split && at > 0 && at < n) {
		fake_esp_give(p, at);
		hs_settle();
		fake_esp_give(p + at, n - at);
	} else {
		fake_esp_give(p, n);
	}
	hs_settle();
}

static void hs_expect_msg(const char *want)
{
	const char *got, *hash;

	if (hs.msg_count == 0) {
		hs_fail("host expected \"%s\", got nothing", want);
		return;
	}
	got = hs.msgs[hs.msg_head];
	hs.msg_head = (hs.msg_head + 1) % HS_MSGS;
	hs.msg_count--;
	hash = strstr(want, " #");
	if (hash) {
		/* "DATA sock=N #LEN": that many (printable) bytes. */
		size_t prefix = (size_t)(hash - want) + 1;

		if (strncmp(got, want, prefix) != 0 || strlen(got) - prefix != strtoul(hash + 2, NULL, 10))
			hs_fail("host expected \"%s\", got \"%.60s...\" (%zu bytes)", want, got,
				strlen(got) - (prefix < strlen(got) ? prefix : 0));
		return;
	}
	if (strcmp(got, want) != 0)
		hs_fail("host expected \"%s\", got \"%s\"", want, got);
}

static void hs_knob(const char *text)
{
	unsigned long v;

	if (sscanf(text, "esp_max_baud=%lu", &v) == 1)
		fake.esp_max_baud = (uint32_t)v;
	else if (sscanf(text, "esp_tx_cap=%lu", &v) == 1)
		fake.esp_tx_cap = v;
	else if (strcmp(text, "overrun") == 0)
		fake.esp_overruns++;
	else if (sscanf(text, "esp_busy=%lu", &v) == 1)
		hs.auto_busy = v != 0;
	else if (sscanf(text, "host_baud=%lu", &v) == 1) {
		/* The host moves the link to another rate, as a daemon does after the handshake. */
		if (!link_request_baud(&hs.peer, (uint32_t)v))
			hs_fail("the link refused %lu baud", v);
		hs_settle();
		hs_wait(50);
		if (fake.host_baud != v)
			hs_fail("the host link is at %u, not %lu", fake.host_baud, v);
	}
	else
		hs_fail("unknown knob %s", text);
	hs_settle();
}

static void hs_expect_pin(const char *text)
{
	unsigned on, pulses;

	if (sscanf(text, "on=%u pulses=%u", &on, &pulses) != 2) {
		hs_fail("bad pin step %s", text);
		return;
	}
	hs_settle();
	if (fake.esp_on != (on != 0) || fake.esp_pulses != pulses)
		hs_fail("WIFI_EN %s after %u pulses, expected %s", fake.esp_on ? "high" : "low", fake.esp_pulses,
			text);
}

static void hs_step(const struct hs_step *s, int split, size_t at)
{
	static uint8_t buf[HS_CAPTURE];
	size_t n;

	switch (s->op) {
	case 'H':
		hs_host_send(s->text);
		break;
	case 'A':
		n = strlen(s->text);
		memcpy(buf, s->text, n);
		memcpy(buf + n, "\r\n", 2);
		hs_expect_bytes(buf, n + 2);
		break;
	case 'P':
		n = s->len ? s->len : hs_unescape(s->text, buf, sizeof(buf));
		hs_expect_bytes(s->len ? (const uint8_t *)s->text : buf, n);
		break;
	case 'E':
		n = s->len ? s->len : hs_unescape(s->text, buf, sizeof(buf));
		hs_esp_say(s->len ? (const uint8_t *)s->text : buf, n, split, at);
		break;
	case 'R':
		hs_expect_msg(s->text);
		break;
	case 'L': {
		int found = 0;

		for (unsigned i = 0; i < hs.log_count; i++)
			found |= strstr(hs.logs[i], s->text) != NULL;
		if (!found)
			hs_fail("no board log line with \"%s\"", s->text);
		break;
	}
	case 'W':
		hs_wait((unsigned)strtoul(s->text, NULL, 10));
		break;
	case 'B':
		if (fake.esp_baud != strtoul(s->text, NULL, 10))
			hs_fail("ESP UART at %u, expected %s", fake.esp_baud, s->text);
		break;
	case 'S':
		hs_knob(s->text);
		break;
	case 'G':
		hs_expect_pin(s->text);
		break;
	case 'D':
		/* The host side drops the session without a word, as a daemon restart does. */
		link_restart(&hs.peer, fake.now);
		msg_reader_reset(&hs.reader);
		hs_settle();
		hs_wait(5);
		break;
	case 'Q':
		hs_settle();
		if (hs.msg_count)
			hs_fail("unexpected host message \"%s\"", hs.msgs[hs.msg_head]);
		if (hs.esp_len) {
			char b[400];

			hs_escape(b, sizeof(b), hs.esp_out, hs.esp_len < 150 ? hs.esp_len : 150);
			hs_fail("unexpected ESP output \"%s\"", b);
		}
		break;
	default:
		hs_fail("bad step op %c", s->op);
		break;
	}
}

/* The ROM's 74880-baud banner as a 115200 receiver sees it, then "ready". */
#define HS_BOOT_NOISE "\x02\x9c\xfe\xe0\x00\x81\r\x8c\xff rl\x00l\r\nready\r\n"

/* Every case first hears the WiFi state the board announces when the link comes up; then the module boots. */
#define HS_BOOT_HEAD(ready, ready_len) \
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 }, \
	{ 'W', "30", 0 }, \
	{ 'E', ready, ready_len }, \
	{ 'A', "ATE0", 0 }, \
	{ 'E', "ATE0\r\r\n\r\nOK\r\n", 0 }, \
	{ 'A', "AT+GMR", 0 }

/* From multi-link mode on; recvmode is the answer to AT+CIPRECVMODE=1. */
#define HS_BOOT_TAIL(recvmode) \
	{ 'A', "AT+CIPMUX=1", 0 }, \
	{ 'E', "\r\nOK\r\n", 0 }, \
	{ 'A', "AT+CIPRECVMODE=1", 0 }, \
	{ 'E', recvmode, 0 }, \
	{ 'A', "AT+CIPDINFO=1", 0 }, \
	{ 'E', "\r\nOK\r\n", 0 }, \
	{ 'A', "AT+CIFSR", 0 }, \
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n+CIFSR:STAMAC,\"5c:cf:7f:21:0a:85\"\r\n\r\nOK\r\n", 0 }, \
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 }, \
	{ 'R', "EV_DEVICE what=6 value=115200", 0 }, \
	{ 0, NULL, 0 }

static const struct hs_step hs_boot_v17[] = {
	HS_BOOT_HEAD(HS_BOOT_NOISE, sizeof(HS_BOOT_NOISE) - 1),
	{ 'E', "AT version:1.7.4.0(May 11 2020 19:13:04)\r\nSDK version:3.0.4(9532ceb)\r\n"
	       "compile time:May 27 2020 10:12:17\r\nBin version(Wroom 02):1.7.4\r\nOK\r\n", 0 },
	{ 'A', "AT+CWMODE_CUR=1", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	HS_BOOT_TAIL("\r\nOK\r\n"),
};

static const struct hs_step hs_boot_v11[] = {
	HS_BOOT_HEAD("\r\nready\r\n", 0),
	{ 'E', "AT version:1.1.0.0(May 11 2016 18:09:56)\r\nSDK version:1.5.4(baaeaebb)\r\n"
	       "Ai-Thinker Technology Co. Ltd.\r\nJun 13 2016 11:29:20\r\nOK\r\n", 0 },
	{ 'A', "AT+CWMODE_CUR=1", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	/* Factory AT 1.1 has no passive receive. */
	HS_BOOT_TAIL("\r\nERROR\r\n"),
};

static const struct hs_step hs_boot_v2[] = {
	HS_BOOT_HEAD("\r\nready\r\n", 0),
	{ 'E', "AT version:2.2.0.0(b097cdf - ESP8266 - Jun 17 2021 12:57:45)\r\nSDK version:v3.4-22-g967752e2\r\n"
	       "compile time(6800286):Aug  4 2021 17:20:05\r\nBin version:2.2.0(ESP8266_1MB)\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+SYSSTORE=0", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'A', "AT+CWMODE=1", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	HS_BOOT_TAIL("\r\nOK\r\n"),
};

static void hs_begin(const struct hs_case *c, enum hs_mode mode)
{
	struct link_config cfg;

	memset(&hs.reader, 0, sizeof(hs.reader));
	msg_reader_reset(&hs.reader);
	hs.msg_head = hs.msg_count = 0;
	hs.log_count = 0;
	hs.esp_len = 0;
	hs.tag = 0;
	hs.name = c->name;
	hs.mode = mode;
	hs.failed = 0;
	hs.auto_busy = 0;
	hs.step = -1;
	fake_reset();
	fake.now = 1000000;
	link_config_default(&cfg);
	cfg.boot_id = 0xdae30000u;
	if (!hs.peer_mem)
		hs.peer_mem = malloc(link_mem_size(&cfg));
	link_init(&hs.peer, &cfg, &hs_peer_ops, NULL, hs.peer_mem, link_mem_size(&cfg), fake.now);
	shim_init();
	hs_settle();
	hs_wait(2);
}

int hs_run(const struct hs_case *c, enum hs_mode mode, int split_step, size_t split_at)
{
	const struct hs_step *boot = c->version == HS_V11 ? hs_boot_v11 : c->version == HS_V2 ? hs_boot_v2 : hs_boot_v17;

	hs_begin(c, mode);
	for (int i = 0; boot[i].op && !hs.failed && (i == 0 || !c->raw_boot); i++) {
		hs.step = -100 - i;
		hs_step(&boot[i], 0, 0);
	}
	for (int i = 0; c->steps[i].op && !hs.failed; i++) {
		hs.step = i;
		hs_step(&c->steps[i], i == split_step, split_at);
	}
	if (!hs.failed) {
		hs.step = -1;
		hs_step(&(struct hs_step){ 'Q', "", 0 }, 0, 0);
	}
	return hs.failed;
}

int hs_run_all_modes(const struct hs_case *c, size_t split_limit)
{
	int failed = hs_run(c, HS_WHOLE, -1, 0) || hs_run(c, HS_BYTES, -1, 0);
	uint8_t buf[HS_CAPTURE];

	for (int i = 0; c->steps[i].op && !failed; i++) {
		size_t n;

		if (c->steps[i].op != 'E')
			continue;
		n = c->steps[i].len ? c->steps[i].len : hs_unescape(c->steps[i].text, buf, sizeof(buf));
		if (n > split_limit)
			continue;
		for (size_t at = 1; at < n && !failed; at++)
			failed = hs_run(c, HS_SPLIT, i, at);
	}
	return failed;
}
