/*
 * Message decoder and stream reader.  Invariants on untrusted input:
 * decoding never reads past the buffer; a message that decodes re-encodes
 * to a message that decodes again to the same bytes; strings come out
 * NUL-terminated within their limits; list walks stay inside the body.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const uint8_t *p, size_t len)
{
	static uint8_t again[PROTO_MSG_MAX], third[PROTO_MSG_MAX];
	struct msg m, m2;
	struct msg_entry e;
	size_t n, n2, pos = 0;
	int entries = 0;

	if (msg_decode(&m, p, len) != MSG_OK)
		return;
	if ((m.type & 0x7f) == PROTO_RESOLVE || (m.type & 0x7f) == PROTO_WIFI_SCAN ||
	    (m.type & 0x7f) == PROTO_STATUS) {
		if (PROTO_IS_RESPONSE(m.type) && m.err == PROTO_OK) {
			while (msg_list_next(&m, &pos, &e))
				entries++;
			if (entries != m.u.list.count || pos > m.u.list.len)
				abort();
		}
	}
	n = msg_encode(&m, again, sizeof(again));
	if (n == 0 || n > len)
		abort();
	if (msg_decode(&m2, again, n) != MSG_OK)
		abort();
	n2 = msg_encode(&m2, third, sizeof(third));
	if (n2 != n || memcmp(again, third, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg_reader r;
	size_t step = size ? data[0] % 9 : 0;

	check_message(data, size);
	msg_reader_reset(&r);
	for (size_t at = 0; at < size;) {
		size_t piece = step && size - at > step ? step : size - at;
		size_t off = 0;

		while (off < piece) {
			enum msg_status st;
			const uint8_t *p;
			size_t len = 0;

			off += msg_reader_feed(&r, data + at + off, piece - off, &st, &p, &len);
			if (st == MSG_OK) {
				if (len < PROTO_MSG_HDR || len > PROTO_MSG_MAX)
					abort();
				check_message(p, len);
			}
		}
		at += piece;
	}
	return 0;
}
