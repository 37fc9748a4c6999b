#include <string.h>

#include "at.h"
#include "txt.h"

void at_init(struct at_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->plus_at = -1;
}

void at_reset(struct at_parser *p)
{
	at_init(p);
}

static void at_clear_line(struct at_parser *p)
{
	p->len = 0;
	p->noisy = false;
	p->plus_at = -1;
	p->line[0] = '\0';
}

/* Bytes the firmware never prints outside binary data (CR and LF are handled apart). */
static bool at_noise_byte(uint8_t c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f || c == 0xff;
}

/* A remote address ",ip,port" as AT+CIPDINFO adds it; the ip may be quoted (2.x). */
static bool at_addr(const char **s, const char *end, struct at_event *ev)
{
	bool quoted = txt_char(s, end, '"');
	uint32_t port;

	if (!txt_ipv4(s, end, ev->ip) || (quoted && !txt_char(s, end, '"')) || !txt_char(s, end, ',') ||
	    !txt_u32(s, end, 65535, &port))
		return false;
	ev->port = (uint16_t)port;
	ev->has_addr = true;
	return true;
}

enum at_header { AT_H_NO, AT_H_YES, AT_H_BAD };

/* The length of a data header, checked against what the parser accepts. */
static enum at_header at_header_len(const char **s, const char *end, struct at_event *ev)
{
	uint32_t len;

	if (!txt_u32(s, end, 0xffffffffu, &len))
		return AT_H_NO;
	if (len > CONFIG_AT_DATA_MAX)
		return AT_H_BAD;
	ev->num = len;
	return AT_H_YES;
}

/* "+IPD,<len>:", "+IPD,<id>,<len>:" or "+IPD,<id>,<len>,<ip>,<port>:" ending at end. */
static enum at_header at_ipd_header(const char *s, const char *end, struct at_event *ev)
{
	uint32_t first;
	enum at_header h;

	if (!txt_lit(&s, end, "+IPD,") || !txt_u32(&s, end, 0xffffffffu, &first))
		return AT_H_NO;
	if (txt_char(&s, end, ':')) {
		/* Single-link form (AT+CIPMUX=0): no id, but the data must still be skipped whole. */
		if (s != end)
			return AT_H_NO;
		if (first > CONFIG_AT_DATA_MAX)
			return AT_H_BAD;
		ev->link = AT_LINK_NONE;
		ev->num = first;
		return AT_H_YES;
	}
	if (first > 9 || !txt_char(&s, end, ','))
		return AT_H_NO;
	ev->link = (uint8_t)first;
	h = at_header_len(&s, end, ev);
	if (h != AT_H_YES)
		return h;
	if (txt_char(&s, end, ',') && !at_addr(&s, end, ev))
		return AT_H_NO;
	return txt_char(&s, end, ':') && s == end ? AT_H_YES : AT_H_NO;
}

/* "+CIPRECVDATA,<len>:" (1.x) or "+CIPRECVDATA:<len>," (2.x) ending at end. */
static enum at_header at_recvdata_header(const char *s, const char *end, struct at_event *ev)
{
	enum at_header h;

	ev->link = AT_LINK_NONE;
	if (txt_lit(&s, end, "+CIPRECVDATA,")) {
		h = at_header_len(&s, end, ev);
		if (h != AT_H_YES)
			return h;
		return txt_char(&s, end, ':') && s == end ? AT_H_YES : AT_H_NO;
	}
	if (!txt_lit(&s, end, "+CIPRECVDATA:"))
		return AT_H_NO;
	h = at_header_len(&s, end, ev);
	if (h != AT_H_YES)
		return h;
	return txt_char(&s, end, ',') && s == end ? AT_H_YES : AT_H_NO;
}

/* Quotes before index at: a '+' inside a quoted string (an SSID, say) starts no header. */
static bool at_in_quotes(const struct at_parser *p, int at)
{
	bool in = false;

	for (int i = 0; i < at; i++)
		if (p->line[i] == '"')
			in = !in;
	return in;
}

/* After ':' or ',': does the line end in a complete data header? */
static enum at_header at_try_header(struct at_parser *p, struct at_event *ev)
{
	const char *s = p->line + p->plus_at, *end = p->line + p->len;
	enum at_header h;

	if (at_in_quotes(p, p->plus_at))
		return AT_H_NO;
	memset(ev, 0, sizeof(*ev));
	if (end[-1] == ':') {
		h = at_ipd_header(s, end, ev);
		if (h != AT_H_NO) {
			ev->type = AT_EV_IPD;
			return h;
		}
	}
	h = at_recvdata_header(s, end, ev);
	ev->type = AT_EV_RECVDATA;
	return h;
}

struct at_word {
	const char *text;
	enum at_event_type type;
};

static const struct at_word at_exact[] = {
	{ "OK", AT_EV_OK },
	{ "ERROR", AT_EV_ERROR },
	{ "FAIL", AT_EV_FAIL },
	{ "SEND OK", AT_EV_SEND_OK },
	{ "SEND FAIL", AT_EV_SEND_FAIL },
	{ "ready", AT_EV_READY },
	{ "UNLINK", AT_EV_UNLINK },
	{ "DNS Fail", AT_EV_DNS_FAIL },
	{ "DNS FAIL", AT_EV_DNS_FAIL },
	{ "link is not valid", AT_EV_LINK_INVALID },
	{ "ALREADY CONNECTED", AT_EV_ALREADY },
	{ "ALREADY CONNECT", AT_EV_ALREADY },
	{ "no ip", AT_EV_NO_IP },
	{ "no change", AT_EV_NO_CHANGE },
};

/*
 * Unsolicited lines that may end a line holding an interrupted echo or
 * garbage; any case ("WiFi CONNECTED" in some builds).
 */
static const struct at_word at_tail[] = {
	{ "WIFI CONNECTED", AT_EV_WIFI_CONNECTED },
	{ "WIFI GOT IP", AT_EV_WIFI_GOT_IP },
	{ "WIFI DISCONNECT", AT_EV_WIFI_DISCONNECT },
	{ "WIFI DISCONNECTED", AT_EV_WIFI_DISCONNECT },
};

static const struct at_word at_link_tail[] = {
	{ ",CONNECT FAIL", AT_EV_LINK_FAIL },
	{ ",CONNECT", AT_EV_LINK_CONNECT },
	{ ",CLOSED", AT_EV_LINK_CLOSED },
};

static bool at_ends_with(const char *s, size_t len, const char *tail, size_t *at)
{
	size_t n = strlen(tail);

	if (len < n || memcmp(s + len - n, tail, n) != 0)
		return false;
	*at = len - n;
	return true;
}

static char at_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool at_ends_with_nocase(const char *s, size_t len, const char *tail)
{
	size_t n = strlen(tail);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (at_upper(s[len - n + i]) != tail[i])
			return false;
	return true;
}

static bool at_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool at_is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* URCs recognised by how the line ends. */
static bool at_classify_tail(const struct at_parser *p, struct at_event *ev)
{
	const char *s = p->line;
	size_t len = p->len, at;

	for (size_t i = 0; i < sizeof(at_link_tail) / sizeof(at_link_tail[0]); i++) {
		if (!at_ends_with(s, len, at_link_tail[i].text, &at) || at == 0 || !at_is_digit(s[at - 1]))
			continue;
		if (at >= 2 && at_is_digit(s[at - 2]))
			continue;
		ev->type = at_link_tail[i].type;
		ev->link = (uint8_t)(s[at - 1] - '0');
		return true;
	}
	for (size_t i = 0; i < sizeof(at_tail) / sizeof(at_tail[0]); i++) {
		if (at_ends_with_nocase(s, len, at_tail[i].text)) {
			ev->type = at_tail[i].type;
			return true;
		}
	}
	if (at_ends_with(s, len, "ready", &at) && (at == 0 || !at_is_letter(s[at - 1]))) {
		ev->type = AT_EV_READY;
		return true;
	}
	return false;
}

/* "+IPD,<id>,<len>" at the end of the line (passive mode notification). */
static bool at_classify_notify(const struct at_parser *p, struct at_event *ev)
{
	const char *s, *end = p->line + p->len;
	uint32_t link, len;

	if (p->plus_at < 0 || at_in_quotes(p, p->plus_at))
		return false;
	s = p->line + p->plus_at;
	if (!txt_lit(&s, end, "+IPD,") || !txt_u32(&s, end, 9, &link) || !txt_char(&s, end, ',') ||
	    !txt_u32(&s, end, 0xffffffffu, &len) || s != end)
		return false;
	ev->type = AT_EV_IPD_NOTIFY;
	ev->link = (uint8_t)link;
	ev->num = len;
	return true;
}

static bool at_classify_prefixed(const struct at_parser *p, struct at_event *ev)
{
	const char *s = p->line, *end = p->line + p->len;
	uint32_t v;

	if (txt_prefix(s, "busy p")) {
		ev->type = AT_EV_BUSY_P;
		return true;
	}
	if (txt_prefix(s, "busy s")) {
		ev->type = AT_EV_BUSY_S;
		return true;
	}
	if (txt_lit(&s, end, "Recv ") && txt_u32(&s, end, 0xffffffffu, &v) && txt_lit(&s, end, " bytes") &&
	    s == end) {
		ev->type = AT_EV_RECV_BYTES;
		ev->num = v;
		return true;
	}
	s = p->line;
	if (txt_lit(&s, end, "+CWJAP:") && txt_u32(&s, end, 255, &v) && s == end) {
		ev->type = AT_EV_CWJAP;
		ev->num = v;
		return true;
	}
	return false;
}

/* A whole line has arrived: what is it? */
static enum at_result at_classify(struct at_parser *p, struct at_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->link = AT_LINK_NONE;
	if (p->noisy) {
		/* The chip's boot banner at 74880 baud runs straight into "ready". */
		if (at_classify_tail(p, ev) && ev->type == AT_EV_READY)
			return AT_EVENT;
		memset(ev, 0, sizeof(*ev));
		ev->bad = AT_BAD_NOISE;
		return AT_BAD;
	}
	for (size_t i = 0; i < sizeof(at_exact) / sizeof(at_exact[0]); i++) {
		if (strcmp(p->line, at_exact[i].text) == 0) {
			ev->type = at_exact[i].type;
			return AT_EVENT;
		}
	}
	if (at_classify_prefixed(p, ev) || at_classify_notify(p, ev) || at_classify_tail(p, ev))
		return AT_EVENT;
	ev->type = AT_EV_LINE;
	ev->text = p->line;
	ev->len = p->len;
	return AT_EVENT;
}

static enum at_result at_feed_data(struct at_parser *p, const uint8_t *in, size_t n, size_t *used,
				   struct at_event *ev)
{
	size_t chunk = n < p->data_left ? n : p->data_left;

	memset(ev, 0, sizeof(*ev));
	ev->type = AT_EV_DATA;
	ev->link = AT_LINK_NONE;
	ev->data = in;
	ev->len = chunk;
	p->data_left -= (uint32_t)chunk;
	ev->end = p->data_left == 0;
	if (ev->end)
		p->mode = AT_M_LINE;
	*used = chunk;
	return AT_EVENT;
}

/* One byte of a line; returns AT_MORE unless it completed something. */
static enum at_result at_line_byte(struct at_parser *p, uint8_t c, struct at_event *ev)
{
	enum at_result r;

	if (c == '\n') {
		if (p->len == 0)
			return AT_MORE;
		r = at_classify(p, ev);
		/* The line stays readable through ev->text until the next feed. */
		p->mode = AT_M_LINE;
		p->len = 0;
		p->noisy = false;
		p->plus_at = -1;
		return r;
	}
	if (c == '\r')
		return AT_MORE;
	if (p->len == 0 && c == '>') {
		memset(ev, 0, sizeof(*ev));
		ev->type = AT_EV_PROMPT;
		ev->link = AT_LINK_NONE;
		p->mode = AT_M_PROMPT;
		return AT_EVENT;
	}
	if (p->len == CONFIG_AT_LINE_MAX) {
		memset(ev, 0, sizeof(*ev));
		ev->bad = AT_BAD_OVERLONG;
		p->mode = AT_M_SKIP;
		at_clear_line(p);
		return AT_BAD;
	}
	if (at_noise_byte(c))
		p->noisy = true;
	if (c == '+')
		p->plus_at = (int16_t)p->len;
	p->line[p->len++] = (char)c;
	p->line[p->len] = '\0';
	if ((c == ':' || c == ',') && p->plus_at >= 0 && !p->noisy) {
		switch (at_try_header(p, ev)) {
		case AT_H_NO:
			break;
		case AT_H_BAD:
			memset(ev, 0, sizeof(*ev));
			ev->bad = AT_BAD_HEADER;
			at_clear_line(p);
			return AT_BAD;
		case AT_H_YES:
			/* Whatever preceded the header on this line continues after the data. */
			p->len = (uint16_t)p->plus_at;
			p->line[p->len] = '\0';
			p->plus_at = -1;
			p->data_left = ev->num;
			p->mode = ev->num > 0 ? AT_M_DATA : AT_M_LINE;
			return AT_EVENT;
		}
	}
	return AT_MORE;
}

enum at_result at_feed(struct at_parser *p, const uint8_t *in, size_t n, size_t *used,
		       struct at_event *ev)
{
	size_t i;

	if (p->mode == AT_M_DATA)
		return at_feed_data(p, in, n, used, ev);
	if (p->len == 0)
		p->line[0] = '\0';
	for (i = 0; i < n; i++) {
		uint8_t c = in[i];
		enum at_result r;

		if (p->mode == AT_M_PROMPT) {
			p->mode = AT_M_LINE;
			if (c == ' ')
				continue;
		}
		if (p->mode == AT_M_SKIP) {
			if (c == '\n')
				p->mode = AT_M_LINE;
			continue;
		}
		r = at_line_byte(p, c, ev);
		if (r != AT_MORE) {
			*used = i + 1;
			return r;
		}
	}
	*used = n;
	return AT_MORE;
}

bool at_in_data(const struct at_parser *p)
{
	return p->mode == AT_M_DATA;
}

const char *at_event_name(enum at_event_type t)
{
	static const char *const names[] = {
		[AT_EV_NONE] = "none",
		[AT_EV_OK] = "OK",
		[AT_EV_ERROR] = "ERROR",
		[AT_EV_FAIL] = "FAIL",
		[AT_EV_SEND_OK] = "SEND OK",
		[AT_EV_SEND_FAIL] = "SEND FAIL",
		[AT_EV_BUSY_P] = "busy p",
		[AT_EV_BUSY_S] = "busy s",
		[AT_EV_READY] = "ready",
		[AT_EV_PROMPT] = "prompt",
		[AT_EV_RECV_BYTES] = "Recv",
		[AT_EV_WIFI_CONNECTED] = "WIFI CONNECTED",
		[AT_EV_WIFI_GOT_IP] = "WIFI GOT IP",
		[AT_EV_WIFI_DISCONNECT] = "WIFI DISCONNECT",
		[AT_EV_LINK_CONNECT] = "CONNECT",
		[AT_EV_LINK_CLOSED] = "CLOSED",
		[AT_EV_LINK_FAIL] = "CONNECT FAIL",
		[AT_EV_IPD_NOTIFY] = "+IPD notify",
		[AT_EV_IPD] = "+IPD",
		[AT_EV_RECVDATA] = "+CIPRECVDATA",
		[AT_EV_DATA] = "data",
		[AT_EV_UNLINK] = "UNLINK",
		[AT_EV_DNS_FAIL] = "DNS Fail",
		[AT_EV_LINK_INVALID] = "link is not valid",
		[AT_EV_ALREADY] = "ALREADY CONNECTED",
		[AT_EV_NO_IP] = "no ip",
		[AT_EV_NO_CHANGE] = "no change",
		[AT_EV_CWJAP] = "+CWJAP",
		[AT_EV_LINE] = "line",
	};

	if ((size_t)t >= sizeof(names) / sizeof(names[0]) || !names[t])
		return "?";
	return names[t];
}
