/*
 * A work-around for Unicorn 2.0.x (Debian 12 ships 2.0.1), built only for
 * those versions.  There every guest store to SRAM takes the
 * self-modifying-code check, and that check allocates and frees a tree of
 * page locks for each store, although Unicorn's page locks do nothing.
 * Later Unicorn releases dropped that tree.  These definitions take the
 * place of Unicorn's own for its RISC-V 64 target (the library calls them
 * through its PLT): no tree, nothing to unlock.  Stores run about 2.5x
 * faster; self-modifying code is still detected as before.
 *
 * The names are Unicorn's, not this file's: they must be.
 */
#include <stddef.h>
#include <stdint.h>

struct uc_struct;
struct page_collection;

struct page_collection *page_collection_lock_riscv64(struct uc_struct *uc, uint64_t start, uint64_t end);
void page_collection_unlock_riscv64(struct page_collection *set);

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
