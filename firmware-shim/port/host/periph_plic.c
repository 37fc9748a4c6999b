#include <stdint.h>
#include <string.h>

#include "hart.h"
#include "periph_plic.h"

#define PLIC_BASE         0x0c000000ull
#define PLIC_TARGETS_BASE 0x0c200000ull
#define PLIC_SOURCES      65u
#define PLIC_WORDS        3u                 /* bitmaps for sources 0..95 */
#define PLIC_CONTEXTS     2u                 /* hart 0 and hart 1, machine mode */
#define PLIC_PRIORITY_MAX 7u
#define R_PENDING         0x1000u
#define R_ENABLE          0x2000u
#define ENABLE_STRIDE     0x80u
#define TARGET_STRIDE     0x1000u
#define R_THRESHOLD       0x0u
#define R_CLAIM           0x4u

static struct {
	uint32_t priority[PLIC_SOURCES + 1];
	uint32_t level[PLIC_WORDS];       /* the sources' lines */
	uint32_t pending[PLIC_WORDS];     /* the gateways' requests */
	uint32_t claimed[PLIC_WORDS];     /* in service: no new request until completed */
	uint32_t enable[PLIC_CONTEXTS][PLIC_WORDS];
	uint32_t threshold[PLIC_CONTEXTS];
} pl;

static bool plic_bit(const uint32_t *map, unsigned s)
{
	return (map[s / 32] >> (s % 32)) & 1u;
}

static void plic_set(uint32_t *map, unsigned s, bool on)
{
	if (on)
		map[s / 32] |= 1u << (s % 32);
	else
		map[s / 32] &= ~(1u << (s % 32));
}

/* A gateway passes a raised line on as one request at a time. */
static void plic_gateway(unsigned s)
{
	if (plic_bit(pl.level, s) && !plic_bit(pl.claimed, s))
		plic_set(pl.pending, s, true);
}

/* The pending, enabled source above the threshold with the highest priority (lowest number on a tie). */
static unsigned plic_best(unsigned ctx)
{
	unsigned best = 0;
	uint32_t best_prio = pl.threshold[ctx];

	for (unsigned w = 0; w < PLIC_WORDS; w++) {
		uint32_t m = pl.pending[w] & pl.enable[ctx][w];

		while (m) {
			unsigned s = w * 32 + (unsigned)__builtin_ctz(m);

			m &= m - 1;
			if (s <= PLIC_SOURCES && pl.priority[s] > best_prio) {
				best = s;
				best_prio = pl.priority[s];
			}
		}
	}
	return best;
}

static bool plic_read(void *ctx, uint32_t off, uint32_t *v)
{
	(void)ctx;
	if (off <= PLIC_SOURCES * 4) {
		*v = pl.priority[off / 4];
		return true;
	}
	if (off >= R_PENDING && off < R_PENDING + PLIC_WORDS * 4) {
		*v = pl.pending[(off - R_PENDING) / 4];
		return true;
	}
	for (unsigned c = 0; c < PLIC_CONTEXTS; c++) {
		uint32_t base = R_ENABLE + c * ENABLE_STRIDE;

		if (off >= base && off < base + PLIC_WORDS * 4) {
			*v = pl.enable[c][(off - base) / 4];
			return true;
		}
	}
	return false;
}

static bool plic_write(void *ctx, uint32_t off, uint32_t v)
{
	(void)ctx;
	if (off <= PLIC_SOURCES * 4) {
		if (off)
			pl.priority[off / 4] = v & PLIC_PRIORITY_MAX;
		return true;
	}
	if (off >= R_PENDING && off < R_PENDING + PLIC_WORDS * 4)
		return true;       /* read-only */
	for (unsigned c = 0; c < PLIC_CONTEXTS; c++) {
		uint32_t base = R_ENABLE + c * ENABLE_STRIDE;

		if (off >= base && off < base + PLIC_WORDS * 4) {
			/* Source 0 does not exist. */
			pl.enable[c][(off - base) / 4] = off == base ? v & ~1u : v;
			return true;
		}
	}
	return false;
}

static bool plic_target_read(void *ctx, uint32_t off, uint32_t *v)
{
	unsigned c = off / TARGET_STRIDE, s;

	(void)ctx;
	if (c >= PLIC_CONTEXTS)
		return false;
	switch (off % TARGET_STRIDE) {
	case R_THRESHOLD:
		*v = pl.threshold[c];
		return true;
	case R_CLAIM:
		s = plic_best(c);
		if (s) {
			plic_set(pl.pending, s, false);
			plic_set(pl.claimed, s, true);
		}
		*v = s;
		return true;
	}
	return false;
}

static bool plic_target_write(void *ctx, uint32_t off, uint32_t v)
{
	unsigned c = off / TARGET_STRIDE;

	(void)ctx;
	if (c >= PLIC_CONTEXTS)
		return false;
	switch (off % TARGET_STRIDE) {
	case R_THRESHOLD:
		pl.threshold[c] = v & PLIC_PRIORITY_MAX;
		return true;
	case R_CLAIM:
		/* Completing a source this context does not have enabled is ignored. */
		if (v >= 1 && v <= PLIC_SOURCES && plic_bit(pl.enable[c], v)) {
			plic_set(pl.claimed, v, false);
			plic_gateway(v);
		}
		return true;
	}
	return false;
}

void periph_plic_map(void)
{
	hart_map_mmio("PLIC", PLIC_BASE, 0x3000, plic_read, plic_write, NULL);
	hart_map_mmio("PLIC targets", PLIC_TARGETS_BASE, PLIC_CONTEXTS * TARGET_STRIDE, plic_target_read,
		     plic_target_write, NULL);
}

void periph_plic_reset(void)
{
	memset(&pl, 0, sizeof(pl));
}

void periph_plic_level(unsigned source, bool level)
{
	if (source == 0 || source > PLIC_SOURCES || plic_bit(pl.level, source) == level)
		return;
	plic_set(pl.level, source, level);
	plic_gateway(source);
}

bool periph_plic_meip(void)
{
	return plic_best(0) != 0;
}
