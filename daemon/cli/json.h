/*
 * A small JSON writer: compact output on one line, strings escaped and
 * made valid UTF-8 (bytes that are not become U+FFFD), numbers that JSON
 * cannot carry (NaN, infinities) written as null.
 */
#ifndef K210SOCK_JSON_H
#define K210SOCK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Status keys (32 bytes) nest at most 17 deep. */
#define JSON_DEPTH_MAX 32

struct json {
	FILE *f;
	int depth;
	bool first[JSON_DEPTH_MAX + 1];
};

void json_init(struct json *j, FILE *f);
/* key is the member name inside an object, NULL inside an array or at the top. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s);
void json_int(struct json *j, const char *key, int64_t v);
void json_double(struct json *j, const char *key, double v, int decimals);
/* End the top-level value with a newline and flush. */
void json_finish(struct json *j);

#endif
