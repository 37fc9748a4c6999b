#include <string.h>

#include "txt.h"

bool txt_u32(const char **p, const char *end, uint32_t max, uint32_t *out)
{
	const char *s = *p;
	uint32_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9') {
		uint32_t d = (uint32_t)(*s - '0');

		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

bool txt_i32(const char **p, const char *end, int32_t min, int32_t max, int32_t *out)
{
	const char *s = *p;
	bool neg = s < end && *s == '-';
	uint32_t mag;
	int64_t v;

	if (neg)
		s++;
	if (!txt_u32(&s, end, 0x80000000u, &mag))
		return false;
	v = neg ? -(int64_t)mag : (int64_t)mag;
	if (v < min || v > max)
		return false;
	*p = s;
	*out = (int32_t)v;
	return true;
}

bool txt_ipv4(const char **p, const char *end, uint8_t ip[4])
{
	const char *s = *p;
	uint8_t tmp[4];

	for (int i = 0; i < 4; i++) {
		uint32_t v;

		if (i > 0 && !txt_char(&s, end, '.'))
			return false;
		if (!txt_u32(&s, end, 255, &v))
			return false;
		tmp[i] = (uint8_t)v;
	}
	memcpy(ip, tmp, 4);
	*p = s;
	return true;
}

static int txt_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool txt_mac(const char **p, const char *end, uint8_t mac[6])
{
	const char *s = *p;
	uint8_t tmp[6];

	for (int i = 0; i < 6; i++) {
		int hi, lo;

		if (i > 0 && !txt_char(&s, end, ':'))
			return false;
		if (end - s < 2)
			return false;
		hi = txt_hex(s[0]);
		lo = txt_hex(s[1]);
		if (hi < 0 || lo < 0)
			return false;
		tmp[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	memcpy(mac, tmp, 6);
	*p = s;
	return true;
}

bool txt_char(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

bool txt_lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

bool txt_quoted(const char **p, const char *end, char *out, size_t cap)
{
	const char *s = *p;
	size_t n = 0;

	if (!txt_char(&s, end, '"'))
		return false;
	while (s < end && *s != '"') {
		if (*s == '\\' && s + 1 < end)
			s++;
		if (n + 1 >= cap)
			return false;
		out[n++] = *s++;
	}
	if (!txt_char(&s, end, '"'))
		return false;
	out[n] = '\0';
	*p = s;
	return true;
}

bool txt_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void txt_begin(struct txt *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->overflow = cap == 0;
}

static void txt_mem(struct txt *t, const char *s, size_t n)
{
	if (t->overflow)
		return;
	if (n >= t->cap - t->len) {
		/* What fits stays, for text that may be cut (a log line); a command is refused by txt_end. */
		n = t->cap - 1 - t->len;
		t->overflow = true;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

void txt_str(struct txt *t, const char *s)
{
	txt_mem(t, s, strlen(s));
}

void txt_u32_put(struct txt *t, uint32_t v)
{
	char digits[10];
	size_t n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	txt_mem(t, digits + sizeof(digits) - n, n);
}

void txt_ip_put(struct txt *t, const uint8_t ip[4])
{
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			txt_mem(t, ".", 1);
		txt_u32_put(t, ip[i]);
	}
}

void txt_quote_put(struct txt *t, const char *s)
{
	txt_mem(t, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == ',' || *s == '\\')
			txt_mem(t, "\\", 1);
		txt_mem(t, s, 1);
	}
	txt_mem(t, "\"", 1);
}

bool txt_end(struct txt *t)
{
	if (t->cap > 0)
		t->buf[t->overflow ? 0 : t->len] = '\0';
	return !t->overflow;
}
