/*
 * The packet parser on any bytes: nothing is read past the input; a packet
 * that parses is rewritten, clamped and answered without overrun, and a
 * transport checksum that was valid stays valid through the rewriting.  The
 * same bytes also go to the parser of the kernel's socket diagnostics.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is the TCP/UDP checksum of p (in b) valid? */
static int fuzz_l4_valid(const uint8_t *b, const struct pkt *p)
{
	static uint8_t ph[12 + PKT_MAX];
	size_t l4 = (size_t)(p->len - p->ip_hlen);

	memcpy(ph, b + 12, 8);
	ph[8] = 0;
	ph[9] = p->proto;
	ph[10] = (uint8_t)(l4 >> 8);
	ph[11] = (uint8_t)l4;
	memcpy(ph + 12, b + p->ip_hlen, l4);
	return pkt_checksum(ph, 12 + l4) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[PKT_MAX + 100];
	uint8_t *buf;
	struct pkt p, q;

	diag_parse_reply(data, size);
	if (size > PKT_MAX)
		return 0;
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	if (pkt_parse(buf, size, &p) != PKT_OK) {
		free(buf);
		return 0;
	}
	if (p.len > size || p.ip_hlen > p.len || p.payload < buf || p.payload + p.payload_len > buf + p.len)
		abort();
	if (p.proto == PKT_PROTO_TCP || p.proto == PKT_PROTO_UDP) {
		int valid = fuzz_l4_valid(buf, &p);
		int had_none = p.proto == PKT_PROTO_UDP && buf[p.ip_hlen + 6] == 0 && buf[p.ip_hlen + 7] == 0;

		pkt_rewrite(buf, &p, 0x0ad20002u, 1024, 0x0ad20001u, 40000);
		if (pkt_parse(buf, size, &q) != PKT_OK || q.sport != 1024 || q.dport != 40000)
			abort();
		if (valid && !had_none && !fuzz_l4_valid(buf, &q))
			abort();
		pkt_clamp_mss(buf, &q, 536);
		if (valid && !had_none && !fuzz_l4_valid(buf, &q))
			abort();
		if (p.proto == PKT_PROTO_TCP && pkt_build_tcp_reset(out, sizeof(out), &q) != 40)
			abort();
	} else if (p.proto == PKT_PROTO_ICMP) {
		if (pkt_build_echo_reply(out, sizeof(out), &p) != (size_t)(28 + p.payload_len))
			abort();
	}
	if (!pkt_build_unreach(out, sizeof(out), 0x0ad20002u, 1, buf, p.len))
		abort();
	free(buf);
	return 0;
}
