/*
 * Link state machine under hostile input.  Two endpoints complete a
 * handshake, then the input drives endpoint B: each chunk is either raw line
 * bytes or a frame body that gets a valid CRC (and, if asked, the session
 * id), so the fuzzer reaches past the CRC into the protocol logic.  Between
 * chunks time advances and B's output is drained.  Invariants: nothing
 * crashes or overruns, and as long as no frame was forged with the session
 * id, what B delivers is exactly what A wrote, in order.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "link.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_end {
	struct link link;
	uint8_t mem[160 * 1024];
	uint64_t delivered;
	bool forged;          /* frames carrying the session id were injected */
};

static const uint8_t pattern[] = "0123456789abcdefghijklmnopqrstuvwxyz";

static void fz_deliver(void *ctx, const uint8_t *d, size_t len)
{
	struct fz_end *e = ctx;

	/* Only A writes, the repeating pattern from offset 0 of the session. */
	for (size_t i = 0; i < len && !e->forged; i++)
		if (d[i] != pattern[(e->delivered + i) % (sizeof(pattern) - 1)])
			abort();
	e->delivered += len;
}

static void fz_event(void *ctx, const struct link_event *ev)
{
	struct fz_end *e = ctx;

	if (ev->type == LINK_EV_UP || ev->type == LINK_EV_DOWN)
		e->delivered = 0;
}

static void fz_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	(void)baud;
}

static const struct link_ops fz_ops = { fz_deliver, fz_event, fz_baud };

static void fz_init(struct fz_end *e, uint32_t boot)
{
	struct link_config cfg;

	link_config_default(&cfg);
	cfg.boot_id = boot;
	cfg.window = 8;
	cfg.max_payload = 512;
	cfg.tx_buffer = 8192;
	memset(e, 0, sizeof(*e));
	if (link_mem_size(&cfg) > sizeof(e->mem) ||
	    !link_init(&e->link, &cfg, &fz_ops, e, e->mem, sizeof(e->mem), 0))
		abort();
}

static void fz_pump(struct fz_end *a, struct fz_end *b, uint64_t now)
{
	uint8_t buf[4096];

	for (int i = 0; i < 8; i++) {
		size_t na = link_output(&a->link, now, buf, sizeof(buf));

		link_input(&b->link, now, buf, na);
		size_t nb = link_output(&b->link, now, buf, sizeof(buf));

		link_input(&a->link, now, buf, nb);
		if (!na && !nb)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_end a, b;
	uint64_t now = 0;
	uint64_t written = 0;
	uint32_t session;
	uint8_t sink[4096];

	fz_init(&a, 1);
	fz_init(&b, 2);
	fz_pump(&a, &b, now);
	session = link_session(&a.link);
	while (size >= 2) {
		uint8_t op = data[0];
		size_t len = data[1] < size - 2 ? data[1] : size - 2;
		const uint8_t *chunk = data + 2;

		data += 2 + len;
		size -= 2 + len;
		now += (uint64_t)(op >> 4) * 3000;
		switch (op & 3) {
		case 0: /* raw bytes on B's line */
			link_input(&b.link, now, chunk, len);
			break;
		case 1: /* a frame body with a valid CRC */
		case 2: { /* the same, with B's session id filled in */
			uint8_t body[260], enc[FRAME_ENCODED_MAX(260)];
			size_t n;

			memcpy(body, chunk, len);
			if ((op & 3) == 2 && len >= 5) {
				wire_put_u32(body + 1, link_session(&b.link));
				b.forged = true;
			}
			enc[0] = 0;
			n = frame_encode(body, len, enc + 1, sizeof(enc) - 1);
			link_input(&b.link, now, enc, n + 1);
			break;
		}
		case 3: { /* A writes some of the pattern, and the two talk */
			uint8_t buf[256];

			/* A new session starts the pattern over. */
			if (link_session(&a.link) != session) {
				session = link_session(&a.link);
				written = 0;
			}
			for (size_t i = 0; i < len; i++)
				buf[i] = pattern[(written + i) % (sizeof(pattern) - 1)];
			written += link_write(&a.link, buf, len);
			fz_pump(&a, &b, now);
			break;
		}
		}
		if (op & 4)
			link_request_baud(&b.link, 921600);
		link_output(&b.link, now, sink, sizeof(sink));
	}
	return 0;
}
