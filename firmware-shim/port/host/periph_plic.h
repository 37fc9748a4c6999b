/*
 * PLIC (0x0C000000): 65 level-triggered sources, 7 priorities, per-hart
 * enables, thresholds and claim/complete (SDK plic.h).  Hart 0's machine
 * mode is the only context that interrupts a CPU here.
 */
#ifndef EMU_PERIPH_PLIC_H
#define EMU_PERIPH_PLIC_H

#include <stdbool.h>

#define PERIPH_PLIC_UART2  12u
#define PERIPH_PLIC_UARTHS 33u

void periph_plic_map(void);
void periph_plic_reset(void);
/* A peripheral's interrupt line. */
void periph_plic_level(unsigned source, bool level);
/* Hart 0's external interrupt (MEIP). */
bool periph_plic_meip(void);

#endif
