/*
 * Core-local interruptor: the free-running mtime counter and hart 0's
 * timer compare, used for port_now_us() and the port_wait() deadline.
 */
#ifndef K210_CLINT_H
#define K210_CLINT_H

#include <stdint.h>

#include "sysctl.h"

/* mtime counts CPU clock / 50 (SDK CLINT_CLOCK_DIV; 7.8 MHz here). */
#define CLINT_TICK_HZ (K210_CPU_HZ / 50u)

uint64_t clint_ticks(void);
uint64_t clint_ticks_to_us(uint64_t ticks);
/* First tick at or after us; saturates instead of wrapping. */
uint64_t clint_us_to_ticks(uint64_t us);
/* Raise the timer interrupt once mtime reaches at. */
void clint_arm(uint64_t at);
void clint_disarm(void);
/* Timer interrupt: the deadline passed, stop asserting it. */
void clint_timer_irq(void);

#endif
