#include <string.h>

#include "fairq.h"

#define FAIRQ_BEHIND_MAX 0x40000000u

void fairq_init(struct fairq *q, unsigned flows)
{
	memset(q, 0, sizeof(*q));
	q->flows = flows < FAIRQ_FLOWS_MAX ? flows : FAIRQ_FLOWS_MAX;
}

/* A flow's tag as it stands now: one that fell behind (it was idle) starts afresh. */
static uint32_t fairq_start(const struct fairq *q, unsigned f)
{
	uint32_t t = q->tag[f];

	return (int32_t)(t - q->vclock) < 0 ? q->vclock : t;
}

static bool fairq_idle(const struct fairq *q, unsigned f)
{
	return (int32_t)(q->tag[f] - q->vclock) < 0;
}

bool fairq_before(const struct fairq *q, unsigned a, unsigned b)
{
	int32_t d = (int32_t)(fairq_start(q, a) - fairq_start(q, b));

	/* Busy flows meet at the clock too: one back from idle goes first. */
	return d < 0 || (d == 0 && fairq_idle(q, a) && !fairq_idle(q, b));
}

void fairq_charge(struct fairq *q, unsigned f, uint32_t cost)
{
	q->vclock = fairq_start(q, f);
	q->tag[f] = q->vclock + cost;
	/* Tags left far behind come closer, so that they never wrap past the clock. */
	for (unsigned i = 0; i < q->flows; i++)
		if (q->vclock - q->tag[i] > FAIRQ_BEHIND_MAX && fairq_idle(q, i))
			q->tag[i] = q->vclock - FAIRQ_BEHIND_MAX;
}
