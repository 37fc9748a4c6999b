/*
 * Bringing the ESP8285 up: probing when it does not say "ready", the
 * configuration commands (echo off, version detection, station mode,
 * multi-link, passive receive, remote addresses), the UART rate raise with
 * its verification and fall-back, and the check after garbage on the line.
 */
#ifndef K210_BOOT_H
#define K210_BOOT_H

/* Register with the engine (after esp_init): the module's upkeep comes before other work. */
void boot_init(void);

#endif
