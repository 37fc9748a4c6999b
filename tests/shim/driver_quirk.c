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

const struct hs_case driver_quirk_cases[] = {
	{ "AT 1.1: CONNECT, OK, data and CLOSED in one burst", HS_V11, t_v11_connect_closed_burst, 0 },
	{ "AT 1.7: CONNECT, OK and CLOSED in one burst", HS_V17, t_v17_connect_closed_burst, 0 },
	{ "OK before CONNECT", HS_V17, t_ok_before_connect, 0 },
	{ "OK before CONNECT with a listener up", HS_V17, t_ok_before_connect_listening, 0 },
	{ "AT 1.1: OK, then CONNECT, data and CLOSED", HS_V11, t_v11_ok_connect_closed, 0 },
	{ "AT 1.1: CLOSED before OK", HS_V11, t_v11_closed_before_ok, 0 },
	{ "AT 1.7: CLOSED before OK", HS_V17, t_v17_closed_before_ok, 0 },
};

const size_t driver_quirk_count = sizeof(driver_quirk_cases) / sizeof(driver_quirk_cases[0]);
