#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hart_elf.h"

#define HART_ELF_MAX_FILE (64u << 20)

/* RISC-V SYSTEM instructions (privileged spec) and the CSRs that gate interrupts. */
#define INSN_SYSTEM   0x73u
#define INSN_MRET     0x30200073u
#define INSN_WFI      0x10500073u
#define CSR_MSTATUS   0x300u
#define CSR_MIE       0x304u

static bool hart_elf_fail(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why);
	return false;
}

static bool hart_elf_span(const struct hart_elf *e, uint64_t off, uint64_t len)
{
	return off <= e->file_size && len <= e->file_size - off;
}

static bool hart_elf_sections(struct hart_elf *e, const Elf64_Ehdr *eh)
{
	Elf64_Shdr sh, link;

	if (eh->e_shnum == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !hart_elf_span(e, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return eh->e_shnum == 0;
	e->shdrs = e->file + eh->e_shoff;
	e->nshdrs = eh->e_shnum;
	for (unsigned i = 0; i < e->nshdrs; i++) {
		memcpy(&sh, e->shdrs + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_link >= e->nshdrs)
			continue;
		memcpy(&link, e->shdrs + sh.sh_link * sizeof(link), sizeof(link));
		if (!hart_elf_span(e, sh.sh_offset, sh.sh_size) || !hart_elf_span(e, link.sh_offset, link.sh_size) ||
		    link.sh_size == 0 || e->file[link.sh_offset + link.sh_size - 1] != '\0')
			return false;
		e->symtab = e->file + sh.sh_offset;
		e->nsyms = sh.sh_size / sizeof(Elf64_Sym);
		e->strtab = (const char *)e->file + link.sh_offset;
		e->strtab_size = link.sh_size;
	}
	return true;
}

static bool hart_elf_parse(struct hart_elf *e, const char *path, uint64_t lo, uint64_t hi, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (e->file_size < sizeof(eh))
		return hart_elf_fail(err, errlen, path, "too short for an ELF file");
	memcpy(&eh, e->file, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return hart_elf_fail(err, errlen, path, "not an ELF file (the .elf is needed, not the .bin)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_RISCV)
		return hart_elf_fail(err, errlen, path, "not a 64-bit little-endian RISC-V image");
	if (eh.e_type != ET_EXEC)
		return hart_elf_fail(err, errlen, path, "not an executable");
	if (eh.e_phentsize != sizeof(ph) ||
	    !hart_elf_span(e, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(ph)))
		return hart_elf_fail(err, errlen, path, "bad program headers");
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, e->file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		if (e->nseg == HART_ELF_SEGMENTS)
			return hart_elf_fail(err, errlen, path, "too many loadable segments");
		if (!hart_elf_span(e, ph.p_offset, ph.p_filesz) || ph.p_filesz > ph.p_memsz)
			return hart_elf_fail(err, errlen, path, "a segment lies outside the file");
		if (ph.p_paddr < lo || ph.p_paddr > hi || ph.p_memsz > hi - ph.p_paddr)
			return hart_elf_fail(err, errlen, path, "a segment lies outside the K210's SRAM");
		e->seg[e->nseg++] = (struct hart_elf_segment){
			.addr = ph.p_paddr, .size = ph.p_filesz, .data = e->file + ph.p_offset,
		};
	}
	if (e->nseg == 0)
		return hart_elf_fail(err, errlen, path, "nothing to load");
	if (eh.e_entry < lo || eh.e_entry >= hi)
		return hart_elf_fail(err, errlen, path, "the entry point is outside SRAM");
	e->entry = eh.e_entry;
	if (!hart_elf_sections(e, &eh))
		return hart_elf_fail(err, errlen, path, "bad section headers or symbol table");
	return true;
}

static void hart_elf_free(struct hart_elf *e)
{
	free(e->file);
	memset(e, 0, sizeof(*e));
}

int hart_elf_load(struct hart_elf *e, const char *path, uint64_t lo, uint64_t hi, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	memset(e, 0, sizeof(*e));
	if (!f || fstat(fileno(f), &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > HART_ELF_MAX_FILE) {
		snprintf(err, errlen, "%s: not a firmware image file", path);
		fclose(f);
		return -1;
	}
	e->file_size = (size_t)st.st_size;
	e->file = malloc(e->file_size);
	if (!e->file || fread(e->file, 1, e->file_size, f) != e->file_size) {
		snprintf(err, errlen, "%s: cannot read it", path);
		fclose(f);
		hart_elf_free(e);
		return -1;
	}
	fclose(f);
	if (!hart_elf_parse(e, path, lo, hi, err, errlen)) {
		hart_elf_free(e);
		return -1;
	}
	return 0;
}

/* What a 32-bit instruction is to the emulator; -1 if nothing. */
static int hart_elf_classify(uint32_t insn)
{
	uint32_t funct3 = (insn >> 12) & 7u, rs1 = (insn >> 15) & 31u, csr = insn >> 20;

	if ((insn & 0x7fu) != INSN_SYSTEM)
		return -1;
	if (insn == INSN_MRET)
		return HART_ELF_MRET;
	if (insn == INSN_WFI)
		return HART_ELF_WFI;
	if (funct3 == 0 || funct3 == 4 || (csr != CSR_MSTATUS && csr != CSR_MIE))
		return -1;
	/* csrrs/csrrc (and their immediate forms) with x0 or 0 only read. */
	if ((funct3 & 3u) != 1 && rs1 == 0)
		return -1;
	return HART_ELF_CSR_WRITE;
}

size_t hart_elf_scan(const struct hart_elf *e, void (*fn)(void *ctx, uint64_t addr, enum hart_elf_insn what, unsigned len),
		    void *ctx)
{
	size_t found = 0;
	Elf64_Shdr sh;

	for (unsigned i = 0; i < e->nshdrs; i++) {
		memcpy(&sh, e->shdrs + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !hart_elf_span(e, sh.sh_offset, sh.sh_size))
			continue;
		/* Instructions are 2 or 4 bytes (RVC): walk them from the start of the section. */
		for (uint64_t off = 0; off + 2 <= sh.sh_size;) {
			const uint8_t *p = e->file + sh.sh_offset + off;
			uint32_t insn;
			int what;

			if ((p[0] & 3u) != 3u) {
				off += 2;
				continue;
			}
			if (off + 4 > sh.sh_size)
				break;
			insn = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
			what = hart_elf_classify(insn);
			if (what >= 0) {
				fn(ctx, sh.sh_addr + off, (enum hart_elf_insn)what, 4);
				found++;
			}
			off += 4;
		}
	}
	return found;
}

static bool hart_elf_sym(const struct hart_elf *e, size_t i, Elf64_Sym *s, const char **name)
{
	memcpy(s, e->symtab + i * sizeof(*s), sizeof(*s));
	if (s->st_name >= e->strtab_size)
		return false;
	*name = e->strtab + s->st_name;
	return ELF64_ST_TYPE(s->st_info) == STT_FUNC || ELF64_ST_TYPE(s->st_info) == STT_OBJECT;
}

uint64_t hart_elf_symbol(const struct hart_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsyms; i++) {
		Elf64_Sym s;
		const char *n;

		if (hart_elf_sym(e, i, &s, &n) && strcmp(n, name) == 0)
			return s.st_value;
	}
	return 0;
}

const char *hart_elf_describe(const struct hart_elf *e, uint64_t addr, char *buf, size_t cap)
{
	for (size_t i = 0; i < e->nsyms; i++) {
		Elf64_Sym s;
		const char *n;

		if (hart_elf_sym(e, i, &s, &n) && addr >= s.st_value && addr - s.st_value < s.st_size) {
			snprintf(buf, cap, "0x%llx (%s+0x%llx)", (unsigned long long)addr, n,
				 (unsigned long long)(addr - s.st_value));
			return buf;
		}
	}
	snprintf(buf, cap, "0x%llx", (unsigned long long)addr);
	return buf;
}
