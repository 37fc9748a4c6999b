/*
 * The ESP8285 AT driver engine: the module's life cycle (reset, boot, a
 * module that restarts by itself or stops answering), one AT command at a
 * time with its timeout and busy retries, the AT+CIPSEND prompt and payload,
 * and unsolicited results.
 *
 * The engine knows its users only by the table each registers (struct
 * esp_user): the module's upkeep (boot.c: bring-up, rate raise, checks),
 * the WiFi state (wifi.c) and the sockets (sock_esp.c: a control user and
 * a data user).  When the module is idle the upkeep is asked first, then
 * the others in turn for their next command.
 */
#ifndef K210_ESP_H
#define K210_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at.h"
#include "config.h"
#include "txt.h"

struct req;

#define ESP_USERS_MAX 4

enum esp_version {
	ESP_V_UNKNOWN = 0,
	ESP_V11,    /* factory NonOS AT 1.1: no passive receive */
	ESP_V17,    /* NonOS AT 1.7: _CUR spellings, +CIPRECVDATA,<n>: */
	ESP_V2,     /* ESP-AT 2.x: no suffixes, +CIPRECVDATA:<n>, */
};

enum esp_result {
	ESP_OK = 0,     /* OK, or SEND OK */
	ESP_ERROR,      /* ERROR */
	ESP_FAIL,       /* FAIL, or SEND FAIL */
	ESP_TIMEOUT,    /* no final result in time */
	ESP_BUSY,       /* the module kept answering busy */
	ESP_LOST,       /* the module reset under the command */
	ESP_GARBLED,    /* garbage came instead of the reply: what it carried is not to be trusted */
};

struct esp_cmd;

struct esp_ops {
	/* Replies to the command in flight other than its final result, +CIPRECVDATA data included. */
	void (*event)(struct esp_cmd *c, const struct at_event *ev);
	/* The final result: the command is over. */
	void (*done)(struct esp_cmd *c, enum esp_result r);
	/* AT+CIPSEND: copy up to cap payload bytes starting at off (NULL for owners that send none). */
	size_t (*payload)(struct esp_cmd *c, uint32_t off, uint8_t *buf, size_t cap);
};

struct esp_cmd {
	const struct esp_ops *ops;
	uint8_t kind;          /* the owner's own code */
	uint8_t link;
	uint32_t arg;
	uint32_t send_len;     /* AT+CIPSEND payload bytes, 0 for other commands */
	uint32_t timeout_ms;
	uint16_t len;
	char text[CONFIG_AT_CMD_MAX]; /* without CR LF */
};

struct esp_stats {
	uint32_t resets;          /* module restarts, planned or not */
	uint32_t timeouts;
	uint32_t busy;
	uint32_t stray;           /* replies with no command to own them */
	uint32_t noise;           /* lines of garbage */
	uint32_t commands;
	uint32_t wedged;          /* resets of a module that answered only busy */
};

/* What a user of the engine gives it; any callback may be NULL. */
struct esp_user {
	/* The module's own upkeep: asked before the others, and alone while the module is not ready. */
	bool upkeep;
	/* The user's next command, if it has one. */
	bool (*next)(struct esp_cmd *c, uint64_t now);
	/* An unsolicited result: WiFi and link notices, +IPD and its data. */
	void (*urc)(const struct at_event *ev);
	/* The module restarted or was reset: whatever it held is gone. */
	void (*lost)(void);
	/* The module came up and is configured (not after a mere rate change). */
	void (*ready)(void);
	/* Garbage on the line: unsolicited results or data may have been lost. */
	void (*garbled)(void);
	/* The module checked out after garbage. */
	void (*sound)(void);
	/* A link waits to open while the module holds none: its UART rate may change now. */
	bool (*quiet)(void);
};

/* Start over; users register again afterwards. */
void esp_init(uint64_t now);
/* Users are asked in the order they register (at most ESP_USERS_MAX). */
void esp_register(const struct esp_user *u);
/* Run the engine; returns the time by which to call again. */
uint64_t esp_poll(uint64_t now);

/* The engine's clock: the time of the main loop's turn while it runs. */
uint64_t esp_now(void);
bool esp_ready(void);
enum esp_version esp_version(void);
bool esp_passive(void);
bool esp_dinfo(void);
uint32_t esp_baud(void);
const char *esp_at_version(void);
const char *esp_sdk_version(void);
/* "_CUR" for NonOS AT, "" for ESP-AT 2.x. */
const char *esp_cur(void);
void esp_get_stats(struct esp_stats *st);
/* Why the module's sockets and requests were lost (ESP_LOST): ECONNRESET, or ENETRESET when it wedged. */
uint8_t esp_lost_err(void);

/* Prepare c for a command whose text the caller then builds with txt_* on t. */
void esp_cmd_begin(struct esp_cmd *c, struct txt *t, const struct esp_ops *ops, uint8_t kind,
		   uint32_t timeout_ms);
/* Finish the text; false if it did not fit (the command must not be issued). */
bool esp_cmd_end(struct esp_cmd *c, struct txt *t);

/*
 * Reset the module through WIFI_EN on purpose.  Every socket fails; req (a
 * RESET what=ESP request, or NULL) is answered once the module is back.
 */
void esp_restart(struct req *req);
/* The host session ended: a pending RESET answer has nobody to go to. */
void esp_host_down(void);

#endif
