#include "plic.h"
#include "mmio.h"

/*
 * Standard RISC-V PLIC layout (SDK plic.h, base 0x0C000000).  Hart 0's
 * machine mode is context 0, so only context 0's registers appear here.
 */
#define PLIC_BASE         0x0c000000u
#define PLIC_PRIORITY(n)  (PLIC_BASE + 4u * (n))
#define PLIC_ENABLE(w)    (PLIC_BASE + 0x2000u + 4u * (w))   /* context 0, word w */
#define PLIC_THRESHOLD    (PLIC_BASE + 0x200000u)            /* context 0 */
#define PLIC_CLAIM        (PLIC_BASE + 0x200004u)            /* context 0 claim/complete */
#define PLIC_SOURCES      65u                                /* 1..65 */
#define PLIC_PRIORITY_MAX 7u

void plic_init(void)
{
	unsigned n;

	for (n = 0; n <= PLIC_SOURCES / 32; n++)
		mmio_write32(PLIC_ENABLE(n), 0);
	for (n = 1; n <= PLIC_SOURCES; n++)
		mmio_write32(PLIC_PRIORITY(n), 0);
	mmio_write32(PLIC_THRESHOLD, 0);
}

void plic_enable(unsigned irq, uint32_t priority)
{
	if (irq == 0 || irq > PLIC_SOURCES)
		return;
	mmio_write32(PLIC_PRIORITY(irq), priority > PLIC_PRIORITY_MAX ? PLIC_PRIORITY_MAX : priority);
	mmio_set32(PLIC_ENABLE(irq / 32), 1u << (irq % 32));
}

void plic_disable(unsigned irq)
{
	if (irq == 0 || irq > PLIC_SOURCES)
		return;
	mmio_clear32(PLIC_ENABLE(irq / 32), 1u << (irq % 32));
}

unsigned plic_claim(void)
{
	return mmio_read32(PLIC_CLAIM);
}

void plic_complete(unsigned irq)
{
	mmio_write32(PLIC_CLAIM, irq);
}
