/*
 * K210 system controller: PLL0 and the CPU clock, APB0, peripheral clock
 * gates and resets, whole-chip reset.
 */
#ifndef K210_SYSCTL_H
#define K210_SYSCTL_H

#include <stdint.h>

/*
 * PLL0 = 26 MHz * 60 / 2 = 780 MHz and the CPU (ACLK) = PLL0 / 2.  This is
 * the setting the boot ROM leaves behind; sysctl_init_clocks() checks it and
 * programs it only when something else (another loader) changed it.
 */
#define K210_CPU_HZ 390000000u

/* Make sure the CPU runs at K210_CPU_HZ; reboots if PLL0 never locks. */
void sysctl_init_clocks(void);
/* APB0 rate (clocks UART2), from the divider the boot ROM set. */
uint32_t sysctl_apb0_hz(void);
void sysctl_enable_fpioa(void);
/* Clock UART2 and pulse its reset so it starts from register defaults. */
void sysctl_enable_uart2(void);
/* Reset the whole chip; the boot ROM then loads the image from flash again. */
void sysctl_reboot(void) __attribute__((noreturn));

#endif
