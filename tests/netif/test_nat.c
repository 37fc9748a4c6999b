/* The flow table: lookups both ways, ports in rotation, a full table, removal. */
#include <stdlib.h>

#include "check.h"
#include "nat.h"

static struct nat_key key(uint16_t sport)
{
	struct nat_key k = { 6, 0x0ad20001u, 0xc6120001u, sport, 80 };

	return k;
}

static void test_basic(void)
{
	struct nat t;
	struct nat_key k = key(40000), u = { 17, 0x0ad20001u, 0, 40000, 0 };
	struct nat_entry *a, *b;

	check_case = "add, find, remove";
	CHECK(nat_init(&t, 4));
	a = nat_add(&t, &k, true);
	CHECK(a != NULL);
	CHECK_EQ(a->port, NAT_PORT_MIN);
	CHECK(nat_find(&t, &k) == a);
	CHECK(nat_find_port(&t, a->port) == a);
	/* The same ports over UDP are another flow, without a NAT port. */
	b = nat_add(&t, &u, false);
	CHECK(b != NULL && b != a && b->port == 0);
	CHECK(nat_find(&t, &u) == b);
	CHECK(nat_find(&t, &k) == a);
	nat_remove(&t, a);
	CHECK(nat_find(&t, &k) == NULL);
	CHECK(nat_find_port(&t, NAT_PORT_MIN) == NULL);
	CHECK_EQ(t.count, 1);
	nat_remove(&t, a);   /* twice: nothing happens */
	CHECK_EQ(t.count, 1);
	CHECK(nat_find_port(&t, 80) == NULL);
	nat_free(&t);
	check_case = NULL;
}

static void test_full_and_rotation(void)
{
	struct nat t;
	struct nat_entry *e[8];
	struct nat_key k;

	check_case = "full table";
	CHECK(nat_init(&t, 8));
	for (int i = 0; i < 8; i++) {
		k = key((uint16_t)(1000 + i));
		e[i] = nat_add(&t, &k, true);
		CHECK(e[i] != NULL);
		CHECK_EQ(e[i]->port, NAT_PORT_MIN + i);
	}
	k = key(2000);
	CHECK(nat_add(&t, &k, true) == NULL);
	check_case = "a freed port comes back only after the others";
	nat_remove(&t, e[0]);
	e[0] = nat_add(&t, &k, true);
	CHECK(e[0] != NULL);
	CHECK_EQ(e[0]->port, NAT_PORT_MIN + 8);
	for (int i = 0; i < 8; i++)
		CHECK(nat_find_port(&t, e[i]->port) == e[i]);
	nat_free(&t);
	check_case = NULL;
}

static void test_wrap(void)
{
	struct nat t;
	struct nat_entry *held, *e;
	struct nat_key k;

	check_case = "ports wrap around, skipping one in use";
	CHECK(nat_init(&t, 2));
	k = key(1);
	held = nat_add(&t, &k, true);
	CHECK_EQ(held->port, NAT_PORT_MIN);
	for (uint32_t i = 1; i < NAT_PORT_COUNT; i++) {
		k = key(2);
		e = nat_add(&t, &k, true);
		CHECK(e != NULL);
		if (!e)
			break;
		if (e->port != NAT_PORT_MIN + i) {
			CHECK_EQ(e->port, NAT_PORT_MIN + i);
			break;
		}
		nat_remove(&t, e);
	}
	k = key(2);
	e = nat_add(&t, &k, true);
	CHECK(e != NULL && e->port == NAT_PORT_MIN + 1);
	nat_free(&t);
	check_case = "limits";
	CHECK(!nat_init(&t, 0) && !nat_init(&t, NAT_PORT_COUNT + 1));
	check_case = NULL;
}

int main(void)
{
	test_basic();
	test_full_and_rotation();
	test_wrap();
	return check_done("netif-nat");
}
