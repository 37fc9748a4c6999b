/* Minimal test helpers: failures print where and what, and the run goes on. */
#ifndef K210_CHECK_H
#define K210_CHECK_H

#include <stdio.h>
#include <string.h>

extern int check_failures;
extern const char *check_case;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: [%s] check failed: %s\n", __FILE__, __LINE__, \
				check_case ? check_case : "-", #cond);                     \
			check_failures++;                                                  \
		}                                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                                     \
	do {                                                                               \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);            \
		if (check_a_ != check_b_) {                                                \
			fprintf(stderr, "%s:%d: [%s] %s == %lld, expected %s == %lld\n",    \
				__FILE__, __LINE__, check_case ? check_case : "-", #a,     \
				check_a_, #b, check_b_);                                   \
			check_failures++;                                                  \
		}                                                                          \
	} while (0)

#define CHECK_MEM(a, b, n)                                                                 \
	do {                                                                               \
		if (memcmp((a), (b), (n)) != 0) {                                          \
			fprintf(stderr, "%s:%d: [%s] bytes differ: %s vs %s\n", __FILE__,  \
				__LINE__, check_case ? check_case : "-", #a, #b);          \
			check_failures++;                                                  \
		}                                                                          \
	} while (0)

/* Parse hex ("01 ab ff", spaces ignored) into out; returns the byte count. */
size_t check_hex(const char *hex, unsigned char *out, size_t cap);
/* Print bytes as hex for diagnostics. */
void check_dump(const char *label, const unsigned char *p, size_t n);
int check_done(const char *suite);

#endif
