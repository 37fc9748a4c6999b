#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unicorn/unicorn.h>

#include "hart.h"
#include "log.h"

#define MSTATUS_MIE    (1ull << 3)
#define MSTATUS_MPIE   (1ull << 7)
#define MSTATUS_MPP    (3ull << 11)
#define MCAUSE_IRQ     (1ull << 63)
#define MTVEC_VECTORED 1ull
#define CAUSE_ILLEGAL  2u

/* The watchdog looks this often; firmware that touches nothing for HANG_TICKS of them hangs. */
#define HART_WATCHDOG_US 10000
#define HART_HANG_TICKS 100
/* hart_call: the firmware's function returns here (never executed: the run ends first). */
#define HART_CALL_RETURN (HART_RAM_BASE + HART_RAM_SIZE - 4)
#define HART_CALL_STACK 2048

/* What a watched instruction address asks for (several may share one address). */
#define HART_AT_CSR  1u   /* the previous instruction wrote mstatus or mie */
#define HART_AT_MRET 2u
#define HART_AT_WFI  4u

#define HART_WATCH_MAX 256
#define HART_REGIONS 16

struct hart_watch {
	uint64_t addr;
	unsigned what;
};

struct hart_region {
	const char *name;
	uint64_t base;
	hart_mmio_read_fn read;
	hart_mmio_write_fn write;
	void *ctx;
};

static struct {
	uc_engine *uc;
	uc_context *reset_ctx;
	const struct hart_elf *elf;
	const struct hart_ops *ops;
	uint8_t *ram;                      /* a copy of SRAM as loaded: the code, for counting instructions */
	struct hart_watch watch[HART_WATCH_MAX];
	unsigned nwatch;
	struct hart_region region[HART_REGIONS];
	unsigned nregion;
	/* Interrupt enables as the last watched instruction left them. */
	bool mstatus_mie;
	uint64_t mie;
	volatile sig_atomic_t pending;       /* stop at the next watched instruction */
	volatile sig_atomic_t stop;          /* uc_emu_stop() called: the run is ending */
	enum hart_stop reason;
	bool calling;
	char fault[256];
	struct hart_stats st;
	bool counting;
	uc_hook count_hook;
	uint64_t instructions;
	volatile sig_atomic_t running;
	volatile sig_atomic_t in_callback;
	volatile sig_atomic_t activity;
	sig_atomic_t activity_seen, idle_ticks;
} hart;

static uint64_t hart_reg(int reg)
{
	uint64_t v = 0;

	uc_reg_read(hart.uc, reg, &v);
	return v;
}

static void hart_set_reg(int reg, uint64_t v)
{
	uc_reg_write(hart.uc, reg, &v);
}

static void hart_stop_now(enum hart_stop why)
{
	if (hart.stop)
		return;
	hart.stop = 1;
	hart.reason = why;
	uc_emu_stop(hart.uc);
}

void hart_request_stop(void)
{
	hart.pending = 1;
}

void hart_abort(void)
{
	hart_stop_now(HART_STOP_ABORT);
}

bool hart_stop_requested(void)
{
	return hart.pending || hart.stop;
}

void hart_fault(const char *fmt, ...)
{
	va_list ap;

	if (hart.stop && hart.reason == HART_STOP_FAULT)
		return;
	va_start(ap, fmt);
	vsnprintf(hart.fault, sizeof(hart.fault), fmt, ap);
	va_end(ap);
	/* A fault overrides any other stop on its way. */
	hart.stop = 0;
	hart_stop_now(HART_STOP_FAULT);
}

const char *hart_fault_text(void)
{
	return hart.fault;
}

const char *hart_where(char *buf, size_t cap)
{
	return hart_elf_describe(hart.elf, hart_reg(UC_RISCV_REG_PC), buf, cap);
}

static void hart_read_enables(void)
{
	hart.mstatus_mie = (hart_reg(UC_RISCV_REG_MSTATUS) & MSTATUS_MIE) != 0;
	hart.mie = hart_reg(UC_RISCV_REG_MIE);
}

/* The highest-priority interrupt pending and enabled in mie (external, software, timer), or -1. */
static int hart_irq_cause(uint64_t pending)
{
	static const int order[] = { HART_IRQ_MEI, HART_IRQ_MSI, HART_IRQ_MTI };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (pending & hart.mie & (1ull << order[i]))
			return order[i];
	return -1;
}

/* Trap entry as the hardware does it; the firmware continues at mtvec. */
static void hart_trap(uint64_t cause, uint64_t epc, uint64_t tval)
{
	uint64_t mstatus = hart_reg(UC_RISCV_REG_MSTATUS);
	uint64_t tvec = hart_reg(UC_RISCV_REG_MTVEC);
	uint64_t pc = tvec & ~3ull;

	mstatus = (mstatus & ~(MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP)) |
		  ((mstatus & MSTATUS_MIE) ? MSTATUS_MPIE : 0) | MSTATUS_MPP;
	hart_set_reg(UC_RISCV_REG_MSTATUS, mstatus);
	hart_set_reg(UC_RISCV_REG_MEPC, epc);
	hart_set_reg(UC_RISCV_REG_MCAUSE, cause);
	hart_set_reg(UC_RISCV_REG_MTVAL, tval);
	if (cause & MCAUSE_IRQ) {
		hart.st.interrupts++;
		if ((tvec & 3ull) == MTVEC_VECTORED)
			pc += 4 * (cause & 63);
	} else {
		hart.st.exceptions++;
	}
	hart.mstatus_mie = false;
	hart_set_reg(UC_RISCV_REG_PC, pc);
}

/* The interrupt deliverable now, or -1. */
static int hart_deliverable(void)
{
	return hart.mstatus_mie ? hart_irq_cause(hart.ops->pending()) : -1;
}

/* An interrupt deliverable now is taken before the instruction at epc. */
static bool hart_deliver(uint64_t epc)
{
	int cause = hart_deliverable();

	if (cause < 0)
		return false;
	hart_trap(MCAUSE_IRQ | (uint64_t)cause, epc, 0);
	return true;
}

static void hart_watch(uint64_t addr, unsigned what)
{
	if (what & HART_AT_CSR) {
		hart_read_enables();
		if (hart_deliver(addr))
			return;
	}
	if (what & HART_AT_MRET) {
		uint64_t mstatus = hart_reg(UC_RISCV_REG_MSTATUS);

		/*
		 * mret would re-enable interrupts and the next one would be taken at
		 * once: the net effect leaves mstatus and mepc as they are.
		 */
		hart.mstatus_mie = (mstatus & MSTATUS_MPIE) != 0;
		if (hart.mstatus_mie) {
			int cause = hart_deliverable();

			if (cause >= 0) {
				hart.st.interrupts++;
				hart.mstatus_mie = false;
				hart_set_reg(UC_RISCV_REG_MCAUSE, MCAUSE_IRQ | (uint64_t)cause);
				hart_set_reg(UC_RISCV_REG_PC, hart_reg(UC_RISCV_REG_MTVEC) & ~3ull);
				return;
			}
		}
		/*
		 * mret done here: MIE from MPIE, MPIE set, back to mepc.  MPP stays M
		 * (the chip sets it to U, which nothing here reads): a change of MPP
		 * would make Unicorn flush its TLB at every interrupt.
		 */
		mstatus = (mstatus & ~MSTATUS_MIE) | (hart.mstatus_mie ? MSTATUS_MIE : 0) | MSTATUS_MPIE;
		hart_set_reg(UC_RISCV_REG_MSTATUS, mstatus);
		hart_set_reg(UC_RISCV_REG_PC, hart_reg(UC_RISCV_REG_MEPC));
		return;
	}
	if (what & HART_AT_WFI) {
		hart.mie = hart_reg(UC_RISCV_REG_MIE);
		if (!(hart.ops->pending() & hart.mie))
			hart.ops->idle(hart.mie);
		if (hart.pending || hart.stop)
			return;
		/*
		 * wfi is done: a deliverable interrupt is taken before the next
		 * instruction.  Otherwise go on there: Unicorn's own wfi would halt
		 * the CPU and end the run.
		 */
		if (!hart_deliver(addr + 4))
			hart_set_reg(UC_RISCV_REG_PC, addr + 4);
	}
}

/* Watched instructions: the only place where a run may end and be resumed. */
static void hart_hook_watch(uc_engine *uc, uint64_t addr, uint32_t size, void *data)
{
	(void)uc;
	(void)size;
	if (hart.calling || hart.stop)
		return;
	hart.in_callback = 1;
	hart.activity++;
	hart.ops->sync();
	if (!hart.pending)
		hart_watch(addr, *(const unsigned *)data);
	/* Not in the same call as a PC write: Unicorn would drop the stop. */
	if (hart.pending && !hart.stop) {
		hart.pending = 0;
		hart_stop_now(HART_STOP_REQUEST);
	}
	hart.ops->leave();
	hart.in_callback = 0;
}

static void hart_hook_exception(uc_engine *uc, uint32_t cause, void *data)
{
	uint64_t pc = hart_reg(UC_RISCV_REG_PC), tval = 0;
	char where[128];
	uint32_t insn = 0;

	(void)uc;
	(void)data;
	if (hart.calling) {
		hart_stop_now(HART_STOP_FAULT);
		return;
	}
	hart.in_callback = 1;
	/* Illegal instruction: mtval holds its bits. */
	if (cause == CAUSE_ILLEGAL && uc_mem_read(hart.uc, pc, &insn, sizeof(insn)) == UC_ERR_OK)
		tval = (insn & 3u) == 3u ? insn : insn & 0xffffu;
	log_warnx("firmware exception %u at pc %s: taken through mtvec", cause,
		  hart_elf_describe(hart.elf, pc, where, sizeof(where)));
	hart_trap(cause, pc, tval);
	hart.in_callback = 0;
}

static bool hart_hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *data)
{
	char where[128];
	const char *what = type == UC_MEM_WRITE_UNMAPPED ? "write to" : type == UC_MEM_FETCH_UNMAPPED ?
			   "instruction fetch from" : "read from";

	(void)uc;
	(void)value;
	(void)data;
	hart_fault("%d-byte %s unmapped address 0x%llx in the code block at %s", size, what,
		   (unsigned long long)addr, hart_where(where, sizeof(where)));
	return false;
}

static uint64_t hart_mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *data)
{
	struct hart_region *r = data;
	uint32_t v = 0;
	char where[128];

	(void)uc;
	hart.in_callback = 1;
	hart.activity++;
	if (!hart.calling)
		hart.ops->sync();
	if (size != 4 || (offset & 3u) || !r->read || !r->read(r->ctx, (uint32_t)offset, &v)) {
		/* The PC in a register access is that of the code block it is in. */
		hart_fault("%u-byte read from 0x%llx (%s+0x%llx), which no model covers, in the code block at %s", size,
			   (unsigned long long)(r->base + offset), r->name, (unsigned long long)offset,
			   hart_where(where, sizeof(where)));
		v = 0;
	}
	if (!hart.calling)
		hart.ops->leave();
	hart.in_callback = 0;
	return v;
}

static void hart_mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *data)
{
	struct hart_region *r = data;
	char where[128];

	(void)uc;
	hart.in_callback = 1;
	hart.activity++;
	if (!hart.calling)
		hart.ops->sync();
	if (size != 4 || (offset & 3u) || !r->write || !r->write(r->ctx, (uint32_t)offset, (uint32_t)value)) {
		hart_fault("%u-byte write of 0x%llx to 0x%llx (%s+0x%llx), which no model covers, in the code block at %s",
			   size, (unsigned long long)value, (unsigned long long)(r->base + offset), r->name,
			   (unsigned long long)offset, hart_where(where, sizeof(where)));
	}
	if (!hart.calling)
		hart.ops->leave();
	hart.in_callback = 0;
}

void hart_map_mmio(const char *name, uint64_t base, uint64_t size, hart_mmio_read_fn read, hart_mmio_write_fn write,
		   void *ctx)
{
	struct hart_region *r;
	uc_err e;

	if (hart.nregion == HART_REGIONS)
		log_fatalx("too many peripheral regions");
	r = &hart.region[hart.nregion++];
	*r = (struct hart_region){ .name = name, .base = base, .read = read, .write = write, .ctx = ctx };
	e = uc_mmio_map(hart.uc, base, size, hart_mmio_read, r, hart_mmio_write, r);
	if (e != UC_ERR_OK)
		log_fatalx("mapping %s at 0x%llx: %s", name, (unsigned long long)base, uc_strerror(e));
}

static void hart_add_watch(void *ctx, uint64_t addr, enum hart_elf_insn what, unsigned len)
{
	/* A CSR write matters once it is done: watch the next instruction. */
	uint64_t at = what == HART_ELF_CSR_WRITE ? addr + len : addr;
	unsigned bit = what == HART_ELF_CSR_WRITE ? HART_AT_CSR : what == HART_ELF_MRET ? HART_AT_MRET : HART_AT_WFI;
	unsigned i;

	(void)ctx;
	for (i = 0; i < hart.nwatch; i++)
		if (hart.watch[i].addr == at)
			break;
	if (i == hart.nwatch) {
		if (hart.nwatch == HART_WATCH_MAX)
			log_fatalx("the image has more than %d instructions to watch", HART_WATCH_MAX);
		hart.watch[hart.nwatch++] = (struct hart_watch){ .addr = at };
	}
	hart.watch[i].what |= bit;
}

/*
 * SIGALRM while running: firmware that has touched no register and passed
 * no watched instruction for a second hangs.  Stopping it from here is not
 * resumable, so that ends the board (a fault).
 */
static void hart_watchdog(int sig)
{
	(void)sig;
	if (!hart.running || hart.in_callback || hart.activity != hart.activity_seen) {
		hart.idle_ticks = 0;
		hart.activity_seen = hart.activity;
		return;
	}
	if (++hart.idle_ticks >= HART_HANG_TICKS && !hart.stop) {
		snprintf(hart.fault, sizeof(hart.fault),
			 "the firmware ran for a second without touching a peripheral or passing a wfi, mret or "
			 "interrupt enable: it hangs");
		hart_stop_now(HART_STOP_FAULT);
	}
}

int hart_init(const struct hart_elf *elf, const struct hart_ops *ops, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = hart_watchdog, .sa_flags = SA_RESTART };
	uc_hook h;
	uc_err e;

	hart.elf = elf;
	hart.ops = ops;
	e = uc_open(UC_ARCH_RISCV, UC_MODE_RISCV64, &hart.uc);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "unicorn: %s", uc_strerror(e));
		return -1;
	}
	/* Unicorn's own SRAM; hart.ram is a copy of what was loaded, for counting instructions. */
	hart.ram = calloc(1, HART_RAM_SIZE);
	if (!hart.ram || uc_mem_map(hart.uc, HART_RAM_BASE, HART_RAM_SIZE, UC_PROT_ALL) != UC_ERR_OK) {
		snprintf(err, errlen, "cannot map %llu MB of SRAM", (unsigned long long)(HART_RAM_SIZE >> 20));
		return -1;
	}
	if (uc_context_alloc(hart.uc, &hart.reset_ctx) != UC_ERR_OK ||
	    uc_context_save(hart.uc, hart.reset_ctx) != UC_ERR_OK) {
		snprintf(err, errlen, "unicorn: cannot save the reset state");
		return -1;
	}
	if (hart_elf_scan(elf, hart_add_watch, NULL) == 0) {
		snprintf(err, errlen, "no wfi, mret or interrupt enable found in the image's code");
		return -1;
	}
	for (unsigned i = 0; i < hart.nwatch; i++)
		if (uc_hook_add(hart.uc, &h, UC_HOOK_CODE, hart_hook_watch, &hart.watch[i].what, hart.watch[i].addr,
				hart.watch[i].addr) != UC_ERR_OK) {
			snprintf(err, errlen, "unicorn: cannot hook 0x%llx", (unsigned long long)hart.watch[i].addr);
			return -1;
		}
	if (uc_hook_add(hart.uc, &h, UC_HOOK_INTR, hart_hook_exception, NULL, 1, 0) != UC_ERR_OK ||
	    uc_hook_add(hart.uc, &h, UC_HOOK_MEM_UNMAPPED, hart_hook_unmapped, NULL, 1, 0) != UC_ERR_OK) {
		snprintf(err, errlen, "unicorn: cannot add hooks");
		return -1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	log_debug("CPU: %u watched instructions", hart.nwatch);
	return 0;
}

/* A fast generator for the power-up contents of SRAM. */
static void hart_fill_random(uint8_t *p, size_t n)
{
	uint64_t x = 0;

	if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x) || x == 0)
		x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i + 8 <= n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
}

void hart_reset(bool power_on)
{
	if (power_on) {
		hart_fill_random(hart.ram, HART_RAM_SIZE);
		uc_mem_write(hart.uc, HART_RAM_BASE, hart.ram, HART_RAM_SIZE);
	}
	/* The boot ROM copies the image (.text, .rodata, .data) and jumps to it; the rest of SRAM keeps its contents. */
	for (int i = 0; i < hart.elf->nseg; i++) {
		memcpy(hart.ram + (hart.elf->seg[i].addr - HART_RAM_BASE), hart.elf->seg[i].data, hart.elf->seg[i].size);
		uc_mem_write(hart.uc, hart.elf->seg[i].addr, hart.elf->seg[i].data, hart.elf->seg[i].size);
	}
	uc_context_restore(hart.uc, hart.reset_ctx);
	hart_set_reg(UC_RISCV_REG_PC, hart.elf->entry);
	hart.mstatus_mie = false;
	hart.mie = 0;
	hart.stop = hart.pending = 0;
	hart.fault[0] = '\0';
}

static void hart_watchdog_arm(bool on)
{
	struct itimerval it = { { 0, on ? HART_WATCHDOG_US : 0 }, { 0, on ? HART_WATCHDOG_US : 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

enum hart_stop hart_run(void)
{
	uint64_t pc;
	uc_err e;

	hart.stop = hart.pending = 0;
	hart.reason = HART_STOP_REQUEST;
	hart_read_enables();
	pc = hart_reg(UC_RISCV_REG_PC);
	if (hart_deliver(pc))
		pc = hart_reg(UC_RISCV_REG_PC);
	hart.idle_ticks = 0;
	hart.running = 1;
	hart_watchdog_arm(true);
	hart.ops->leave();
	e = uc_emu_start(hart.uc, pc, 0, 0, 0);
	hart_watchdog_arm(false);
	hart.running = 0;
	if (e != UC_ERR_OK && hart.reason != HART_STOP_FAULT) {
		char where[128];

		snprintf(hart.fault, sizeof(hart.fault), "the CPU stopped in the code block at %s: %s",
			 hart_where(where, sizeof(where)), uc_strerror(e));
		hart.reason = HART_STOP_FAULT;
	} else if (!hart.stop) {
		/* Unicorn ended the run by itself (its wfi, or the exit address). */
		char where[128];

		snprintf(hart.fault, sizeof(hart.fault), "the CPU halted at %s", hart_where(where, sizeof(where)));
		hart.reason = HART_STOP_FAULT;
	}
	hart.stop = 0;
	hart.st.stops[hart.reason]++;
	return hart.reason;
}

void hart_stats(struct hart_stats *st)
{
	*st = hart.st;
}

bool hart_call(const char *symbol, void *out, size_t len, uint64_t *ret)
{
	uint64_t fn = hart_elf_symbol(hart.elf, symbol), sp, buf;
	uc_context *saved = NULL;
	bool ok;

	if (!fn || uc_context_alloc(hart.uc, &saved) != UC_ERR_OK)
		return false;
	uc_context_save(hart.uc, saved);
	sp = hart_reg(UC_RISCV_REG_SP);
	buf = (sp - len - 64) & ~15ull;
	if (sp < HART_RAM_BASE + HART_CALL_STACK + len + 64 || sp > HART_RAM_BASE + HART_RAM_SIZE) {
		uc_context_free(saved);
		return false;
	}
	hart_set_reg(UC_RISCV_REG_A0, buf);
	hart_set_reg(UC_RISCV_REG_RA, HART_CALL_RETURN);
	hart_set_reg(UC_RISCV_REG_SP, buf - HART_CALL_STACK / 2);
	hart.calling = true;
	hart.stop = 0;
	ok = uc_emu_start(hart.uc, fn, HART_CALL_RETURN, 0, 0) == UC_ERR_OK && !hart.stop &&
	     hart_reg(UC_RISCV_REG_PC) == HART_CALL_RETURN;
	hart.calling = false;
	hart.stop = 0;
	if (ok && len)
		ok = uc_mem_read(hart.uc, buf, out, len) == UC_ERR_OK;
	if (ok && ret)
		*ret = hart_reg(UC_RISCV_REG_A0);
	uc_context_restore(hart.uc, saved);
	uc_context_free(saved);
	return ok;
}

static void hart_hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *data)
{
	uint64_t off = addr - HART_RAM_BASE;

	(void)uc;
	(void)data;
	if (off >= HART_RAM_SIZE || size > HART_RAM_SIZE - off)
		return;
	/* Each instruction is 2 bytes (RVC) or 4: count them from their low bits. */
	for (uint32_t i = 0; i < size;) {
		i += (hart.ram[off + i] & 3u) == 3u ? 4 : 2;
		hart.instructions++;
	}
}

void hart_count_instructions(void)
{
	if (hart.counting)
		return;
	hart.counting = true;
	uc_hook_add(hart.uc, &hart.count_hook, UC_HOOK_BLOCK, hart_hook_block, NULL, 1, 0);
}

uint64_t hart_instructions(void)
{
	return hart.instructions;
}
