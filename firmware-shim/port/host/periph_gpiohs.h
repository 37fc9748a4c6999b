/*
 * GPIOHS (0x38001000): 32 fast GPIO lines, SiFive GPIO layout (SDK
 * gpiohs.h).  Outputs reach pads through the FPIOA (functions GPIOHS0..31).
 */
#ifndef EMU_PERIPH_GPIOHS_H
#define EMU_PERIPH_GPIOHS_H

#include <stdbool.h>

void periph_gpiohs_init(void (*pins_changed)(void));
void periph_gpiohs_map(void);
void periph_gpiohs_reset(void);
/* The level line drives; false in *driven when its output is off. */
bool periph_gpiohs_level(unsigned line, bool *driven);

#endif
