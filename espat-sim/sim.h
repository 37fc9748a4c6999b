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
};

extern struct sim_options sim_opt;

#endif
