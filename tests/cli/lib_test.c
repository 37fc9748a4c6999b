/*
 * libk210sock against a scripted daemon: every request with its answer,
 * events, UDP, listen/accept and streams.  Each test runs twice: with the
 * daemon's messages written whole, and one byte per write.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "k210sock.h"

static const uint8_t test_mac[6] = { 0x24, 0x0a, 0xc4, 0x01, 0x02, 0x03 };

/* --- board, WiFi, names, status, events ---------------------------------- */

static void script_requests(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX], list[PROTO_BODY_MAX];
	struct msg_list_builder b;
	struct msg req, r;
	static const uint8_t ip1[4] = { 93, 184, 216, 34 }, ip2[4] = { 93, 184, 216, 35 };

	(void)index;
	if (!fake_hello(f, fd) || !fake_expect(f, fd, PROTO_DEVICE_INFO, &req, buf))
		return;
	msg_init_response(&r, &req, PROTO_OK);
	strcpy(r.u.info.firmware, "k210sockd-shim 0.1.0");
	strcpy(r.u.info.at_version, "AT version:1.1.0.0");
	strcpy(r.u.info.sdk_version, "SDK version:1.5.4");
	strcpy(r.u.info.board, "Maix Dock");
	memcpy(r.u.info.mac, test_mac, 6);
	r.u.info.ip[0] = 192, r.u.info.ip[1] = 168, r.u.info.ip[2] = 1, r.u.info.ip[3] = 50;
	r.u.info.links_total = 5;
	r.u.info.links_free = 4;
	r.u.info.caps = PROTO_CAP_TLS | PROTO_CAP_UDP;
	r.u.info.usb_baud = 2000000;
	r.u.info.esp_baud = 115200;
	r.u.info.uptime_s = 42;
	fake_send(f, fd, &r);

	if (!fake_expect(f, fd, PROTO_WIFI_STATUS, &req, buf))
		return;
	msg_init_response(&r, &req, PROTO_OK);
	r.u.wstatus.state = PROTO_WIFI_GOT_IP;
	strcpy(r.u.wstatus.ssid, "lab \"5G\"");
	r.u.wstatus.rssi = -61;
	r.u.wstatus.channel = 11;
	r.u.wstatus.ip[0] = 192, r.u.wstatus.ip[3] = 50;
	fake_send(f, fd, &r);

	if (!fake_expect(f, fd, PROTO_WIFI_SCAN, &req, buf))
		return;
	msg_init_response(&r, &req, PROTO_OK);
	msg_list_begin(&b, list, sizeof(list));
	msg_list_add_ap(&b, "alpha", test_mac, -40, 1, 3);
	msg_list_add_ap(&b, "beta", test_mac, -70, 6, 0);
	msg_list_add_ap(&b, "gamma", test_mac, -90, 13, 4);
	msg_list_finish(&b, &r);
	fake_send(f, fd, &r);

	if (!fake_expect(f, fd, PROTO_WIFI_JOIN, &req, buf))
		return;
	if (strcmp(req.u.join.ssid, "lab") || strcmp(req.u.join.psk, "secret pass"))
		fake_fail(f, "WIFI_JOIN carried '%s' '%s'", req.u.join.ssid, req.u.join.psk);
	fake_reply(f, fd, &req, PROTO_OK);

	if (!fake_expect(f, fd, PROTO_WIFI_LEAVE, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_OK);

	if (!fake_expect(f, fd, PROTO_RESET, &req, buf))
		return;
	if (req.u.reset.what != PROTO_RESET_ESP)
		fake_fail(f, "RESET of %u", req.u.reset.what);
	fake_reply(f, fd, &req, PROTO_OK);

	if (!fake_expect(f, fd, PROTO_RESOLVE, &req, buf))
		return;
	if (strcmp(req.u.resolve.host, "example.org"))
		fake_fail(f, "RESOLVE of '%s'", req.u.resolve.host);
	msg_init_response(&r, &req, PROTO_OK);
	msg_list_begin(&b, list, sizeof(list));
	msg_list_add_ip(&b, ip1);
	msg_list_add_ip(&b, ip2);
	msg_list_finish(&b, &r);
	fake_send(f, fd, &r);

	if (!fake_expect(f, fd, PROTO_STATUS, &req, buf))
		return;
	msg_init_response(&r, &req, PROTO_OK);
	msg_list_begin(&b, list, sizeof(list));
	msg_list_add_str(&b, "board.state", "attached");
	msg_list_add_int(&b, "link.baud", 2000000);
	msg_list_add_int(&b, "bytes.down", -1);
	msg_list_finish(&b, &r);
	fake_send(f, fd, &r);

	if (!fake_expect(f, fd, PROTO_SUBSCRIBE, &req, buf))
		return;
	if (req.u.subscribe.mask != (PROTO_SUB_DEVICE | PROTO_SUB_WIFI | PROTO_SUB_LOG))
		fake_fail(f, "SUBSCRIBE mask 0x%x", (unsigned)req.u.subscribe.mask);
	fake_reply(f, fd, &req, PROTO_OK);
	msg_init(&r, PROTO_EV_WIFI);
	r.u.wifi.state = PROTO_WIFI_GOT_IP;
	r.u.wifi.ip[0] = 10, r.u.wifi.ip[3] = 9;
	fake_send(f, fd, &r);
	msg_init(&r, PROTO_EV_DEVICE);
	r.u.device.what = PROTO_DEV_BAUD;
	r.u.device.value = 921600;
	fake_send(f, fd, &r);
	msg_init(&r, PROTO_EV_LOG);
	r.u.log.level = PROTO_LOG_WARN;
	strcpy(r.u.log.text, "esp: busy p...");
	fake_send(f, fd, &r);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_requests(bool bytewise)
{
	struct k210sock_device_info info;
	struct k210sock_wifi_status ws;
	struct k210sock_ap aps[2];
	struct in_addr addrs[4];
	struct k210sock_kv kv;
	struct k210sock_event ev;
	struct fake f;
	k210sock *h;

	h = fake_open(&f, script_requests, NULL, bytewise);
	if (!h)
		return;
	CHECK(!strcmp(k210sock_daemon_name(h), "fake k210sockd"));
	CHECK(k210sock_device_info(h, &info) == 0);
	CHECK(!strcmp(info.firmware, "k210sockd-shim 0.1.0"));
	CHECK(!strcmp(info.at_version, "AT version:1.1.0.0"));
	CHECK(!strcmp(info.sdk_version, "SDK version:1.5.4"));
	CHECK(!strcmp(info.board, "Maix Dock"));
	CHECK(!memcmp(info.mac, test_mac, 6));
	CHECK(info.ip.s_addr == htonl(0xc0a80132));
	CHECK(info.links_total == 5 && info.links_free == 4);
	CHECK(info.caps == (K210SOCK_CAP_TLS | K210SOCK_CAP_UDP));
	CHECK(info.usb_baud == 2000000 && info.esp_baud == 115200 && info.uptime_s == 42);

	CHECK(k210sock_wifi_status(h, &ws) == 0);
	CHECK(ws.state == K210SOCK_WIFI_GOT_IP && !strcmp(ws.ssid, "lab \"5G\""));
	CHECK(ws.rssi == -61 && ws.channel == 11);
	CHECK(ws.ip.s_addr == htonl(0xc0000032));

	/* Three seen, room for two: the count says how many there were. */
	CHECK(k210sock_wifi_scan(h, aps, 2) == 3);
	CHECK(!strcmp(aps[0].ssid, "alpha") && aps[0].rssi == -40 && aps[0].security == 3);
	CHECK(!strcmp(aps[1].ssid, "beta") && aps[1].channel == 6 && aps[1].security == 0);

	CHECK(k210sock_wifi_join(h, "lab", "secret pass") == 0);
	CHECK(k210sock_wifi_leave(h) == 0);
	CHECK(k210sock_reset(h, K210SOCK_RESET_ESP) == 0);

	CHECK(k210sock_getaddrinfo(h, "example.org", addrs, 4) == 2);
	CHECK(addrs[0].s_addr == htonl(0x5db8d822) && addrs[1].s_addr == htonl(0x5db8d823));

	CHECK(k210sock_status(h) == 3);
	CHECK(k210sock_status_next(h, &kv) == 1 && !strcmp(kv.key, "board.state") && kv.is_str &&
	      !strcmp(kv.str, "attached"));
	CHECK(k210sock_status_next(h, &kv) == 1 && !strcmp(kv.key, "link.baud") && !kv.is_str &&
	      kv.num == 2000000);
	CHECK(k210sock_status_next(h, &kv) == 1 && kv.num == -1);
	CHECK(k210sock_status_next(h, &kv) == 0);

	CHECK(k210sock_subscribe(h, K210SOCK_SUB_ALL) == 0);
	CHECK(k210sock_next_event(h, &ev, 2000) == 1 && ev.type == K210SOCK_EV_WIFI &&
	      ev.u.wifi.state == K210SOCK_WIFI_GOT_IP && ev.u.wifi.ip.s_addr == htonl(0x0a000009));
	CHECK(k210sock_next_event(h, &ev, 2000) == 1 && ev.type == K210SOCK_EV_DEVICE &&
	      ev.u.device.what == K210SOCK_DEV_BAUD && ev.u.device.value == 921600);
	CHECK(k210sock_next_event(h, &ev, 2000) == 1 && ev.type == K210SOCK_EV_LOG &&
	      ev.u.log.level == K210SOCK_LOG_WARN && !strcmp(ev.u.log.text, "esp: busy p..."));
	CHECK(k210sock_next_event(h, &ev, 50) == 0);
	fake_done(&f, h);
}

/* --- UDP -------------------------------------------------------------------- */

static void script_udp(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, r;

	(void)index;
	if (!fake_hello(f, fd) || !fake_expect(f, fd, PROTO_UDP_BIND, &req, buf))
		return;
	if (req.u.bind.local_port != 5353 || req.u.bind.rx_window == 0)
		fake_fail(f, "UDP_BIND port %u window %u", req.u.bind.local_port,
			  (unsigned)req.u.bind.rx_window);
	msg_init_response(&r, &req, PROTO_OK);
	r.u.opened.tx_window = 4096;
	r.u.opened.local_port = 5353;
	fake_send(f, fd, &r);

	if (!fake_expect(f, fd, PROTO_DATAGRAM, &req, buf))
		return;
	if (req.u.data.len != 5 || memcmp(req.u.data.data, "query", 5) ||
	    req.u.data.addr.port != 53 || req.u.data.addr.ip[0] != 10 || req.u.data.addr.ip[3] != 1)
		fake_fail(f, "DATAGRAM carried the wrong bytes or address");
	msg_init(&r, PROTO_DATAGRAM);
	r.sock = req.sock;
	r.u.data.addr.ip[0] = 10, r.u.data.addr.ip[3] = 2;
	r.u.data.addr.port = 53;
	r.u.data.data = (const uint8_t *)"answer";
	r.u.data.len = 6;
	fake_send(f, fd, &r);
	r.u.data.len = 0;
	fake_send(f, fd, &r);
	if (!fake_expect(f, fd, PROTO_CLOSE, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_OK);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_udp(bool bytewise)
{
	struct in_addr ip = { htonl(0x0a000001) }, from;
	char data[64];
	uint16_t port;
	struct fake f;
	k210sock *h;
	int id;

	h = fake_open(&f, script_udp, NULL, bytewise);
	if (!h)
		return;
	id = k210sock_udp_bind(h, 5353);
	CHECK(id > 0);
	CHECK(k210sock_udp_port(h, id) == 5353);
	CHECK(k210sock_sendto(h, id, ip, 53, "query", 5) == 5);
	CHECK(k210sock_recvfrom(h, id, data, sizeof(data), &from, &port, 2000) == 6);
	CHECK(!memcmp(data, "answer", 6) && from.s_addr == htonl(0x0a000002) && port == 53);
	CHECK(k210sock_recvfrom(h, id, data, sizeof(data), NULL, NULL, 2000) == 0);
	CHECK(k210sock_udp_dropped(h, id) == 0);
	CHECK(k210sock_udp_close(h, id) == 0);
	CHECK(k210sock_udp_port(h, id) == -1 && errno == EBADF);
	fake_done(&f, h);
}

/* --- listen and accept ------------------------------------------------------- */

/* n bytes from a stream, however the daemon cut them: true when all came. */
static bool read_exact(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static void script_listen(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX];
	struct msg req, r;
	char bye[3];

	if (!fake_hello(f, fd))
		return;
	if (index == 1) {
		/* The second connection claims the connection and becomes its pipe. */
		if (!fake_expect(f, fd, PROTO_ACCEPT, &req, buf))
			return;
		if (req.sock != 0x8001)
			fake_fail(f, "ACCEPT of token 0x%x", req.sock);
		msg_init_response(&r, &req, PROTO_OK);
		r.u.accept.remote.ip[0] = 192, r.u.accept.remote.ip[3] = 7;
		r.u.accept.remote.port = 40000;
		fake_send(f, fd, &r);
		fake_send_raw(f, fd, "welcome", 7);
		if (read(fd, bye, 3) != 3 || memcmp(bye, "bye", 3))
			fake_fail(f, "the accepted stream did not carry 'bye'");
		return;
	}
	if (!fake_expect(f, fd, PROTO_LISTEN, &req, buf))
		return;
	if (req.u.listen.port != 8080)
		fake_fail(f, "LISTEN on %u", req.u.listen.port);
	fake_reply(f, fd, &req, PROTO_OK);
	msg_init(&r, PROTO_EV_ACCEPTED);
	r.sock = req.sock;
	r.u.accepted.new_sock = 0x8001;
	r.u.accepted.remote.ip[0] = 192, r.u.accepted.remote.ip[3] = 7;
	r.u.accepted.remote.port = 40000;
	fake_send(f, fd, &r);
	if (!fake_expect(f, fd, PROTO_CLOSE, &req, buf))
		return;
	fake_reply(f, fd, &req, PROTO_OK);
	fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
}

static void test_listen(bool bytewise)
{
	struct sockaddr_in remote;
	char data[16];
	struct fake f;
	k210sock *h;
	int id, fd;

	h = fake_open(&f, script_listen, NULL, bytewise);
	if (!h)
		return;
	id = k210sock_listen(h, 8080);
	CHECK(id > 0);
	fd = k210sock_accept(h, id, 2000, &remote);
	CHECK(fd >= 0);
	CHECK(remote.sin_family == AF_INET && remote.sin_port == htons(40000) &&
	      remote.sin_addr.s_addr == htonl(0xc0000007));
	if (fd >= 0) {
		CHECK(read_exact(fd, data, 7) && !memcmp(data, "welcome", 7));
		CHECK(write(fd, "bye", 3) == 3);
		CHECK(read(fd, data, sizeof(data)) == 0);
		close(fd);
	}
	CHECK(k210sock_listen_close(h, id) == 0);
	fake_done(&f, h);
}

/* --- streams ------------------------------------------------------------------ */

static void script_connect(struct fake *f, int fd, int index)
{
	uint8_t buf[PROTO_MSG_MAX], out[PROTO_MSG_MAX + 16];
	struct msg req, r;
	char ping[4];
	size_t n;

	if (!fake_hello(f, fd))
		return;
	/* With a handle first, its connection only waits for the handle to close. */
	if (f->ctx && index == 0) {
		fake_expect_eof(f, fd, FAKE_TIMEOUT_MS);
		return;
	}
	if (!fake_expect(f, fd, PROTO_CONNECT, &req, buf))
		return;
	if (req.sock != 0 || req.u.connect.kind != PROTO_KIND_TLS || req.u.connect.port != 443 ||
	    strcmp(req.u.connect.host, "example.org"))
		fake_fail(f, "CONNECT sock %u kind %u %s:%u", req.sock, req.u.connect.kind,
			  req.u.connect.host, req.u.connect.port);
	/* The pipe's first bytes in the same write as the answer: nothing may be lost. */
	msg_init_response(&r, &req, PROTO_OK);
	n = msg_encode(&r, out, sizeof(out));
	memcpy(out + n, "banner", 6);
	fake_send_raw(f, fd, out, n + 6);
	if (read(fd, ping, 4) != 4 || memcmp(ping, "ping", 4))
		fake_fail(f, "the stream did not carry 'ping'");
	fake_send_raw(f, fd, "pong", 4);
}

static void test_stream(int fd)
{
	char data[16];

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(read_exact(fd, data, 6) && !memcmp(data, "banner", 6));
	CHECK(write(fd, "ping", 4) == 4);
	CHECK(read_exact(fd, data, 4) && !memcmp(data, "pong", 4));
	CHECK(read(fd, data, sizeof(data)) == 0);
	close(fd);
}

static void test_connect(bool bytewise)
{
	struct fake f;
	k210sock *h;

	if (fake_start(&f, script_connect, NULL, bytewise) < 0) {
		check_failures++;
		return;
	}
	test_stream(k210sock_connect(f.path, "example.org", 443, K210SOCK_TLS, 2000));
	check_failures += fake_stop(&f);

	/* The same through a handle, and the default path from the environment. */
	if (fake_start(&f, script_connect, &f, bytewise) < 0) {
		check_failures++;
		return;
	}
	setenv(K210SOCK_SOCKET_ENV, f.path, 1);
	h = k210sock_open(NULL);
	unsetenv(K210SOCK_SOCKET_ENV);
	CHECK(h != NULL);
	if (h) {
		test_stream(k210sock_dial(h, "example.org", 443, K210SOCK_TLS, 2000));
		k210sock_close(h);
	}
	check_failures += fake_stop(&f);
}

int main(void)
{
	for (int bytewise = 0; bytewise <= 1; bytewise++) {
		test_requests(bytewise);
		test_udp(bytewise);
		test_listen(bytewise);
		test_connect(bytewise);
	}
	if (check_failures)
		fprintf(stderr, "%d checks failed\n", check_failures);
	else
		printf("libk210sock: all request tests passed\n");
	return check_failures ? 1 : 0;
}
