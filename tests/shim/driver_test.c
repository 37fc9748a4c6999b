/*
 * AT driver tests: scripted transcripts of what the host asks, what the
 * core sends the ESP8285, what the ESP answers and what the host hears
 * (step syntax in harness.h).  Each runs whole, byte by byte, and split at
 * every position of its short ESP replies.  Here: the module's life
 * (boot, configuration, resets, garbage), WiFi and requests; the socket
 * cases are in driver_sock.c, unusual module behaviour in driver_quirk.c.
 */
#include <stdio.h>
#include <string.h>

#include "driver.h"

static const struct hs_step t_unexpected_ready[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,3\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA,3:abc\r\nOK\r\n\x01\x80\xfe\r\n", 0 },
	{ 'A', "AT+CIPMUX?", 0 },
	{ 'E', "\r\nready\r\n", 0 },
	{ 'R', "DATA sock=1 abc", 0 },
	{ 'R', "EV_CLOSED sock=1 err=11", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "EV_DEVICE what=4 value=0", 0 },
	CONFIGURE(GMR_17),
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"0.0.0.0\"\r\n+CIFSR:STAMAC,\"5c:cf:7f:21:0a:85\"\r\n\r\nOK\r\n", 0 },
	{ 'E', "WIFI CONNECTED\r\nWIFI GOT IP\r\n", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n+CIFSR:STAMAC,\"5c:cf:7f:21:0a:85\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	{ 'R', "EV_WIFI state=2 ip=0.0.0.0", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=2 err=0 tx=8192 lport=0", 0 },
	END
};

static const struct hs_step t_v2_read[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,6\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA:6,ab,:\r\n\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 ab,:\\r\\n", 0 },
	{ 'H', "RESOLVE host=example.com", 0 },
	{ 'A', "AT+CIPDOMAIN=\"example.com\"", 0 },
	{ 'E', "+CIPDOMAIN:\"93.184.216.34\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "RESOLVE|R tag=2 err=0 n=1 ip=93.184.216.34", 0 },
	{ 'H', "WIFI_JOIN ssid=lab psk=wrong", 0 },
	{ 'A', "AT+CWJAP=\"lab\",\"wrong\"", 0 },
	{ 'R', "EV_WIFI state=1 ip=0.0.0.0", 0 },
	{ 'E', "+CWJAP:2\r\n\r\nERROR\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "WIFI_JOIN|R tag=3 err=18", 0 },
	END
};

static const struct hs_step t_join[] = {
	{ 'H', "WIFI_JOIN ssid=lab psk=secret", 0 },
	{ 'A', "AT+CWJAP_CUR=\"lab\",\"secret\"", 0 },
	{ 'R', "EV_WIFI state=1 ip=0.0.0.0", 0 },
	{ 'E', "WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "EV_WIFI state=2 ip=0.0.0.0", 0 },
	{ 'R', "WIFI_JOIN|R tag=1 err=0", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"10.9.8.7\"\r\n+CIFSR:STAMAC,\"5c:cf:7f:21:0a:85\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=10.9.8.7", 0 },
	{ 'H', "WIFI_JOIN ssid=gone psk=x", 0 },
	{ 'A', "AT+CWJAP_CUR=\"gone\",\"x\"", 0 },
	{ 'R', "EV_WIFI state=1 ip=0.0.0.0", 0 },
	{ 'E', "WIFI DISCONNECT\r\n+CWJAP:3\r\n\r\nFAIL\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "WIFI_JOIN|R tag=2 err=19", 0 },
	{ 'H', "WIFI_JOIN ssid=far psk=x", 0 },
	{ 'A', "AT+CWJAP_CUR=\"far\",\"x\"", 0 },
	{ 'R', "EV_WIFI state=1 ip=0.0.0.0", 0 },
	{ 'E', "+CWJAP:1\r\n\r\nFAIL\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "WIFI_JOIN|R tag=3 err=12", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'R', "CONNECT|R tag=4 err=8", 0 },
	{ 'H', "RESOLVE host=example.com", 0 },
	{ 'R', "RESOLVE|R tag=5 err=8", 0 },
	{ 'H', "WIFI_JOIN ssid=a\"b,c psk=p\\q", 0 },
	{ 'A', "AT+CWJAP_CUR=\"a\\\"b\\,c\",\"p\\\\q\"", 0 },
	{ 'R', "EV_WIFI state=1 ip=0.0.0.0", 0 },
	{ 'E', "\r\nFAIL\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "WIFI_JOIN|R tag=6 err=20", 0 },
	END
};

static const struct hs_step t_scan_status[] = {
	{ 'H', "WIFI_SCAN", 0 },
	{ 'A', "AT+CWLAP", 0 },
	{ 'E', "+CWLAP:(3,\"net\",-50,\"aa:bb:cc:dd:ee:ff\",6,-8,0,4,4,7,0)\r\n"
	       "+CWLAP:(0,\"open space\",-70,\"11:22:33:44:55:66\",1,-8,0)\r\n"
	       "+CWLAP:(5,\"corp\",-90,\"01:02:03:04:05:06\",11,-8,0,5,3,7,1)\r\n"
	       "+CWLAP:(garbage\r\n\r\nOK\r\n", 0 },
	{ 'R', "WIFI_SCAN|R tag=1 err=0 n=3 [net aa:bb:cc:dd:ee:ff -50 6 3] [open space 11:22:33:44:55:66 -70 1 0] "
	       "[corp 01:02:03:04:05:06 -90 11 3]", 0 },
	{ 'H', "WIFI_STATUS", 0 },
	{ 'A', "AT+CWJAP_CUR?", 0 },
	{ 'E', "+CWJAP_CUR:\"k210sim\",\"aa:bb:cc:dd:ee:ff\",6,-40\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPSTA_CUR?", 0 },
	{ 'E', "+CIPSTA_CUR:ip:\"192.168.4.2\"\r\n+CIPSTA_CUR:gateway:\"192.168.4.1\"\r\n"
	       "+CIPSTA_CUR:netmask:\"255.255.255.0\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "WIFI_STATUS|R tag=2 err=0 state=3 ssid=k210sim bssid=aa:bb:cc:dd:ee:ff rssi=-40 ch=6 "
	       "ip=192.168.4.2 gw=192.168.4.1 mask=255.255.255.0", 0 },
	{ 'H', "WIFI_LEAVE", 0 },
	{ 'A', "AT+CWQAP", 0 },
	{ 'E', "\r\nOK\r\nWIFI DISCONNECT\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "WIFI_LEAVE|R tag=3 err=0", 0 },
	END
};

static const struct hs_step t_resolve[] = {
	{ 'H', "RESOLVE host=localhost", 0 },
	{ 'A', "AT+CIPDOMAIN=\"localhost\"", 0 },
	{ 'E', "+CIPDOMAIN:127.0.0.1\r\n\r\nOK\r\n", 0 },
	{ 'R', "RESOLVE|R tag=1 err=0 n=1 ip=127.0.0.1", 0 },
	{ 'H', "RESOLVE host=no.such.invalid", 0 },
	{ 'A', "AT+CIPDOMAIN=\"no.such.invalid\"", 0 },
	{ 'E', "DNS Fail\r\n\r\nERROR\r\n", 0 },
	{ 'R', "RESOLVE|R tag=2 err=17", 0 },
	{ 'H', "RESOLVE host=10.1.2.3", 0 },
	{ 'R', "RESOLVE|R tag=3 err=0 n=1 ip=10.1.2.3", 0 },
	END
};

/* AT+PING: NonOS AT prints "+<ms>" or "+timeout"; a module without it says ERROR alone. */
static const struct hs_step t_ping[] = {
	{ 'H', "PING host=198.18.0.1", 0 },
	{ 'A', "AT+PING=\"198.18.0.1\"", 0 },
	{ 'E', "+3\r\n\r\nOK\r\n", 0 },
	{ 'R', "PING|R tag=1 err=0 ms=3", 0 },
	{ 'H', "PING host=198.18.0.99", 0 },
	{ 'A', "AT+PING=\"198.18.0.99\"", 0 },
	{ 'E', "+timeout\r\n\r\nERROR\r\n", 0 },
	{ 'R', "PING|R tag=2 err=12", 0 },
	{ 'H', "PING host=no.such.invalid", 0 },
	{ 'A', "AT+PING=\"no.such.invalid\"", 0 },
	{ 'E', "DNS Fail\r\n\r\nERROR\r\n", 0 },
	{ 'R', "PING|R tag=3 err=17", 0 },
	{ 'H', "PING host=198.18.0.1", 0 },
	{ 'A', "AT+PING=\"198.18.0.1\"", 0 },
	{ 'E', "\r\nERROR\r\n", 0 },
	{ 'R', "PING|R tag=4 err=2", 0 },
	{ 'H', "PING host=198.18.0.1", 0 },
	{ 'A', "AT+PING=\"198.18.0.1\"", 0 },
	{ 'E', "+12x\r\n\r\nOK\r\n", 0 },
	{ 'R', "PING|R tag=5 err=20", 0 },
	{ 'H', "PING host=", 0 },
	{ 'R', "PING|R tag=6 err=1", 0 },
	END
};

/* ESP-AT 2.x: +PING:<ms> and +PING:TIMEOUT. */
static const struct hs_step t_ping_v2[] = {
	{ 'H', "PING host=example.com", 0 },
	{ 'A', "AT+PING=\"example.com\"", 0 },
	{ 'E', "+PING:41\r\n\r\nOK\r\n", 0 },
	{ 'R', "PING|R tag=1 err=0 ms=41", 0 },
	{ 'H', "PING host=198.18.0.99", 0 },
	{ 'A', "AT+PING=\"198.18.0.99\"", 0 },
	{ 'E', "+PING:TIMEOUT\r\n\r\nERROR\r\n", 0 },
	{ 'R', "PING|R tag=2 err=12", 0 },
	END
};

static const struct hs_step t_garbage_check[] = {
	CONNECT_1,
	{ 'E', "\x01\x02\x7f\r\n", 0 },
	{ 'A', "AT+CIPMUX?", 0 },
	{ 'E', "+CIPMUX:1\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVLEN?", 0 },
	{ 'E', "+CIPRECVLEN:0,0,0,0,0\r\nOK\r\n", 0 },
	END
};

static const struct hs_step t_timeouts_reset[] = {
	CONNECT_1,
	{ 'H', "WIFI_STATUS", 0 },
	{ 'A', "AT+CWJAP_CUR?", 0 },
	{ 'W', "3001", 0 },
	{ 'R', "WIFI_STATUS|R tag=2 err=12", 0 },
	{ 'H', "WIFI_STATUS", 0 },
	{ 'A', "AT+CWJAP_CUR?", 0 },
	{ 'W', "3001", 0 },
	{ 'R', "WIFI_STATUS|R tag=3 err=12", 0 },
	{ 'H', "WIFI_STATUS", 0 },
	{ 'A', "AT+CWJAP_CUR?", 0 },
	{ 'W', "3001", 0 },
	{ 'R', "EV_CLOSED sock=1 err=11", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "WIFI_STATUS|R tag=4 err=12", 0 },
	{ 'R', "EV_DEVICE what=4 value=0", 0 },
	{ 'L', "commands time out", 0 },
	{ 'W', "30", 0 },
	{ 'E', "\r\nready\r\n", 0 },
	{ 'A', "ATE0", 0 },
	END
};

static const struct hs_step t_reset_esp[] = {
	CONNECT_1,
	{ 'H', "RESET what=1", 0 },
	{ 'R', "EV_CLOSED sock=1 err=11", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "EV_DEVICE what=4 value=0", 0 },
	{ 'G', "on=0 pulses=1", 0 },
	RAW_INIT(GMR_17),
	{ 'G', "on=1 pulses=2", 0 },
	{ 'R', "RESET|R tag=2 err=0", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	{ 'H', "RESET what=0", 0 },
	{ 'R', "RESET|R tag=3 err=0", 0 },
	END
};

static const struct hs_step t_requests[] = {
	{ 'H', "HELLO", 0 },
	{ 'R', "HELLO|R tag=1 err=2", 0 },
	{ 'H', "STATUS", 0 },
	{ 'R', "STATUS|R tag=2 err=2", 0 },
	{ 'H', "RAW \\x1e\\x00\\x02\\x00\\x09", 0 },
	{ 'R', "UNKNOWN|R tag=9 err=2", 0 },
	{ 'H', "RAW \\x10\\x00\\x03\\x00\\x07\\x00", 0 },
	{ 'R', "CONNECT|R tag=7 err=1", 0 },
	{ 'H', "RAW \\x45\\x00\\x01\\x00", 0 },
	{ 'H', "CLOSE sock=77", 0 },
	{ 'R', "CLOSE|R tag=3 err=5", 0 },
	{ 'H', "CREDIT sock=77 bytes=5", 0 },
	{ 'H', "DATA sock=77 data=lost", 0 },
	{ 'H', "RESET what=7", 0 },
	{ 'R', "RESET|R tag=4 err=1", 0 },
	END
};

/* The module boots, takes AT+UART_CUR=2000000, and the core checks the new rate with AT. */
#define UART_RAISED_TO_2M \
	{ 'S', "esp_max_baud=2000000", 0 }, \
	RAW_INIT(GMR_17), \
	{ 'A', "AT+UART_CUR=2000000,8,1,0,0", 0 }, \
	OK_REPLY, \
	{ 'B', "2000000", 0 }, \
	{ 'A', "AT", 0 }

static const struct hs_step t_uart_raise[] = {
	UART_RAISED_TO_2M,
	OK_REPLY,
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_DEVICE what=5 value=2000000", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=2000000", 0 },
	END
};

static const struct hs_step t_uart_fallback[] = {
	UART_RAISED_TO_2M,
	{ 'W', "151", 0 },
	{ 'A', "AT", 0 },
	{ 'W', "151", 0 },
	{ 'A', "AT", 0 },
	{ 'W', "151", 0 },
	{ 'B', "115200", 0 },
	{ 'A', "AT", 0 },
	OK_REPLY,
	{ 'L', "kept 115200", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	END
};

static const struct hs_step t_uart_refused[] = {
	{ 'S', "esp_max_baud=4000000", 0 },
	RAW_INIT(GMR_17),
	{ 'A', "AT+UART_CUR=4000000,8,1,0,0", 0 },
	{ 'E', "\r\nERROR\r\n", 0 },
	{ 'B', "115200", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"0.0.0.0\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	END
};

static const struct hs_step t_no_ready[] = {
	{ 'W', "30", 0 },
	{ 'E', "\xfe\x80\x00garbage with no end", 0 },
	{ 'W', "3001", 0 },
	{ 'A', "AT", 0 },
	{ 'W', "301", 0 },
	{ 'A', "AT", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'A', "ATE0", 0 },
	END
};

static const struct hs_step t_overrun[] = {
	CONNECT_1,
	{ 'S', "overrun", 0 },
	{ 'R', "EV_CLOSED sock=1 err=11", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "EV_DEVICE what=4 value=0", 0 },
	{ 'L', "overrun", 0 },
	END
};

/* What arrives after the gap (here a whole data reply) reaches no socket. */
static const struct hs_step t_overrun_data[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,3\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'S', "overrun", 0 },
	{ 'E', "+CIPRECVDATA,3:abc\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=11", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "EV_DEVICE what=4 value=0", 0 },
	{ 'L', "overrun", 0 },
	END
};

static const struct hs_step t_stalled_reboot[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,100\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA,100:0123456789", 0 },
	{ 'W', "60", 0 },
	{ 'A', "AT+CIPMUX?", 0 },
	{ 'E', "+CIPMUX:0\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=11", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "EV_DEVICE what=4 value=0", 0 },
	{ 'A', "ATE0", 0 },
	END
};

static const struct hs_step t_no_dinfo[] = {
	{ 'W', "30", 0 },
	{ 'E', "\r\nready\r\n", 0 },
	CONFIGURE_TO_DINFO(GMR_17),
	{ 'E', "\r\nERROR\r\n", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	{ 'H', "UDP_BIND sock=3 lport=5000", 0 },
	{ 'R', "UDP_BIND|R tag=1 err=2", 0 },
	END
};

static const struct hs_step t_ready_while_configuring[] = {
	{ 'W', "30", 0 },
	{ 'E', "\r\nready\r\n", 0 },
	{ 'A', "ATE0", 0 }, OK_REPLY,
	{ 'A', "AT+GMR", 0 }, { 'E', GMR_17, 0 },
	{ 'A', "AT+CWMODE_CUR=1", 0 }, OK_REPLY,
	{ 'A', "AT+CIPMUX=1", 0 },
	/* It restarted by itself: configured again from the start, no reset through WIFI_EN. */
	{ 'E', "\r\nready\r\n", 0 },
	CONFIGURE(GMR_17),
	{ 'G', "on=1 pulses=1", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	END
};

static const struct hs_case driver_module_cases[] = {
	{ "unexpected ready resets everything", HS_V17, t_unexpected_ready, 0 },
	{ "AT 2.x spellings and replies", HS_V2, t_v2_read, 0 },
	{ "join and its failures", HS_V17, t_join, 0 },
	{ "scan, status, leave", HS_V17, t_scan_status, 0 },
	{ "resolve", HS_V17, t_resolve, 0 },
	{ "ping", HS_V17, t_ping, 0 },
	{ "ping, AT 2.x replies", HS_V2, t_ping_v2, 0 },
	{ "garbage on a ready line", HS_V17, t_garbage_check, 0 },
	{ "repeated timeouts reset the module", HS_V17, t_timeouts_reset, 0 },
	{ "RESET of the module and of the board", HS_V17, t_reset_esp, 0 },
	{ "unknown and malformed requests", HS_V17, t_requests, 0 },
	{ "baud raise", HS_V17, t_uart_raise, 1 },
	{ "baud raise falls back", HS_V17, t_uart_fallback, 1 },
	{ "baud raise refused", HS_V17, t_uart_refused, 1 },
	{ "boot without ready", HS_V17, t_no_ready, 1 },
	{ "receive overrun resets the module", HS_V17, t_overrun, 0 },
	{ "bytes after an overrun are not data", HS_V17, t_overrun_data, 0 },
	{ "a stalled read from a module that restarted", HS_V17, t_stalled_reboot, 0 },
	{ "no sender addresses, no UDP_BIND", HS_V17, t_no_dinfo, 1 },
	{ "ready while configuring starts over", HS_V17, t_ready_while_configuring, 1 },
};

static int driver_run(const struct hs_case *cases, size_t count, const char *only, int *run)
{
	int failed = 0;

	for (size_t i = 0; i < count; i++) {
		if (only && !strstr(cases[i].name, only))
			continue;
		(*run)++;
		if (hs_run_all_modes(&cases[i], 48)) {
			failed++;
			continue;
		}
		printf("ok %s\n", cases[i].name);
	}
	return failed;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int failed = 0, run = 0;

	failed += driver_run(driver_module_cases, sizeof(driver_module_cases) / sizeof(driver_module_cases[0]), only,
			     &run);
	failed += driver_run(driver_sock_cases, driver_sock_count, only, &run);
	failed += driver_run(driver_quirk_cases, driver_quirk_count, only, &run);
	printf("%d of %d transcripts passed\n", run - failed, run);
	return failed ? 1 : 0;
}
