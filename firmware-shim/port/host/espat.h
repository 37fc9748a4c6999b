/*
 * The ESP8285 side of the emulated board: espat-sim as a child process on
 * a socketpair (its stdin/stdout), or an external AT emulator on a tty.
 * WIFI_EN maps to the simulator's reset signals.
 */
#ifndef EMU_ESPAT_H
#define EMU_ESPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct espat_config {
	const char *sim;        /* espat-sim executable, NULL: search for it */
	char **args;            /* extra espat-sim arguments */
	int nargs;
	bool unpaced;
	size_t chip_buffer;     /* >0: the socket holds about this much of the chip's output, not more */
	const char *tty;        /* external emulator instead of espat-sim */
	uint32_t tty_baud;
};

/* Returns the fd the board's UART2 talks through; exits with a message on failure. */
int espat_start(const struct espat_config *c);
/* WIFI_EN: low holds the chip in reset, high boots it. */
void espat_enable(bool on);
void espat_set_baud(uint32_t baud);
/* After SIGCHLD: true (and why) if the simulator is gone. */
bool espat_reap(char *why, size_t cap);
/* Its line closed: give the simulator a moment to exit, then say why (false: it did not). */
bool espat_wait_exit(char *why, size_t cap);
void espat_stop(void);

#endif
