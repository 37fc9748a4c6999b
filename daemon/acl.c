#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"

/* Decimal number of at most maxdigits digits in s[0..len); false if none or
 * above UINT32_MAX (ten digits can be). */
static bool acl_number(const char *s, size_t len, size_t maxdigits, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > maxdigits)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool acl_parse_ipv4(const char *s, size_t len, uint8_t ip[4])
{
	size_t pos = 0;

	for (int i = 0; i < 4; i++) {
		size_t start = pos;
		uint32_t v;

		while (pos < len && s[pos] != '.')
			pos++;
		/* No leading zeros: "010" reads as octal to some tools, decimal to others. */
		if (pos - start > 1 && s[start] == '0')
			return false;
		if (!acl_number(s + start, pos - start, 3, &v) || v > 255)
			return false;
		ip[i] = (uint8_t)v;
		if (i < 3) {
			if (pos >= len)
				return false;
			pos++;
		}
	}
	return pos == len;
}

static bool acl_fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return false;
}

static bool acl_parse_port(const char *s, size_t len, uint16_t *out)
{
	uint32_t v;

	if (!acl_number(s, len, 5, &v) || v == 0 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

bool acl_parse_net(const char *s, size_t len, struct acl_net *out, char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', len);
	size_t addr_end = colon ? (size_t)(colon - s) : len;
	const char *slash = memchr(s, '/', addr_end);
	size_t ip_end = slash ? (size_t)(slash - s) : addr_end;
	uint8_t ip[4];
	uint32_t bits = 32;

	if (!acl_parse_ipv4(s, ip_end, ip))
		return acl_fail(err, errlen, "expected an IPv4 address (a.b.c.d)");
	if (slash && !acl_number(slash + 1, addr_end - ip_end - 1, 2, &bits))
		return acl_fail(err, errlen, "expected a prefix length after '/'");
	if (bits > 32)
		return acl_fail(err, errlen, "prefix length above 32");
	out->addr = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
	out->mask = bits ? ~(uint32_t)0 << (32 - bits) : 0;
	if (out->addr & ~out->mask)
		return acl_fail(err, errlen, "address has bits set beyond the prefix length");
	out->port_lo = 1;
	out->port_hi = 65535;
	if (colon) {
		const char *p = colon + 1;
		size_t plen = len - addr_end - 1;
		const char *dash = memchr(p, '-', plen);
		size_t lo_len = dash ? (size_t)(dash - p) : plen;

		if (!acl_parse_port(p, lo_len, &out->port_lo))
			return acl_fail(err, errlen, "expected a port 1-65535 after ':'");
		out->port_hi = out->port_lo;
		if (dash && !acl_parse_port(dash + 1, plen - lo_len - 1, &out->port_hi))
			return acl_fail(err, errlen, "expected a port 1-65535 after '-'");
		if (out->port_hi < out->port_lo)
			return acl_fail(err, errlen, "port range ends before it starts");
	}
	return true;
}

/*
 * Split a comma separated list, trimming blanks, and call item() on each
 * entry.  An empty list is fine; an empty entry is not.
 */
static bool acl_split(const char *s, bool (*item)(void *ctx, const char *p, size_t n, char *err,
						  size_t errlen),
		      void *ctx, char *err, size_t errlen)
{
	const char *p = s;
	bool blank = true;

	for (const char *q = s; *q; q++)
		if (!isspace((unsigned char)*q))
			blank = false;
	if (blank)
		return true;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char sub[160];

		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0)
			return acl_fail(err, errlen, "empty entry in list");
		if (!item(ctx, p, n, sub, sizeof(sub))) {
			snprintf(err, errlen, "\"%.*s\": %s", (int)(n > 64 ? 64 : n), p, sub);
			return false;
		}
		if (!end)
			return true;
		p = end + 1;
	}
}

static bool acl_net_item(void *ctx, const char *p, size_t n, char *err, size_t errlen)
{
	struct acl_nets *nets = ctx;

	if (nets->n == ACL_RULES_MAX)
		return acl_fail(err, errlen, "too many entries (64 at most)");
	if (!acl_parse_net(p, n, &nets->v[nets->n], err, errlen))
		return false;
	nets->n++;
	return true;
}

bool acl_parse_nets(const char *s, struct acl_nets *out, char *err, size_t errlen)
{
	out->n = 0;
	return acl_split(s, acl_net_item, out, err, errlen);
}

struct acl_id_ctx {
	struct acl_ids *ids;
	enum acl_id_kind kind;
};

static bool acl_id_item(void *ctx, const char *p, size_t n, char *err, size_t errlen)
{
	struct acl_id_ctx *c = ctx;
	char name[64];
	char buf[4096];
	uint32_t id;

	if (c->ids->n == ACL_IDS_MAX)
		return acl_fail(err, errlen, "too many entries (64 at most)");
	if (acl_number(p, n, 10, &id)) {
		c->ids->v[c->ids->n++] = id;
		return true;
	}
	if (n >= sizeof(name))
		return acl_fail(err, errlen, "name too long");
	memcpy(name, p, n);
	name[n] = 0;
	if (c->kind == ACL_USERS) {
		struct passwd pw, *res = NULL;

		if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
			return acl_fail(err, errlen, "no such user");
		id = (uint32_t)pw.pw_uid;
	} else {
		struct group gr, *res = NULL;

		if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || !res)
			return acl_fail(err, errlen, "no such group");
		id = (uint32_t)gr.gr_gid;
	}
	c->ids->v[c->ids->n++] = id;
	return true;
}

bool acl_parse_ids(const char *s, enum acl_id_kind kind, struct acl_ids *out, char *err,
		   size_t errlen)
{
	struct acl_id_ctx c = { .ids = out, .kind = kind };

	out->n = 0;
	return acl_split(s, acl_id_item, &c, err, errlen);
}

bool acl_ids_contain(const struct acl_ids *ids, uint32_t id)
{
	for (size_t i = 0; i < ids->n; i++)
		if (ids->v[i] == id)
			return true;
	return false;
}

bool acl_client_allowed(const struct acl_ids *users, const struct acl_ids *groups, uid_t uid,
			const gid_t *gids, size_t ngids)
{
	if (users->n == 0 && groups->n == 0)
		return true;
	if (acl_ids_contain(users, (uint32_t)uid))
		return true;
	for (size_t i = 0; i < ngids; i++)
		if (acl_ids_contain(groups, (uint32_t)gids[i]))
			return true;
	return false;
}

static bool acl_nets_match(const struct acl_nets *nets, uint32_t addr, uint16_t port)
{
	for (size_t i = 0; i < nets->n; i++) {
		const struct acl_net *r = &nets->v[i];

		if ((addr & r->mask) == r->addr && port >= r->port_lo && port <= r->port_hi)
			return true;
	}
	return false;
}

bool acl_dest_allowed(const struct acl_nets *allow, const struct acl_nets *deny,
		      const uint8_t ip[4], uint16_t port)
{
	uint32_t addr = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];

	if (acl_nets_match(deny, addr, port))
		return false;
	return allow->n == 0 || acl_nets_match(allow, addr, port);
}
