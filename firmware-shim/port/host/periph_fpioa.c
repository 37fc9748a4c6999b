#include <stdint.h>
#include <string.h>

#include "hart.h"
#include "log.h"
#include "periph_fpioa.h"
#include "periph_sysctl.h"

#define FPIOA_BASE     0x502b0000ull
#define FPIOA_PADS     48u
#define FPIOA_TIE_EN   0xc0u            /* 8 words: one bit per function forces its input */
#define FPIOA_TIE_VAL  0xe0u
#define FPIOA_END      0x100u

#define PAD_CH_SEL     0xffu
#define PAD_OE_EN      (1u << 12)
#define PAD_OE_INV     (1u << 13)
#define PAD_DO_INV     (1u << 15)
#define PAD_IE_EN      (1u << 20)
#define PAD_IE_INV     (1u << 21)
#define PAD_DI_INV     (1u << 22)
#define PAD_DS_MAX     (0xfu << 8)
#define PAD_ST         (1u << 23)

/* Functions the boot ROM leaves on pads (JTAG on IO0-3, its ISP on UARTHS at IO4/IO5); the rest carry none. */
#define FUNC_RESV0     120u
#define PAD_RESET_IN   (PAD_IE_EN | PAD_ST)
#define PAD_RESET_OUT  (PAD_DS_MAX | PAD_OE_EN)

#define FPIOA_FUNCS    256u
#define FPIOA_NONE     0xffu

static struct {
	void (*pins_changed)(void);
	uint32_t reg[FPIOA_END / 4];
	bool warned;
	/* Per function: the one pad that carries it, FPIOA_NONE if none or several (kept up to date on writes). */
	uint8_t pad_of[FPIOA_FUNCS];
} fp;

static void fpioa_index(void)
{
	memset(fp.pad_of, FPIOA_NONE, sizeof(fp.pad_of));
	for (unsigned pad = 0; pad < FPIOA_PADS; pad++) {
		unsigned f = fp.reg[pad] & PAD_CH_SEL;

		/* A function selected on two pads has no single pad. */
		fp.pad_of[f] = fp.pad_of[f] == FPIOA_NONE ? (uint8_t)pad : (uint8_t)(FPIOA_NONE - 1);
	}
}

static bool fpioa_read(void *ctx, uint32_t off, uint32_t *v)
{
	(void)ctx;
	if (off >= FPIOA_END)
		return false;
	*v = periph_sysctl_fpioa_clocked() ? fp.reg[off / 4] : 0;
	return true;
}

static bool fpioa_write(void *ctx, uint32_t off, uint32_t v)
{
	(void)ctx;
	if (off >= FPIOA_END)
		return false;
	if (!periph_sysctl_fpioa_clocked()) {
		if (!fp.warned)
			log_warnx("firmware writes the FPIOA while its clock is off: ignored, as on the chip");
		fp.warned = true;
		return true;
	}
	if (fp.reg[off / 4] == v)
		return true;
	fp.reg[off / 4] = v;
	fpioa_index();
	if (fp.pins_changed)
		fp.pins_changed();
	return true;
}

void periph_fpioa_init(void (*pins_changed)(void))
{
	fp.pins_changed = pins_changed;
}

void periph_fpioa_map(void)
{
	hart_map_mmio("FPIOA", FPIOA_BASE, 0x1000, fpioa_read, fpioa_write, NULL);
}

void periph_fpioa_reset(void)
{
	memset(fp.reg, 0, sizeof(fp.reg));
	for (unsigned pad = 0; pad < FPIOA_PADS; pad++)
		fp.reg[pad] = FUNC_RESV0;
	for (unsigned pad = 0; pad < 4; pad++)
		fp.reg[pad] = pad | (pad == 3 ? PAD_RESET_OUT : PAD_RESET_IN);
	fp.reg[4] = PERIPH_FPIOA_UARTHS_RX | PAD_RESET_IN;
	fp.reg[5] = PERIPH_FPIOA_UARTHS_TX | PAD_RESET_OUT;
	fp.warned = false;
	fpioa_index();
}

unsigned periph_fpioa_function(unsigned pad, bool *output, bool *inverted)
{
	uint32_t r = pad < FPIOA_PADS ? fp.reg[pad] : FUNC_RESV0;

	*output = ((r & PAD_OE_EN) != 0) != ((r & PAD_OE_INV) != 0);
	*inverted = (r & PAD_DO_INV) != 0;
	return r & PAD_CH_SEL;
}

bool periph_fpioa_drives(unsigned pad, unsigned func)
{
	bool out, inv;

	return periph_fpioa_function(pad, &out, &inv) == func && out && !inv;
}

bool periph_fpioa_listens(unsigned pad, unsigned func)
{
	uint32_t r;

	if (pad >= FPIOA_PADS || (fp.reg[FPIOA_TIE_EN / 4 + func / 32] >> (func % 32)) & 1u)
		return false;
	/* A function selected on two pads takes a doubtful input. */
	if (fp.pad_of[func & 0xffu] != pad)
		return false;
	r = fp.reg[pad];
	return ((r & PAD_IE_EN) != 0) != ((r & PAD_IE_INV) != 0) && !(r & PAD_DI_INV);
}
