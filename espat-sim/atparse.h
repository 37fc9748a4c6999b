/*
 * AT command input parsing, with no I/O and no allocation. atparse_line_feed() is fed bytes by the
 * caller and assembles CRLF-terminated lines within a fixed limit; atparse_command() splits a line
 * into name, kind and arguments in place.
 */
#ifndef ESPAT_ATPARSE_H
#define ESPAT_ATPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATPARSE_LINE_MAX 256
#define ATPARSE_NAME_MAX 20
#define ATPARSE_ARGS_MAX 8

struct atparse_line {
	char buf[ATPARSE_LINE_MAX + 2]; /* the line, an optional CR, a NUL */
	size_t len;
	bool complete;   /* buf holds a finished line; the next feed starts a new one */
	bool discarding; /* an overlong line is being skipped up to its LF */
};

enum atparse_feed {
	ATPARSE_MORE,     /* every byte consumed, no line finished yet */
	ATPARSE_LINE,     /* a line ended: *used bytes consumed, the line is in buf/len without CR LF */
	ATPARSE_OVERFLOW, /* the line grew past ATPARSE_LINE_MAX: the rest up to LF will be skipped */
};

void atparse_line_init(struct atparse_line *p);
enum atparse_feed atparse_line_feed(struct atparse_line *p, const uint8_t *in, size_t len, size_t *used);

enum atparse_kind {
	ATPARSE_BARE,  /* "AT" */
	ATPARSE_EXEC,  /* "AT+NAME", "ATE0" */
	ATPARSE_QUERY, /* "AT+NAME?" */
	ATPARSE_TEST,  /* "AT+NAME=?" */
	ATPARSE_SET,   /* "AT+NAME=args" */
};

struct atparse_arg {
	const char *s; /* NUL-terminated, unescaped */
	size_t len;
	bool quoted;
};

struct atparse_cmd {
	char name[ATPARSE_NAME_MAX + 1]; /* "+CIPSEND", "E0"; empty for a bare "AT" */
	enum atparse_kind kind;
	size_t nargs;
	struct atparse_arg args[ATPARSE_ARGS_MAX];
};

enum atparse_status {
	ATPARSE_OK,
	ATPARSE_NOT_AT,        /* the line does not start with "AT" */
	ATPARSE_BAD_NAME,      /* empty, overlong or malformed command name */
	ATPARSE_BAD_QUOTE,     /* unterminated string, or text after a closing quote */
	ATPARSE_TOO_MANY_ARGS,
};

/* line must be NUL-terminated at line[len]; it is modified (strings are unescaped in place). */
enum atparse_status atparse_command(char *line, size_t len, struct atparse_cmd *cmd);

/* An unquoted decimal integer within [min, max]. */
bool atparse_int(const struct atparse_arg *arg, long min, long max, long *out);

#endif
