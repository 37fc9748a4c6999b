#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "esprate.h"

#define ESPRATE_LINE 48

static struct {
	uint32_t rate;
	uint32_t pending;           /* AT+UART_CUR sent, OK not yet seen */
	bool restart;               /* AT+RST sent */
	char line[ESPRATE_LINE];
	size_t len;
	char tail[8];               /* the last bytes the module sent */
} er = { .rate = ESPRATE_BOOT };

void esprate_reset(void)
{
	memset(&er, 0, sizeof(er));
	er.rate = ESPRATE_BOOT;
}

static void esprate_command(void)
{
	static const char cur[] = "AT+UART_CUR=";

	er.line[er.len] = '\0';
	er.pending = 0;
	er.restart = strcmp(er.line, "AT+RST") == 0;
	if (strncmp(er.line, cur, sizeof(cur) - 1) == 0) {
		char *end;
		unsigned long baud = strtoul(er.line + sizeof(cur) - 1, &end, 10);

		if (*end == ',' && baud > 0 && baud <= 10000000)
			er.pending = (uint32_t)baud;
	}
}

void esprate_received(uint8_t c)
{
	if (c == '\r' || c == '\n') {
		if (er.len)
			esprate_command();
		er.len = 0;
		return;
	}
	if (er.len < ESPRATE_LINE - 1)
		er.line[er.len++] = (char)c;
}

uint32_t esprate_sent(uint8_t c)
{
	memmove(er.tail, er.tail + 1, sizeof(er.tail) - 1);
	er.tail[sizeof(er.tail) - 1] = (char)c;
	if (memcmp(er.tail + sizeof(er.tail) - 4, "OK\r\n", 4) == 0) {
		if (er.pending)
			er.rate = er.pending;
		if (er.restart)
			er.rate = ESPRATE_BOOT;
		er.pending = 0;
		er.restart = false;
	} else if (memcmp(er.tail + sizeof(er.tail) - 7, "ERROR\r\n", 7) == 0) {
		er.pending = 0;
		er.restart = false;
	}
	return er.rate;
}

uint32_t esprate_now(void)
{
	return er.rate;
}
