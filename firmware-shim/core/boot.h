/*
 * Bringing the ESP8285 up: probing when it does not say "ready", the
 * configuration commands (echo off, version detection, station mode,
 * multi-link, passive receive, remote addresses), the UART rate raise with
 * its verification and fall-back, and the check after garbage on the line.
 */
#ifndef K210_BOOT_H
#define K210_BOOT_H

#include <stdbool.h>

#include "esp.h"

/* The engine's own next command in its current state, or false. */
bool boot_next(struct esp_cmd *c);

#endif
