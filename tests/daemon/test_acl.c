/* Access control: rule and id list parsers, and the matchers. */
#include "acl.h"
#include "check.h"

struct net_vector {
	const char *name;
	const char *rule;
	bool ok;
	const char *error;       /* substring of the message on failure */
	uint32_t addr, mask;
	uint16_t lo, hi;
};

static const struct net_vector net_vectors[] = {
	{ "host", "10.1.2.3", true, NULL, 0x0a010203, 0xffffffff, 1, 65535 },
	{ "network", "192.168.0.0/16", true, NULL, 0xc0a80000, 0xffff0000, 1, 65535 },
	{ "everything", "0.0.0.0/0", true, NULL, 0, 0, 1, 65535 },
	{ "one port", "0.0.0.0/0:443", true, NULL, 0, 0, 443, 443 },
	{ "port range", "10.0.0.0/8:1000-2000", true, NULL, 0x0a000000, 0xff000000, 1000, 2000 },
	{ "host and port", "127.0.0.1:8080", true, NULL, 0x7f000001, 0xffffffff, 8080, 8080 },
	{ "prefix 32", "1.2.3.4/32", true, NULL, 0x01020304, 0xffffffff, 1, 65535 },
	{ "empty", "", false, "IPv4", 0, 0, 0, 0 },
	{ "not an address", "example.com", false, "IPv4", 0, 0, 0, 0 },
	{ "three octets", "10.0.0", false, "IPv4", 0, 0, 0, 0 },
	{ "five octets", "10.0.0.0.1", false, "IPv4", 0, 0, 0, 0 },
	{ "octet above 255", "10.0.0.256", false, "IPv4", 0, 0, 0, 0 },
	{ "leading zero", "10.0.0.01", false, "IPv4", 0, 0, 0, 0 },
	{ "ipv6", "::1", false, "IPv4", 0, 0, 0, 0 },
	{ "prefix above 32", "10.0.0.0/33", false, "above 32", 0, 0, 0, 0 },
	{ "prefix missing", "10.0.0.0/", false, "prefix", 0, 0, 0, 0 },
	{ "prefix not a number", "10.0.0.0/x", false, "prefix", 0, 0, 0, 0 },
	{ "host bits set", "10.0.0.1/8", false, "bits", 0, 0, 0, 0 },
	{ "port zero", "10.0.0.0/8:0", false, "port", 0, 0, 0, 0 },
	{ "port above 65535", "10.0.0.0/8:65536", false, "port", 0, 0, 0, 0 },
	{ "port missing", "10.0.0.0/8:", false, "port", 0, 0, 0, 0 },
	{ "range reversed", "10.0.0.0/8:2000-1000", false, "ends before", 0, 0, 0, 0 },
	{ "range end missing", "10.0.0.0/8:2000-", false, "'-'", 0, 0, 0, 0 },
	{ "two colons", "10.0.0.0/8:80:90", false, "port", 0, 0, 0, 0 },
	{ "blank inside", "10.0.0.0 /8", false, "IPv4", 0, 0, 0, 0 },
};

static void test_net_vectors(void)
{
	for (size_t i = 0; i < sizeof(net_vectors) / sizeof(net_vectors[0]); i++) {
		const struct net_vector *v = &net_vectors[i];
		struct acl_net n;
		char err[128] = "";
		bool ok;

		check_case = v->name;
		ok = acl_parse_net(v->rule, strlen(v->rule), &n, err, sizeof(err));
		CHECK_EQ(ok, v->ok);
		if (ok && v->ok) {
			CHECK_EQ(n.addr, v->addr);
			CHECK_EQ(n.mask, v->mask);
			CHECK_EQ(n.port_lo, v->lo);
			CHECK_EQ(n.port_hi, v->hi);
		}
		if (!ok && !v->ok)
			CHECK(strstr(err, v->error) != NULL);
	}
	check_case = NULL;
}

struct list_vector {
	const char *name;
	const char *list;
	bool ok;
	size_t count;
	const char *error;
};

static const struct list_vector list_vectors[] = {
	{ "empty list", "", true, 0, NULL },
	{ "blank list", "   ", true, 0, NULL },
	{ "one rule", "10.0.0.0/8", true, 1, NULL },
	{ "three rules with blanks", " 10.0.0.0/8 , 172.16.0.0/12,192.168.0.0/16 ", true, 3, NULL },
	{ "empty entry", "10.0.0.0/8,,1.2.3.4", false, 0, "empty entry" },
	{ "trailing comma", "10.0.0.0/8,", false, 0, "empty entry" },
	{ "bad second rule", "10.0.0.0/8, 300.0.0.0", false, 0, "\"300.0.0.0\": expected an IPv4" },
};

static void test_list_vectors(void)
{
	for (size_t i = 0; i < sizeof(list_vectors) / sizeof(list_vectors[0]); i++) {
		const struct list_vector *v = &list_vectors[i];
		struct acl_nets nets;
		char err[256] = "";
		bool ok;

		check_case = v->name;
		ok = acl_parse_nets(v->list, &nets, err, sizeof(err));
		CHECK_EQ(ok, v->ok);
		if (ok)
			CHECK_EQ(nets.n, v->count);
		else if (v->error)
			CHECK(strstr(err, v->error) != NULL);
	}
	check_case = "65 rules";
	{
		char big[65 * 16] = "";
		struct acl_nets nets;
		char err[128];

		for (int i = 0; i < 65; i++)
			snprintf(big + strlen(big), sizeof(big) - strlen(big), "%s10.0.%d.0/24",
				 i ? "," : "", i);
		CHECK(!acl_parse_nets(big, &nets, err, sizeof(err)));
		CHECK(strstr(err, "too many") != NULL);
	}
	check_case = NULL;
}

static void test_matching(void)
{
	struct acl_nets allow, deny;
	char err[128];
	static const uint8_t lan[4] = { 192, 168, 1, 10 }, web[4] = { 93, 184, 216, 34 },
			     local[4] = { 127, 0, 0, 1 };

	check_case = "no rules: everything";
	acl_parse_nets("", &allow, err, sizeof(err));
	acl_parse_nets("", &deny, err, sizeof(err));
	CHECK(acl_dest_allowed(&allow, &deny, lan, 80));
	CHECK(acl_dest_allowed(&allow, &deny, web, 443));

	check_case = "deny only";
	CHECK(acl_parse_nets("192.168.0.0/16, 10.0.0.0/8", &deny, err, sizeof(err)));
	CHECK(!acl_dest_allowed(&allow, &deny, lan, 80));
	CHECK(acl_dest_allowed(&allow, &deny, web, 443));

	check_case = "allow only: others refused";
	CHECK(acl_parse_nets("0.0.0.0/0:443, 127.0.0.0/8:8000-9000", &allow, err, sizeof(err)));
	acl_parse_nets("", &deny, err, sizeof(err));
	CHECK(acl_dest_allowed(&allow, &deny, web, 443));
	CHECK(!acl_dest_allowed(&allow, &deny, web, 80));
	CHECK(acl_dest_allowed(&allow, &deny, local, 8000));
	CHECK(acl_dest_allowed(&allow, &deny, local, 9000));
	CHECK(!acl_dest_allowed(&allow, &deny, local, 9001));

	check_case = "deny wins over allow";
	CHECK(acl_parse_nets("192.168.1.10:443", &deny, err, sizeof(err)));
	CHECK(!acl_dest_allowed(&allow, &deny, lan, 443));
	CHECK(acl_dest_allowed(&allow, &deny, web, 443));
	check_case = NULL;
}

static void test_ids(void)
{
	static const gid_t gid_1234[] = { 1234 }, gid_50[] = { 50 }, gid_51[] = { 51 };
	static const gid_t gids_sup[] = { 51, 27, 50 };
	struct acl_ids users, groups;
	char err[128];

	check_case = "ids";
	CHECK(acl_parse_ids("0, 1000 ,root", ACL_USERS, &users, err, sizeof(err)));
	CHECK_EQ(users.n, 3);
	CHECK_EQ(users.v[0], 0);
	CHECK_EQ(users.v[1], 1000);
	CHECK_EQ(users.v[2], 0);
	CHECK(acl_parse_ids("root", ACL_GROUPS, &groups, err, sizeof(err)));
	CHECK_EQ(groups.v[0], 0);
	check_case = "unknown user";
	CHECK(!acl_parse_ids("no-such-user-k210", ACL_USERS, &users, err, sizeof(err)));
	CHECK(strstr(err, "no such user") != NULL);
	check_case = "unknown group";
	CHECK(!acl_parse_ids("no-such-group-k210", ACL_GROUPS, &groups, err, sizeof(err)));
	CHECK(strstr(err, "no such group") != NULL);
	check_case = "largest id";
	CHECK(acl_parse_ids("4294967295", ACL_USERS, &users, err, sizeof(err)));
	CHECK_EQ(users.v[0], 4294967295u);
	check_case = "id above 32 bits is a name, not a wrapped number";
	CHECK(!acl_parse_ids("4294967296", ACL_USERS, &users, err, sizeof(err)));
	CHECK(strstr(err, "no such user") != NULL);

	check_case = "client allowed";
	acl_parse_ids("", ACL_USERS, &users, err, sizeof(err));
	acl_parse_ids("", ACL_GROUPS, &groups, err, sizeof(err));
	CHECK(acl_client_allowed(&users, &groups, 1234, gid_1234, 1));
	check_case = "client allowed by uid";
	acl_parse_ids("1000", ACL_USERS, &users, err, sizeof(err));
	CHECK(acl_client_allowed(&users, &groups, 1000, gid_50, 1));
	CHECK(!acl_client_allowed(&users, &groups, 1001, gid_50, 1));
	check_case = "client allowed by primary group";
	acl_parse_ids("50", ACL_GROUPS, &groups, err, sizeof(err));
	CHECK(acl_client_allowed(&users, &groups, 1001, gid_50, 1));
	CHECK(!acl_client_allowed(&users, &groups, 1001, gid_51, 1));
	check_case = "client allowed by a supplementary group";
	CHECK(acl_client_allowed(&users, &groups, 1001, gids_sup, 3));
	CHECK(!acl_client_allowed(&users, &groups, 1001, gids_sup, 2));
	check_case = "no groups known";
	CHECK(!acl_client_allowed(&users, &groups, 1001, NULL, 0));
	check_case = NULL;
}

int main(void)
{
	test_net_vectors();
	test_list_vectors();
	test_matching();
	test_ids();
	return check_done("daemon-acl");
}
