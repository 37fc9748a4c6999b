/*
 * SYSCTL (0x50440000): PLL0 with its lock detector, the CPU and APB0
 * clocks derived from it, clock gates, peripheral resets and the chip's
 * soft reset.  Register layout from the Kendryte SDK's sysctl.h.
 */
#ifndef EMU_PERIPH_SYSCTL_H
#define EMU_PERIPH_SYSCTL_H

#include <stdbool.h>
#include <stdint.h>

/* How the boot ROM leaves PLL0. */
enum periph_sysctl_pll {
	PERIPH_SYSCTL_PLL_ROM,     /* 780 MHz, locked, the CPU on it at 390 MHz (what a K210 does) */
	PERIPH_SYSCTL_PLL_OFF,     /* powered down, the CPU on the 26 MHz crystal: the firmware programs it */
	PERIPH_SYSCTL_PLL_NEVER,   /* as OFF, and it never locks */
};

enum periph_sysctl_reset_cause {
	PERIPH_SYSCTL_POWER_ON,
	PERIPH_SYSCTL_PIN_RESET,   /* the RESET pin (RTS on the USB bridge) */
	PERIPH_SYSCTL_SOFT_RESET,  /* the firmware wrote soft_reset */
};

struct periph_sysctl_ops {
	void (*clocks_changed)(int64_t now);   /* cpu or APB0 rate changed */
	void (*chip_reset)(void);              /* soft_reset written */
};

void periph_sysctl_init(enum periph_sysctl_pll pll, const struct periph_sysctl_ops *ops);
void periph_sysctl_map(void);
void periph_sysctl_reset(int64_t now, enum periph_sysctl_reset_cause cause);
/* The CPU clock (ACLK); 0 while its source is not running. */
uint32_t periph_sysctl_cpu_hz(void);
uint32_t periph_sysctl_apb0_hz(void);
/* UART2 and the FPIOA have their bus clock. */
bool periph_sysctl_uart2_clocked(void);
bool periph_sysctl_fpioa_clocked(void);

#endif
