/*
 * The emulated board's state, shared by the port (port.c), the board's
 * power and plug life cycle (board.c) and the program (main.c).
 */
#ifndef EMU_EMU_H
#define EMU_EMU_H

#include <stdbool.h>
#include <stdint.h>

#include "line.h"
#include "tty.h"

struct emu {
	struct line host;          /* UARTHS: the USB serial line */
	struct line esp;           /* UART2: the ESP8285 */
	struct tty_pty pty;         /* the USB line: its master is the board's end */
	const char *link_path;
	uint32_t host_max_baud, esp_max_baud;
	bool host_paced, esp_paced;
	uint64_t noise_seed;
	double ber, drop;

	bool plugged;              /* the pty and its symlink exist */
	bool powered;              /* the core runs */
	bool reboot_due;           /* restart the core at the next turn */
	bool esp_pin;              /* WIFI_EN as the core drives it */
	int64_t replug_at;         /* unplug-for: plug back in then (0: no) */
	int64_t esp_on_at;         /* esp-reset: raise WIFI_EN again then (0: no) */
	bool quit;
	int exit_code;
	bool image;                /* the firmware image runs on the emulated K210 (image.c) */
	int sigfd;
	int64_t start_ns;

	uint64_t board_resets, replugs, esp_pulses;
};

extern struct emu emu;

/* Signals (signalfd): board and ESP resets, espat-sim's death, exit. */
void port_signals(void);

#endif
