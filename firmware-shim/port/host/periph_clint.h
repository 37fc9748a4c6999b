/*
 * CLINT (0x02000000): mtime, counting at the CPU clock / 50 (SDK
 * CLINT_CLOCK_DIV), and hart 0's mtimecmp and msip.  A 64-bit load arrives
 * as two 32-bit reads: the low half latches the whole counter.
 */
#ifndef EMU_PERIPH_CLINT_H
#define EMU_PERIPH_CLINT_H

#include <stdint.h>

#define PERIPH_CLINT_DIV 50u

void periph_clint_map(void);
void periph_clint_reset(int64_t now, uint32_t cpu_hz);
/* The CPU clock changed: mtime goes on from where it is at the new rate. */
void periph_clint_set_rate(int64_t now, uint32_t cpu_hz);
/* mip bits (MSIP, MTIP) pending at now. */
uint64_t periph_clint_pending(int64_t now);
/* When MTIP will rise (INT64_MAX: not before mtimecmp changes). */
int64_t periph_clint_next_event(int64_t now);

#endif
