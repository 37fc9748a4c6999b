/*
 * FPIOA (0x502B0000): which function each of the 48 pads carries, and in
 * which direction (SDK fpioa.h).  The board model asks it whether a
 * function really reaches the pad it is wired to.
 */
#ifndef EMU_PERIPH_FPIOA_H
#define EMU_PERIPH_FPIOA_H

#include <stdbool.h>

/* Function numbers (SDK fpioa.h). */
#define PERIPH_FPIOA_UARTHS_RX 18u
#define PERIPH_FPIOA_UARTHS_TX 19u
#define PERIPH_FPIOA_GPIOHS0   24u
#define PERIPH_FPIOA_UART2_RX  66u
#define PERIPH_FPIOA_UART2_TX  67u

void periph_fpioa_init(void (*pins_changed)(void));
void periph_fpioa_map(void);
void periph_fpioa_reset(void);
/* pad drives function func's output (output enabled, not inverted). */
bool periph_fpioa_drives(unsigned pad, unsigned func);
/* func's input comes from pad alone (input enabled, not inverted, not tied). */
bool periph_fpioa_listens(unsigned pad, unsigned func);
/* The function routed to pad, whether the pad drives it, and whether that output is inverted. */
unsigned periph_fpioa_function(unsigned pad, bool *output, bool *inverted);

#endif
