/*
 * k210-netif's configuration (/etc/k210sockd/k210-netif.conf, INI syntax as
 * k210sockd.conf): the interface, the daemon's socket, the control socket,
 * limits and logging.  [limits] and [log] are applied by a reload; the
 * others take a restart (the interface is set up while the capability to
 * do it is held, and that capability is gone afterwards).
 */
#ifndef NETIF_CONF_H
#define NETIF_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CONF_DEFAULT_PATH "/etc/k210sockd/k210-netif.conf"
#define CONF_NAME_MAX 15           /* IFNAMSIZ - 1 */
#define CONF_PATH_MAX 107          /* sun_path - 1 */
#define CONF_ROUTES_MAX 32
#define CONF_ERRORS_MAX 2048

struct conf_route {
	uint32_t addr;                 /* host order, masked */
	uint8_t prefix;                /* 0: the default route */
};

struct conf {
	struct {
		char name[CONF_NAME_MAX + 1];
		uint32_t address;          /* host order: the host's address on the interface */
		uint8_t prefix;
		uint32_t nat_address;      /* address + 1: connections to the listener come from it */
		uint32_t resolver;         /* address + 2: the DNS server */
		unsigned mtu;
		unsigned metric;
		unsigned nroutes;
		struct conf_route routes[CONF_ROUTES_MAX];
	} iface;
	char daemon_socket[CONF_PATH_MAX + 1];
	struct {
		char path[CONF_PATH_MAX + 1];  /* empty: no control socket */
		mode_t mode;
		char group[33];
	} control;
	struct {
		unsigned flows;            /* TCP and UDP flows in the table (restart) */
		unsigned streams;          /* connects to the daemon at once */
		uint32_t connect_timeout_ms;
		unsigned buffer;           /* bytes per TCP flow and direction */
		unsigned udp_flows;
		uint32_t udp_idle_ms;
		unsigned udp_queue;        /* datagrams waiting while a UDP flow opens */
		unsigned pings;
		unsigned dns_queries;
		uint32_t dns_ttl;
	} limits;
	int log_level;
};

struct conf_errors {
	char text[CONF_ERRORS_MAX];
	unsigned count;
};

void conf_defaults(struct conf *c);
/* Parse a file; errors go to err as "file:line: what" lines. */
bool conf_load(struct conf *c, const char *path, struct conf_errors *err);
bool conf_parse_string(struct conf *c, const char *name, const char *text, struct conf_errors *err);
/* Address as dotted text (buf of 16). */
const char *conf_ip(uint32_t addr, char *buf);

#endif
