/*
 * The configuration file: INI sections [device], [socket], [wifi], [limits],
 * [access] and [log] (see k210sockd.conf(5)).  Parsing is strict: unknown
 * sections and keys and bad values are errors reported as "file:line: ...".
 */
#ifndef K210_CONFIG_H
#define K210_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "acl.h"
#include "proto.h"

#define CONFIG_DEFAULT_PATH "/etc/k210sockd/k210sockd.conf"
#define CONFIG_PATH_MAX 256

struct config {
	struct {
		char path[CONFIG_PATH_MAX];
		uint32_t baud;
		uint32_t request_wait_ms;
		uint32_t reconnect_min_ms, reconnect_max_ms;
		uint32_t link_window;
		uint32_t link_payload;
	} device;
	struct {
		char path[CONFIG_PATH_MAX];
		mode_t mode;
		bool group_set;        /* false: the daemon's own group */
		gid_t group;
		char group_name[64];
		uint16_t socks_port;
		char socks_address[64];
	} socket;
	struct {
		char ssid[PROTO_SSID_MAX + 1];
		char psk[PROTO_PSK_MAX + 1];
		char psk_file[CONFIG_PATH_MAX];
		unsigned psk_file_line;
		uint32_t join_timeout_ms;
	} wifi;
	struct {
		uint32_t clients;
		uint32_t handshakes_per_user;  /* connections of one uid before a first request */
		uint32_t sockets_per_client;
		uint32_t connect_queue;
		uint32_t connect_timeout_ms;   /* a connect on the module */
		uint32_t queue_timeout_ms;     /* waiting for a free ESP link */
		uint32_t half_close_timeout_ms;
		uint32_t client_buffer;
		uint32_t send_buffer;
		uint32_t request_timeout_ms;
		uint32_t handshake_timeout_ms;
	} limits;
	struct {
		struct acl_ids users, groups;
		struct acl_nets allow, deny;
		bool allow_listen;
		bool allow_udp;
	} access;
	struct {
		int level;
	} log;
};

/* Errors collected while parsing: one "file:line: message" per line. */
struct config_errors {
	char text[4096];
	size_t len;
	unsigned count;
};

void config_defaults(struct config *c);
/*
 * Parse a file over the defaults.  Returns true when it is valid; otherwise
 * err holds every problem found.
 */
bool config_load(struct config *c, const char *path, struct config_errors *err);
/* Same, from a string (name is used in messages). */
bool config_parse_string(struct config *c, const char *name, const char *text,
			 struct config_errors *err);
/*
 * Read the passphrase from psk_file into psk when ssid is set.  A
 * "credential:NAME" file outside systemd (no $CREDENTIALS_DIRECTORY) is an
 * error unless allow_missing_credential.
 */
bool config_read_psk(struct config *c, const char *conf_path, bool allow_missing_credential,
		     struct config_errors *err);
/* True if [device] or [socket] differ (they need a restart). */
bool config_device_changed(const struct config *a, const struct config *b);
bool config_socket_changed(const struct config *a, const struct config *b);
bool config_wifi_changed(const struct config *a, const struct config *b);

#endif
