/*
 * The DNS server on the interface's resolver address: a parser of queries
 * (RFC 1035) that checks every length before use and allocates nothing, and
 * builders of the answers.  One question per query, names without
 * compression pointers (no resolver sends them in a question); names are
 * looked up on the board, so they must be names the board can take.
 */
#ifndef NETIF_DNS_H
#define NETIF_DNS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 253
#define DNS_HEADER 12
#define DNS_ANSWER_MAX 512   /* what a UDP answer may hold without EDNS */

#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

enum dns_rcode {
	DNS_NOERROR = 0,
	DNS_FORMERR = 1,
	DNS_SERVFAIL = 2,
	DNS_NXDOMAIN = 3,
	DNS_NOTIMP = 4,
	DNS_REFUSED = 5,
};

enum dns_status {
	DNS_OK = 0,
	DNS_SHORT,          /* shorter than a header: nothing to answer */
	DNS_RESPONSE,       /* QR set: a response, never answered */
	DNS_OPCODE,         /* not a standard query: answer NOTIMP */
	DNS_COUNTS,         /* not exactly one question, or answers in a query: FORMERR */
	DNS_TRUNCATED,      /* the question runs past the datagram: FORMERR */
	DNS_LABEL,          /* a label of bad length, or a compression pointer: FORMERR */
	DNS_TOO_LONG,       /* the name exceeds 253 characters: FORMERR */
	DNS_CHARACTER,      /* a character the board cannot look up: REFUSED */
};

struct dns_query {
	uint16_t id;
	uint16_t flags;            /* the query's flags (RD is echoed) */
	uint16_t qtype, qclass;
	char name[DNS_NAME_MAX + 1];   /* dotted, lower case as sent, no final dot; "" for the root */
	const uint8_t *question;   /* the question section as sent, echoed in the answer */
	size_t question_len;
};

enum dns_status dns_parse_query(const uint8_t *buf, size_t n, struct dns_query *q);
const char *dns_status_str(enum dns_status st);
/* The answer code for a query that failed to parse (DNS_SHORT and DNS_RESPONSE: none, -1). */
int dns_status_rcode(enum dns_status st);

/*
 * The answer to q: rcode, and for DNS_NOERROR naddrs A records of ttl
 * seconds (none: an empty answer).  Returns its length, or 0 when it does
 * not fit cap.
 */
size_t dns_build_answer(uint8_t *out, size_t cap, const struct dns_query *q, uint8_t rcode,
			const struct in_addr *addrs, int naddrs, uint32_t ttl);
/* An answer with only a header (for queries whose question did not parse): id and rcode. */
size_t dns_build_header_only(uint8_t *out, size_t cap, const uint8_t *query, size_t n,
			     uint8_t rcode);

#endif
