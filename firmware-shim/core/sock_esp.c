#include <string.h>

#include "at.h"
#include "esp.h"
#include "evlog.h"
#include "proto.h"
#include "req.h"
#include "sock.h"
#include "sock_serve.h"
#include "sock_int.h"
#include "txt.h"
#include "wifi.h"

enum sock_esp_kind {
	C_RECLOSE = 1,
	C_SSLSIZE,
	C_START,
	C_CLOSE,
	C_SEND,
	C_RECV,
	C_RECVLEN,
};

static const struct esp_ops sock_esp_ops;
static const struct esp_user sock_esp_control_user, sock_esp_data_user;
static struct sock *sock_esp_slot(const struct esp_cmd *c)
{
	return &sk.s[c->arg];
}


static bool sock_esp_link_cmd(struct esp_cmd *c, struct sock *s, uint8_t kind, uint32_t timeout_ms,
			  const char *what)
{
	struct txt t;

	esp_cmd_begin(c, &t, &sock_esp_ops, kind, timeout_ms);
	c->arg = (uint32_t)(s - sk.s);
	c->link = s->link;
	txt_str(&t, what);
	txt_u32_put(&t, s->link);
	if (!esp_cmd_end(c, &t))
		return false;
	s->busy = true;
	return true;
}

static bool sock_esp_start_cmd(struct esp_cmd *c, struct sock *s)
{
	static const uint8_t any[4] = { 0, 0, 0, 0 };
	const struct msg *m = &s->req->m;
	struct txt t;

	esp_cmd_begin(c, &t, &sock_esp_ops, C_START, CONFIG_ESP_CONNECT_MS);
	c->arg = (uint32_t)(s - sk.s);
	c->link = s->link;
	txt_str(&t, "AT+CIPSTART=");
	txt_u32_put(&t, s->link);
	if (s->bound) {
		/* Mode 2 with remote 0.0.0.0: every sender becomes the remote (recvfrom/sendto). */
		txt_str(&t, ",\"UDP\",\"");
		txt_ip_put(&t, any);
		txt_str(&t, "\",0,");
		txt_u32_put(&t, s->local_port);
		txt_str(&t, ",2");
	} else {
		txt_str(&t, s->kind == PROTO_KIND_TLS ? ",\"SSL\"," : s->kind == PROTO_KIND_UDP ? ",\"UDP\","
												 : ",\"TCP\",");
		txt_quote_put(&t, m->u.connect.host);
		txt_str(&t, ",");
		txt_u32_put(&t, m->u.connect.port);
		if (s->kind == PROTO_KIND_UDP) {
			txt_str(&t, ",");
			txt_u32_put(&t, s->local_port);
			txt_str(&t, ",0");
		} else if (s->keepalive) {
			txt_str(&t, ",");
			txt_u32_put(&t, s->keepalive);
		}
	}
	if (!esp_cmd_end(c, &t))
		return false;
	s->busy = true;
	s->fail_seen = s->dns_fail = s->no_ip = s->already = false;
	return true;
}

/* The next step of a CONNECT / UDP_BIND, or false if it must wait. */
static bool sock_esp_connect_step(struct esp_cmd *c, struct sock *s)
{
	struct txt t;

	if (s->cancel || !s->req) {
		/* Closed by the host, or its session ended, between two steps. */
		req_answer_err(s->req, PROTO_ECANCELED);
		req_answer_err(s->close_req, PROTO_OK);
		sock_free(s);
		return false;
	}
	if (wifi_settling())
		return false;
	if (wifi_state() != PROTO_WIFI_GOT_IP) {
		req_answer_err(s->req, PROTO_ENETDOWN);
		sock_free(s);
		return false;
	}
	s->req->started = true;
	switch (s->step) {
	case SOCK_STEP_RECLOSE:
		if (sock_esp_link_cmd(c, s, C_RECLOSE, CONFIG_ESP_CMD_MS, "AT+CIPCLOSE="))
			return true;
		break;
	case SOCK_STEP_SSLSIZE:
		esp_cmd_begin(c, &t, &sock_esp_ops, C_SSLSIZE, CONFIG_ESP_CMD_MS);
		c->arg = (uint32_t)(s - sk.s);
		txt_str(&t, "AT+CIPSSLSIZE=");
		txt_u32_put(&t, s->tls_size);
		if (esp_cmd_end(c, &t)) {
			s->busy = true;
			return true;
		}
		break;
	default:
		if (sock_esp_start_cmd(c, s))
			return true;
		break;
	}
	/* A command that does not fit its buffer cannot be sent: the request cannot be served. */
	req_answer_err(s->req, PROTO_EINVAL);
	sock_free(s);
	return false;
}

static bool sock_esp_next_control(struct esp_cmd *c, uint64_t now)
{
	(void)now;
	if (sock_serve_next(c))
		return true;
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		unsigned n = (sk.ctl_rr + i) % SOCK_SLOTS;
		struct sock *s = &sk.s[n];
		bool got = false;

		if (s->busy)
			continue;
		if (s->state == SOCK_CONNECTING)
			got = sock_esp_connect_step(c, s);
		else if (s->state == SOCK_CLOSING && s->esp_open && s->link != SOCK_NONE)
			got = sock_esp_link_cmd(c, s, C_CLOSE, CONFIG_ESP_CMD_MS, "AT+CIPCLOSE=");
		if (got) {
			sk.ctl_rr = (n + 1) % SOCK_SLOTS;
			return true;
		}
	}
	return false;
}

/* Is there data for the module to read or to send on this socket? */
static bool sock_esp_has_work(const struct sock *s)
{
	if (s->link == SOCK_NONE)
		return false;
	if (s->state == SOCK_OPEN && (s->kind == PROTO_KIND_UDP ? s->dq_count > 0 : ring_used(&s->tx) > 0))
		return true;
	return sock_passive_stream(s) && sock_receiving(s) && s->esp_pending > 0;
}

bool sock_esp_shared(void)
{
	bool busy = false, quiet = false;

	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		const struct sock *s = &sk.s[i];

		if (s->link == SOCK_NONE || s->state != SOCK_OPEN)
			continue;
		if (sock_esp_has_work(s))
			busy = true;
		else
			quiet = true;
	}
	return busy && quiet;
}

/*
 * want, cut to the largest send or read for s now.  The module's UART carries
 * one command at a time: while another socket is open with nothing to move
 * (an interactive connection between its messages), pieces are at most
 * shared bytes, so that its next few bytes wait for less of a bulk
 * transfer's exchange (the fair order puts them next).  Bulk transfers alone
 * keep the full chunk and its lower cost per byte.
 */
static uint32_t sock_esp_chunk(const struct sock *s, uint32_t want, uint32_t shared)
{
	uint32_t chunk = CONFIG_ESP_CHUNK;

	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		const struct sock *o = &sk.s[i];

		if (o != s && o->link != SOCK_NONE && o->state == SOCK_OPEN && !sock_esp_has_work(o)) {
			chunk = shared;
			break;
		}
	}
	return want < chunk ? want : chunk;
}

static bool sock_esp_send_cmd(struct esp_cmd *c, struct sock *s)
{
	const struct sock_dgram *d = NULL;
	uint32_t n;
	struct txt t;

	if (s->kind == PROTO_KIND_UDP) {
		if (s->dq_count == 0)
			return false;
		d = &s->dq[s->dq_head];
		n = d->len;
	} else {
		n = ring_used(&s->tx);
		if (n == 0)
			return false;
		n = sock_esp_chunk(s, n, CONFIG_ESP_SHARED_SEND);
	}
	esp_cmd_begin(c, &t, &sock_esp_ops, C_SEND, CONFIG_ESP_SEND_MS);
	c->arg = (uint32_t)(s - sk.s);
	c->link = s->link;
	c->send_len = n;
	txt_str(&t, "AT+CIPSEND=");
	txt_u32_put(&t, s->link);
	txt_str(&t, ",");
	txt_u32_put(&t, n);
	if (d && d->has_addr) {
		txt_str(&t, ",\"");
		txt_ip_put(&t, d->addr.ip);
		txt_str(&t, "\",");
		txt_u32_put(&t, d->addr.port);
	}
	if (!esp_cmd_end(c, &t))
		return false;
	s->busy = true;
	s->sending = n;
	return true;
}

static bool sock_esp_read_cmd(struct esp_cmd *c, struct sock *s)
{
	uint32_t n = sock_read_budget(s);
	struct txt t;

	if (!sock_passive_stream(s) || !sock_receiving(s) || s->esp_pending == 0 || s->recvlen_due || n == 0)
		return false;
	n = sock_esp_chunk(s, n, CONFIG_ESP_SHARED_READ);
	esp_cmd_begin(c, &t, &sock_esp_ops, C_RECV, CONFIG_ESP_CMD_MS);
	c->arg = (uint32_t)(s - sk.s);
	c->link = s->link;
	txt_str(&t, "AT+CIPRECVDATA=");
	txt_u32_put(&t, s->link);
	txt_str(&t, ",");
	txt_u32_put(&t, n);
	if (!esp_cmd_end(c, &t))
		return false;
	s->busy = true;
	s->reading = n;
	s->read_got = 0;
	return true;
}

/* Is a look at AT+CIPRECVLEN? due: after a close, or when garbage may have hidden a notification. */
static bool sock_esp_recvlen_due(void)
{
	if (!esp_passive())
		return false;
	if (sk.recvlen_due)
		return true;
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		const struct sock *s = &sk.s[i];

		if (s->link != SOCK_NONE && s->recvlen_due && sock_passive_stream(s) && sock_receiving(s))
			return true;
	}
	return false;
}

/* Bytes a command moves, as the fair queue counts them: what the module holds
 * for a read, the payload of a send, and something for the exchange itself. */
static uint32_t sock_esp_cost(const struct esp_cmd *c, const struct sock *s)
{
	uint32_t n = c->kind == C_SEND ? s->sending : s->reading;

	if (c->kind == C_RECV && s->esp_pending < n)
		n = s->esp_pending;
	return n + CONFIG_ESP_CMD_COST;
}

static bool sock_esp_try_flow(struct esp_cmd *c, unsigned flow)
{
	struct sock *s = &sk.s[flow / 2];

	if (s->busy || s->link == SOCK_NONE)
		return false;
	if (flow % 2 == 0)
		return s->state == SOCK_OPEN && sock_esp_send_cmd(c, s);
	return sock_esp_read_cmd(c, s);
}

/*
 * Sends and reads of all sockets in fair order: the flow that had the least
 * of the module's UART lately goes first, so an interactive socket's few
 * bytes go before the next chunk of a bulk transfer.
 */
static bool sock_esp_next_data(struct esp_cmd *c, uint64_t now)
{
	unsigned order[2 * SOCK_SLOTS];
	struct txt t;

	(void)now;
	for (unsigned i = 0; i < 2 * SOCK_SLOTS; i++) {
		unsigned f = (sk.data_rr + i) % (2 * SOCK_SLOTS), j = i;

		/* Insertion sort by tag; equal tags keep their turn after the last served. */
		for (; j > 0 && fairq_before(&sk.esp_fq, f, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = f;
	}
	for (unsigned i = 0; i < 2 * SOCK_SLOTS; i++) {
		if (sock_esp_try_flow(c, order[i])) {
			fairq_charge(&sk.esp_fq, order[i], sock_esp_cost(c, &sk.s[order[i] / 2]));
			sk.data_rr = (order[i] + 1) % (2 * SOCK_SLOTS);
			return true;
		}
	}
	if (!sock_esp_recvlen_due())
		return false;
	esp_cmd_begin(c, &t, &sock_esp_ops, C_RECVLEN, CONFIG_ESP_CMD_MS);
	txt_str(&t, "AT+CIPRECVLEN?");
	return esp_cmd_end(c, &t);
}

static size_t sock_esp_payload(struct esp_cmd *c, uint32_t off, uint8_t *buf, size_t cap)
{
	struct sock *s = sock_esp_slot(c);

	if (c->kind != C_SEND || off + cap > s->sending)
		return 0;
	return ring_peek(&s->tx, off, buf, (uint32_t)cap);
}

/* "+CIPRECVLEN:<l0>,...,<l4>" (-1 for an unused link in 2.x). */
static void sock_esp_take_recvlen(const char *line)
{
	const char *p = line, *end = line + strlen(line);
	int32_t v[CONFIG_LINKS];

	if (!txt_lit(&p, end, "+CIPRECVLEN:"))
		return;
	for (unsigned l = 0; l < CONFIG_LINKS; l++) {
		if ((l > 0 && !txt_char(&p, end, ',')) || !txt_i32(&p, end, -1, 0x7fffffff, &v[l]))
			return;
	}
	for (uint8_t l = 0; l < CONFIG_LINKS; l++) {
		struct sock *s = sock_of_link(l);

		if (!s || !sock_passive_stream(s) || !sock_receiving(s))
			continue;
		s->esp_pending = v[l] > 0 ? (uint32_t)v[l] : 0;
		s->recvlen_due = false;
	}
}

static void sock_esp_read_data(struct sock *s, const struct at_event *ev)
{
	uint32_t room = s->reading > s->read_got ? s->reading - s->read_got : 0;
	uint32_t n = ev->len < room ? (uint32_t)ev->len : room;

	/* Held back until the OK that ends the reply vouches for it. */
	if (sock_receiving(s))
		s->uncommitted += pool_put(&s->rx, ev->data, n);
	s->read_got += (uint32_t)ev->len;
}

static void sock_esp_event(struct esp_cmd *c, const struct at_event *ev)
{
	struct sock *s = c->arg < SOCK_SLOTS ? sock_esp_slot(c) : NULL;

	switch (c->kind) {
	case C_START:
		if (ev->type == AT_EV_DNS_FAIL)
			s->dns_fail = true;
		else if (ev->type == AT_EV_NO_IP)
			s->no_ip = true;
		else if (ev->type == AT_EV_ALREADY)
			s->already = true;
		break;
	case C_RECV:
		if (ev->type == AT_EV_DATA)
			sock_esp_read_data(s, ev);
		else if (ev->type == AT_EV_LINK_INVALID)
			s->esp_pending = 0;
		break;
	case C_RECVLEN:
		if (ev->type == AT_EV_LINE)
			sock_esp_take_recvlen(ev->text);
		break;
	default:
		break;
	}
}

static uint8_t sock_esp_start_error(const struct sock *s, enum esp_result r)
{
	if (r == ESP_TIMEOUT)
		return PROTO_ETIMEDOUT;
	if (r == ESP_BUSY)
		return PROTO_EAGAIN;
	if (r == ESP_GARBLED)
		return PROTO_EIO;
	if (s->dns_fail)
		return PROTO_ENOHOST;
	if (s->no_ip)
		return PROTO_ENETDOWN;
	if (s->already)
		return s->kind == PROTO_KIND_TLS ? PROTO_EBUSY : PROTO_EIO;
	/* "<id>,CONNECT FAIL", or a plain ERROR (what NonOS AT says for a refused TCP connect). */
	if (s->fail_seen || s->kind != PROTO_KIND_UDP)
		return PROTO_ECONNREFUSED;
	/*
	 * A plain ERROR to a UDP link says nothing about why: a build without
	 * UDP, arguments it rejects.  (A local port taken by another socket of
	 * ours is refused before the module is asked.)
	 */
	return PROTO_EUDPREFUSED;
}

static void sock_esp_start_done(struct sock *s, enum esp_result r, const struct esp_cmd *c)
{
	struct msg resp;

	if (r == ESP_LOST)
		return;
	if (r == ESP_OK) {
		s->esp_open = true;
		if (s->cancel) {
			if (s->req)
				req_answer_err(s->req, PROTO_ECANCELED);
			s->req = NULL;
			s->state = SOCK_CLOSING;
			return;
		}
		s->state = SOCK_OPEN;
		s->host_knows = true;
		s->recvlen_due = false;
		msg_init_response(&resp, &s->req->m, PROTO_OK);
		resp.u.opened.tx_window = CONFIG_SOCK_TX_RING;
		resp.u.opened.local_port = s->kind == PROTO_KIND_UDP ? s->local_port : 0;
		req_answer(s->req, &resp);
		s->req = NULL;
		sk.st.opened++;
		/* The remote was quicker than the OK: the socket opens and closes at once. */
		if (s->closed_early)
			sock_urc_closed(s->link);
		return;
	}
	/* A link the module still holds: close it and try once more. */
	if (s->already && s->kind != PROTO_KIND_TLS && s->retries++ == 0 && !s->cancel) {
		s->step = SOCK_STEP_RECLOSE;
		return;
	}
	if (r == ESP_TIMEOUT || r == ESP_GARBLED)
		sk.stale[s->link] = true;
	if (s->kind == PROTO_KIND_UDP && (r == ESP_ERROR || r == ESP_FAIL))
		evlog_join(PROTO_LOG_WARN, c->text, " answered ERROR: the module refused the UDP socket");
	if (s->req)
		req_answer_err(s->req, s->cancel ? PROTO_ECANCELED : sock_esp_start_error(s, r));
	if (s->close_req)
		req_answer_err(s->close_req, PROTO_OK);
	sock_free(s);
}

static void sock_esp_send_done(struct sock *s, enum esp_result r)
{
	uint32_t n = s->sending;

	s->sending = 0;
	switch (r) {
	case ESP_OK:
		ring_drop(&s->tx, n);
		if (s->kind == PROTO_KIND_UDP) {
			s->dq_head = (uint8_t)((s->dq_head + 1) % CONFIG_SOCK_DGRAMS);
			s->dq_count--;
		}
		s->credit_due += n;
		break;
	case ESP_BUSY:
	case ESP_LOST:
		/* Nothing was sent (busy) or the socket is failing anyway (lost). */
		break;
	case ESP_GARBLED:
		/* Whether the module took the payload is unknown: never send it twice. */
		if (s->kind == PROTO_KIND_UDP) {
			ring_drop(&s->tx, n);
			s->dq_head = (uint8_t)((s->dq_head + 1) % CONFIG_SOCK_DGRAMS);
			s->dq_count--;
			s->credit_due += n;
			sk.st.udp_dropped++;
		} else {
			s->damaged = true;
		}
		break;
	default:
		if (s->kind == PROTO_KIND_UDP) {
			sk.st.udp_dropped++;
			ring_drop(&s->tx, n);
			s->dq_head = (uint8_t)((s->dq_head + 1) % CONFIG_SOCK_DGRAMS);
			s->dq_count--;
			s->credit_due += n;
		} else if (s->state == SOCK_OPEN) {
			sock_fail(s, r == ESP_TIMEOUT ? PROTO_ETIMEDOUT : PROTO_ECONNRESET);
		} else if (s->state == SOCK_DRAINING && s->close_err == PROTO_OK) {
			/* The remote closed first: what the host sent never arrived. */
			s->close_err = PROTO_EPIPE;
		}
		break;
	}
	if (s->state == SOCK_DRAINING)
		ring_clear(&s->tx);
}

static void sock_esp_recv_done(struct sock *s, enum esp_result r)
{
	uint32_t asked = s->reading, got = s->read_got, held = s->uncommitted;

	s->reading = 0;
	s->uncommitted = 0;
	if (r == ESP_OK && got <= asked) {
		if (got == asked) {
			/* A full read may have left more behind, whatever the notifications said. */
			s->esp_pending = s->esp_pending > got ? s->esp_pending - got : 1;
		} else {
			/* A short read emptied the module's buffer. */
			s->esp_pending = 0;
		}
		return;
	}
	/* Nothing confirmed what arrived: it is taken back, and the socket cannot go on whole. */
	pool_unput(&s->rx, held);
	switch (r) {
	case ESP_LOST:
		return;
	case ESP_BUSY:
		/* The read never ran. */
		return;
	case ESP_GARBLED:
		s->damaged = true;
		return;
	case ESP_ERROR:
	case ESP_FAIL:
		/* Nothing is buffered (or the link is gone). */
		s->esp_pending = 0;
		if (!held)
			return;
		/* fall through */
	default:
		sock_fail(s, PROTO_EIO);
		return;
	}
}

static void sock_esp_done(struct esp_cmd *c, enum esp_result r)
{
	struct sock *s = c->arg < SOCK_SLOTS ? sock_esp_slot(c) : NULL;

	switch (c->kind) {
	case C_RECVLEN:
		if (r != ESP_LOST && r != ESP_BUSY && r != ESP_GARBLED) {
			sk.recvlen_due = false;
			for (unsigned i = 0; i < SOCK_SLOTS; i++)
				sk.s[i].recvlen_due = false;
		}
		return;
	default:
		break;
	}
	s->busy = false;
	switch (c->kind) {
	case C_RECLOSE:
		if (r == ESP_LOST)
			return;
		sk.stale[c->link] = r == ESP_TIMEOUT || r == ESP_GARBLED;
		s->step = s->tls_size ? SOCK_STEP_SSLSIZE : SOCK_STEP_START;
		return;
	case C_SSLSIZE:
		if (r == ESP_LOST)
			return;
		if (r != ESP_OK) {
			/* The buffer size asked for cannot be had: never pretend it was. */
			req_answer_err(s->req, PROTO_ENOTSUP);
			if (s->close_req)
				req_answer_err(s->close_req, PROTO_OK);
			sock_free(s);
			return;
		}
		s->step = SOCK_STEP_START;
		return;
	case C_START:
		sock_esp_start_done(s, r, c);
		return;
	case C_CLOSE:
		if (r == ESP_LOST || r == ESP_BUSY)
			return;
		/* OK, or UNLINK/ERROR for a link already gone: either way it is closed. */
		if (r == ESP_TIMEOUT || r == ESP_GARBLED)
			sk.stale[c->link] = true;
		s->esp_open = false;
		break;
	case C_SEND:
		sock_esp_send_done(s, r);
		break;
	case C_RECV:
		sock_esp_recv_done(s, r);
		break;
	default:
		break;
	}
	sock_settle(s);
}

static const struct esp_ops sock_esp_ops = {
	.event = sock_esp_event,
	.done = sock_esp_done,
	.payload = sock_esp_payload,
};

/* Opening and closing links (and the listener) take turns with sends and reads. */
static const struct esp_user sock_esp_control_user = {
	.next = sock_esp_next_control,
	.urc = sock_urc_handle,
	.lost = sock_urc_lost,
	.garbled = sock_urc_garbled,
	.sound = sock_urc_sound,
	.quiet = sock_urc_quiet_open,
};

static const struct esp_user sock_esp_data_user = {
	.next = sock_esp_next_data,
};

void sock_esp_init(void)
{
	esp_register(&sock_esp_control_user);
	esp_register(&sock_esp_data_user);
}
