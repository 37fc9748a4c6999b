/*
 * Access control: who may connect (uids and gids from SO_PEERCRED) and where
 * clients may connect to (CIDR[:PORT[-PORT]] rules, deny wins over allow).
 * The parsers take a whole string, write into caller arrays and never
 * allocate.
 */
#ifndef K210_ACL_H
#define K210_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ACL_RULES_MAX 64   /* entries in one destination list */
#define ACL_IDS_MAX 64     /* entries in allow_users / allow_groups */

struct acl_net {
	uint32_t addr;      /* host order, host bits clear */
	uint32_t mask;
	uint16_t port_lo, port_hi;
};

struct acl_nets {
	struct acl_net v[ACL_RULES_MAX];
	size_t n;
};

struct acl_ids {
	uint32_t v[ACL_IDS_MAX];
	size_t n;
};

enum acl_id_kind { ACL_USERS, ACL_GROUPS };

/*
 * One rule: "a.b.c.d[/len][:port[-port]]".  Returns false with a message in
 * err (what is wrong, without the input) on a bad rule.
 */
bool acl_parse_net(const char *s, size_t len, struct acl_net *out, char *err, size_t errlen);
/* A comma separated list of rules; empty or blank means no rules. */
bool acl_parse_nets(const char *s, struct acl_nets *out, char *err, size_t errlen);
/* A comma separated list of names or numeric ids, resolved through NSS. */
bool acl_parse_ids(const char *s, enum acl_id_kind kind, struct acl_ids *out, char *err,
		   size_t errlen);

bool acl_ids_contain(const struct acl_ids *ids, uint32_t id);
/*
 * Both lists empty: anyone; else the uid, or one of the client's groups (its
 * primary gid and its supplementary groups, gids[0..ngids)), must be listed.
 */
bool acl_client_allowed(const struct acl_ids *users, const struct acl_ids *groups, uid_t uid,
			const gid_t *gids, size_t ngids);
/* ip in network order. */
bool acl_dest_allowed(const struct acl_nets *allow, const struct acl_nets *deny,
		      const uint8_t ip[4], uint16_t port);
/* Parse a dotted IPv4 address exactly (four decimal octets). */
bool acl_parse_ipv4(const char *s, size_t len, uint8_t ip[4]);

#endif
