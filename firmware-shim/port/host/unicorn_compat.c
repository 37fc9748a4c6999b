/*
 * Work-arounds for Unicorn 2.0.x (Debian 12 ships 2.0.1), built only for
 * those versions.  There Unicorn's dirty-memory tracking is compiled out:
 * every page of RAM counts as possibly holding translated code, so every
 * guest store leaves the translated code for the self-modifying-code check
 * (a region lookup, a page lookup, and a tree of page locks allocated and
 * freed), although the firmware writes to pages that hold none.
 *
 * These definitions take the place of Unicorn's own for its RISC-V 64
 * target (the library calls them through its PLT; the names must be
 * Unicorn's) and call the originals where needed:
 *
 *   - a page becomes code when a block is translated from it (or a block
 *     that may reach into it): its TLB entries are dropped and refilled
 *     with the check on, as Unicorn has it for every page;
 *   - a TLB entry for any other page is filled without the check, so
 *     stores to data, stacks and buffers stay in the translated code;
 *   - the check itself takes no page locks (they do nothing in Unicorn).
 *
 * Self-modifying code is detected as before on every page that ever held
 * translated code.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hart.h"

#define COMPAT_PAGE_BITS 12
#define COMPAT_RAM_PAGES (HART_RAM_SIZE >> COMPAT_PAGE_BITS)

struct uc_struct;
struct page_collection;
struct CPUState;
struct TranslationBlock;

/* QEMU 5's MemTxAttrs: 32 bits of flags, passed by value. */
typedef struct {
	uint32_t bits;
} compat_memtxattrs;

typedef void (*compat_set_page_fn)(struct CPUState *, uint64_t, uint64_t, compat_memtxattrs, int, int, uint64_t);
typedef struct TranslationBlock *(*compat_gen_code_fn)(struct CPUState *, uint64_t, uint64_t, uint32_t, int);

struct page_collection *page_collection_lock_riscv64(struct uc_struct *uc, uint64_t start, uint64_t end);
void page_collection_unlock_riscv64(struct page_collection *set);
void tlb_set_page_with_attrs_riscv64(struct CPUState *cpu, uint64_t vaddr, uint64_t paddr, compat_memtxattrs attrs,
				     int prot, int mmu_idx, uint64_t size);
struct TranslationBlock *tb_gen_code_riscv64(struct CPUState *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags,
					     int cflags);
/* Unicorn's own, called as they are. */
void tlb_set_dirty_riscv64(struct CPUState *cpu, uint64_t vaddr);
void tlb_flush_riscv64(struct CPUState *cpu);

static struct {
	compat_set_page_fn set_page;
	compat_gen_code_fn gen_code;
	bool code[COMPAT_RAM_PAGES];     /* SRAM pages that held translated code */
} compat;

static void *compat_original(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn) {
		fprintf(stderr, "k210-emu: libunicorn has no %s\n", name);
		abort();
	}
	return fn;
}

/* Pages outside SRAM are never told apart: they keep Unicorn's check. */
static bool compat_is_code(uint64_t paddr)
{
	uint64_t page = (paddr - HART_RAM_BASE) >> COMPAT_PAGE_BITS;

	return paddr < HART_RAM_BASE || page >= COMPAT_RAM_PAGES || compat.code[page];
}

/* True when the page was not known to hold code before. */
static bool compat_mark_code(uint64_t paddr)
{
	uint64_t page = (paddr - HART_RAM_BASE) >> COMPAT_PAGE_BITS;

	if (paddr < HART_RAM_BASE || page >= COMPAT_RAM_PAGES || compat.code[page])
		return false;
	compat.code[page] = true;
	return true;
}

struct page_collection *page_collection_lock_riscv64(struct uc_struct *uc, uint64_t start, uint64_t end)
{
	(void)uc;
	(void)start;
	(void)end;
	return NULL;
}

void page_collection_unlock_riscv64(struct page_collection *set)
{
	(void)set;
}

void tlb_set_page_with_attrs_riscv64(struct CPUState *cpu, uint64_t vaddr, uint64_t paddr, compat_memtxattrs attrs,
				     int prot, int mmu_idx, uint64_t size)
{
	if (!compat.set_page)
		compat.set_page = (compat_set_page_fn)compat_original("tlb_set_page_with_attrs_riscv64");
	compat.set_page(cpu, vaddr, paddr, attrs, prot, mmu_idx, size);
	/* Clears the check from this entry only if it is plain RAM. */
	if (!compat_is_code(paddr))
		tlb_set_dirty_riscv64(cpu, vaddr);
}

struct TranslationBlock *tb_gen_code_riscv64(struct CPUState *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags,
					     int cflags)
{
	/* The hart runs in M-mode without translation: pc is a physical address. A block may span two pages. */
	bool fresh = compat_mark_code(pc);

	fresh |= compat_mark_code(pc + (1u << COMPAT_PAGE_BITS));
	if (fresh)
		tlb_flush_riscv64(cpu);
	if (!compat.gen_code)
		compat.gen_code = (compat_gen_code_fn)compat_original("tb_gen_code_riscv64");
	return compat.gen_code(cpu, pc, cs_base, flags, cflags);
}
