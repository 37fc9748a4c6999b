/*
 * Memory-mapped register access.  Every peripheral register on the K210 is
 * read and written through these, so the compiler never merges, splits or
 * reorders device accesses.
 */
#ifndef K210_MMIO_H
#define K210_MMIO_H

#include <stdint.h>

static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile const uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t val)
{
	*(volatile uint32_t *)addr = val;
}

static inline uint64_t mmio_read64(uintptr_t addr)
{
	return *(volatile const uint64_t *)addr;
}

static inline void mmio_write64(uintptr_t addr, uint64_t val)
{
	*(volatile uint64_t *)addr = val;
}

static inline void mmio_set32(uintptr_t addr, uint32_t bits)
{
	mmio_write32(addr, mmio_read32(addr) | bits);
}

static inline void mmio_clear32(uintptr_t addr, uint32_t bits)
{
	mmio_write32(addr, mmio_read32(addr) & ~bits);
}

#endif
