/*
 * The board's life cycle: USB plug and unplug (the pty comes and goes and
 * the board loses power), resets of the board and of the ESP8285, line
 * noise, counters, and the control commands that drive them.
 */
#ifndef EMU_BOARD_H
#define EMU_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Plug in: create the pty and power the board up. */
int board_plug(void);
void board_unplug(void);
/* Restart the core (new boot id) with the UARTs reset. */
void board_reboot(void);
/* Pulse WIFI_EN from outside the core, as a glitch would. */
void board_esp_pulse(void);
/* Timed events (unplug-for, the end of an ESP pulse); lowers *wake to the next one. */
void board_timers(int64_t now, int64_t *wake);
/* One control command line; the reply ends with "ok" or "error: ...". */
void board_command(const char *line, char *reply, size_t cap);

#endif
