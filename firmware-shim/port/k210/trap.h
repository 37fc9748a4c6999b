/*
 * C side of the trap vector in start.S.
 */
#ifndef K210_TRAP_H
#define K210_TRAP_H

#include <stdint.h>

/* Called by trap_entry with interrupts masked and the FPU switched off. */
void trap_handle(uint64_t mcause);

#endif
