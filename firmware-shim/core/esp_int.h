/*
 * The ESP engine's state, shared by esp.c (the command engine and the
 * module's life cycle) and boot.c (the module's upkeep: bringing it up and
 * checking it).  Nothing else includes this.
 */
#ifndef K210_ESP_INT_H
#define K210_ESP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "at.h"
#include "esp.h"
#include "proto.h"

#define ESP_VERSION_MAX PROTO_NAME_MAX

enum esp_state {
	ESP_S_HOLD,      /* WIFI_EN low */
	ESP_S_BOOT,      /* released, waiting for "ready" */
	ESP_S_PROBE,     /* no "ready": asking with AT at the rates it may be at */
	ESP_S_INIT,      /* configuration commands */
	ESP_S_SWITCH,    /* AT+UART_CUR accepted: waiting for our transmitter to drain */
	ESP_S_VERIFY,    /* both sides at the new rate: does the module hear us? */
	ESP_S_FALLBACK,  /* the new rate failed: back at 115200, does it hear us there? */
	ESP_S_READY,
	ESP_S_BACKOFF,   /* repeated failures: pause before the next reset */
};

enum esp_phase {
	PH_IDLE,
	PH_CMD,          /* writing the command line */
	PH_REPLY,        /* waiting for the result (or the CIPSEND prompt) */
	PH_DATA,         /* writing the CIPSEND payload */
	PH_SENT,         /* payload written: waiting for SEND OK */
};

enum esp_data_to { DATA_NONE, DATA_IPD, DATA_CMD, DATA_DROP };

/* Resets in a row after which the engine pauses before trying again. */
#define ESP_RESETS_BEFORE_BACKOFF 3
/* Wake-up interval while the transmitter has no room for what is waiting. */
#define ESP_TX_RETRY_US 1000u

struct esp_engine {
	enum esp_state state;
	uint64_t now;
	uint64_t state_until;        /* HOLD, BOOT, BACKOFF end */
	struct at_parser at;
	enum esp_data_to data_to;

	struct esp_cmd cmd;
	enum esp_phase phase;
	uint32_t out_off;
	uint64_t deadline;
	uint64_t resend_at;          /* after "busy": send the command again then */
	uint8_t busy_tries;
	uint64_t busy_since;         /* first "busy" since a command last completed, 0: none */
	bool send_accepted;          /* AT+CIPSEND answered OK: its prompt follows */
	bool prompt_seen;
	uint8_t timeouts;            /* consecutive */

	uint8_t tries;               /* probe and verify attempts */
	uint8_t resets_in_row;
	bool was_ready;              /* sockets may exist: a reset must fail them */
	bool suspect;                /* garbage seen: check that the module still answers */
	bool check_rebooted;         /* the check found the module's settings gone */
	bool garbled_pending;        /* garbage came while a command was being written */
	uint64_t last_rx;
	uint32_t overruns;
	struct req *reset_req;
	uint8_t lost_err;            /* what the last loss of the module means for its sockets */

	enum esp_version version;
	bool passive, dinfo;
	uint32_t baud, target_baud;
	bool rerating;               /* READY module moving its UART to the host link's pace */
	uint32_t rate_tried;         /* the last rate a change went for (not again if it failed) */
	char at_version[ESP_VERSION_MAX + 1];
	char sdk_version[ESP_VERSION_MAX + 1];
	unsigned next_user;          /* whose turn it is to offer a command */

	struct esp_stats st;
};

extern struct esp_engine esp;

void esp_set_baud(uint32_t baud);
/* Reset through WIFI_EN: every socket fails if the module was in use. */
void esp_hard_reset(uint64_t now, const char *why);
/* The module (re)booted: configure it from scratch. */
void esp_start_init(void);
void esp_become_ready(void);
/* The module restarted by itself: sockets fail, then it is configured again. */
void esp_unexpected_ready(void);
/* Some user has a link waiting to open while the module holds none. */
bool esp_users_quiet(void);
/* The module checked out after garbage: every user hears so. */
void esp_users_sound(void);

#endif
