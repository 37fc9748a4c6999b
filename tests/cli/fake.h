/*
 * A scripted stand-in for k210sockd: listens on a Unix socket in a fresh
 * temporary directory and runs a script (in a thread of its own) for every
 * connection, with helpers to expect requests and send replies, whole or
 * one byte at a time.
 */
#ifndef K210SOCK_TEST_FAKE_H
#define K210SOCK_TEST_FAKE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "k210sock.h"
#include "msg.h"

#define FAKE_CONNS_MAX 16
#define FAKE_TIMEOUT_MS 5000

struct fake;
/* index counts the connections from 0 in the order they came. */
typedef void fake_script(struct fake *f, int fd, int index);

struct fake {
	char dir[80];
	char path[108];        /* sun_path */
	int lfd;
	fake_script *script;
	const void *ctx;         /* what the test gives its scripts */
	bool bytewise;           /* send every message one byte per write */
	volatile bool stopping;
	pthread_t acceptor;
	pthread_t workers[FAKE_CONNS_MAX];
	int workers_used;
	pthread_mutex_t lock;
	int failures;
};

/* Start listening; 0, or -1 (reported). */
int fake_start(struct fake *f, fake_script *script, const void *ctx, bool bytewise);
/* Wait for every script, remove the socket; returns the failures the scripts saw. */
int fake_stop(struct fake *f);

/* Start a fake daemon and open a handle on it; NULL when either fails (counted,
 * and the fake is stopped again: its script failing then says nothing new). */
k210sock *fake_open(struct fake *f, fake_script *script, const void *ctx, bool bytewise);
/* Close the handle and stop the fake, counting what its scripts saw. */
void fake_done(struct fake *f, k210sock *h);

void fake_fail(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The next message (buf holds it; m points into it).  False on EOF, timeout or garbage. */
bool fake_recv(struct fake *f, int fd, struct msg *m, uint8_t *buf);
/* The next message must be of type: false (and a failure) otherwise. */
bool fake_expect(struct fake *f, int fd, uint8_t type, struct msg *m, uint8_t *buf);
/* True when the client closed the connection (nothing else came) within timeout_ms. */
bool fake_expect_eof(struct fake *f, int fd, int timeout_ms);
void fake_send(struct fake *f, int fd, const struct msg *m);
void fake_send_raw(struct fake *f, int fd, const void *p, size_t n);
/* A response to req with err and no body fields. */
void fake_reply(struct fake *f, int fd, const struct msg *req, uint8_t err);
/* Expect HELLO and accept it. */
bool fake_hello(struct fake *f, int fd);

/* Client side checks: count failures, tell where. */
extern int check_failures;
#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			check_failures++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

#endif
