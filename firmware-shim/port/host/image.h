/*
 * k210-emu --image: the board runs the firmware image itself (the ELF a
 * user flashes) on the emulated K210 of soc.c, instead of the firmware core
 * compiled for Linux.  The USB line and the ESP8285 are the same as for the
 * host-compiled core; so are the control commands and signals.
 */
#ifndef EMU_IMAGE_H
#define EMU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "periph_sysctl.h"

struct image_config {
	const char *path;
	enum periph_sysctl_pll pll;
	bool count_instructions;
};

/* After the emulator's state (emu) is set up and espat-sim runs; -1 with a message on failure. */
int image_init(const struct image_config *c);
/* The main loop, until emu.quit. */
void image_run(void);
/* board_reboot() for the image: power-up, the RESET pin or the firmware's soft reset. */
void image_reboot(void);
void image_set_noise(double ber, double drop, uint64_t seed);
/* The stats control command. */
void image_stats(char *out, size_t cap);

#endif
