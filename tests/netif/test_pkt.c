/*
 * The packet parser, rewriting and builders of k210-netif.  Every vector runs
 * whole and cut at every length (a cut packet never parses as whole); a
 * rewritten packet keeps valid checksums, computed afresh here.
 */
#include <stdlib.h>

#include "check.h"
#include "pkt.h"

#define A_HOST 0x0ad20001u    /* 10.210.0.1 */
#define A_NAT 0x0ad20002u
#define A_RESOLVER 0x0ad20003u
#define A_REMOTE 0xc6120001u  /* 198.18.0.1 */

#define SYN "45 00 00 3c 12 34 00 00 40 06 97 a2 0a d2 00 01 c6 12 00 01 a8 ca 00 50 11 22 33 44 " \
	    "00 00 00 00 a0 02 fa f0 b2 42 00 00 02 04 ff d7 04 02 08 0a 00 01 e2 40 00 00 00 00 " \
	    "01 03 03 07"
#define DATA "45 00 00 3a 12 34 00 00 40 06 97 a4 0a d2 00 01 c6 12 00 01 a8 ca 00 50 11 22 33 45 " \
	     "55 66 77 88 50 18 fa f0 4a d3 00 00 47 45 54 20 2f 20 48 54 54 50 2f 31 2e 30 0d 0a 0d 0a"
#define FIN "45 00 00 28 12 34 00 00 40 06 97 b6 0a d2 00 01 c6 12 00 01 a8 ca 00 50 11 22 33 57 " \
	    "55 66 77 88 50 11 fa f0 29 7a 00 00"
#define DNSQ "45 00 00 46 12 34 00 00 40 11 52 cc 0a d2 00 01 0a d2 00 03 14 e9 00 35 00 32 44 71 " \
	     "be ef 01 00 00 01 00 00 00 00 00 01 03 77 77 77 04 6b 32 31 30 04 74 65 73 74 00 00 01 " \
	     "00 01 00 00 29 04 d0 00 00 00 00 00 00"
#define UDP_NOCSUM "45 00 00 21 12 34 00 00 40 11 97 b2 0a d2 00 01 c6 12 00 01 9c 40 1e 61 00 0d 00 00 " \
		   "68 65 6c 6c 6f"
#define UDP "45 00 00 21 12 34 00 00 40 11 97 b2 0a d2 00 01 c6 12 00 01 9c 40 1e 61 00 0d 30 7a " \
	    "68 65 6c 6c 6f"
#define ECHO "45 00 00 24 12 34 00 00 40 01 97 bf 0a d2 00 01 c6 12 00 01 08 00 54 35 12 34 00 01 " \
	     "61 62 63 64 65 66 67 68"
#define IPOPTS "46 00 00 22 12 34 00 00 40 11 94 b0 0a d2 00 01 c6 12 00 01 01 01 01 00 00 01 00 02 " \
	       "00 0a 00 00 68 69"

struct pkt_vector {
	const char *name;
	const char *hex;
	enum pkt_status status;
	uint8_t proto;
	uint16_t sport, dport;   /* ICMP: id, seq */
	uint8_t flags;
	uint16_t payload_len;
};

static const struct pkt_vector vectors[] = {
	{ "tcp syn with mss, sack, timestamps, window scale", SYN, PKT_OK, PKT_PROTO_TCP, 43210, 80,
	  PKT_TCP_SYN, 0 },
	{ "tcp data with push and ack", DATA, PKT_OK, PKT_PROTO_TCP, 43210, 80, PKT_TCP_PSH | PKT_TCP_ACK, 18 },
	{ "tcp fin", FIN, PKT_OK, PKT_PROTO_TCP, 43210, 80, PKT_TCP_FIN | PKT_TCP_ACK, 0 },
	{ "udp dns query with edns", DNSQ, PKT_OK, PKT_PROTO_UDP, 5353, 53, 0, 42 },
	{ "udp without checksum", UDP_NOCSUM, PKT_OK, PKT_PROTO_UDP, 40000, 7777, 0, 5 },
	{ "udp", UDP, PKT_OK, PKT_PROTO_UDP, 40000, 7777, 0, 5 },
	{ "icmp echo request", ECHO, PKT_OK, PKT_PROTO_ICMP, 0x1234, 1, 0, 8 },
	{ "ip header with options", IPOPTS, PKT_OK, PKT_PROTO_UDP, 1, 2, 0, 2 },
	{ "bytes past the total length are ignored", UDP " ff ff ff", PKT_OK, PKT_PROTO_UDP, 40000, 7777,
	  0, 5 },
	/* Negative cases. */
	{ "empty", "", PKT_SHORT, 0, 0, 0, 0, 0 },
	{ "ipv6", "60 00 00 00 00 08 11 40 fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 ff 02 00 00 00 "
		  "00 00 00 00 00 00 00 00 00 00 02 00 01 00 02 00 08 00 00", PKT_NOT_IPV4, 0, 0, 0, 0, 0 },
	{ "ipv6 shorter than an ipv4 header", "60 00 00 00", PKT_NOT_IPV4, 0, 0, 0, 0, 0 },
	{ "ipv4 header cut at 19 bytes", "45 00 00 14 00 00 00 00 40 06 00 00 0a d2 00 01 c6 12 00",
	  PKT_SHORT, 0, 0, 0, 0, 0 },
	{ "header length below 20", "44 00 00 14 00 00 00 00 40 06 00 00 0a d2 00 01 c6 12 00 01",
	  PKT_BAD_HEADER, 0, 0, 0, 0, 0 },
	{ "header length past the packet", "4f 00 00 14 00 00 00 00 40 06 00 00 0a d2 00 01 c6 12 00 01",
	  PKT_BAD_HEADER, 0, 0, 0, 0, 0 },
	{ "total length below the header", "45 00 00 13 00 00 00 00 40 06 00 00 0a d2 00 01 c6 12 00 01",
	  PKT_BAD_LENGTH, 0, 0, 0, 0, 0 },
	{ "total length past what was read", "45 00 00 40 00 00 00 00 40 11 00 00 0a d2 00 01 c6 12 00 01 "
					     "00 01 00 02 00 08 00 00", PKT_BAD_LENGTH, 0, 0, 0, 0, 0 },
	{ "more fragments", "45 00 00 1c 00 00 20 00 40 11 00 00 0a d2 00 01 c6 12 00 01 00 01 00 02 00 08 "
			    "00 00", PKT_FRAGMENT, 0, 0, 0, 0, 0 },
	{ "fragment offset", "45 00 00 1c 00 00 00 02 40 11 00 00 0a d2 00 01 c6 12 00 01 00 01 00 02 00 08 "
			     "00 00", PKT_FRAGMENT, 0, 0, 0, 0, 0 },
	{ "tcp data offset below 5", "45 00 00 28 00 00 00 00 40 06 00 00 0a d2 00 01 c6 12 00 01 a8 ca 00 "
				     "50 00 00 00 00 00 00 00 00 40 02 fa f0 00 00 00 00",
	  PKT_BAD_L4, 0, 0, 0, 0, 0 },
	{ "tcp header past the packet", "45 00 00 28 00 00 00 00 40 06 00 00 0a d2 00 01 c6 12 00 01 a8 ca "
					"00 50 00 00 00 00 00 00 00 00 f0 02 fa f0 00 00 00 00",
	  PKT_BAD_L4, 0, 0, 0, 0, 0 },
	{ "tcp shorter than its header", "45 00 00 1a 00 00 00 00 40 06 00 00 0a d2 00 01 c6 12 00 01 a8 ca "
					 "00 50 00 00", PKT_BAD_L4, 0, 0, 0, 0, 0 },
	{ "udp length disagrees with ip", "45 00 00 1e 00 00 00 00 40 11 00 00 0a d2 00 01 c6 12 00 01 00 01 "
					  "00 02 00 0c 00 00 68 69", PKT_BAD_L4, 0, 0, 0, 0, 0 },
	{ "udp shorter than its header", "45 00 00 1a 00 00 00 00 40 11 00 00 0a d2 00 01 c6 12 00 01 00 01 "
					 "00 02 00 06", PKT_BAD_L4, 0, 0, 0, 0, 0 },
	{ "icmp shorter than 8", "45 00 00 18 00 00 00 00 40 01 00 00 0a d2 00 01 c6 12 00 01 08 00 00 00",
	  PKT_BAD_L4, 0, 0, 0, 0, 0 },
	{ "gre", "45 00 00 18 00 00 00 00 40 2f 00 00 0a d2 00 01 c6 12 00 01 00 00 08 00", PKT_OTHER_PROTO,
	  0, 0, 0, 0, 0 },
};

/* The checksums a receiver would verify: IP header and transport, both zero-sum. */
static void check_checksums(const uint8_t *b, const struct pkt *p)
{
	uint8_t ph[12 + PKT_MAX];
	size_t l4 = (size_t)(p->len - p->ip_hlen);

	CHECK_EQ(pkt_checksum(b, p->ip_hlen), 0);
	if (p->proto == PKT_PROTO_ICMP) {
		CHECK_EQ(pkt_checksum(b + p->ip_hlen, l4), 0);
		return;
	}
	if (p->proto == PKT_PROTO_UDP && b[p->ip_hlen + 6] == 0 && b[p->ip_hlen + 7] == 0)
		return;
	memcpy(ph, b + 12, 8);
	ph[8] = 0;
	ph[9] = p->proto;
	ph[10] = (uint8_t)(l4 >> 8);
	ph[11] = (uint8_t)l4;
	memcpy(ph + 12, b + p->ip_hlen, l4);
	CHECK_EQ(pkt_checksum(ph, 12 + l4), 0);
}

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct pkt_vector *v = &vectors[i];
		uint8_t buf[512];
		size_t len = check_hex(v->hex, buf, sizeof(buf));
		struct pkt p;

		check_case = v->name;
		CHECK_EQ(pkt_parse(buf, len, &p), v->status);
		if (v->status == PKT_OK) {
			CHECK_EQ(p.proto, v->proto);
			CHECK_EQ(p.src, A_HOST);
			if (p.proto == PKT_PROTO_ICMP) {
				CHECK_EQ(p.icmp_id, v->sport);
				CHECK_EQ(p.icmp_seq, v->dport);
			} else {
				CHECK_EQ(p.sport, v->sport);
				CHECK_EQ(p.dport, v->dport);
			}
			CHECK_EQ(p.flags, v->flags);
			CHECK_EQ(p.payload_len, v->payload_len);
			CHECK(p.payload + p.payload_len <= buf + len);
			check_checksums(buf, &p);
			/* Cut anywhere before its end, a packet never parses as whole. */
			for (size_t cut = 0; cut < p.len; cut++)
				CHECK(pkt_parse(buf, cut, &p) != PKT_OK);
		}
		/* Also every cut of a bad packet: never past its bytes (ASan watches). */
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);

			memcpy(copy, buf, cut);
			pkt_parse(copy, cut, &p);
			free(copy);
		}
	}
	check_case = NULL;
}

/* Rewriting both ways keeps the checksums valid, and a round trip restores the bytes. */
static void test_rewrite(void)
{
	static const char *const hexes[] = { SYN, DATA, FIN, UDP, DNSQ, IPOPTS };

	for (size_t i = 0; i < sizeof(hexes) / sizeof(hexes[0]); i++) {
		uint8_t buf[256], orig[256];
		size_t len = check_hex(hexes[i], buf, sizeof(buf));
		struct pkt p, q;

		check_case = "rewrite";
		memcpy(orig, buf, len);
		CHECK_EQ(pkt_parse(buf, len, &p), PKT_OK);
		pkt_rewrite(buf, &p, A_NAT, 61000, A_HOST, 39999);
		CHECK_EQ(pkt_parse(buf, len, &q), PKT_OK);
		CHECK_EQ(q.src, A_NAT);
		CHECK_EQ(q.dst, A_HOST);
		CHECK_EQ(q.sport, 61000);
		CHECK_EQ(q.dport, 39999);
		check_checksums(buf, &q);
		pkt_rewrite(buf, &q, p.src, p.sport, p.dst, p.dport);
		CHECK_MEM(buf, orig, len);
	}
	/* A datagram sent without a checksum stays without one. */
	{
		uint8_t buf[64];
		size_t len = check_hex(UDP_NOCSUM, buf, sizeof(buf));
		struct pkt p;

		check_case = "udp without checksum";
		pkt_parse(buf, len, &p);
		pkt_rewrite(buf, &p, A_REMOTE, 7777, A_HOST, 40000);
		CHECK_EQ(buf[26], 0);
		CHECK_EQ(buf[27], 0);
		CHECK_EQ(pkt_checksum(buf, 20), 0);
	}
	check_case = NULL;
}

static void test_mss(void)
{
	uint8_t buf[128];
	size_t len = check_hex(SYN, buf, sizeof(buf));
	struct pkt p;

	check_case = "mss clamp";
	pkt_parse(buf, len, &p);
	CHECK(pkt_clamp_mss(buf, &p, 2036));
	CHECK_EQ(buf[42] << 8 | buf[43], 2036);
	check_checksums(buf, &p);
	CHECK(!pkt_clamp_mss(buf, &p, 2036));
	CHECK(!pkt_clamp_mss(buf, &p, 9000));
	/* Not a SYN: untouched. */
	len = check_hex(DATA, buf, sizeof(buf));
	pkt_parse(buf, len, &p);
	CHECK(!pkt_clamp_mss(buf, &p, 536));
	/* An option whose length runs past the header is left alone. */
	check_case = "mss clamp, bad option length";
	len = check_hex(SYN, buf, sizeof(buf));
	buf[45] = 30;       /* the SACK-permitted option claims 30 bytes */
	pkt_parse(buf, len, &p);
	CHECK(pkt_clamp_mss(buf, &p, 1000));   /* MSS comes first: still found */
	len = check_hex(SYN, buf, sizeof(buf));
	buf[41] = 0;        /* an option of length 0 ends the walk */
	pkt_parse(buf, len, &p);
	CHECK(!pkt_clamp_mss(buf, &p, 1000));
	check_case = NULL;
}

static void test_builders(void)
{
	uint8_t in[256], out[600];
	size_t len, n;
	struct pkt p, r;

	check_case = "reset for a syn";
	len = check_hex(SYN, in, sizeof(in));
	pkt_parse(in, len, &p);
	n = pkt_build_tcp_reset(out, sizeof(out), &p);
	CHECK_EQ(n, 40);
	CHECK_EQ(pkt_parse(out, n, &r), PKT_OK);
	CHECK_EQ(r.src, A_REMOTE);
	CHECK_EQ(r.dst, A_HOST);
	CHECK_EQ(r.sport, 80);
	CHECK_EQ(r.dport, 43210);
	CHECK_EQ(r.flags, PKT_TCP_RST | PKT_TCP_ACK);
	CHECK_EQ(r.ack, 0x11223345);
	check_checksums(out, &r);
	CHECK_EQ(pkt_build_tcp_reset(out, 39, &p), 0);

	check_case = "reset for a segment with ack";
	len = check_hex(DATA, in, sizeof(in));
	pkt_parse(in, len, &p);
	n = pkt_build_tcp_reset(out, sizeof(out), &p);
	CHECK_EQ(pkt_parse(out, n, &r), PKT_OK);
	CHECK_EQ(r.flags, PKT_TCP_RST);
	CHECK_EQ(r.seq, 0x55667788);
	check_checksums(out, &r);

	check_case = "udp datagram";
	n = pkt_build_udp(out, sizeof(out), A_REMOTE, 7777, A_HOST, 40000, (const uint8_t *)"hello", 5);
	CHECK_EQ(n, 33);
	CHECK_EQ(pkt_parse(out, n, &r), PKT_OK);
	CHECK_EQ(r.payload_len, 5);
	CHECK_MEM(r.payload, "hello", 5);
	check_checksums(out, &r);
	CHECK_EQ(pkt_build_udp(out, 32, A_REMOTE, 7777, A_HOST, 40000, (const uint8_t *)"hello", 5), 0);

	check_case = "echo reply";
	len = check_hex(ECHO, in, sizeof(in));
	pkt_parse(in, len, &p);
	n = pkt_build_echo_reply(out, sizeof(out), &p);
	CHECK_EQ(pkt_parse(out, n, &r), PKT_OK);
	CHECK_EQ(r.icmp_type, PKT_ICMP_ECHO_REPLY);
	CHECK_EQ(r.icmp_id, 0x1234);
	CHECK_EQ(r.icmp_seq, 1);
	CHECK_EQ(r.src, A_REMOTE);
	CHECK_MEM(r.payload, "abcdefgh", 8);
	check_checksums(out, &r);

	check_case = "unreachable quotes the header and 8 bytes";
	len = check_hex(IPOPTS, in, sizeof(in));
	n = pkt_build_unreach(out, sizeof(out), A_NAT, PKT_UNREACH_PORT, in, len);
	CHECK_EQ(n, 20 + 8 + 24 + 8);
	CHECK_EQ(pkt_parse(out, n, &r), PKT_OK);
	CHECK_EQ(r.icmp_type, PKT_ICMP_UNREACH);
	CHECK_EQ(r.icmp_code, PKT_UNREACH_PORT);
	CHECK_EQ(r.dst, A_HOST);
	CHECK_MEM(out + 28, in, 32);
	check_checksums(out, &r);
	CHECK_EQ(pkt_build_unreach(out, sizeof(out), A_NAT, 0, in, 19), 0);
	check_case = "unreachable of a packet shorter than its quote";
	n = pkt_build_unreach(out, sizeof(out), A_NAT, 0, in, 26);
	CHECK_EQ(n, 20 + 8 + 26);
	check_case = NULL;
}

int main(void)
{
	test_vectors();
	test_rewrite();
	test_mss();
	test_builders();
	return check_done("netif-pkt");
}
