/*
 * IPv4 packets as the TUN device carries them: a parser that checks every
 * length before use and allocates nothing, rewriting of addresses and ports
 * with incremental checksum updates (RFC 1624), MSS clamping, and builders
 * for the packets k210-netif answers with itself (TCP resets, UDP datagrams,
 * ICMP echo replies and destination unreachable).
 */
#ifndef NETIF_PKT_H
#define NETIF_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_PROTO_ICMP 1
#define PKT_PROTO_TCP 6
#define PKT_PROTO_UDP 17

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

#define PKT_ICMP_ECHO_REPLY 0
#define PKT_ICMP_UNREACH 3
#define PKT_ICMP_ECHO 8

/* ICMP destination unreachable codes used. */
#define PKT_UNREACH_NET 0
#define PKT_UNREACH_HOST 1
#define PKT_UNREACH_PORT 3
#define PKT_UNREACH_ADMIN 13

#define PKT_IP_HLEN 20
#define PKT_MAX 65535

enum pkt_status {
	PKT_OK = 0,
	PKT_SHORT,          /* fewer bytes than an IPv4 header */
	PKT_NOT_IPV4,       /* version is not 4 (IPv6 and others) */
	PKT_BAD_HEADER,     /* header length below 20 or past the packet */
	PKT_BAD_LENGTH,     /* total length below the header or past what was read */
	PKT_FRAGMENT,       /* a fragment: not reassembled */
	PKT_BAD_L4,         /* TCP/UDP/ICMP header cut short or inconsistent */
	PKT_OTHER_PROTO,    /* neither TCP, UDP nor ICMP */
};

/* A parsed packet; addresses in host order, payload points into the buffer. */
struct pkt {
	uint8_t proto;
	uint8_t ttl;
	uint32_t src, dst;
	uint16_t len;            /* total length from the IP header */
	uint16_t ip_hlen;
	uint16_t sport, dport;   /* TCP, UDP */
	uint8_t flags;           /* TCP */
	uint32_t seq, ack;       /* TCP */
	uint16_t tcp_hlen;       /* TCP */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;  /* ICMP echo */
	const uint8_t *payload;  /* after the TCP/UDP/ICMP header */
	uint16_t payload_len;
};

/* Parse n bytes read from the TUN device (extra bytes past the total length are ignored). */
enum pkt_status pkt_parse(const uint8_t *buf, size_t n, struct pkt *p);
const char *pkt_status_str(enum pkt_status st);

/*
 * Rewrite a parsed TCP or UDP packet in place to src:sport -> dst:dport,
 * updating the IP and transport checksums incrementally.
 */
void pkt_rewrite(uint8_t *buf, const struct pkt *p, uint32_t src, uint16_t sport, uint32_t dst,
		 uint16_t dport);
/* Lower the MSS option of a SYN to mss if it is larger; true when changed. */
bool pkt_clamp_mss(uint8_t *buf, const struct pkt *p, uint16_t mss);

/* Builders: the length written, or 0 when cap is too small. */
/* The reset a TCP stack answers seg with (RFC 793: from seg's destination). */
size_t pkt_build_tcp_reset(uint8_t *out, size_t cap, const struct pkt *seg);
size_t pkt_build_udp(uint8_t *out, size_t cap, uint32_t src, uint16_t sport, uint32_t dst,
		     uint16_t dport, const uint8_t *data, size_t len);
size_t pkt_build_echo_reply(uint8_t *out, size_t cap, const struct pkt *req);
/* Destination unreachable from `from` about orig (its header and first 8 payload bytes). */
size_t pkt_build_unreach(uint8_t *out, size_t cap, uint32_t from, uint8_t code, const uint8_t *orig,
			 size_t orig_len);

/* The Internet checksum of len bytes (RFC 1071). */
uint16_t pkt_checksum(const uint8_t *p, size_t len);

#endif
