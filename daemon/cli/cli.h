/* k210sock: what the commands share (options, errors, small helpers). */
#ifndef K210SOCK_CLI_H
#define K210SOCK_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "k210sock.h"

enum cli_exit {
	CLI_OK = 0,
	CLI_FAILED = 1,       /* the operation failed */
	CLI_USAGE = 2,
	CLI_UNREACHABLE = 3,  /* the daemon cannot be reached */
	CLI_NO_BOARD = 4,     /* the daemon runs, no board is attached */
};

/* Command line options (-s, --json, ... and the per-command ones). */
struct cli {
	const char *socket;        /* NULL: $K210SOCK_SOCKET or the default */
	bool json, quiet, verbose;
	bool tls;                  /* connect --tls */
	bool keep;                 /* listen -k */
	bool no_shutdown;          /* connect, listen --no-shutdown */
	bool udp_listen;           /* udp --listen PORT */
	uint16_t udp_port;
	uint64_t bytes;            /* bench --bytes */
	unsigned streams;          /* bench --streams */
	const char *netif;         /* status --netif: k210-netif's control socket */
	const char *command;
	int argc;                  /* the command's arguments */
	char **argv;
};

/* Connect to the daemon; on failure report it and return NULL (exit 3). */
k210sock *cli_open(const struct cli *c);

/*
 * Report a failed library call as "k210sock: WHAT: why" and return the exit
 * code errno stands for (4 for no board, else 1).  h may be NULL: errno then.
 */
int cli_fail(const k210sock *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a local failure ("k210sock: WHAT: strerror(errnum)"); returns 1. */
int cli_fail_errno(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a usage error; returns 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A verbose note on stderr (with -v only). */
void cli_note(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a port 1..65535, or a count with an optional K/M/G suffix (powers of 1024). */
bool cli_parse_port(const char *s, uint16_t *port);
bool cli_parse_size(const char *s, uint64_t *v);

int64_t cli_now_us(void);
/* Dotted IPv4 of 4 network-order bytes, MAC as aa:bb:cc:dd:ee:ff. */
void cli_format_ip(char out[16], const void *ip);
void cli_format_mac(char out[18], const uint8_t mac[6]);
/* 1536 -> "1.5 KiB" */
void cli_format_bytes(char *out, size_t cap, double bytes);

/*
 * Print text from the daemon or the board for a terminal: control
 * characters as '?'; returns the characters printed (for padding).
 */
int cli_print_safe(const char *s);

/* Write all of buf to fd; 0, or -1 with errno. */
int cli_write_all(int fd, const void *buf, size_t len);

const char *cli_wifi_state_name(int state);

/* Commands: each returns the exit code. */
int status_run(const struct cli *c);
int control_resolve(const struct cli *c);
int control_ping(const struct cli *c);
int control_wifi(const struct cli *c);
int control_reset(const struct cli *c);
int monitor_run(const struct cli *c);
int stream_connect(const struct cli *c);
int stream_listen(const struct cli *c);
int udp_run(const struct cli *c);
int bench_run(const struct cli *c);

#endif
