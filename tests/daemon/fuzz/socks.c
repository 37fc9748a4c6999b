/*
 * SOCKS5 parser: any input is consumed without overrun, and the result does
 * not depend on how the bytes are split.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum socks_result fuzz_run(const uint8_t *data, size_t size, size_t piece,
				  struct socks_parser *p)
{
	enum socks_result r = SOCKS_NEED_MORE;
	size_t pos = 0;

	socks_parser_init(p);
	while (pos < size) {
		size_t n = piece && piece < size - pos ? piece : size - pos;
		size_t used = socks_parse(p, data + pos, n, &r);

		if (used > n)
			abort();
		pos += used;
		if (r == SOCKS_ERROR || r == SOCKS_REQUEST)
			break;
		if (used == 0)
			abort();
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct socks_parser a, b;
	enum socks_result ra = fuzz_run(data, size, 0, &a);
	enum socks_result rb = fuzz_run(data, size, 1, &b);

	if (ra != rb || a.noauth != b.noauth)
		abort();
	if (ra == SOCKS_REQUEST) {
		if (strlen(a.host) > PROTO_HOST_MAX || strcmp(a.host, b.host) != 0 ||
		    a.port != b.port || a.cmd != b.cmd ||
		    (a.port == 0 && a.cmd == SOCKS_CMD_CONNECT))
			abort();
	}
	return 0;
}
