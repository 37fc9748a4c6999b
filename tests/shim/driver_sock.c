/*
 * AT driver transcripts about sockets: what the host asks, what the core
 * sends the ESP8285, what the ESP answers and what the host hears.
 */
#include "driver.h"

static const struct hs_step t_basic[] = {
	CONNECT_1,
	{ 'H', "DATA sock=1 data=hello", 0 },
	{ 'A', "AT+CIPSEND=0,5", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "hello", 0 },
	{ 'E', "\r\nRecv 5 bytes\r\n\r\nSEND OK\r\n", 0 },
	{ 'R', "CREDIT sock=1 bytes=5", 0 },
	{ 'E', "\r\n+IPD,0,5\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "\r\n+CIPRECVDATA,5:hello\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 hello", 0 },
	END
};

static const struct hs_step t_binary_read[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,12\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA,12:\r\nOK\r\n+IPD,0\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 \\r\\nOK\\r\\n+IPD,0", 0 },
	END
};

static const struct hs_step t_credit[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80 win=4", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	{ 'E', "+IPD,0,10\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,4", 0 },
	{ 'E', "+CIPRECVDATA,4:abcd\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 abcd", 0 },
	{ 'Q', "", 0 },
	{ 'H', "CREDIT sock=1 bytes=3", 0 },
	{ 'A', "AT+CIPRECVDATA=0,3", 0 },
	{ 'E', "+CIPRECVDATA,3:efg\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 efg", 0 },
	{ 'H', "CREDIT sock=1 bytes=100", 0 },
	{ 'A', "AT+CIPRECVDATA=0,100", 0 },
	{ 'E', "+CIPRECVDATA,3:hij\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 hij", 0 },
	END
};

static const struct hs_step t_remote_close_drains[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,7\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "0,CLOSED\r\n+CIPRECVDATA,7:partial\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVLEN?", 0 },
	{ 'E', "+CIPRECVLEN:4,0,0,0,0\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA,4:tail\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 partialtail", 0 },
	{ 'R', "EV_CLOSED sock=1 err=0", 0 },
	END
};

static const struct hs_step t_closed_during_send[] = {
	CONNECT_1,
	{ 'H', "DATA sock=1 data=hello", 0 },
	{ 'A', "AT+CIPSEND=0,5", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "hello", 0 },
	{ 'E', "0,CLOSED\r\n\r\nRecv 5 bytes\r\n\r\nSEND FAIL\r\n", 0 },
	{ 'A', "AT+CIPRECVLEN?", 0 },
	{ 'E', "+CIPRECVLEN:0,0,0,0,0\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=25", 0 },
	END
};

static const struct hs_step t_send_fail[] = {
	CONNECT_1,
	{ 'H', "DATA sock=1 data=abc", 0 },
	{ 'A', "AT+CIPSEND=0,3", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "abc", 0 },
	{ 'E', "\r\nRecv 3 bytes\r\n\r\nSEND FAIL\r\n", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=11", 0 },
	END
};

static const struct hs_step t_busy[] = {
	CONNECT_1,
	{ 'H', "DATA sock=1 data=xyz", 0 },
	{ 'A', "AT+CIPSEND=0,3", 0 },
	{ 'E', "busy p...\r\n", 0 },
	{ 'Q', "", 0 },
	{ 'W', "150", 0 },
	{ 'A', "AT+CIPSEND=0,3", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "xyz", 0 },
	{ 'E', "busy s...\r\n\r\nRecv 3 bytes\r\nbusy p...\r\n\r\nSEND OK\r\n", 0 },
	{ 'R', "CREDIT sock=1 bytes=3", 0 },
	END
};

static const struct hs_step t_close_unlink[] = {
	CONNECT_1,
	{ 'H', "CLOSE sock=1", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "UNLINK\r\n\r\nERROR\r\n", 0 },
	{ 'R', "CLOSE|R tag=2 err=0", 0 },
	{ 'H', "CLOSE sock=1", 0 },
	{ 'R', "CLOSE|R tag=3 err=5", 0 },
	END
};

static const struct hs_step t_v11_active[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,5,10.0.0.1,80:hello", 0 },
	{ 'R', "DATA sock=1 hello", 0 },
	{ 'E', "\r\n+IPD,0,9,10.0.0.1,80:\r\nOK\r\n> x\r\n+IPD,0,2,10.0.0.1,80:ok", 0 },
	{ 'R', "DATA sock=1 \\r\\nOK\\r\\n> xok", 0 },
	{ 'H', "DEVICE_INFO", 0 },
	{ 'R', "DEVICE_INFO|R tag=2 err=0 fw=k210sockd-shim 0.1.0 at=1.1.0.0(May 11 2016 18:09:56) "
	       "sdk=1.5.4(baaeaebb) board=fake board ip=192.168.4.2 links=4/5 caps=14 usb=115200 esp=115200", 0 },
	END
};

/* The fake board's pool has 12 blocks of 2048 bytes; five of them are the other sockets' shares. */
static const struct hs_step t_v11_overflow[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80 win=10", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'L', "overflow", 0 },
	{ 'R', "DATA sock=1 abcdefghij", 0 },
	{ 'Q', "", 0 },
	{ 'H', "CREDIT sock=1 bytes=20000", 0 },
	{ 'R', "DATA sock=1 #13990", 0 },
	{ 'R', "EV_CLOSED sock=1 err=3", 0 },
	END
};

/* A socket whose reader stalls takes the free blocks; the others keep their share and go on. */
static const struct hs_step t_v11_pool_shared[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80 win=10", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=0 tx=8192 lport=0", 0 },
	CONNECT_LINK(2, 1, 2),
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'R', "DATA sock=1 abcdefghij", 0 },
	{ 'E', "+IPD,1,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'R', "DATA sock=2 #2000", 0 },
	{ 'E', "+IPD,1,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'R', "DATA sock=2 #2000", 0 },
	{ 'E', "+IPD,1,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'R', "DATA sock=2 #2000", 0 },
	{ 'Q', "", 0 },
	{ 'E', "+IPD,0,2000:", 0 },
	{ 'E', "@2000", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'L', "overflow", 0 },
	END
};

static const struct hs_step t_connect_errors[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=no.such.invalid port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"no.such.invalid\",80", 0 },
	{ 'E', "DNS Fail\r\n\r\nERROR\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=17", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=1", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",1", 0 },
	{ 'E', "\r\nERROR\r\n0,CLOSED\r\n", 0 },
	{ 'R', "CONNECT|R tag=2 err=10", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=2", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",2", 0 },
	{ 'E', "0,CONNECT FAIL\r\n\r\nERROR\r\n", 0 },
	{ 'R', "CONNECT|R tag=3 err=10", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=3", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",3", 0 },
	{ 'E', "no ip\r\n\r\nERROR\r\n", 0 },
	{ 'R', "CONNECT|R tag=4 err=8", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=4", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",4", 0 },
	{ 'E', "ALREADY CONNECTED\r\n\r\nERROR\r\n", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",4", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=5 err=0 tx=8192 lport=0", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=5", 0 },
	{ 'R', "CONNECT|R tag=6 err=26", 0 },
	{ 'H', "CONNECT sock=2 kind=1 host=10.0.0.1 port=5", 0 },
	{ 'A', "AT+CIPSTART=1,\"TCP\",\"10.0.0.1\",5", 0 },
	{ 'W', "25001", 0 },
	{ 'R', "CONNECT|R tag=7 err=12", 0 },
	{ 'H', "CONNECT sock=2 kind=1 host=10.0.0.1 port=6", 0 },
	{ 'A', "AT+CIPCLOSE=1", 0 },
	{ 'E', "UNLINK\r\n\r\nERROR\r\n", 0 },
	{ 'A', "AT+CIPSTART=1,\"TCP\",\"10.0.0.1\",6", 0 },
	{ 'E', "1,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=8 err=0 tx=8192 lport=0", 0 },
	{ 'H', "CONNECT sock=0 kind=1 host=10.0.0.1 port=6", 0 },
	{ 'R', "CONNECT|R tag=9 err=1", 0 },
	{ 'H', "CONNECT sock=3 kind=1 host=bad\"name port=6", 0 },
	{ 'R', "CONNECT|R tag=10 err=1", 0 },
	{ 'H', "CONNECT sock=3 kind=9 host=10.0.0.1 port=6", 0 },
	{ 'R', "CONNECT|R tag=11 err=1", 0 },
	{ 'H', "CONNECT sock=3 kind=1 host=10.0.0.1 port=6 lport=1234", 0 },
	{ 'R', "CONNECT|R tag=12 err=2", 0 },
	END
};

static const struct hs_step t_tls[] = {
	{ 'H', "SETSOCKOPT sock=2 opt=3 value=4096", 0 },
	{ 'R', "SETSOCKOPT|R tag=1 err=0", 0 },
	{ 'H', "SETSOCKOPT sock=2 opt=1 value=60", 0 },
	{ 'R', "SETSOCKOPT|R tag=2 err=0", 0 },
	{ 'H', "SETSOCKOPT sock=2 opt=3 value=100", 0 },
	{ 'R', "SETSOCKOPT|R tag=3 err=1", 0 },
	{ 'H', "SETSOCKOPT sock=2 opt=4 value=100", 0 },
	{ 'R', "SETSOCKOPT|R tag=4 err=2", 0 },
	{ 'H', "CONNECT sock=2 kind=3 host=secure.example port=443", 0 },
	{ 'A', "AT+CIPSSLSIZE=4096", 0 },
	OK_REPLY,
	{ 'A', "AT+CIPSTART=0,\"SSL\",\"secure.example\",443,60", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=5 err=0 tx=8192 lport=0", 0 },
	{ 'H', "CONNECT sock=3 kind=3 host=other.example port=443", 0 },
	{ 'R', "CONNECT|R tag=6 err=6", 0 },
	END
};

static const struct hs_step t_udp[] = {
	{ 'H', "UDP_BIND sock=3 lport=5000", 0 },
	{ 'A', "AT+CIPSTART=0,\"UDP\",\"0.0.0.0\",0,5000,2", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "UDP_BIND|R tag=1 err=0 tx=8192 lport=5000", 0 },
	{ 'E', "+IPD,0,4,10.0.0.9,7777:ping", 0 },
	{ 'R', "DATAGRAM sock=3 from=10.0.0.9:7777 ping", 0 },
	{ 'H', "DATAGRAM sock=3 ip=10.0.0.9 port=7777 data=pong", 0 },
	{ 'A', "AT+CIPSEND=0,4,\"10.0.0.9\",7777", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "pong", 0 },
	{ 'E', "\r\nRecv 4 bytes\r\n\r\nSEND OK\r\n", 0 },
	{ 'R', "CREDIT sock=3 bytes=4", 0 },
	{ 'H', "UDP_BIND sock=4 win=3", 0 },
	{ 'A', "AT+CIPSTART=1,\"UDP\",\"0.0.0.0\",0,61616,2", 0 },
	{ 'E', "1,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "UDP_BIND|R tag=2 err=0 tx=8192 lport=61616", 0 },
	{ 'E', "+IPD,1,4,10.0.0.9,7777:long", 0 },
	{ 'L', "datagram dropped", 0 },
	{ 'E', "+IPD,1,3,10.0.0.9,7777:abc", 0 },
	{ 'R', "DATAGRAM sock=4 from=10.0.0.9:7777 abc", 0 },
	{ 'H', "CONNECT sock=5 kind=2 host=10.0.0.8 port=53", 0 },
	{ 'A', "AT+CIPSTART=2,\"UDP\",\"10.0.0.8\",53,61617,0", 0 },
	{ 'E', "2,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=3 err=0 tx=8192 lport=61617", 0 },
	{ 'H', "DATA sock=5 data=q1", 0 },
	{ 'A', "AT+CIPSEND=2,2", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "q1", 0 },
	{ 'E', "\r\nRecv 2 bytes\r\n\r\nSEND FAIL\r\n", 0 },
	{ 'R', "CREDIT sock=5 bytes=2", 0 },
	{ 'E', "+IPD,2,2,10.0.0.8,53:a1", 0 },
	{ 'R', "DATA sock=5 a1", 0 },
	END
};

static const struct hs_step t_listen[] = {
	{ 'H', "LISTEN sock=9 port=8080 win=65536", 0 },
	{ 'A', "AT+CIPSERVER=1,8080", 0 },
	OK_REPLY,
	{ 'R', "LISTEN|R tag=1 err=0", 0 },
	{ 'H', "LISTEN sock=10 port=8081", 0 },
	{ 'R', "LISTEN|R tag=2 err=6", 0 },
	{ 'E', "0,CONNECT\r\n", 0 },
	{ 'A', "AT+CIPSTATUS", 0 },
	{ 'E', "STATUS:3\r\n+CIPSTATUS:0,\"TCP\",\"10.0.0.7\",40000,8080,1\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_ACCEPTED sock=9 new=" ACCEPTED_ID " remote=10.0.0.7:40000 tx=8192", 0 },
	{ 'E', "+IPD,0,2\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA,2:hi\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=" ACCEPTED_ID " hi", 0 },
	{ 'H', "SETSOCKOPT sock=9 opt=2 value=30", 0 },
	{ 'A', "AT+CIPSTO=30", 0 },
	OK_REPLY,
	{ 'R', "SETSOCKOPT|R tag=3 err=0", 0 },
	{ 'H', "CLOSE sock=9", 0 },
	{ 'A', "AT+CIPSERVER=0", 0 },
	OK_REPLY,
	{ 'R', "CLOSE|R tag=4 err=0", 0 },
	{ 'H', "DATA sock=" ACCEPTED_ID " data=still here", 0 },
	{ 'A', "AT+CIPSEND=0,10", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "still here", 0 },
	{ 'E', "\r\nRecv 10 bytes\r\n\r\nSEND OK\r\n", 0 },
	{ 'R', "CREDIT sock=" ACCEPTED_ID " bytes=10", 0 },
	{ 'E', "1,CONNECT\r\n", 0 },
	{ 'A', "AT+CIPCLOSE=1", 0 },
	{ 'E', "1,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'L', "incoming connection refused", 0 },
	END
};

static const struct hs_step t_session_drop[] = {
	CONNECT_1,
	{ 'H', "LISTEN sock=9 port=8080", 0 },
	{ 'A', "AT+CIPSERVER=1,8080", 0 },
	OK_REPLY,
	{ 'R', "LISTEN|R tag=2 err=0", 0 },
	{ 'D', "", 0 },
	{ 'A', "AT+CIPSERVER=0", 0 },
	OK_REPLY,
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=3 err=0 tx=8192 lport=0", 0 },
	END
};

static const struct hs_step t_cancel_connect[] = {
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'H', "CLOSE sock=1", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=1 err=24", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'R', "CLOSE|R tag=2 err=0", 0 },
	{ 'H', "CONNECT sock=1 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=0,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'H', "CONNECT sock=2 kind=1 host=10.0.0.1 port=81", 0 },
	{ 'W', "20100", 0 },
	{ 'R', "CONNECT|R tag=4 err=7", 0 },
	{ 'E', "0,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=3 err=0 tx=8192 lport=0", 0 },
	END
};

static const struct hs_step t_window_violation[] = {
	CONNECT_1,
	{ 'H', "DATA sock=1 size=2000", 0 },
	{ 'A', "AT+CIPSEND=0,2000", 0 },
	{ 'H', "DATA sock=1 size=2000", 0 },
	{ 'H', "DATA sock=1 size=2000", 0 },
	{ 'H', "DATA sock=1 size=2000", 0 },
	{ 'H', "DATA sock=1 size=2000", 0 },
	{ 'E', "\r\nOK\r\n> ", 0 },
	{ 'P', "@2000", 0 },
	{ 'E', "\r\nRecv 2000 bytes\r\n\r\nSEND OK\r\n", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=21", 0 },
	{ 'L', "send window", 0 },
	END
};

/*
 * Reads take turns in fair order: a link that just got data goes before the
 * next read of one that has had its share.  Reads are shorter while another
 * link is open with nothing to read (its next bytes wait for less), full
 * while every link has data.
 */
static const struct hs_step t_round_robin[] = {
	CONNECT_1,
	CONNECT_LINK(2, 1, 2),
	CONNECT_LINK(3, 2, 3),
	{ 'E', "+IPD,0,5000\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,1024", 0 },                 /* links 1 and 2 idle */
	{ 'E', "+IPD,1,5000\r\n+IPD,2,5000\r\n+CIPRECVDATA,1024:", 0 },
	{ 'E', "@1024", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=1,2048", 0 },                 /* all have data: full reads */
	{ 'E', "+CIPRECVDATA,2048:", 0 },
	{ 'E', "@2048", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=2,2048", 0 },
	{ 'E', "+CIPRECVDATA,2048:", 0 },
	{ 'E', "@2048", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },                 /* had 1024 of its share */
	{ 'E', "+CIPRECVDATA,100:", 0 },
	{ 'E', "@100", 0 },
	{ 'E', "\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=1,1024", 0 },                 /* link 0 is idle now */
	{ 'E', "\r\nERROR\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=2,1024", 0 },
	{ 'E', "+CIPRECVDATA,0:\r\nOK\r\n", 0 },
	{ 'R', "DATA sock=1 #1024", 0 },
	{ 'R', "DATA sock=2 #2048", 0 },
	{ 'R', "DATA sock=3 #2048", 0 },
	{ 'R', "DATA sock=1 #100", 0 },
	END
};

static const struct hs_step t_emfile[] = {
	CONNECT_1,
	CONNECT_LINK(2, 1, 2),
	CONNECT_LINK(3, 2, 3),
	CONNECT_LINK(4, 3, 4),
	CONNECT_LINK(5, 4, 5),
	{ 'H', "CONNECT sock=6 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'R', "CONNECT|R tag=6 err=4", 0 },
	{ 'E', "2,CLOSED\r\n", 0 },
	{ 'A', "AT+CIPRECVLEN?", 0 },
	{ 'E', "+CIPRECVLEN:0,0,0,0,0\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=3 err=0", 0 },
	{ 'H', "CONNECT sock=6 kind=1 host=10.0.0.1 port=80", 0 },
	{ 'A', "AT+CIPSTART=2,\"TCP\",\"10.0.0.1\",80", 0 },
	{ 'E', "2,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "CONNECT|R tag=7 err=0 tx=8192 lport=0", 0 },
	END
};

static const struct hs_step t_stalled_read[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,100\r\n", 0 },
	{ 'A', "AT+CIPRECVDATA=0,2048", 0 },
	{ 'E', "+CIPRECVDATA,100:0123456789", 0 },
	{ 'W', "60", 0 },
	{ 'A', "AT+CIPMUX?", 0 },
	{ 'E', "+CIPMUX:1\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPRECVLEN?", 0 },
	{ 'E', "+CIPRECVLEN:0,0,0,0,0\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=20", 0 },
	END
};

static const struct hs_step t_active_cut[] = {
	CONNECT_1,
	{ 'E', "+IPD,0,4,10.0.0.1,80:good", 0 },
	{ 'R', "DATA sock=1 good", 0 },
	{ 'E', "+IPD,0,10,10.0.0.1,80:abcde", 0 },
	{ 'W', "60", 0 },
	{ 'A', "AT+CIPMUX?", 0 },
	{ 'E', "+CIPMUX:1\r\n\r\nOK\r\n", 0 },
	{ 'A', "AT+CIPCLOSE=0", 0 },
	{ 'E', "0,CLOSED\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=20", 0 },
	END
};

static const struct hs_step t_cancel_steps[] = {
	{ 'H', "SETSOCKOPT sock=2 opt=3 value=4096", 0 },
	{ 'R', "SETSOCKOPT|R tag=1 err=0", 0 },
	{ 'H', "CONNECT sock=2 kind=3 host=secure.example port=443", 0 },
	{ 'A', "AT+CIPSSLSIZE=4096", 0 },
	{ 'H', "CLOSE sock=2", 0 },
	OK_REPLY,
	{ 'R', "CONNECT|R tag=2 err=24", 0 },
	{ 'R', "CLOSE|R tag=3 err=0", 0 },
	{ 'H', "SETSOCKOPT sock=2 opt=3 value=4096", 0 },
	{ 'R', "SETSOCKOPT|R tag=4 err=0", 0 },
	{ 'H', "CONNECT sock=2 kind=3 host=secure.example port=443", 0 },
	{ 'A', "AT+CIPSSLSIZE=4096", 0 },
	{ 'D', "", 0 },
	OK_REPLY,
	{ 'R', "EV_WIFI state=3 ip=192.168.4.2", 0 },
	END
};

static const struct hs_step t_write_after_close[] = {
	CONNECT_1,
	{ 'E', "0,CLOSED\r\n", 0 },
	{ 'H', "DATA sock=1 data=too late", 0 },
	{ 'A', "AT+CIPRECVLEN?", 0 },
	{ 'E', "+CIPRECVLEN:0,0,0,0,0\r\nOK\r\n", 0 },
	{ 'R', "EV_CLOSED sock=1 err=25", 0 },
	END
};

static const struct hs_step t_busy_after_send_ok[] = {
	CONNECT_1,
	{ 'H', "DATA sock=1 data=xyz", 0 },
	{ 'A', "AT+CIPSEND=0,3", 0 },
	/* Accepted: the busy speaks of stray bytes, and the command must not go again (it would be payload). */
	{ 'E', "\r\nOK\r\nbusy p...\r\n", 0 },
	{ 'W', "150", 0 },
	{ 'Q', "", 0 },
	{ 'E', "> ", 0 },
	{ 'P', "xyz", 0 },
	{ 'E', "\r\nRecv 3 bytes\r\n\r\nSEND OK\r\n", 0 },
	{ 'R', "CREDIT sock=1 bytes=3", 0 },
	END
};

static const struct hs_step t_accept_during_status[] = {
	{ 'H', "LISTEN sock=9 port=8080 win=65536", 0 },
	{ 'A', "AT+CIPSERVER=1,8080", 0 },
	OK_REPLY,
	{ 'R', "LISTEN|R tag=1 err=0", 0 },
	{ 'E', "0,CONNECT\r\n", 0 },
	{ 'A', "AT+CIPSTATUS", 0 },
	/* A second client arrives after the reply listed the links: it needs a reply of its own. */
	{ 'E', "STATUS:3\r\n+CIPSTATUS:0,\"TCP\",\"10.0.0.7\",40000,8080,1\r\n1,CONNECT\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_ACCEPTED sock=9 new=" ACCEPTED_ID " remote=10.0.0.7:40000 tx=8192", 0 },
	{ 'A', "AT+CIPSTATUS", 0 },
	{ 'E', "STATUS:3\r\n+CIPSTATUS:0,\"TCP\",\"10.0.0.7\",40000,8080,1\r\n"
	       "+CIPSTATUS:1,\"TCP\",\"10.0.0.8\",40001,8080,1\r\n\r\nOK\r\n", 0 },
	{ 'R', "EV_ACCEPTED sock=9 new=" ACCEPTED_NEXT_ID " remote=10.0.0.8:40001 tx=8192", 0 },
	END
};

const struct hs_case driver_sock_cases[] = {
	{ "connect, send, passive receive", HS_V17, t_basic, 0 },
	{ "binary passive data holding OK and +IPD", HS_V17, t_binary_read, 0 },
	{ "reads follow the host's credit", HS_V17, t_credit, 0 },
	{ "remote close drains the module first", HS_V17, t_remote_close_drains, 0 },
	{ "CLOSED during CIPSEND", HS_V17, t_closed_during_send, 0 },
	{ "SEND FAIL fails the socket", HS_V17, t_send_fail, 0 },
	{ "busy p and busy s", HS_V17, t_busy, 0 },
	{ "UNLINK on close counts as closed", HS_V17, t_close_unlink, 0 },
	{ "AT 1.1 active receive", HS_V11, t_v11_active, 0 },
	{ "AT 1.1 receive overflow", HS_V11, t_v11_overflow, 0 },
	{ "AT 1.1: a stalled socket leaves the others their share", HS_V11, t_v11_pool_shared, 0 },
	{ "connect errors", HS_V17, t_connect_errors, 0 },
	{ "TLS and socket options", HS_V17, t_tls, 0 },
	{ "UDP bind, datagrams, connected UDP", HS_V17, t_udp, 0 },
	{ "listen and accept", HS_V17, t_listen, 0 },
	{ "host session drop closes the links", HS_V17, t_session_drop, 0 },
	{ "close cancels a connect; waiting requests expire", HS_V17, t_cancel_connect, 0 },
	{ "send window violation", HS_V17, t_window_violation, 0 },
	{ "reads take turns in fair order, shorter beside an idle link", HS_V17, t_round_robin, 0 },
	{ "five links and no more", HS_V17, t_emfile, 0 },
	{ "a stalled read is taken back", HS_V17, t_stalled_read, 0 },
	{ "unsolicited data cut short", HS_V11, t_active_cut, 0 },
	{ "a connect closed between its steps", HS_V17, t_cancel_steps, 0 },
	{ "data after the remote closed", HS_V17, t_write_after_close, 0 },
	{ "busy after CIPSEND's OK sends nothing twice", HS_V17, t_busy_after_send_ok, 0 },
	{ "a client accepted during CIPSTATUS", HS_V17, t_accept_during_status, 0 },
};

const size_t driver_sock_count = sizeof(driver_sock_cases) / sizeof(driver_sock_cases[0]);
