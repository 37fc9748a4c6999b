#include <string.h>

#include "boot.h"
#include "esp_int.h"
#include "evlog.h"
#include "host.h"
#include "port.h"

/* The engine's own commands. */
enum boot_kind {
	K_PROBE = 1,
	K_ATE0,
	K_GMR,
	K_SYSSTORE,
	K_CWMODE,
	K_CIPMUX,
	K_RECVMODE,
	K_DINFO,
	K_UART,
	K_VERIFY,
	K_CHECK,
};

static const struct esp_ops boot_ops;

static bool boot_own(struct esp_cmd *c, uint8_t kind, uint32_t timeout_ms, const char *text)
{
	struct txt t;

	esp_cmd_begin(c, &t, &boot_ops, kind, timeout_ms);
	txt_str(&t, text);
	return esp_cmd_end(c, &t);
}

/*
 * The rate to raise the module's UART to.  In active mode nothing holds its
 * data back, so it must send slower than the host link carries, or the
 * receive pool only puts an overflow off: the fastest 80 MHz / n below that
 * share of the host's rate, never below the boot rate.  Without a host
 * session, or in passive mode, the fastest the board takes.
 */
static uint32_t boot_target_baud(void)
{
	uint32_t max = port_esp_max_baud(), host = host_baud(), limit;

	if (esp.passive || host == 0 || max <= CONFIG_ESP_BASE_BAUD)
		return max > CONFIG_ESP_BASE_BAUD ? max : CONFIG_ESP_BASE_BAUD;
	limit = (uint32_t)((uint64_t)host * CONFIG_ESP_ACTIVE_PERCENT / 100u);
	if (limit >= max)
		return max;
	for (uint32_t n = (CONFIG_ESP_UART_CLOCK + limit - 1) / limit;; n++) {
		uint32_t rate = CONFIG_ESP_UART_CLOCK / n;

		if (rate <= CONFIG_ESP_BASE_BAUD)
			return CONFIG_ESP_BASE_BAUD;
		if (port_esp_baud_ok(rate))
			return rate;
	}
}

/*
 * Active mode: a socket is about to open while the module holds no link, and
 * the module's rate does not suit the host link's (a new session at another
 * rate): the moment to change it, with no data on the way to be garbled.
 */
static bool boot_rate_stale(void)
{
	uint32_t target;

	if (esp.passive || !esp_users_quiet())
		return false;
	target = boot_target_baud();
	return target != esp.baud && target != esp.rate_tried;
}

/* Initialisation: the next configuration command, or false when done. */
static bool boot_init_next(struct esp_cmd *c)
{
	const char *cur = esp_cur();
	struct txt t;

	switch (esp.tries) {
	case 0:
		return boot_own(c, K_ATE0, CONFIG_ESP_CMD_MS, "ATE0");
	case 1:
		return boot_own(c, K_GMR, CONFIG_ESP_CMD_MS, "AT+GMR");
	case 2:
		/* ESP-AT 2.x writes settings to flash unless told not to. */
		if (esp.version == ESP_V2)
			return boot_own(c, K_SYSSTORE, CONFIG_ESP_CMD_MS, "AT+SYSSTORE=0");
		esp.tries++;
		/* fall through */
	case 3:
		esp_cmd_begin(c, &t, &boot_ops, K_CWMODE, CONFIG_ESP_CMD_MS);
		txt_str(&t, "AT+CWMODE");
		txt_str(&t, cur);
		txt_str(&t, "=1");
		return esp_cmd_end(c, &t);
	case 4:
		return boot_own(c, K_CIPMUX, CONFIG_ESP_CMD_MS, "AT+CIPMUX=1");
	case 5:
		return boot_own(c, K_RECVMODE, CONFIG_ESP_CMD_MS, "AT+CIPRECVMODE=1");
	case 6:
		return boot_own(c, K_DINFO, CONFIG_ESP_CMD_MS, "AT+CIPDINFO=1");
	case 7:
		esp.target_baud = boot_target_baud();
		if (esp.target_baud == esp.baud)
			break;
		esp.rate_tried = esp.target_baud;
		esp_cmd_begin(c, &t, &boot_ops, K_UART, CONFIG_ESP_CMD_MS);
		txt_str(&t, "AT+UART_CUR=");
		txt_u32_put(&t, esp.target_baud);
		txt_str(&t, ",8,1,0,0");
		return esp_cmd_end(c, &t);
	}
	return false;
}

/* "1.7.4.0(...)": the major and minor numbers decide the dialect; false if s holds no such number. */
static bool boot_take_at_version(const char *s, const char *end)
{
	const char *p = s;
	uint32_t major, minor;
	size_t n;

	if (!txt_u32(&p, end, 99, &major) || !txt_char(&p, end, '.') || !txt_u32(&p, end, 99, &minor))
		return false;
	n = (size_t)(end - s) < ESP_VERSION_MAX ? (size_t)(end - s) : ESP_VERSION_MAX;
	memcpy(esp.at_version, s, n);
	esp.at_version[n] = '\0';
	if (major >= 2)
		esp.version = ESP_V2;
	else if (major == 1 && minor >= 7)
		esp.version = ESP_V17;
	else
		esp.version = ESP_V11;
	return true;
}

/*
 * "AT version:1.7.4.0(...)", or (some builds) the bare number on a line of
 * its own: the first versioned line that is not the SDK's is the firmware's.
 */
static void boot_take_version(const char *line)
{
	const char *s = line, *end = line + strlen(line);

	if (txt_lit(&s, end, "AT version:")) {
		boot_take_at_version(s, end);
	} else if (esp.version == ESP_V_UNKNOWN && boot_take_at_version(s, end)) {
		evlog_join(PROTO_LOG_WARN, "AT+GMR without \"AT version:\": took ", line);
	} else if (txt_lit(&s, end, "SDK version:")) {
		size_t n = (size_t)(end - s) < ESP_VERSION_MAX ? (size_t)(end - s) : ESP_VERSION_MAX;

		memcpy(esp.sdk_version, s, n);
		esp.sdk_version[n] = '\0';
	}
}

static void boot_event(struct esp_cmd *c, const struct at_event *ev)
{
	if (c->kind == K_GMR && ev->type == AT_EV_LINE)
		boot_take_version(ev->text);
	if (c->kind == K_CHECK && ev->type == AT_EV_LINE && strcmp(ev->text, "+CIPMUX:0") == 0)
		esp.check_rebooted = true;
}

static void boot_init_done(struct esp_cmd *c, enum esp_result r)
{
	/* A reset or a restart ended the command: the engine has already started over. */
	if (r == ESP_LOST)
		return;
	switch (c->kind) {
	case K_GMR:
		if (esp.version == ESP_V_UNKNOWN) {
			evlog_join(PROTO_LOG_WARN, "AT+GMR gave no version; assuming AT 1.7", "");
			esp.version = ESP_V17;
		}
		break;
	case K_CIPMUX:
		if (r != ESP_OK) {
			esp_hard_reset(esp.now, "AT+CIPMUX=1 refused");
			return;
		}
		break;
	case K_RECVMODE:
		esp.passive = r == ESP_OK;
		if (!esp.passive)
			evlog_join(PROTO_LOG_INFO, "no passive receive: data arrives unsolicited", "");
		break;
	case K_DINFO:
		esp.dinfo = r == ESP_OK;
		break;
	case K_UART:
		if (r == ESP_OK) {
			/* The OK came at the old rate; the module now listens at the new one. */
			esp.state = ESP_S_SWITCH;
			return;
		}
		evlog_num(PROTO_LOG_WARN, "AT+UART_CUR refused: the ESP UART stays at ", esp.baud, " baud");
		break;
	default:
		break;
	}
	if (r == ESP_TIMEOUT) {
		esp_hard_reset(esp.now, "no answer during initialisation");
		return;
	}
	/* A damaged answer: the same step runs again. */
	if (r == ESP_GARBLED)
		return;
	esp.tries++;
}

static void boot_done(struct esp_cmd *c, enum esp_result r)
{
	switch (c->kind) {
	case K_PROBE:
		if (r == ESP_OK)
			esp_start_init();
		else if (r != ESP_LOST && ++esp.tries >= 2 * CONFIG_ESP_PROBE_TRIES)
			esp_hard_reset(esp.now, "no answer to AT");
		return;
	case K_VERIFY:
		if (r == ESP_OK) {
			if (esp.state == ESP_S_VERIFY)
				host_device_event(PROTO_DEV_BAUD, esp.baud);
			else
				evlog_join(PROTO_LOG_WARN, "ESP8285 kept 115200 after AT+UART_CUR", "");
			esp_become_ready();
			return;
		}
		if (r == ESP_LOST || ++esp.tries < CONFIG_ESP_VERIFY_TRIES)
			return;
		esp.tries = 0;
		if (esp.state == ESP_S_VERIFY) {
			/* Never leave the module unreachable: it may still be at the old rate. */
			esp.state = ESP_S_FALLBACK;
			esp_set_baud(CONFIG_ESP_BASE_BAUD);
		} else {
			esp_hard_reset(esp.now, "lost after a baud change");
		}
		return;
	case K_CHECK:
		if (r == ESP_OK && esp.check_rebooted) {
			esp_unexpected_ready();
		} else if (r == ESP_OK) {
			esp.suspect = false;
			esp_users_sound();
		} else if (r == ESP_TIMEOUT || r == ESP_ERROR || r == ESP_FAIL) {
			esp_hard_reset(esp.now, "garbage on the line and no sense after it");
		}
		/* Busy, or more garbage: the check runs again. */
		return;
	default:
		boot_init_done(c, r);
		return;
	}
}

static const struct esp_ops boot_ops = {
	.event = boot_event,
	.done = boot_done,
};

/* The engine's own next command in its current state, or false. */
static bool boot_next(struct esp_cmd *c, uint64_t now)
{
	(void)now;
	switch (esp.state) {
	case ESP_S_PROBE:
		/* The module reboots at 115200, but may have kept a raised rate if it never reset. */
		esp_set_baud(esp.tries < CONFIG_ESP_PROBE_TRIES || port_esp_max_baud() <= CONFIG_ESP_BASE_BAUD
				     ? CONFIG_ESP_BASE_BAUD : port_esp_max_baud());
		return boot_own(c, K_PROBE, CONFIG_ESP_PROBE_MS, "AT");
	case ESP_S_INIT:
		if (boot_init_next(c))
			return true;
		esp_become_ready();
		return false;
	case ESP_S_VERIFY:
	case ESP_S_FALLBACK:
		return boot_own(c, K_VERIFY, CONFIG_ESP_VERIFY_MS, "AT");
	case ESP_S_READY:
		if (!esp.suspect && boot_rate_stale()) {
			esp.state = ESP_S_INIT;
			esp.tries = 7;
			esp.rerating = true;
			return boot_init_next(c);
		}
		if (!esp.suspect)
			return false;
		/* A module that restarted unseen answers with its defaults: multi-link mode off. */
		esp.check_rebooted = false;
		return boot_own(c, K_CHECK, CONFIG_ESP_PROBE_MS, "AT+CIPMUX?");
	default:
		return false;
	}
}

static const struct esp_user boot_user = {
	.upkeep = true,
	.next = boot_next,
};

void boot_init(void)
{
	esp_register(&boot_user);
}
