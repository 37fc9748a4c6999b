/*
 * What the firmware prints. Replies to the running command go straight to the UART; unsolicited
 * result codes (URCs: +IPD, <id>,CONNECT, <id>,CLOSED, WIFI ...) go through a bounded holding queue.
 * Normally URCs are printed as soon as they happen, which already puts them between any two replies.
 * In chaos mode they are held back and released at seeded-random legal points: between the lines of
 * a reply, right after a command's echo, between OK and the send prompt.
 */
#ifndef ESPAT_REPLY_H
#define ESPAT_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* The holding queue: large enough for a full +IPD chunk with its header plus a few small URCs. */
#define REPLY_URC_QUEUE_SIZE 8192

void reply_bytes(const void *buf, size_t len);
void reply_printf(const char *fmt, ...) LOG_PRINTF(1, 2);
/* A boundary between two reply lines: a legal place for a URC. */
void reply_point(void);

void reply_urc_printf(const char *fmt, ...) LOG_PRINTF(1, 2);
/* A URC made of a header and binary data, kept in one piece. */
void reply_urc_data(const char *header, size_t header_len, const void *data, size_t len);
/* Room left for URCs: sources of URCs (sockets, the server) wait while it is short. */
size_t reply_urc_room(void);
/* Move held URCs to the UART when allowed; called once per loop turn. */
void reply_pump(void);
/* Power loss: held URCs are gone. */
void reply_reset(void);

void reply_set_chaos(uint64_t seed);

#endif
