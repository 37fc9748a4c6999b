/*
 * Entropy for the per-boot link id.  Every clock on the K210 derives from
 * one crystal, so the sources are outside events and memory state: the cycle
 * counter at each interrupt (the host's and the ESP's bytes arrive on their
 * own clocks), how long PLL0 took to lock, the power-up contents of unused
 * SRAM, and a seed kept across warm reboots in memory the loader never
 * touches.
 */
#ifndef K210_ENTROPY_H
#define K210_ENTROPY_H

#include <stdint.h>

/* Once at boot, before interrupts are enabled. */
void entropy_init(void);
/* Mix in a sample; call with interrupts masked (or from the trap handler). */
void entropy_stir(uint64_t sample);
uint32_t entropy_take(void);

#endif
