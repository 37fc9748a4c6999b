/*
 * Board time for the emulated K210 (ns since power-up): what mtime, the
 * UART line timing and the PLL count in.  Board time passes while the
 * firmware's code runs and while the CPU sleeps in wfi; it does not pass
 * while the emulator itself works (a register access, an interrupt taken,
 * the lines serviced) nor while the host does not run the emulator at all.
 * So neither the emulator's overhead nor a busy, shared host shows through
 * as firmware too slow for its UARTs:
 *
 *   - the emulator calls timebase_sync() when it takes over from the
 *     firmware and timebase_leave() when it hands back: only the time in
 *     between counts, and at most TIMEBASE_MAX_STEP of it (more means the
 *     host descheduled the emulator);
 *   - board time thus falls behind the host clock.  While the CPU sleeps
 *     in wfi it catches up: board time jumps to the next event as long as
 *     that is at most a lead ahead of the host clock, and the emulator
 *     sleeps only for events further ahead.  The lead is TIMEBASE_LEAD,
 *     or none while a line awaits the far end's answer (soc.c): what
 *     comes from outside lands at the board's present, so a board ahead
 *     of the host clock would see it late by as much.  Board time stays
 *     at most TIMEBASE_LAG_MAX behind: older delays are forgotten, not
 *     caught up.
 */
#ifndef EMU_TIMEBASE_H
#define EMU_TIMEBASE_H

#include <stdint.h>

#define TIMEBASE_MAX_STEP 2000ll       /* ns */
#define TIMEBASE_LEAD 1000000ll        /* ns */
#define TIMEBASE_LAG_MAX 20000000ll    /* ns */

/* Power-up: board time 0. */
void timebase_reset(void);
/* Board time as of the last sync. */
int64_t timebase_now(void);
/* The emulator takes over: board time moves on by the host time since it handed back, at most allowance. */
int64_t timebase_sync(int64_t allowance);
/* The host clock as the last sync read it. */
int64_t timebase_last_real(void);
/* The emulator hands back to the firmware: its own time until now does not count. */
void timebase_leave(void);
/* Host time to wait before board time may be t, up to lead ahead of the host clock (0: it may jump there now). */
int64_t timebase_wait_for(int64_t t, int64_t lead);
/* While the CPU sleeps until board time t: syncs do not take it past t (INT64_MAX: no limit). */
void timebase_limit(int64_t t);
/* Board time becomes t, if that is later. */
void timebase_jump(int64_t t);

#endif
