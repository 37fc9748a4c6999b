/* Settings of the simulated chip that every subsystem consults. */
#ifndef ESPAT_SIM_H
#define ESPAT_SIM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

enum sim_version {
	SIM_AT11, /* factory NonOS AT 1.1.0.0: no passive receive */
	SIM_AT17, /* NonOS AT 1.7.4 */
	SIM_AT2,  /* ESP-AT 2.x for ESP8266 */
};

/* Behaviour of other AT firmware builds (--quirk), off by default. */
enum sim_quirk {
	SIM_Q_OK_BEFORE_CONNECT = 1u << 0,  /* CIPSTART: OK first, <id>,CONNECT after it */
	SIM_Q_BURST = 1u << 1,              /* output held and sent in bursts */
	SIM_Q_PROMPT_FIRST = 1u << 2,       /* CIPSEND: "> " before OK */
	SIM_Q_NO_RECV_BYTES = 1u << 3,      /* no "Recv N bytes" */
	SIM_Q_IPD_CRLF = 1u << 4,           /* CR LF after the data of an active +IPD */
	SIM_Q_NO_PASSIVE = 1u << 5,         /* AT+CIPRECVMODE=1 answers ERROR */
	SIM_Q_NO_DINFO = 1u << 6,           /* AT+CIPDINFO=1 answers ERROR */
	SIM_Q_NO_UDP = 1u << 7,             /* UDP CIPSTART: ERROR, then a bare CLOSED */
	SIM_Q_BUSY_AFTER_SCAN = 1u << 8,    /* busy p... to everything after AT+CWLAP until WIFI_EN drops */
	SIM_Q_GMR_BARE = 1u << 9,           /* AT+GMR without the "AT version:" label */
	SIM_Q_CIFSR_TYPO = 1u << 10,        /* +CISFR:STAIP */
	SIM_Q_JOIN_OK_EARLY = 1u << 11,     /* CWJAP: OK at once, WiFi CONNECTED / GOT IP seconds later */
	SIM_Q_NO_UART_CUR = 1u << 12,       /* AT+UART_CUR answers ERROR */
};

struct sim_options {
	enum sim_version version;
	unsigned long boot_baud;
	unsigned boot_delay_ms;
	unsigned long cmd_latency_us;
	unsigned join_ms;
	const char *autojoin;
	struct in_addr ip;
	struct in_addr gateway;
	struct in_addr netmask;
	uint8_t mac[6];
	unsigned quirks;          /* enum sim_quirk bits */
};

extern struct sim_options sim_opt;

static inline bool sim_quirk(enum sim_quirk q)
{
	return (sim_opt.quirks & (unsigned)q) != 0;
}

#endif
