/*
 * The flow table: each TCP connection and UDP flow the kernel routes into
 * the interface, found by the program's side (protocol, addresses, ports)
 * and, for TCP, by the port on the NAT address that stands for it towards
 * the local listener.  A fixed number of entries allocated at start; ports
 * are handed out in rotation over 1024..65535, so that a port comes back
 * only after all others were used (the kernel may still hold the old
 * connection to the listener in TIME_WAIT).
 */
#ifndef NETIF_NAT_H
#define NETIF_NAT_H

#include <stdbool.h>
#include <stdint.h>

#define NAT_PORT_MIN 1024
#define NAT_PORT_COUNT (65536 - NAT_PORT_MIN)

struct nat_key {
	uint8_t proto;
	uint32_t saddr, daddr;     /* host order; UDP flows: daddr 0 */
	uint16_t sport, dport;     /* UDP flows: dport 0 */
};

struct nat_entry {
	struct nat_key key;
	uint16_t port;             /* TCP: the NAT address's port; 0 otherwise */
	bool used;
	void *owner;
	struct nat_entry *next_key, *next_port;
};

struct nat {
	struct nat_entry *entries;
	uint32_t cap, count;
	uint32_t mask;             /* buckets - 1 */
	struct nat_entry **by_key, **by_port;
	struct nat_entry *free_list;
	uint32_t next_port;        /* offset from NAT_PORT_MIN of the next port to try */
};

/* Room for cap entries (1..NAT_PORT_COUNT); false when out of memory. */
bool nat_init(struct nat *t, uint32_t cap);
void nat_free(struct nat *t);
/*
 * A new entry for k (which must not be in the table), with a port when
 * want_port; NULL when the table is full.
 */
struct nat_entry *nat_add(struct nat *t, const struct nat_key *k, bool want_port);
struct nat_entry *nat_find(const struct nat *t, const struct nat_key *k);
struct nat_entry *nat_find_port(const struct nat *t, uint16_t port);
void nat_remove(struct nat *t, struct nat_entry *e);

#endif
