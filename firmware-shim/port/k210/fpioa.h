/*
 * Field-programmable IO array: routes peripheral functions to the 48 pads.
 */
#ifndef K210_FPIOA_H
#define K210_FPIOA_H

#include <stdint.h>

/* Function numbers from the Kendryte SDK's fpioa.h table. */
enum fpioa_function {
	FPIOA_FUNC_UARTHS_RX = 18,
	FPIOA_FUNC_UARTHS_TX = 19,
	FPIOA_FUNC_GPIOHS0 = 24,        /* GPIOHSn = 24 + n, n < 32 */
	FPIOA_FUNC_UART2_RX = 66,
	FPIOA_FUNC_UART2_TX = 67,
};

enum fpioa_role {
	FPIOA_INPUT,    /* peripheral reads the pad */
	FPIOA_OUTPUT,   /* peripheral drives the pad */
	FPIOA_GPIO,     /* the GPIOHS direction registers decide */
};

/* Route function to pad, taking it off any other pad that had it. */
void fpioa_assign(unsigned pad, enum fpioa_function function, enum fpioa_role role);

#endif
