/*
 * Platform-level interrupt controller, used from hart 0 in machine mode.
 */
#ifndef K210_PLIC_H
#define K210_PLIC_H

#include <stdint.h>

/* Source numbers from the Kendryte SDK's plic.h. */
#define PLIC_IRQ_UART2   12
#define PLIC_IRQ_UARTHS  33

/* Every source off and at priority 0, threshold 0. */
void plic_init(void);
/* priority 1..7; 0 would never interrupt. */
void plic_enable(unsigned irq, uint32_t priority);
void plic_disable(unsigned irq);
/* Highest-priority pending source, 0 for none; complete it after handling. */
unsigned plic_claim(void);
void plic_complete(unsigned irq);

#endif
