/*
 * k210sock status: the daemon's key/value status, in aligned sections by
 * the first part of each dotted key, or as one JSON object nested by the
 * dotted parts ("link.baud" -> {"link":{"baud":...}}).  A name that is both
 * a value and a prefix ("clients" and "clients.refused") is not nested:
 * its value and the keys under it stay side by side with their dotted names.
 * When k210-netif runs, its own status (the "netif" keys, asked on its
 * control socket) follows the daemon's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

/* k210-netif's control socket when neither --netif nor the environment names one. */
#define STATUS_NETIF_DEFAULT "/run/k210-netif/k210-netif.sock"
#define STATUS_NETIF_ENV "K210_NETIF_SOCKET"

struct status_node {
	const char *name;        /* one dotted part, not NUL-terminated */
	size_t len;
	int value;               /* index into the entries, -1 for none */
	int child, last_child, next;
};

struct status {
	struct k210sock_kv *kv;
	int count;
	struct status_node *nodes;
	int used;
};

static int status_node_new(struct status *st, const char *name, size_t len)
{
	struct status_node *n = &st->nodes[st->used];

	n->name = name;
	n->len = len;
	n->value = -1;
	n->child = n->last_child = n->next = -1;
	return st->used++;
}

static int status_child(struct status *st, int parent, const char *name, size_t len)
{
	struct status_node *p = &st->nodes[parent];
	int id;

	for (id = p->child; id >= 0; id = st->nodes[id].next)
		if (st->nodes[id].len == len && !memcmp(st->nodes[id].name, name, len))
			return id;
	id = status_node_new(st, name, len);
	p = &st->nodes[parent];
	if (p->last_child >= 0)
		st->nodes[p->last_child].next = id;
	else
		p->child = id;
	p->last_child = id;
	return id;
}

/* Insert every key; a repeated key keeps its last value. */
static void status_tree(struct status *st)
{
	status_node_new(st, "", 0);
	for (int i = 0; i < st->count; i++) {
		const char *key = st->kv[i].key;
		int node = 0;

		for (;;) {
			const char *dot = strchr(key, '.');
			size_t len = dot ? (size_t)(dot - key) : strlen(key);

			node = status_child(st, node, key, len);
			if (!dot)
				break;
			key = dot + 1;
		}
		st->nodes[node].value = i;
	}
}

static void status_json_value(struct json *j, const char *name, const struct k210sock_kv *kv)
{
	if (kv->is_str)
		json_string(j, name, kv->str);
	else
		json_int(j, name, kv->num);
}

/* Every value under node, named by its dotted path from node's parent. */
static void status_json_flat(struct status *st, struct json *j, int node, const char *prefix)
{
	const struct status_node *n = &st->nodes[node];
	char path[2 * K210SOCK_KEY_MAX + 2];

	snprintf(path, sizeof(path), "%s%s%.*s", prefix, *prefix ? "." : "", (int)n->len, n->name);
	if (n->value >= 0)
		status_json_value(j, path, &st->kv[n->value]);
	for (int c = n->child; c >= 0; c = st->nodes[c].next)
		status_json_flat(st, j, c, path);
}

static void status_json_node(struct status *st, struct json *j, int node)
{
	const struct status_node *n = &st->nodes[node];
	char name[K210SOCK_KEY_MAX + 1];

	snprintf(name, sizeof(name), "%.*s", (int)n->len, n->name);
	if (n->child < 0) {
		status_json_value(j, name, &st->kv[n->value]);
	} else if (n->value >= 0) {
		status_json_flat(st, j, node, "");
	} else {
		json_object_begin(j, name);
		for (int c = n->child; c >= 0; c = st->nodes[c].next)
			status_json_node(st, j, c);
		json_object_end(j);
	}
}

static void status_print_json(struct status *st)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	for (int c = st->nodes[0].child; c >= 0; c = st->nodes[c].next)
		status_json_node(st, &j, c);
	json_object_end(&j);
	json_finish(&j);
}

/* Section of a key: its first dotted part; keys without a dot are the daemon's. */
static size_t status_section(const char *key, const char **rest)
{
	const char *dot = strchr(key, '.');

	if (!dot) {
		*rest = key;
		return 0;
	}
	*rest = dot + 1;
	return (size_t)(dot - key);
}

static bool status_in_section(const char *key, const char *sect, size_t len)
{
	const char *rest;
	size_t l = status_section(key, &rest);

	if (l == 0)
		return len == 6 && !memcmp(sect, "daemon", 6);
	return l == len && !memcmp(key, sect, len);
}

static void status_print_section(struct status *st, const char *sect, size_t len, int width)
{
	printf("%.*s\n", (int)len, sect);
	for (int i = 0; i < st->count; i++) {
		const struct k210sock_kv *kv = &st->kv[i];
		const char *rest;

		if (!status_in_section(kv->key, sect, len))
			continue;
		status_section(kv->key, &rest);
		if (kv->is_str && !kv->str[0])
			printf("  %s\n", rest);
		else if (kv->is_str) {
			printf("  %-*s ", width, rest);
			cli_print_safe(kv->str);
			putchar('\n');
		}
		else
			printf("  %-*s %lld\n", width, rest, (long long)kv->num);
	}
}

static void status_print_text(struct status *st)
{
	bool daemon = false;
	int width = 0;

	for (int i = 0; i < st->count; i++) {
		const char *rest;
		int w;

		status_section(st->kv[i].key, &rest);
		w = (int)strlen(rest);
		if (w > width)
			width = w;
		daemon = daemon || status_in_section(st->kv[i].key, "daemon", 6);
	}
	/* The daemon's section first, then the others in the order their first key came. */
	if (daemon)
		status_print_section(st, "daemon", 6, width);
	for (int i = 0; i < st->count; i++) {
		const char *key = st->kv[i].key, *rest;
		size_t len = status_section(key, &rest);
		bool seen = status_in_section(key, "daemon", 6);

		for (int k = 0; k < i && !seen; k++)
			seen = status_in_section(st->kv[k].key, key, len);
		if (!seen)
			status_print_section(st, key, len, width);
	}
}

/* Append k210-netif's entries to st; an interface that is not there adds none. */
static void status_netif(const struct cli *c, struct status *st)
{
	const char *path = c->netif ? c->netif : getenv(STATUS_NETIF_ENV);
	struct k210sock_kv *more;
	k210sock *h;
	int n;

	if (!path || !*path)
		path = STATUS_NETIF_DEFAULT;
	if (!c->netif && access(path, F_OK) < 0)
		return;
	h = k210sock_open(path);
	if (!h) {
		fprintf(stderr, "k210sock: %s: k210-netif: %s\n", path, strerror(errno));
		return;
	}
	n = k210sock_status(h);
	more = n > 0 ? realloc(st->kv, ((size_t)st->count + (size_t)n + 1) * sizeof(*st->kv)) : NULL;
	if (n < 0)
		fprintf(stderr, "k210sock: %s: k210-netif: %s\n", path, k210sock_strerror(h));
	if (more) {
		st->kv = more;
		for (int i = 0; i < n && k210sock_status_next(h, &st->kv[st->count]) == 1; i++)
			st->count++;
	}
	k210sock_close(h);
}

int status_run(const struct cli *c)
{
	struct status st = { 0 };
	k210sock *h = cli_open(c);
	int n, rc = CLI_OK;

	if (!h)
		return CLI_UNREACHABLE;
	n = k210sock_status(h);
	if (n < 0) {
		rc = cli_fail(h, "status");
		k210sock_close(h);
		return rc;
	}
	st.kv = calloc((size_t)n + 1, sizeof(*st.kv));
	if (st.kv) {
		while (st.count < n && k210sock_status_next(h, &st.kv[st.count]) == 1)
			st.count++;
		status_netif(c, &st);
	}
	/* Each key has at most KEY_MAX/2 + 1 dotted parts, plus the root. */
	st.nodes = calloc((size_t)st.count * (K210SOCK_KEY_MAX / 2 + 1) + 1, sizeof(*st.nodes));
	if (!st.kv || !st.nodes) {
		rc = cli_fail_errno(ENOMEM, "status");
	} else {
		status_tree(&st);
		if (c->json)
			status_print_json(&st);
		else
			status_print_text(&st);
		if (fflush(stdout) != 0)
			rc = cli_fail_errno(errno, "status: standard output");
	}
	free(st.kv);
	free(st.nodes);
	k210sock_close(h);
	return rc;
}
