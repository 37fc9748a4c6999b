/* k210-probe's options and its shared helpers (probe.c), used by xfer.c. */
#ifndef K210_PROBE_H
#define K210_PROBE_H

#include <stdbool.h>
#include <stdint.h>

struct probe_opts {
	int verbose;
	int timeout_ms;
	uint32_t window;
	unsigned count, streams, parallel;
	uint32_t size;
	uint64_t down, up, read_rate;
	uint32_t seed;
	const char *out;
	bool tls, expect_fail, bench;
};

extern struct probe_opts probe;

/* Print the error (error=, error_code=) and return the failure exit status. */
int probe_fail(int err, const char *what);

#endif
