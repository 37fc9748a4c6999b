/*
 * The sockets' fair queue (start-time fair queueing): named cases of charges
 * and the order they must give, then the shares a long run of bulk flows of
 * different chunk sizes gets, and an interactive flow's turn among them.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "fairq.h"

enum op {
	END,
	CHARGE,   /* flow a was served cost */
	BEFORE,   /* fairq_before(a, b) == want */
	NEXT,     /* among the flows in mask, a goes next */
	REPEAT,   /* the flows in mask, each served cost in turn, count rounds */
};

struct step {
	enum op op;
	unsigned a, b;
	uint32_t cost;
	bool want;
	unsigned mask, count;
};

struct fq_case {
	const char *name;
	unsigned flows;
	struct step steps[12];
};

#define C(f, c) { CHARGE, f, 0, c, false, 0, 0 }
#define B(x, y, w) { BEFORE, x, y, 0, w, 0, 0 }
#define N(m, f) { NEXT, f, 0, 0, false, m, 0 }
#define R(m, c, n) { REPEAT, 0, 0, c, false, m, n }

static const struct fq_case cases[] = {
	{ "fresh flows: none goes before another", 4,
	  { B(0, 1, false), B(1, 0, false), B(3, 2, false), N(0xf, 0) } },
	{ "the flow served goes after the others", 3,
	  { C(0, 100), B(1, 0, true), B(0, 1, false), B(2, 0, true), N(0x7, 1) } },
	{ "bytes count: a small sender goes again until it had as much", 2,
	  { C(0, 2000), C(1, 100), B(1, 0, true), C(1, 1000), B(1, 0, true), C(1, 1000),
	    B(0, 1, true), N(0x3, 0) } },
	{ "a flow back from idle goes before the busy ones", 3,
	  { R(0x3, 2048, 20), B(2, 0, true), B(2, 1, true), N(0x7, 2) } },
	{ "back from idle, the tie with a busy flow at the clock goes to the idle one", 3,
	  { C(0, 500), C(1, 500), C(0, 500), B(2, 1, true), B(1, 2, false) } },
	{ "idle time earns no credit: after its turn the idle flow waits its share", 3,
	  { R(0x3, 2048, 50), C(2, 2048), B(2, 0, false), B(2, 1, false),
	    N(0x7, 0), C(0, 2048), C(1, 2048), N(0x7, 2) } },
	{ "an idle flow stays idle however far the clock runs on, past its wrap", 3,
	  { R(0x3, 0x10000000, 56), B(2, 0, true), B(2, 1, true), C(2, 64), B(2, 0, true),
	    N(0x3, 0) } },
	{ "a flow outside the mask does not go", 3,
	  { C(0, 100), N(0x1, 0), N(0x3, 1) } },
};

/* The flow in mask that no other in mask goes before, the lowest first on a tie. */
static unsigned pick(const struct fairq *q, unsigned mask)
{
	unsigned best = FAIRQ_FLOWS_MAX;

	for (unsigned f = 0; f < FAIRQ_FLOWS_MAX; f++)
		if ((mask >> f) & 1u && (best == FAIRQ_FLOWS_MAX || fairq_before(q, f, best)))
			best = f;
	return best;
}

static void run_case(const struct fq_case *c)
{
	struct fairq q;

	check_case = c->name;
	fairq_init(&q, c->flows);
	for (const struct step *s = c->steps; s->op != END; s++) {
		switch (s->op) {
		case CHARGE:
			fairq_charge(&q, s->a, s->cost);
			break;
		case BEFORE:
			CHECK_EQ(fairq_before(&q, s->a, s->b), s->want);
			break;
		case NEXT:
			CHECK_EQ(pick(&q, s->mask), s->a);
			break;
		case REPEAT:
			for (unsigned i = 0; i < s->count; i++)
				fairq_charge(&q, pick(&q, s->mask), s->cost);
			break;
		case END:
			break;
		}
	}
}

/*
 * Four bulk flows that always have data, each with its own chunk size, served
 * in fair order: every flow's bytes stay within one largest chunk of every
 * other's.  An interactive flow that wakes up in the middle goes next.
 */
static void test_shares(void)
{
	static const uint32_t chunk[4] = { 2048 + 64, 1024 + 64, 512 + 64, 100 + 64 };
	uint64_t got[5] = { 0 };
	struct fairq q;

	check_case = "bulk flows of different chunk sizes share by bytes";
	fairq_init(&q, 5);
	for (unsigned i = 0; i < 4000; i++) {
		unsigned f = pick(&q, 0xf);

		fairq_charge(&q, f, chunk[f]);
		got[f] += chunk[f];
		for (unsigned a = 0; a < 4; a++)
			for (unsigned b = 0; b < 4; b++)
				if (got[a] > got[b] + chunk[0] + chunk[a]) {
					CHECK(got[a] <= got[b] + chunk[0] + chunk[a]);
					return;
				}
	}

	/* Between wake-ups the bulk flows run long enough for the interactive
	 * flow's tag to fall behind the clock: it was idle. */
	check_case = "an interactive flow that wakes up goes next, for no more than its share";
	for (unsigned round = 0; round < 50; round++) {
		unsigned turns = 0;

		for (unsigned i = 0; i < 20 + round % 5; i++) {
			unsigned f = pick(&q, 0xf);

			fairq_charge(&q, f, chunk[f]);
		}
		while (pick(&q, 0x1f) == 4 && turns <= chunk[0] / chunk[3] + 1) {
			fairq_charge(&q, 4, chunk[3]);
			turns++;
		}
		CHECK(turns >= 1);
		CHECK(turns <= chunk[0] / chunk[3] + 1);
	}

	check_case = "more flows than the queue holds are cut to its size";
	fairq_init(&q, FAIRQ_FLOWS_MAX + 5);
	CHECK_EQ(q.flows, FAIRQ_FLOWS_MAX);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_shares();
	return check_done("fairq");
}
