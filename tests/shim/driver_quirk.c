/*
 * AT driver transcripts for module behaviour beyond espat-sim's default:
 * replies in unusual orders, missing or extra lines, misspellings, refusals
 * and a module that stays busy.  Each says what the host must hear.
 */
#include "driver.h"

/* A server that accepts and closes at once: the module says it all in one breath. */
static const struct hs_step t_v11_connect_closed_burst[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n0,CLOSED\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	{ 'R', "EV_CLOSED sock=1 err=0", 0 },
	{ 'H', "CONNECT sock=2 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n+IPD,0,5,10.0.0.1,80:hello0,CLOSED\r\n", 0 },
	{ 'R', "CONNECT|R tag=2 err=0 tx=8192 lport=0", 0 },
	{ 'R', "DATA sock=2 hello", 0 },
	{ 'R', "EV_CLOSED sock=2 err=0", 0 },
	END
};

static const struct hs_step t_v17_connect_closed_burst[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n0,CLOSED\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	{ 'A', "AT+CIPRECVLEN?", 0 },
	{ 'E', "+CIPRECVLEN:0,0,0,0,0\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=0", 0 },
	END
};

/* OK first, CONNECT after it: a confirmation, not a client (no listener to take one). */
static const struct hs_step t_ok_before_connect[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	{ 'E', "0,CONNECT\r\n", 0 },
	{ 'Q', "", 0 },
	{ 'E', "+IPD,0,5\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA,5:hello\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 hello", 0 },
	{ 'H', "CLOSE sock=1", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'R', "CLOSE|R tag=2 err=0", 0 },
	END
};

/* The same with a listener up: the link is open, so it is still no client; a second CONNECT is one. */
static const struct hs_step t_ok_before_connect_listening[] = {
	{ 'H', "LISTEN sock=9 port=8080 win=65536", 0 },
	{ 'A', "AT+CIPSERVER=1,8080", 0 },
	OK_REPLY,
	{ 'R', "LISTEN|R tag=1 err=0", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "\r\nOK\r\n0,CONNECT\r\n", 0 },
	{ 'R', "CONNECT|R tag=2 err=0 tx=8192 lport=0", 0 },
	{ 'Q', "", 0 },
	{ 'E', "1,CONNECT\r\n", 0 },
	{ 'A', "AT+CIPSTATUS", 0 },
	{ 'E', "STATUS:3\r\n+CIPSTATUS:0,\"TCP\",\"10.0.0.1\",80,40000,0\r\n"
	       "+CIPSTATUS:1,\"TCP\",\"10.0.0.7\",40001,8080,1\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_ACCEPTED sock=9 new=" ACCEPTED_ID " remote=10.0.0.7:40001 tx=8192", 0 },
	END
};

/* AT 1.1: OK, then CONNECT and CLOSED together: the socket opens and ends cleanly. */
static const struct hs_step t_v11_ok_connect_closed[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "\r\nOK\r\n0,CONNECT\r\n+IPD,0,3,10.0.0.1,80:bye0,CLOSED\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	{ 'R', "DATA sock=1 bye", 0 },
	{ 'R', "EV_CLOSED sock=1 err=0", 0 },
	END
};

/* CLOSED before CIPSTART's OK: the socket still opens, then closes; nothing is left behind. */
static const struct hs_step t_v11_closed_before_ok[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	{ 'R', "EV_CLOSED sock=1 err=0", 0 },
	{ 'H', "DEVICE_INFO", 0 },
	{ 'R', "DEVICE_INFO|R tag=2 err=0 fw=k210sockd-shim 0.1.0 at=1.1.0.0(May 11 2016 18:09:56) "
	       "sdk=1.5.4(baaeaebb) board=fake board ip=192.168.4.2 links=5/5 caps=14 usb=115200 esp=115200", 0 },
	END
};

static const struct hs_step t_v17_closed_before_ok[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	{ 'A', "AT+CIPRECVLEN?", 0 },
	{ 'E', "+CIPRECVLEN:2,0,0,0,0\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA,2:ok\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 ok", 0 },
	{ 'R', "EV_CLOSED sock=1 err=0", 0 },
	END
};

/* The prompt before the OK, and no "Recv N bytes": the payload goes once, SEND OK ends it. */
static const struct hs_step t_prompt_first[] = {
	CONNECT_1,
	{ 'H', "DATA sock=1 data=hello", 0 },
	{ 'A', "AT+CIPSEND=0,5", 0 },
	{ 'E', "> \r\nOK\r\n", 0 },
	{ 'P', "hello", 0 },
	{ 'E', "\r\nSEND OK\r\n", 0 },
	{ 'R', "CREDIT sock=1 bytes=5", 0 },
	{ 'H', "DATA sock=1 data=again", 0 },
	{ 'A', "AT+CIPSEND=0,5", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "again", 0 },
	{ 'E', "\r\nSEND OK\r\n", 0 },
	{ 'R', "CREDIT sock=1 bytes=5", 0 },
	END
};

/* An extra CR LF after the data of each +IPD is an empty line, nothing more. */
static const struct hs_step t_v11_ipd_crlf[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,5,10.0.0.1,80:hello\r\n+IPD,0,4,10.0.0.1,80:\r\nab\r\n", 0 },
	{ 'R', "DATA sock=1 hello\\r\\nab", 0 },
	END
};

/* A 1.7 build without passive receive or sender addresses: active receive, no UDP_BIND. */
static const struct hs_step t_no_passive_no_dinfo[] = {
	{ 'W', "30", 0 },
	{ 'E', "\r\nready\r\n", 0 },
	{ 'A', "ATE0", 0 }, OK_REPLY,
	{ 'A', "AT+GMR", 0 }, { 'E', GMR_17, 0 },
	{ 'A', "AT+CWMODE_CUR=1", 0 }, OK_REPLY,
	{ 'A', "AT+CIPMUX=1", 0 }, OK_REPLY,
	{ 'A', "AT+CIPRECVMODE=1", 0 }, { 'E', "\r\nERROR\r\n", 0 },
	{ 'A', "AT+CIPDINFO=1", 0 }, { 'E', "\r\nERROR\r\n", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	{ 'L', "no passive receive", 0 },
	{ 'H', "UDP_BIND sock=3 lport=5000", 0 },
	{ 'R', "UDP_BIND|R tag=1 err=2", 0 },
	CONNECT_LINK(1, 0, 2),
	{ 'E', "+IPD,0,5:hello", 0 },
	{ 'R', "DATA sock=1 hello", 0 },
	{ 'H', "DEVICE_INFO", 0 },
	{ 'R', "DEVICE_INFO|R tag=3 err=0 fw=k210sockd-shim 0.1.0 at=1.7.4.0(May 11 2020 19:13:04) "
	       "sdk=3.0.4(9532ceb) board=fake board ip=192.168.4.2 links=4/5 caps=14 usb=115200 esp=115200", 0 },
	END
};

/* A plain ERROR (and a bare CLOSED) to a UDP link: refused by the module, not "address in use". */
static const struct hs_step t_udp_refused[] = {
	{ 'H', "UDP_BIND sock=3 lport=5000", 0 },
	{ 'A', "AT+CIPSTART=0,\"UDP\",\"0.0.0.0\",0,5000,2", 0 },
	{ 'E', "\r\nERROR\r\nCLOSED\r\n", 0 },
	{ 'R', "UDP_BIND|R tag=1 err=28", 0 },
	{ 'L', "AT+CIPSTART=0,\"UDP\",\"0.0.0.0\",0,5000,2 answered ERROR", 0 },
	{ 'H', "CONNECT sock=5 kind=2 host=10.0.0.8 port=53", 0 },
	{ 'A', "AT+CIPSTART=0,\"UDP\",\"10.0.0.8\",53,61616,0", 0 },
	{ 'E', "\r\nERROR\r\nCLOSED\r\n", 0 },
	{ 'R', "CONNECT|R tag=2 err=28", 0 },
	{ 'H', "CONNECT sock=5 kind=1 host=10.0.0.8 port=53", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.8\",53", 0 },
	{ 'E', "\r\nERROR\r\n0,CLOSED\r\n", 0 },
	{ 'R', "CONNECT|R tag=3 err=10", 0 },
	END
};

/* A local port one of the board's own UDP sockets holds is in use, without asking the module. */
static const struct hs_step t_udp_port_taken[] = {
	{ 'H', "UDP_BIND sock=3 lport=5000", 0 },
	{ 'A', "AT+CIPSTART=0,\"UDP\",\"0.0.0.0\",0,5000,2", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "UDP_BIND|R tag=1 err=0 tx=8192 lport=5000", 0 },
	{ 'H', "UDP_BIND sock=4 lport=5000", 0 },
	{ 'R', "UDP_BIND|R tag=2 err=14", 0 },
	{ 'H', "CONNECT sock=5 kind=2 host=10.0.0.8 port=53 lport=5000", 0 },
	{ 'R', "CONNECT|R tag=3 err=14", 0 },
	END
};

/* After a scan the module answers busy to everything: past any command's time, it is reset. */
static const struct hs_step t_busy_wedged[] = {
	CONNECT_1,
	{ 'H', "WIFI_SCAN", 0 },
	{ 'A', "AT+CWLAP", 0 },
	{ 'E', "+CWLAP:(3,\"net\",-50,\"aa:bb:cc:dd:ee:ff\",6,-8,0)\r\n\r\nOK\r\n", 0 },
	{ 'R', "WIFI_SCAN|R tag=2 err=0 n=1 [net aa:bb:cc:dd:ee:ff -50 6 3]", 0 },
	{ 'S', "esp_busy=1", 0 },
	{ 'H', "RESOLVE host=example.com", 0 },
	{ 'W', "3500", 0 },
	{ 'R', "RESOLVE|R tag=3 err=7", 0 },
	{ 'W', "32000", 0 },
	{ 'Q', "", 0 },
	{ 'H', "RESOLVE host=example.com", 0 },
	{ 'W', "200", 0 },
	{ 'S', "esp_busy=0", 0 },
	{ 'R', "EV_CLOSED sock=1 err=29", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "RESOLVE|R tag=4 err=29", 0 },
	{ 'R', "EV_DEVICE what=7 value=1", 0 },
	{ 'R', "EV_DEVICE what=4 value=0", 0 },
	{ 'L', "answered only busy", 0 },
	{ 'G', "on=1 pulses=2", 0 },
	RAW_INIT(GMR_17),
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	END
};

/* RESET of a module that answers busy to everything still resets it. */
static const struct hs_step t_busy_reset_esp[] = {
	{ 'S', "esp_busy=1", 0 },
	{ 'H', "RESOLVE host=example.com", 0 },
	{ 'W', "500", 0 },
	{ 'H', "RESET what=1", 0 },
	{ 'S', "esp_busy=0", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "RESOLVE|R tag=1 err=11", 0 },
	{ 'R', "EV_DEVICE what=4 value=0", 0 },
	{ 'G', "on=0 pulses=1", 0 },
	RAW_INIT(GMR_17),
	{ 'G', "on=1 pulses=2", 0 },
	{ 'R', "RESET|R tag=2 err=0", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	END
};

/* AT+GMR with the bare version number: still the version that decides the dialect. */
static const struct hs_step t_gmr_bare[] = {
	{ 'W', "30", 0 },
	{ 'E', "\r\nready\r\n", 0 },
	{ 'A', "ATE0", 0 }, OK_REPLY,
	{ 'A', "AT+GMR", 0 },
	{ 'E', "1.1.0.0(May 11 2016 18:09:56)\r\nSDK version:1.5.4(baaeaebb)\r\nJun 13 2016 11:29:20\r\nOK\r\n", 0 },
	{ 'A', "AT+CWMODE_CUR=1", 0 }, OK_REPLY,
	{ 'A', "AT+CIPMUX=1", 0 }, OK_REPLY,
	{ 'A', "AT+CIPRECVMODE=1", 0 }, { 'E', "\r\nERROR\r\n", 0 },
	{ 'A', "AT+CIPDINFO=1", 0 }, OK_REPLY,
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	{ 'L', "without \"AT version:\"", 0 },
	{ 'H', "DEVICE_INFO", 0 },
	{ 'R', "DEVICE_INFO|R tag=1 err=0 fw=k210sockd-shim 0.1.0 at=1.1.0.0(May 11 2016 18:09:56) "
	       "sdk=1.5.4(baaeaebb) board=fake board ip=192.168.4.2 links=5/5 caps=14 usb=115200 esp=115200", 0 },
	END
};

/* +CISFR:STAIP: the address is taken all the same. */
static const struct hs_step t_cifsr_typo[] = {
	{ 'E', "WIFI DISCONNECT\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'E', "WIFI CONNECTED\r\nWIFI GOT IP\r\n", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CISFR:STAIP,\"10.1.2.3\"\r\n+CIFSR:STAMAC,\"5c:cf:7f:21:0a:85\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=2 ip=0.0.0.0", 0 },
	{ 'R', "EV_WIFI state=3 ip=10.1.2.3", 0 },
	END
};

/* No address line that makes sense: the station settings give it; if they do not, none is claimed. */
static const struct hs_step t_no_address[] = {
	{ 'E', "WIFI DISCONNECT\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'E', "WIFI CONNECTED\r\nWIFI GOT IP\r\n", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:APIP,\"192.168.4.1\"\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPSTA_CUR?", 0 },
	{ 'E', "+CIPSTA_CUR:ip:\"10.4.5.6\"\r\n+CIPSTA_CUR:gateway:\"10.4.5.1\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=2 ip=0.0.0.0", 0 },
	{ 'R', "EV_WIFI state=3 ip=10.4.5.6", 0 },
	{ 'E', "WIFI DISCONNECT\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'E', "WIFI CONNECTED\r\nWIFI GOT IP\r\n", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"garbled\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPSTA_CUR?", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=2 ip=0.0.0.0", 0 },
	{ 'R', "EV_WIFI state=3 ip=0.0.0.0", 0 },
	{ 'L', "showed no address", 0 },
	END
};

/* OK to AT+CWJAP before the association: the join is answered once the module has an address. */
static const struct hs_step t_join_ok_early[] = {
	{ 'H', "WIFI_JOIN ssid=lab psk=secret", 0 },
	{ 'A', "AT+CWJAP_CUR=\"lab\",\"secret\"", 0 },
	{ 'R', "EV_WIFI state=1 ip=0.0.0.0", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"0.0.0.0\"\r\n\r\nOK\r\n", 0 },
	{ 'Q', "", 0 },
	{ 'W', "1001", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"0.0.0.0\"\r\n\r\nOK\r\n", 0 },
	{ 'W', "500", 0 },
	{ 'E', "WiFi CONNECTED\r\nWiFi GOT IP\r\n", 0 },
	{ 'R', "EV_WIFI state=2 ip=0.0.0.0", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"10.9.8.7\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=10.9.8.7", 0 },
	{ 'R', "WIFI_JOIN|R tag=1 err=0", 0 },
	{ 'H', "WIFI_JOIN ssid=far psk=secret", 0 },
	{ 'A', "AT+CWJAP_CUR=\"far\",\"secret\"", 0 },
	{ 'R', "EV_WIFI state=1 ip=0.0.0.0", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"0.0.0.0\"\r\n\r\nOK\r\n", 0 },
	{ 'H', "WIFI_LEAVE", 0 },
	{ 'A', "AT+CWQAP", 0 },
	{ 'R', "WIFI_JOIN|R tag=2 err=24", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=0 ip=0.0.0.0", 0 },
	{ 'R', "WIFI_LEAVE|R tag=3 err=0", 0 },
	END
};

/* AT 1.1 sends unsolicited: its UART follows the host link, below it, before the first socket. */
static const struct hs_step t_v11_rate_follows_host[] = {
	{ 'S', "esp_max_baud=2000000", 0 },
	{ 'W', "30", 0 },
	{ 'E', "\r\nready\r\n", 0 },
	{ 'A', "ATE0", 0 }, OK_REPLY,
	{ 'A', "AT+GMR", 0 },
	{ 'E', "AT version:1.1.0.0(May 11 2016 18:09:56)\r\nSDK version:1.5.4(baaeaebb)\r\nOK\r\n", 0 },
	{ 'A', "AT+CWMODE_CUR=1", 0 }, OK_REPLY,
	{ 'A', "AT+CIPMUX=1", 0 }, OK_REPLY,
	{ 'A', "AT+CIPRECVMODE=1", 0 }, { 'E', "\r\nERROR\r\n", 0 },
	{ 'A', "AT+CIPDINFO=1", 0 }, OK_REPLY,
	/* The host link is at 115200: the module stays there. */
	{ 'A', "AT+CIFSR", 0 },
	{ 'E', "+CIFSR:STAIP,\"192.168.4.2\"\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'R', "EV_DEVICE what=6 value=115200", 0 },
	{ 'S', "host_baud=2000000", 0 },
	{ 'Q', "", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+UART_CUR=1818181,8,1,0,0", 0 },
	OK_REPLY,
	{ 'B', "1818181", 0 },
	{ 'A', "AT", 0 },
	OK_REPLY,
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_DEVICE what=5 value=1818181", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	/* Back to 115200 with a socket open: no change until the module holds no link. */
	{ 'S', "host_baud=115200", 0 },
	{ 'H', "CONNECT sock=2 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=1,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "1,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=2 err=0 tx=8192 lport=0", 0 },
	END
};

const struct hs_case driver_quirk_cases[] = {
	{ "AT 1.1: CONNECT, OK, data and CLOSED in one burst", HS_V11, t_v11_connect_closed_burst, 0 },
	{ "AT 1.7: CONNECT, OK and CLOSED in one burst", HS_V17, t_v17_connect_closed_burst, 0 },
	{ "OK before CONNECT", HS_V17, t_ok_before_connect, 0 },
	{ "OK before CONNECT with a listener up", HS_V17, t_ok_before_connect_listening, 0 },
	{ "AT 1.1: OK, then CONNECT, data and CLOSED", HS_V11, t_v11_ok_connect_closed, 0 },
	{ "AT 1.1: CLOSED before OK", HS_V11, t_v11_closed_before_ok, 0 },
	{ "AT 1.7: CLOSED before OK", HS_V17, t_v17_closed_before_ok, 0 },
	{ "the CIPSEND prompt before OK, no Recv line", HS_V17, t_prompt_first, 0 },
	{ "AT 1.1: CR LF after +IPD data", HS_V11, t_v11_ipd_crlf, 0 },
	{ "ERROR to CIPRECVMODE and CIPDINFO", HS_V17, t_no_passive_no_dinfo, 1 },
	{ "ERROR and a bare CLOSED to UDP links", HS_V17, t_udp_refused, 0 },
	{ "a UDP port the board holds is in use", HS_V17, t_udp_port_taken, 0 },
	{ "busy for ever: the module is reset", HS_V17, t_busy_wedged, 0 },
	{ "RESET of a module that is busy for ever", HS_V17, t_busy_reset_esp, 0 },
	{ "AT+GMR without the AT version label", HS_V17, t_gmr_bare, 1 },
	{ "+CISFR:STAIP", HS_V17, t_cifsr_typo, 0 },
	{ "no address line: station settings, or no claim", HS_V17, t_no_address, 0 },
	{ "OK to CWJAP before the association", HS_V17, t_join_ok_early, 0 },
	{ "AT 1.1: the ESP UART follows the host link", HS_V11, t_v11_rate_follows_host, 1 },
};

const size_t driver_quirk_count = sizeof(driver_quirk_cases) / sizeof(driver_quirk_cases[0]);
