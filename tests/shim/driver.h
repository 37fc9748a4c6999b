/*
 * What the AT driver transcripts share (step syntax in harness.h): common
 * steps written once, and the socket cases, which live in driver_sock.c.
 */
#ifndef K210_DRIVER_H
#define K210_DRIVER_H

#include <stddef.h>

#include "harness.h"

#define END { 0, NULL, 0 }
#define OK_REPLY { 'E', "\r\nOK\r\n", 0 }

/* Socket sock on module link link, TCP to 10.0.0.1:80, answered with request tag tag. */
#define CONNECT_LINK(sock, link, tag) \
	{ 'H', "CONNECT sock=" #sock " kind=1 host=10.0.0.1 port=80 win=65536", 0 }, \
	{ 'A', "AT+CIPSTART=" #link ",\"TCP\",\"10.0.0.1\",80", 0 }, \
	{ 'E', #link ",CONNECT\r\n\r\nOK\r\n", 0 }, \
	{ 'R', "CONNECT|R tag=" #tag " err=0 tx=8192 lport=0", 0 }
#define CONNECT_1 CONNECT_LINK(1, 0, 1)

#define GMR_17 "AT version:1.7.4.0(May 11 2020 19:13:04)\r\nSDK version:3.0.4(9532ceb)\r\nOK\r\n"

/* The module's configuration after "ready", up to the command asking for remote addresses. */
#define CONFIGURE_TO_DINFO(gmr) \
	{ 'A', "ATE0", 0 }, OK_REPLY, \
	{ 'A', "AT+GMR", 0 }, { 'E', gmr, 0 }, \
	{ 'A', "AT+CWMODE_CUR=1", 0 }, OK_REPLY, \
	{ 'A', "AT+CIPMUX=1", 0 }, OK_REPLY, \
	{ 'A', "AT+CIPRECVMODE=1", 0 }, OK_REPLY, \
	{ 'A', "AT+CIPDINFO=1", 0 }
#define CONFIGURE(gmr) CONFIGURE_TO_DINFO(gmr), OK_REPLY

/* For cases that boot the module themselves: its "ready", then the configuration. */
#define RAW_INIT(gmr) \
	{ 'W', "30", 0 }, \
	{ 'E', "\r\nready\r\n", 0 }, \
	CONFIGURE(gmr)

/* The board's first socket id for accepted clients with the fake board's entropy. */
#define ACCEPTED_ID "43508"
#define ACCEPTED_NEXT_ID "43509"

/* Sockets: connect, send, receive, close, UDP, listen, and how they fail. */
extern const struct hs_case driver_sock_cases[];
extern const size_t driver_sock_count;
/* Module behaviour beyond espat-sim's default: odd orders, missing lines, refusals. */
extern const struct hs_case driver_quirk_cases[];
extern const size_t driver_quirk_count;

#endif
