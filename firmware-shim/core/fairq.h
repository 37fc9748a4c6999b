/*
 * Start-time fair queueing over a few flows: each flow's tag is the virtual
 * time at which it may go next, and the flow with the lowest tag goes.  A
 * flow that was idle starts at the current virtual time, so its first few
 * bytes go before the next chunk of a flow that has been busy all along:
 * deficit round robin in virtual time, with the idle flow first.
 */
#ifndef K210_FAIRQ_H
#define K210_FAIRQ_H

#include <stdbool.h>
#include <stdint.h>

#define FAIRQ_FLOWS_MAX 16

struct fairq {
	unsigned flows;
	uint32_t vclock;                 /* start tag of the latest flow served */
	uint32_t tag[FAIRQ_FLOWS_MAX];
};

void fairq_init(struct fairq *q, unsigned flows);
/* True if flow a goes before flow b (equal tags: neither). */
bool fairq_before(const struct fairq *q, unsigned a, unsigned b);
/* Flow f was served cost bytes: it goes again after the others had theirs. */
void fairq_charge(struct fairq *q, unsigned f, uint32_t cost);

#endif
