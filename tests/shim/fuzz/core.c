/*
 * Fuzz target: the whole firmware core on the fake board.  After a scripted
 * boot the input is a program of steps: bytes from the ESP8285, raw message
 * bytes or canned requests from the host, canned ESP replies (0xbf: the
 * reply's number in the next byte) and time passing.  Invariants (besides the sanitizers): everything the board sends
 * the host decodes, no socket gets more data than its credit allowed, and
 * no socket id gets more send credit back than the host sent on it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakeport.h"
#include "link.h"
#include "msg.h"
#include "proto.h"
#include "shim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_WINDOW 3000

static struct link fz_peer;
static uint8_t *fz_mem;
static struct msg_reader fz_reader;
static uint32_t fz_allowed[8];   /* receive window left, socket ids 1..7 */
static uint64_t fz_unacked[8];   /* bytes sent on socket ids 1..7 and not yet credited back */
static bool fz_raw_sent;         /* raw host bytes may hold data nobody counted: credit goes unchecked */
static uint16_t fz_tag;

static void fz_deliver(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	while (n > 0) {
		enum msg_status st;
		const uint8_t *m;
		size_t mlen = 0, used = msg_reader_feed(&fz_reader, p, n, &st, &m, &mlen);
		struct msg msg;

		p += used;
		n -= used;
		if (st == MSG_EOVERSIZE)
			abort();
		if (st != MSG_OK)
			continue;
		st = msg_decode(&msg, m, mlen);
		/* Refusals of unknown request types are the only thing the codec cannot read back. */
		if (st == MSG_ETYPE && (m[0] & PROTO_RESPONSE) && mlen == PROTO_MSG_HDR + 3)
			continue;
		if (st != MSG_OK)
			abort();
		if ((msg.type == PROTO_DATA || msg.type == PROTO_DATAGRAM) && msg.sock < 8) {
			if (msg.u.data.len > fz_allowed[msg.sock])
				abort();
			fz_allowed[msg.sock] -= msg.u.data.len;
		}
		if (msg.type == PROTO_CREDIT && msg.sock < 8 && !fz_raw_sent) {
			if (msg.u.credit.bytes > fz_unacked[msg.sock])
				abort();
			fz_unacked[msg.sock] -= msg.u.credit.bytes;
		}
	}
}

static void fz_event(void *ctx, const struct link_event *ev)
{
	(void)ctx;
	if (ev->type == LINK_EV_DOWN)
		for (int i = 0; i < 8; i++)
			fz_allowed[i] = FZ_WINDOW;
}

static void fz_baud(void *ctx, uint32_t baud)
{
	(void)ctx;
	(void)baud;
}

static const struct link_ops fz_ops = { fz_deliver, fz_event, fz_baud };

static void fz_settle(unsigned rounds)
{
	uint8_t buf[4096];
	size_t n;

	for (unsigned i = 0; i < rounds; i++) {
		shim_poll(fake.now);
		while ((n = fake_host_take(buf, sizeof(buf))) > 0)
			link_input(&fz_peer, fake.now, buf, n);
		while ((n = link_output(&fz_peer, fake.now, buf, sizeof(buf))) > 0)
			fake_host_give(buf, n);
		while (fake_esp_take(buf, sizeof(buf)) > 0)
			;
		fake.now += 50;
	}
}

static void fz_esp(const char *s)
{
	fake_esp_give((const uint8_t *)s, strlen(s));
	fz_settle(20);
}

static void fz_send(struct msg *m)
{
	uint8_t out[PROTO_MSG_MAX];
	size_t len;

	if (PROTO_IS_REQUEST(m->type))
		m->tag = ++fz_tag;
	len = msg_encode(m, out, sizeof(out));
	if (!len)
		return;
	link_write(&fz_peer, out, len);
	if ((m->type == PROTO_DATA || m->type == PROTO_DATAGRAM) && m->sock < 8)
		fz_unacked[m->sock] += m->u.data.len;
}

/* A valid request or message from a small repertoire. */
static void fz_canned_host(unsigned which, uint8_t arg)
{
	static const uint8_t payload[64] = "GET / HTTP/1.0\r\n\r\n";
	struct msg m;
	uint16_t sock = (uint16_t)(1 + arg % 7);

	switch (which % 12) {
	case 0:
		msg_init(&m, PROTO_CONNECT);
		m.sock = sock;
		m.u.connect.kind = (uint8_t)(1 + arg % 3);
		m.u.connect.port = 80;
		m.u.connect.rx_window = FZ_WINDOW;
		strcpy(m.u.connect.host, arg & 8 ? "example.com" : "10.0.0.1");
		break;
	case 1:
		msg_init(&m, PROTO_DATA);
		m.sock = sock;
		m.u.data.data = payload;
		m.u.data.len = (uint16_t)(1 + arg % sizeof(payload));
		break;
	case 2:
		msg_init(&m, PROTO_CREDIT);
		m.sock = sock;
		m.u.credit.bytes = 1000u * (arg % 5);
		fz_allowed[sock] += m.u.credit.bytes;
		break;
	case 3:
		msg_init(&m, PROTO_CLOSE);
		m.sock = sock;
		break;
	case 4:
		msg_init(&m, PROTO_UDP_BIND);
		m.sock = sock;
		m.u.bind.rx_window = FZ_WINDOW;
		break;
	case 5:
		msg_init(&m, PROTO_DATAGRAM);
		m.sock = sock;
		m.u.data.addr.ip[0] = 10;
		m.u.data.addr.port = 53;
		m.u.data.data = payload;
		m.u.data.len = (uint16_t)(1 + arg % sizeof(payload));
		break;
	case 6:
		msg_init(&m, PROTO_LISTEN);
		m.sock = sock;
		m.u.listen.port = 8080;
		m.u.listen.rx_window = FZ_WINDOW;
		break;
	case 7:
		msg_init(&m, arg & 1 ? PROTO_WIFI_SCAN : PROTO_WIFI_STATUS);
		break;
	case 8:
		msg_init(&m, PROTO_WIFI_JOIN);
		strcpy(m.u.join.ssid, "net");
		break;
	case 9:
		msg_init(&m, arg & 1 ? PROTO_PING : PROTO_RESOLVE);
		strcpy(m.u.resolve.host, "example.com");
		break;
	case 10:
		msg_init(&m, PROTO_SETSOCKOPT);
		m.sock = sock;
		m.u.sockopt.opt = (uint8_t)(1 + arg % 5);
		m.u.sockopt.value = 2048u + arg;
		break;
	default:
		msg_init(&m, arg & 1 ? PROTO_DEVICE_INFO : PROTO_RESET);
		m.u.reset.what = PROTO_RESET_ESP;
		break;
	}
	fz_send(&m);
}

static const char *const fz_replies[] = {
	"\r\nOK\r\n",
	"\r\nERROR\r\n",
	"\r\nOK\r\n> ",
	"\r\nRecv 5 bytes\r\n\r\nSEND OK\r\n",
	"\r\nSEND FAIL\r\n",
	"0,CONNECT\r\n\r\nOK\r\n",
	"1,CONNECT\r\n",
	"\r\n+IPD,0,10\r\n",
	"+CIPRECVDATA,5:hello\r\nOK\r\n",
	"+CIPRECVDATA:3,abc\r\nOK\r\n",
	"0,CLOSED\r\n",
	"+IPD,0,4,10.0.0.1,80:data",
	"+CIPRECVLEN:7,0,0,0,0\r\nOK\r\n",
	"busy p...\r\n",
	"WIFI DISCONNECT\r\n",
	"WIFI CONNECTED\r\nWIFI GOT IP\r\n",
	"+CWJAP:2\r\n\r\nFAIL\r\n",
	"DNS Fail\r\n\r\nERROR\r\n",
	"+CIPDOMAIN:1.2.3.4\r\n\r\nOK\r\n",
	"+7\r\n\r\nOK\r\n",
	"+timeout\r\n\r\nERROR\r\n",
	"+CWLAP:(3,\"net\",-50,\"aa:bb:cc:dd:ee:ff\",6)\r\n\r\nOK\r\n",
	"STATUS:3\r\n+CIPSTATUS:1,\"TCP\",\"10.0.0.7\",4000,8080,1\r\n\r\nOK\r\n",
	"UNLINK\r\n\r\nERROR\r\n",
	"\r\nready\r\n",
	"+CIPMUX:1\r\n\r\nOK\r\n",
	"+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n",
	"ALREADY CONNECTED\r\n\r\nERROR\r\n",
	"\x01\x80garbage\r\n",
	"link is not valid\r\n\r\nERROR\r\n",
	/* Other AT builds: OK before CONNECT, CLOSED before OK, the prompt first, a refused UDP link. */
	"\r\nOK\r\n0,CONNECT\r\n",
	"0,CONNECT\r\n0,CLOSED\r\n\r\nOK\r\n",
	"> \r\nOK\r\n",
	"\r\nERROR\r\nCLOSED\r\n",
	"+CISFR:STAIP,\"10.1.2.3\"\r\n\r\nOK\r\n",
	"WiFi CONNECTED\r\nWiFi GOT IP\r\n",
	"+CIPSTA_CUR:ip:\"10.4.5.6\"\r\n\r\nOK\r\n",
	"1.1.0.0(May 11 2016)\r\nOK\r\n",
};

static void fz_boot(void)
{
	struct link_config cfg;

	fake_reset();
	fake.now = 1000000;
	if (!fz_mem) {
		link_config_default(&cfg);
		fz_mem = malloc(link_mem_size(&cfg));
	}
	link_config_default(&cfg);
	cfg.boot_id = 77;
	link_init(&fz_peer, &cfg, &fz_ops, NULL, fz_mem, link_mem_size(&cfg), fake.now);
	msg_reader_reset(&fz_reader);
	for (int i = 0; i < 8; i++) {
		fz_allowed[i] = FZ_WINDOW;
		fz_unacked[i] = 0;
	}
	fz_tag = 0;
	fz_raw_sent = false;
	shim_init();
	fz_settle(100);
	fake.now += 30000;
	fz_settle(10);
	fz_esp("\r\nready\r\n");
	fz_esp("\r\nOK\r\n");
	fz_esp("AT version:1.7.4.0(May 11 2020)\r\nOK\r\n");
	for (int i = 0; i < 4; i++)
		fz_esp("\r\nOK\r\n");
	fz_esp("+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;

	fz_boot();
	while (i < size) {
		uint8_t op = data[i++];
		size_t n;

		if (op < 0x40) {
			n = (size_t)(op & 0x3f) + 1;
			if (n > size - i)
				n = size - i;
			fake_esp_give(data + i, n);
			i += n;
			fz_settle(4);
		} else if (op < 0x80) {
			if (i >= size)
				break;
			n = data[i++];
			if (n > size - i)
				n = size - i;
			link_write(&fz_peer, data + i, n);
			fz_raw_sent = true;
			i += n;
			fz_settle(4);
		} else if (op < 0xa0) {
			fake.now += (uint64_t)(op & 0x1f) * 10000u;
			fz_settle(4);
		} else if (op < 0xc0) {
			/* 0xbf takes the reply's number from the next byte: there are more than 31. */
			size_t k = op == 0xbf && i < size ? data[i++] : (size_t)(op & 0x1f);

			fz_esp(fz_replies[k % (sizeof(fz_replies) / sizeof(fz_replies[0]))]);
		} else if (op < 0xe0) {
			fz_canned_host(op & 0x1f, i < size ? data[i++] : 0);
			fz_settle(4);
		} else {
			fz_settle(50);
		}
	}
	fz_settle(100);
	return 0;
}
