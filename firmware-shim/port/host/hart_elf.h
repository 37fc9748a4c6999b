/*
 * The firmware image as an ELF file: the segments the boot ROM copies to
 * SRAM, the instructions the emulator has to watch (CSR writes that may
 * unmask an interrupt, mret, wfi), and the symbol table for messages and
 * for calling the firmware's own functions.
 */
#ifndef EMU_HART_ELF_H
#define EMU_HART_ELF_H

#include <stddef.h>
#include <stdint.h>

#define HART_ELF_SEGMENTS 8

struct hart_elf_segment {
	uint64_t addr;          /* physical load address */
	uint64_t size;          /* bytes in the file: what the boot ROM copies */
	const uint8_t *data;
};

struct hart_elf {
	uint8_t *file;
	size_t file_size;
	uint64_t entry;
	struct hart_elf_segment seg[HART_ELF_SEGMENTS];
	int nseg;
	const uint8_t *symtab;  /* Elf64_Sym entries, unaligned: read with memcpy */
	size_t nsyms;
	const char *strtab;
	size_t strtab_size;
	const uint8_t *shdrs;   /* section headers, for the instruction scan */
	unsigned nshdrs;
};

/* What an instruction means to the emulator. */
enum hart_elf_insn {
	HART_ELF_CSR_WRITE,      /* writes mstatus or mie: an interrupt may become deliverable after it */
	HART_ELF_MRET,
	HART_ELF_WFI,
};

/* Reads and checks a RISC-V 64 executable whose loaded span lies in [lo, hi). */
int hart_elf_load(struct hart_elf *e, const char *path, uint64_t lo, uint64_t hi, char *err, size_t errlen);
/* Calls fn for each instruction of interest in the executable sections; returns how many. */
size_t hart_elf_scan(const struct hart_elf *e, void (*fn)(void *ctx, uint64_t addr, enum hart_elf_insn what, unsigned len),
		    void *ctx);
/* Address of a function or object, 0 if the image has none by that name. */
uint64_t hart_elf_symbol(const struct hart_elf *e, const char *name);
/* "name+0xoff" for the symbol that holds addr, or the bare address. */
const char *hart_elf_describe(const struct hart_elf *e, uint64_t addr, char *buf, size_t cap);

#endif
