#include <stdlib.h>

#include "check.h"

int check_failures;
const char *check_case;

size_t check_hex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;

	while (*hex) {
		unsigned v;

		if (*hex == ' ' || *hex == '\n') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1 || n == cap) {
			fprintf(stderr, "bad hex vector near '%s'\n", hex);
			abort();
		}
		out[n++] = (unsigned char)v;
		hex += 2;
	}
	return n;
}

void check_dump(const char *label, const unsigned char *p, size_t n)
{
	fprintf(stderr, "%s (%zu):", label, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fputc('\n', stderr);
}

int check_done(const char *suite)
{
	if (check_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", suite, check_failures);
		return 1;
	}
	printf("%s: all checks passed\n", suite);
	return 0;
}
