/*
 * Hotplug: the directory of the configured port is watched with inotify, so
 * that a replugged board is opened as soon as its node appears rather than
 * at the next reconnect attempt.
 */
#ifndef K210_WATCH_H
#define K210_WATCH_H

/* Watch the directory of spec (a tty path; /dev for usb:VID:PID); appeared()
 * runs when an entry of that name (any entry for usb:) is created or changed. */
void watch_start(const char *spec, void (*appeared)(void));
void watch_stop(void);

#endif
