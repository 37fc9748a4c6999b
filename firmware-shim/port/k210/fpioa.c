#include "fpioa.h"
#include "mmio.h"

/* One 32-bit config word per pad, pad n at base + 4n (SDK fpioa.h). */
#define FPIOA_BASE          0x502b0000u
#define FPIOA_PADS          48u
#define FPIOA_PAD(n)        (FPIOA_BASE + 4u * (n))

#define FPIOA_CH_SEL_MASK   0xffu       /* [7:0] function routed to the pad */
#define FPIOA_DS_MAX        (0xfu << 8) /* [11:8] drive strength, strongest */
#define FPIOA_OE_EN         (1u << 12)  /* output enable */
#define FPIOA_IE_EN         (1u << 20)  /* input enable */
#define FPIOA_ST            (1u << 23)  /* Schmitt trigger on the input */

/* The SDK parks a pad it takes a function away from on RESV0: no IO at all. */
#define FPIOA_FUNC_RESV0    120u

/* Per-role settings as the SDK's function table gives them. */
static uint32_t fpioa_role_bits(enum fpioa_role role)
{
	switch (role) {
	case FPIOA_INPUT:
		return FPIOA_IE_EN | FPIOA_ST;
	case FPIOA_OUTPUT:
		return FPIOA_DS_MAX | FPIOA_OE_EN;
	case FPIOA_GPIO:
		return FPIOA_DS_MAX | FPIOA_OE_EN | FPIOA_IE_EN | FPIOA_ST;
	}
	return 0;
}

void fpioa_assign(unsigned pad, enum fpioa_function function, enum fpioa_role role)
{
	unsigned i;

	if (pad >= FPIOA_PADS)
		return;
	/* A function on two pads would have two drivers or a doubtful input. */
	for (i = 0; i < FPIOA_PADS; i++)
		if (i != pad && (mmio_read32(FPIOA_PAD(i)) & FPIOA_CH_SEL_MASK) == (uint32_t)function)
			mmio_write32(FPIOA_PAD(i), FPIOA_FUNC_RESV0);
	mmio_write32(FPIOA_PAD(pad), (uint32_t)function | fpioa_role_bits(role));
}
