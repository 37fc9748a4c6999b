#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"

#define WIRE_BITS 10                   /* start, 8 data, stop */
#define WIRE_NS 1000000000ll
/*
 * A receiver samples each bit in its middle, timed from the start bit's
 * edge.  A sample this close (in the sender's bit times) to an edge where
 * the level changes may read either level: 16x oversampling, slew and
 * jitter.  With it, the stop bit of a back-to-back frame is read wrongly
 * once the rates differ by more than 3%: 0.5 - 9.5 * 0.03.
 */
#define WIRE_GUARD 0.215

static int64_t wire_byte_ns(const struct wire *w, uint32_t rate)
{
	return w->paced && rate ? (int64_t)WIRE_BITS * WIRE_NS / rate : 0;
}

void wire_init(struct wire *w, const char *name, bool paced, uint32_t peer_rate)
{
	memset(w, 0, sizeof(*w));
	w->name = name;
	w->fd = -1;
	w->paced = paced;
	w->peer_rate = peer_rate;
	w->prng = 1;
	w->quiet_at = -1;
}

void wire_attach(struct wire *w, int fd)
{
	w->fd = fd;
}

void wire_clear(struct wire *w, int64_t now)
{
	w->in_head = w->in_len = 0;
	w->out_len = w->skew_len = 0;
	w->out_burst = false;
	w->quiet_at = -1;
	w->in_done = w->in_free = now;
}

void wire_set_peer_rate(struct wire *w, uint32_t rate)
{
	w->peer_rate = rate;
}

void wire_set_noise(struct wire *w, double ber, double drop, uint64_t seed)
{
	/* One flip per damaged byte is close enough at these error rates. */
	double byte_err = 1.0 - pow(1.0 - ber, 8);

	w->flip_below = byte_err <= 0 ? 0 : byte_err >= 1 ? UINT64_MAX : (uint64_t)(byte_err * 18446744073709551615.0);
	w->drop_below = drop <= 0 ? 0 : drop >= 1 ? UINT64_MAX : (uint64_t)(drop * 18446744073709551615.0);
	w->prng = seed ? seed : 1;
}

/* xorshift64*: cheap and reproducible from the seed. */
static uint64_t wire_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Noise on one byte: false if it is lost. */
static bool wire_noise(struct wire *w, uint8_t *c)
{
	if (w->drop_below && wire_rand(&w->prng) < w->drop_below) {
		w->st.dropped++;
		return false;
	}
	if (w->flip_below && wire_rand(&w->prng) < w->flip_below) {
		*c ^= (uint8_t)(1u << (wire_rand(&w->prng) >> 61));
		w->st.flipped++;
	}
	return true;
}

/* True when a receiver at rx samples a sender at tx correctly. */
static bool wire_rates_match(uint32_t tx, uint32_t rx)
{
	uint64_t diff = tx > rx ? tx - rx : rx - tx;

	return tx == 0 || rx == 0 || diff * 1000u <= (uint64_t)tx * WIRE_TOLERANCE_PERMILLE;
}

/* The rate the far end really uses: a bridge asked for more than it does runs at its top rate. */
static uint32_t wire_peer(const struct wire *w)
{
	return w->max_rate && w->peer_rate > w->max_rate ? w->max_rate : w->peer_rate;
}

/* The level at sender bit time t of n frames sent back to back, idle (high) around them. */
static int wire_level(const uint8_t *in, size_t n, double t)
{
	size_t bit, pos;

	if (t < 0)
		return 1;
	bit = (size_t)t;
	if (bit / WIRE_BITS >= n)
		return 1;
	pos = bit % WIRE_BITS;
	if (pos == 0)
		return 0;
	if (pos == WIRE_BITS - 1)
		return 1;
	return (in[bit / WIRE_BITS] >> (pos - 1)) & 1;
}

static int wire_sample(const uint8_t *in, size_t n, double t, uint64_t *prng)
{
	double frac = t - floor(t);
	int v = wire_level(in, n, t);

	if ((frac < WIRE_GUARD && wire_level(in, n, t - 1) != v) ||
	    (frac > 1 - WIRE_GUARD && wire_level(in, n, t + 1) != v))
		return (int)(wire_rand(prng) >> 63);
	return v;
}

/*
 * What a receiver with bit time ratio (its bit time over the sender's)
 * samples from n bytes sent back to back and then an idle line; returns
 * how many bytes it received.
 */
static size_t wire_resample(const uint8_t *in, size_t n, double ratio, uint64_t *prng, uint8_t *out, bool *ferr,
			    size_t cap)
{
	double t = 0, end = (double)(n * WIRE_BITS);
	size_t got = 0;

	while (got < cap) {
		double start = -1;

		/* The start bit: low now, or the next falling edge. */
		if (wire_level(in, n, t) == 0) {
			start = t;
		} else {
			for (double b = ceil(t); b < end; b += 1) {
				if (wire_level(in, n, b) == 0 && wire_level(in, n, b - 1) == 1) {
					start = b;
					break;
				}
			}
		}
		if (start < 0)
			break;
		/* A start bit that is gone by its middle was a glitch. */
		if (wire_sample(in, n, start + 0.5 * ratio, prng)) {
			t = start + 0.5 * ratio;
			continue;
		}
		out[got] = 0;
		for (int j = 0; j < 8; j++)
			out[got] |= (uint8_t)(wire_sample(in, n, start + (1.5 + j) * ratio, prng) << j);
		ferr[got] = wire_sample(in, n, start + 9.5 * ratio, prng) == 0;
		got++;
		/* Ready for the next start bit from the middle of the stop bit on. */
		t = start + 9.5 * ratio;
	}
	return got;
}

bool wire_wants_input(const struct wire *w)
{
	return w->fd >= 0 && w->in_len < WIRE_BUF;
}

bool wire_has_output(const struct wire *w)
{
	return w->fd >= 0 && (w->out_len > 0 || w->skew_len > 0);
}

bool wire_fill(struct wire *w, int64_t now, bool *eof)
{
	uint8_t buf[WIRE_BUF];
	size_t room = WIRE_BUF - w->in_len, kept = 0;
	uint32_t rate = wire_peer(w);
	ssize_t n;

	*eof = false;
	if (w->fd < 0 || room == 0)
		return false;
	n = read(w->fd, buf, room);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		*eof = true;
		return false;
	}
	if (n <= 0)
		return false;
	w->quiet_at = -1;
	w->st.rx_bytes += (uint64_t)n;
	if (w->in_len == 0)
		w->in_done = (w->in_free > now ? w->in_free : now) + wire_byte_ns(w, rate);
	for (ssize_t i = 0; i < n; i++) {
		uint8_t c = buf[i];
		size_t at;

		if (!wire_noise(w, &c))
			continue;
		at = (w->in_head + w->in_len) % WIRE_BUF;
		w->in[at] = c;
		w->in_rate[at] = rate;
		w->in_len++;
		kept++;
		if (w->tap_sent) {
			uint32_t next = w->tap_sent(c);

			if (next && next != w->peer_rate) {
				w->peer_rate = next;
				rate = wire_peer(w);
			}
		}
	}
	if (w->in_len == 0)
		w->in_done = w->in_free;
	return kept > 0;
}

void wire_drop_input(struct wire *w, bool *eof)
{
	uint8_t buf[WIRE_BUF];
	ssize_t n;

	*eof = false;
	w->in_len = 0;
	w->in_done = w->in_free;
	if (w->fd < 0)
		return;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0)
		w->st.rx_bytes += (uint64_t)n;
	*eof = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

size_t wire_receive(struct wire *w, int64_t now, uint32_t rx_rate, size_t limit, uint8_t *buf, bool *ferr,
		    size_t cap)
{
	uint8_t raw[64];
	size_t got = 0;

	while (got < cap && w->in_len > 0) {
		uint32_t rate = w->in_rate[w->in_head];
		size_t n = 0;

		/* A run of bytes that have arrived, sent at one rate. */
		while (n < sizeof(raw) && w->in_len > 0 && w->in_rate[w->in_head] == rate) {
			if (w->paced ? w->in_done > now : n + got >= limit)
				break;
			raw[n++] = w->in[w->in_head];
			w->in_head = (w->in_head + 1) % WIRE_BUF;
			w->in_len--;
			w->in_free = w->in_done;
			if (w->in_len > 0)
				w->in_done += wire_byte_ns(w, w->in_rate[w->in_head]);
		}
		if (n == 0)
			break;
		if (wire_rates_match(rate, rx_rate)) {
			if (n > cap - got)
				n = cap - got;
			memcpy(buf + got, raw, n);
			memset(ferr + got, 0, n);
			got += n;
		} else {
			w->st.garbled += n;
			got += wire_resample(raw, n, (double)rate / rx_rate, &w->prng, buf + got, ferr + got, cap - got);
		}
	}
	return got;
}

int64_t wire_arrival(const struct wire *w, int64_t now, size_t k)
{
	if (k == 0 || k > w->in_len)
		return INT64_MAX;
	if (!w->paced)
		return now;
	return w->in_done + (int64_t)(k - 1) * wire_byte_ns(w, w->in_rate[w->in_head]);
}

bool wire_receiving(const struct wire *w, int64_t now)
{
	return w->paced && w->in_len > 0 && w->in_done - wire_byte_ns(w, w->in_rate[w->in_head]) < now;
}

static void wire_put(struct wire *w, uint8_t c)
{
	if (!wire_noise(w, &c))
		return;
	if (w->tap_received)
		w->tap_received(c);
	if (w->out_len == WIRE_BUF) {
		w->st.lost++;
		return;
	}
	w->out[w->out_len++] = c;
}

/* What the far end makes of the bytes sent at a rate it does not use. */
static void wire_unskew(struct wire *w)
{
	uint8_t got[sizeof(w->skew) * 2];
	bool ferr[sizeof(got)];
	size_t n;

	if (w->skew_len == 0)
		return;
	n = wire_resample(w->skew, w->skew_len, (double)w->skew_tx_rate / wire_peer(w), &w->prng, got, ferr,
			  sizeof(got));
	w->st.garbled += w->skew_len;
	w->skew_len = 0;
	for (size_t i = 0; i < n; i++)
		wire_put(w, got[i]);
}

void wire_send(struct wire *w, uint8_t byte, uint32_t tx_rate)
{
	if (w->fd < 0)
		return;
	w->st.tx_bytes++;
	w->out_burst = true;
	if (wire_rates_match(tx_rate, wire_peer(w))) {
		wire_unskew(w);
		wire_put(w, byte);
		return;
	}
	if (w->skew_len == sizeof(w->skew) || (w->skew_len && w->skew_tx_rate != tx_rate))
		wire_unskew(w);
	w->skew_tx_rate = tx_rate;
	w->skew[w->skew_len++] = byte;
}

void wire_quiet(struct wire *w, int64_t now)
{
	if (!w->out_burst)
		return;
	w->out_burst = false;
	w->quiet_at = now;
	wire_flush(w);
}

bool wire_awaits_answer(const struct wire *w, int64_t now, int64_t within)
{
	return w->quiet_at >= 0 && now - w->quiet_at < within;
}

void wire_flush(struct wire *w)
{
	ssize_t n;

	wire_unskew(w);
	if (w->fd < 0) {
		w->out_len = 0;
		return;
	}
	if (w->out_len == 0)
		return;
	n = write(w->fd, w->out, w->out_len);
	if (n <= 0)
		return;
	memmove(w->out, w->out + n, w->out_len - (size_t)n);
	w->out_len -= (size_t)n;
}
