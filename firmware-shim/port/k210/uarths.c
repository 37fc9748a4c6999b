#include "clint.h"
#include "cpu.h"
#include "mmio.h"
#include "spsc.h"
#include "sysctl.h"
#include "uarths.h"

/* Register map from the Kendryte SDK's uarths.h (base 0x38000000). */
#define UARTHS_BASE          0x38000000u
#define UARTHS_TXDATA        (UARTHS_BASE + 0x00) /* write pushes a byte; read: bit 31 = FIFO full */
#define UARTHS_RXDATA        (UARTHS_BASE + 0x04) /* read pops a byte; bit 31 = FIFO was empty */
#define UARTHS_TXCTRL        (UARTHS_BASE + 0x08)
#define UARTHS_RXCTRL        (UARTHS_BASE + 0x0c)
#define UARTHS_IE            (UARTHS_BASE + 0x10)
#define UARTHS_IP            (UARTHS_BASE + 0x14)
#define UARTHS_DIV           (UARTHS_BASE + 0x18) /* baud = CPU clock / (div + 1) */

#define UARTHS_RXDATA_EMPTY  (1u << 31)
#define UARTHS_TXCTRL_TXEN   (1u << 0)            /* bit 1 (nstop) clear: one stop bit */
#define UARTHS_RXCTRL_RXEN   (1u << 0)
#define UARTHS_CNT_SHIFT     16                   /* [18:16] watermark, txctrl and rxctrl */
#define UARTHS_TXWM          (1u << 0)            /* ie/ip: TX FIFO entries < txcnt */
#define UARTHS_RXWM          (1u << 1)            /* ie/ip: RX FIFO entries > rxcnt */
#define UARTHS_FIFO_DEPTH    8u
#define UARTHS_DIV_MAX       0xffffu
/* 16x receive oversampling needs 16 clocks per bit at least. */
#define UARTHS_DIV_MIN       15u

/* Refill while 3 bytes remain: 4 character times of interrupt latency. */
#define UARTHS_TXCNT_STREAM  4u
/* Interrupt once the FIFO is empty and the last byte is in the shifter. */
#define UARTHS_TXCNT_DRAINED 1u
/* Any received byte interrupts: the UART has no receive timeout to flush a tail. */
#define UARTHS_RXCNT         0u
#define UARTHS_CHAR_BITS     10u                  /* start, 8 data, stop */

_Static_assert(SPSC_SIZE_OK(UARTHS_RING_SIZE), "ring size must be a power of two");

static uint8_t uarths_rx_buf[UARTHS_RING_SIZE];
static uint8_t uarths_tx_buf[UARTHS_RING_SIZE];
static struct spsc uarths_rx = SPSC_INIT(uarths_rx_buf);
static struct spsc uarths_tx = SPSC_INIT(uarths_tx_buf);
static volatile bool uarths_event;
/* Bytes lost to a full receive ring (the UART reports no overruns); for a debugger. */
static volatile uint32_t uarths_rx_lost;
/* mtime when the interrupt handler last saw the transmit FIFO empty. */
static volatile uint64_t uarths_drained_at;
/* One character time at the current rate, in mtime ticks. */
static uint64_t uarths_char_ticks;

static uint32_t uarths_div_for(uint32_t baud)
{
	uint32_t clocks;

	if (baud == 0)
		return UARTHS_DIV_MAX;
	clocks = (K210_CPU_HZ + baud / 2) / baud;
	if (clocks < UARTHS_DIV_MIN + 1)
		return UARTHS_DIV_MIN;
	if (clocks > UARTHS_DIV_MAX + 1)
		return UARTHS_DIV_MAX;
	return clocks - 1;
}

static void uarths_apply_div(uint32_t div)
{
	mmio_write32(UARTHS_DIV, div);
	/* mtime runs at CPU / 50: round up, plus one tick for the read skew. */
	uarths_char_ticks = ((uint64_t)(div + 1) * UARTHS_CHAR_BITS + 49) / 50 + 1;
}

static uint32_t uarths_txcnt;

static void uarths_set_txcnt(uint32_t count)
{
	uarths_txcnt = count;
	mmio_write32(UARTHS_TXCTRL, UARTHS_TXCTRL_TXEN | (count << UARTHS_CNT_SHIFT));
}

/* Empty the receive FIFO without keeping anything; at most what it holds now. */
static void uarths_flush_fifo(void)
{
	unsigned i;

	for (i = 0; i < UARTHS_FIFO_DEPTH; i++)
		if (mmio_read32(UARTHS_RXDATA) & UARTHS_RXDATA_EMPTY)
			break;
}

void uarths_init(uint32_t baud)
{
	mmio_write32(UARTHS_IE, 0);
	uarths_apply_div(uarths_div_for(baud));
	uarths_set_txcnt(UARTHS_TXCNT_STREAM);
	mmio_write32(UARTHS_RXCTRL, UARTHS_RXCTRL_RXEN | (UARTHS_RXCNT << UARTHS_CNT_SHIFT));
	/* Whatever the boot ROM's ISP left behind is not ours. */
	uarths_flush_fifo();
	mmio_write32(UARTHS_IE, UARTHS_RXWM);
}

void uarths_set_baud(uint32_t baud)
{
	bool irq = cpu_irq_save();

	mmio_clear32(UARTHS_IE, UARTHS_RXWM);
	uarths_apply_div(uarths_div_for(baud));
	/* Bytes caught across the switch are noise; the link verifies the new rate. */
	uarths_flush_fifo();
	spsc_discard(&uarths_rx);
	mmio_set32(UARTHS_IE, UARTHS_RXWM);
	cpu_irq_restore(irq);
}

size_t uarths_read(uint8_t *buf, size_t cap)
{
	return spsc_read(&uarths_rx, buf, cap);
}

size_t uarths_write(const uint8_t *buf, size_t len)
{
	size_t n = spsc_write(&uarths_tx, buf, len);
	bool irq;

	if (n == 0)
		return 0;
	irq = cpu_irq_save();
	uarths_set_txcnt(UARTHS_TXCNT_STREAM);
	mmio_set32(UARTHS_IE, UARTHS_TXWM);   /* fires at once: the FIFO is below the mark */
	cpu_irq_restore(irq);
	return n;
}

size_t uarths_tx_room(void)
{
	return spsc_space(&uarths_tx);
}

bool uarths_tx_idle(void)
{
	if (spsc_count(&uarths_tx) != 0 || (mmio_read32(UARTHS_IE) & UARTHS_TXWM))
		return false;
	/* The FIFO was empty at drained_at; the shifter needs one more character. */
	return clint_ticks() - uarths_drained_at >= uarths_char_ticks;
}

bool uarths_take_event(void)
{
	bool event = uarths_event;

	uarths_event = false;
	return event;
}

static void uarths_receive(void)
{
	uint32_t word;
	bool got = false;

	while (!((word = mmio_read32(UARTHS_RXDATA)) & UARTHS_RXDATA_EMPTY)) {
		if (!spsc_put(&uarths_rx, (uint8_t)word))
			uarths_rx_lost++;
		got = true;
	}
	if (got)
		uarths_event = true;
}

static void uarths_transmit(void)
{
	uint32_t before = spsc_count(&uarths_tx), left = before, room = 0;

	/*
	 * Below the watermark the FIFO holds fewer than txcnt bytes: that much
	 * room is sure, without asking txdata before each byte.  The next
	 * watermark interrupt comes for the rest.
	 */
	if (mmio_read32(UARTHS_IP) & UARTHS_TXWM)
		room = UARTHS_FIFO_DEPTH - uarths_txcnt + 1;
	while (left > 0 && room > 0) {
		mmio_write32(UARTHS_TXDATA, spsc_get(&uarths_tx));
		left--;
		room--;
	}
	/* Tell the main loop early, while half the ring is still queued. */
	if (before > UARTHS_RING_SIZE / 2 && left <= UARTHS_RING_SIZE / 2)
		uarths_event = true;
	if (left > 0)
		return;
	uarths_set_txcnt(UARTHS_TXCNT_DRAINED);
	if (mmio_read32(UARTHS_IP) & UARTHS_TXWM) {
		mmio_clear32(UARTHS_IE, UARTHS_TXWM);
		uarths_drained_at = clint_ticks();
		uarths_event = true;
	}
}

void uarths_irq(void)
{
	uarths_receive();
	if (mmio_read32(UARTHS_IE) & UARTHS_TXWM)
		uarths_transmit();
}
