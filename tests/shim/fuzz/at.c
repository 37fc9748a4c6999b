/*
 * Fuzz target: the AT parser on any bytes, cut into pieces the input
 * chooses.  Invariants: it never consumes more than it was given, always
 * makes progress, and hands out data pieces that lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "at.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct at_parser p;
	size_t off = 0;
	unsigned cut;

	if (size < 1)
		return 0;
	/* The first byte picks the piece size: 1..255 bytes, or everything at once. */
	cut = data[0] ? data[0] : (unsigned)size;
	data++;
	size--;
	at_init(&p);
	while (off < size) {
		size_t end = off + cut < size ? off + cut : size;

		while (off < end) {
			struct at_event ev;
			size_t used = 0;
			enum at_result r = at_feed(&p, data + off, end - off, &used, &ev);

			if (used > end - off)
				abort();
			if (r == AT_EVENT && ev.type == AT_EV_DATA &&
			    (ev.data < data + off || ev.data + ev.len > data + end || ev.len != used))
				abort();
			if (r == AT_EVENT && ev.type == AT_EV_LINE && strlen(ev.text) != ev.len)
				abort();
			if (r == AT_MORE && used != end - off)
				abort();
			off += used;
			if (used == 0 && r == AT_MORE)
				abort();
		}
	}
	return 0;
}
