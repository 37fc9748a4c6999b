/*
 * Entry point and trap vector.
 *
 * The K210 boot ROM copies the flashed image to 0x80000000 and starts both
 * harts at its first byte in machine mode (the SDK's start-up code serves
 * both as well).  Hart 0 runs the firmware; hart 1 parks in wfi with every
 * interrupt source masked and never touches memory.
 */

#define MSTATUS_MIE      0x8
#define MSTATUS_FS_MASK  0x6000
#define MSTATUS_FS_INIT  0x2000

/* ra, t0-t6, a0-a7, mstatus, one pad word: 16-byte aligned as the ABI wants. */
#define FRAME_SIZE       (18 * 8)
#define SLOT_MSTATUS     (16 * 8)

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	csrw	mie, zero
	csrci	mstatus, MSTATUS_MIE
	la	t0, trap_entry
	csrw	mtvec, t0
	csrr	t0, mhartid
	bnez	t0, park

	/* gp must not be set through itself: no relaxation here. */
	.option	push
	.option	norelax
	la	gp, __global_pointer$
	.option	pop
	la	sp, __stack_top
	/* No thread-local storage: the linker script asserts there is none. */
	mv	tp, zero

	/* The lp64d ABI may use the FPU anywhere, so turn it on now. */
	li	t0, MSTATUS_FS_INIT
	csrs	mstatus, t0
	fscsr	zero

	/* .data arrived with the image; .bss is 8-byte aligned by the linker script. */
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	call	main

park:
	csrw	mie, zero
	csrci	mstatus, MSTATUS_MIE
3:	wfi
	j	3b

/*
 * Interrupts and exceptions, taken with MIE cleared; no nesting.  Saves the
 * registers the C calling convention lets trap_handle clobber.  The FPU is
 * switched off while the handler runs: the handlers use no floating point,
 * and if one ever did it would fault (and reboot) instead of corrupting the
 * interrupted code's FP registers, which are not saved.
 */
	.section .text.trap, "ax", @progbits
	.balign	64
	.globl	trap_entry
trap_entry:
	addi	sp, sp, -FRAME_SIZE
	sd	ra, 0*8(sp)
	sd	t0, 1*8(sp)
	sd	t1, 2*8(sp)
	sd	t2, 3*8(sp)
	sd	t3, 4*8(sp)
	sd	t4, 5*8(sp)
	sd	t5, 6*8(sp)
	sd	t6, 7*8(sp)
	sd	a0, 8*8(sp)
	sd	a1, 9*8(sp)
	sd	a2, 10*8(sp)
	sd	a3, 11*8(sp)
	sd	a4, 12*8(sp)
	sd	a5, 13*8(sp)
	sd	a6, 14*8(sp)
	sd	a7, 15*8(sp)

	csrr	t0, mstatus
	sd	t0, SLOT_MSTATUS(sp)
	li	t1, MSTATUS_FS_MASK
	csrc	mstatus, t1

	csrr	a0, mcause
	call	trap_handle

	/* Give the FPU back in the state it was in. */
	ld	t0, SLOT_MSTATUS(sp)
	li	t1, MSTATUS_FS_MASK
	and	t0, t0, t1
	csrs	mstatus, t0

	ld	ra, 0*8(sp)
	ld	t0, 1*8(sp)
	ld	t1, 2*8(sp)
	ld	t2, 3*8(sp)
	ld	t3, 4*8(sp)
	ld	t4, 5*8(sp)
	ld	t5, 6*8(sp)
	ld	t6, 7*8(sp)
	ld	a0, 8*8(sp)
	ld	a1, 9*8(sp)
	ld	a2, 10*8(sp)
	ld	a3, 11*8(sp)
	ld	a4, 12*8(sp)
	ld	a5, 13*8(sp)
	ld	a6, 14*8(sp)
	ld	a7, 15*8(sp)
	addi	sp, sp, FRAME_SIZE
	mret
