#include <stdint.h>

#include "gpiohs.h"
#include "mmio.h"

/* SiFive-style GPIO block, one bit per line (SDK gpiohs.h, base 0x38001000). */
#define GPIOHS_BASE        0x38001000u
#define GPIOHS_INPUT_EN    (GPIOHS_BASE + 0x04)
#define GPIOHS_OUTPUT_EN   (GPIOHS_BASE + 0x08)
#define GPIOHS_OUTPUT_VAL  (GPIOHS_BASE + 0x0c)
#define GPIOHS_LINES       32u

void gpiohs_set(unsigned line, bool level)
{
	if (line >= GPIOHS_LINES)
		return;
	if (level)
		mmio_set32(GPIOHS_OUTPUT_VAL, 1u << line);
	else
		mmio_clear32(GPIOHS_OUTPUT_VAL, 1u << line);
}

void gpiohs_output(unsigned line, bool level)
{
	if (line >= GPIOHS_LINES)
		return;
	gpiohs_set(line, level);
	mmio_clear32(GPIOHS_INPUT_EN, 1u << line);
	mmio_set32(GPIOHS_OUTPUT_EN, 1u << line);
}
