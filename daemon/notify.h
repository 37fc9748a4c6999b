/*
 * systemd integration through libsystemd: READY=1, STATUS= lines,
 * RELOADING=1/STOPPING=1, the watchdog, and sockets passed by socket
 * activation (a Unix stream socket replaces [socket] path; a TCP stream
 * socket is a SOCKS5 listener).
 */
#ifndef K210_NOTIFY_H
#define K210_NOTIFY_H

#include <stdbool.h>

/* Watchdog; a fresh STATUS= line whenever the board's state changes (events.h). */
void notify_init(void);
void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
/* Listening sockets passed by the service manager (-1 when none). */
void notify_listen_fds(int *unix_fd, int *tcp_fd);

#endif
