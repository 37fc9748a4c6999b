#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "opt.h"

unsigned long opt_number(const char *prog, const char *opt, const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	/* strtoul would skip spaces and take "-1" as a huge number: digits only. */
	if (*s < '0' || *s > '9' || errno || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: %s: expected a number in %lu..%lu, got '%s'\n", prog, opt, min, max, s);
		exit(2);
	}
	return v;
}

double opt_probability(const char *prog, const char *opt, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= 0 && v <= 1)) {
		fprintf(stderr, "%s: %s: expected a probability 0..1, got '%s'\n", prog, opt, s);
		exit(2);
	}
	return v;
}
