/*
 * The K210's hart 0 on Unicorn: SRAM, memory-mapped peripherals, and the
 * parts of a RISC-V core Unicorn leaves out.  Unicorn has no interrupt
 * controller and hands exceptions to a hook instead of mtvec, so traps are
 * taken here, as the hardware takes them (mepc, mcause, mstatus MPIE/MIE/
 * MPP, then mtvec), at the points where an interrupt can become
 * deliverable: after each write to mstatus or mie, at mret, at wfi, and
 * between runs.  wfi hands the time to the board until an interrupt is
 * pending.  The firmware's own trap code does the rest.
 */
#ifndef EMU_HART_H
#define EMU_HART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hart_elf.h"

#define HART_RAM_BASE 0x80000000ull
#define HART_RAM_SIZE (8ull << 20)     /* 6 MB general SRAM + 2 MB AI SRAM */

/* mip/mie bits (machine software, timer, external). */
#define HART_IRQ_MSI 3
#define HART_IRQ_MTI 7
#define HART_IRQ_MEI 11

/* A peripheral register, 32 bits at a 4-aligned offset; false: no such register. */
typedef bool (*hart_mmio_read_fn)(void *ctx, uint32_t offset, uint32_t *value);
typedef bool (*hart_mmio_write_fn)(void *ctx, uint32_t offset, uint32_t value);

/* What the board does for the CPU. */
struct hart_ops {
	/*
	 * The emulator takes over from the firmware (a register access, a
	 * watched instruction): board time moves on, the lines are serviced.
	 * leave: it hands back; its own time does not count as the firmware's.
	 */
	void (*sync)(void);
	void (*leave)(void);
	/* The mip bits pending now. */
	uint64_t (*pending)(void);
	/* wfi: return once (pending() & mie) != 0 or a stop was requested. */
	void (*idle)(uint64_t mie);
};

/*
 * Why a run ended.  Unicorn stops precisely (every instruction before done,
 * the PC at the next one) only from a code hook: a stop from a register
 * access or a signal leaves the PC behind, and resuming would run code
 * twice.  So a run that is to go on ends only at a watched instruction
 * (HART_STOP_REQUEST); the others end at once and the state is not
 * resumed: the board resets, powers off or gives up.
 */
#define HART_STOP_REASONS 3

enum hart_stop {
	HART_STOP_REQUEST,      /* hart_request_stop(): the board needs the main loop; resumable */
	HART_STOP_ABORT,        /* hart_abort(): the board resets or goes away; not resumable */
	HART_STOP_FAULT,        /* the firmware did what the chip would not survive: hart_fault_text() */
};

struct hart_stats {
	uint64_t interrupts, exceptions;
	uint64_t stops[HART_STOP_REASONS];   /* runs ended, by enum hart_stop */
};

int hart_init(const struct hart_elf *elf, const struct hart_ops *ops, char *err, size_t errlen);
void hart_map_mmio(const char *name, uint64_t base, uint64_t size, hart_mmio_read_fn read, hart_mmio_write_fn write,
		  void *ctx);
/* Reset: the boot ROM copies the image again; power_on: SRAM holds random power-up contents. */
void hart_reset(bool power_on);
/* Runs the firmware until a stop. */
enum hart_stop hart_run(void);
/* End the run at the next watched instruction (resumable). */
void hart_request_stop(void);
/* End the run now: what follows is a reset, a power-off or the exit. */
void hart_abort(void);
/* A stop of either kind is on its way: callbacks return at once. */
bool hart_stop_requested(void);
/* A firmware fault found by a model: the run stops with this message. */
void hart_fault(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *hart_fault_text(void);
/*
 * Calls the image's function symbol(buf) on the stopped CPU, buf being len
 * bytes of scratch stack, and copies them to out; *ret gets its return value.
 */
bool hart_call(const char *symbol, void *out, size_t len, uint64_t *ret);
/* Where the firmware is, as "0x... (function+0x..)". */
const char *hart_where(char *buf, size_t cap);

void hart_stats(struct hart_stats *st);
/* Count the instructions executed from the first run on (slower; for the benchmark). */
void hart_count_instructions(void);
uint64_t hart_instructions(void);

#endif
