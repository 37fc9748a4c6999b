#include <stddef.h>

#include "events.h"
#include "log.h"

#define EVENTS_SINKS_MAX 4

static const struct events_sink *events_sinks[EVENTS_SINKS_MAX];
static size_t events_nsinks;

void events_add_sink(const struct events_sink *sink)
{
	if (events_nsinks == EVENTS_SINKS_MAX)
		log_fatalx("events: more than %d sinks", EVENTS_SINKS_MAX);
	events_sinks[events_nsinks++] = sink;
}

void events_message(const struct msg *m, uint32_t sub_bit)
{
	for (size_t i = 0; i < events_nsinks; i++)
		if (events_sinks[i]->message)
			events_sinks[i]->message(m, sub_bit);
}

void events_device(uint8_t what, uint32_t value)
{
	struct msg m;

	msg_init(&m, PROTO_EV_DEVICE);
	m.u.device.what = what;
	m.u.device.value = value;
	events_message(&m, PROTO_SUB_DEVICE);
}

void events_state_changed(void)
{
	for (size_t i = 0; i < events_nsinks; i++)
		if (events_sinks[i]->state_changed)
			events_sinks[i]->state_changed();
}
