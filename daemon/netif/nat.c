#include <stdlib.h>
#include <string.h>

#include "nat.h"

static uint32_t nat_mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static uint32_t nat_hash(const struct nat *t, const struct nat_key *k)
{
	uint32_t h = nat_mix(k->saddr ^ nat_mix(k->daddr + k->proto));

	h = nat_mix(h ^ ((uint32_t)k->sport << 16 | k->dport));
	return h & t->mask;
}

static bool nat_same(const struct nat_key *a, const struct nat_key *b)
{
	return a->proto == b->proto && a->saddr == b->saddr && a->daddr == b->daddr &&
	       a->sport == b->sport && a->dport == b->dport;
}

bool nat_init(struct nat *t, uint32_t cap)
{
	uint32_t buckets = 1;

	memset(t, 0, sizeof(*t));
	if (cap == 0 || cap > NAT_PORT_COUNT)
		return false;
	while (buckets < 2 * cap)
		buckets <<= 1;
	t->entries = calloc(cap, sizeof(*t->entries));
	t->by_key = calloc(buckets, sizeof(*t->by_key));
	t->by_port = calloc(buckets, sizeof(*t->by_port));
	if (!t->entries || !t->by_key || !t->by_port) {
		nat_free(t);
		return false;
	}
	t->cap = cap;
	t->mask = buckets - 1;
	for (uint32_t i = cap; i-- > 0;) {
		t->entries[i].next_key = t->free_list;
		t->free_list = &t->entries[i];
	}
	return true;
}

void nat_free(struct nat *t)
{
	free(t->entries);
	free(t->by_key);
	free(t->by_port);
	memset(t, 0, sizeof(*t));
}

struct nat_entry *nat_find(const struct nat *t, const struct nat_key *k)
{
	struct nat_entry *e;

	if (!t->cap)
		return NULL;
	for (e = t->by_key[nat_hash(t, k)]; e; e = e->next_key)
		if (nat_same(&e->key, k))
			return e;
	return NULL;
}

struct nat_entry *nat_find_port(const struct nat *t, uint16_t port)
{
	struct nat_entry *e;

	if (!t->cap || port < NAT_PORT_MIN)
		return NULL;
	for (e = t->by_port[port & t->mask]; e; e = e->next_port)
		if (e->port == port)
			return e;
	return NULL;
}

/* The next port in rotation that no entry holds. */
static uint16_t nat_take_port(struct nat *t)
{
	for (uint32_t tries = 0; tries < NAT_PORT_COUNT; tries++) {
		uint16_t port = (uint16_t)(NAT_PORT_MIN + t->next_port);

		t->next_port = (t->next_port + 1) % NAT_PORT_COUNT;
		if (!nat_find_port(t, port))
			return port;
	}
	return 0;
}

struct nat_entry *nat_add(struct nat *t, const struct nat_key *k, bool want_port)
{
	struct nat_entry *e = t->free_list;
	uint32_t h;

	if (!e)
		return NULL;
	t->free_list = e->next_key;
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->used = true;
	h = nat_hash(t, k);
	e->next_key = t->by_key[h];
	t->by_key[h] = e;
	if (want_port) {
		/* cap <= NAT_PORT_COUNT: a port is always free for a free entry. */
		e->port = nat_take_port(t);
		e->next_port = t->by_port[e->port & t->mask];
		t->by_port[e->port & t->mask] = e;
	}
	t->count++;
	return e;
}

void nat_remove(struct nat *t, struct nat_entry *e)
{
	struct nat_entry **pp;

	if (!e || !e->used)
		return;
	for (pp = &t->by_key[nat_hash(t, &e->key)]; *pp; pp = &(*pp)->next_key)
		if (*pp == e) {
			*pp = e->next_key;
			break;
		}
	if (e->port) {
		for (pp = &t->by_port[e->port & t->mask]; *pp; pp = &(*pp)->next_port)
			if (*pp == e) {
				*pp = e->next_port;
				break;
			}
	}
	memset(e, 0, sizeof(*e));
	e->next_key = t->free_list;
	t->free_list = e;
	t->count--;
}
