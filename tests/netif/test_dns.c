/*
 * The DNS query parser and answer builders of k210-netif's resolver.  Every
 * vector runs whole and cut at every length: a cut inside the question never
 * parses, a cut after it parses the same (the additional section is not
 * read).  Answers are checked field by field.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "check.h"
#include "dns.h"

/* www.k210.test, type A, with an EDNS OPT record. */
#define Q_A "be ef 01 00 00 01 00 00 00 00 00 01 03 77 77 77 04 6b 32 31 30 04 74 65 73 74 00 00 01 " \
	    "00 01 00 00 29 04 d0 00 00 00 00 00 00"
#define Q_AAAA "12 34 01 00 00 01 00 00 00 00 00 00 03 77 77 77 04 6b 32 31 30 04 74 65 73 74 00 00 1c 00 01"
#define Q_HDR "12 34 01 00 00 01 00 00 00 00 00 00 "

struct dns_vector {
	const char *name;
	const char *hex;
	enum dns_status status;
	const char *qname;
	uint16_t qtype;
	int rcode;            /* dns_status_rcode */
};

static const struct dns_vector vectors[] = {
	{ "A with EDNS", Q_A, DNS_OK, "www.k210.test", DNS_TYPE_A, DNS_NOERROR },
	{ "AAAA", Q_AAAA, DNS_OK, "www.k210.test", DNS_TYPE_AAAA, DNS_NOERROR },
	{ "upper case, digits, hyphen", Q_HDR "07 57 57 57 2d 6e 30 31 02 49 4f 00 00 01 00 01", DNS_OK,
	  "WWW-n01.IO", DNS_TYPE_A, DNS_NOERROR },
	{ "root", Q_HDR "00 00 02 00 01", DNS_OK, "", 2, DNS_NOERROR },
	{ "PTR", Q_HDR "01 31 01 30 07 69 6e 2d 61 64 64 72 04 61 72 70 61 00 00 0c 00 01", DNS_OK,
	  "1.0.in-addr.arpa", 12, DNS_NOERROR },
	/* Negative cases. */
	{ "shorter than a header", "12 34 01 00 00 01 00 00 00 00 00", DNS_SHORT, NULL, 0, -1 },
	{ "a response", "12 34 81 80 00 01 00 00 00 00 00 00 00 00 01 00 01", DNS_RESPONSE, NULL, 0, -1 },
	{ "status opcode", "12 34 11 00 00 01 00 00 00 00 00 00 00 00 01 00 01", DNS_OPCODE, NULL, 0,
	  DNS_NOTIMP },
	{ "two questions", "12 34 01 00 00 02 00 00 00 00 00 00 00 00 01 00 01", DNS_COUNTS, NULL, 0,
	  DNS_FORMERR },
	{ "no question", "12 34 01 00 00 00 00 00 00 00 00 00", DNS_COUNTS, NULL, 0, DNS_FORMERR },
	{ "answers in a query", "12 34 01 00 00 01 00 01 00 00 00 00 00 00 01 00 01", DNS_COUNTS, NULL, 0,
	  DNS_FORMERR },
	{ "two additional records", "12 34 01 00 00 01 00 00 00 00 00 02 00 00 01 00 01", DNS_COUNTS, NULL,
	  0, DNS_FORMERR },
	{ "label of 64", Q_HDR "40", DNS_LABEL, NULL, 0, DNS_FORMERR },
	{ "compression pointer", Q_HDR "c0 0c 00 01 00 01", DNS_LABEL, NULL, 0, DNS_FORMERR },
	{ "label past the end", Q_HDR "05 61 62", DNS_TRUNCATED, NULL, 0, DNS_FORMERR },
	{ "no end of name", Q_HDR "01 61", DNS_TRUNCATED, NULL, 0, DNS_FORMERR },
	{ "type and class missing", Q_HDR "01 61 00 00 01", DNS_TRUNCATED, NULL, 0, DNS_FORMERR },
	{ "space in a label", Q_HDR "03 61 20 62 00 00 01 00 01", DNS_CHARACTER, "a b", DNS_TYPE_A,
	  DNS_REFUSED },
	{ "quote in a label", Q_HDR "03 61 22 62 00 00 01 00 01", DNS_CHARACTER, "a\"b", DNS_TYPE_A,
	  DNS_REFUSED },
	{ "dot inside a label", Q_HDR "03 61 2e 62 00 00 01 00 01", DNS_CHARACTER, "a.b", DNS_TYPE_A,
	  DNS_REFUSED },
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct dns_vector *v = &vectors[i];
		uint8_t buf[512];
		size_t len = check_hex(v->hex, buf, sizeof(buf));
		struct dns_query q, c;

		check_case = v->name;
		CHECK_EQ(dns_parse_query(buf, len, &q), v->status);
		CHECK_EQ(dns_status_rcode(v->status), v->rcode);
		if (v->qname) {
			CHECK(strcmp(q.name, v->qname) == 0);
			CHECK_EQ(q.qtype, v->qtype);
			CHECK_EQ(q.qclass, DNS_CLASS_IN);
			CHECK(q.question == buf + DNS_HEADER);
			/* Cut inside the question: never whole; after it: the same query. */
			for (size_t cut = 0; cut < len; cut++) {
				uint8_t *copy = malloc(cut ? cut : 1);
				enum dns_status st;

				memcpy(copy, buf, cut);
				st = dns_parse_query(copy, cut, &c);
				if (cut < DNS_HEADER + q.question_len) {
					CHECK(st != DNS_OK && st != DNS_CHARACTER);
				} else {
					CHECK_EQ(st, v->status);
					CHECK(strcmp(c.name, q.name) == 0);
				}
				free(copy);
			}
		} else {
			for (size_t cut = 0; cut < len; cut++) {
				uint8_t *copy = malloc(cut ? cut : 1);

				memcpy(copy, buf, cut);
				CHECK(dns_parse_query(copy, cut, &c) != DNS_OK);
				free(copy);
			}
		}
	}
	check_case = NULL;
}

/* A query for a name of labels of the given lengths; returns its length. */
static size_t dns_name_query(uint8_t *buf, const int *labels, int n)
{
	size_t len = check_hex(Q_HDR, buf, 64);

	for (int l = 0; l < n; l++) {
		buf[len++] = (uint8_t)labels[l];
		memset(buf + len, 'a' + l, (size_t)labels[l]);
		len += (size_t)labels[l];
	}
	buf[len++] = 0;
	memcpy(buf + len, "\x00\x01\x00\x01", 4);
	return len + 4;
}

static void test_longest_name(void)
{
	static const int fits[] = { 63, 63, 63, 61 }, over[] = { 63, 63, 63, 62 };
	uint8_t buf[600];
	struct dns_query q;

	check_case = "253 characters";
	CHECK_EQ(dns_parse_query(buf, dns_name_query(buf, fits, 4), &q), DNS_OK);
	CHECK_EQ(strlen(q.name), 253);
	check_case = "254 characters";
	CHECK_EQ(dns_parse_query(buf, dns_name_query(buf, over, 4), &q), DNS_TOO_LONG);
	check_case = NULL;
}

static void test_answers(void)
{
	uint8_t buf[512], out[DNS_ANSWER_MAX];
	size_t len = check_hex(Q_A, buf, sizeof(buf)), n;
	struct in_addr addrs[2];
	struct dns_query q;

	inet_pton(AF_INET, "198.18.0.1", &addrs[0]);
	inet_pton(AF_INET, "198.18.0.2", &addrs[1]);
	dns_parse_query(buf, len, &q);

	check_case = "two A records";
	n = dns_build_answer(out, sizeof(out), &q, DNS_NOERROR, addrs, 2, 60);
	CHECK_EQ(n, 12 + 19 + 2 * 16);
	CHECK_EQ(out[0], 0xbe);
	CHECK_EQ(out[1], 0xef);
	CHECK_EQ(out[2], 0x81);   /* QR, RD echoed */
	CHECK_EQ(out[3], 0x80);   /* RA, NOERROR */
	CHECK_EQ(out[5], 1);
	CHECK_EQ(out[7], 2);
	CHECK_EQ(out[11], 0);     /* the OPT record is not echoed */
	CHECK_MEM(out + 12, buf + 12, 19);
	CHECK_MEM(out + 31, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc6\x12\x00\x01", 16);
	CHECK_MEM(out + 59, "\xc6\x12\x00\x02", 4);

	check_case = "NXDOMAIN carries no records";
	n = dns_build_answer(out, sizeof(out), &q, DNS_NXDOMAIN, addrs, 2, 60);
	CHECK_EQ(n, 31);
	CHECK_EQ(out[3], 0x83);
	CHECK_EQ(out[7], 0);

	check_case = "empty answer";
	n = dns_build_answer(out, sizeof(out), &q, DNS_NOERROR, NULL, 0, 60);
	CHECK_EQ(n, 31);
	CHECK_EQ(out[3], 0x80);

	check_case = "answer does not fit";
	CHECK_EQ(dns_build_answer(out, 40, &q, DNS_NOERROR, addrs, 2, 60), 0);

	check_case = "header only";
	n = dns_build_header_only(out, sizeof(out), buf, len, DNS_FORMERR);
	CHECK_EQ(n, 12);
	CHECK_EQ(out[3], 0x81);
	CHECK_EQ(out[5], 0);
	CHECK_EQ(dns_build_header_only(out, sizeof(out), buf, 11, DNS_FORMERR), 0);
	check_case = NULL;
}

int main(void)
{
	test_vectors();
	test_longest_name();
	test_answers();
	return check_done("netif-dns");
}
