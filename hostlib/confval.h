/*
 * The hosted programs' configuration files (k210sockd, k210-netif): the
 * whole file read at once, and the value syntaxes they share.  Each
 * parser takes the value as inih hands it over and says only yes or no;
 * the caller names the key and the range in its message.
 */
#ifndef K210_CONFVAL_H
#define K210_CONFVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal digits only, at most max. */
bool confval_uint(const char *v, uint64_t max, uint64_t *out);
/* Seconds with up to three decimals (any further ones 0), at most max_s seconds, in milliseconds. */
bool confval_duration(const char *v, uint64_t max_s, uint64_t *ms);
/* Bytes with an optional K or M (either case), at most UINT32_MAX in all. */
bool confval_size(const char *v, uint64_t *out);
/*
 * A regular file of at most max bytes and no NUL byte, NUL-terminated, for
 * the caller to free; NULL and why (a complete sentence fragment) if not.
 */
char *confval_read_file(const char *path, size_t max, char *why, size_t why_len);

#endif
