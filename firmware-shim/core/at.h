/*
 * A byte-fed parser for what the ESP8285 AT firmware prints.  It does no
 * I/O and never allocates: the caller feeds bytes and gets one event at a
 * time.  Unsolicited results are recognised wherever they appear: a
 * `+IPD,<id>,<len>:` header switches to binary data even in the middle of
 * another line (the interrupted line then continues after the data), and a
 * line that ends in `<id>,CONNECT`, `<id>,CLOSED`, `WIFI ...` or `ready`
 * is that URC whatever garbage or echo came before it on the line.
 */
#ifndef K210_AT_H
#define K210_AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum at_result {
	AT_MORE = 0,   /* all input consumed, no event yet */
	AT_EVENT,      /* *ev holds an event */
	AT_BAD,        /* bytes were discarded: *ev says why (AT_BAD_*) */
};

enum at_event_type {
	AT_EV_NONE = 0,
	AT_EV_OK,
	AT_EV_ERROR,
	AT_EV_FAIL,
	AT_EV_SEND_OK,
	AT_EV_SEND_FAIL,
	AT_EV_BUSY_P,          /* "busy p...": a command is still running */
	AT_EV_BUSY_S,          /* "busy s...": a send is still running */
	AT_EV_READY,           /* the firmware (re)started */
	AT_EV_PROMPT,          /* "> " of AT+CIPSEND */
	AT_EV_RECV_BYTES,      /* "Recv <num> bytes" */
	AT_EV_WIFI_CONNECTED,
	AT_EV_WIFI_GOT_IP,
	AT_EV_WIFI_DISCONNECT,
	AT_EV_LINK_CONNECT,    /* "<link>,CONNECT" */
	AT_EV_LINK_CLOSED,     /* "<link>,CLOSED" */
	AT_EV_LINK_FAIL,       /* "<link>,CONNECT FAIL" */
	AT_EV_IPD_NOTIFY,      /* passive: "+IPD,<link>,<num>" (num = bytes buffered) */
	AT_EV_IPD,             /* active: "+IPD,<link>,<num>[,ip,port]:" then num bytes as AT_EV_DATA */
	AT_EV_RECVDATA,        /* "+CIPRECVDATA,<num>:" (1.x) or "+CIPRECVDATA:<num>," (2.x), then data */
	AT_EV_DATA,            /* a piece of binary data: data/len, end on the last piece */
	AT_EV_UNLINK,
	AT_EV_DNS_FAIL,
	AT_EV_LINK_INVALID,    /* "link is not valid" */
	AT_EV_ALREADY,         /* "ALREADY CONNECTED" */
	AT_EV_NO_IP,           /* "no ip" */
	AT_EV_NO_CHANGE,       /* "no change" */
	AT_EV_CWJAP,           /* "+CWJAP:<num>": join failure code */
	AT_EV_LINE,            /* any other line: text/len */
};

enum at_bad {
	AT_BAD_NOISE = 1,      /* a line with control bytes: boot log at the wrong rate, line noise */
	AT_BAD_OVERLONG,       /* a line longer than CONFIG_AT_LINE_MAX */
	AT_BAD_HEADER,         /* a data header with an impossible length */
};

#define AT_LINK_NONE 0xff

struct at_event {
	enum at_event_type type;
	enum at_bad bad;          /* AT_BAD results */
	uint8_t link;             /* link id or AT_LINK_NONE */
	uint32_t num;
	bool has_addr;            /* AT_EV_IPD: remote address given (AT+CIPDINFO=1) */
	uint8_t ip[4];
	uint16_t port;
	const uint8_t *data;      /* AT_EV_DATA: points into the fed input */
	size_t len;
	bool end;                 /* AT_EV_DATA: last piece */
	const char *text;         /* AT_EV_LINE: NUL-terminated, valid until the next feed */
};

enum at_mode {
	AT_M_LINE,
	AT_M_SKIP,                /* discarding the rest of an overlong line */
	AT_M_DATA,
	AT_M_PROMPT,              /* after '>': swallow the space that follows */
};

struct at_parser {
	enum at_mode mode;
	bool noisy;               /* the current line holds control bytes */
	uint16_t len;
	int16_t plus_at;          /* index of the last '+' in the line, -1 if none */
	uint32_t data_left;
	char line[CONFIG_AT_LINE_MAX + 1];
};

void at_init(struct at_parser *p);
/* Forget any partial line or data (after a reset or a baud change). */
void at_reset(struct at_parser *p);

/*
 * Consume bytes from in (n of them) until an event is complete; *used tells
 * how many were taken.  Call again with the rest of the input.
 */
enum at_result at_feed(struct at_parser *p, const uint8_t *in, size_t n, size_t *used,
		       struct at_event *ev);

/* Inside the binary data of +IPD or +CIPRECVDATA. */
bool at_in_data(const struct at_parser *p);

const char *at_event_name(enum at_event_type t);

#endif
