/*
 * Test data both ends can produce on their own: the stream for a seed is
 * SHA-256("<seed>:0") || SHA-256("<seed>:1") || ... (the test servers in
 * Python make the same bytes), and SHA-256 over what was moved.
 */
#ifndef K210_PATTERN_H
#define K210_PATTERN_H

#include <stddef.h>
#include <stdint.h>

struct pattern {
	uint32_t seed;
	uint64_t pos;
	uint8_t block[32];
};

void pattern_init(struct pattern *p, uint32_t seed);
/* The next n bytes of the stream. */
void pattern_fill(struct pattern *p, uint8_t *out, size_t n);

struct digest;
struct digest *digest_new(void);
void digest_add(struct digest *d, const void *p, size_t n);
/* Hex of the digest (65 bytes with NUL); frees d. */
void digest_end(struct digest *d, char hex[65]);

#endif
