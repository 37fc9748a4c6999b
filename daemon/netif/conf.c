#include <arpa/inet.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "confval.h"
#include "log.h"

#define CONF_FILE_MAX (1 << 20)
#define CONF_DURATION_MAX_S 1000000u

struct conf_parse {
	struct conf *c;
	struct conf_errors *err;
	const char *name;
	const char *text;       /* the reader's position */
	unsigned line;
	char seen[32][48];      /* section/key pairs given, to refuse repeats */
	unsigned nseen;
};

__attribute__((format(printf, 4, 5)))
static void conf_error(struct conf_errors *err, const char *file, unsigned line, const char *fmt, ...)
{
	size_t len = strlen(err->text);
	va_list ap;

	err->count++;
	if (len + 2 >= sizeof(err->text))
		return;
	len += (size_t)snprintf(err->text + len, sizeof(err->text) - len, line ? "%s:%u: " : "%s: ",
				file, line);
	if (len >= sizeof(err->text))
		return;
	va_start(ap, fmt);
	vsnprintf(err->text + len, sizeof(err->text) - len, fmt, ap);
	va_end(ap);
	len = strlen(err->text);
	if (len + 1 < sizeof(err->text))
		strcat(err->text, "\n");
}

const char *conf_ip(uint32_t addr, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
	return buf;
}

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->iface.name, "k210-0");
	c->iface.address = 0x0ad20001;     /* 10.210.0.1 */
	c->iface.prefix = 29;
	c->iface.mtu = 2076;
	c->iface.metric = 600;
	c->iface.nroutes = 1;              /* the default route */
	strcpy(c->daemon_socket, "/run/k210sockd/k210sockd.sock");
	strcpy(c->control.path, "/run/k210-netif/k210-netif.sock");
	c->control.mode = 0660;
	c->limits.flows = 1024;
	c->limits.streams = 16;
	c->limits.connect_timeout_ms = 30000;
	c->limits.buffer = 64 * 1024;
	c->limits.udp_flows = 3;
	c->limits.udp_idle_ms = 30000;
	c->limits.udp_queue = 8;
	c->limits.pings = 4;
	c->limits.dns_queries = 32;
	c->limits.dns_ttl = 60;
	c->log_level = LOG_LEVEL_INFO;
}

static bool conf_range(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	return confval_uint(v, hi, out) && *out >= lo;
}

/* a.b.c.d/len; the address need not be the network's. */
static bool conf_cidr(const char *v, uint32_t *addr, uint8_t *prefix)
{
	char ip[16];
	const char *slash = strchr(v, '/');
	struct in_addr a;
	uint64_t len;

	if (!slash || (size_t)(slash - v) >= sizeof(ip))
		return false;
	memcpy(ip, v, (size_t)(slash - v));
	ip[slash - v] = 0;
	if (inet_pton(AF_INET, ip, &a) != 1 || !confval_uint(slash + 1, 32, &len))
		return false;
	*addr = ntohl(a.s_addr);
	*prefix = (uint8_t)len;
	return true;
}

static uint32_t conf_mask(uint8_t prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

static bool conf_routes(struct conf_parse *p, const char *v)
{
	struct conf *c = p->c;
	char item[40];

	c->iface.nroutes = 0;
	if (!strcmp(v, "none"))
		return true;
	while (*v) {
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);
		struct conf_route *r;

		while (len && (*v == ' ' || *v == '\t'))
			v++, len--;
		while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(item) || c->iface.nroutes == CONF_ROUTES_MAX)
			return false;
		memcpy(item, v, len);
		item[len] = 0;
		r = &c->iface.routes[c->iface.nroutes++];
		if (!strcmp(item, "default")) {
			r->addr = 0;
			r->prefix = 0;
		} else if (!conf_cidr(item, &r->addr, &r->prefix) || r->prefix == 0) {
			return false;
		}
		r->addr &= conf_mask(r->prefix);
		v += comma ? (size_t)(comma - v) + 1 : strlen(v);
		if (comma && !*v)
			return false;
	}
	return c->iface.nroutes > 0;
}

static bool conf_ifname(const char *v)
{
	size_t len = strlen(v);

	if (len == 0 || len > CONF_NAME_MAX || !strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
		      *v == '-' || *v == '_' || *v == '.'))
			return false;
	return true;
}

static bool conf_abs_path(const char *v, char *out, bool empty_ok)
{
	if ((!*v && !empty_ok) || (*v && *v != '/') || strlen(v) > CONF_PATH_MAX)
		return false;
	strcpy(out, v);
	return true;
}

/* One key; false with *why set when its value is bad. */
static bool conf_key(struct conf_parse *p, const char *section, const char *name, const char *v,
		     const char **why)
{
	struct conf *c = p->c;
	uint64_t n;

#define CONF_IS(s, k) (!strcmp(section, s) && !strcmp(name, k))
#define CONF_NUM(s, k, lo, hi, field) \
	if (CONF_IS(s, k)) { \
		*why = "a number from " #lo " to " #hi; \
		if (!conf_range(v, lo, hi, &n)) \
			return false; \
		field = (unsigned)n; \
		return true; \
	}
#define CONF_DUR(s, k, lo, hi, field) \
	if (CONF_IS(s, k)) { \
		*why = "seconds from " #lo " to " #hi; \
		if (!confval_duration(v, CONF_DURATION_MAX_S, &n) || n < (uint64_t)(lo) * 1000 || n > (uint64_t)(hi) * 1000) \
			return false; \
		field = (uint32_t)n; \
		return true; \
	}
	if (CONF_IS("interface", "name")) {
		*why = "1 to 15 letters, digits, '-', '_' or '.'";
		if (!conf_ifname(v))
			return false;
		strcpy(c->iface.name, v);
		return true;
	}
	if (CONF_IS("interface", "address")) {
		*why = "an address and prefix length from 8 to 29 (a.b.c.d/len)";
		if (!conf_cidr(v, &c->iface.address, &c->iface.prefix) || c->iface.prefix < 8 ||
		    c->iface.prefix > 29)
			return false;
		return true;
	}
	CONF_NUM("interface", "mtu", 576, 9000, c->iface.mtu)
	CONF_NUM("interface", "metric", 0, 32766, c->iface.metric)
	if (CONF_IS("interface", "routes")) {
		*why = "default, none, or a list of a.b.c.d/len";
		return conf_routes(p, v);
	}
	if (CONF_IS("daemon", "socket")) {
		*why = "an absolute path of at most 107 bytes";
		return conf_abs_path(v, c->daemon_socket, false);
	}
	if (CONF_IS("control", "path")) {
		*why = "empty, or an absolute path of at most 107 bytes";
		return conf_abs_path(v, c->control.path, true);
	}
	if (CONF_IS("control", "mode")) {
		char *end;
		long m = strtol(v, &end, 8);

		*why = "an octal mode from 0000 to 0777";
		if (!*v || *end || m < 0 || m > 0777)
			return false;
		c->control.mode = (mode_t)m;
		return true;
	}
	if (CONF_IS("control", "group")) {
		*why = "a group name or gid of at most 32 characters";
		if (strlen(v) >= sizeof(c->control.group))
			return false;
		strcpy(c->control.group, v);
		return true;
	}
	CONF_NUM("limits", "flows", 16, 65536, c->limits.flows)
	CONF_NUM("limits", "streams", 1, 65535, c->limits.streams)
	CONF_DUR("limits", "connect_timeout", 1, 3600, c->limits.connect_timeout_ms)
	if (CONF_IS("limits", "buffer")) {
		*why = "a size from 2K to 16M";
		if (!confval_size(v, &n) || n < 2048 || n > 16 * 1024 * 1024)
			return false;
		c->limits.buffer = (unsigned)n;
		return true;
	}
	CONF_NUM("limits", "udp_flows", 0, 64, c->limits.udp_flows)
	CONF_DUR("limits", "udp_idle", 1, 3600, c->limits.udp_idle_ms)
	CONF_NUM("limits", "udp_queue", 1, 256, c->limits.udp_queue)
	CONF_NUM("limits", "pings", 0, 64, c->limits.pings)
	CONF_NUM("limits", "dns_queries", 1, 1024, c->limits.dns_queries)
	CONF_NUM("limits", "dns_ttl", 0, 86400, c->limits.dns_ttl)
	if (CONF_IS("log", "level")) {
		int level = log_level_parse(v);

		*why = "error, warn, info or debug";
		if (level < 0)
			return false;
		c->log_level = level;
		return true;
	}
#undef CONF_NUM
#undef CONF_DUR
#undef CONF_IS
	*why = NULL;
	return false;
}

static int conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parse *p = user;
	const char *why = NULL;
	char pair[48];

	if (!name)
		return 1;
	snprintf(pair, sizeof(pair), "%s/%s", section, name);
	for (unsigned i = 0; i < p->nseen; i++)
		if (!strcmp(p->seen[i], pair)) {
			conf_error(p->err, p->name, p->line, "[%s] %s given twice", section, name);
			return 1;
		}
	if (p->nseen < sizeof(p->seen) / sizeof(p->seen[0]))
		strcpy(p->seen[p->nseen++], pair);
	if (!conf_key(p, section, name, value, &why)) {
		if (why)
			conf_error(p->err, p->name, p->line, "[%s] %s: '%s' is not %s", section, name, value,
				   why);
		else
			conf_error(p->err, p->name, p->line, "unknown key [%s] %s", section, name);
	}
	return 1;
}

/* Hands inih one line at a time, counting lines for the messages. */
static char *conf_reader(char *buf, int size, void *stream)
{
	struct conf_parse *p = stream;
	const char *nl;
	size_t len;

	if (!*p->text)
		return NULL;
	nl = strchr(p->text, '\n');
	len = nl ? (size_t)(nl - p->text) + 1 : strlen(p->text);
	if (len >= (size_t)size) {
		conf_error(p->err, p->name, p->line + 1, "line longer than %d characters", size - 2);
		len = (size_t)size - 1;
	}
	memcpy(buf, p->text, len);
	buf[len] = 0;
	p->text += nl ? (size_t)(nl - p->text) + 1 : len;
	p->line++;
	return buf;
}

/* Addresses derived from [interface] address must fit its prefix. */
static void conf_cross_check(struct conf_parse *p)
{
	struct conf *c = p->c;
	uint32_t mask = conf_mask(c->iface.prefix), net = c->iface.address & mask;
	uint32_t bcast = net | ~mask;

	c->iface.nat_address = c->iface.address + 1;
	c->iface.resolver = c->iface.address + 2;
	if (c->iface.address == net || (c->iface.resolver & mask) != net || c->iface.resolver >= bcast)
		conf_error(p->err, p->name, 0,
			   "[interface] address: the address and the two after it (NAT and resolver) "
			   "must be host addresses of the prefix");
}

bool conf_parse_string(struct conf *c, const char *name, const char *text, struct conf_errors *err)
{
	struct conf_parse p;
	unsigned before = err->count;
	int rc;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.err = err;
	p.name = name;
	p.text = text;
	rc = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	if (rc > 0)
		conf_error(err, name, (unsigned)rc, "syntax error (expected [section] or key = value)");
	else if (rc < 0)
		conf_error(err, name, 0, "cannot parse");
	conf_cross_check(&p);
	return err->count == before;
}

bool conf_load(struct conf *c, const char *path, struct conf_errors *err)
{
	char why[128];
	char *text = confval_read_file(path, CONF_FILE_MAX, why, sizeof(why));
	bool ok;

	if (!text) {
		conf_error(err, path, 0, "%s", why);
		return false;
	}
	ok = conf_parse_string(c, path, text, err);
	free(text);
	return ok;
}
