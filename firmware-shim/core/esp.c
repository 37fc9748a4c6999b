#include <string.h>

#include "esp.h"
#include "esp_int.h"
#include "evlog.h"
#include "host.h"
#include "port.h"
#include "proto.h"
#include "req.h"

struct esp_engine esp;

static struct {
	const struct esp_user *u[ESP_USERS_MAX];
	unsigned n;
} esp_users;

void esp_register(const struct esp_user *u)
{
	if (esp_users.n < ESP_USERS_MAX)
		esp_users.u[esp_users.n++] = u;
}

static void esp_users_urc(const struct at_event *ev)
{
	for (unsigned i = 0; i < esp_users.n; i++)
		if (esp_users.u[i]->urc)
			esp_users.u[i]->urc(ev);
}

static void esp_users_lost(void)
{
	for (unsigned i = 0; i < esp_users.n; i++)
		if (esp_users.u[i]->lost)
			esp_users.u[i]->lost();
}

static void esp_users_ready(void)
{
	for (unsigned i = 0; i < esp_users.n; i++)
		if (esp_users.u[i]->ready)
			esp_users.u[i]->ready();
}

static void esp_users_garbled(void)
{
	for (unsigned i = 0; i < esp_users.n; i++)
		if (esp_users.u[i]->garbled)
			esp_users.u[i]->garbled();
}

void esp_users_sound(void)
{
	for (unsigned i = 0; i < esp_users.n; i++)
		if (esp_users.u[i]->sound)
			esp_users.u[i]->sound();
}

bool esp_users_quiet(void)
{
	for (unsigned i = 0; i < esp_users.n; i++)
		if (esp_users.u[i]->quiet && esp_users.u[i]->quiet())
			return true;
	return false;
}

void esp_set_baud(uint32_t baud)
{
	esp.baud = baud;
	port_esp_set_baud(baud);
	at_reset(&esp.at);
	esp.data_to = DATA_NONE;
}

/* The command in flight ends with r; its owner hears about it. */
static void esp_finish(enum esp_result r)
{
	struct esp_cmd *c = &esp.cmd;

	if (esp.phase == PH_IDLE)
		return;
	esp.phase = PH_IDLE;
	esp.resend_at = 0;
	if (esp.data_to == DATA_CMD)
		esp.data_to = DATA_DROP;
	if (r == ESP_TIMEOUT)
		esp.st.timeouts++;
	c->ops->done(c, r);
}

static void esp_hold(uint64_t now)
{
	esp_finish(ESP_LOST);
	port_esp_enable(false);
	esp_set_baud(CONFIG_ESP_BASE_BAUD);
	esp.state = ESP_S_HOLD;
	esp.state_until = now + CONFIG_ESP_RESET_HOLD_MS * 1000ull;
	esp.version = ESP_V_UNKNOWN;
	esp.passive = false;
	esp.dinfo = false;
	esp.suspect = false;
	esp.timeouts = 0;
	esp.busy_since = 0;
	esp.rerating = false;
	esp.rate_tried = 0;
	esp.st.resets++;
}

/* Everything the module held is gone: sockets fail (with err), the host is told. */
static void esp_lost(const char *why, uint8_t err)
{
	esp.lost_err = err;
	/* The command's owner cleans up first, then every socket goes. */
	esp_finish(ESP_LOST);
	evlog_join(PROTO_LOG_WARN, "ESP8285 reset: ", why);
	if (esp.was_ready) {
		esp_users_lost();
		host_device_event(PROTO_DEV_ESP_RESET, 0);
	}
	esp.was_ready = false;
}

static void esp_reset_for(uint64_t now, const char *why, uint8_t err)
{
	esp_lost(why, err);
	esp_hold(now);
	if (++esp.resets_in_row > ESP_RESETS_BEFORE_BACKOFF) {
		evlog_join(PROTO_LOG_ERROR, "ESP8285 does not answer; retrying in 5 s", "");
		esp.state = ESP_S_BACKOFF;
		esp.state_until = now + CONFIG_ESP_RESET_BACKOFF_MS * 1000ull;
		esp.resets_in_row = 0;
		if (esp.reset_req) {
			req_answer_err(esp.reset_req, PROTO_EIO);
			esp.reset_req = NULL;
		}
	}
}

/* Reset through WIFI_EN, pausing first when resets keep failing. */
void esp_hard_reset(uint64_t now, const char *why)
{
	esp_reset_for(now, why, PROTO_ECONNRESET);
}

/* Nothing but "busy" for longer than any command runs: the module will not come back by itself. */
static void esp_wedged(uint64_t now)
{
	esp.st.wedged++;
	evlog_num(PROTO_LOG_ERROR, "ESP8285 answered only busy for ", CONFIG_ESP_WEDGED_MS / 1000,
		" s: resetting it");
	host_device_event(PROTO_DEV_ESP_WEDGED, esp.st.wedged);
	esp_reset_for(now, "it stopped answering", PROTO_ENETRESET);
}

void esp_restart(struct req *req)
{
	if (esp.reset_req && esp.reset_req != req)
		req_answer_err(esp.reset_req, PROTO_ECANCELED);
	esp.reset_req = req;
	esp.resets_in_row = 0;
	esp_hard_reset(esp.now, "requested by the host");
}

void esp_host_down(void)
{
	esp.reset_req = NULL;
}

/* The module booted (ready seen, or it answered a probe): configure it from scratch. */
void esp_start_init(void)
{
	esp.state = ESP_S_INIT;
	esp.tries = 0;
	esp.suspect = false;
	esp.rerating = false;
}

void esp_cmd_begin(struct esp_cmd *c, struct txt *t, const struct esp_ops *ops, uint8_t kind,
		   uint32_t timeout_ms)
{
	c->ops = ops;
	c->kind = kind;
	c->link = 0;
	c->arg = 0;
	c->send_len = 0;
	c->timeout_ms = timeout_ms;
	c->len = 0;
	txt_begin(t, c->text, sizeof(c->text));
}

bool esp_cmd_end(struct esp_cmd *c, struct txt *t)
{
	bool ok = txt_end(t);

	c->len = ok ? (uint16_t)t->len : 0;
	return ok;
}

static void esp_issue(uint64_t now)
{
	esp.garbled_pending = false;
	esp.phase = PH_CMD;
	esp.out_off = 0;
	esp.send_accepted = false;
	esp.prompt_seen = false;
	esp.busy_tries = 0;
	esp.resend_at = 0;
	esp.deadline = now + (esp.cmd.send_len ? CONFIG_ESP_CMD_MS : esp.cmd.timeout_ms) * 1000ull;
	esp.st.commands++;
}

void esp_become_ready(void)
{
	esp.state = ESP_S_READY;
	esp.resets_in_row = 0;
	esp.timeouts = 0;
	esp.was_ready = true;
	evlog_num(PROTO_LOG_INFO, "ESP8285 ready at ", esp.baud, " baud");
	if (esp.rerating) {
		/* Only its rate changed: WiFi and sockets carry on, the host heard EV_DEVICE BAUD. */
		esp.rerating = false;
		return;
	}
	esp_users_ready();
	if (esp.reset_req) {
		req_answer_err(esp.reset_req, PROTO_OK);
		esp.reset_req = NULL;
	}
}

/* The next command to run in the current state, or false. */
static bool esp_next(struct esp_cmd *c, uint64_t now)
{
	/* Bringing the module up, and checking it after garbage, comes before any other work. */
	for (unsigned i = 0; i < esp_users.n; i++)
		if (esp_users.u[i]->upkeep && esp_users.u[i]->next && esp_users.u[i]->next(c, now))
			return true;
	if (esp.state != ESP_S_READY || esp.suspect)
		return false;
	/* The others take turns. */
	for (unsigned i = 0; i < esp_users.n; i++) {
		unsigned k = (esp.next_user + i) % esp_users.n;
		const struct esp_user *u = esp_users.u[k];

		if (!u->upkeep && u->next && u->next(c, now)) {
			esp.next_user = (k + 1) % esp_users.n;
			return true;
		}
	}
	return false;
}

/* A reply that ends the command in flight, or moves a CIPSEND on. */
static bool esp_final(const struct at_event *ev, enum esp_result *r)
{
	bool send = esp.cmd.send_len > 0;

	switch (ev->type) {
	case AT_EV_OK:
		if (send)
			return false;
		*r = ESP_OK;
		return true;
	case AT_EV_ERROR:
		*r = ESP_ERROR;
		return true;
	case AT_EV_FAIL:
		*r = ESP_FAIL;
		return true;
	case AT_EV_SEND_OK:
		if (!send || esp.phase != PH_SENT)
			return false;
		*r = ESP_OK;
		return true;
	case AT_EV_SEND_FAIL:
		if (!send || esp.phase != PH_SENT)
			return false;
		*r = ESP_FAIL;
		return true;
	default:
		return false;
	}
}

static void esp_busy(void)
{
	esp.st.busy++;
	if (esp.phase == PH_REPLY && !esp.busy_since)
		esp.busy_since = esp.now;
	if (esp.busy_since && esp.now - esp.busy_since >= CONFIG_ESP_WEDGED_MS * 1000ull) {
		esp_wedged(esp.now);
		return;
	}
	/*
	 * An AT+CIPSEND the module said OK to is waiting for its payload: sent
	 * again, the command line would become payload.  Busy then speaks of
	 * stray bytes, not of the command.
	 */
	if (esp.phase != PH_REPLY || esp.send_accepted || esp.prompt_seen)
		return;
	if (++esp.busy_tries > CONFIG_ESP_BUSY_TRIES) {
		esp_finish(ESP_BUSY);
		return;
	}
	esp.resend_at = esp.now + CONFIG_ESP_BUSY_QUIET_MS * 1000ull;
}

void esp_unexpected_ready(void)
{
	switch (esp.state) {
	case ESP_S_HOLD:
	case ESP_S_BACKOFF:
		return;
	case ESP_S_BOOT:
		esp_start_init();
		return;
	case ESP_S_READY:
		esp_lost("it restarted by itself", PROTO_ECONNRESET);
		esp.st.resets++;
		break;
	default:
		esp_finish(ESP_LOST);
		break;
	}
	/* It rebooted at 115200 with everything forgotten: start over. */
	esp.busy_since = 0;
	esp_set_baud(CONFIG_ESP_BASE_BAUD);
	esp.version = ESP_V_UNKNOWN;
	esp.passive = false;
	esp.dinfo = false;
	esp_start_init();
}

/* Replies that belong to the command in flight. */
static void esp_reply(const struct at_event *ev)
{
	enum esp_result r;

	if (esp.phase == PH_IDLE || esp.phase == PH_CMD) {
		if (ev->type != AT_EV_LINE)
			esp.st.stray++;
		return;
	}
	if (ev->type == AT_EV_PROMPT) {
		if (esp.cmd.send_len == 0 || esp.prompt_seen) {
			esp.st.stray++;
			return;
		}
		esp.prompt_seen = true;
		esp.resend_at = 0;
		esp.phase = PH_DATA;
		esp.out_off = 0;
		esp.deadline = esp.now + esp.cmd.timeout_ms * 1000ull;
		return;
	}
	esp.resend_at = 0;
	if (ev->type == AT_EV_OK && esp.cmd.send_len > 0)
		esp.send_accepted = true;
	if (esp_final(ev, &r)) {
		if (esp.state == ESP_S_READY)
			esp.timeouts = 0;
		/* A command completed: whatever kept the module busy is over. */
		esp.busy_since = 0;
		esp_finish(r);
		return;
	}
	esp.cmd.ops->event(&esp.cmd, ev);
}

static void esp_dispatch(const struct at_event *ev)
{
	switch (ev->type) {
	case AT_EV_READY:
		esp_unexpected_ready();
		return;
	case AT_EV_BUSY_P:
	case AT_EV_BUSY_S:
		if (esp.phase == PH_IDLE)
			esp.st.stray++;
		else
			esp_busy();
		return;
	case AT_EV_WIFI_CONNECTED:
	case AT_EV_WIFI_GOT_IP:
	case AT_EV_WIFI_DISCONNECT:
	case AT_EV_LINK_CONNECT:
	case AT_EV_LINK_CLOSED:
	case AT_EV_LINK_FAIL:
	case AT_EV_IPD_NOTIFY:
		esp_users_urc(ev);
		return;
	case AT_EV_IPD:
		esp.data_to = DATA_IPD;
		esp_users_urc(ev);
		return;
	case AT_EV_RECVDATA:
		if (esp.phase == PH_REPLY) {
			esp.data_to = DATA_CMD;
			esp.cmd.ops->event(&esp.cmd, ev);
		} else {
			esp.data_to = DATA_DROP;
			esp.st.stray++;
		}
		return;
	case AT_EV_DATA:
		if (esp.data_to == DATA_IPD)
			esp_users_urc(ev);
		else if (esp.data_to == DATA_CMD && esp.phase == PH_REPLY)
			esp.cmd.ops->event(&esp.cmd, ev);
		if (ev->end)
			esp.data_to = DATA_NONE;
		return;
	default:
		esp_reply(ev);
		return;
	}
}

/*
 * Garbage where replies should be: the module may have restarted (at the
 * wrong rate, its banner is all it says) or bytes were lost.  The command
 * in flight cannot trust its reply, and a check follows before anything else.
 */
static void esp_garbled(void)
{
	esp.st.noise++;
	if (esp.state != ESP_S_READY)
		return;
	esp_users_garbled();
	esp.suspect = true;
	if (esp.phase == PH_REPLY || esp.phase == PH_SENT)
		esp_finish(ESP_GARBLED);
	else if (esp.phase != PH_IDLE)
		esp.garbled_pending = true;
}

/*
 * Bytes lost to a receive overrun would shift everything after them: the
 * module starts clean.  The port counts an overrun before it stores the
 * bytes after the gap, so a count unchanged after a read means that no byte
 * read follows a gap.  True: what was read must not be used.
 */
static bool esp_check_overruns(void)
{
	uint32_t overruns = port_esp_rx_overruns();

	if (overruns == esp.overruns)
		return false;
	esp.overruns = overruns;
	if (esp.state != ESP_S_READY)
		return false;
	esp_hard_reset(esp.now, "UART receive overrun");
	return true;
}

static void esp_read_input(void)
{
	uint8_t buf[CONFIG_ESP_READ_CHUNK];

	for (unsigned round = 0; round < 16; round++) {
		size_t n = port_esp_read(buf, sizeof(buf)), off = 0;

		if (esp_check_overruns())
			return;
		if (n == 0)
			return;
		esp.last_rx = esp.now;
		if (esp.state == ESP_S_HOLD)
			continue;
		while (off < n) {
			struct at_event ev;
			size_t used = 0;
			enum at_result r = at_feed(&esp.at, buf + off, n - off, &used, &ev);

			off += used;
			if (r == AT_EVENT)
				esp_dispatch(&ev);
			else if (r == AT_BAD)
				esp_garbled();
		}
	}
}

/* Push the command line or the payload out as far as the transmitter takes it. */
static bool esp_write_output(void)
{
	static const char crlf[2] = { '\r', '\n' };

	if (esp.phase == PH_CMD) {
		uint32_t total = esp.cmd.len + 2u;

		while (esp.out_off < total) {
			size_t room = port_esp_tx_room(), n, done;
			const uint8_t *src;

			if (room == 0)
				return false;
			if (esp.out_off < esp.cmd.len) {
				src = (const uint8_t *)esp.cmd.text + esp.out_off;
				n = esp.cmd.len - esp.out_off;
			} else {
				src = (const uint8_t *)crlf + (esp.out_off - esp.cmd.len);
				n = total - esp.out_off;
			}
			if (n > room)
				n = room;
			done = port_esp_write(src, n);
			esp.out_off += (uint32_t)done;
			if (done < n)
				return false;
		}
		esp.phase = PH_REPLY;
		if (esp.garbled_pending && esp.cmd.send_len == 0) {
			esp.garbled_pending = false;
			esp_finish(ESP_GARBLED);
			return true;
		}
	}
	if (esp.phase == PH_DATA) {
		uint8_t buf[CONFIG_ESP_READ_CHUNK];

		while (esp.out_off < esp.cmd.send_len) {
			size_t room = port_esp_tx_room(), n, got, done;

			if (room == 0)
				return false;
			n = esp.cmd.send_len - esp.out_off;
			if (n > room)
				n = room;
			if (n > sizeof(buf))
				n = sizeof(buf);
			got = esp.cmd.ops->payload ? esp.cmd.ops->payload(&esp.cmd, esp.out_off, buf, n) : 0;
			if (got != n) {
				/* The owner lost the bytes it promised: the module waits for them in vain. */
				evlog_join(PROTO_LOG_ERROR, "CIPSEND payload vanished", "");
				esp_hard_reset(esp.now, "send payload lost");
				return true;
			}
			done = port_esp_write(buf, n);
			esp.out_off += (uint32_t)done;
			if (done < n)
				return false;
		}
		esp.phase = PH_SENT;
		if (esp.garbled_pending) {
			esp.garbled_pending = false;
			esp_finish(ESP_GARBLED);
		}
	}
	return true;
}

static void esp_check_timers(uint64_t now)
{
	switch (esp.state) {
	case ESP_S_HOLD:
		if (now >= esp.state_until) {
			port_esp_enable(true);
			esp.state = ESP_S_BOOT;
			esp.state_until = now + CONFIG_ESP_BOOT_MS * 1000ull;
		}
		break;
	case ESP_S_BOOT:
		if (now >= esp.state_until) {
			/* No "ready" (or it drowned in noise): ask. */
			esp.state = ESP_S_PROBE;
			esp.tries = 0;
		}
		break;
	case ESP_S_BACKOFF:
		if (now >= esp.state_until)
			esp_hold(now);
		break;
	case ESP_S_SWITCH:
		if (port_esp_tx_idle()) {
			esp_set_baud(esp.target_baud);
			esp.state = ESP_S_VERIFY;
			esp.tries = 0;
		}
		break;
	default:
		break;
	}
	if (esp.phase != PH_IDLE && now >= esp.deadline) {
		bool counted = esp.state == ESP_S_READY;

		/* A command with no answer at all may still run in the module and explain later busy. */
		esp.busy_since = 0;
		esp_finish(ESP_TIMEOUT);
		if (counted && ++esp.timeouts >= CONFIG_ESP_TIMEOUTS_MAX)
			esp_hard_reset(now, "commands time out");
	}
	if (esp.phase == PH_REPLY && esp.resend_at && now >= esp.resend_at) {
		/* The module refused it while busy: say it again. */
		esp.resend_at = 0;
		esp.phase = PH_CMD;
		esp.out_off = 0;
		esp.deadline = now + (esp.cmd.send_len ? CONFIG_ESP_CMD_MS : esp.cmd.timeout_ms) * 1000ull;
	}
}

void esp_init(uint64_t now)
{
	memset(&esp, 0, sizeof(esp));
	memset(&esp_users, 0, sizeof(esp_users));
	at_init(&esp.at);
	esp.now = now;
	esp_hold(now);
	esp.st.resets = 0;
}

uint64_t esp_poll(uint64_t now)
{
	uint64_t next = now + 1000000ull;
	bool flushed;

	esp.now = now;
	esp_read_input();
	if (at_in_data(&esp.at) && now - esp.last_rx > CONFIG_ESP_DATA_STALL_MS * 1000ull) {
		/* The data stopped halfway: whatever comes next is no longer part of it. */
		evlog_join(PROTO_LOG_WARN, "ESP reply data stalled", "");
		at_reset(&esp.at);
		esp.data_to = DATA_NONE;
		esp_garbled();
	}
	esp_check_overruns();
	esp_check_timers(now);
	for (unsigned i = 0; i < 4; i++) {
		if (esp.phase == PH_IDLE) {
			if (!esp_next(&esp.cmd, now))
				break;
			esp_issue(now);
		}
		flushed = esp_write_output();
		if (!flushed || esp.phase != PH_IDLE)
			break;
	}
	if (esp.phase == PH_CMD || esp.phase == PH_DATA)
		next = now + ESP_TX_RETRY_US;
	if (esp.phase != PH_IDLE && esp.deadline < next)
		next = esp.deadline;
	if (esp.resend_at && esp.resend_at < next)
		next = esp.resend_at;
	if ((esp.state == ESP_S_HOLD || esp.state == ESP_S_BOOT || esp.state == ESP_S_BACKOFF) &&
	    esp.state_until < next)
		next = esp.state_until;
	if (at_in_data(&esp.at) && esp.last_rx + CONFIG_ESP_DATA_STALL_MS * 1000ull + 1 < next)
		next = esp.last_rx + CONFIG_ESP_DATA_STALL_MS * 1000ull + 1;
	if (esp.state == ESP_S_SWITCH)
		next = now + ESP_TX_RETRY_US;
	return next;
}

uint64_t esp_now(void)
{
	return esp.now;
}

bool esp_ready(void)
{
	return esp.state == ESP_S_READY;
}

enum esp_version esp_version(void)
{
	return esp.version;
}

bool esp_passive(void)
{
	return esp.passive;
}

bool esp_dinfo(void)
{
	return esp.dinfo;
}

uint32_t esp_baud(void)
{
	return esp.baud;
}

const char *esp_at_version(void)
{
	return esp.at_version;
}

const char *esp_sdk_version(void)
{
	return esp.sdk_version;
}

const char *esp_cur(void)
{
	return esp.version == ESP_V2 ? "" : "_CUR";
}

void esp_get_stats(struct esp_stats *st)
{
	*st = esp.st;
}

uint8_t esp_lost_err(void)
{
	return esp.lost_err ? esp.lost_err : PROTO_ECONNRESET;
}
