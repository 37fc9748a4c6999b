#include <string.h>

#include "evlog.h"
#include "proto.h"
#include "req.h"
#include "sock_serve.h"
#include "sock_int.h"
#include "txt.h"
#include "wifi.h"

enum sock_serve_kind {
	V_STATUS = 1,
	V_SERVER,
	V_UNSERVE,
	V_STO,
	V_REFUSE,
};

static const struct esp_ops sock_serve_ops;

static bool sock_serve_listener_cmd(struct esp_cmd *c)
{
	struct sock_listener *l = &sk.lis;
	struct txt t;

	if (l->busy)
		return false;
	if (l->state == LIS_STARTING) {
		if (wifi_settling())
			return false;
		esp_cmd_begin(c, &t, &sock_serve_ops, V_SERVER, CONFIG_ESP_CMD_MS);
		txt_str(&t, "AT+CIPSERVER=1,");
		txt_u32_put(&t, l->port);
		if (l->req)
			l->req->started = true;
	} else if (l->state == LIS_ACTIVE && l->sto_due) {
		esp_cmd_begin(c, &t, &sock_serve_ops, V_STO, CONFIG_ESP_CMD_MS);
		txt_str(&t, "AT+CIPSTO=");
		txt_u32_put(&t, l->sto);
		if (l->sto_req)
			l->sto_req->started = true;
	} else if (l->state == LIS_STOPPING) {
		esp_cmd_begin(c, &t, &sock_serve_ops, V_UNSERVE, CONFIG_ESP_CMD_MS);
		txt_str(&t, "AT+CIPSERVER=0");
	} else {
		return false;
	}
	if (!esp_cmd_end(c, &t))
		return false;
	l->busy = true;
	return true;
}

static bool sock_serve_accepting(void)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++)
		if (sk.s[i].state == SOCK_ACCEPTING)
			return true;
	return false;
}

bool sock_serve_next(struct esp_cmd *c)
{
	struct txt t;

	if (!sk.status_busy && sock_serve_accepting()) {
		/* Who connected: the remote address only shows in AT+CIPSTATUS. */
		esp_cmd_begin(c, &t, &sock_serve_ops, V_STATUS, CONFIG_ESP_CMD_MS);
		txt_str(&t, "AT+CIPSTATUS");
		sk.status_busy = esp_cmd_end(c, &t);
		/* A client that arrives while the reply runs may be missing from it: it waits for the next. */
		for (unsigned i = 0; i < SOCK_SLOTS; i++)
			sk.s[i].status_asked = sk.status_busy && sk.s[i].state == SOCK_ACCEPTING;
		return sk.status_busy;
	}
	for (uint8_t l = 0; l < CONFIG_LINKS; l++) {
		if (!(sk.refuse_mask & 1u << l) || sk.link_slot[l] != SOCK_NONE)
			continue;
		sk.refuse_mask &= (uint8_t)~(1u << l);
		esp_cmd_begin(c, &t, &sock_serve_ops, V_REFUSE, CONFIG_ESP_CMD_MS);
		c->link = l;
		txt_str(&t, "AT+CIPCLOSE=");
		txt_u32_put(&t, l);
		return esp_cmd_end(c, &t);
	}
	return sock_serve_listener_cmd(c);
}

/* "+CIPSTATUS:<id>,"TCP","<ip>",<rport>,<lport>,<tetype>" */
static void sock_serve_take_status(const char *line)
{
	const char *p = line, *end = line + strlen(line);
	uint32_t link, rport, lport;
	char type[8];
	uint8_t ip[4];
	struct sock *s;

	if (!txt_lit(&p, end, "+CIPSTATUS:") || !txt_u32(&p, end, CONFIG_LINKS - 1, &link) ||
	    !txt_char(&p, end, ',') || !txt_quoted(&p, end, type, sizeof(type)) || !txt_char(&p, end, ',') ||
	    !txt_char(&p, end, '"') || !txt_ipv4(&p, end, ip) || !txt_char(&p, end, '"') ||
	    !txt_char(&p, end, ',') || !txt_u32(&p, end, 65535, &rport) || !txt_char(&p, end, ',') ||
	    !txt_u32(&p, end, 65535, &lport))
		return;
	s = sock_of_link((uint8_t)link);
	if (!s || s->state != SOCK_ACCEPTING)
		return;
	memcpy(s->remote.ip, ip, 4);
	s->remote.port = (uint16_t)rport;
	s->local_port = (uint16_t)lport;
}

static void sock_serve_event(struct esp_cmd *c, const struct at_event *ev)
{
	if (c->kind == V_STATUS && ev->type == AT_EV_LINE)
		sock_serve_take_status(ev->text);
}

static void sock_serve_status_done(enum esp_result r)
{
	sk.status_busy = false;
	/* A damaged answer is asked again. */
	if (r == ESP_GARBLED || r == ESP_BUSY)
		return;
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];

		if (s->state != SOCK_ACCEPTING || !s->status_asked)
			continue;
		s->status_asked = false;
		s->state = SOCK_OPEN;
		s->host_knows = true;
		s->announce = true;
	}
}

static void sock_serve_listener_done(uint8_t kind, enum esp_result r)
{
	struct sock_listener *l = &sk.lis;
	uint8_t err = r == ESP_OK ? PROTO_OK : r == ESP_TIMEOUT ? PROTO_ETIMEDOUT : PROTO_EIO;

	l->busy = false;
	if (r == ESP_LOST)
		return;
	/* A damaged answer leaves the outcome unknown: the command goes again (it is idempotent). */
	if (r == ESP_GARBLED)
		r = ESP_BUSY;
	switch (kind) {
	case V_SERVER:
		if (r == ESP_BUSY) {
			if (l->req)
				l->req->started = false;
			return;
		}
		if (l->req)
			req_answer_err(l->req, r == ESP_ERROR ? PROTO_EADDRINUSE : err);
		l->req = NULL;
		if (r == ESP_OK) {
			l->state = LIS_ACTIVE;
		} else {
			memset(l, 0, sizeof(*l));
			l->close_err = SOCK_NO_ERR;
		}
		break;
	case V_STO:
		if (r == ESP_BUSY)
			return;
		l->sto_due = false;
		if (l->sto_req)
			req_answer_err(l->sto_req, err);
		l->sto_req = NULL;
		break;
	default:
		if (r == ESP_BUSY)
			return;
		if (l->req)
			req_answer_err(l->req, PROTO_OK);
		memset(l, 0, sizeof(*l));
		l->close_err = SOCK_NO_ERR;
		break;
	}
}

static void sock_serve_done(struct esp_cmd *c, enum esp_result r)
{
	switch (c->kind) {
	case V_STATUS:
		sock_serve_status_done(r);
		break;
	case V_REFUSE:
		if (r == ESP_TIMEOUT || r == ESP_GARBLED)
			sk.stale[c->link] = true;
		break;
	default:
		sock_serve_listener_done(c->kind, r);
		break;
	}
}

static const struct esp_ops sock_serve_ops = {
	.event = sock_serve_event,
	.done = sock_serve_done,
};

/* "<link>,CONNECT" nobody asked for: a client of the listening socket. */
void sock_serve_incoming(uint8_t link)
{
	struct sock *s = sock_of_link(link);

	if (s && s->state == SOCK_CONNECTING && s->busy)
		return;
	if (s && s->state == SOCK_CONNECTING) {
		/* The module took the link we had in mind for a queued CONNECT. */
		sock_relocate(s);
	} else if (s) {
		/* The module reused a link we still hold: our socket lost it without a word. */
		if (s->state == SOCK_DRAINING && (s->esp_pending || s->recvlen_due)) {
			s->close_err = PROTO_ECONNRESET;
			s->esp_pending = 0;
			s->recvlen_due = false;
		}
		s->esp_open = false;
		if (s->state == SOCK_OPEN)
			sock_fail(s, PROTO_ECONNRESET);
		sock_unlink(s);
		sock_settle(s);
	}
	if (!sock_accept(link)) {
		sk.st.refused++;
		sk.refuse_mask |= (uint8_t)(1u << link);
		evlog_join(PROTO_LOG_WARN, "incoming connection refused: no listener or no free socket", "");
	}
}

void sock_serve_lost(void)
{
	sk.refuse_mask = 0;
	sk.status_busy = false;
	if (sk.lis.state != LIS_NONE) {
		struct req *r = sk.lis.req;

		if (r)
			req_answer_err(r, r->m.type == PROTO_CLOSE ? PROTO_OK : esp_lost_err());
		if (sk.lis.sto_req)
			req_answer_err(sk.lis.sto_req, esp_lost_err());
		/* The host learns of a listener it still believes in. */
		if (sk.lis.state == LIS_ACTIVE && !(r && r->m.type == PROTO_CLOSE)) {
			sk.lis.closed_id = sk.lis.id;
			sk.lis.close_err = esp_lost_err();
		}
		sk.lis.state = LIS_NONE;
		sk.lis.req = NULL;
		sk.lis.sto_req = NULL;
		sk.lis.busy = false;
		sk.lis.sto_due = false;
	}
}
