/*
 * Frame layer: a frame is  COBS(body || CRC-32C(body)) 0x00.
 * The 0x00 delimiter never occurs inside an encoded frame, so a decoder that
 * meets garbage drops at most up to the next delimiter and then finds the
 * next good frame.  The CRC is sent big-endian.
 */
#ifndef K210_FRAME_H
#define K210_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_CRC_LEN 4
/* Bytes an encoded frame of a body of n bytes can occupy, delimiter included. */
#define FRAME_ENCODED_MAX(n) ((n) + FRAME_CRC_LEN + ((n) + FRAME_CRC_LEN) / 254 + 2)

/*
 * Encode body into out (cap bytes); returns the encoded length including the
 * trailing delimiter, or 0 if out is too small.
 */
size_t frame_encode(const uint8_t *body, size_t len, uint8_t *out, size_t cap);

enum frame_status {
	FRAME_NEED_MORE = 0, /* no complete frame yet */
	FRAME_OK,            /* a frame with a good CRC is ready */
	FRAME_EMPTY,         /* a lone delimiter (idle fill): ignore */
	FRAME_ERUNT,         /* too short to hold a CRC */
	FRAME_ECRC,          /* CRC mismatch: noise or a damaged frame */
	FRAME_ECOBS,         /* a COBS block cut short by the delimiter */
	FRAME_EOVERSIZE,     /* longer than the decoder's buffer */
};

struct frame_decoder {
	uint8_t *buf;        /* caller-owned, holds body + CRC */
	size_t cap;
	size_t len;
	uint8_t code;        /* current COBS block code */
	uint8_t left;        /* bytes left in the block */
	bool overflow;       /* skip to the next delimiter */
};

void frame_decoder_init(struct frame_decoder *d, uint8_t *buf, size_t cap);
/* Drop any partial frame (for example after a baud-rate switch). */
void frame_decoder_reset(struct frame_decoder *d);

/*
 * Consume bytes until one frame ends (or the input is used up); returns the
 * number of bytes consumed.  On FRAME_OK, *body and *len give the body
 * without the CRC, valid until the next call.  Every other status but
 * FRAME_NEED_MORE reports one discarded frame.
 */
size_t frame_decoder_feed(struct frame_decoder *d, const uint8_t *in, size_t n,
			  enum frame_status *st, const uint8_t **body, size_t *len);

#endif
