#include "atcmd.h"

#include <stdio.h>
#include <string.h>

#include "atip.h"
#include "atwifi.h"
#include "chip.h"
#include "links.h"
#include "log.h"
#include "loop.h"
#include "reply.h"
#include "sim.h"
#include "trace.h"
#include "uart.h"

#define ATCMD_FINAL_MAX 128
/* AT+UART_CUR limits: NonOS AT takes up to 115200 * 40, ESP-AT 2.x 80 .. 5000000. */
#define ATCMD_BAUD_MAX_1X (115200L * 40)
#define ATCMD_BAUD_MIN_1X 110L
#define ATCMD_BAUD_MAX_2X 5000000L
#define ATCMD_BAUD_MIN_2X 80L
/* Free heap reported by AT+SYSRAM?: an idle NonOS AT 1.7 build, less what links and TLS take. */
#define ATCMD_HEAP_IDLE 46000
#define ATCMD_HEAP_PER_LINK 1500
#define ATCMD_HEAP_TLS 18000

enum atcmd_state {
	ATCMD_IDLE,
	ATCMD_RUNNING, /* a command has not given its final result: new lines get "busy p..." */
	ATCMD_DATA,    /* taking the raw bytes of AT+CIPSEND */
	ATCMD_SENDING, /* the bytes are in; waiting for the socket: stray bytes get "busy s..." */
};

enum atcmd_flags {
	ATCMD_ANY = 0,
	ATCMD_1X = 1,      /* NonOS AT only (the _CUR/_DEF forms, CIPSSLSIZE) */
	ATCMD_2X = 2,      /* ESP-AT 2.x only */
	ATCMD_NOT_11 = 4,  /* absent from the factory 1.1.0.0 firmware (passive receive) */
};

struct atcmd_entry {
	const char *name;
	atcmd_handler handler;
	unsigned flags;
};

static struct {
	enum atcmd_state state;
	unsigned epoch; /* counts resets: input after an AT+RST in the same chunk is not for this boot */
	bool echo;
	bool wedged;    /* --quirk busy-after-scan: every command is busy until the next boot */
	struct atparse_line line;
	struct atparse_cmd cmd;
	bool stray_line_start;
	char final[ATCMD_FINAL_MAX];
	atcmd_after_fn after;
	unsigned long new_baud;
	int data_id;
	size_t data_len;
	size_t data_got;
	bool data_dest_set;
	struct sockaddr_in data_dest;
	uint8_t data[LINKS_SEND_MAX];
} atcmd;

static void atcmd_at(struct atparse_cmd *cmd);
static void atcmd_echo_mode(struct atparse_cmd *cmd);
static void atcmd_rst(struct atparse_cmd *cmd);
static void atcmd_gmr(struct atparse_cmd *cmd);
static void atcmd_uart(struct atparse_cmd *cmd);
static void atcmd_sysram(struct atparse_cmd *cmd);
static void atcmd_sysstore(struct atparse_cmd *cmd);

static const struct atcmd_entry atcmd_table[] = {
	{ "", atcmd_at, ATCMD_ANY },
	{ "E0", atcmd_echo_mode, ATCMD_ANY },
	{ "E1", atcmd_echo_mode, ATCMD_ANY },
	{ "+RST", atcmd_rst, ATCMD_ANY },
	{ "+GMR", atcmd_gmr, ATCMD_ANY },
	{ "+UART_CUR", atcmd_uart, ATCMD_ANY },
	{ "+SYSRAM", atcmd_sysram, ATCMD_ANY },
	{ "+SYSSTORE", atcmd_sysstore, ATCMD_2X },
	{ "+CWMODE", atwifi_cwmode, ATCMD_ANY },
	{ "+CWMODE_CUR", atwifi_cwmode, ATCMD_1X },
	{ "+CWMODE_DEF", atwifi_cwmode, ATCMD_1X },
	{ "+CWJAP", atwifi_cwjap, ATCMD_ANY },
	{ "+CWJAP_CUR", atwifi_cwjap, ATCMD_1X },
	{ "+CWJAP_DEF", atwifi_cwjap, ATCMD_1X },
	{ "+CWQAP", atwifi_cwqap, ATCMD_ANY },
	{ "+CWLAP", atwifi_cwlap, ATCMD_ANY },
	{ "+CIFSR", atwifi_cifsr, ATCMD_ANY },
	{ "+CIPSTA", atwifi_cipsta, ATCMD_ANY },
	{ "+CIPSTA_CUR", atwifi_cipsta, ATCMD_1X },
	{ "+CIPSTA_DEF", atwifi_cipsta, ATCMD_1X },
	{ "+CIPSTAMAC", atwifi_cipstamac, ATCMD_ANY },
	{ "+CIPSTAMAC_CUR", atwifi_cipstamac, ATCMD_1X },
	{ "+CIPSTAMAC_DEF", atwifi_cipstamac, ATCMD_1X },
	{ "+CIPMUX", atip_cipmux, ATCMD_ANY },
	{ "+CIPMODE", atip_cipmode, ATCMD_ANY },
	{ "+CIPSTART", atip_cipstart, ATCMD_ANY },
	{ "+CIPSEND", atip_cipsend, ATCMD_ANY },
	{ "+CIPCLOSE", atip_cipclose, ATCMD_ANY },
	{ "+CIPSTATUS", atip_cipstatus, ATCMD_ANY },
	{ "+CIPSERVER", atip_cipserver, ATCMD_ANY },
	{ "+CIPSTO", atip_cipsto, ATCMD_ANY },
	{ "+CIPDINFO", atip_cipdinfo, ATCMD_ANY },
	{ "+CIPDOMAIN", atip_cipdomain, ATCMD_ANY },
	{ "+PING", atip_ping, ATCMD_ANY },
	{ "+CIPSSLSIZE", atip_cipsslsize, ATCMD_1X },
	{ "+CIPRECVMODE", atip_ciprecvmode, ATCMD_NOT_11 },
	{ "+CIPRECVDATA", atip_ciprecvdata, ATCMD_NOT_11 },
	{ "+CIPRECVLEN", atip_ciprecvlen, ATCMD_NOT_11 },
};

void atcmd_reset(void)
{
	atcmd.epoch++;
	atcmd.state = ATCMD_IDLE;
	atcmd.echo = true;
	atcmd.wedged = false;
	atcmd.after = NULL;
	atparse_line_init(&atcmd.line);
	loop_timer_stop(LOOP_TIMER_RESULT);
}

/* Prints a final text line by line, each line boundary being a legal place for a URC. */
static void atcmd_emit(const char *text)
{
	const char *start = text;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p != '\n')
			continue;
		reply_bytes(start, (size_t)(p + 1 - start));
		reply_point();
		start = p + 1;
	}
	if (*start != '\0')
		reply_bytes(start, strlen(start));
}

static void atcmd_finish(void)
{
	atcmd_after_fn after = atcmd.after;

	atcmd_emit(atcmd.final);
	trace_note("final %.*s backlog %zu", (int)strcspn(atcmd.final + strspn(atcmd.final, "\r\n"), "\r\n"),
	    atcmd.final + strspn(atcmd.final, "\r\n"), uart_pending());
	atcmd.after = NULL;
	atcmd.state = ATCMD_IDLE;
	if (after != NULL)
		after();
}

void atcmd_final_then(const char *text, atcmd_after_fn after)
{
	snprintf(atcmd.final, sizeof(atcmd.final), "%s", text);
	atcmd.after = after;
	if (sim_opt.cmd_latency_us == 0) {
		atcmd_finish();
		return;
	}
	atcmd.state = ATCMD_RUNNING;
	loop_timer_in(LOOP_TIMER_RESULT, (int64_t)sim_opt.cmd_latency_us * 1000, atcmd_finish);
}

void atcmd_final(const char *text)
{
	atcmd_final_then(text, NULL);
}

void atcmd_ok(void)
{
	atcmd_final("\r\nOK\r\n");
}

void atcmd_error(void)
{
	atcmd_final("\r\nERROR\r\n");
}

void atcmd_fail_with(const char *msg)
{
	reply_printf("%s\r\n", msg);
	reply_point();
	atcmd_error();
}

static void atcmd_start_data(void)
{
	atcmd.state = ATCMD_DATA;
	atcmd.data_got = 0;
}

void atcmd_prompt_data(int id, size_t len, const struct sockaddr_in *dest)
{
	const char *text = sim_opt.version == SIM_AT2 ? "\r\nOK\r\n\r\n>" : "\r\nOK\r\n> ";

	atcmd.data_id = id;
	atcmd.data_len = len;
	atcmd.data_dest_set = dest != NULL;
	if (dest != NULL)
		atcmd.data_dest = *dest;
	/* NonOS AT prompts with "> "; ESP-AT 2.x with a bare ">" on a line of its own. */
	atcmd_final_then(sim_quirk(SIM_Q_PROMPT_FIRST) ? "> \r\nOK\r\n" : text, atcmd_start_data);
}

void atcmd_wedge(void)
{
	atcmd.wedged = true;
	log_info("wedged: every command answers busy until WIFI_EN drops");
}

static void atcmd_sent(bool ok)
{
	atcmd.state = ATCMD_RUNNING;
	atcmd_final(ok ? "\r\nSEND OK\r\n" : "\r\nSEND FAIL\r\n");
}

static void atcmd_data_complete(void)
{
	trace_note("data %d %zu", atcmd.data_id, atcmd.data_len);
	if (!sim_quirk(SIM_Q_NO_RECV_BYTES)) {
		reply_printf("\r\nRecv %zu bytes\r\n", atcmd.data_len);
		reply_point();
	}
	atcmd.state = ATCMD_SENDING;
	atcmd.stray_line_start = true;
	links_send(atcmd.data_id, atcmd.data, atcmd.data_len, atcmd.data_dest_set ? &atcmd.data_dest : NULL,
	    atcmd_sent);
}

static bool atcmd_available(unsigned flags)
{
	if ((flags & ATCMD_1X) && sim_opt.version == SIM_AT2)
		return false;
	if ((flags & ATCMD_2X) && sim_opt.version != SIM_AT2)
		return false;
	if ((flags & ATCMD_NOT_11) && sim_opt.version == SIM_AT11)
		return false;
	return true;
}

static void atcmd_dispatch(char *line, size_t len)
{
	enum atparse_status st;

	trace_note("cmd %.*s", (int)(len < 64 ? len : 64), line);
	st = atparse_command(line, len, &atcmd.cmd);

	if (st != ATPARSE_OK) {
		log_debug("malformed command (%d)", (int)st);
		atcmd_error();
		return;
	}
	for (size_t i = 0; i < sizeof(atcmd_table) / sizeof(atcmd_table[0]); i++) {
		const struct atcmd_entry *e = &atcmd_table[i];

		if (strcmp(e->name, atcmd.cmd.name) != 0)
			continue;
		if (!atcmd_available(e->flags))
			break;
		atcmd.state = ATCMD_RUNNING;
		e->handler(&atcmd.cmd);
		return;
	}
	log_debug("unknown command AT%s", atcmd.cmd.name);
	atcmd_error();
}

static void atcmd_echo(const uint8_t *buf, size_t len)
{
	size_t start = 0;

	if (!atcmd.echo)
		return;
	/* The firmware echoes what it receives and ends the echoed line with CR LF: "AT\r\n" -> "AT\r\r\n". */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		reply_bytes(buf + start, i - start);
		reply_bytes("\r\n", 2);
		start = i + 1;
	}
	reply_bytes(buf + start, len - start);
}

static void atcmd_line(void)
{
	if (atcmd.line.len == 0)
		return;
	if (atcmd.state == ATCMD_RUNNING || atcmd.wedged) {
		reply_bytes("busy p...\r\n", 11);
		return;
	}
	atcmd_dispatch(atcmd.line.buf, atcmd.line.len);
}

/* Bytes that arrive while a send is being handed over: one "busy s..." per stray line. */
static void atcmd_stray(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (atcmd.stray_line_start) {
			reply_bytes("busy s...\r\n", 11);
			atcmd.stray_line_start = false;
		}
		if (buf[i] == '\n')
			atcmd.stray_line_start = true;
	}
}

void atcmd_input(const uint8_t *buf, size_t len)
{
	size_t off = 0, used;
	unsigned epoch = atcmd.epoch;

	while (off < len && epoch == atcmd.epoch) {
		switch (atcmd.state) {
		case ATCMD_DATA: {
			size_t n = atcmd.data_len - atcmd.data_got;

			if (n > len - off)
				n = len - off;
			memcpy(atcmd.data + atcmd.data_got, buf + off, n);
			atcmd.data_got += n;
			off += n;
			if (atcmd.data_got == atcmd.data_len)
				atcmd_data_complete();
			break;
		}
		case ATCMD_SENDING:
			atcmd_stray(buf + off, len - off);
			off = len;
			break;
		case ATCMD_IDLE:
		case ATCMD_RUNNING:
			switch (atparse_line_feed(&atcmd.line, buf + off, len - off, &used)) {
			case ATPARSE_LINE:
				atcmd_echo(buf + off, used);
				off += used;
				reply_point();
				atcmd_line();
				break;
			case ATPARSE_OVERFLOW:
				atcmd_echo(buf + off, used);
				off += used;
				log_debug("command line longer than %d bytes", ATPARSE_LINE_MAX);
				reply_bytes("\r\nERROR\r\n", 9);
				break;
			case ATPARSE_MORE:
				atcmd_echo(buf + off, used);
				off += used;
				break;
			}
			break;
		}
	}
}

static void atcmd_at(struct atparse_cmd *cmd)
{
	(void)cmd;
	atcmd_ok();
}

static void atcmd_echo_mode(struct atparse_cmd *cmd)
{
	atcmd.echo = strcmp(cmd->name, "E1") == 0;
	atcmd_ok();
}

static void atcmd_rst(struct atparse_cmd *cmd)
{
	if (cmd->kind != ATPARSE_EXEC) {
		atcmd_error();
		return;
	}
	atcmd_final_then("\r\nOK\r\n", chip_restart);
}

static void atcmd_gmr(struct atparse_cmd *cmd)
{
	static const char *const text[] = {
		[SIM_AT11] = "AT version:1.1.0.0(May 11 2016 18:09:56)\r\n"
			     "SDK version:1.5.4(baaeaebb)\r\n"
			     "Ai-Thinker Technology Co. Ltd.\r\n"
			     "Jun 13 2016 11:29:20\r\n",
		[SIM_AT17] = "AT version:1.7.4.0(May 11 2020 19:13:04)\r\n"
			     "SDK version:3.0.4(9532ceb)\r\n"
			     "compile time:May 27 2020 10:12:17\r\n"
			     "Bin version(Wroom 02):1.7.4\r\n",
		[SIM_AT2] = "AT version:2.2.0.0(b097cdf - ESP8266 - Jun 17 2021 12:57:45)\r\n"
			    "SDK version:v3.4-22-g967752e2\r\n"
			    "compile time(6800286):Aug  4 2021 17:20:05\r\n"
			    "Bin version:2.2.0(ESP8266_1MB)\r\n",
	};

	if (cmd->kind != ATPARSE_EXEC) {
		atcmd_error();
		return;
	}
	/* Some builds print the bare version number on the first line. */
	atcmd_emit(text[sim_opt.version] + (sim_quirk(SIM_Q_GMR_BARE) ? strlen("AT version:") : 0));
	/* NonOS AT prints OK right under the version lines; ESP-AT 2.x leaves its usual blank line. */
	atcmd_final(sim_opt.version == SIM_AT2 ? "\r\nOK\r\n" : "OK\r\n");
}

static void atcmd_switch_baud(void)
{
	uart_set_baud_after_pending(atcmd.new_baud);
	log_info("UART now at %lu baud", atcmd.new_baud);
}

static void atcmd_uart(struct atparse_cmd *cmd)
{
	bool v2 = sim_opt.version == SIM_AT2;
	long baud, bits, stop, parity, flow;

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("+UART_CUR:%lu,8,1,0,0\r\n", uart_baud());
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 5 || sim_quirk(SIM_Q_NO_UART_CUR) ||
	    !atparse_int(&cmd->args[0], v2 ? ATCMD_BAUD_MIN_2X : ATCMD_BAUD_MIN_1X,
		v2 ? ATCMD_BAUD_MAX_2X : ATCMD_BAUD_MAX_1X, &baud) ||
	    !atparse_int(&cmd->args[1], 5, 8, &bits) || !atparse_int(&cmd->args[2], 1, 3, &stop) ||
	    !atparse_int(&cmd->args[3], 0, 2, &parity) || !atparse_int(&cmd->args[4], 0, 3, &flow)) {
		atcmd_error();
		return;
	}
	/* Only 8N1 is simulated; the Maix boards wire no flow-control lines, so flow is ignored. */
	if (bits != 8 || stop != 1 || parity != 0) {
		atcmd_error();
		return;
	}
	atcmd.new_baud = (unsigned long)baud;
	/* The OK still goes out at the old rate; the new one applies to everything after it. */
	atcmd_final_then("\r\nOK\r\n", atcmd_switch_baud);
}

static void atcmd_sysram(struct atparse_cmd *cmd)
{
	int heap = ATCMD_HEAP_IDLE;

	if (cmd->kind != ATPARSE_QUERY) {
		atcmd_error();
		return;
	}
	for (int id = 0; id < LINKS_MAX; id++)
		if (links_is_open(id))
			heap -= ATCMD_HEAP_PER_LINK;
	if (links_ssl_in_use())
		heap -= ATCMD_HEAP_TLS;
	if (sim_opt.version == SIM_AT2)
		reply_printf("+SYSRAM:%d,%d\r\n", heap, heap - ATCMD_HEAP_TLS);
	else
		reply_printf("+SYSRAM:%d\r\n", heap);
	atcmd_ok();
}

static void atcmd_sysstore(struct atparse_cmd *cmd)
{
	long mode;

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("+SYSSTORE:1\r\n");
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !atparse_int(&cmd->args[0], 0, 1, &mode)) {
		atcmd_error();
		return;
	}
	atcmd_ok();
}
