#include <string.h>

#include "crc32c.h"
#include "frame.h"
#include "wire.h"

/*
 * COBS: the output is a series of blocks, each a code byte n followed by
 * n - 1 non-zero bytes; a code below 0xff stands for those bytes plus a zero
 * that is implied except after the last block.
 */
size_t frame_encode(const uint8_t *body, size_t len, uint8_t *out, size_t cap)
{
	uint8_t crc[FRAME_CRC_LEN];
	size_t total = len + FRAME_CRC_LEN;
	size_t code_at = 0, o = 1;
	uint8_t code = 1;

	if (cap < FRAME_ENCODED_MAX(len))
		return 0;
	wire_put_u32(crc, crc32c(0, body, len));
	for (size_t i = 0; i < total; i++) {
		uint8_t b = i < len ? body[i] : crc[i - len];

		if (b != 0) {
			out[o++] = b;
			code++;
		}
		if (b == 0 || code == 0xff) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
		}
	}
	out[code_at] = code;
	out[o++] = 0;
	return o;
}

void frame_decoder_init(struct frame_decoder *d, uint8_t *buf, size_t cap)
{
	d->buf = buf;
	d->cap = cap;
	frame_decoder_reset(d);
}

void frame_decoder_reset(struct frame_decoder *d)
{
	d->len = 0;
	d->code = 0;
	d->left = 0;
	d->overflow = false;
}

static void frame_decoder_put(struct frame_decoder *d, uint8_t b)
{
	if (d->len == d->cap)
		d->overflow = true;
	else
		d->buf[d->len++] = b;
}

/* A delimiter ended the frame: classify it and start the next one. */
static enum frame_status frame_decoder_end(struct frame_decoder *d, size_t *len)
{
	enum frame_status st;

	if (d->overflow)
		st = FRAME_EOVERSIZE;
	else if (d->left != 0)
		st = FRAME_ECOBS;
	else if (d->code == 0)
		st = FRAME_EMPTY;
	else if (d->len <= FRAME_CRC_LEN)
		st = FRAME_ERUNT;
	else {
		size_t n = d->len - FRAME_CRC_LEN;

		if (crc32c(0, d->buf, n) == wire_get_u32(d->buf + n)) {
			*len = n;
			st = FRAME_OK;
		} else {
			st = FRAME_ECRC;
		}
	}
	frame_decoder_reset(d);
	return st;
}

size_t frame_decoder_feed(struct frame_decoder *d, const uint8_t *in, size_t n,
			  enum frame_status *st, const uint8_t **body, size_t *len)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];

		if (b == 0) {
			*st = frame_decoder_end(d, len);
			*body = d->buf;
			return i + 1;
		}
		if (d->overflow)
			continue;
		if (d->left == 0) {
			if (d->code != 0 && d->code != 0xff)
				frame_decoder_put(d, 0);
			d->code = b;
			d->left = (uint8_t)(b - 1);
		} else {
			frame_decoder_put(d, b);
			d->left--;
		}
	}
	*st = FRAME_NEED_MORE;
	return n;
}
