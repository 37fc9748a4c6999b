#include <string.h>

#include "pkt.h"

#define PKT_UDP_HLEN 8
#define PKT_TCP_HLEN 20
#define PKT_ICMP_HLEN 8
#define PKT_TTL 64
#define PKT_DF 0x4000

static uint16_t pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t pkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void pkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

const char *pkt_status_str(enum pkt_status st)
{
	switch (st) {
	case PKT_OK: return "ok";
	case PKT_SHORT: return "shorter than an IPv4 header";
	case PKT_NOT_IPV4: return "not IPv4";
	case PKT_BAD_HEADER: return "bad IPv4 header length";
	case PKT_BAD_LENGTH: return "bad total length";
	case PKT_FRAGMENT: return "fragment";
	case PKT_BAD_L4: return "transport header cut short";
	case PKT_OTHER_PROTO: return "protocol neither TCP, UDP nor ICMP";
	}
	return "?";
}

static enum pkt_status pkt_parse_l4(const uint8_t *l4, uint16_t n, struct pkt *p)
{
	uint16_t hlen;

	switch (p->proto) {
	case PKT_PROTO_TCP:
		if (n < PKT_TCP_HLEN)
			return PKT_BAD_L4;
		hlen = (uint16_t)((l4[12] >> 4) * 4);
		if (hlen < PKT_TCP_HLEN || hlen > n)
			return PKT_BAD_L4;
		p->sport = pkt_get16(l4);
		p->dport = pkt_get16(l4 + 2);
		p->seq = pkt_get32(l4 + 4);
		p->ack = pkt_get32(l4 + 8);
		p->flags = l4[13];
		p->tcp_hlen = hlen;
		break;
	case PKT_PROTO_UDP:
		if (n < PKT_UDP_HLEN || pkt_get16(l4 + 4) != n)
			return PKT_BAD_L4;
		p->sport = pkt_get16(l4);
		p->dport = pkt_get16(l4 + 2);
		hlen = PKT_UDP_HLEN;
		break;
	case PKT_PROTO_ICMP:
		if (n < PKT_ICMP_HLEN)
			return PKT_BAD_L4;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->icmp_id = pkt_get16(l4 + 4);
		p->icmp_seq = pkt_get16(l4 + 6);
		hlen = PKT_ICMP_HLEN;
		break;
	default:
		return PKT_OTHER_PROTO;
	}
	p->payload = l4 + hlen;
	p->payload_len = (uint16_t)(n - hlen);
	return PKT_OK;
}

enum pkt_status pkt_parse(const uint8_t *buf, size_t n, struct pkt *p)
{
	uint16_t hlen, len, frag;

	memset(p, 0, sizeof(*p));
	if (n < PKT_IP_HLEN)
		return n > 0 && buf[0] >> 4 != 4 ? PKT_NOT_IPV4 : PKT_SHORT;
	if (buf[0] >> 4 != 4)
		return PKT_NOT_IPV4;
	hlen = (uint16_t)((buf[0] & 0x0f) * 4);
	if (hlen < PKT_IP_HLEN || hlen > n)
		return PKT_BAD_HEADER;
	len = pkt_get16(buf + 2);
	if (len < hlen || len > n)
		return PKT_BAD_LENGTH;
	p->len = len;
	p->ip_hlen = hlen;
	p->ttl = buf[8];
	p->proto = buf[9];
	p->src = pkt_get32(buf + 12);
	p->dst = pkt_get32(buf + 16);
	frag = pkt_get16(buf + 6);
	/* More fragments, or an offset: part of a datagram that is not whole. */
	if (frag & 0x3fff)
		return PKT_FRAGMENT;
	return pkt_parse_l4(buf + hlen, (uint16_t)(len - hlen), p);
}

/* One's complement sum of len bytes, not yet folded. */
static uint32_t pkt_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	while (len > 1) {
		sum += pkt_get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t pkt_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t pkt_checksum(const uint8_t *p, size_t len)
{
	return pkt_fold(pkt_sum(p, len, 0));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for a 16-bit field changing from m to m'. */
static uint16_t pkt_csum_adjust(uint16_t hc, uint16_t m, uint16_t m2)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~m;
	sum += m2;
	return pkt_fold(sum);
}

static uint16_t pkt_csum_adjust32(uint16_t hc, uint32_t m, uint32_t m2)
{
	hc = pkt_csum_adjust(hc, (uint16_t)(m >> 16), (uint16_t)(m2 >> 16));
	return pkt_csum_adjust(hc, (uint16_t)m, (uint16_t)m2);
}

void pkt_rewrite(uint8_t *buf, const struct pkt *p, uint32_t src, uint16_t sport, uint32_t dst,
		 uint16_t dport)
{
	uint8_t *l4 = buf + p->ip_hlen;
	uint16_t ipc = pkt_get16(buf + 10);
	size_t csum_at = p->proto == PKT_PROTO_TCP ? 16 : 6;
	uint16_t c = pkt_get16(l4 + csum_at);
	bool udp_none = p->proto == PKT_PROTO_UDP && c == 0;

	ipc = pkt_csum_adjust32(ipc, p->src, src);
	ipc = pkt_csum_adjust32(ipc, p->dst, dst);
	pkt_put16(buf + 10, ipc);
	pkt_put32(buf + 12, src);
	pkt_put32(buf + 16, dst);
	/* The transport checksum covers the addresses through the pseudo-header. */
	c = pkt_csum_adjust32(c, p->src, src);
	c = pkt_csum_adjust32(c, p->dst, dst);
	c = pkt_csum_adjust(c, p->sport, sport);
	c = pkt_csum_adjust(c, p->dport, dport);
	pkt_put16(l4, sport);
	pkt_put16(l4 + 2, dport);
	if (udp_none)
		return;   /* a UDP datagram sent without a checksum stays without one */
	if (p->proto == PKT_PROTO_UDP && c == 0)
		c = 0xffff;
	pkt_put16(l4 + csum_at, c);
}

bool pkt_clamp_mss(uint8_t *buf, const struct pkt *p, uint16_t mss)
{
	uint8_t *l4 = buf + p->ip_hlen;
	size_t off = PKT_TCP_HLEN;

	if (p->proto != PKT_PROTO_TCP || !(p->flags & PKT_TCP_SYN))
		return false;
	while (off < p->tcp_hlen) {
		uint8_t kind = l4[off], olen;

		if (kind == 0)
			return false;
		if (kind == 1) {
			off++;
			continue;
		}
		if (off + 1 >= p->tcp_hlen)
			return false;
		olen = l4[off + 1];
		if (olen < 2 || off + olen > p->tcp_hlen)
			return false;
		if (kind == 2 && olen == 4) {
			uint16_t old = pkt_get16(l4 + off + 2);

			if (old <= mss)
				return false;
			pkt_put16(l4 + off + 2, mss);
			pkt_put16(l4 + 16, pkt_csum_adjust(pkt_get16(l4 + 16), old, mss));
			return true;
		}
		off += olen;
	}
	return false;
}

static uint16_t pkt_ip_id;

static void pkt_ip_header(uint8_t *out, uint16_t len, uint8_t proto, uint32_t src, uint32_t dst)
{
	memset(out, 0, PKT_IP_HLEN);
	out[0] = 0x45;
	pkt_put16(out + 2, len);
	pkt_put16(out + 4, ++pkt_ip_id);
	pkt_put16(out + 6, PKT_DF);
	out[8] = PKT_TTL;
	out[9] = proto;
	pkt_put32(out + 12, src);
	pkt_put32(out + 16, dst);
	pkt_put16(out + 10, pkt_checksum(out, PKT_IP_HLEN));
}

/* The TCP or UDP checksum over the pseudo-header and len bytes of segment. */
static uint16_t pkt_l4_checksum(uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *seg,
				size_t len)
{
	uint8_t pseudo[12];

	pkt_put32(pseudo, src);
	pkt_put32(pseudo + 4, dst);
	pseudo[8] = 0;
	pseudo[9] = proto;
	pkt_put16(pseudo + 10, (uint16_t)len);
	return pkt_fold(pkt_sum(seg, len, pkt_sum(pseudo, sizeof(pseudo), 0)));
}

size_t pkt_build_tcp_reset(uint8_t *out, size_t cap, const struct pkt *seg)
{
	size_t len = PKT_IP_HLEN + PKT_TCP_HLEN;
	uint8_t *t = out + PKT_IP_HLEN;
	uint32_t seglen = seg->payload_len;

	if (cap < len || seg->proto != PKT_PROTO_TCP)
		return 0;
	pkt_ip_header(out, (uint16_t)len, PKT_PROTO_TCP, seg->dst, seg->src);
	memset(t, 0, PKT_TCP_HLEN);
	pkt_put16(t, seg->dport);
	pkt_put16(t + 2, seg->sport);
	t[12] = (PKT_TCP_HLEN / 4) << 4;
	if (seg->flags & PKT_TCP_ACK) {
		/* RFC 793: <SEQ=SEG.ACK><CTL=RST> */
		pkt_put32(t + 4, seg->ack);
		t[13] = PKT_TCP_RST;
	} else {
		/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; SYN and FIN count one each. */
		seglen += (seg->flags & PKT_TCP_SYN ? 1u : 0u) + (seg->flags & PKT_TCP_FIN ? 1u : 0u);
		pkt_put32(t + 8, seg->seq + seglen);
		t[13] = PKT_TCP_RST | PKT_TCP_ACK;
	}
	pkt_put16(t + 16, pkt_l4_checksum(PKT_PROTO_TCP, seg->dst, seg->src, t, PKT_TCP_HLEN));
	return len;
}

size_t pkt_build_udp(uint8_t *out, size_t cap, uint32_t src, uint16_t sport, uint32_t dst,
		     uint16_t dport, const uint8_t *data, size_t len)
{
	size_t total = PKT_IP_HLEN + PKT_UDP_HLEN + len;
	uint8_t *u = out + PKT_IP_HLEN;
	uint16_t c;

	if (total > cap || total > PKT_MAX)
		return 0;
	pkt_ip_header(out, (uint16_t)total, PKT_PROTO_UDP, src, dst);
	pkt_put16(u, sport);
	pkt_put16(u + 2, dport);
	pkt_put16(u + 4, (uint16_t)(PKT_UDP_HLEN + len));
	pkt_put16(u + 6, 0);
	if (len)
		memmove(u + PKT_UDP_HLEN, data, len);
	c = pkt_l4_checksum(PKT_PROTO_UDP, src, dst, u, PKT_UDP_HLEN + len);
	pkt_put16(u + 6, c ? c : 0xffff);
	return total;
}

size_t pkt_build_echo_reply(uint8_t *out, size_t cap, const struct pkt *req)
{
	size_t total = PKT_IP_HLEN + PKT_ICMP_HLEN + req->payload_len;
	uint8_t *i = out + PKT_IP_HLEN;

	if (total > cap || req->proto != PKT_PROTO_ICMP)
		return 0;
	pkt_ip_header(out, (uint16_t)total, PKT_PROTO_ICMP, req->dst, req->src);
	i[0] = PKT_ICMP_ECHO_REPLY;
	i[1] = 0;
	pkt_put16(i + 2, 0);
	pkt_put16(i + 4, req->icmp_id);
	pkt_put16(i + 6, req->icmp_seq);
	if (req->payload_len)
		memmove(i + PKT_ICMP_HLEN, req->payload, req->payload_len);
	pkt_put16(i + 2, pkt_checksum(i, PKT_ICMP_HLEN + req->payload_len));
	return total;
}

size_t pkt_build_unreach(uint8_t *out, size_t cap, uint32_t from, uint8_t code, const uint8_t *orig,
			 size_t orig_len)
{
	size_t quote, total;
	uint8_t *i = out + PKT_IP_HLEN;
	uint16_t ohlen;

	if (orig_len < PKT_IP_HLEN)
		return 0;
	/* RFC 792: the original header and the first 64 bits of its data. */
	ohlen = (uint16_t)((orig[0] & 0x0f) * 4);
	quote = (size_t)ohlen + 8;
	if (quote > orig_len)
		quote = orig_len;
	total = PKT_IP_HLEN + PKT_ICMP_HLEN + quote;
	if (total > cap)
		return 0;
	pkt_ip_header(out, (uint16_t)total, PKT_PROTO_ICMP, from, pkt_get32(orig + 12));
	memset(i, 0, PKT_ICMP_HLEN);
	i[0] = PKT_ICMP_UNREACH;
	i[1] = code;
	memmove(i + PKT_ICMP_HLEN, orig, quote);
	pkt_put16(i + 2, pkt_checksum(i, PKT_ICMP_HLEN + quote));
	return total;
}
