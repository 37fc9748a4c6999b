#include <stdbool.h>

#include "clint.h"
#include "cpu.h"
#include "entropy.h"

#define ENTROPY_GOLDEN  0x9e3779b97f4a7c15ull  /* 2^64 / golden ratio, odd */

/* Unused SRAM after the image, bounded by the linker script. */
extern const uint64_t __entropy_window_start[], __entropy_window_end[];

static uint64_t entropy_pool;
/* In .noinit: survives a soft reset, random after power-up. */
static uint64_t entropy_seed __attribute__((section(".noinit")));

static uint64_t entropy_rotl(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

void entropy_stir(uint64_t sample)
{
	/* Multiplying by an odd constant is a bijection: no state is lost. */
	entropy_pool = (entropy_rotl(entropy_pool, 25) ^ sample) * ENTROPY_GOLDEN + 1;
}

void entropy_init(void)
{
	const volatile uint64_t *p = __entropy_window_start;

	entropy_stir(entropy_seed);
	for (; p < __entropy_window_end; p++)
		entropy_stir(*p);
	entropy_stir(cpu_cycles());
	entropy_stir(clint_ticks());
	entropy_seed = entropy_pool;
}

uint32_t entropy_take(void)
{
	bool irq = cpu_irq_save();
	uint64_t out;

	entropy_stir(cpu_cycles());
	entropy_stir(clint_ticks());
	out = entropy_pool ^ (entropy_pool >> 29);
	out *= ENTROPY_GOLDEN;
	/* Chain the next warm boot off everything seen so far. */
	entropy_seed = entropy_pool;
	cpu_irq_restore(irq);
	return (uint32_t)(out >> 32);
}
