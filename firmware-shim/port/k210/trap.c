#include "clint.h"
#include "cpu.h"
#include "entropy.h"
#include "plic.h"
#include "sysctl.h"
#include "trap.h"
#include "uart.h"
#include "uarths.h"

static void trap_external(void)
{
	unsigned irq;

	while ((irq = plic_claim()) != 0) {
		switch (irq) {
		case PLIC_IRQ_UARTHS:
			uarths_irq();
			break;
		case PLIC_IRQ_UART2:
			uart_irq();
			break;
		default:
			/* Nothing else is enabled; silence it rather than loop on it. */
			plic_disable(irq);
			break;
		}
		plic_complete(irq);
	}
}

void trap_handle(uint64_t mcause)
{
	/* Interrupt arrival times depend on the host's and the ESP's clocks. */
	entropy_stir(cpu_cycles());

	if (!(mcause & MCAUSE_INTERRUPT)) {
		/*
		 * An exception is a firmware bug (or handler code touching the
		 * FPU).  Start over: the host sees the link restart and the
		 * boot id change.
		 */
		sysctl_reboot();
	}
	switch (mcause & MCAUSE_CODE) {
	case IRQ_M_EXTERNAL:
		trap_external();
		break;
	case IRQ_M_TIMER:
		clint_timer_irq();
		break;
	default:
		/* Software or unknown interrupt: nothing here raises one. */
		cpu_csr_clear(mie, 1ull << (mcause & MCAUSE_CODE & 63));
		break;
	}
}
