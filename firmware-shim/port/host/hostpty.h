/*
 * The USB serial line as a pseudo-terminal: the master is the board's end;
 * the slave is published as a symlink, as a udev rule would name the
 * device.  The emulator keeps a slave fd open itself so the master stays
 * usable while no host has the port open.
 */
#ifndef EMU_HOSTPTY_H
#define EMU_HOSTPTY_H

#include <limits.h>
#include <stdbool.h>

struct hostpty {
	int master, hold;
	char slave[PATH_MAX];
	const char *link;
};

/* Creates the pty and (atomically) points link at its slave; -1 with a warning on failure. */
int hostpty_open(struct hostpty *p, const char *link);
/* Closes both ends (the host sees EOF/EIO) and removes the symlink if it is still ours. */
void hostpty_close(struct hostpty *p);

#endif
