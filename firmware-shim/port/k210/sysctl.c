#include <stdbool.h>

#include "cpu.h"
#include "entropy.h"
#include "mmio.h"
#include "sysctl.h"

/* Register map from the Kendryte SDK's sysctl.h (base 0x50440000). */
#define SYSCTL_BASE          0x50440000u
#define SYSCTL_PLL0          (SYSCTL_BASE + 0x08)
#define SYSCTL_PLL_LOCK      (SYSCTL_BASE + 0x18)
#define SYSCTL_CLK_SEL0      (SYSCTL_BASE + 0x20)
#define SYSCTL_CLK_EN_CENT   (SYSCTL_BASE + 0x28)
#define SYSCTL_CLK_EN_PERI   (SYSCTL_BASE + 0x2c)
#define SYSCTL_SOFT_RESET    (SYSCTL_BASE + 0x30)
#define SYSCTL_PERI_RESET    (SYSCTL_BASE + 0x34)

/* PLL0: FOUT = 26 MHz / (CLKR + 1) * (CLKF + 1) / (CLKOD + 1). */
#define IN0_HZ               26000000u  /* the board's crystal */
#define PLL0_HZ              (2u * K210_CPU_HZ)
#define PLL_CLKR_SHIFT       0          /* [3:0] reference divider - 1 */
#define PLL_CLKR_MASK        0xfu
#define PLL_CLKF_SHIFT       4          /* [9:4] feedback multiplier - 1 */
#define PLL_CLKF_MASK        0x3fu
#define PLL_CLKOD_SHIFT      10         /* [13:10] output divider - 1 */
#define PLL_CLKOD_MASK       0xfu
#define PLL_BWADJ_SHIFT      14         /* [19:14] loop bandwidth, set equal to CLKF */
#define PLL_FACTORS_MASK     0xfffffu   /* CLKR, CLKF, CLKOD, BWADJ */
#define PLL_RESET            (1u << 20)
#define PLL_PWRD             (1u << 21) /* 1 = powered (active-low power-down pin) */
#define PLL_BYPASS           (1u << 23)
#define PLL_OUT_EN           (1u << 25)

/*
 * 780 MHz with the VCO at 1560 MHz (range 350-1750 MHz) and the reference
 * at the full 26 MHz (the minimum is 13.67 MHz, so CLKR must be 0).
 */
#define PLL0_CLKR            0u
#define PLL0_CLKF            59u
#define PLL0_CLKOD           1u
#define PLL0_FACTORS         ((PLL0_CLKR << PLL_CLKR_SHIFT) | (PLL0_CLKF << PLL_CLKF_SHIFT) | \
			      (PLL0_CLKOD << PLL_CLKOD_SHIFT) | (PLL0_CLKF << PLL_BWADJ_SHIFT))

#define PLL_LOCK0_MASK       0x3u       /* both bits set = PLL0 locked */
#define PLL_SLIP_CLEAR0      (1u << 2)

#define CLK_SEL0_ACLK_PLL0   (1u << 0)  /* ACLK source: 0 = 26 MHz IN0, 1 = PLL0 */
#define CLK_SEL0_ACLK_DIV    (3u << 1)  /* ACLK = PLL0 / (2 << n); n = 0 gives /2 */
#define CLK_SEL0_APB0_SHIFT  3          /* [5:3] APB0 = ACLK / (n + 1) */
#define CLK_SEL0_APB0_MASK   0x7u

#define CLK_EN_CENT_APB0     (1u << 3)
#define CLK_EN_PERI_UART2    (1u << 17)
#define CLK_EN_PERI_FPIOA    (1u << 20)
#define PERI_RESET_UART2     (1u << 17)
#define SOFT_RESET_CHIP      (1u << 0)

/* The SDK waits > 100 ns around PLL reset and 10 us for peripheral resets. */
#define PLL_SETTLE_CYCLES    64u        /* 2.4 us at the 26 MHz the CPU runs on meanwhile */
#define PERI_RESET_CYCLES    (K210_CPU_HZ / 100000u)
#define PLL_LOCK_SPINS       1000000u

_Static_assert((uint64_t)IN0_HZ * (PLL0_CLKF + 1) / ((PLL0_CLKR + 1) * (PLL0_CLKOD + 1)) == PLL0_HZ,
	       "PLL0 factors must give twice the CPU clock");

static uint64_t sysctl_pll0_hz(uint32_t pll)
{
	uint32_t r = ((pll >> PLL_CLKR_SHIFT) & PLL_CLKR_MASK) + 1;
	uint32_t f = ((pll >> PLL_CLKF_SHIFT) & PLL_CLKF_MASK) + 1;
	uint32_t od = ((pll >> PLL_CLKOD_SHIFT) & PLL_CLKOD_MASK) + 1;

	return (uint64_t)IN0_HZ * f / (r * od);
}

/* Running, locked, at 780 MHz by whatever factors, and feeding the CPU at /2. */
static bool sysctl_pll0_as_expected(void)
{
	uint32_t pll = mmio_read32(SYSCTL_PLL0);
	uint32_t sel = mmio_read32(SYSCTL_CLK_SEL0);

	return (pll & (PLL_PWRD | PLL_OUT_EN | PLL_RESET | PLL_BYPASS)) == (PLL_PWRD | PLL_OUT_EN) &&
	       sysctl_pll0_hz(pll) == PLL0_HZ &&
	       (mmio_read32(SYSCTL_PLL_LOCK) & PLL_LOCK0_MASK) == PLL_LOCK0_MASK &&
	       (sel & (CLK_SEL0_ACLK_PLL0 | CLK_SEL0_ACLK_DIV)) == CLK_SEL0_ACLK_PLL0;
}

void sysctl_init_clocks(void)
{
	uint32_t pll, spins = 0;

	if (sysctl_pll0_as_expected())
		return;

	/* Run the CPU from the crystal while PLL0 restarts (SDK sequence). */
	mmio_clear32(SYSCTL_CLK_SEL0, CLK_SEL0_ACLK_PLL0);
	pll = mmio_read32(SYSCTL_PLL0) & ~PLL_OUT_EN;
	mmio_write32(SYSCTL_PLL0, pll);
	pll &= ~PLL_PWRD;
	mmio_write32(SYSCTL_PLL0, pll);
	pll = (pll & ~(PLL_FACTORS_MASK | PLL_BYPASS)) | PLL0_FACTORS;
	mmio_write32(SYSCTL_PLL0, pll);
	pll |= PLL_PWRD;
	mmio_write32(SYSCTL_PLL0, pll);
	cpu_delay_cycles(PLL_SETTLE_CYCLES);
	pll &= ~PLL_RESET;
	mmio_write32(SYSCTL_PLL0, pll);
	mmio_write32(SYSCTL_PLL0, pll | PLL_RESET);
	cpu_delay_cycles(PLL_SETTLE_CYCLES);
	mmio_write32(SYSCTL_PLL0, pll);

	while ((mmio_read32(SYSCTL_PLL_LOCK) & PLL_LOCK0_MASK) != PLL_LOCK0_MASK) {
		mmio_set32(SYSCTL_PLL_LOCK, PLL_SLIP_CLEAR0);
		if (++spins > PLL_LOCK_SPINS)
			sysctl_reboot();
	}
	/* How long the lock took varies from boot to boot. */
	entropy_stir(spins);

	mmio_write32(SYSCTL_PLL0, pll | PLL_OUT_EN);
	mmio_write32(SYSCTL_CLK_SEL0,
		     (mmio_read32(SYSCTL_CLK_SEL0) & ~CLK_SEL0_ACLK_DIV) | CLK_SEL0_ACLK_PLL0);
}

uint32_t sysctl_apb0_hz(void)
{
	uint32_t div = (mmio_read32(SYSCTL_CLK_SEL0) >> CLK_SEL0_APB0_SHIFT) & CLK_SEL0_APB0_MASK;

	return K210_CPU_HZ / (div + 1);
}

void sysctl_enable_fpioa(void)
{
	/* The FPIOA sits on APB0: its bus clock must run too. */
	mmio_set32(SYSCTL_CLK_EN_CENT, CLK_EN_CENT_APB0);
	mmio_set32(SYSCTL_CLK_EN_PERI, CLK_EN_PERI_FPIOA);
}

void sysctl_enable_uart2(void)
{
	mmio_set32(SYSCTL_CLK_EN_CENT, CLK_EN_CENT_APB0);
	mmio_set32(SYSCTL_CLK_EN_PERI, CLK_EN_PERI_UART2);
	mmio_set32(SYSCTL_PERI_RESET, PERI_RESET_UART2);
	cpu_delay_cycles(PERI_RESET_CYCLES);
	mmio_clear32(SYSCTL_PERI_RESET, PERI_RESET_UART2);
}

void sysctl_reboot(void)
{
	(void)cpu_irq_save();
	mmio_write32(SYSCTL_SOFT_RESET, SOFT_RESET_CHIP);
	for (;;)
		cpu_wait_for_interrupt();
}
