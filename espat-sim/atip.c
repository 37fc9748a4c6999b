#include "atip.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "atcmd.h"
#include "links.h"
#include "ping.h"
#include "reply.h"
#include "resolve.h"
#include "sim.h"
#include "wifi.h"

#define ATIP_RECV_MAX 2048
#define ATIP_SSL_SIZE_MIN 2048
#define ATIP_SSL_SIZE_MAX 4096
#define ATIP_KEEPALIVE_MAX 7200
#define ATIP_SERVER_TIMEOUT_MAX 7200
#define ATIP_DEFAULT_SERVER_PORT 333
/* AT+CIPSTATUS codes. */
#define ATIP_STATUS_GOT_IP 2
#define ATIP_STATUS_CONNECTED 3
#define ATIP_STATUS_DISCONNECTED 4
#define ATIP_STATUS_NO_AP 5

static struct {
	bool mux;
	bool passive;
	bool dinfo;
	bool had_link; /* a link was opened since joining: CIPSTATUS says 4 once all are gone */
	int start_id;
	struct links_params start;
} atip;

void atip_reset(void)
{
	memset(&atip, 0, sizeof(atip));
}

static bool atip_v2(void)
{
	return sim_opt.version == SIM_AT2;
}

/* Reads the link id that leads the arguments in multi-link mode; single-link mode uses link 0. */
static bool atip_link_arg(const struct atparse_cmd *cmd, size_t *next, long max, int *id)
{
	long v;

	*next = 0;
	if (!atip.mux) {
		*id = 0;
		return true;
	}
	if (cmd->nargs < 1 || !atparse_int(&cmd->args[0], 0, max, &v))
		return false;
	*id = (int)v;
	*next = 1;
	return true;
}

void atip_cipmux(struct atparse_cmd *cmd)
{
	long mux;

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("+CIPMUX:%d\r\n", atip.mux ? 1 : 0);
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !atparse_int(&cmd->args[0], 0, 1, &mux)) {
		atcmd_error();
		return;
	}
	if ((mux != 0) != atip.mux && links_any_in_use()) {
		atcmd_fail_with("link is builded");
		return;
	}
	if (mux == 0 && links_server_running()) {
		atcmd_fail_with("CIPSERVER must be 0");
		return;
	}
	atip.mux = mux != 0;
	links_set_mux(atip.mux);
	atcmd_ok();
}

/* Only normal transmission mode is simulated; passthrough (mode 1) is refused. */
void atip_cipmode(struct atparse_cmd *cmd)
{
	long mode;

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("+CIPMODE:0\r\n");
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !atparse_int(&cmd->args[0], 0, 0, &mode)) {
		atcmd_error();
		return;
	}
	atcmd_ok();
}

/* --quirk ok-before-connect: the link's CONNECT follows the OK, as an unsolicited line. */
static void atip_late_connect(void)
{
	if (atip.mux)
		reply_urc_printf("%d,CONNECT\r\n", atip.start_id);
	else
		reply_urc_printf("CONNECT\r\n");
}

static void atip_connected(int id, bool ok)
{
	char text[48];

	if (ok) {
		atip.had_link = true;
		if (sim_quirk(SIM_Q_OK_BEFORE_CONNECT)) {
			atcmd_final_then("\r\nOK\r\n", atip_late_connect);
			return;
		}
		if (atip.mux)
			reply_printf("%d,CONNECT\r\n", id);
		else
			reply_printf("CONNECT\r\n");
		reply_point();
		atcmd_ok();
		return;
	}
	/* A failed connect ends with ERROR and then the link's CLOSED, as NonOS AT prints it. */
	if (atip.mux)
		snprintf(text, sizeof(text), "\r\nERROR\r\n%d,CLOSED\r\n", id);
	else
		snprintf(text, sizeof(text), "\r\nERROR\r\nCLOSED\r\n");
	atcmd_final(text);
}

static void atip_connect(void)
{
	switch (links_connect(atip.start_id, &atip.start, atip_connected)) {
	case LINKS_STARTED:
		break;
	case LINKS_READY:
		atip_connected(atip.start_id, true);
		break;
	case LINKS_FAILED:
		atip_connected(atip.start_id, false);
		break;
	}
}

static void atip_start_resolved(bool ok, struct in_addr addr)
{
	if (!ok) {
		atcmd_fail_with("DNS Fail");
		return;
	}
	atip.start.addr = addr;
	atip_connect();
}

/* [<id>,]"TCP"|"SSL","host",port[,keepalive] or [<id>,]"UDP","host",rport[,lport[,mode]] */
void atip_cipstart(struct atparse_cmd *cmd)
{
	struct links_params *p = &atip.start;
	const struct atparse_arg *a;
	size_t i;
	long port;

	if (cmd->kind != ATPARSE_SET || !atip_link_arg(cmd, &i, LINKS_MAX - 1, &atip.start_id) ||
	    cmd->nargs < i + 3) {
		atcmd_error();
		return;
	}
	a = &cmd->args[i];
	memset(p, 0, sizeof(*p));
	if (a[0].quoted && strcmp(a[0].s, "TCP") == 0)
		p->type = LINKS_TCP;
	else if (a[0].quoted && strcmp(a[0].s, "UDP") == 0)
		p->type = LINKS_UDP;
	else if (a[0].quoted && strcmp(a[0].s, "SSL") == 0)
		p->type = LINKS_SSL;
	else {
		atcmd_fail_with("Link type ERROR");
		return;
	}
	if (!a[1].quoted || a[1].len == 0 || a[1].len > LINKS_HOST_MAX) {
		atcmd_fail_with("IP ERROR");
		return;
	}
	if (!atparse_int(&a[2], p->type == LINKS_UDP ? 0 : 1, 65535, &port)) {
		atcmd_error();
		return;
	}
	p->port = (uint16_t)port;
	memcpy(p->host, a[1].s, a[1].len + 1);
	if (p->type == LINKS_UDP) {
		long local_port = 0, mode = 0;

		if (cmd->nargs > i + 5 || (cmd->nargs > i + 3 && !atparse_int(&a[3], 0, 65535, &local_port)) ||
		    (cmd->nargs > i + 4 && !atparse_int(&a[4], 0, 2, &mode))) {
			atcmd_error();
			return;
		}
		p->local_port = (uint16_t)local_port;
		p->udp_mode = (int)mode;
	} else {
		long keepalive = 0;

		if (cmd->nargs > i + 4 ||
		    (cmd->nargs == i + 4 && !atparse_int(&a[3], 0, ATIP_KEEPALIVE_MAX, &keepalive))) {
			atcmd_error();
			return;
		}
		p->keepalive_s = (int)keepalive;
	}
	if (wifi_joined() == NULL) {
		atcmd_fail_with("no ip");
		return;
	}
	if (p->type == LINKS_UDP && sim_quirk(SIM_Q_NO_UDP)) {
		atcmd_final("\r\nERROR\r\nCLOSED\r\n");
		return;
	}
	if (links_is_open(atip.start_id)) {
		atcmd_fail_with("ALREADY CONNECTED");
		return;
	}
	/*
	 * The chip holds one TLS session at most. Its SDK documents ESPCONN_ISCONN for a second secure
	 * connect, which the AT layer reports like any already-connected link.
	 */
	if (p->type == LINKS_SSL && links_ssl_in_use()) {
		atcmd_fail_with("ALREADY CONNECTED");
		return;
	}
	if (inet_pton(AF_INET, p->host, &p->addr) == 1) {
		atip_connect();
		return;
	}
	resolve_start(p->host, atip_start_resolved);
}

/* [<id>,]<len>[,"ip",port]: the address form sends one UDP datagram to that remote. */
void atip_cipsend(struct atparse_cmd *cmd)
{
	struct sockaddr_in dest = { .sin_family = AF_INET };
	struct links_info info;
	size_t i;
	long len, port;
	int id;

	if (cmd->kind != ATPARSE_SET || !atip_link_arg(cmd, &i, LINKS_MAX - 1, &id) || cmd->nargs < i + 1) {
		atcmd_error();
		return;
	}
	if (!links_info(id, &info)) {
		atcmd_fail_with("link is not valid");
		return;
	}
	if (!atparse_int(&cmd->args[i], 1, LINKS_SEND_MAX, &len)) {
		atcmd_error();
		return;
	}
	if (cmd->nargs == i + 1) {
		atcmd_prompt_data(id, (size_t)len, NULL);
		return;
	}
	if (info.type != LINKS_UDP || cmd->nargs != i + 3 || !cmd->args[i + 1].quoted ||
	    inet_pton(AF_INET, cmd->args[i + 1].s, &dest.sin_addr) != 1 ||
	    !atparse_int(&cmd->args[i + 2], 1, 65535, &port)) {
		atcmd_error();
		return;
	}
	dest.sin_port = htons((uint16_t)port);
	atcmd_prompt_data(id, (size_t)len, &dest);
}

static void atip_print_closed(int id)
{
	if (atip.mux)
		reply_printf("%d,CLOSED\r\n", id);
	else
		reply_printf("CLOSED\r\n");
	reply_point();
}

/* AT+CIPCLOSE=<id> (5 = all) in multi-link mode, plain AT+CIPCLOSE in single-link mode. */
void atip_cipclose(struct atparse_cmd *cmd)
{
	long id;

	if (atip.mux ? (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !atparse_int(&cmd->args[0], 0, 5, &id))
		     : cmd->kind != ATPARSE_EXEC) {
		atcmd_error();
		return;
	}
	if (!atip.mux)
		id = 0;
	if (id == LINKS_MAX) {
		for (int l = 0; l < LINKS_MAX; l++)
			if (links_close(l))
				atip_print_closed(l);
		atcmd_ok();
		return;
	}
	if (!links_close((int)id)) {
		/* Closing a link that is already gone: UNLINK then ERROR (the host treats it as done). */
		if (atip.mux)
			atcmd_fail_with("UNLINK");
		else
			atcmd_error();
		return;
	}
	atip_print_closed((int)id);
	atcmd_ok();
}

void atip_cipstatus(struct atparse_cmd *cmd)
{
	static const char *const type_name[] = { [LINKS_TCP] = "TCP", [LINKS_UDP] = "UDP", [LINKS_SSL] = "SSL" };
	struct links_info info;
	char ip[INET_ADDRSTRLEN];
	bool any = false;
	int status;

	if (cmd->kind != ATPARSE_EXEC) {
		atcmd_error();
		return;
	}
	for (int id = 0; id < LINKS_MAX; id++)
		any = any || links_is_open(id);
	if (wifi_joined() == NULL)
		status = ATIP_STATUS_NO_AP;
	else if (any)
		status = ATIP_STATUS_CONNECTED;
	else
		status = atip.had_link ? ATIP_STATUS_DISCONNECTED : ATIP_STATUS_GOT_IP;
	reply_printf("STATUS:%d\r\n", status);
	reply_point();
	for (int id = 0; id < LINKS_MAX; id++) {
		if (!links_info(id, &info))
			continue;
		inet_ntop(AF_INET, &info.remote.sin_addr, ip, sizeof(ip));
		reply_printf("+CIPSTATUS:%d,\"%s\",\"%s\",%u,%u,%d\r\n", id, type_name[info.type], ip,
		    ntohs(info.remote.sin_port), info.local_port, info.server_child ? 1 : 0);
		reply_point();
	}
	atcmd_ok();
}

/* AT+CIPSERVER=1[,port] / AT+CIPSERVER=0. Stopping the server leaves its clients connected. */
void atip_cipserver(struct atparse_cmd *cmd)
{
	long mode, port = ATIP_DEFAULT_SERVER_PORT;

	if (cmd->kind != ATPARSE_SET || cmd->nargs < 1 || cmd->nargs > 2 ||
	    !atparse_int(&cmd->args[0], 0, 1, &mode) ||
	    (cmd->nargs == 2 && !atparse_int(&cmd->args[1], 1, 65535, &port)) || !atip.mux) {
		atcmd_error();
		return;
	}
	if ((mode == 1) == links_server_running()) {
		reply_printf("no change\r\n");
		reply_point();
		atcmd_ok();
		return;
	}
	if (mode == 0) {
		links_server_stop();
		atcmd_ok();
		return;
	}
	if (links_server_start((uint16_t)port) < 0) {
		atcmd_error();
		return;
	}
	atcmd_ok();
}

void atip_cipsto(struct atparse_cmd *cmd)
{
	long seconds;

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("+CIPSTO:%u\r\n", links_server_timeout());
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 ||
	    !atparse_int(&cmd->args[0], 0, ATIP_SERVER_TIMEOUT_MAX, &seconds)) {
		atcmd_error();
		return;
	}
	links_set_server_timeout((unsigned)seconds);
	atcmd_ok();
}

void atip_cipdinfo(struct atparse_cmd *cmd)
{
	long on;

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("+CIPDINFO:%d\r\n", atip.dinfo ? 1 : 0);
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !atparse_int(&cmd->args[0], 0, 1, &on) ||
	    (on != 0 && sim_quirk(SIM_Q_NO_DINFO))) {
		atcmd_error();
		return;
	}
	atip.dinfo = on != 0;
	links_set_dinfo(atip.dinfo);
	atcmd_ok();
}

static void atip_domain_resolved(bool ok, struct in_addr addr)
{
	char ip[INET_ADDRSTRLEN];

	if (!ok) {
		atcmd_fail_with("DNS Fail");
		return;
	}
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	/* NonOS AT prints the address bare; ESP-AT 2.x quotes it. */
	reply_printf(atip_v2() ? "+CIPDOMAIN:\"%s\"\r\n" : "+CIPDOMAIN:%s\r\n", ip);
	reply_point();
	atcmd_ok();
}

void atip_cipdomain(struct atparse_cmd *cmd)
{
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !cmd->args[0].quoted || cmd->args[0].len == 0) {
		atcmd_error();
		return;
	}
	if (wifi_joined() == NULL) {
		atcmd_fail_with("DNS Fail");
		return;
	}
	resolve_start(cmd->args[0].s, atip_domain_resolved);
}

static void atip_pinged(bool answered, long ms)
{
	/* NonOS AT: "+<ms>" or "+timeout"; ESP-AT 2.x: "+PING:<ms>" or "+PING:TIMEOUT". */
	if (!answered) {
		atcmd_fail_with(atip_v2() ? "+PING:TIMEOUT" : "+timeout");
		return;
	}
	reply_printf(atip_v2() ? "+PING:%ld\r\n" : "+%ld\r\n", ms);
	reply_point();
	atcmd_ok();
}

static void atip_ping_resolved(bool ok, struct in_addr addr)
{
	if (!ok) {
		atip_pinged(false, 0);
		return;
	}
	ping_start(addr, atip_pinged);
}

void atip_ping(struct atparse_cmd *cmd)
{
	struct in_addr addr;

	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !cmd->args[0].quoted || cmd->args[0].len == 0) {
		atcmd_error();
		return;
	}
	if (wifi_joined() == NULL) {
		atip_pinged(false, 0);
		return;
	}
	if (inet_pton(AF_INET, cmd->args[0].s, &addr) == 1) {
		ping_start(addr, atip_pinged);
		return;
	}
	resolve_start(cmd->args[0].s, atip_ping_resolved);
}

void atip_cipsslsize(struct atparse_cmd *cmd)
{
	long size;

	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 ||
	    !atparse_int(&cmd->args[0], ATIP_SSL_SIZE_MIN, ATIP_SSL_SIZE_MAX, &size) || links_ssl_in_use()) {
		atcmd_error();
		return;
	}
	links_set_ssl_size((unsigned)size);
	atcmd_ok();
}

void atip_ciprecvmode(struct atparse_cmd *cmd)
{
	long mode;

	if (cmd->kind == ATPARSE_QUERY) {
		reply_printf("+CIPRECVMODE:%d\r\n", atip.passive ? 1 : 0);
		atcmd_ok();
		return;
	}
	if (cmd->kind != ATPARSE_SET || cmd->nargs != 1 || !atparse_int(&cmd->args[0], 0, 1, &mode) ||
	    (mode != 0 && sim_quirk(SIM_Q_NO_PASSIVE))) {
		atcmd_error();
		return;
	}
	atip.passive = mode != 0;
	links_set_passive(atip.passive);
	atcmd_ok();
}

/* [<id>,]<len>: at most len (capped at 2048) of the bytes buffered in passive mode. */
void atip_ciprecvdata(struct atparse_cmd *cmd)
{
	uint8_t data[ATIP_RECV_MAX];
	char header[32];
	size_t i, n;
	long len;
	int id;

	if (cmd->kind != ATPARSE_SET || !atip.passive || !atip_link_arg(cmd, &i, LINKS_MAX - 1, &id) ||
	    cmd->nargs != i + 1 || !atparse_int(&cmd->args[i], 1, 2147483647L, &len)) {
		atcmd_error();
		return;
	}
	if (!links_is_open(id) && links_buffered(id) == 0) {
		atcmd_fail_with("link is not valid");
		return;
	}
	/* Nothing buffered: the firmware has nothing to answer with and reports an error. */
	if (links_buffered(id) == 0) {
		atcmd_error();
		return;
	}
	n = links_take(id, data, len < ATIP_RECV_MAX ? (size_t)len : ATIP_RECV_MAX);
	/* NonOS AT 1.7 prints "+CIPRECVDATA,<n>:<data>" (no link id); ESP-AT 2.x "+CIPRECVDATA:<n>,<data>". */
	snprintf(header, sizeof(header), atip_v2() ? "\r\n+CIPRECVDATA:%zu," : "\r\n+CIPRECVDATA,%zu:", n);
	reply_bytes(header, strlen(header));
	reply_bytes(data, n);
	atcmd_ok();
}

void atip_ciprecvlen(struct atparse_cmd *cmd)
{
	char line[96];
	size_t off;

	if (cmd->kind != ATPARSE_QUERY) {
		atcmd_error();
		return;
	}
	off = (size_t)snprintf(line, sizeof(line), "+CIPRECVLEN:");
	for (int id = 0; id < LINKS_MAX; id++) {
		bool active = links_is_open(id) || links_buffered(id) > 0;

		/* NonOS AT shows 0 for a link that is not connected, ESP-AT 2.x shows -1. */
		if (!active && atip_v2())
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s-1", id > 0 ? "," : "");
		else
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%zu", id > 0 ? "," : "",
			    links_buffered(id));
	}
	reply_printf("%s\r\n", line);
	reply_point();
	atcmd_ok();
}
