/*
 * Configuration parser: any text parses or fails with messages, never past
 * its error buffer; what parses keeps the limits the daemon relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define FUZZ_TEXT_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[FUZZ_TEXT_MAX + 1];
	static struct config c;
	struct config_errors err = { .len = 0 };
	bool ok;

	if (size > FUZZ_TEXT_MAX)
		size = FUZZ_TEXT_MAX;
	memcpy(text, data, size);
	text[size] = 0;
	config_defaults(&c);
	ok = config_parse_string(&c, "fuzz.conf", text, &err);
	if (err.len >= sizeof(err.text) || !memchr(err.text, 0, sizeof(err.text)))
		abort();
	if (ok != (err.count == 0) || (!ok && err.len == 0))
		abort();
	if (ok && c.device.reconnect_min_ms > c.device.reconnect_max_ms)
		abort();
	return 0;
}
