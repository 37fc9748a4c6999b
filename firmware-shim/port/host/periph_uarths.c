#include <string.h>

#include "hart.h"
#include "log.h"
#include "periph_fpioa.h"
#include "periph_plic.h"
#include "periph_sysctl.h"
#include "periph_uarths.h"
#include "timebase.h"

#define UARTHS_BASE     0x38000000ull
#define R_TXDATA        0x00
#define R_RXDATA        0x04
#define R_TXCTRL        0x08
#define R_RXCTRL        0x0c
#define R_IE            0x10
#define R_IP            0x14
#define R_DIV           0x18

#define TXDATA_FULL     (1u << 31)
#define RXDATA_EMPTY    (1u << 31)
#define CTRL_EN         (1u << 0)
#define TXCTRL_NSTOP    (1u << 1)
#define CTRL_CNT(v)     (((v) >> 16) & 7u)
#define TXCTRL_MASK     (CTRL_EN | TXCTRL_NSTOP | 7u << 16)
#define RXCTRL_MASK     (CTRL_EN | 7u << 16)
#define IE_TXWM         (1u << 0)
#define IE_RXWM         (1u << 1)
#define DIV_MASK        0xffffu
/* What the boot ROM's ISP leaves: 115200 baud at 390 MHz. */
#define DIV_ROM         3384u
#define FIFO            8u
/* The bridge on the board is wired to these pads. */
#define PAD_RX          4u
#define PAD_TX          5u

static struct {
	struct wire *w;
	uint32_t txctrl, rxctrl, ie, div;
	uint8_t tx[FIFO], rx[FIFO];
	unsigned tx_head, tx_count, rx_head, rx_count;
	int64_t tx_free_at;      /* the shifter takes the next byte from here on */
	uint32_t baud;
	int64_t byte_ns;         /* one character on the line; 0 unpaced */
	int64_t rx_read_at;      /* the firmware last read rxdata */
	struct periph_uarths_stats st;
} hs;

static void uarths_rate(void)
{
	uint32_t cpu_hz = periph_sysctl_cpu_hz();
	unsigned bits = 10 + ((hs.txctrl & TXCTRL_NSTOP) ? 1 : 0);

	hs.baud = cpu_hz / (hs.div + 1);
	hs.byte_ns = hs.w->paced && hs.baud ? (int64_t)bits * 1000000000ll / hs.baud : 0;
}

static void uarths_transmit(int64_t now)
{
	bool routed = periph_fpioa_drives(PAD_TX, PERIPH_FPIOA_UARTHS_TX);

	while (hs.tx_count > 0 && (hs.txctrl & CTRL_EN) && hs.tx_free_at <= now) {
		uint8_t c = hs.tx[hs.tx_head];

		hs.tx_head = (hs.tx_head + 1) % FIFO;
		hs.tx_count--;
		hs.tx_free_at += hs.byte_ns;
		if (routed)
			wire_send(hs.w, c, hs.baud);
		else
			hs.st.unrouted++;
	}
	if (hs.tx_count == 0 && hs.tx_free_at <= now)
		wire_quiet(hs.w, now);
}

static void uarths_receive(int64_t now)
{
	bool routed = periph_fpioa_listens(PAD_RX, PERIPH_FPIOA_UARTHS_RX) && (hs.rxctrl & CTRL_EN);
	uint8_t buf[64];
	bool ferr[64];
	size_t n;

	do {
		n = wire_receive(hs.w, now, hs.baud, hs.w->paced || !routed ? SIZE_MAX : FIFO - hs.rx_count, buf, ferr,
				 sizeof(buf));
		for (size_t i = 0; i < n; i++) {
			if (!routed) {
				hs.st.unrouted++;
			} else if (hs.rx_count == FIFO) {
				char where[128];

				hs.st.rx_lost++;
				log_debug("UARTHS receive FIFO full: a byte lost at pc %s, %lld us after the firmware last read it",
					   hart_where(where, sizeof(where)), (long long)(now - hs.rx_read_at) / 1000);
			} else {
				hs.rx[(hs.rx_head + hs.rx_count) % FIFO] = buf[i];
				hs.rx_count++;
			}
		}
	} while (n == sizeof(buf));
}

static bool uarths_level(void)
{
	return ((hs.ie & IE_TXWM) && hs.tx_count < CTRL_CNT(hs.txctrl)) ||
	       ((hs.ie & IE_RXWM) && hs.rx_count > CTRL_CNT(hs.rxctrl));
}

void periph_uarths_update(int64_t now)
{
	uarths_transmit(now);
	uarths_receive(now);
	periph_plic_level(PERIPH_PLIC_UARTHS, uarths_level());
}

int64_t periph_uarths_next_event(int64_t now)
{
	int64_t t = INT64_MAX;
	unsigned txcnt = CTRL_CNT(hs.txctrl), rxcnt = CTRL_CNT(hs.rxctrl);

	if ((hs.ie & IE_TXWM) && (hs.txctrl & CTRL_EN) && hs.tx_count >= txcnt)
		t = hs.tx_free_at + (int64_t)(hs.tx_count - txcnt) * hs.byte_ns;
	if ((hs.ie & IE_RXWM) && hs.rx_count <= rxcnt) {
		int64_t r = wire_arrival(hs.w, now, rxcnt - hs.rx_count + 1);

		if (r < t)
			t = r;
	}
	return t;
}

static bool uarths_read(void *ctx, uint32_t off, uint32_t *v)
{
	int64_t now = timebase_now();

	(void)ctx;
	periph_uarths_update(now);
	switch (off) {
	case R_TXDATA:
		*v = hs.tx_count == FIFO ? TXDATA_FULL : 0;
		break;
	case R_RXDATA:
		hs.rx_read_at = now;
		if (hs.rx_count == 0) {
			*v = RXDATA_EMPTY;
			break;
		}
		*v = hs.rx[hs.rx_head];
		hs.rx_head = (hs.rx_head + 1) % FIFO;
		hs.rx_count--;
		/* Unpaced, the next byte moves up at once. */
		periph_uarths_update(now);
		break;
	case R_TXCTRL:
		*v = hs.txctrl;
		break;
	case R_RXCTRL:
		*v = hs.rxctrl;
		break;
	case R_IE:
		*v = hs.ie;
		break;
	case R_IP:
		*v = (hs.tx_count < CTRL_CNT(hs.txctrl) ? IE_TXWM : 0) | (hs.rx_count > CTRL_CNT(hs.rxctrl) ? IE_RXWM : 0);
		break;
	case R_DIV:
		*v = hs.div;
		break;
	default:
		return false;
	}
	periph_plic_level(PERIPH_PLIC_UARTHS, uarths_level());
	return true;
}

static bool uarths_write(void *ctx, uint32_t off, uint32_t v)
{
	int64_t now = timebase_now();

	(void)ctx;
	periph_uarths_update(now);
	switch (off) {
	case R_TXDATA:
		/* A write to a full FIFO is ignored. */
		if (hs.tx_count == FIFO)
			break;
		if (hs.tx_count == 0 && hs.tx_free_at < now)
			hs.tx_free_at = now;
		hs.tx[(hs.tx_head + hs.tx_count) % FIFO] = (uint8_t)v;
		hs.tx_count++;
		break;
	case R_RXDATA:
	case R_IP:
		break;
	case R_TXCTRL:
		hs.txctrl = v & TXCTRL_MASK;
		uarths_rate();
		break;
	case R_RXCTRL:
		hs.rxctrl = v & RXCTRL_MASK;
		break;
	case R_IE:
		hs.ie = v & (IE_TXWM | IE_RXWM);
		break;
	case R_DIV:
		hs.div = v & DIV_MASK;
		uarths_rate();
		break;
	default:
		return false;
	}
	periph_uarths_update(now);
	return true;
}

void periph_uarths_init(struct wire *usb)
{
	hs.w = usb;
}

void periph_uarths_map(void)
{
	hart_map_mmio("UARTHS", UARTHS_BASE, 0x1000, uarths_read, uarths_write, NULL);
}

void periph_uarths_reset(int64_t now)
{
	struct wire *w = hs.w;
	struct periph_uarths_stats st = hs.st;

	memset(&hs, 0, sizeof(hs));
	hs.w = w;
	hs.st = st;
	hs.div = DIV_ROM;
	hs.tx_free_at = now;
	uarths_rate();
	periph_plic_level(PERIPH_PLIC_UARTHS, false);
}

void periph_uarths_clock_changed(int64_t now)
{
	periph_uarths_update(now);
	uarths_rate();
}

uint32_t periph_uarths_baud(void)
{
	return hs.baud;
}

void periph_uarths_stats(struct periph_uarths_stats *st)
{
	*st = hs.st;
}
