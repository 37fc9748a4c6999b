/*
 * Flow control on board sockets, both ways.  Towards the board: tx_credit
 * is what the board lets us send; owners with data join a round robin
 * (one DATA message per socket per turn) served as the link has room.
 * From the board: rx_avail is what the board may still send; a receiver
 * that gets more treats the socket as broken; consumed bytes go back as
 * CREDIT (batched, but never leaving the board dry).
 */
#ifndef K210_BFLOW_H
#define K210_BFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct bsock;
struct evbuffer;

/* The owner's client took n more received bytes: they become credit. */
void bflow_consumed(struct bsock *b, size_t n);
/* The owner has something to send: join the transmit rotation. */
void bflow_want_tx(struct bsock *b);
/* Send up to max bytes of src as DATA, as credit and the link allow;
 * returns the bytes sent. */
size_t bflow_send_stream(struct bsock *b, struct evbuffer *src, size_t max);
/* Send one datagram; false if credit or link room is short. */
bool bflow_send_datagram(struct bsock *b, const struct msg_addr *to, const uint8_t *data,
			 size_t len);
/* DATA or DATAGRAM from the board; CREDIT from the board. */
void bflow_take_data(struct bsock *b, const struct msg *m);
void bflow_take_credit(struct bsock *b, uint32_t bytes);
/* Board flush: credits first, then data round robin. */
void bflow_flush_control(void);
void bflow_flush_data(void);
bool bflow_pending(void);
/* The socket is going: out of every queue. */
void bflow_forget(struct bsock *b);

#endif
