/*
 * Vector tests of the AT input parser: line assembly run whole and one byte at a time, command
 * splitting, integer arguments. Negative vectors are named after what is wrong with them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atparse.h"

#define EVENTS_MAX 8
#define EVENT_TEXT_MAX (ATPARSE_LINE_MAX + 2)

struct line_vector {
	const char *name;
	const char *input;
	size_t input_len; /* 0: strlen(input) */
	size_t nevents;
	const char *events[EVENTS_MAX]; /* "L:<line>" or "OVERFLOW" */
	size_t first_event_len;         /* 0: strlen(events[0]); set when it holds a NUL */
};

struct event_log {
	size_t n;
	char text[EVENTS_MAX][EVENT_TEXT_MAX + 3];
	size_t len[EVENTS_MAX];
};

static int failures;

static void check(int ok, const char *what, const char *name)
{
	if (!ok) {
		printf("FAIL %s: %s\n", name, what);
		failures++;
	}
}

static void log_event(struct event_log *log, const char *text, size_t len)
{
	if (log->n == EVENTS_MAX)
		return;
	memcpy(log->text[log->n], text, len);
	log->len[log->n] = len;
	log->n++;
}

static void feed(struct atparse_line *p, const uint8_t *in, size_t len, struct event_log *log)
{
	size_t off = 0, used;

	while (off < len) {
		char text[EVENT_TEXT_MAX + 3];

		switch (atparse_line_feed(p, in + off, len - off, &used)) {
		case ATPARSE_LINE:
			text[0] = 'L';
			text[1] = ':';
			memcpy(text + 2, p->buf, p->len);
			log_event(log, text, p->len + 2);
			break;
		case ATPARSE_OVERFLOW:
			log_event(log, "OVERFLOW", 8);
			break;
		case ATPARSE_MORE:
			break;
		}
		if (used == 0) {
			log_event(log, "STUCK", 5);
			return;
		}
		off += used;
	}
}

static void compare(const struct line_vector *v, const struct event_log *log, const char *mode)
{
	char what[128];

	snprintf(what, sizeof(what), "%s: %zu events, expected %zu", mode, log->n, v->nevents);
	check(log->n == v->nevents, what, v->name);
	for (size_t i = 0; i < log->n && i < v->nevents; i++) {
		size_t want = i == 0 && v->first_event_len != 0 ? v->first_event_len : strlen(v->events[i]);

		/* Expected lines of all 'A's are written as "L:A*<count>" to keep the table readable. */
		if (strncmp(v->events[i], "L:A*", 4) == 0) {
			size_t count = (size_t)atoi(v->events[i] + 4);
			int same = log->len[i] == count + 2;

			for (size_t k = 0; same && k < count; k++)
				same = log->text[i][2 + k] == 'A';
			snprintf(what, sizeof(what), "%s: event %zu is not %s", mode, i, v->events[i]);
			check(same, what, v->name);
			continue;
		}
		snprintf(what, sizeof(what), "%s: event %zu differs from %s", mode, i, v->events[i]);
		check(log->len[i] == want && memcmp(log->text[i], v->events[i], want) == 0, what, v->name);
	}
}

static char long_a_256[256 + 3];
static char long_a_257[257 + 7];
static char long_a_256_cr_junk[256 + 8];

static const struct line_vector line_vectors[] = {
	{ "plain", "AT\r\n", 0, 1, { "L:AT" }, 0 },
	{ "two_lines_one_chunk", "AT\r\nAT+GMR\r\n", 0, 2, { "L:AT", "L:AT+GMR" }, 0 },
	{ "lf_only", "AT\n", 0, 1, { "L:AT" }, 0 },
	{ "empty_line", "\r\n", 0, 1, { "L:" }, 0 },
	{ "unterminated", "AT+GMR", 0, 0, { NULL }, 0 },
	{ "cr_inside", "A\rT\r\n", 0, 1, { "L:A\rT" }, 0 },
	{ "binary_bytes", "A\0T\xff\r\n", 6, 1, { "L:A\0T\xff" }, 6 },
	{ "longest_line", long_a_256, 0, 1, { "L:A*256" }, 0 },
	{ "overlong_then_resync", long_a_257, 0, 2, { "OVERFLOW", "L:AT" }, 0 },
	{ "overlong_after_cr", long_a_256_cr_junk, 0, 2, { "OVERFLOW", "L:AT" }, 0 },
};

static void test_lines(void)
{
	memset(long_a_256, 'A', 256);
	strcpy(long_a_256 + 256, "\r\n");
	memset(long_a_257, 'A', 257);
	strcpy(long_a_257 + 257, "\r\nAT\r\n");
	memset(long_a_256_cr_junk, 'A', 256);
	strcpy(long_a_256_cr_junk + 256, "\rx\nAT\r\n");
	for (size_t i = 0; i < sizeof(line_vectors) / sizeof(line_vectors[0]); i++) {
		const struct line_vector *v = &line_vectors[i];
		size_t len = v->input_len != 0 ? v->input_len : strlen(v->input);
		struct atparse_line p;
		struct event_log whole = { 0 }, bytewise = { 0 };

		atparse_line_init(&p);
		feed(&p, (const uint8_t *)v->input, len, &whole);
		compare(v, &whole, "whole");
		atparse_line_init(&p);
		for (size_t k = 0; k < len; k++)
			feed(&p, (const uint8_t *)v->input + k, 1, &bytewise);
		compare(v, &bytewise, "byte by byte");
	}
}

struct command_vector {
	const char *name;
	const char *line;
	enum atparse_status status;
	const char *cmd_name;
	enum atparse_kind kind;
	size_t nargs;
	const char *args[ATPARSE_ARGS_MAX];
	int quoted[ATPARSE_ARGS_MAX];
};

static const struct command_vector command_vectors[] = {
	{ "bare", "AT", ATPARSE_OK, "", ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "exec", "AT+GMR", ATPARSE_OK, "+GMR", ATPARSE_EXEC, 0, { NULL }, { 0 } },
	{ "basic_echo_off", "ATE0", ATPARSE_OK, "E0", ATPARSE_EXEC, 0, { NULL }, { 0 } },
	{ "query", "AT+CIPMUX?", ATPARSE_OK, "+CIPMUX", ATPARSE_QUERY, 0, { NULL }, { 0 } },
	{ "test", "AT+CWMODE_CUR=?", ATPARSE_OK, "+CWMODE_CUR", ATPARSE_TEST, 0, { NULL }, { 0 } },
	{ "set_mixed", "AT+CIPSTART=0,\"TCP\",\"1.2.3.4\",80", ATPARSE_OK, "+CIPSTART", ATPARSE_SET, 4,
	    { "0", "TCP", "1.2.3.4", "80" }, { 0, 1, 1, 0 } },
	{ "set_escapes", "AT+CWJAP=\"a\\\"b\",\"c\\,d\\\\\"", ATPARSE_OK, "+CWJAP", ATPARSE_SET, 2,
	    { "a\"b", "c,d\\" }, { 1, 1 } },
	{ "set_comma_in_quotes", "AT+CWJAP=\"x,y\",\"\"", ATPARSE_OK, "+CWJAP", ATPARSE_SET, 2, { "x,y", "" },
	    { 1, 1 } },
	{ "set_empty_middle", "AT+CWJAP=\"s\",\"p\",,1", ATPARSE_OK, "+CWJAP", ATPARSE_SET, 4,
	    { "s", "p", "", "1" }, { 1, 1, 0, 0 } },
	{ "set_nothing", "AT+CIPMUX=", ATPARSE_OK, "+CIPMUX", ATPARSE_SET, 1, { "" }, { 0 } },
	{ "not_at", "XT+GMR", ATPARSE_NOT_AT, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "lowercase_prefix", "at", ATPARSE_NOT_AT, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "too_short", "A", ATPARSE_NOT_AT, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "plus_without_name", "AT+", ATPARSE_BAD_NAME, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "lowercase_name", "AT+gmr", ATPARSE_BAD_NAME, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "junk_after_name", "AT+GMR junk", ATPARSE_BAD_NAME, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "junk_after_query", "AT+CIPMUX?1", ATPARSE_BAD_NAME, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "name_too_long", "AT+ABCDEFGHIJKLMNOPQRSTUVWXYZ", ATPARSE_BAD_NAME, NULL, ATPARSE_BARE, 0, { NULL },
	    { 0 } },
	{ "unterminated_string", "AT+CWJAP=\"abc", ATPARSE_BAD_QUOTE, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "text_after_quote", "AT+CWJAP=\"a\"b", ATPARSE_BAD_QUOTE, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "quote_inside_number", "AT+CIPMUX=1\"", ATPARSE_BAD_QUOTE, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "backslash_at_end", "AT+CWJAP=\"a\\", ATPARSE_BAD_QUOTE, NULL, ATPARSE_BARE, 0, { NULL }, { 0 } },
	{ "too_many_args", "AT+X=1,2,3,4,5,6,7,8,9", ATPARSE_TOO_MANY_ARGS, NULL, ATPARSE_BARE, 0, { NULL },
	    { 0 } },
};

static void check_command(const struct command_vector *v, enum atparse_status st, const struct atparse_cmd *cmd,
    const char *mode)
{
	char what[160];

	snprintf(what, sizeof(what), "%s: status %d, expected %d", mode, (int)st, (int)v->status);
	check(st == v->status, what, v->name);
	if (st != ATPARSE_OK || v->status != ATPARSE_OK)
		return;
	snprintf(what, sizeof(what), "%s: name '%s', kind %d, %zu args", mode, cmd->name, (int)cmd->kind, cmd->nargs);
	check(strcmp(cmd->name, v->cmd_name) == 0 && cmd->kind == v->kind && cmd->nargs == v->nargs, what, v->name);
	for (size_t i = 0; i < cmd->nargs && i < v->nargs; i++) {
		snprintf(what, sizeof(what), "%s: argument %zu is '%s' (quoted %d)", mode, i, cmd->args[i].s,
		    (int)cmd->args[i].quoted);
		check(strcmp(cmd->args[i].s, v->args[i]) == 0 && cmd->args[i].len == strlen(v->args[i]) &&
		    (int)cmd->args[i].quoted == v->quoted[i], what, v->name);
	}
}

static void test_commands(void)
{
	for (size_t i = 0; i < sizeof(command_vectors) / sizeof(command_vectors[0]); i++) {
		const struct command_vector *v = &command_vectors[i];
		char line[ATPARSE_LINE_MAX + 3];
		struct atparse_cmd cmd;
		struct atparse_line p;
		size_t used, len;

		snprintf(line, sizeof(line), "%s", v->line);
		check_command(v, atparse_command(line, strlen(line), &cmd), &cmd, "whole");
		/* The same command arriving one byte at a time through the line parser. */
		snprintf(line, sizeof(line), "%s\r\n", v->line);
		len = strlen(line);
		atparse_line_init(&p);
		for (size_t k = 0; k < len; k++) {
			if (atparse_line_feed(&p, (const uint8_t *)line + k, 1, &used) == ATPARSE_LINE)
				check_command(v, atparse_command(p.buf, p.len, &cmd), &cmd, "byte by byte");
		}
	}
}

struct int_vector {
	const char *name;
	const char *text;
	int quoted;
	long min, max;
	int ok;
	long value;
};

static const struct int_vector int_vectors[] = {
	{ "port", "80", 0, 0, 65535, 1, 80 },
	{ "zero", "0", 0, 0, 1, 1, 0 },
	{ "negative_allowed", "-52", 0, -100, 0, 1, -52 },
	{ "negative_below_min", "-1", 0, 0, 65535, 0, 0 },
	{ "above_max", "65536", 0, 0, 65535, 0, 0 },
	{ "empty", "", 0, 0, 10, 0, 0 },
	{ "sign_only", "-", 0, -10, 10, 0, 0 },
	{ "quoted_number", "5", 1, 0, 10, 0, 0 },
	{ "trailing_letter", "12a", 0, 0, 100, 0, 0 },
	{ "overflowing", "99999999999999999999", 0, 0, 2147483647L, 0, 0 },
};

static void test_ints(void)
{
	for (size_t i = 0; i < sizeof(int_vectors) / sizeof(int_vectors[0]); i++) {
		const struct int_vector *v = &int_vectors[i];
		struct atparse_arg arg = { v->text, strlen(v->text), v->quoted != 0 };
		long out = -12345;
		int ok = atparse_int(&arg, v->min, v->max, &out);

		check(ok == v->ok, ok ? "accepted" : "rejected", v->name);
		if (ok && v->ok)
			check(out == v->value, "wrong value", v->name);
	}
}

int main(void)
{
	test_lines();
	test_commands();
	test_ints();
	if (failures != 0) {
		printf("%d failures\n", failures);
		return 1;
	}
	printf("atparse: all vectors passed\n");
	return 0;
}
