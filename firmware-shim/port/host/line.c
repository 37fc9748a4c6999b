#include <errno.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "line.h"

#define LINE_IO_CHUNK 4096
/*
 * The FIFO ahead of the line: 1 ms worth of bytes, at least 16.  The loop
 * refills it when half of it has gone out, so a late wake-up still finds
 * bytes on the line and the line never idles while data waits.
 */
#define LINE_FIFO_US 1000u
#define LINE_FIFO_MIN 16u

static size_t line_depth(uint32_t baud)
{
	size_t d = (size_t)((uint64_t)baud / 10u * LINE_FIFO_US / 1000000u);

	return d < LINE_FIFO_MIN ? LINE_FIFO_MIN : d;
}

void line_init(struct line *l, const char *name, uint32_t baud, bool pace_rx, bool pace_tx, int64_t now)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
	l->fd = -1;
	l->pace_rx = pace_rx;
	l->pace_tx = pace_tx;
	ring_init(&l->rx, l->rxmem, LINE_RING);
	ring_init(&l->tx, l->txmem, LINE_RING);
	l->prng = 1;
	line_reset(l, baud, now);
}

void line_attach(struct line *l, int fd)
{
	l->fd = fd;
}

void line_set_baud(struct line *l, uint32_t baud, int64_t now)
{
	l->baud = baud;
	pace_set_baud(&l->rxp, l->pace_rx ? baud : 0, now);
	pace_set_baud(&l->txp, l->pace_tx ? baud : 0, now);
	l->rxp.depth = l->txp.depth = line_depth(baud);
}

void line_reset(struct line *l, uint32_t baud, int64_t now)
{
	ring_clear(&l->rx);
	ring_clear(&l->tx);
	l->out_len = l->out_off = 0;
	l->baud = baud;
	pace_init(&l->rxp, l->pace_rx ? baud : 0, line_depth(baud), now);
	pace_init(&l->txp, l->pace_tx ? baud : 0, line_depth(baud), now);
}

void line_set_noise(struct line *l, double ber, double drop, uint64_t seed)
{
	/* Any of the 8 data bits may flip; one flip per damaged byte is close enough at these rates. */
	double byte_err = 1.0 - pow(1.0 - ber, 8);

	l->flip_below = byte_err <= 0 ? 0 : byte_err >= 1 ? UINT64_MAX : (uint64_t)(byte_err * 18446744073709551615.0);
	l->drop_below = drop <= 0 ? 0 : drop >= 1 ? UINT64_MAX : (uint64_t)(drop * 18446744073709551615.0);
	l->prng = seed ? seed : 1;
}

/* xorshift64*: cheap, seeded, reproducible. */
static uint64_t line_rand(struct line *l)
{
	uint64_t x = l->prng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	l->prng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Damage bytes in place; returns how many are left after drops. */
static size_t line_noise(struct line *l, uint8_t *p, size_t n)
{
	size_t out = 0;

	if (!l->flip_below && !l->drop_below)
		return n;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (l->drop_below && line_rand(l) < l->drop_below) {
			l->st.dropped++;
			continue;
		}
		if (l->flip_below && line_rand(l) < l->flip_below) {
			c ^= (uint8_t)(1u << (line_rand(l) >> 61));
			l->st.flipped++;
		}
		p[out++] = c;
	}
	return out;
}

size_t line_read(struct line *l, uint8_t *buf, size_t cap)
{
	uint32_t n = ring_peek(&l->rx, 0, buf, (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap));

	ring_drop(&l->rx, n);
	return n;
}

size_t line_write(struct line *l, const uint8_t *buf, size_t len)
{
	return ring_put(&l->tx, buf, (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len));
}

size_t line_tx_room(const struct line *l)
{
	return ring_free(&l->tx);
}

bool line_tx_idle(const struct line *l, int64_t now)
{
	return ring_used(&l->tx) == 0 && l->out_off == l->out_len && pace_idle(&l->txp, now);
}

/* Bytes waiting in the fd for us (0 if unknown). */
static size_t line_pending(const struct line *l)
{
	int n = 0;

	if (ioctl(l->fd, FIONREAD, &n) < 0 || n < 0)
		return 0;
	return (size_t)n;
}

short line_events(const struct line *l, int64_t now, int64_t *wake)
{
	short ev = 0;
	size_t used = ring_used(&l->tx);

	if (l->fd < 0)
		return 0;
	if (l->rx_drops || ring_free(&l->rx) > 0) {
		if (pace_grant(&l->rxp, now) > 0) {
			ev |= POLLIN;
		} else {
			size_t want = line_pending(l);
			int64_t t;

			if (want == 0 || want > l->rxp.depth / 2)
				want = l->rxp.depth / 2;
			t = pace_when(&l->rxp, want, now);
			if (t < *wake)
				*wake = t;
		}
	}
	if (l->out_off < l->out_len) {
		ev |= POLLOUT;
	} else if (used > 0) {
		size_t want = used < l->txp.depth / 2 ? used : l->txp.depth / 2;

		if (pace_grant(&l->txp, now) >= want) {
			ev |= POLLOUT;
		} else {
			int64_t t = pace_when(&l->txp, want, now);

			if (t < *wake)
				*wake = t;
		}
	}
	return ev;
}

static int line_do_read(struct line *l, int64_t now)
{
	uint8_t buf[LINE_IO_CHUNK];
	size_t want = pace_grant(&l->rxp, now), room = ring_free(&l->rx), kept;
	ssize_t n;

	if (!l->rx_drops && want > room)
		want = room;
	if (want > sizeof(buf))
		want = sizeof(buf);
	if (want == 0)
		return 0;
	n = read(l->fd, buf, want);
	if (n == 0)
		return LINE_EOF;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : LINE_EOF;
	l->st.rx_bytes += (uint64_t)n;
	pace_take(&l->rxp, (size_t)n, now, (size_t)n == want);
	kept = line_noise(l, buf, (size_t)n);
	if (kept > room) {
		l->st.rx_overflow += kept - room;
		kept = room;
	}
	ring_put(&l->rx, buf, (uint32_t)kept);
	return kept ? LINE_RX : 0;
}

static int line_do_write(struct line *l, int64_t now)
{
	ssize_t w;

	if (l->out_off == l->out_len) {
		size_t n = pace_grant(&l->txp, now);

		if (n > sizeof(l->out))
			n = sizeof(l->out);
		n = ring_peek(&l->tx, 0, l->out, (uint32_t)n);
		ring_drop(&l->tx, (uint32_t)n);
		pace_take(&l->txp, n, now, ring_used(&l->tx) > 0);
		l->st.tx_bytes += n;
		/* Noise comes after the line: what is dropped still took its time on the wire. */
		l->out_len = line_noise(l, l->out, n);
		l->out_off = 0;
	}
	if (l->out_off == l->out_len)
		return 0;
	w = write(l->fd, l->out + l->out_off, l->out_len - l->out_off);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : LINE_EOF;
	l->out_off += (size_t)w;
	return 0;
}

int line_service(struct line *l, short revents, int64_t now)
{
	int r = 0;

	if (l->fd < 0)
		return 0;
	if (revents & POLLOUT)
		r |= line_do_write(l, now);
	if (revents & POLLIN)
		r |= line_do_read(l, now);
	else if (revents & (POLLHUP | POLLERR))
		r |= LINE_EOF;
	return r;
}
