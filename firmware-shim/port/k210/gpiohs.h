/*
 * High-speed GPIO: 32 lines, routed to pads through the FPIOA.
 */
#ifndef K210_GPIOHS_H
#define K210_GPIOHS_H

#include <stdbool.h>

/* Make line an output driving level; the level is set before the driver turns on. */
void gpiohs_output(unsigned line, bool level);
void gpiohs_set(unsigned line, bool level);

#endif
