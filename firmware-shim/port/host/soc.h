/*
 * The K210 as the emulated board sees it: hart 0 (hart.c) with the
 * peripherals of periph_*.c on its bus, board time (timebase.c), and the
 * glue between them: interrupt lines into mip, wfi idling until the next
 * event, and the pins that leave the chip (WIFI_EN, the ESP8285's GPIO15
 * strap).  The board (image.c) services the lines and decides on resets.
 */
#ifndef EMU_SOC_H
#define EMU_SOC_H

#include <stdbool.h>
#include <stdint.h>

#include "hart.h"
#include "periph_sysctl.h"
#include "wire.h"

struct soc_ops {
	/* Line I/O; wait up to timeout_ns (host time) for the fds; request a stop for anything else. */
	void (*service)(int64_t timeout_ns);
	/* The ESP8285's enable as the pins set it (WIFI_EN high and GPIO15 low at its rising edge). */
	void (*esp_enable)(bool on);
	/* The firmware wrote soft_reset. */
	void (*chip_reset)(void);
};

struct soc_config {
	const char *image;
	enum periph_sysctl_pll pll;
	bool count_instructions;
};

int soc_init(const struct soc_config *c, struct wire *usb, struct wire *esp, const struct soc_ops *ops);
/* Power-up or a reset of the chip. */
void soc_reset(enum periph_sysctl_reset_cause cause);
enum hart_stop soc_run(void);

#endif
