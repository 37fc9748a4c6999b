/*
 * Text helpers for AT command lines and replies: bounded number and IPv4
 * parsing over [p, end) cursors, and an append-only builder that never
 * overruns its buffer.  The core has no stdio.
 */
#ifndef K210_TXT_H
#define K210_TXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal digits at *p (at least one, no sign) no greater than max; advances *p. */
bool txt_u32(const char **p, const char *end, uint32_t max, uint32_t *out);
/* A signed decimal within [min, max]; advances *p. */
bool txt_i32(const char **p, const char *end, int32_t min, int32_t max, int32_t *out);
/* Dotted IPv4 a.b.c.d; advances *p. */
bool txt_ipv4(const char **p, const char *end, uint8_t ip[4]);
/* "aa:bb:cc:dd:ee:ff" (hex, either case); advances *p. */
bool txt_mac(const char **p, const char *end, uint8_t mac[6]);
/* The exact character c at *p; advances *p. */
bool txt_char(const char **p, const char *end, char c);
/* The exact string s at *p; advances *p. */
bool txt_lit(const char **p, const char *end, const char *s);
/*
 * A double-quoted string (backslash escapes the next character) copied into
 * out (cap bytes including the NUL); false if it does not fit; advances *p.
 */
bool txt_quoted(const char **p, const char *end, char *out, size_t cap);
bool txt_prefix(const char *s, const char *prefix);

struct txt {
	char *buf;
	size_t cap;       /* including room for a terminating NUL */
	size_t len;
	bool overflow;
};

void txt_begin(struct txt *t, char *buf, size_t cap);
void txt_str(struct txt *t, const char *s);
void txt_u32_put(struct txt *t, uint32_t v);
void txt_ip_put(struct txt *t, const uint8_t ip[4]);
/* "s" with '"', ',' and '\\' escaped the way the AT firmware expects. */
void txt_quote_put(struct txt *t, const char *s);
/* NUL-terminates; false if anything did not fit. */
bool txt_end(struct txt *t);

#endif
