#include "clint.h"
#include "cpu.h"
#include "mmio.h"
#include "spsc.h"
#include "sysctl.h"
#include "uart.h"

/* Register map from the Kendryte SDK's uart.h (UART2 base 0x50220000). */
#define UART_BASE         0x50220000u
#define UART_RBR          (UART_BASE + 0x00)   /* read: received byte */
#define UART_THR          (UART_BASE + 0x00)   /* write: byte to send */
#define UART_DLL          (UART_BASE + 0x00)   /* LCR.DLAB set: divisor bits 7:0 */
#define UART_DLH          (UART_BASE + 0x04)   /* LCR.DLAB set: divisor bits 15:8 */
#define UART_IER          (UART_BASE + 0x04)
#define UART_IIR          (UART_BASE + 0x08)   /* read */
#define UART_FCR          (UART_BASE + 0x08)   /* write only */
#define UART_LCR          (UART_BASE + 0x0c)
#define UART_MCR          (UART_BASE + 0x10)
#define UART_LSR          (UART_BASE + 0x14)
#define UART_MSR          (UART_BASE + 0x18)
#define UART_USR          (UART_BASE + 0x7c)
#define UART_RFL          (UART_BASE + 0x84)   /* bytes in the receive FIFO */
#define UART_DLF          (UART_BASE + 0xc0)   /* fractional divisor, 1/16 steps */

#define IER_ERBFI         0x01u   /* received data and character timeout */
#define IER_ETBEI         0x02u   /* transmit FIFO at or below its trigger */
#define IER_ELSI          0x04u   /* receiver line status (overrun, framing) */
#define IER_PTIME         0x80u   /* programmable THRE: LSR.THRE then means "TX FIFO full" */

#define IIR_ID_MASK       0x0fu
#define IIR_MODEM         0x00u   /* cleared by reading MSR */
#define IIR_NONE          0x01u
#define IIR_BUSY          0x07u   /* LCR written while busy; cleared by reading USR */

/* FCR is write-only and every write sets all of its fields: each write names both triggers. */
#define FCR_FIFOE         0x01u
#define FCR_RFIFOR        0x02u   /* self-clearing: empty the receive FIFO */
#define FCR_XFIFOR        0x04u   /* self-clearing: empty the transmit FIFO */
#define FCR_TET_QUARTER   (2u << 4)
#define FCR_RT_QUARTER    (1u << 6)

#define LCR_8N1           0x03u
#define LCR_DLAB          0x80u

#define LSR_DR            0x01u
#define LSR_OE            0x02u   /* cleared by reading LSR */
#define LSR_THRE          0x20u   /* with PTIME and FIFOs on: TX FIFO full */
#define LSR_TEMT          0x40u   /* FIFO and shifter empty */

/* Divisor in 1/16 bit units: 16-bit DLH:DLL and 4-bit DLF, DLH:DLL >= 1. */
#define UART_DIV_MIN      16u
#define UART_DIV_MAX      0xfffffu
/* LCR ignores writes while the UART is busy; retry this often. */
#define UART_LCR_TRIES    16u
/* Bound on handled causes per interrupt; the PLIC re-raises what is left. */
#define UART_ISR_ROUNDS   4u
/* uart_set_baud waits this long at most for queued bytes to leave. */
#define UART_DRAIN_US     50000u

_Static_assert(SPSC_SIZE_OK(UART_RING_SIZE), "ring size must be a power of two");

static uint8_t uart_rx_buf[UART_RING_SIZE];
static uint8_t uart_tx_buf[UART_RING_SIZE];
static struct spsc uart_rx = SPSC_INIT(uart_rx_buf);
static struct spsc uart_tx = SPSC_INIT(uart_tx_buf);
static volatile bool uart_event;
static volatile uint32_t uart_overruns;

/* Every LSR read goes through here: reading clears OE, so count it now. */
static uint32_t uart_lsr(void)
{
	uint32_t lsr = mmio_read32(UART_LSR);

	if (lsr & LSR_OE)
		uart_overruns++;
	return lsr;
}

/* One LSR read per batch (it reports an overrun), then the bytes RFL counts. */
static void uart_receive(void)
{
	bool got = false;

	while (uart_lsr() & LSR_DR) {
		uint32_t n = mmio_read32(UART_RFL);

		for (n = n ? n : 1; n > 0; n--)
			if (!spsc_put(&uart_rx, (uint8_t)mmio_read32(UART_RBR)))
				uart_overruns++;
		got = true;
	}
	if (got)
		uart_event = true;
}

/* Interrupts masked: from the handler, or from uart_write() to get going. */
static void uart_transmit(void)
{
	uint32_t before = spsc_count(&uart_tx), left = before;

	while (left > 0 && !(uart_lsr() & LSR_THRE)) {
		mmio_write32(UART_THR, spsc_get(&uart_tx));
		left--;
	}
	if (before > UART_RING_SIZE / 2 && left <= UART_RING_SIZE / 2)
		uart_event = true;
	if (left == 0) {
		/* What is still in the FIFO shows in LSR.TEMT (uart_tx_idle). */
		mmio_clear32(UART_IER, IER_ETBEI);
		if (before > 0)
			uart_event = true;
	}
}

void uart_irq(void)
{
	unsigned round;

	for (round = 0; round < UART_ISR_ROUNDS; round++) {
		uint32_t cause = mmio_read32(UART_IIR) & IIR_ID_MASK;

		if (cause == IIR_NONE)
			break;
		if (cause == IIR_BUSY)
			(void)mmio_read32(UART_USR);
		else if (cause == IIR_MODEM)
			(void)mmio_read32(UART_MSR);
		/* Line status clears with the LSR reads in here. */
		uart_receive();
		if (mmio_read32(UART_IER) & IER_ETBEI)
			uart_transmit();
	}
}

/* LCR writes are dropped while the UART is busy receiving: check and retry. */
static bool uart_write_lcr(uint32_t value)
{
	unsigned i;

	for (i = 0; i < UART_LCR_TRIES; i++) {
		mmio_write32(UART_LCR, value);
		if (mmio_read32(UART_LCR) == value)
			return true;
		/* RBR is only reachable while DLAB is clear. */
		if (!(mmio_read32(UART_LCR) & LCR_DLAB))
			uart_receive();
	}
	return false;
}

/* APB0 / baud, rounded, in 1/16 bit units; baud > 0. */
static uint32_t uart_divisor(uint32_t baud)
{
	uint32_t div = (sysctl_apb0_hz() + baud / 2) / baud;

	if (div < UART_DIV_MIN)
		return UART_DIV_MIN;
	if (div > UART_DIV_MAX)
		return UART_DIV_MAX;
	return div;
}

uint32_t uart_baud_error_permille(uint32_t baud)
{
	uint32_t actual;

	if (baud == 0)
		return UINT32_MAX;
	actual = sysctl_apb0_hz() / uart_divisor(baud);
	return (uint32_t)((uint64_t)(actual > baud ? actual - baud : baud - actual) * 1000u / baud);
}

/* Interrupts masked. */
static void uart_apply_baud(uint32_t baud)
{
	uint32_t div;

	if (baud == 0)
		return;
	div = uart_divisor(baud);
	uart_receive();
	if (!uart_write_lcr(LCR_8N1 | LCR_DLAB))
		return;
	mmio_write32(UART_DLL, (div >> 4) & 0xffu);
	mmio_write32(UART_DLH, div >> 12);
	mmio_write32(UART_DLF, div & 0xfu);
	if (uart_write_lcr(LCR_8N1))
		return;
	/*
	 * Still latched: RBR is out of reach while DLAB is set, so empty the
	 * receive FIFO to end the busy state; what it held counts as lost.
	 */
	mmio_write32(UART_FCR, FCR_FIFOE | FCR_RT_QUARTER | FCR_TET_QUARTER | FCR_RFIFOR);
	uart_overruns++;
	(void)uart_write_lcr(LCR_8N1);
}

void uart_init(uint32_t baud)
{
	sysctl_enable_uart2();
	mmio_write32(UART_IER, 0);
	uart_apply_baud(baud);
	mmio_write32(UART_MCR, 0);
	mmio_write32(UART_FCR, FCR_FIFOE | FCR_RFIFOR | FCR_XFIFOR | FCR_RT_QUARTER | FCR_TET_QUARTER);
	mmio_write32(UART_IER, IER_ERBFI | IER_ELSI | IER_PTIME);
}

void uart_set_baud(uint32_t baud)
{
	uint64_t give_up = clint_ticks() + clint_us_to_ticks(UART_DRAIN_US);
	bool irq;

	/* The transmit interrupt keeps draining the ring meanwhile. */
	while (!uart_tx_idle() && clint_ticks() < give_up)
		;
	irq = cpu_irq_save();
	uart_apply_baud(baud);
	cpu_irq_restore(irq);
}

size_t uart_read(uint8_t *buf, size_t cap)
{
	return spsc_read(&uart_rx, buf, cap);
}

size_t uart_write(const uint8_t *buf, size_t len)
{
	size_t n = spsc_write(&uart_tx, buf, len);
	bool irq;

	if (n == 0)
		return 0;
	irq = cpu_irq_save();
	mmio_set32(UART_IER, IER_ETBEI);
	/*
	 * Fill the FIFO now instead of counting on the enable to raise THRE:
	 * once it is above its trigger, the drain is sure to interrupt.
	 */
	uart_transmit();
	cpu_irq_restore(irq);
	return n;
}

size_t uart_tx_room(void)
{
	return spsc_space(&uart_tx);
}

bool uart_tx_idle(void)
{
	bool irq, idle;

	if (spsc_count(&uart_tx) != 0)
		return false;
	irq = cpu_irq_save();
	idle = (uart_lsr() & LSR_TEMT) != 0;
	cpu_irq_restore(irq);
	return idle;
}

uint32_t uart_rx_overruns(void)
{
	return uart_overruns;
}

bool uart_take_event(void)
{
	bool event = uart_event;

	uart_event = false;
	return event;
}
