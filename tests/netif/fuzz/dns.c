/*
 * The DNS query parser on any bytes: nothing is read past the input, a name
 * is at most 253 characters of what the board accepts, and every answer to a
 * query that parsed fits 512 bytes and parses back as a response.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[DNS_ANSWER_MAX];
	struct in_addr addrs[8];
	struct dns_query q, r;
	uint8_t *buf = malloc(size ? size : 1);
	enum dns_status st;
	size_t n;

	memcpy(buf, data, size);
	st = dns_parse_query(buf, size, &q);
	if (st == DNS_OK || st == DNS_CHARACTER) {
		if (strlen(q.name) > DNS_NAME_MAX || DNS_HEADER + q.question_len > size)
			abort();
		for (const char *c = q.name; st == DNS_OK && *c; c++)
			if (*c == '"' || *c == ',' || *c == '\\' || *c <= ' ' || *c >= 0x7f)
				abort();
		memset(addrs, 0x5a, sizeof(addrs));
		n = dns_build_answer(out, sizeof(out), &q, DNS_NOERROR, addrs, 8, 60);
		if (n == 0 || n > sizeof(out))
			abort();
		/* An answer is a response: the parser refuses it as a query. */
		if (dns_parse_query(out, n, &r) != DNS_RESPONSE)
			abort();
	}
	if (size >= DNS_HEADER && dns_build_header_only(out, sizeof(out), buf, size, DNS_FORMERR) != DNS_HEADER)
		abort();
	free(buf);
	return 0;
}
