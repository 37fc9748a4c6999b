#include "clint.h"
#include "cpu.h"
#include "mmio.h"

/* Register map from the Kendryte SDK's clint.h (base 0x02000000). */
#define CLINT_BASE       0x02000000u
#define CLINT_MTIMECMP0  (CLINT_BASE + 0x4000)  /* hart 0 compare, 64-bit */
#define CLINT_MTIME      (CLINT_BASE + 0xbff8)  /* 64-bit counter */

#define US_PER_S         1000000u

_Static_assert(K210_CPU_HZ % 50u == 0, "mtime rate must be a whole number of Hz");

uint64_t clint_ticks(void)
{
	return mmio_read64(CLINT_MTIME);
}

/* Split into whole seconds and the rest so nothing overflows for 2^64 ticks. */
uint64_t clint_ticks_to_us(uint64_t ticks)
{
	return ticks / CLINT_TICK_HZ * US_PER_S + ticks % CLINT_TICK_HZ * US_PER_S / CLINT_TICK_HZ;
}

uint64_t clint_us_to_ticks(uint64_t us)
{
	uint64_t secs = us / US_PER_S;

	if (secs >= UINT64_MAX / CLINT_TICK_HZ)
		return UINT64_MAX;
	return secs * CLINT_TICK_HZ + (us % US_PER_S * CLINT_TICK_HZ + US_PER_S - 1) / US_PER_S;
}

/* What mtimecmp is armed for; UINT64_MAX: disarmed. */
static uint64_t clint_armed = UINT64_MAX;

void clint_arm(uint64_t at)
{
	/* Armed for this time already (the main loop often waits for the same deadline again). */
	if (at == clint_armed)
		return;
	clint_armed = at;
	mmio_write64(CLINT_MTIMECMP0, at);
	cpu_csr_set(mie, MIE_MTIE);
}

void clint_disarm(void)
{
	clint_armed = UINT64_MAX;
	cpu_csr_clear(mie, MIE_MTIE);
	/* The interrupt stays pending until mtimecmp moves past mtime. */
	mmio_write64(CLINT_MTIMECMP0, UINT64_MAX);
}

void clint_timer_irq(void)
{
	clint_disarm();
}
