#include <string.h>

#include "hart.h"
#include "log.h"
#include "periph_sysctl.h"
#include "periph_uart.h"
#include "timebase.h"

#define SYSCTL_BASE      0x50440000ull
#define SYSCTL_WORDS     32                 /* 0x00 .. 0x7c */

/* Register offsets (SDK sysctl.h). */
#define R_GIT_ID         0x00
#define R_PLL0           0x08
#define R_PLL_LOCK       0x18
#define R_CLK_SEL0       0x20
#define R_CLK_EN_CENT    0x28
#define R_CLK_EN_PERI    0x2c
#define R_SOFT_RESET     0x30
#define R_PERI_RESET     0x34
#define R_RESET_STATUS   0x60

/* PLL0: FOUT = 26 MHz / (CLKR + 1) * (CLKF + 1) / (CLKOD + 1). */
#define IN0_HZ           26000000ull
#define PLL_CLKR(v)      (((v) >> 0) & 0xfu)
#define PLL_CLKF(v)      (((v) >> 4) & 0x3fu)
#define PLL_CLKOD(v)     (((v) >> 10) & 0xfu)
#define PLL_RESET        (1u << 20)
#define PLL_PWRD         (1u << 21)         /* 1 = powered */
#define PLL_BYPASS       (1u << 23)
#define PLL_OUT_EN       (1u << 25)
#define PLL_VCO_MIN      340000000ull
#define PLL_VCO_MAX      1750000000ull
/* The boot ROM's PLL0: 780 MHz (CLKR 0, CLKF 59, CLKOD 1, BWADJ 59), powered, output on. */
#define PLL0_ROM         (0u | 59u << 4 | 1u << 10 | 59u << 14 | PLL_PWRD | PLL_OUT_EN)
/* A PLL locks this long after it leaves reset powered with a VCO in range. */
#define PLL_LOCK_NS      50000

#define LOCK_PLL0        0x3u               /* both bits: PLL0 locked */
#define SEL0_ACLK_PLL0   (1u << 0)
#define SEL0_ACLK_DIV(v) (((v) >> 1) & 3u)  /* ACLK = PLL0 / (2 << n) */
#define SEL0_APB0_DIV(v) (((v) >> 3) & 7u)  /* APB0 = ACLK / (n + 1) */
/* The boot ROM: ACLK from PLL0 / 2, APB0 = ACLK / 2. */
#define SEL0_ROM         (SEL0_ACLK_PLL0 | 1u << 3)
#define SEL0_CRYSTAL     (1u << 3)
#define CENT_APB0        (1u << 3)
#define CENT_ROM         0xfu               /* CPU, SRAM0, SRAM1, APB0 */
#define PERI_UART2       (1u << 17)
#define PERI_FPIOA       (1u << 20)
#define PERI_ROM         PERI_FPIOA         /* the ROM's ISP talks through the FPIOA */
#define SOFT_RESET_CHIP  (1u << 0)
#define STATUS_CLEAR     (1u << 0)
#define STATUS_PIN       (1u << 1)
#define STATUS_SOFT      (1u << 4)
#define GIT_ID           0x2b3c4d5eu        /* any value: nothing depends on it */

static struct {
	enum periph_sysctl_pll mode;
	const struct periph_sysctl_ops *ops;
	uint32_t reg[SYSCTL_WORDS];
	int64_t pll0_lock_at;         /* INT64_MAX: not locking */
	uint32_t cpu_hz, apb0_hz;
} sc;

static bool sysctl_vco_ok(uint32_t pll)
{
	uint64_t vco = IN0_HZ * (PLL_CLKF(pll) + 1) / (PLL_CLKR(pll) + 1);

	return vco >= PLL_VCO_MIN && vco <= PLL_VCO_MAX;
}

static bool sysctl_pll0_locked(int64_t now)
{
	return now >= sc.pll0_lock_at;
}

static uint64_t sysctl_pll0_out(int64_t now)
{
	uint32_t pll = sc.reg[R_PLL0 / 4];

	if (!(pll & PLL_OUT_EN))
		return 0;
	if (pll & PLL_BYPASS)
		return IN0_HZ;
	if (!sysctl_pll0_locked(now))
		return 0;
	return IN0_HZ * (PLL_CLKF(pll) + 1) / ((PLL_CLKR(pll) + 1) * (PLL_CLKOD(pll) + 1));
}

/* Rates follow the registers; the CPU must never be left without its clock. */
static void sysctl_clocks(int64_t now)
{
	uint32_t sel = sc.reg[R_CLK_SEL0 / 4], cpu_hz, apb0_hz;

	if (sel & SEL0_ACLK_PLL0)
		cpu_hz = (uint32_t)(sysctl_pll0_out(now) / (2u << SEL0_ACLK_DIV(sel)));
	else
		cpu_hz = (uint32_t)IN0_HZ;
	if (cpu_hz == 0) {
		hart_fault("the CPU clock source (PLL0) is not running: the chip would hang");
		return;
	}
	apb0_hz = cpu_hz / (SEL0_APB0_DIV(sel) + 1);
	if (cpu_hz == sc.cpu_hz && apb0_hz == sc.apb0_hz)
		return;
	log_debug("clocks: CPU %u Hz, APB0 %u Hz", cpu_hz, apb0_hz);
	sc.cpu_hz = cpu_hz;
	sc.apb0_hz = apb0_hz;
	if (sc.ops->clocks_changed)
		sc.ops->clocks_changed(now);
}

static void sysctl_pll0_write(int64_t now, uint32_t v)
{
	uint32_t old = sc.reg[R_PLL0 / 4];
	bool running = (v & PLL_PWRD) && !(v & PLL_RESET);

	sc.reg[R_PLL0 / 4] = v;
	/* The lock detector restarts whenever the loop restarts or its factors change. */
	if (!running || !sysctl_vco_ok(v) || sc.mode == PERIPH_SYSCTL_PLL_NEVER)
		sc.pll0_lock_at = INT64_MAX;
	else if (!((old & PLL_PWRD) && !(old & PLL_RESET)) || ((old ^ v) & 0xfffffu))
		sc.pll0_lock_at = now + PLL_LOCK_NS;
}

static bool sysctl_read(void *ctx, uint32_t off, uint32_t *v)
{
	int64_t now = timebase_now();

	(void)ctx;
	if (off >= SYSCTL_WORDS * 4)
		return false;
	*v = sc.reg[off / 4];
	if (off == R_PLL_LOCK)
		*v = (*v & ~LOCK_PLL0) | (sysctl_pll0_locked(now) ? LOCK_PLL0 : 0);
	return true;
}

static bool sysctl_write(void *ctx, uint32_t off, uint32_t v)
{
	int64_t now = timebase_now();
	uint32_t old;

	(void)ctx;
	if (off >= SYSCTL_WORDS * 4)
		return false;
	old = sc.reg[off / 4];
	switch (off) {
	case R_GIT_ID:
		break;
	case R_PLL0:
		sysctl_pll0_write(now, v);
		sysctl_clocks(now);
		break;
	case R_PLL_LOCK:
		/* Lock bits are read-only; the slip-clear bits clear themselves. */
		break;
	case R_CLK_SEL0:
		sc.reg[off / 4] = v;
		sysctl_clocks(now);
		break;
	case R_SOFT_RESET:
		if (v & SOFT_RESET_CHIP)
			sc.ops->chip_reset();
		break;
	case R_PERI_RESET:
		sc.reg[off / 4] = v;
		if ((v ^ old) & PERI_UART2)
			periph_uart_hold_reset(now, (v & PERI_UART2) != 0);
		break;
	case R_RESET_STATUS:
		if (v & STATUS_CLEAR)
			sc.reg[off / 4] = 0;
		break;
	default:
		sc.reg[off / 4] = v;
		break;
	}
	return true;
}

void periph_sysctl_init(enum periph_sysctl_pll pll, const struct periph_sysctl_ops *ops)
{
	sc.mode = pll;
	sc.ops = ops;
}

void periph_sysctl_map(void)
{
	hart_map_mmio("SYSCTL", SYSCTL_BASE, 0x1000, sysctl_read, sysctl_write, NULL);
}

void periph_sysctl_reset(int64_t now, enum periph_sysctl_reset_cause cause)
{
	memset(sc.reg, 0, sizeof(sc.reg));
	sc.reg[R_GIT_ID / 4] = GIT_ID;
	sc.reg[R_CLK_EN_CENT / 4] = CENT_ROM;
	sc.reg[R_CLK_EN_PERI / 4] = PERI_ROM;
	sc.reg[R_RESET_STATUS / 4] = cause == PERIPH_SYSCTL_PIN_RESET ? STATUS_PIN :
				     cause == PERIPH_SYSCTL_SOFT_RESET ? STATUS_SOFT : 0;
	if (sc.mode == PERIPH_SYSCTL_PLL_ROM) {
		sc.reg[R_PLL0 / 4] = PLL0_ROM;
		sc.reg[R_CLK_SEL0 / 4] = SEL0_ROM;
		sc.pll0_lock_at = now;
	} else {
		sc.reg[R_PLL0 / 4] = PLL_RESET;
		sc.reg[R_CLK_SEL0 / 4] = SEL0_CRYSTAL;
		sc.pll0_lock_at = INT64_MAX;
	}
	sc.cpu_hz = sc.apb0_hz = 0;
	sysctl_clocks(now);
}

uint32_t periph_sysctl_cpu_hz(void)
{
	return sc.cpu_hz;
}

uint32_t periph_sysctl_apb0_hz(void)
{
	return sc.apb0_hz;
}

bool periph_sysctl_uart2_clocked(void)
{
	return (sc.reg[R_CLK_EN_CENT / 4] & CENT_APB0) && (sc.reg[R_CLK_EN_PERI / 4] & PERI_UART2);
}

bool periph_sysctl_fpioa_clocked(void)
{
	return (sc.reg[R_CLK_EN_CENT / 4] & CENT_APB0) && (sc.reg[R_CLK_EN_PERI / 4] & PERI_FPIOA);
}
