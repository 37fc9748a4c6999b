/*
 * Host name resolution through the host's resolver, without blocking the event loop (the chip keeps
 * answering "busy p..." meanwhile). One lookup at a time, as the firmware runs one command at a time.
 */
#ifndef ESPAT_RESOLVE_H
#define ESPAT_RESOLVE_H

#include <netinet/in.h>
#include <stdbool.h>

typedef void (*resolve_fn)(bool ok, struct in_addr addr);

/* The callback always runs later, from the event loop, never from inside resolve_start(). */
void resolve_start(const char *name, resolve_fn fn);
/* Forget the lookup in progress (the chip was reset): its callback will not run. */
void resolve_cancel(void);
void resolve_prepare(void);

#endif
