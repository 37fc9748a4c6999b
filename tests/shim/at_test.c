/*
 * AT response parser vectors: every input is fed whole, one byte at a time
 * and split in two at every position; all must give the same events.
 * Consecutive data pieces are joined before comparing: where data is cut
 * depends only on how the input was cut.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "at.h"

struct vector {
	const char *name;
	const char *in;
	size_t len;            /* 0: strlen(in) */
	const char *want;
};

#define V(name, in, want) { name, in, 0, want }
#define VB(name, in, want) { name, in, sizeof(in) - 1, want }

static char overlong[400];

static const struct vector vectors[] = {
	V("ok", "\r\nOK\r\n", "OK"),
	V("error and fail", "\r\nERROR\r\nFAIL\r\n", "ERROR | FAIL"),
	V("echo before ok", "ATE0\r\r\n\r\nOK\r\n", "line:ATE0 | OK"),
	V("version lines", "AT version:1.7.4.0(May 11 2020)\r\nSDK version:3.0.4\r\nOK\r\n",
	  "line:AT version:1.7.4.0(May 11 2020) | line:SDK version:3.0.4 | OK"),
	V("prompt 1.7", "\r\nOK\r\n> ", "OK | prompt"),
	V("prompt 2.x", "\r\nOK\r\n\r\n>", "OK | prompt"),
	V("notification after the prompt", "\r\nOK\r\n> \r\n+IPD,1,20\r\n", "OK | prompt | +IPD notify 1 20"),
	V("prompt only at a line start", "a>b\r\n", "line:a>b"),
	V("send ok", "\r\nRecv 5 bytes\r\n\r\nSEND OK\r\n", "Recv 5 | SEND OK"),
	V("send fail", "\r\nRecv 2048 bytes\r\n\r\nSEND FAIL\r\n", "Recv 2048 | SEND FAIL"),
	V("active data holding CR LF, OK and +IPD", "\r\n+IPD,0,14:ab\r\nOK\r\n+IPD,1\r\n",
	  "+IPD 0 14 | data:ab\\r\\nOK\\r\\n+IPD,1"),
	V("active data with the remote", "\r\n+IPD,0,3,192.168.1.5,5000:xyz\r\nOK\r\n",
	  "+IPD 0 3 192.168.1.5:5000 | data:xyz | OK"),
	V("active data with a quoted remote", "+IPD,4,2,\"10.1.2.3\",53:hi",
	  "+IPD 4 2 10.1.2.3:53 | data:hi"),
	V("single-link data has no id", "+IPD,3:abc\r\nOK\r\n", "+IPD - 3 | data:abc | OK"),
	V("passive read 1.7", "\r\n+CIPRECVDATA,6:\r\nOK\r\n\r\nOK\r\n",
	  "+CIPRECVDATA 6 | data:\\r\\nOK\\r\\n | OK"),
	V("passive read 2.x", "\r\n+CIPRECVDATA:5,+IPD,\r\nOK\r\n", "+CIPRECVDATA 5 | data:+IPD, | OK"),
	V("empty passive read", "+CIPRECVDATA,0:\r\nOK\r\n", "+CIPRECVDATA 0 | OK"),
	V("data header inside another line", "+CIPRECVLEN:0,+IPD,1,3:abc0,0,0,0\r\nOK\r\n",
	  "+IPD 1 3 | data:abc | line:+CIPRECVLEN:0,0,0,0,0 | OK"),
	V("notification inside another line", "+CIPRECVLEN:0,+IPD,1,30\r\n0,0,0,0\r\n",
	  "+IPD notify 1 30 | line:0,0,0,0"),
	V("notifications between reply lines", "+CIPRECVLEN:5,0,0,0,0\r\n+IPD,0,9\r\nOK\r\n",
	  "line:+CIPRECVLEN:5,0,0,0,0 | +IPD notify 0 9 | OK"),
	V("connect inside an echo", "AT+CIPSTART=1,CONNECT\r\n", "CONNECT 1"),
	V("connect splitting an echo", "AT+CIPSE0,CONNECT\r\nND=0,5\r\r\n", "CONNECT 0 | line:ND=0,5"),
	V("link events", "1,CLOSED\r\n0,CONNECT FAIL\r\n4,CONNECT\r\n", "CLOSED 1 | CONNECT FAIL 0 | CONNECT 4"),
	V("wifi events", "WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n",
	  "WIFI DISCONNECT | WIFI CONNECTED | WIFI GOT IP"),
	V("wifi events in any case", "WiFi CONNECTED\r\nWiFi GOT IP\r\nwifi disconnect\r\n",
	  "WIFI CONNECTED | WIFI GOT IP | WIFI DISCONNECT"),
	V("prompt before OK", "> \r\nOK\r\n", "prompt | OK"),
	V("CR LF after active data", "+IPD,0,2:ab\r\n+IPD,0,1:c\r\n", "+IPD 0 2 | data:ab | +IPD 0 1 | data:c"),
	V("bare CLOSED is a line", "\r\nERROR\r\nCLOSED\r\n", "ERROR | line:CLOSED"),
	V("busy", "busy p...\r\nbusy s...\r\n\r\nOK\r\n", "busy p | busy s | OK"),
	V("ready", "\r\nready\r\n", "ready"),
	VB("ready at the end of boot garbage", "\x00\xff\x12\x84 ready\r\n", "ready"),
	V("join failure", "+CWJAP:2\r\n\r\nFAIL\r\n", "+CWJAP 2 | FAIL"),
	V("join query is a line", "+CWJAP_CUR:\"net\",\"aa:bb:cc:dd:ee:ff\",6,-50\r\n",
	  "line:+CWJAP_CUR:\"net\",\"aa:bb:cc:dd:ee:ff\",6,-50"),
	V("dns failure", "DNS Fail\r\n\r\nERROR\r\n", "DNS Fail | ERROR"),
	V("closing a closed link", "UNLINK\r\n\r\nERROR\r\n", "UNLINK | ERROR"),
	V("invalid link", "link is not valid\r\n\r\nERROR\r\n", "link is not valid | ERROR"),
	V("connect words", "ALREADY CONNECTED\r\nno ip\r\nno change\r\n", "ALREADY CONNECTED | no ip | no change"),
	V("header inside quotes is text", "+CWLAP:(3,\"+IPD,0,2:\",-50,\"aa:bb:cc:dd:ee:ff\",1)\r\nOK\r\n",
	  "line:+CWLAP:(3,\"+IPD,0,2:\",-50,\"aa:bb:cc:dd:ee:ff\",1) | OK"),
	/* Negative vectors: what is wrong is in the name. */
	VB("bad: control bytes in a line", "\x01\x02zz\x00\r\nOK\r\n", "bad:noise | OK"),
	V("bad: data length beyond the limit", "+IPD,0,99999:abc\r\nOK\r\n", "bad:header | line:abc | OK"),
	V("bad: two-digit link id is no header", "+IPD,12,3:abc\r\n", "line:+IPD,12,3:abc"),
	V("bad: two-digit link id is no event", "12,CLOSED\r\n", "line:12,CLOSED"),
	V("bad: notification with junk after it", "+IPD,1,30x\r\n", "line:+IPD,1,30x"),
	V("bad: recv count not a number", "Recv five bytes\r\n", "line:Recv five bytes"),
	V("bad: join code not a number", "+CWJAP:x\r\n", "line:+CWJAP:x"),
	V("bad: already inside a word is not ready", "already\r\n", "line:already"),
	V("bad: a wifi word with more after it", "WiFi CONNECTED now\r\n", "line:WiFi CONNECTED now"),
	{ "bad: overlong line", overlong, 0, "bad:overlong | OK" },
};

static void esc(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t o = strlen(out);

	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		if (p[i] == '\r')
			o += (size_t)snprintf(out + o, cap - o, "\\r");
		else if (p[i] == '\n')
			o += (size_t)snprintf(out + o, cap - o, "\\n");
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
		else
			out[o++] = (char)p[i];
	}
	out[o] = '\0';
}

struct trace {
	char text[4096];
	bool in_data;
};

static void add(struct trace *t, const char *s)
{
	size_t o = strlen(t->text);

	snprintf(t->text + o, sizeof(t->text) - o, "%s%s", o ? " | " : "", s);
	t->in_data = false;
}

static void record(struct trace *t, enum at_result r, const struct at_event *ev)
{
	static const char *const bad[] = { "", "noise", "overlong", "header" };
	char buf[600];

	if (r == AT_BAD) {
		snprintf(buf, sizeof(buf), "bad:%s", bad[ev->bad]);
		add(t, buf);
		return;
	}
	switch (ev->type) {
	case AT_EV_DATA:
		if (!t->in_data)
			add(t, "data:");
		esc(t->text, sizeof(t->text), ev->data, ev->len);
		t->in_data = !ev->end;
		return;
	case AT_EV_LINE:
		snprintf(buf, sizeof(buf), "line:%s", ev->text);
		break;
	case AT_EV_LINK_CONNECT:
	case AT_EV_LINK_CLOSED:
	case AT_EV_LINK_FAIL:
		snprintf(buf, sizeof(buf), "%s %u", at_event_name(ev->type), ev->link);
		break;
	case AT_EV_IPD_NOTIFY:
		snprintf(buf, sizeof(buf), "+IPD notify %u %u", ev->link, ev->num);
		break;
	case AT_EV_IPD:
	case AT_EV_RECVDATA:
		if (ev->link == AT_LINK_NONE && ev->type == AT_EV_IPD)
			snprintf(buf, sizeof(buf), "+IPD - %u", ev->num);
		else if (ev->type == AT_EV_IPD)
			snprintf(buf, sizeof(buf), "+IPD %u %u", ev->link, ev->num);
		else
			snprintf(buf, sizeof(buf), "+CIPRECVDATA %u", ev->num);
		if (ev->has_addr) {
			size_t o = strlen(buf);

			snprintf(buf + o, sizeof(buf) - o, " %u.%u.%u.%u:%u", ev->ip[0], ev->ip[1], ev->ip[2],
				 ev->ip[3], ev->port);
		}
		break;
	case AT_EV_RECV_BYTES:
	case AT_EV_CWJAP:
		snprintf(buf, sizeof(buf), "%s %u", at_event_name(ev->type), ev->num);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s", at_event_name(ev->type));
		break;
	}
	add(t, buf);
}

/* Feed in pieces: cut_at < 0 means one byte at a time, 0 means whole. */
static void run(const uint8_t *in, size_t n, long cut_at, struct trace *t)
{
	struct at_parser p;
	size_t off = 0;

	at_init(&p);
	memset(t, 0, sizeof(*t));
	while (off < n) {
		size_t piece = cut_at < 0 ? 1 : cut_at == 0 ? n - off : off < (size_t)cut_at ? (size_t)cut_at - off
											  : n - off;
		size_t end = off + piece, used;

		while (off < end) {
			struct at_event ev;
			enum at_result r = at_feed(&p, in + off, end - off, &used, &ev);

			if (used > end - off) {
				add(t, "OVERRUN");
				return;
			}
			off += used;
			if (r != AT_MORE)
				record(t, r, &ev);
			else if (used == 0)
				break;
		}
	}
}

int main(void)
{
	int failed = 0, checked = 0;

	memset(overlong, 'a', 300);
	memcpy(overlong + 300, "\r\nOK\r\n", 7);
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		const uint8_t *in = (const uint8_t *)v->in;
		size_t n = v->len ? v->len : strlen(v->in);
		struct trace t;
		bool ok = true;

		for (long cut = -1; cut < (long)n && ok; cut++) {
			run(in, n, cut, &t);
			checked++;
			if (strcmp(t.text, v->want) != 0) {
				fprintf(stderr, "FAIL %s (%s %ld)\n  want: %s\n  got:  %s\n", v->name,
					cut < 0 ? "bytes" : cut == 0 ? "whole" : "split", cut, v->want, t.text);
				ok = false;
			}
		}
		if (ok)
			printf("ok %s\n", v->name);
		else
			failed++;
	}
	printf("%d vectors, %d feeds checked, %d failed\n", (int)(sizeof(vectors) / sizeof(vectors[0])),
	       checked, failed);
	return failed ? 1 : 0;
}
