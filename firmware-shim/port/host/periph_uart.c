#include <string.h>

#include "hart.h"
#include "log.h"
#include "periph_fpioa.h"
#include "periph_plic.h"
#include "periph_sysctl.h"
#include "periph_uart.h"
#include "timebase.h"

#define UART_BASE     0x50220000ull
#define UART_END      0x100u

/* Register offsets (SDK uart.h, DesignWare DW_apb_uart). */
#define R_RBR         0x00    /* also THR, DLL */
#define R_IER         0x04    /* also DLH */
#define R_IIR         0x08    /* read; FCR on write */
#define R_LCR         0x0c
#define R_MCR         0x10
#define R_LSR         0x14
#define R_MSR         0x18
#define R_SCR         0x1c
#define R_LPDLL       0x20
#define R_LPDLH       0x24
#define R_FAR         0x70
#define R_TFR         0x74
#define R_RFW         0x78
#define R_USR         0x7c
#define R_TFL         0x80
#define R_RFL         0x84
#define R_SRR         0x88
#define R_SRTS        0x8c
#define R_SBCR        0x90
#define R_SDMAM       0x94
#define R_SFE         0x98
#define R_SRT         0x9c
#define R_STET        0xa0
#define R_HTX         0xa4
#define R_DLF         0xc0
#define R_LCR_EXT     0xcc
#define R_CPR         0xf4
#define R_UCV         0xf8
#define R_CTR         0xfc

#define IER_ERBFI     0x01u
#define IER_ETBEI     0x02u
#define IER_ELSI      0x04u
#define IER_EDSSI     0x08u
#define IER_PTIME     0x80u
#define IIR_MODEM     0x00u
#define IIR_NONE      0x01u
#define IIR_THRE      0x02u
#define IIR_RDA       0x04u
#define IIR_RLS       0x06u
#define IIR_BUSY      0x07u
#define IIR_TIMEOUT   0x0cu
#define IIR_FIFOS     0xc0u
#define FCR_FIFOE     0x01u
#define FCR_RFIFOR    0x02u
#define FCR_XFIFOR    0x04u
#define LCR_DLAB      0x80u
#define LCR_8N1_MASK  0x3fu
#define LCR_8N1       0x03u
#define MCR_LOOPBACK  0x10u
#define LSR_DR        0x01u
#define LSR_OE        0x02u
#define LSR_FE        0x08u
#define LSR_THRE      0x20u
#define LSR_TEMT      0x40u
#define LSR_RFE       0x80u
#define USR_BUSY      0x01u
#define USR_TFNF      0x02u
#define USR_TFE       0x04u
#define USR_RFNE      0x08u
#define USR_RFF       0x10u
#define SRR_UR        0x01u
#define SRR_RFR       0x02u
#define SRR_XFR       0x04u
/* Component parameters: 32-bit APB, THRE mode, extra features, FIFO access and status, shadows, 16-byte FIFOs. */
#define CPR_VALUE     (0x2u | 1u << 4 | 1u << 5 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 11 | 1u << 12 | 1u << 16)
#define UCV_VALUE     0x3430312au   /* "401*" */
#define CTR_VALUE     0x44570110u   /* "DW" peripheral id */

#define FIFO          16u
#define CHAR_BITS     10u
#define TIMEOUT_CHARS 4u
#define PAD_RX        6u
#define PAD_TX        7u

static struct {
	struct wire *w;
	bool in_reset;
	uint32_t reg[UART_END / 4];      /* plain storage for what has no behaviour here */
	uint32_t ier, lcr, mcr, dll, dlh, dlf;
	bool fifo_en;
	unsigned rt, tet;                /* FCR trigger fields */
	uint8_t rx[FIFO], tx[FIFO];
	bool rx_err[FIFO];
	unsigned rx_head, rx_count, tx_head, tx_count;
	int64_t tx_free_at;
	bool oe, fe;                     /* sticky until LSR is read */
	bool thre_pending;               /* without PTIME: THR ran empty (cleared by IIR read or a THR write) */
	bool busy_detect;
	int64_t rx_activity_at;          /* last byte into or out of the receive FIFO */
	int64_t rx_read_at;              /* the firmware last read RBR */
	uint32_t baud;
	int64_t byte_ns;
	bool warned_gated, warned_format;
	struct periph_uart_stats st;
} u;

static unsigned uart_depth(void)
{
	return u.fifo_en ? FIFO : 1;
}

static unsigned uart_rx_trigger(void)
{
	static const unsigned level[] = { 1, FIFO / 4, FIFO / 2, FIFO - 2 };

	return u.fifo_en ? level[u.rt] : 1;
}

static unsigned uart_tx_trigger(void)
{
	static const unsigned level[] = { 0, 2, FIFO / 4, FIFO / 2 };

	return level[u.tet];
}

static bool uart_ptime(void)
{
	return (u.ier & IER_PTIME) && u.fifo_en;
}

static void uart_rate(void)
{
	uint32_t divisor = (u.dlh << 8 | u.dll) * 16u + u.dlf;

	u.baud = divisor ? periph_sysctl_apb0_hz() / divisor : 0;
	u.byte_ns = u.w->paced && u.baud ? (int64_t)CHAR_BITS * 1000000000ll / u.baud : 0;
}

static void uart_transmit(int64_t now)
{
	bool routed = periph_fpioa_drives(PAD_TX, PERIPH_FPIOA_UART2_TX);

	if (!u.baud || (u.reg[R_HTX / 4] & 1u))
		return;
	while (u.tx_count > 0 && u.tx_free_at <= now) {
		uint8_t c = u.tx[u.tx_head];

		u.tx_head = (u.tx_head + 1) % FIFO;
		u.tx_count--;
		u.tx_free_at += u.byte_ns;
		if (u.tx_count == 0)
			u.thre_pending = true;
		if (routed)
			wire_send(u.w, c, u.baud);
		else
			u.st.unrouted++;
	}
	if (u.tx_count == 0 && u.tx_free_at <= now)
		wire_quiet(u.w, now);
}

static void uart_receive(int64_t now)
{
	bool routed = periph_fpioa_listens(PAD_RX, PERIPH_FPIOA_UART2_RX) && u.baud;
	uint8_t buf[64];
	bool ferr[64];
	size_t n;

	do {
		n = wire_receive(u.w, now, u.baud, u.w->paced || !routed ? SIZE_MAX : uart_depth() - u.rx_count, buf,
				 ferr, sizeof(buf));
		for (size_t i = 0; i < n; i++) {
			if (!routed) {
				u.st.unrouted++;
				continue;
			}
			u.rx_activity_at = u.w->paced ? u.w->in_free : now;
			if (u.rx_count == uart_depth()) {
				char where[128];

				u.oe = true;
				u.st.overruns++;
				log_debug("UART2 receive FIFO overrun at pc %s, %lld us after the firmware last read RBR",
					   hart_where(where, sizeof(where)), (long long)(now - u.rx_read_at) / 1000);
				continue;
			}
			u.rx[(u.rx_head + u.rx_count) % FIFO] = buf[i];
			u.rx_err[(u.rx_head + u.rx_count) % FIFO] = ferr[i];
			u.rx_count++;
			if (ferr[i])
				u.fe = true;
		}
	} while (n == sizeof(buf));
}

static int64_t uart_timeout_at(void)
{
	return u.rx_activity_at + (int64_t)TIMEOUT_CHARS * (u.byte_ns ? u.byte_ns : 1);
}

static unsigned uart_iir_id(int64_t now)
{
	bool thre = uart_ptime() ? u.tx_count <= uart_tx_trigger() : u.thre_pending;

	if ((u.ier & IER_ELSI) && (u.oe || u.fe))
		return IIR_RLS;
	if ((u.ier & IER_ERBFI) && u.rx_count >= uart_rx_trigger())
		return IIR_RDA;
	if ((u.ier & IER_ERBFI) && u.rx_count > 0 && now >= uart_timeout_at())
		return IIR_TIMEOUT;
	if ((u.ier & IER_ETBEI) && thre)
		return IIR_THRE;
	if (u.busy_detect)
		return IIR_BUSY;
	return IIR_NONE;
}

static bool uart_busy(int64_t now)
{
	/* Receiving takes a baud clock and a line routed to the receiver. */
	bool receiving = u.baud && periph_fpioa_listens(PAD_RX, PERIPH_FPIOA_UART2_RX) && wire_receiving(u.w, now);

	return u.tx_count > 0 || u.tx_free_at > now || u.rx_count > 0 || receiving;
}

void periph_uart_update(int64_t now)
{
	if (u.in_reset || !periph_sysctl_uart2_clocked()) {
		/* Nothing samples the line: what arrives is gone. */
		uint8_t buf[64];
		bool ferr[64];

		while (wire_receive(u.w, now, 0, SIZE_MAX, buf, ferr, sizeof(buf)) == sizeof(buf))
			;
		periph_plic_level(PERIPH_PLIC_UART2, false);
		return;
	}
	uart_transmit(now);
	uart_receive(now);
	periph_plic_level(PERIPH_PLIC_UART2, uart_iir_id(now) != IIR_NONE);
}

int64_t periph_uart_next_event(int64_t now)
{
	int64_t t = INT64_MAX, e;
	unsigned trig;

	if (u.in_reset || !u.baud)
		return t;
	if (u.ier & IER_ERBFI) {
		trig = uart_rx_trigger();
		if (u.rx_count < trig && u.w->in_len >= trig - u.rx_count)
			e = wire_arrival(u.w, now, trig - u.rx_count);
		else if (u.rx_count < trig && u.w->in_len > 0)
			/* Fewer bytes on their way than the trigger: the character timeout after the last of them. */
			e = wire_arrival(u.w, now, u.w->in_len) + (int64_t)TIMEOUT_CHARS * u.byte_ns;
		else
			e = INT64_MAX;
		if (e < t)
			t = e;
		if (u.rx_count > 0 && u.rx_count < trig && (e = uart_timeout_at()) < t)
			t = e;
	}
	if ((u.ier & IER_ELSI) && u.rx_count == uart_depth() && (e = wire_arrival(u.w, now, 1)) < t)
		t = e;
	if ((u.ier & IER_ETBEI) && u.tx_count > 0) {
		trig = uart_ptime() ? uart_tx_trigger() : 0;
		if (u.tx_count > trig && (e = u.tx_free_at + (int64_t)(u.tx_count - trig - 1) * u.byte_ns) < t)
			t = e;
	}
	return t;
}

static uint32_t uart_lsr(int64_t now)
{
	uint32_t lsr = 0;
	bool err = false;

	for (unsigned i = 0; i < u.rx_count; i++)
		err |= u.rx_err[(u.rx_head + i) % FIFO];
	if (u.rx_count)
		lsr |= LSR_DR;
	if (u.oe)
		lsr |= LSR_OE;
	if (u.fe)
		lsr |= LSR_FE;
	if (uart_ptime() ? u.tx_count == FIFO : u.tx_count == 0)
		lsr |= LSR_THRE;
	if (u.tx_count == 0 && u.tx_free_at <= now)
		lsr |= LSR_TEMT;
	if (err && u.fifo_en)
		lsr |= LSR_RFE;
	return lsr;
}

static void uart_clear_rx(void)
{
	u.rx_count = u.rx_head = 0;
}

static void uart_clear_tx(void)
{
	u.tx_count = u.tx_head = 0;
}

static void uart_fcr(uint32_t v)
{
	bool fifo_en = (v & FCR_FIFOE) != 0;

	if (fifo_en != u.fifo_en) {
		uart_clear_rx();
		uart_clear_tx();
	}
	u.fifo_en = fifo_en;
	if (v & FCR_RFIFOR)
		uart_clear_rx();
	if (v & FCR_XFIFOR)
		uart_clear_tx();
	u.rt = (v >> 6) & 3u;
	u.tet = (v >> 4) & 3u;
}

static void uart_state_reset(int64_t now)
{
	struct wire *w = u.w;
	struct periph_uart_stats st = u.st;
	bool in_reset = u.in_reset;

	memset(&u, 0, sizeof(u));
	u.w = w;
	u.st = st;
	u.in_reset = in_reset;
	u.tx_free_at = u.rx_activity_at = now;
	uart_rate();
}

static bool uart_read_reg(int64_t now, uint32_t off, uint32_t *v)
{
	switch (off) {
	case R_RBR:
		if (u.lcr & LCR_DLAB) {
			*v = u.dll;
		} else if (u.rx_count) {
			*v = u.rx[u.rx_head];
			u.rx_head = (u.rx_head + 1) % FIFO;
			u.rx_count--;
			u.rx_activity_at = u.rx_read_at = now;
			uart_receive(now);
		} else {
			*v = 0;
		}
		return true;
	case R_IER:
		*v = (u.lcr & LCR_DLAB) ? u.dlh : u.ier;
		return true;
	case R_IIR: {
		unsigned id = uart_iir_id(now);

		*v = id | (u.fifo_en ? IIR_FIFOS : 0);
		if (id == IIR_THRE && !uart_ptime())
			u.thre_pending = false;
		return true;
	}
	case R_LCR:
		*v = u.lcr;
		return true;
	case R_MCR:
		*v = u.mcr;
		return true;
	case R_LSR:
		*v = uart_lsr(now);
		u.oe = u.fe = false;
		return true;
	case R_MSR:
		/* No modem lines are wired. */
		*v = 0;
		return true;
	case R_USR:
		u.busy_detect = false;
		*v = (uart_busy(now) ? USR_BUSY : 0) | (u.tx_count < uart_depth() ? USR_TFNF : 0) |
		     (u.tx_count == 0 ? USR_TFE : 0) | (u.rx_count ? USR_RFNE : 0) |
		     (u.rx_count == uart_depth() ? USR_RFF : 0);
		return true;
	case R_TFL:
		*v = u.tx_count;
		return true;
	case R_RFL:
		*v = u.rx_count;
		return true;
	case R_SFE:
		*v = u.fifo_en;
		return true;
	case R_SRT:
		*v = u.rt;
		return true;
	case R_STET:
		*v = u.tet;
		return true;
	case R_DLF:
		*v = u.dlf;
		return true;
	case R_CPR:
		*v = CPR_VALUE;
		return true;
	case R_UCV:
		*v = UCV_VALUE;
		return true;
	case R_CTR:
		*v = CTR_VALUE;
		return true;
	case R_SCR:
	case R_LPDLL:
	case R_LPDLH:
	case R_FAR:
	case R_TFR:
	case R_RFW:
	case R_SRTS:
	case R_SBCR:
	case R_SDMAM:
	case R_HTX:
		*v = u.reg[off / 4];
		return true;
	}
	/* DMA software ack, RS485 and the 9-bit extras: storage. */
	if (off >= 0xa8 && off <= R_LCR_EXT && off != R_DLF) {
		*v = u.reg[off / 4];
		return true;
	}
	return false;
}

/* LCR and the divisor latches are read-only while a character is on its way. */
static bool uart_latch_write(int64_t now, const char *what)
{
	if (!uart_busy(now))
		return true;
	u.st.busy_writes++;
	log_debug("UART2: %s written while busy: ignored (tx %u, shifter %lld ns, rx %u, receiving %d, wire %zu)", what, u.tx_count, (long long)(u.tx_free_at - now), u.rx_count, wire_receiving(u.w, now), u.w->in_len);
	return false;
}

static bool uart_write_reg(int64_t now, uint32_t off, uint32_t v)
{
	switch (off) {
	case R_RBR:
		if (u.lcr & LCR_DLAB) {
			if (uart_latch_write(now, "DLL")) {
				u.dll = v & 0xffu;
				uart_rate();
			}
		} else if (u.tx_count < uart_depth()) {
			if (u.tx_count == 0 && u.tx_free_at < now)
				u.tx_free_at = now;
			u.tx[(u.tx_head + u.tx_count) % FIFO] = (uint8_t)v;
			u.tx_count++;
			u.thre_pending = false;
		}
		return true;
	case R_IER:
		if (u.lcr & LCR_DLAB) {
			if (uart_latch_write(now, "DLH")) {
				u.dlh = v & 0xffu;
				uart_rate();
			}
		} else {
			/* Enabling the THRE interrupt with the transmitter empty raises it. */
			if ((v & IER_ETBEI) && !(u.ier & IER_ETBEI) && u.tx_count == 0)
				u.thre_pending = true;
			u.ier = v & (IER_ERBFI | IER_ETBEI | IER_ELSI | IER_EDSSI | IER_PTIME);
		}
		return true;
	case R_IIR:
		uart_fcr(v);
		return true;
	case R_LCR:
		if (!uart_latch_write(now, "LCR")) {
			u.busy_detect = true;
			return true;
		}
		u.lcr = v & 0xffu;
		if ((u.lcr & LCR_8N1_MASK) != LCR_8N1 && !u.warned_format) {
			log_warnx("UART2 set to a frame format other than 8N1 (LCR 0x%02x): the ESP8285 speaks 8N1", u.lcr);
			u.warned_format = true;
		}
		return true;
	case R_MCR:
		u.mcr = v & 0x7fu;
		if (u.mcr & MCR_LOOPBACK)
			log_warnx("UART2 loopback mode is not modelled");
		return true;
	case R_LSR:
	case R_MSR:
	case R_USR:
	case R_TFL:
	case R_RFL:
	case R_CPR:
	case R_UCV:
	case R_CTR:
		return true;
	case R_SRR:
		if (v & SRR_UR)
			uart_state_reset(now);
		if (v & SRR_RFR)
			uart_clear_rx();
		if (v & SRR_XFR)
			uart_clear_tx();
		return true;
	case R_SFE:
		uart_fcr((v & 1u) | u.rt << 6 | u.tet << 4);
		return true;
	case R_SRT:
		u.rt = v & 3u;
		return true;
	case R_STET:
		u.tet = v & 3u;
		return true;
	case R_DLF:
		if (uart_latch_write(now, "DLF")) {
			u.dlf = v & 0xfu;
			uart_rate();
		}
		return true;
	}
	if (off == R_SCR || (off >= R_LPDLL && off <= R_LPDLH) || (off >= R_FAR && off <= R_RFW) ||
	    (off >= R_SRTS && off <= R_SDMAM) || off == R_HTX || (off >= 0xa8 && off <= R_LCR_EXT)) {
		u.reg[off / 4] = v;
		return true;
	}
	return false;
}

static bool uart_access_ok(uint32_t off, bool write)
{
	if (off >= UART_END)
		return false;
	if (!periph_sysctl_uart2_clocked()) {
		if (!u.warned_gated)
			log_warnx("firmware %s UART2 while its clock is off: nothing happens, as on the chip",
				  write ? "writes" : "reads");
		u.warned_gated = true;
		return false;
	}
	return !u.in_reset;
}

static bool uart_read(void *ctx, uint32_t off, uint32_t *v)
{
	int64_t now = timebase_now();
	bool ok;

	(void)ctx;
	if (!uart_access_ok(off, false)) {
		/* Reset values show while held in reset; a gated block reads 0. */
		*v = u.in_reset && off == R_IIR ? IIR_NONE : u.in_reset && off == R_LSR ? LSR_THRE | LSR_TEMT : 0;
		return off < UART_END;
	}
	periph_uart_update(now);
	ok = uart_read_reg(now, off, v);
	periph_uart_update(now);
	return ok;
}

static bool uart_write(void *ctx, uint32_t off, uint32_t v)
{
	int64_t now = timebase_now();
	bool ok;

	(void)ctx;
	if (!uart_access_ok(off, true))
		return off < UART_END;
	periph_uart_update(now);
	ok = uart_write_reg(now, off, v);
	periph_uart_update(now);
	return ok;
}

void periph_uart_init(struct wire *esp)
{
	u.w = esp;
}

void periph_uart_map(void)
{
	hart_map_mmio("UART2", UART_BASE, 0x1000, uart_read, uart_write, NULL);
}

void periph_uart_reset(int64_t now)
{
	u.in_reset = false;
	u.warned_gated = false;
	uart_state_reset(now);
	periph_plic_level(PERIPH_PLIC_UART2, false);
}

void periph_uart_hold_reset(int64_t now, bool on)
{
	u.in_reset = on;
	if (on) {
		uart_state_reset(now);
		periph_plic_level(PERIPH_PLIC_UART2, false);
	}
}

void periph_uart_clock_changed(int64_t now)
{
	periph_uart_update(now);
	uart_rate();
}

uint32_t periph_uart_baud(void)
{
	return u.baud;
}

void periph_uart_stats(struct periph_uart_stats *st)
{
	*st = u.st;
}
