/*
 * The control socket: a Unix stream socket taking one text command per
 * line (board_command answers it).  A few clients at once.
 */
#ifndef EMU_CONTROL_H
#define EMU_CONTROL_H

#include <poll.h>

int control_open(const char *path);
void control_close(void);
/* Adds the control fds to fds (room for max); returns how many. */
int control_pollfds(struct pollfd *fds, int max);
/* Handles the results for the fds control_pollfds added. */
void control_service(const struct pollfd *fds, int n);

#endif
