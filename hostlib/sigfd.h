/*
 * Signals as events on a file descriptor: SIGPIPE is ignored (a closed peer
 * shows as EPIPE), the given signals are blocked, in every thread created
 * afterwards too, and arrive through a non-blocking signalfd.
 */
#ifndef K210_SIGFD_H
#define K210_SIGFD_H

#include <stddef.h>

/* The signalfd, or -1 with errno set. */
int sigfd_open(const int *signals, size_t count);

#endif
