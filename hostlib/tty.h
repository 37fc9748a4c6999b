/*
 * Terminal plumbing shared by k210sockd, the emulated board (k210-emu),
 * the ESP8285 simulator (espat-sim) and the protocol test client
 * (k210-probe): the termios constant of a rate (the one table of them),
 * raw 8N1 lines, and pseudo-terminals whose slave is published as a
 * symlink, the way a udev rule names a device.  Nothing here logs: failures
 * return -1 with errno set, and the caller reports.
 */
#ifndef K210_TTY_H
#define K210_TTY_H

#include <limits.h>
#include <stdint.h>
#include <termios.h>

struct tty_pty {
	int master;               /* non-blocking */
	int hold;                 /* the slave, kept open so the master works while no program has it */
	char slave[PATH_MAX];
};

/* The termios constant for baud, 0 if it has none (then only termios2 BOTHER sets it). */
speed_t tty_speed(uint32_t baud);
/*
 * Raw 8N1, nothing translated, no modem control: closing the line leaves
 * DTR and RTS alone (on a K210 board they are reset and boot mode).  The
 * speed becomes baud if it has a constant.
 */
int tty_raw(int fd, uint32_t baud);
/* A new rate for what is sent after the bytes already queued. */
int tty_set_baud(int fd, uint32_t baud);

/* A new pty, raw, at 115200; fds are -1 after a failure. */
int tty_pty_open(struct tty_pty *p);
void tty_pty_close(struct tty_pty *p);

/* Point link at target, atomically; an old symlink is replaced, anything else is refused (EEXIST). */
int tty_publish(const char *target, const char *link);
/* Remove link if it still points at target. */
void tty_unpublish(const char *target, const char *link);

#endif
