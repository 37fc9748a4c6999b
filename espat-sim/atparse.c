#include "atparse.h"

#include <string.h>

void atparse_line_init(struct atparse_line *p)
{
	p->len = 0;
	p->complete = false;
	p->discarding = false;
	p->buf[0] = '\0';
}

enum atparse_feed atparse_line_feed(struct atparse_line *p, const uint8_t *in, size_t len, size_t *used)
{
	if (p->complete) {
		p->len = 0;
		p->complete = false;
	}
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (c == '\n') {
			if (p->discarding) {
				p->discarding = false;
				p->len = 0;
				continue;
			}
			if (p->len > 0 && p->buf[p->len - 1] == '\r')
				p->len--;
			p->buf[p->len] = '\0';
			p->complete = true;
			*used = i + 1;
			return ATPARSE_LINE;
		}
		if (p->discarding)
			continue;
		/* One byte past the limit is allowed only for the CR of the terminating CR LF. */
		if (p->len < ATPARSE_LINE_MAX || (p->len == ATPARSE_LINE_MAX && c == '\r')) {
			p->buf[p->len++] = (char)c;
			continue;
		}
		p->discarding = true;
		p->len = 0;
		*used = i + 1;
		return ATPARSE_OVERFLOW;
	}
	*used = len;
	return ATPARSE_MORE;
}

static bool atparse_is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Splits "a,"b\"c",,d" into arguments, unescaping quoted strings in place. */
static enum atparse_status atparse_args(char *p, char *end, struct atparse_cmd *cmd)
{
	for (;;) {
		struct atparse_arg *arg;

		if (cmd->nargs == ATPARSE_ARGS_MAX)
			return ATPARSE_TOO_MANY_ARGS;
		arg = &cmd->args[cmd->nargs++];
		if (p < end && *p == '"') {
			char *out = p, *start = p;

			p++;
			while (p < end && *p != '"') {
				/* \" \, and \\ stand for the character after the backslash. */
				if (*p == '\\' && p + 1 < end)
					p++;
				*out++ = *p++;
			}
			if (p == end)
				return ATPARSE_BAD_QUOTE;
			p++;
			if (p < end && *p != ',')
				return ATPARSE_BAD_QUOTE;
			*out = '\0';
			arg->s = start;
			arg->len = (size_t)(out - start);
			arg->quoted = true;
		} else {
			char *start = p;

			while (p < end && *p != ',') {
				if (*p == '"')
					return ATPARSE_BAD_QUOTE;
				p++;
			}
			arg->s = start;
			arg->len = (size_t)(p - start);
			arg->quoted = false;
		}
		if (p == end) {
			*p = '\0';
			return ATPARSE_OK;
		}
		*p++ = '\0';
	}
}

enum atparse_status atparse_command(char *line, size_t len, struct atparse_cmd *cmd)
{
	char *p = line + 2, *end = line + len;
	size_t n = 0;

	memset(cmd, 0, sizeof(*cmd));
	if (len < 2 || line[0] != 'A' || line[1] != 'T')
		return ATPARSE_NOT_AT;
	if (p == end) {
		cmd->kind = ATPARSE_BARE;
		return ATPARSE_OK;
	}
	if (*p == '+')
		cmd->name[n++] = *p++;
	while (p < end && atparse_is_name_char(*p)) {
		if (n == ATPARSE_NAME_MAX)
			return ATPARSE_BAD_NAME;
		cmd->name[n++] = *p++;
	}
	cmd->name[n] = '\0';
	if (n == 0 || (n == 1 && cmd->name[0] == '+'))
		return ATPARSE_BAD_NAME;
	if (p == end) {
		cmd->kind = ATPARSE_EXEC;
		return ATPARSE_OK;
	}
	if (*p == '?' && p + 1 == end) {
		cmd->kind = ATPARSE_QUERY;
		return ATPARSE_OK;
	}
	if (*p != '=')
		return ATPARSE_BAD_NAME;
	p++;
	if (p + 1 == end && *p == '?') {
		cmd->kind = ATPARSE_TEST;
		return ATPARSE_OK;
	}
	cmd->kind = ATPARSE_SET;
	return atparse_args(p, end, cmd);
}

bool atparse_int(const struct atparse_arg *arg, long min, long max, long *out)
{
	const char *s = arg->s;
	bool negative = false;
	long v = 0;

	if (arg->quoted || arg->len == 0)
		return false;
	if (*s == '-') {
		negative = true;
		s++;
	}
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		/* Anything past ten digits is out of every range the firmware accepts. */
		if (v > 999999999L)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (negative)
		v = -v;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}
