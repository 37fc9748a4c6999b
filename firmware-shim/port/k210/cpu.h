/*
 * RISC-V machine-mode CSRs as the K210 (privileged spec 1.9.1) has them.
 * The bits used here sit at the same positions in 1.9.1 and later specs.
 */
#ifndef K210_CPU_H
#define K210_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define MSTATUS_MIE      (1u << 3)        /* global machine interrupt enable */
#define MSTATUS_FS_MASK  (3u << 13)       /* FPU state: 0 off, 1 initial, 2 clean, 3 dirty */
#define MSTATUS_FS_INIT  (1u << 13)

#define MIE_MTIE         (1u << 7)        /* machine timer interrupt */
#define MIE_MEIE         (1u << 11)       /* machine external interrupt (PLIC) */

#define MCAUSE_INTERRUPT (1ull << 63)     /* set for interrupts, clear for exceptions */
#define MCAUSE_CODE      0xffull
#define IRQ_M_TIMER      7
#define IRQ_M_EXTERNAL   11

#define cpu_csr_read(csr) __extension__({ \
	uint64_t v_; \
	__asm__ volatile("csrr %0, " #csr : "=r"(v_)); \
	v_; })
#define cpu_csr_set(csr, bits) \
	__asm__ volatile("csrs " #csr ", %0" : : "r"((uint64_t)(bits)) : "memory")
#define cpu_csr_clear(csr, bits) \
	__asm__ volatile("csrc " #csr ", %0" : : "r"((uint64_t)(bits)) : "memory")

/* Disable interrupts; returns whether they were enabled. */
static inline bool cpu_irq_save(void)
{
	uint64_t old;

	__asm__ volatile("csrrci %0, mstatus, %1" : "=r"(old) : "i"(MSTATUS_MIE) : "memory");
	return (old & MSTATUS_MIE) != 0;
}

static inline void cpu_irq_restore(bool enabled)
{
	if (enabled)
		cpu_csr_set(mstatus, MSTATUS_MIE);
}

static inline void cpu_irq_enable(void)
{
	cpu_csr_set(mstatus, MSTATUS_MIE);
}

static inline uint64_t cpu_cycles(void)
{
	return cpu_csr_read(mcycle);
}

/* Busy-wait for at least n CPU cycles. */
static inline void cpu_delay_cycles(uint64_t n)
{
	uint64_t start = cpu_cycles();

	while (cpu_cycles() - start < n)
		;
}

/*
 * Stall until an interrupt enabled in mie is pending.  Works with MIE clear,
 * so a caller can test for work and sleep without losing a wake-up.
 */
static inline void cpu_wait_for_interrupt(void)
{
	__asm__ volatile("wfi" : : : "memory");
}

#endif
