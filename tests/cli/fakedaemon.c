/*
 * k210sock-fakedaemon SOCKET: a stand-in for k210sockd with canned answers
 * for every request, for testing the k210sock tool's output.  Strings carry
 * what output must cope with: quotes, backslashes, control characters,
 * UTF-8 and bytes that are not UTF-8.  Runs until killed.
 *
 * Names with a meaning: RESOLVE/CONNECT/PING "nodev.example" (no board),
 * PING "silent.example" (no answer),
 * "fail.example" (does not resolve), "refused.example" (refused); CONNECT
 * "chargen" (sends until the client closes), "echo" (echoes, and closes
 * once nothing came for a moment: an end of input does not reach a remote
 * through the ESP8285), "reset" (sends "partial", then fails); WIFI_JOIN
 * with the passphrase "wrong" fails authentication.  Orderly ends are shut
 * down as the daemon does it: the sending side first, then a wait for the
 * client to close; failures close the whole connection.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake.h"

#define FAKE_TOKEN 0x8001
#define FAKEDAEMON_HALF_CLOSED_MS 300   /* see fakedaemon_end */

static const uint8_t fake_mac[6] = { 0x24, 0x0a, 0xc4, 0xaa, 0xbb, 0xcc };

static void fakedaemon_status(struct fake *f, int fd, const struct msg *req)
{
	uint8_t list[PROTO_BODY_MAX];
	struct msg_list_builder b;
	struct msg r;

	msg_init_response(&r, req, PROTO_OK);
	msg_list_begin(&b, list, sizeof(list));
	msg_list_add_str(&b, "daemon.version", "0.1.0");
	msg_list_add_int(&b, "daemon.uptime_s", 12);
	msg_list_add_int(&b, "clients", 2);
	msg_list_add_str(&b, "board.state", "attached");
	msg_list_add_str(&b, "board.path", "/dev/k210-0");
	msg_list_add_str(&b, "board.firmware", "k210sockd-shim 0.1.0");
	msg_list_add_str(&b, "board.name", "Maix \"Dock\" \\ tab\tnl\nbell\a");
	msg_list_add_str(&b, "board.sdk_version", "caf\xc3\xa9 \xf0\x9f\x93\xb6 bad:\xff\xc3(\xed\xa0\x80");
	msg_list_add_str(&b, "board.mac", "24:0a:c4:aa:bb:cc");
	msg_list_add_int(&b, "link.baud", 2000000);
	msg_list_add_int(&b, "link.srtt_us", -1);
	msg_list_add_int(&b, "link.frames_tx", INT64_MAX);
	msg_list_add_int(&b, "link.frames_rx", INT64_MIN);
	msg_list_add_str(&b, "wifi.state", "got-ip");
	msg_list_add_str(&b, "wifi.ssid", "lab");
	msg_list_add_int(&b, "wifi.rssi", -58);
	msg_list_add_str(&b, "wifi.ip", "192.168.4.2");
	msg_list_add_int(&b, "sockets.in_use", 1);
	msg_list_add_int(&b, "sockets.queued", 0);
	msg_list_add_int(&b, "clients.refused", 3);
	msg_list_add_int(&b, "a.b.c.d", 4);
	msg_list_add_int(&b, "requests", 99);
	msg_list_finish(&b, &r);
	fake_send(f, fd, &r);
}

static void fakedaemon_scan(struct fake *f, int fd, const struct msg *req)
{
	uint8_t list[PROTO_BODY_MAX];
	struct msg_list_builder b;
	struct msg r;

	msg_init_response(&r, req, PROTO_OK);
	msg_list_begin(&b, list, sizeof(list));
	msg_list_add_ap(&b, "lab", fake_mac, -40, 1, 3);
	msg_list_add_ap(&b, "ctl\x01\x1b[2J\"q\"", fake_mac, -70, 6, 0);
	msg_list_add_ap(&b, "\xfe\xff not utf-8 \xe2\x82", fake_mac, -90, 13, 4);
	msg_list_add_ap(&b, "0123456789abcdef0123456789abcdef", fake_mac, -95, 11, 2);
	msg_list_finish(&b, &r);
	fake_send(f, fd, &r);
}

static void fakedaemon_events(struct fake *f, int fd)
{
	struct msg m;

	msg_init(&m, PROTO_EV_DEVICE);
	m.u.device.what = PROTO_DEV_BOARD_RESET;
	fake_send(f, fd, &m);
	msg_init(&m, PROTO_EV_DEVICE);
	m.u.device.what = PROTO_DEV_BAUD;
	m.u.device.value = 921600;
	fake_send(f, fd, &m);
	msg_init(&m, PROTO_EV_WIFI);
	m.u.wifi.state = PROTO_WIFI_GOT_IP;
	m.u.wifi.ip[0] = 192, m.u.wifi.ip[1] = 168, m.u.wifi.ip[2] = 4, m.u.wifi.ip[3] = 2;
	fake_send(f, fd, &m);
	msg_init(&m, PROTO_EV_LOG);
	m.u.log.level = PROTO_LOG_WARN;
	strcpy(m.u.log.text, "esp: \"busy\" \\ \x01\xff");
	fake_send(f, fd, &m);
}

/*
 * An orderly end: our side first, then the client's close (bounded).  A
 * client that shut down its own side first reads its end of file at once
 * and looks whether we still hold the connection: a moment more for it.
 */
static void fakedaemon_end(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[256];

	shutdown(fd, SHUT_WR);
	while (poll(&p, 1, 5000) == 1 && read(fd, buf, sizeof(buf)) > 0)
		;
	usleep(FAKEDAEMON_HALF_CLOSED_MS * 1000);
}

/* A stream after CONNECT or ACCEPT. */
static void fakedaemon_pipe(int fd, const char *host)
{
	static const char line[] = "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n";
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	if (!strcmp(host, "chargen")) {
		while (send(fd, line, sizeof(line) - 1, MSG_NOSIGNAL) > 0)
			;
		return;
	}
	if (!strcmp(host, "reset")) {
		send(fd, "partial", 7, MSG_NOSIGNAL);
		usleep(100000);
		return;
	}
	if (!strcmp(host, "accepted")) {
		send(fd, "hello from remote\n", 18, MSG_NOSIGNAL);
	} else {
		while (poll(&p, 1, 300) == 1 && (n = read(fd, buf, sizeof(buf))) > 0)
			send(fd, buf, (size_t)n, MSG_NOSIGNAL);
	}
	fakedaemon_end(fd);
}

static void fakedaemon_connect(struct fake *f, int fd, const struct msg *req)
{
	const char *host = req->u.connect.host;

	if (!strcmp(host, "refused.example"))
		fake_reply(f, fd, req, PROTO_ECONNREFUSED);
	else if (!strcmp(host, "nodev.example"))
		fake_reply(f, fd, req, PROTO_ENODEV);
	else if (!strcmp(host, "fail.example"))
		fake_reply(f, fd, req, PROTO_ENOHOST);
	else {
		fake_reply(f, fd, req, PROTO_OK);
		fakedaemon_pipe(fd, host);
	}
}

static void fakedaemon_request(struct fake *f, int fd, struct msg *req)
{
	static const uint8_t ip1[4] = { 192, 0, 2, 10 }, ip2[4] = { 192, 0, 2, 11 };
	uint8_t list[64];
	struct msg_list_builder b;
	struct msg r;

	msg_init_response(&r, req, PROTO_OK);
	switch (req->type) {
	case PROTO_HELLO:
		r.u.hello.major = PROTO_VERSION_MAJOR;
		r.u.hello.minor = PROTO_VERSION_MINOR;
		strcpy(r.u.hello.name, "k210sockd-fake 0.1.0");
		break;
	case PROTO_STATUS:
		fakedaemon_status(f, fd, req);
		return;
	case PROTO_WIFI_SCAN:
		fakedaemon_scan(f, fd, req);
		return;
	case PROTO_DEVICE_INFO:
		strcpy(r.u.info.firmware, "k210sockd-shim 0.1.0");
		strcpy(r.u.info.board, "Maix Dock");
		memcpy(r.u.info.mac, fake_mac, 6);
		r.u.info.links_total = 5;
		r.u.info.usb_baud = 2000000;
		break;
	case PROTO_WIFI_STATUS:
		r.u.wstatus.state = PROTO_WIFI_GOT_IP;
		strcpy(r.u.wstatus.ssid, "caf\xc3\xa9 \"lab\"");
		memcpy(r.u.wstatus.bssid, fake_mac, 6);
		r.u.wstatus.rssi = -58;
		r.u.wstatus.channel = 6;
		r.u.wstatus.ip[0] = 192, r.u.wstatus.ip[1] = 168, r.u.wstatus.ip[2] = 4, r.u.wstatus.ip[3] = 2;
		break;
	case PROTO_WIFI_JOIN:
		r.err = strcmp(req->u.join.psk, "wrong") ? PROTO_OK : PROTO_EAUTH;
		break;
	case PROTO_RESOLVE:
		if (!strcmp(req->u.resolve.host, "nodev.example")) {
			r.err = PROTO_ENODEV;
		} else if (!strcmp(req->u.resolve.host, "fail.example")) {
			r.err = PROTO_ENOHOST;
		} else {
			msg_list_begin(&b, list, sizeof(list));
			msg_list_add_ip(&b, ip1);
			msg_list_add_ip(&b, ip2);
			msg_list_finish(&b, &r);
		}
		break;
	case PROTO_PING:
		if (!strcmp(req->u.resolve.host, "nodev.example"))
			r.err = PROTO_ENODEV;
		else if (!strcmp(req->u.resolve.host, "silent.example"))
			r.err = PROTO_ETIMEDOUT;
		else
			r.u.ping.ms = 7;
		break;
	case PROTO_SUBSCRIBE:
		fake_send(f, fd, &r);
		fakedaemon_events(f, fd);
		return;
	case PROTO_UDP_BIND:
		r.u.opened.tx_window = 8192;
		r.u.opened.local_port = req->u.bind.local_port ? req->u.bind.local_port : 40000;
		break;
	case PROTO_LISTEN:
		fake_send(f, fd, &r);
		msg_init(&r, PROTO_EV_ACCEPTED);
		r.sock = req->sock;
		r.u.accepted.new_sock = FAKE_TOKEN;
		r.u.accepted.remote.ip[0] = 192, r.u.accepted.remote.ip[1] = 0;
		r.u.accepted.remote.ip[2] = 2, r.u.accepted.remote.ip[3] = 7;
		r.u.accepted.remote.port = 5555;
		break;
	case PROTO_ACCEPT:
		if (req->sock != FAKE_TOKEN) {
			r.err = PROTO_EBADF;
			break;
		}
		r.u.accept.remote.ip[0] = 192, r.u.accept.remote.ip[2] = 2, r.u.accept.remote.ip[3] = 7;
		r.u.accept.remote.port = 5555;
		fake_send(f, fd, &r);
		fakedaemon_pipe(fd, "accepted");
		return;
	default:
		break;
	}
	fake_send(f, fd, &r);
}

static void fakedaemon_script(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg m;

	(void)index;
	while (fake_recv(f, fd, &m, buf)) {
		if (m.type == PROTO_CONNECT) {
			fakedaemon_connect(f, fd, &m);
			return;
		}
		if (m.type == PROTO_DATAGRAM) {
			/* Echoed, as from the address it went to. */
			fake_send(f, fd, &m);
			continue;
		}
		fakedaemon_request(f, fd, &m);
		/* A subscriber gets its events, then the daemon goes away. */
		if (m.type == PROTO_SUBSCRIBE || m.type == PROTO_ACCEPT)
			return;
	}
}

struct fakedaemon_conn {
	struct fake *f;
	int fd;
};

static void *fakedaemon_thread(void *arg)
{
	struct fakedaemon_conn *c = arg;

	fakedaemon_script(c->f, c->fd, 0);
	close(c->fd);
	free(c);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static struct fake f;
	int lfd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: k210sock-fakedaemon SOCKET\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&f.lock, NULL);
	strcpy(sa.sun_path, argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		struct fakedaemon_conn *c;
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("accept");
			return 1;
		}
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->f = &f;
		c->fd = fd;
		if (pthread_create(&t, NULL, fakedaemon_thread, c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}
