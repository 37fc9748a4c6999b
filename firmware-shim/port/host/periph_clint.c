#include "hart.h"
#include "periph_clint.h"
#include "timebase.h"

#define CLINT_BASE       0x02000000ull
#define CLINT_SIZE       0xc000ull
#define R_MSIP0          0x0000u
#define R_MSIP1          0x0004u
#define R_MTIMECMP0      0x4000u
#define R_MTIMECMP1      0x4008u
#define R_MTIME          0xbff8u
#define NS_PER_S         1000000000ull

static struct {
	uint64_t base_ticks;   /* mtime at base_ns */
	int64_t base_ns;
	uint32_t hz;
	uint64_t mtimecmp[2];
	uint32_t msip[2];
	uint64_t latched;      /* mtime as the low-half read saw it */
	bool latch_valid;
} cl;

static uint64_t clint_mtime(int64_t now)
{
	unsigned __int128 t = (unsigned __int128)(uint64_t)(now - cl.base_ns) * cl.hz / NS_PER_S;

	return cl.base_ticks + (uint64_t)t;
}

static void clint_rebase(int64_t now, uint64_t ticks)
{
	cl.base_ticks = ticks;
	cl.base_ns = now;
}

static bool clint_read(void *ctx, uint32_t off, uint32_t *v)
{
	int64_t now = timebase_now();
	bool latch = cl.latch_valid;

	(void)ctx;
	cl.latch_valid = false;
	switch (off) {
	case R_MSIP0:
	case R_MSIP1:
		*v = cl.msip[off / 4];
		return true;
	case R_MTIMECMP0:
	case R_MTIMECMP0 + 4:
	case R_MTIMECMP1:
	case R_MTIMECMP1 + 4: {
		uint64_t cmp = cl.mtimecmp[(off - R_MTIMECMP0) / 8];

		*v = (uint32_t)(off & 4u ? cmp >> 32 : cmp);
		return true;
	}
	case R_MTIME:
		cl.latched = clint_mtime(now);
		cl.latch_valid = true;
		*v = (uint32_t)cl.latched;
		return true;
	case R_MTIME + 4:
		*v = (uint32_t)((latch ? cl.latched : clint_mtime(now)) >> 32);
		return true;
	}
	return false;
}

static void clint_half(uint64_t *reg, uint32_t off, uint32_t v)
{
	if (off & 4u)
		*reg = (*reg & 0xffffffffull) | (uint64_t)v << 32;
	else
		*reg = (*reg & ~0xffffffffull) | v;
}

static bool clint_write(void *ctx, uint32_t off, uint32_t v)
{
	int64_t now = timebase_now();

	(void)ctx;
	cl.latch_valid = false;
	switch (off) {
	case R_MSIP0:
	case R_MSIP1:
		cl.msip[off / 4] = v & 1u;
		return true;
	case R_MTIMECMP0:
	case R_MTIMECMP0 + 4:
	case R_MTIMECMP1:
	case R_MTIMECMP1 + 4:
		clint_half(&cl.mtimecmp[(off - R_MTIMECMP0) / 8], off, v);
		return true;
	case R_MTIME:
	case R_MTIME + 4: {
		uint64_t t = clint_mtime(now);

		clint_half(&t, off, v);
		clint_rebase(now, t);
		return true;
	}
	}
	return false;
}

void periph_clint_map(void)
{
	hart_map_mmio("CLINT", CLINT_BASE, CLINT_SIZE, clint_read, clint_write, NULL);
}

void periph_clint_reset(int64_t now, uint32_t cpu_hz)
{
	clint_rebase(now, 0);
	cl.hz = cpu_hz / PERIPH_CLINT_DIV;
	cl.mtimecmp[0] = cl.mtimecmp[1] = UINT64_MAX;
	cl.msip[0] = cl.msip[1] = 0;
	cl.latch_valid = false;
}

void periph_clint_set_rate(int64_t now, uint32_t cpu_hz)
{
	clint_rebase(now, clint_mtime(now));
	cl.hz = cpu_hz / PERIPH_CLINT_DIV;
}

uint64_t periph_clint_pending(int64_t now)
{
	uint64_t mip = cl.msip[0] ? 1ull << HART_IRQ_MSI : 0;

	if (clint_mtime(now) >= cl.mtimecmp[0])
		mip |= 1ull << HART_IRQ_MTI;
	return mip;
}

int64_t periph_clint_next_event(int64_t now)
{
	unsigned __int128 ns;

	if (cl.mtimecmp[0] == UINT64_MAX || cl.hz == 0)
		return INT64_MAX;
	if (cl.mtimecmp[0] <= clint_mtime(now))
		return now;
	ns = ((unsigned __int128)(cl.mtimecmp[0] - cl.base_ticks) * NS_PER_S + cl.hz - 1) / cl.hz;
	if (ns > (unsigned __int128)(INT64_MAX - cl.base_ns))
		return INT64_MAX;
	return cl.base_ns + (int64_t)ns;
}
