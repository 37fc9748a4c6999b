#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "config.h"
#include "confval.h"
#include "log.h"

#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_DURATION_MAX_S 100000000u
#define CONFIG_SYNTAX_ERROR "syntax error (expected [section] or key = value)"

enum config_kind {
	CK_PATH_DEVICE, CK_PATH_SOCKET, CK_UINT, CK_PORT, CK_DURATION, CK_SIZE, CK_MODE, CK_GROUP,
	CK_LOOPBACK, CK_SSID, CK_PSK, CK_FILE, CK_USERS, CK_GROUPS, CK_NETS, CK_BOOL, CK_LEVEL,
};

struct config_key {
	const char *section;
	const char *name;
	enum config_kind kind;
	size_t off;            /* offset of the field in struct config */
	uint32_t min, max;     /* numbers: range (durations in ms) */
};

#define KEY(sec, name, kind, field, min, max) \
	{ sec, name, kind, offsetof(struct config, field), min, max }

static const struct config_key config_keys[] = {
	KEY("device", "path", CK_PATH_DEVICE, device.path, 0, 0),
	KEY("device", "baud", CK_UINT, device.baud, 115200, 12000000),
	KEY("device", "request_wait", CK_DURATION, device.request_wait_ms, 0, 3600000),
	KEY("device", "reconnect_min", CK_DURATION, device.reconnect_min_ms, 10, 3600000),
	KEY("device", "reconnect_max", CK_DURATION, device.reconnect_max_ms, 10, 3600000),
	KEY("device", "link_window", CK_UINT, device.link_window, 1, 32),
	KEY("device", "link_payload", CK_UINT, device.link_payload, 64, 4096),
	KEY("socket", "path", CK_PATH_SOCKET, socket.path, 0, 0),
	KEY("socket", "mode", CK_MODE, socket.mode, 0, 0777),
	KEY("socket", "group", CK_GROUP, socket.group, 0, 0),
	KEY("socket", "socks_port", CK_PORT, socket.socks_port, 0, 65535),
	KEY("socket", "socks_address", CK_LOOPBACK, socket.socks_address, 0, 0),
	KEY("wifi", "ssid", CK_SSID, wifi.ssid, 0, 0),
	KEY("wifi", "psk", CK_PSK, wifi.psk, 0, 0),
	KEY("wifi", "psk_file", CK_FILE, wifi.psk_file, 0, 0),
	KEY("wifi", "join_timeout", CK_DURATION, wifi.join_timeout_ms, 1000, 600000),
	KEY("limits", "clients", CK_UINT, limits.clients, 1, 1000000),
	KEY("limits", "sockets_per_client", CK_UINT, limits.sockets_per_client, 1, 65535),
	KEY("limits", "connect_queue", CK_UINT, limits.connect_queue, 0, 65536),
	KEY("limits", "handshakes_per_user", CK_UINT, limits.handshakes_per_user, 1, 1000000),
	KEY("limits", "connect_timeout", CK_DURATION, limits.connect_timeout_ms, 1000, 3600000),
	KEY("limits", "queue_timeout", CK_DURATION, limits.queue_timeout_ms, 1000, 86400000),
	KEY("limits", "half_close_timeout", CK_DURATION, limits.half_close_timeout_ms, 100, 3600000),
	KEY("limits", "client_buffer", CK_SIZE, limits.client_buffer, 2048, 16u << 20),
	KEY("limits", "send_buffer", CK_SIZE, limits.send_buffer, 2048, 16u << 20),
	KEY("limits", "request_timeout", CK_DURATION, limits.request_timeout_ms, 100, 3600000),
	KEY("limits", "handshake_timeout", CK_DURATION, limits.handshake_timeout_ms, 100, 3600000),
	KEY("access", "allow_users", CK_USERS, access.users, 0, 0),
	KEY("access", "allow_groups", CK_GROUPS, access.groups, 0, 0),
	KEY("access", "allow_destinations", CK_NETS, access.allow, 0, 0),
	KEY("access", "deny_destinations", CK_NETS, access.deny, 0, 0),
	KEY("access", "allow_listen", CK_BOOL, access.allow_listen, 0, 0),
	KEY("access", "allow_udp", CK_BOOL, access.allow_udp, 0, 0),
	KEY("log", "level", CK_LEVEL, log.level, 0, 0),
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static const char *const config_sections[] = { "device", "socket", "wifi", "limits", "access",
					       "log" };

struct config_parse {
	struct config *c;
	struct config_errors *err;
	const char *name;
	const char *text;      /* the whole file, NUL terminated */
	size_t pos;
	unsigned line;
	unsigned key_line[CONFIG_NKEYS];
	bool section_ok;       /* the current section is known (no error per key) */
};

static void config_error(struct config_errors *e, const char *name, unsigned line,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Append a message and its newline, bytes that are not printable ASCII
 * escaped as \xNN: names and values from a file that is not text must not
 * reach a terminal as control sequences.
 */
static void config_error_add(struct config_errors *e, const char *msg)
{
	static const char hex[] = "0123456789abcdef";

	for (const unsigned char *m = (const unsigned char *)msg; *m; m++) {
		bool plain = *m >= 0x20 && *m < 0x7f;

		if (sizeof(e->text) - e->len < (plain ? 3u : 6u)) {
			e->len = sizeof(e->text) - 1;
			return;
		}
		if (plain) {
			e->text[e->len++] = (char)*m;
		} else {
			e->text[e->len++] = '\\';
			e->text[e->len++] = 'x';
			e->text[e->len++] = hex[*m >> 4];
			e->text[e->len++] = hex[*m & 15];
		}
	}
	e->text[e->len++] = '\n';
	e->text[e->len] = 0;
}

static void config_error(struct config_errors *e, const char *name, unsigned line,
			 const char *fmt, ...)
{
	size_t room = sizeof(e->text) - e->len;
	char msg[512];
	va_list ap;
	int n;

	e->count++;
	if (room < 2)
		return;
	n = line ? snprintf(e->text + e->len, room, "%s:%u: ", name, line)
		 : snprintf(e->text + e->len, room, "%s: ", name);
	if (n < 0 || (size_t)n >= room) {
		e->len = sizeof(e->text) - 1;
		return;
	}
	e->len += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	config_error_add(e, msg);
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->device.path, sizeof(c->device.path), "/dev/k210-0");
	c->device.baud = 2000000;
	c->device.request_wait_ms = 5000;
	c->device.reconnect_min_ms = 100;
	c->device.reconnect_max_ms = 2000;
	c->device.link_window = 32;
	c->device.link_payload = 2048;
	snprintf(c->socket.path, sizeof(c->socket.path), "/run/k210sockd/k210sockd.sock");
	c->socket.mode = 0660;
	snprintf(c->socket.socks_address, sizeof(c->socket.socks_address), "127.0.0.1");
	c->wifi.join_timeout_ms = 20000;
	c->limits.clients = 1024;
	c->limits.handshakes_per_user = 64;
	c->limits.sockets_per_client = 64;
	c->limits.connect_queue = 256;
	c->limits.connect_timeout_ms = 30000;
	c->limits.queue_timeout_ms = 600000;
	c->limits.half_close_timeout_ms = 3000;
	c->limits.client_buffer = 64 * 1024;
	c->limits.send_buffer = 16 * 1024;
	c->limits.request_timeout_ms = 10000;
	c->limits.handshake_timeout_ms = 10000;
	c->access.allow_udp = true;
	c->log.level = LOG_LEVEL_INFO;
}

/* Unsigned decimal; false on anything else or overflow past max. */
static bool config_hex16(const char *s, size_t len)
{
	if (len == 0 || len > 4)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "usb:VID:PID" or "usb:VID:PID:SERIAL". */
static bool config_usb_spec(const char *v)
{
	const char *vid = v + 4, *c1 = strchr(vid, ':'), *pid, *c2;

	if (!c1 || !config_hex16(vid, (size_t)(c1 - vid)))
		return false;
	pid = c1 + 1;
	c2 = strchr(pid, ':');
	if (!config_hex16(pid, c2 ? (size_t)(c2 - pid) : strlen(pid)))
		return false;
	return !c2 || c2[1] != 0;
}

static bool config_loopback(const char *v)
{
	uint8_t ip[4];

	if (strcmp(v, "localhost") == 0 || strcmp(v, "::1") == 0)
		return true;
	return acl_parse_ipv4(v, strlen(v), ip) && ip[0] == 127;
}

static bool config_psk_valid(const char *v)
{
	size_t len = strlen(v);

	if (len == 0)
		return true;
	if (len == 64) {
		for (size_t i = 0; i < len; i++)
			if (!isxdigit((unsigned char)v[i]))
				return false;
		return true;
	}
	if (len < 8 || len > 63)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return false;
	return true;
}

static void config_set_number(struct config *c, const struct config_key *k, uint64_t v)
{
	char *field = (char *)c + k->off;

	if (k->kind == CK_PORT) {
		uint16_t p = (uint16_t)v;

		memcpy(field, &p, sizeof(p));
	} else {
		uint32_t u = (uint32_t)v;

		memcpy(field, &u, sizeof(u));
	}
}

/* Set one key; returns NULL or what is wrong with the value. */
static const char *config_set(struct config *c, const struct config_key *k, const char *v,
			      char *why, size_t whylen)
{
	char *field = (char *)c + k->off;
	uint64_t n;

	switch (k->kind) {
	case CK_PATH_DEVICE:
		if (strncmp(v, "usb:", 4) == 0) {
			if (!config_usb_spec(v))
				return "expected usb:VID:PID or usb:VID:PID:SERIAL (hexadecimal ids)";
		} else if (v[0] != '/') {
			return "expected an absolute path or usb:VID:PID[:SERIAL]";
		}
		if (strlen(v) >= CONFIG_PATH_MAX)
			return "path too long";
		strcpy(field, v);
		return NULL;
	case CK_PATH_SOCKET:
		if (v[0] != '/')
			return "expected an absolute path";
		if (strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return "path too long for a Unix socket (107 bytes at most)";
		strcpy(field, v);
		return NULL;
	case CK_UINT:
	case CK_PORT:
		if (!confval_uint(v, UINT32_MAX, &n) || n < k->min || n > k->max) {
			snprintf(why, whylen, "expected a whole number from %u to %u", k->min, k->max);
			return why;
		}
		config_set_number(c, k, n);
		return NULL;
	case CK_DURATION:
		if (!confval_duration(v, CONFIG_DURATION_MAX_S, &n) || n < k->min || n > k->max) {
			snprintf(why, whylen, "expected seconds from %u.%03u to %u", k->min / 1000,
				 k->min % 1000, k->max / 1000);
			return why;
		}
		config_set_number(c, k, n);
		return NULL;
	case CK_SIZE:
		if (!confval_size(v, &n) || n < k->min || n > k->max) {
			snprintf(why, whylen, "expected a size from %uK to %uM (bytes, or a K/M suffix)",
				 k->min / 1024, k->max >> 20);
			return why;
		}
		config_set_number(c, k, n);
		return NULL;
	case CK_MODE: {
		char *end;
		unsigned long m;

		if (!*v || strspn(v, "01234567") != strlen(v))
			return "expected an octal mode such as 0660";
		m = strtoul(v, &end, 8);
		if (m > 0777)
			return "expected permission bits 0000 to 0777";
		c->socket.mode = (mode_t)m;
		return NULL;
	}
	case CK_GROUP: {
		struct acl_ids ids;
		char err[128];

		if (!*v) {
			c->socket.group_set = false;
			c->socket.group_name[0] = 0;
			return NULL;
		}
		if (strchr(v, ',') || !acl_parse_ids(v, ACL_GROUPS, &ids, err, sizeof(err))) {
			snprintf(why, whylen, "no such group");
			return why;
		}
		if (strlen(v) >= sizeof(c->socket.group_name))
			return "group name too long";
		c->socket.group_set = true;
		c->socket.group = (gid_t)ids.v[0];
		strcpy(c->socket.group_name, v);
		return NULL;
	}
	case CK_LOOPBACK:
		if (!config_loopback(v))
			return "only a loopback address (127.x.x.x, ::1 or localhost) is accepted";
		strcpy(field, v);
		return NULL;
	case CK_SSID:
		if (strlen(v) > PROTO_SSID_MAX)
			return "an SSID has at most 32 bytes";
		strcpy(field, v);
		return NULL;
	case CK_PSK:
		if (!config_psk_valid(v))
			return "expected 8 to 63 printable characters, or 64 hexadecimal digits";
		strcpy(field, v);
		return NULL;
	case CK_FILE:
		if (strncmp(v, "credential:", 11) == 0) {
			const char *name = v + 11;

			if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
			    strcmp(name, "..") == 0)
				return "expected credential:NAME with a plain name";
		} else if (*v && v[0] != '/') {
			return "expected an absolute path or credential:NAME";
		}
		if (strlen(v) >= CONFIG_PATH_MAX)
			return "path too long";
		strcpy(field, v);
		return NULL;
	case CK_USERS:
	case CK_GROUPS:
		if (!acl_parse_ids(v, k->kind == CK_USERS ? ACL_USERS : ACL_GROUPS,
				   (struct acl_ids *)(void *)field, why, whylen))
			return why;
		return NULL;
	case CK_NETS:
		if (!acl_parse_nets(v, (struct acl_nets *)(void *)field, why, whylen))
			return why;
		return NULL;
	case CK_BOOL:
		if (strcmp(v, "yes") == 0)
			*(bool *)(void *)field = true;
		else if (strcmp(v, "no") == 0)
			*(bool *)(void *)field = false;
		else
			return "expected yes or no";
		return NULL;
	case CK_LEVEL: {
		int level = log_level_parse(v);

		if (level < 0)
			return "expected error, warn, info or debug";
		c->log.level = level;
		return NULL;
	}
	}
	return "unhandled";
}

static bool config_section_known(const char *name)
{
	for (size_t i = 0; i < sizeof(config_sections) / sizeof(config_sections[0]); i++)
		if (strcmp(name, config_sections[i]) == 0)
			return true;
	return false;
}

/*
 * The lines inih takes for a syntax error: a section without its "]", and
 * a line that is neither blank, a comment, a section nor "key = value"
 * (or "key: value") ahead of any inline " ;" comment.
 */
static bool config_line_valid(const char *line, size_t len)
{
	if (len == 0 || strchr(";#\r\n", *line))
		return true;
	if (*line == '[')
		return memchr(line, ']', len) != NULL;
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '=' || line[i] == ':')
			return true;
		if (line[i] == ';' && i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t'))
			return false;
	}
	return false;
}

/*
 * Line reader for inih: counts lines (so the handler knows where it is),
 * strips leading blanks (inih would take an indented line for the
 * continuation of the previous value), refuses lines longer than inih's
 * buffer and checks section names, including those of empty sections.
 */
static char *config_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	const char *line = p->text + p->pos, *end, *start;
	size_t len, body;

	if (!*line)
		return NULL;
	end = strchr(line, '\n');
	len = end ? (size_t)(end - line) + 1 : strlen(line);
	p->pos += len;
	p->line++;
	start = line;
	while (start < line + len && (*start == ' ' || *start == '\t'))
		start++;
	body = len - (size_t)(start - line);
	if (body + 1 > (size_t)num - 2) {
		config_error(p->err, p->name, p->line, "line too long (%d characters at most)",
			     num - 4);
		snprintf(str, (size_t)num, ";\n");
		return str;
	}
	if (!config_line_valid(start, body)) {
		/* Reported here, in line order; inih gets a comment instead. */
		config_error(p->err, p->name, p->line, CONFIG_SYNTAX_ERROR);
		snprintf(str, (size_t)num, ";\n");
		return str;
	}
	memcpy(str, start, body);
	str[body] = 0;
	if (*start == '[') {
		const char *close = memchr(start, ']', body);
		char name[32];
		size_t nl;

		if (close) {
			nl = (size_t)(close - start - 1);
			if (nl >= sizeof(name))
				nl = sizeof(name) - 1;
			memcpy(name, start + 1, nl);
			name[nl] = 0;
			p->section_ok = config_section_known(name);
			if (!p->section_ok)
				config_error(p->err, p->name, p->line, "unknown section [%s]", name);
		}
	}
	return str;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	char why[256];
	const char *problem;

	if (!*section) {
		config_error(p->err, p->name, p->line, "\"%s\" outside a section", name);
		return 1;
	}
	if (!p->section_ok)
		return 1;
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
			continue;
		if (p->key_line[i]) {
			config_error(p->err, p->name, p->line, "[%s] %s given twice (first on line %u)",
				     section, name, p->key_line[i]);
			return 1;
		}
		p->key_line[i] = p->line;
		problem = config_set(p->c, k, value, why, sizeof(why));
		if (problem)
			config_error(p->err, p->name, p->line, "[%s] %s: %s", section, name, problem);
		return 1;
	}
	config_error(p->err, p->name, p->line, "unknown key \"%s\" in [%s]", name, section);
	return 1;
}

static unsigned config_key_line(const struct config_parse *p, const char *section,
				const char *name)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return p->key_line[i];
	return 0;
}

/* Rules between keys, checked once the whole file is read. */
static void config_cross_check(struct config_parse *p)
{
	struct config *c = p->c;

	if (c->device.reconnect_max_ms < c->device.reconnect_min_ms) {
		unsigned line = config_key_line(p, "device", "reconnect_max");

		if (!line)
			line = config_key_line(p, "device", "reconnect_min");
		config_error(p->err, p->name, line,
			     "[device] reconnect_max is below reconnect_min");
	}
	if (c->wifi.psk[0] && c->wifi.psk_file[0])
		config_error(p->err, p->name, config_key_line(p, "wifi", "psk_file"),
			     "[wifi] psk and psk_file are both set: keep one");
	c->wifi.psk_file_line = config_key_line(p, "wifi", "psk_file");
}

bool config_parse_string(struct config *c, const char *name, const char *text,
			 struct config_errors *err)
{
	struct config_parse p;
	unsigned before = err->count;
	int rc;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.err = err;
	p.name = name;
	p.text = text;
	rc = ini_parse_stream(config_reader, &p, config_handler, &p);
	if (rc > 0)
		config_error(err, name, (unsigned)rc, CONFIG_SYNTAX_ERROR);
	else if (rc < 0)
		config_error(err, name, 0, "cannot parse");
	config_cross_check(&p);
	return err->count == before;
}

bool config_load(struct config *c, const char *path, struct config_errors *err)
{
	char why[128];
	char *text = confval_read_file(path, CONFIG_FILE_MAX, why, sizeof(why));
	bool ok;

	if (!text) {
		config_error(err, path, 0, "%s", why);
		return false;
	}
	ok = config_parse_string(c, path, text, err);
	free(text);
	return ok;
}

bool config_read_psk(struct config *c, const char *conf_path, bool allow_missing_credential,
		     struct config_errors *err)
{
	char path[CONFIG_PATH_MAX + 64];
	char line[PROTO_PSK_MAX + 3];
	const char *spec = c->wifi.psk_file;
	FILE *f;
	size_t len;

	if (!c->wifi.ssid[0] || !spec[0])
		return true;
	if (strncmp(spec, "credential:", 11) == 0) {
		const char *dir = getenv("CREDENTIALS_DIRECTORY");

		if (!dir || !*dir) {
			if (allow_missing_credential)
				return true;
			config_error(err, conf_path, c->wifi.psk_file_line,
				     "[wifi] psk_file: %s needs $CREDENTIALS_DIRECTORY (set by systemd)",
				     spec);
			return false;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, spec + 11);
	} else {
		snprintf(path, sizeof(path), "%s", spec);
	}
	f = fopen(path, "re");
	if (!f) {
		config_error(err, conf_path, c->wifi.psk_file_line, "[wifi] psk_file: %s: %s", path,
			     strerror(errno));
		return false;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	len = strcspn(line, "\r\n");
	if (line[len] == 0 && len > PROTO_PSK_MAX) {
		config_error(err, conf_path, c->wifi.psk_file_line,
			     "[wifi] psk_file: %s: the passphrase is too long", path);
		return false;
	}
	line[len] = 0;
	if (!config_psk_valid(line)) {
		config_error(err, conf_path, c->wifi.psk_file_line,
			     "[wifi] psk_file: %s: expected 8 to 63 printable characters, or 64 "
			     "hexadecimal digits", path);
		return false;
	}
	strcpy(c->wifi.psk, line);
	return true;
}

bool config_device_changed(const struct config *a, const struct config *b)
{
	return strcmp(a->device.path, b->device.path) != 0 || a->device.baud != b->device.baud ||
	       a->device.request_wait_ms != b->device.request_wait_ms ||
	       a->device.reconnect_min_ms != b->device.reconnect_min_ms ||
	       a->device.reconnect_max_ms != b->device.reconnect_max_ms ||
	       a->device.link_window != b->device.link_window ||
	       a->device.link_payload != b->device.link_payload;
}

bool config_socket_changed(const struct config *a, const struct config *b)
{
	return strcmp(a->socket.path, b->socket.path) != 0 || a->socket.mode != b->socket.mode ||
	       a->socket.group_set != b->socket.group_set || a->socket.group != b->socket.group ||
	       a->socket.socks_port != b->socket.socks_port ||
	       strcmp(a->socket.socks_address, b->socket.socks_address) != 0;
}

bool config_wifi_changed(const struct config *a, const struct config *b)
{
	return strcmp(a->wifi.ssid, b->wifi.ssid) != 0 || strcmp(a->wifi.psk, b->wifi.psk) != 0 ||
	       a->wifi.join_timeout_ms != b->wifi.join_timeout_ms;
}
