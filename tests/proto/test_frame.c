/* Frame layer vectors: encodings, and decoding whole and one byte at a time. */
#include <stdlib.h>

#include "check.h"
#include "crc32c.h"
#include "frame.h"

struct good_vector {
	const char *name;
	const char *body;      /* hex */
	const char *encoded;   /* hex, delimiter included */
};

/* Encodings computed independently of this implementation. */
static const struct good_vector good[] = {
	{ "one zero byte", "00", "01 05 52 7d 53 51 00" },
	{ "ascii digits", "31 32 33 34 35 36 37 38 39",
	  "0e 31 32 33 34 35 36 37 38 39 e3 06 92 83 00" },
	{ "ten zeros", "00 00 00 00 00 00 00 00 00 00",
	  "01 01 01 01 01 01 01 01 01 01 05 e3 dd f0 6b 00" },
	{ "zeros at both ends", "00 11 22 00", "01 03 11 22 05 c5 4a 77 df 00" },
	{ "three bytes", "01 02 03", "08 01 02 03 f1 30 f2 1e 00" },
};

struct bad_vector {
	const char *name;
	const char *input;     /* hex */
	size_t cap;            /* decoder buffer (0 = roomy) */
	enum frame_status expect[4]; /* statuses in order, FRAME_NEED_MORE ends */
};

static const struct bad_vector bad[] = {
	{ "bad crc", "0e 31 32 33 34 35 36 37 38 39 e3 06 92 84 00", 0, { FRAME_ECRC } },
	{ "flipped payload bit", "0e 31 32 33 34 35 36 37 38 38 e3 06 92 83 00", 0, { FRAME_ECRC } },
	{ "runt: one byte", "02 11 00", 0, { FRAME_ERUNT } },
	{ "runt: crc only", "01 01 01 01 01 00", 0, { FRAME_ERUNT } },
	{ "cobs block cut short", "05 11 22 00", 0, { FRAME_ECOBS } },
	{ "oversize", "0e 31 32 33 34 35 36 37 38 39 e3 06 92 83 00", 8, { FRAME_EOVERSIZE } },
	{ "lone delimiter", "00", 0, { FRAME_EMPTY } },
	{ "garbage then delimiter then frame", "ab cd ef 00 08 01 02 03 f1 30 f2 1e 00", 0,
	  { FRAME_ECOBS, FRAME_OK } },
	{ "garbage glued to a frame: block overruns", "ab 08 01 02 03 f1 30 f2 1e 00", 0, { FRAME_ECOBS } },
	{ "garbage glued to a frame: wrong crc", "01 08 01 02 03 f1 30 f2 1e 00", 0, { FRAME_ECRC } },
	{ "oversize then recovery", "0e 31 32 33 34 35 36 37 38 39 e3 06 92 83 00 08 01 02 03 f1 30 f2 1e 00",
	  8, { FRAME_EOVERSIZE, FRAME_OK } },
	{ "truncated frame (no delimiter yet)", "0e 31 32 33", 0, { FRAME_NEED_MORE } },
};

/* Feed input in pieces of `step` bytes; collect the non-NEED_MORE statuses. */
static size_t decode_all(const unsigned char *in, size_t n, size_t step, size_t cap,
			 enum frame_status *out, size_t max, unsigned char *body, size_t *body_len)
{
	unsigned char buf[8192];
	struct frame_decoder d;
	size_t count = 0;

	frame_decoder_init(&d, buf, cap ? cap : sizeof(buf));
	for (size_t at = 0; at < n;) {
		size_t piece = step && n - at > step ? step : n - at;
		size_t off = 0;

		while (off < piece) {
			enum frame_status st;
			const uint8_t *b = NULL;
			size_t len = 0;

			off += frame_decoder_feed(&d, in + at + off, piece - off, &st, &b, &len);
			if (st == FRAME_NEED_MORE)
				continue;
			if (st == FRAME_OK && body) {
				memcpy(body, b, len);
				*body_len = len;
			}
			if (count < max)
				out[count] = st;
			count++;
		}
		at += piece;
	}
	return count;
}

static void test_good(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		unsigned char body[64], enc[128], out[128], got[64];
		size_t blen = check_hex(good[i].body, body, sizeof(body));
		size_t elen = check_hex(good[i].encoded, enc, sizeof(enc));
		size_t n = frame_encode(body, blen, out, sizeof(out));

		check_case = good[i].name;
		CHECK_EQ(n, elen);
		CHECK_MEM(out, enc, elen);
		CHECK(n <= FRAME_ENCODED_MAX(blen));
		for (size_t step = 0; step <= 1; step++) {
			enum frame_status st[4];
			size_t got_len = 0;
			size_t c = decode_all(enc, elen, step, 0, st, 4, got, &got_len);

			CHECK_EQ(c, 1);
			CHECK_EQ(st[0], FRAME_OK);
			CHECK_EQ(got_len, blen);
			CHECK_MEM(got, body, blen);
		}
	}
}

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned char in[256];
		size_t n = check_hex(bad[i].input, in, sizeof(in));
		size_t want = 0;

		check_case = bad[i].name;
		while (want < 4 && bad[i].expect[want] != FRAME_NEED_MORE)
			want++;
		for (size_t step = 0; step <= 1; step++) {
			enum frame_status st[4];
			size_t c = decode_all(in, n, step, bad[i].cap, st, 4, NULL, NULL);

			CHECK_EQ(c, want);
			for (size_t k = 0; k < want && k < c; k++)
				CHECK_EQ(st[k], bad[i].expect[k]);
		}
	}
}

/* Block boundaries of COBS: 253, 254 and 255 non-zero bytes and beyond. */
static void test_blocks(void)
{
	static const size_t lens[] = { 250, 251, 252, 253, 254, 255, 508, 509, 1000, 4096 };

	check_case = "block boundaries";
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		unsigned char body[4096], enc[FRAME_ENCODED_MAX(4096)], got[4096 + 4];
		size_t n, got_len = 0;
		enum frame_status st[2];

		for (size_t k = 0; k < lens[i]; k++)
			body[k] = (unsigned char)(k % 255 + 1);
		n = frame_encode(body, lens[i], enc, sizeof(enc));
		CHECK(n > 0 && n <= FRAME_ENCODED_MAX(lens[i]));
		CHECK(memchr(enc, 0, n - 1) == NULL);
		CHECK_EQ(enc[n - 1], 0);
		CHECK_EQ(decode_all(enc, n, 0, 0, st, 2, got, &got_len), 1);
		CHECK_EQ(st[0], FRAME_OK);
		CHECK_EQ(got_len, lens[i]);
		CHECK_MEM(got, body, lens[i]);
	}
	/* The sizes an independent encoder gives for 253..255 bytes of 1..255. */
	{
		unsigned char body[255], enc[300];

		for (size_t k = 0; k < 255; k++)
			body[k] = (unsigned char)(k % 255 + 1);
		CHECK_EQ(frame_encode(body, 253, enc, sizeof(enc)), 260);
		CHECK_EQ(frame_encode(body, 254, enc, sizeof(enc)), 261);
		CHECK_EQ(frame_encode(body, 255, enc, sizeof(enc)), 262);
	}
	check_case = "encode into a short buffer";
	{
		unsigned char body[10] = { 1 }, enc[8];

		CHECK_EQ(frame_encode(body, sizeof(body), enc, sizeof(enc)), 0);
	}
}

static void test_random_roundtrip(void)
{
	unsigned seed = 12345;

	check_case = "random round trips";
	for (int iter = 0; iter < 2000; iter++) {
		unsigned char body[600], enc[FRAME_ENCODED_MAX(600)], got[604];
		size_t len, n, got_len = 0;
		enum frame_status st[2];

		seed = seed * 1103515245 + 12345;
		len = 1 + seed % 600;
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			/* Plenty of zeros and 0xff to stress block codes. */
			body[k] = (unsigned char)((seed >> 16) % 3 == 0 ? 0 : (seed >> 8));
		}
		n = frame_encode(body, len, enc, sizeof(enc));
		CHECK(n > 0 && n <= FRAME_ENCODED_MAX(len));
		CHECK_EQ(decode_all(enc, n, iter % 2, 0, st, 2, got, &got_len), 1);
		CHECK_EQ(st[0], FRAME_OK);
		CHECK_EQ(got_len, len);
		CHECK_MEM(got, body, len);
	}
}

static void test_crc(void)
{
	check_case = "crc32c check value";
	CHECK_EQ(crc32c(0, "123456789", 9), 0xe3069283);
	CHECK_EQ(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
	CHECK_EQ(crc32c(0, "", 0), 0);
}

int main(void)
{
	test_crc();
	test_good();
	test_bad();
	test_blocks();
	test_random_roundtrip();
	return check_done("test_frame");
}
