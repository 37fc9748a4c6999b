/*
 * Configuration parser: the contract's keys, their values, and every error
 * message with its file:line.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "log.h"

static const char every_key[] =
	"# every key of the contract\n"
	"[device]\n"
	"path = usb:1a86:7523:ABC123\n"
	"baud = 1500000\n"
	"request_wait = 2.5\n"
	"reconnect_min = 0.05\n"
	"reconnect_max = 3\n"
	"link_window = 16\n"
	"link_payload = 1024\n"
	"\n"
	"[socket]\n"
	"path = /tmp/k210.sock ; inline comment\n"
	"mode = 0600\n"
	"group = root\n"
	"socks_port = 1080\n"
	"socks_address = 127.0.0.2\n"
	"[wifi]\n"
	"ssid = workshop\n"
	"psk = correct horse\n"
	"psk_file =\n"
	"join_timeout = 30\n"
	"[limits]\n"
	"  clients = 10000\n"
	"sockets_per_client = 32\n"
	"connect_queue = 8\n"
	"connect_timeout = 12\n"
	"client_buffer = 128K\n"
	"send_buffer = 1M\n"
	"request_timeout = 4\n"
	"handshake_timeout = 0.5\n"
	"[access]\n"
	"allow_users = root, 1000\n"
	"allow_groups = 0\n"
	"allow_destinations = 0.0.0.0/0:443, 127.0.0.0/8\n"
	"deny_destinations = 10.0.0.0/8\n"
	"allow_listen = yes\n"
	"allow_udp = no\n"
	"[log]\n"
	"level = debug\n";

static void test_every_key(void)
{
	struct config c;
	struct config_errors err = { .len = 0 };

	check_case = "every key";
	config_defaults(&c);
	CHECK(config_parse_string(&c, "t.conf", every_key, &err));
	if (err.count)
		fprintf(stderr, "%s", err.text);
	CHECK(strcmp(c.device.path, "usb:1a86:7523:ABC123") == 0);
	CHECK_EQ(c.device.baud, 1500000);
	CHECK_EQ(c.device.request_wait_ms, 2500);
	CHECK_EQ(c.device.reconnect_min_ms, 50);
	CHECK_EQ(c.device.reconnect_max_ms, 3000);
	CHECK_EQ(c.device.link_window, 16);
	CHECK_EQ(c.device.link_payload, 1024);
	CHECK(strcmp(c.socket.path, "/tmp/k210.sock") == 0);
	CHECK_EQ(c.socket.mode, 0600);
	CHECK(c.socket.group_set);
	CHECK_EQ(c.socket.group, 0);
	CHECK_EQ(c.socket.socks_port, 1080);
	CHECK(strcmp(c.socket.socks_address, "127.0.0.2") == 0);
	CHECK(strcmp(c.wifi.ssid, "workshop") == 0);
	CHECK(strcmp(c.wifi.psk, "correct horse") == 0);
	CHECK_EQ(c.wifi.join_timeout_ms, 30000);
	CHECK_EQ(c.limits.clients, 10000);
	CHECK_EQ(c.limits.sockets_per_client, 32);
	CHECK_EQ(c.limits.connect_queue, 8);
	CHECK_EQ(c.limits.connect_timeout_ms, 12000);
	CHECK_EQ(c.limits.client_buffer, 128 * 1024);
	CHECK_EQ(c.limits.send_buffer, 1024 * 1024);
	CHECK_EQ(c.limits.request_timeout_ms, 4000);
	CHECK_EQ(c.limits.handshake_timeout_ms, 500);
	CHECK_EQ(c.access.users.n, 2);
	CHECK_EQ(c.access.users.v[1], 1000);
	CHECK_EQ(c.access.groups.n, 1);
	CHECK_EQ(c.access.allow.n, 2);
	CHECK_EQ(c.access.deny.n, 1);
	CHECK(c.access.allow_listen);
	CHECK(!c.access.allow_udp);
	CHECK_EQ(c.log.level, LOG_LEVEL_DEBUG);
	check_case = NULL;
}

static void test_defaults(void)
{
	struct config c;
	struct config_errors err = { .len = 0 };

	check_case = "empty file keeps the defaults";
	config_defaults(&c);
	CHECK(config_parse_string(&c, "t.conf", "", &err));
	CHECK(strcmp(c.device.path, "/dev/k210-0") == 0);
	CHECK_EQ(c.device.baud, 2000000);
	CHECK_EQ(c.device.request_wait_ms, 5000);
	CHECK_EQ(c.device.reconnect_min_ms, 100);
	CHECK_EQ(c.device.reconnect_max_ms, 2000);
	CHECK_EQ(c.device.link_window, 32);
	CHECK_EQ(c.device.link_payload, 2048);
	CHECK(strcmp(c.socket.path, "/run/k210sockd/k210sockd.sock") == 0);
	CHECK_EQ(c.socket.mode, 0660);
	CHECK_EQ(c.socket.socks_port, 0);
	CHECK_EQ(c.wifi.join_timeout_ms, 20000);
	CHECK_EQ(c.limits.clients, 1024);
	CHECK_EQ(c.limits.handshakes_per_user, 64);
	CHECK_EQ(c.limits.sockets_per_client, 64);
	CHECK_EQ(c.limits.connect_queue, 256);
	CHECK_EQ(c.limits.connect_timeout_ms, 30000);
	CHECK_EQ(c.limits.queue_timeout_ms, 600000);
	CHECK_EQ(c.limits.half_close_timeout_ms, 3000);
	CHECK_EQ(c.limits.client_buffer, 65536);
	CHECK_EQ(c.limits.send_buffer, 16384);
	CHECK_EQ(c.limits.request_timeout_ms, 10000);
	CHECK_EQ(c.limits.handshake_timeout_ms, 10000);
	CHECK(!c.access.allow_listen);
	CHECK(c.access.allow_udp);
	CHECK_EQ(c.log.level, LOG_LEVEL_INFO);
	check_case = NULL;
}

struct bad_vector {
	const char *name;
	const char *text;
	const char *message;   /* must appear in the errors, with file:line */
};

static const struct bad_vector bad_vectors[] = {
	{ "unknown section", "[devices]\npath = /dev/x\n", "t.conf:1: unknown section [devices]" },
	{ "unknown empty section", "[log]\n[bogus]\n", "t.conf:2: unknown section [bogus]" },
	{ "unknown key", "[device]\nspeed = 9600\n", "t.conf:2: unknown key \"speed\" in [device]" },
	{ "key outside a section", "baud = 9600\n", "t.conf:1: \"baud\" outside a section" },
	{ "duplicate key", "[device]\nbaud = 115200\nbaud = 921600\n",
	  "t.conf:3: [device] baud given twice (first on line 2)" },
	{ "syntax error", "[device]\nbaud\n", "t.conf:2: syntax error" },
	{ "unclosed section", "[device\n", "t.conf:1: syntax error" },
	{ "unclosed section, then a bad line: in line order", "[device\nbaud = fast\n",
	  "t.conf:1: syntax error (expected [section] or key = value)\nt.conf:2: " },
	{ "syntax errors in line order", "[log]\nlevel\n[device]\nbaud = 1\nnonsense\n",
	  "t.conf:2: syntax error (expected [section] or key = value)\nt.conf:4: [device] baud: "
	  "expected a whole number from 115200 to 12000000\nt.conf:5: syntax error" },
	{ "inline comment before the equals sign", "[device]\nbaud ; = 9600\n",
	  "t.conf:2: syntax error" },
	{ "control bytes escaped", "[device]\n\x1b[2J\xff = 1\n",
	  "t.conf:2: unknown key \"\\x1b[2J\\xff\" in [device]" },
	{ "queue timeout too short", "[limits]\nqueue_timeout = 0.5\n",
	  "t.conf:2: [limits] queue_timeout: expected seconds from 1.000" },
	{ "handshakes per user zero", "[limits]\nhandshakes_per_user = 0\n",
	  "t.conf:2: [limits] handshakes_per_user: expected a whole number from 1" },
	{ "half close timeout too short", "[limits]\nhalf_close_timeout = 0.05\n",
	  "t.conf:2: [limits] half_close_timeout: expected seconds from 0.100" },
	{ "relative device path", "[device]\npath = ttyUSB0\n",
	  "t.conf:2: [device] path: expected an absolute path or usb:VID:PID[:SERIAL]" },
	{ "bad usb spec", "[device]\npath = usb:1a86\n", "t.conf:2: [device] path: expected usb:VID:PID" },
	{ "usb id not hex", "[device]\npath = usb:xyz:7523\n", "t.conf:2: [device] path: expected usb:" },
	{ "usb serial empty", "[device]\npath = usb:1a86:7523:\n", "t.conf:2: [device] path" },
	{ "baud too low", "[device]\nbaud = 9600\n",
	  "t.conf:2: [device] baud: expected a whole number from 115200 to 12000000" },
	{ "baud not a number", "[device]\nbaud = fast\n", "t.conf:2: [device] baud: expected a whole" },
	{ "baud negative", "[device]\nbaud = -115200\n", "t.conf:2: [device] baud" },
	{ "duration with a unit", "[device]\nrequest_wait = 5s\n",
	  "t.conf:2: [device] request_wait: expected seconds from 0.000 to 3600" },
	{ "duration negative", "[device]\nrequest_wait = -1\n", "t.conf:2: [device] request_wait" },
	{ "duration too fine", "[device]\nreconnect_min = 0.0005\n",
	  "t.conf:2: [device] reconnect_min: expected seconds from 0.010" },
	{ "duration dot only", "[limits]\nconnect_timeout = 5.\n", "t.conf:2: [limits] connect_timeout" },
	{ "reconnect max below min", "[device]\nreconnect_min = 5\nreconnect_max = 1\n",
	  "t.conf:3: [device] reconnect_max is below reconnect_min" },
	{ "window zero", "[device]\nlink_window = 0\n",
	  "t.conf:2: [device] link_window: expected a whole number from 1 to 32" },
	{ "window too big", "[device]\nlink_window = 33\n", "t.conf:2: [device] link_window" },
	{ "payload too small", "[device]\nlink_payload = 32\n",
	  "t.conf:2: [device] link_payload: expected a whole number from 64 to 4096" },
	{ "relative socket path", "[socket]\npath = k.sock\n",
	  "t.conf:2: [socket] path: expected an absolute path" },
	{ "socket path too long",
	  "[socket]\npath = /tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	  "t.conf:2: [socket] path: path too long for a Unix socket" },
	{ "mode not octal", "[socket]\nmode = 0968\n", "t.conf:2: [socket] mode: expected an octal mode" },
	{ "mode too wide", "[socket]\nmode = 4755\n", "t.conf:2: [socket] mode: expected permission bits" },
	{ "unknown group", "[socket]\ngroup = no-such-group-k210\n", "t.conf:2: [socket] group: no such group" },
	{ "socks port too big", "[socket]\nsocks_port = 70000\n",
	  "t.conf:2: [socket] socks_port: expected a whole number from 0 to 65535" },
	{ "socks address not loopback", "[socket]\nsocks_address = 0.0.0.0\n",
	  "t.conf:2: [socket] socks_address: only a loopback address" },
	{ "ssid too long", "[wifi]\nssid = 123456789012345678901234567890123\n",
	  "t.conf:2: [wifi] ssid: an SSID has at most 32 bytes" },
	{ "psk too short", "[wifi]\npsk = short\n",
	  "t.conf:2: [wifi] psk: expected 8 to 63 printable characters" },
	{ "psk and psk_file", "[wifi]\npsk = 12345678\npsk_file = /etc/k210sockd/wifi-psk\n",
	  "t.conf:3: [wifi] psk and psk_file are both set" },
	{ "psk_file relative", "[wifi]\npsk_file = wifi-psk\n",
	  "t.conf:2: [wifi] psk_file: expected an absolute path or credential:NAME" },
	{ "credential with a slash", "[wifi]\npsk_file = credential:../x\n",
	  "t.conf:2: [wifi] psk_file: expected credential:NAME" },
	{ "join timeout zero", "[wifi]\njoin_timeout = 0\n", "t.conf:2: [wifi] join_timeout" },
	{ "clients zero", "[limits]\nclients = 0\n", "t.conf:2: [limits] clients" },
	{ "size with a bad suffix", "[limits]\nclient_buffer = 64KB\n",
	  "t.conf:2: [limits] client_buffer: expected a size from 2K to 16M" },
	{ "size too small", "[limits]\nsend_buffer = 100\n", "t.conf:2: [limits] send_buffer" },
	{ "size too big", "[limits]\nclient_buffer = 17M\n", "t.conf:2: [limits] client_buffer" },
	{ "unknown user", "[access]\nallow_users = no-such-user-k210\n",
	  "t.conf:2: [access] allow_users: \"no-such-user-k210\": no such user" },
	{ "unknown group in the list", "[access]\nallow_groups = root, no-such-group-k210\n",
	  "t.conf:2: [access] allow_groups: \"no-such-group-k210\": no such group" },
	{ "bad destination", "[access]\nallow_destinations = 10.0.0.0/33\n",
	  "t.conf:2: [access] allow_destinations: \"10.0.0.0/33\": prefix length above 32" },
	{ "bad deny", "[access]\ndeny_destinations = 10.0.0.1/8\n",
	  "t.conf:2: [access] deny_destinations: \"10.0.0.1/8\": address has bits set" },
	{ "boolean", "[access]\nallow_listen = true\n",
	  "t.conf:2: [access] allow_listen: expected yes or no" },
	{ "log level", "[log]\nlevel = verbose\n",
	  "t.conf:2: [log] level: expected error, warn, info or debug" },
	{ "several errors, each reported", "[log]\nlevel = x\n[device]\nbaud = 1\n",
	  "t.conf:4: [device] baud" },
	{ "line too long",
	  "[access]\ndeny_destinations = 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8\n",
	  "t.conf:2: line too long" },
};

static void test_bad_vectors(void)
{
	for (size_t i = 0; i < sizeof(bad_vectors) / sizeof(bad_vectors[0]); i++) {
		const struct bad_vector *v = &bad_vectors[i];
		struct config c;
		struct config_errors err = { .len = 0 };
		bool ok;

		check_case = v->name;
		config_defaults(&c);
		ok = config_parse_string(&c, "t.conf", v->text, &err);
		CHECK(!ok);
		CHECK(err.count > 0);
		if (!strstr(err.text, v->message)) {
			fprintf(stderr, "[%s] expected \"%s\" in:\n%s", v->name, v->message, err.text);
			check_failures++;
		}
	}
	check_case = NULL;
}

static void test_indented_lines(void)
{
	struct config c;
	struct config_errors err = { .len = 0 };

	/* inih would join an indented line to the value above it. */
	check_case = "indented lines are plain keys";
	config_defaults(&c);
	CHECK(config_parse_string(&c, "t.conf", "[device]\n  baud = 921600\n\tlink_window = 8\n",
				  &err));
	CHECK_EQ(c.device.baud, 921600);
	CHECK_EQ(c.device.link_window, 8);
	check_case = NULL;
}

struct psk_vector {
	const char *name;
	const char *file;        /* what the passphrase file holds */
	const char *spec;        /* psk_file; "FILE" stands for the file's path */
	bool credentials;        /* $CREDENTIALS_DIRECTORY is the file's directory */
	bool ssid;               /* [wifi] ssid is set (else the file is not read) */
	bool allow_missing;      /* as k210sockd -n: a credential outside systemd is fine */
	bool ok;
	const char *result;      /* ok: the passphrase; else: the error (with file:line) */
};

static const struct psk_vector psk_vectors[] = {
	{ "first line of the file", "my secret pass\nsecond line ignored\n", "FILE", false, true,
	  false, true, "my secret pass" },
	{ "CRLF line end", "my secret pass\r\n", "FILE", false, true, false, true, "my secret pass" },
	{ "empty file: an open network", "", "FILE", false, true, false, true, "" },
	{ "64 hexadecimal digits", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF\n",
	  "FILE", false, true, false, true,
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF" },
	{ "credential", "my secret pass\n", "credential:wifi-psk", true, true, false, true,
	  "my secret pass" },
	{ "credential outside systemd, checking only", "my secret pass\n", "credential:wifi-psk",
	  false, true, true, true, "" },
	{ "no ssid: the file is not read", "x", "/nonexistent/k210", false, false, false, true, "" },
	{ "credential outside systemd", "my secret pass\n", "credential:wifi-psk", false, true, false,
	  false, "t.conf:3: [wifi] psk_file: credential:wifi-psk needs $CREDENTIALS_DIRECTORY" },
	{ "missing file", "x", "/nonexistent/k210", false, true, false, false,
	  "t.conf:3: [wifi] psk_file: /nonexistent/k210: No such file" },
	{ "passphrase too long",
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345\n", "FILE", false,
	  true, false, false, "the passphrase is too long" },
	{ "passphrase too short", "short\n", "FILE", false, true, false, false,
	  "expected 8 to 63 printable characters" },
	{ "control character", "tab\there pass\n", "FILE", false, true, false, false,
	  "expected 8 to 63 printable characters" },
};

static void test_psk_file(void)
{
	char dir[] = "/tmp/k210-conf-XXXXXX", path[128], conf[256];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/wifi-psk", dir);
	for (size_t i = 0; i < sizeof(psk_vectors) / sizeof(psk_vectors[0]); i++) {
		const struct psk_vector *v = &psk_vectors[i];
		struct config c;
		struct config_errors err = { .len = 0 };
		FILE *f = fopen(path, "w");
		bool ok;

		check_case = v->name;
		CHECK(f != NULL);
		if (!f)
			break;
		fputs(v->file, f);
		fclose(f);
		if (v->credentials)
			setenv("CREDENTIALS_DIRECTORY", dir, 1);
		else
			unsetenv("CREDENTIALS_DIRECTORY");
		snprintf(conf, sizeof(conf), "[wifi]\n%spsk_file = %s\n", v->ssid ? "ssid = net\n" : "",
			 strcmp(v->spec, "FILE") ? v->spec : path);
		config_defaults(&c);
		CHECK(config_parse_string(&c, "t.conf", conf, &err));
		ok = config_read_psk(&c, "t.conf", v->allow_missing, &err);
		CHECK_EQ(ok, v->ok);
		if (ok && v->ok)
			CHECK(strcmp(c.wifi.psk, v->result) == 0);
		if (!ok && !v->ok && !strstr(err.text, v->result)) {
			fprintf(stderr, "[%s] expected \"%s\" in:\n%s", v->name, v->result, err.text);
			check_failures++;
		}
	}
	unsetenv("CREDENTIALS_DIRECTORY");
	unlink(path);
	rmdir(dir);
	check_case = NULL;
}

static void test_load_file(void)
{
	struct config c;
	struct config_errors err = { .len = 0 };

	check_case = "missing file";
	config_defaults(&c);
	CHECK(!config_load(&c, "/nonexistent/k210sockd.conf", &err));
	CHECK(strstr(err.text, "/nonexistent/k210sockd.conf: No such file") != NULL);

	check_case = "a file over 1 MB is too large, not irregular";
	{
		char path[] = "/tmp/k210-big-XXXXXX";
		int fd = mkstemp(path);

		CHECK(fd >= 0 && ftruncate(fd, 2 << 20) == 0);
		close(fd);
		err.len = 0;
		err.text[0] = 0;
		config_defaults(&c);
		CHECK(!config_load(&c, path, &err));
		CHECK(strstr(err.text, "too large (2097152 bytes; 1 MB at most)") != NULL);
		CHECK(strstr(err.text, "regular") == NULL);
		unlink(path);
	}
	check_case = "a directory is not a regular file";
	err.len = 0;
	err.text[0] = 0;
	CHECK(!config_load(&c, "/tmp", &err));
	CHECK(strstr(err.text, "/tmp: not a regular file") != NULL);
	check_case = NULL;
}

static void test_changes(void)
{
	struct config a, b;

	check_case = "what a reload may change";
	config_defaults(&a);
	config_defaults(&b);
	CHECK(!config_device_changed(&a, &b));
	CHECK(!config_socket_changed(&a, &b));
	CHECK(!config_wifi_changed(&a, &b));
	b.device.baud = 115200;
	CHECK(config_device_changed(&a, &b));
	b = a;
	b.socket.mode = 0600;
	CHECK(config_socket_changed(&a, &b));
	b = a;
	strcpy(b.wifi.ssid, "x");
	CHECK(config_wifi_changed(&a, &b));
	check_case = NULL;
}

int main(void)
{
	test_every_key();
	test_defaults();
	test_bad_vectors();
	test_indented_lines();
	test_psk_file();
	test_load_file();
	test_changes();
	return check_done("daemon-config");
}
