#include <stdint.h>
#include <string.h>

#include "hart.h"
#include "log.h"
#include "periph_gpiohs.h"

#define GPIOHS_BASE     0x38001000ull
#define R_INPUT_VAL     0x00
#define R_OUTPUT_EN     0x08
#define R_OUTPUT_VAL    0x0c
#define R_RISE_IE       0x18
#define R_FALL_IE       0x20
#define R_HIGH_IE       0x28
#define R_LOW_IE        0x30
#define R_OUT_XOR       0x40
#define GPIOHS_END      0x44u

static struct {
	void (*pins_changed)(void);
	uint32_t reg[GPIOHS_END / 4];
	bool warned;
} gh;

static uint32_t gpiohs_out(void)
{
	return gh.reg[R_OUTPUT_VAL / 4] ^ gh.reg[R_OUT_XOR / 4];
}

static bool gpiohs_read(void *ctx, uint32_t off, uint32_t *v)
{
	(void)ctx;
	if (off >= GPIOHS_END)
		return false;
	/* Lines nothing drives read low: no pad here has a pull-up the firmware relies on. */
	*v = off == R_INPUT_VAL ? gpiohs_out() & gh.reg[R_OUTPUT_EN / 4] : gh.reg[off / 4];
	return true;
}

static bool gpiohs_write(void *ctx, uint32_t off, uint32_t v)
{
	uint32_t before = gpiohs_out() & gh.reg[R_OUTPUT_EN / 4], en_before = gh.reg[R_OUTPUT_EN / 4];

	(void)ctx;
	if (off >= GPIOHS_END)
		return false;
	if (off == R_INPUT_VAL)
		return true;
	gh.reg[off / 4] = v;
	if ((off == R_RISE_IE || off == R_FALL_IE || off == R_HIGH_IE || off == R_LOW_IE) && v && !gh.warned) {
		log_warnx("firmware enables GPIOHS interrupts, which this board model does not raise");
		gh.warned = true;
	}
	if (gh.pins_changed && ((gpiohs_out() & gh.reg[R_OUTPUT_EN / 4]) != before || gh.reg[R_OUTPUT_EN / 4] != en_before))
		gh.pins_changed();
	return true;
}

void periph_gpiohs_init(void (*pins_changed)(void))
{
	gh.pins_changed = pins_changed;
}

void periph_gpiohs_map(void)
{
	hart_map_mmio("GPIOHS", GPIOHS_BASE, 0x1000, gpiohs_read, gpiohs_write, NULL);
}

void periph_gpiohs_reset(void)
{
	memset(gh.reg, 0, sizeof(gh.reg));
	gh.warned = false;
}

bool periph_gpiohs_level(unsigned line, bool *driven)
{
	if (line >= 32) {
		*driven = false;
		return false;
	}
	*driven = (gh.reg[R_OUTPUT_EN / 4] >> line) & 1u;
	return (gpiohs_out() >> line) & 1u;
}
