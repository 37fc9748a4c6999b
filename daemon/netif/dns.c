#include <string.h>

#include "dns.h"

#define DNS_QR 0x8000
#define DNS_OPCODE_MASK 0x7800
#define DNS_RD 0x0100
#define DNS_RA 0x0080
#define DNS_LABEL_MAX 63

static uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

const char *dns_status_str(enum dns_status st)
{
	switch (st) {
	case DNS_OK: return "ok";
	case DNS_SHORT: return "shorter than a header";
	case DNS_RESPONSE: return "a response, not a query";
	case DNS_OPCODE: return "not a standard query";
	case DNS_COUNTS: return "not one question alone";
	case DNS_TRUNCATED: return "question cut short";
	case DNS_LABEL: return "bad label";
	case DNS_TOO_LONG: return "name too long";
	case DNS_CHARACTER: return "a character the board cannot look up";
	}
	return "?";
}

int dns_status_rcode(enum dns_status st)
{
	switch (st) {
	case DNS_OK: return DNS_NOERROR;
	case DNS_SHORT:
	case DNS_RESPONSE: return -1;
	case DNS_OPCODE: return DNS_NOTIMP;
	case DNS_CHARACTER: return DNS_REFUSED;
	default: return DNS_FORMERR;
	}
}

/* Letters, digits, hyphen and underscore: what goes into the board's AT command unquoted. */
static int dns_char_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_';
}

enum dns_status dns_parse_query(const uint8_t *buf, size_t n, struct dns_query *q)
{
	size_t pos = DNS_HEADER, out = 0;
	enum dns_status bad = DNS_OK;

	memset(q, 0, sizeof(*q));
	if (n < DNS_HEADER)
		return DNS_SHORT;
	q->id = dns_get16(buf);
	q->flags = dns_get16(buf + 2);
	if (q->flags & DNS_QR)
		return DNS_RESPONSE;
	if (q->flags & DNS_OPCODE_MASK)
		return DNS_OPCODE;
	/* One question; an OPT record (EDNS) may ride in the additional section. */
	if (dns_get16(buf + 4) != 1 || dns_get16(buf + 6) != 0 || dns_get16(buf + 8) != 0 ||
	    dns_get16(buf + 10) > 1)
		return DNS_COUNTS;
	for (;;) {
		uint8_t len;

		if (pos >= n)
			return DNS_TRUNCATED;
		len = buf[pos++];
		if (len == 0)
			break;
		if (len > DNS_LABEL_MAX)
			return DNS_LABEL;   /* 0xc0 and up: compression pointers */
		if (len > n - pos)
			return DNS_TRUNCATED;
		if (out + (out ? 1 : 0) + len > DNS_NAME_MAX)
			return DNS_TOO_LONG;
		if (out)
			q->name[out++] = '.';
		for (uint8_t i = 0; i < len; i++) {
			if (!dns_char_ok(buf[pos + i]))
				bad = DNS_CHARACTER;
			q->name[out++] = (char)buf[pos + i];
		}
		pos += len;
	}
	if (n - pos < 4)
		return DNS_TRUNCATED;
	q->qtype = dns_get16(buf + pos);
	q->qclass = dns_get16(buf + pos + 2);
	pos += 4;
	q->name[out] = 0;
	q->question = buf + DNS_HEADER;
	q->question_len = pos - DNS_HEADER;
	return bad;
}

static void dns_header(uint8_t *out, uint16_t id, uint16_t qflags, uint8_t rcode, uint16_t qd,
		       uint16_t an)
{
	dns_put16(out, id);
	dns_put16(out + 2, (uint16_t)(DNS_QR | (qflags & DNS_RD) | DNS_RA | (rcode & 0x0f)));
	dns_put16(out + 4, qd);
	dns_put16(out + 6, an);
	dns_put16(out + 8, 0);
	dns_put16(out + 10, 0);
}

size_t dns_build_answer(uint8_t *out, size_t cap, const struct dns_query *q, uint8_t rcode,
			const struct in_addr *addrs, int naddrs, uint32_t ttl)
{
	size_t len = DNS_HEADER + q->question_len;

	if (rcode != DNS_NOERROR || naddrs < 0)
		naddrs = 0;
	/* Each record: a pointer to the question's name, type, class, TTL, length, address. */
	if (len + (size_t)naddrs * 16 > cap)
		return 0;
	dns_header(out, q->id, q->flags, rcode, 1, (uint16_t)naddrs);
	memmove(out + DNS_HEADER, q->question, q->question_len);
	for (int i = 0; i < naddrs; i++) {
		uint8_t *r = out + len;

		dns_put16(r, 0xc000 | DNS_HEADER);
		dns_put16(r + 2, DNS_TYPE_A);
		dns_put16(r + 4, DNS_CLASS_IN);
		dns_put16(r + 6, (uint16_t)(ttl >> 16));
		dns_put16(r + 8, (uint16_t)ttl);
		dns_put16(r + 10, 4);
		memcpy(r + 12, &addrs[i], 4);
		len += 16;
	}
	return len;
}

size_t dns_build_header_only(uint8_t *out, size_t cap, const uint8_t *query, size_t n,
			     uint8_t rcode)
{
	if (n < DNS_HEADER || cap < DNS_HEADER)
		return 0;
	dns_header(out, dns_get16(query), dns_get16(query + 2), rcode, 0, 0);
	return DNS_HEADER;
}
