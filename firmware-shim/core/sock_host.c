#include <string.h>

#include "config.h"
#include "esp.h"
#include "evlog.h"
#include "host.h"
#include "msg.h"
#include "pool.h"
#include "proto.h"
#include "req.h"
#include "ring.h"
#include "sock.h"
#include "sock_int.h"
#include "wifi.h"

/* AT+CIPSTART keepalive and AT+CIPSTO accept 0..7200 seconds. */
#define SOCK_SECONDS_MAX 7200
#define SOCK_TLS_MIN 2048
#define SOCK_TLS_MAX 4096
/* Credit beyond this is nonsense from the host: clamp rather than wrap. */
#define SOCK_CREDIT_MAX 0x40000000u

/* SETSOCKOPT values for ids that are not connected yet. */
static struct sock_host_opts {
	bool used;
	uint16_t id;
	bool has_keepalive, has_tls, has_sto;
	uint32_t keepalive, sto;
	uint16_t tls;
} sock_host_opts[CONFIG_PENDING_OPTS];

/* Ids whose EV_CLOSED went out recently: a CLOSE that crossed it still succeeds. */
static struct {
	uint16_t id[CONFIG_RECENT_CLOSED];
	unsigned next;
} sock_host_recent;

void sock_host_init(void)
{
	memset(sock_host_opts, 0, sizeof(sock_host_opts));
	memset(&sock_host_recent, 0, sizeof(sock_host_recent));
}

/* The socket the host addresses by id (one it knows about). */
static struct sock *sock_host_find(uint16_t id)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];

		if (s->state != SOCK_FREE && s->id == id && (s->host_knows || s->state == SOCK_CONNECTING))
			return s;
	}
	return NULL;
}

static void sock_host_recent_add(uint16_t id)
{
	sock_host_recent.id[sock_host_recent.next] = id;
	sock_host_recent.next = (sock_host_recent.next + 1) % CONFIG_RECENT_CLOSED;
}

static bool sock_host_recent_take(uint16_t id)
{
	for (unsigned i = 0; i < CONFIG_RECENT_CLOSED; i++) {
		if (id != 0 && sock_host_recent.id[i] == id) {
			sock_host_recent.id[i] = 0;
			return true;
		}
	}
	return false;
}

static struct sock_host_opts *sock_host_opts_find(uint16_t id, bool create)
{
	struct sock_host_opts *free_slot = NULL;

	for (unsigned i = 0; i < CONFIG_PENDING_OPTS; i++) {
		if (sock_host_opts[i].used && sock_host_opts[i].id == id)
			return &sock_host_opts[i];
		if (!sock_host_opts[i].used && !free_slot)
			free_slot = &sock_host_opts[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->id = id;
	return free_slot;
}

static bool sock_host_name_ok(const char *h)
{
	if (h[0] == '\0')
		return false;
	for (; *h; h++)
		if (*h <= ' ' || *h > '~' || *h == '"' || *h == ',' || *h == '\\')
			return false;
	return true;
}

/* A UDP socket of ours holds local port port. */
static bool sock_host_port_taken(uint16_t port)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++)
		if (sk.s[i].state != SOCK_FREE && sk.s[i].kind == PROTO_KIND_UDP && sk.s[i].local_port == port)
			return true;
	return false;
}

static uint16_t sock_host_ephemeral(void)
{
	uint16_t port;

	do
		port = (uint16_t)(CONFIG_EPHEMERAL_FIRST + sk.next_port++ % CONFIG_EPHEMERAL_COUNT);
	while (sock_host_port_taken(port));
	return port;
}

static bool sock_host_tls_in_use(void)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++)
		if (sk.s[i].state != SOCK_FREE && sk.s[i].kind == PROTO_KIND_TLS && sk.s[i].esp_open)
			return true;
	for (unsigned i = 0; i < SOCK_SLOTS; i++)
		if (sk.s[i].state == SOCK_CONNECTING && sk.s[i].kind == PROTO_KIND_TLS)
			return true;
	return false;
}

/* Checks shared by CONNECT and UDP_BIND; PROTO_OK when the request may go ahead. */
static uint8_t sock_host_connect_check(const struct msg *m, uint8_t kind)
{
	if (m->sock == 0 || m->sock > PROTO_SOCK_HOST_MAX)
		return PROTO_EINVAL;
	if (m->type == PROTO_CONNECT) {
		if (kind != PROTO_KIND_TCP && kind != PROTO_KIND_UDP && kind != PROTO_KIND_TLS)
			return PROTO_EINVAL;
		if (m->u.connect.port == 0 || !sock_host_name_ok(m->u.connect.host))
			return PROTO_EINVAL;
		/* The module picks the local port of its TCP links itself. */
		if (kind != PROTO_KIND_UDP && m->u.connect.local_port != 0)
			return PROTO_ENOTSUP;
	}
	if (sock_id_in_use(m->sock))
		return PROTO_EALREADY;
	if (esp_ready() && !wifi_settling() && wifi_state() != PROTO_WIFI_GOT_IP)
		return PROTO_ENETDOWN;
	if (kind == PROTO_KIND_TLS && sock_host_tls_in_use())
		return PROTO_EBUSY;
	/* The module's UDP links are the only users of its local ports: a taken one is known here. */
	if (kind == PROTO_KIND_UDP &&
	    sock_host_port_taken(m->type == PROTO_UDP_BIND ? m->u.bind.local_port : m->u.connect.local_port))
		return PROTO_EADDRINUSE;
	/* Without AT+CIPDINFO the module never says who sent a datagram: DATAGRAM cannot be honest. */
	if (m->type == PROTO_UDP_BIND && esp_ready() && !esp_dinfo())
		return PROTO_ENOTSUP;
	return PROTO_OK;
}

void sock_host_connect(struct req *r)
{
	const struct msg *m = &r->m;
	bool bind = m->type == PROTO_UDP_BIND;
	uint8_t kind = bind ? PROTO_KIND_UDP : m->u.connect.kind, err, link = 0;
	struct sock_host_opts *o;
	struct sock *s;

	err = sock_host_connect_check(m, kind);
	if (err != PROTO_OK) {
		req_answer_err(r, err);
		return;
	}
	s = sock_alloc(&link);
	if (!s) {
		req_answer_err(r, PROTO_EMFILE);
		return;
	}
	s->state = SOCK_CONNECTING;
	s->id = m->sock;
	s->kind = kind;
	s->bound = bind;
	s->req = r;
	r->owner = REQ_SOCK;
	s->credit = bind ? m->u.bind.rx_window : m->u.connect.rx_window;
	if (kind == PROTO_KIND_UDP) {
		uint16_t want = bind ? m->u.bind.local_port : m->u.connect.local_port;

		s->local_port = want ? want : sock_host_ephemeral();
	}
	o = sock_host_opts_find(m->sock, false);
	if (o) {
		if (o->has_keepalive)
			s->keepalive = o->keepalive;
		if (o->has_tls && kind == PROTO_KIND_TLS)
			s->tls_size = o->tls;
		o->used = false;
	}
	sock_bind_link(s, link);
	s->step = sk.stale[link] ? SOCK_STEP_RECLOSE : s->tls_size ? SOCK_STEP_SSLSIZE : SOCK_STEP_START;
}

void sock_host_listen(struct req *r)
{
	const struct msg *m = &r->m;
	struct sock_host_opts *o;

	if (m->sock == 0 || m->sock > PROTO_SOCK_HOST_MAX || m->u.listen.port == 0) {
		req_answer_err(r, PROTO_EINVAL);
		return;
	}
	if (sk.lis.state != LIS_NONE || sk.lis.close_err != SOCK_NO_ERR) {
		req_answer_err(r, PROTO_EBUSY);
		return;
	}
	if (sock_id_in_use(m->sock)) {
		req_answer_err(r, PROTO_EALREADY);
		return;
	}
	if (esp_ready() && !wifi_settling() && wifi_state() != PROTO_WIFI_GOT_IP) {
		req_answer_err(r, PROTO_ENETDOWN);
		return;
	}
	memset(&sk.lis, 0, sizeof(sk.lis));
	sk.lis.close_err = SOCK_NO_ERR;
	sk.lis.state = LIS_STARTING;
	sk.lis.id = m->sock;
	sk.lis.port = m->u.listen.port;
	sk.lis.rx_window = m->u.listen.rx_window;
	sk.lis.req = r;
	r->owner = REQ_SOCK;
	o = sock_host_opts_find(m->sock, false);
	if (o) {
		if (o->has_sto) {
			sk.lis.sto = o->sto;
			sk.lis.sto_due = true;
		}
		o->used = false;
	}
}

static void sock_host_close_listener(struct req *r)
{
	struct sock_listener *l = &sk.lis;

	if (l->req || l->busy) {
		/* LISTEN still running, or the server being stopped already. */
		req_answer_err(r, l->state == LIS_STOPPING ? PROTO_EALREADY : PROTO_EAGAIN);
		return;
	}
	if (l->sto_req) {
		req_answer_err(l->sto_req, PROTO_ECANCELED);
		l->sto_req = NULL;
	}
	l->sto_due = false;
	l->state = LIS_STOPPING;
	l->req = r;
	r->owner = REQ_SOCK;
	r->started = true;
}

void sock_host_close(struct req *r)
{
	uint16_t id = r->m.sock;
	struct sock *s;

	if (sk.lis.state != LIS_NONE && sk.lis.id == id) {
		sock_host_close_listener(r);
		return;
	}
	if (sk.lis.close_err != SOCK_NO_ERR && sk.lis.closed_id == id) {
		/* The listener died with the module; the host closes it before hearing. */
		sk.lis.close_err = SOCK_NO_ERR;
		req_answer_err(r, PROTO_OK);
		return;
	}
	s = sock_host_find(id);
	if (!s) {
		req_answer_err(r, sock_host_recent_take(id) ? PROTO_OK : PROTO_EBADF);
		return;
	}
	if (s->close_req) {
		req_answer_err(r, PROTO_EALREADY);
		return;
	}
	r->owner = REQ_SOCK;
	r->started = true;
	if (s->state == SOCK_CONNECTING) {
		if (!s->busy) {
			req_answer_err(s->req, PROTO_ECANCELED);
			sock_free(s);
			req_answer_err(r, PROTO_OK);
			return;
		}
		s->cancel = true;
		s->close_req = r;
		return;
	}
	s->close_req = r;
	s->close_err = SOCK_NO_ERR;
	pool_clear(&s->rx);
	s->esp_pending = 0;
	s->recvlen_due = false;
	s->state = SOCK_CLOSING;
	sock_settle(s);
}

static uint8_t sock_host_setopt_value(uint8_t opt, uint32_t v)
{
	switch (opt) {
	case PROTO_OPT_KEEPALIVE:
	case PROTO_OPT_SERVER_TIMEOUT:
		return v <= SOCK_SECONDS_MAX ? PROTO_OK : PROTO_EINVAL;
	case PROTO_OPT_TLS_BUFSIZE:
		if (v < SOCK_TLS_MIN || v > SOCK_TLS_MAX)
			return PROTO_EINVAL;
		/* ESP-AT 2.x has no AT+CIPSSLSIZE. */
		return esp_version() == ESP_V2 ? PROTO_ENOTSUP : PROTO_OK;
	default:
		/* RCVBUF and SNDBUF live on the host; nothing else exists here. */
		return PROTO_ENOTSUP;
	}
}

void sock_host_setsockopt(struct req *r)
{
	const struct msg *m = &r->m;
	uint8_t err = sock_host_setopt_value(m->u.sockopt.opt, m->u.sockopt.value);
	struct sock_host_opts *o;

	if (err == PROTO_OK && m->sock == 0)
		err = PROTO_EINVAL;
	if (err != PROTO_OK) {
		req_answer_err(r, err);
		return;
	}
	if (m->u.sockopt.opt == PROTO_OPT_SERVER_TIMEOUT && sk.lis.state == LIS_ACTIVE && sk.lis.id == m->sock) {
		if (sk.lis.sto_req) {
			req_answer_err(r, PROTO_EAGAIN);
			return;
		}
		sk.lis.sto = m->u.sockopt.value;
		sk.lis.sto_due = true;
		sk.lis.sto_req = r;
		r->owner = REQ_SOCK;
		return;
	}
	o = sock_host_opts_find(m->sock, true);
	if (!o) {
		req_answer_err(r, PROTO_ENOBUFS);
		return;
	}
	switch (m->u.sockopt.opt) {
	case PROTO_OPT_KEEPALIVE:
		o->has_keepalive = true;
		o->keepalive = m->u.sockopt.value;
		break;
	case PROTO_OPT_TLS_BUFSIZE:
		o->has_tls = true;
		o->tls = (uint16_t)m->u.sockopt.value;
		break;
	default:
		o->has_sto = true;
		o->sto = m->u.sockopt.value;
		break;
	}
	req_answer_err(r, PROTO_OK);
}

void sock_host_cancel(struct req *r)
{
	if (sk.lis.req == r) {
		sk.lis.req = NULL;
		if (sk.lis.state == LIS_STARTING)
			memset(&sk.lis, 0, sizeof(sk.lis));
		sk.lis.close_err = SOCK_NO_ERR;
		return;
	}
	if (sk.lis.sto_req == r) {
		sk.lis.sto_req = NULL;
		sk.lis.sto_due = false;
		return;
	}
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];

		if (s->req == r && s->state == SOCK_CONNECTING && !s->busy) {
			sock_free(s);
			return;
		}
	}
}

/* Host bytes for the module: within the window the host was given, or the socket breaks. */
void sock_host_data(const struct msg *m)
{
	struct sock *s = sock_host_find(m->sock);
	uint16_t len = m->u.data.len;
	struct sock_dgram *d;

	if (!s || s->state == SOCK_CONNECTING || !s->host_knows) {
		sk.st.stray_data++;
		return;
	}
	if (s->state != SOCK_OPEN) {
		/* It is closing: the bytes have nowhere to go, and its EV_CLOSED must not sound clean. */
		sk.st.stray_data++;
		if (s->state == SOCK_DRAINING && s->close_err == PROTO_OK)
			s->close_err = PROTO_EPIPE;
		return;
	}
	if (len == 0)
		return;
	if (s->kind != PROTO_KIND_UDP) {
		if (m->type != PROTO_DATA || len > ring_free(&s->tx)) {
			evlog_join(PROTO_LOG_WARN, "host broke the send window or sent a datagram on a stream", "");
			sock_fail(s, PROTO_EPROTO);
			return;
		}
		ring_put(&s->tx, m->u.data.data, len);
		return;
	}
	if (len > ring_free(&s->tx)) {
		evlog_join(PROTO_LOG_WARN, "host broke the send window", "");
		sock_fail(s, PROTO_EPROTO);
		return;
	}
	if (s->dq_count == CONFIG_SOCK_DGRAMS) {
		/* UDP may drop; the credit goes back so the host's window stays right. */
		sk.st.udp_dropped++;
		s->credit_due += len;
		evlog_join(PROTO_LOG_WARN, "outgoing datagram dropped: queue full", "");
		return;
	}
	d = &s->dq[(s->dq_head + s->dq_count++) % CONFIG_SOCK_DGRAMS];
	d->len = len;
	d->has_addr = m->type == PROTO_DATAGRAM;
	d->addr = m->u.data.addr;
	ring_put(&s->tx, m->u.data.data, len);
}

void sock_host_credit(const struct msg *m)
{
	struct sock *s = sock_host_find(m->sock);

	if (!s || s->state == SOCK_CONNECTING)
		return;
	s->credit = m->u.credit.bytes > SOCK_CREDIT_MAX - s->credit ? SOCK_CREDIT_MAX
								      : s->credit + m->u.credit.bytes;
}

void sock_host_down(void)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];

		if (s->state == SOCK_FREE)
			continue;
		/* Requests are gone with the session: nobody to answer. */
		s->req = NULL;
		s->close_req = NULL;
		s->host_knows = false;
		s->announce = false;
		s->close_err = SOCK_NO_ERR;
		pool_clear(&s->rx);
		if (s->state == SOCK_CONNECTING) {
			if (s->busy) {
				s->cancel = true;
			} else {
				sock_free(s);
			}
			continue;
		}
		s->state = SOCK_CLOSING;
		sock_settle(s);
	}
	sk.lis.req = NULL;
	sk.lis.sto_req = NULL;
	sk.lis.sto_due = false;
	sk.lis.close_err = SOCK_NO_ERR;
	if (sk.lis.state == LIS_STARTING && !sk.lis.busy)
		sk.lis.state = LIS_NONE;
	else if (sk.lis.state != LIS_NONE)
		sk.lis.state = LIS_STOPPING;
	memset(sock_host_opts, 0, sizeof(sock_host_opts));
	memset(&sock_host_recent, 0, sizeof(sock_host_recent));
}

/* One DATA message from the socket's receive ring, if credit and the link allow. */
static bool sock_host_pump_one(struct sock *s)
{
	static uint8_t chunk[PROTO_DATA_MAX];
	uint32_t used = pool_used(&s->rx);
	uint32_t n = used > s->uncommitted ? used - s->uncommitted : 0;
	struct msg m;

	if (n > s->credit)
		n = s->credit;
	if (n > PROTO_DATA_MAX)
		n = PROTO_DATA_MAX;
	if (n == 0 || sock_data_room() < PROTO_MSG_HDR + 2 + n)
		return false;
	pool_peek(&s->rx, 0, chunk, n);
	msg_init(&m, PROTO_DATA);
	m.sock = s->id;
	m.u.data.data = chunk;
	m.u.data.len = (uint16_t)n;
	if (!host_write(&m))
		return false;
	pool_drop(&s->rx, n);
	s->credit -= n;
	sk.st.bytes_down += n;
	return true;
}

static bool sock_host_can_deliver(const struct sock *s)
{
	if (!s->host_knows || s->announce)
		return false;
	return s->state == SOCK_OPEN || s->state == SOCK_DRAINING ||
	       (s->state == SOCK_CLOSING && s->close_err != SOCK_NO_ERR);
}

static void sock_host_flush_events(void)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];
		struct msg m;

		if (s->announce && !req_answer_due(sk.lis.id)) {
			msg_init(&m, PROTO_EV_ACCEPTED);
			m.sock = sk.lis.id;
			m.u.accepted.new_sock = s->id;
			m.u.accepted.remote = s->remote;
			m.u.accepted.tx_window = CONFIG_SOCK_TX_RING;
			if (!host_write(&m))
				return;
			s->announce = false;
		}
		if (s->credit_due && s->state == SOCK_OPEN && s->host_knows) {
			msg_init(&m, PROTO_CREDIT);
			m.sock = s->id;
			m.u.credit.bytes = s->credit_due;
			if (!host_write(&m))
				return;
			sk.st.bytes_up += s->credit_due;
			s->credit_due = 0;
		}
	}
}

/* EV_CLOSED once everything received went to the host. */
static void sock_host_flush_closed(void)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];
		bool done;
		struct msg m;

		if (s->busy || pool_used(&s->rx) > 0 || s->close_err == SOCK_NO_ERR || !s->host_knows ||
		    req_answer_due(s->id))
			continue;
		if (s->state == SOCK_DRAINING)
			done = s->esp_pending == 0 && !s->recvlen_due && !s->esp_open;
		else
			done = s->state == SOCK_CLOSING && !s->esp_open;
		if (!done)
			continue;
		msg_init(&m, PROTO_EV_CLOSED);
		m.sock = s->id;
		m.u.closed.err = s->close_err;
		if (!host_write(&m))
			return;
		sock_host_recent_add(s->id);
		sock_free(s);
	}
	if (sk.lis.close_err != SOCK_NO_ERR && sk.lis.state == LIS_NONE && !req_answer_due(sk.lis.closed_id)) {
		struct msg m;

		msg_init(&m, PROTO_EV_CLOSED);
		m.sock = sk.lis.closed_id;
		m.u.closed.err = sk.lis.close_err;
		if (host_write(&m))
			sk.lis.close_err = SOCK_NO_ERR;
	}
}

/*
 * Shorter frames while a quiet socket shares the link, and for a while
 * after: the moment its reply arrives it is no longer quiet, and that reply
 * must not wait behind full frames.
 */
void sock_host_share_frames(uint64_t now)
{
	/* A look every millisecond is soon enough against frames of 5 ms or
	 * more, and keeps the scan off the path of every byte. */
	if (now - sk.shared_seen_us < CONFIG_LINK_SHARED_CHECK_US)
		return;
	sk.shared_seen_us = now;
	if (sock_esp_shared())
		sk.shared_until = now + CONFIG_LINK_SHARED_HOLD_US;
	host_cap_payload(now < sk.shared_until ? CONFIG_LINK_SHARED_PAYLOAD : 0);
}

void sock_host_flush(void)
{
	sock_host_flush_events();
	/* One message at a time from the socket that sent the least lately: parallel
	 * downloads share the link, and a socket that was quiet goes first. */
	for (;;) {
		struct sock *best = NULL;

		for (unsigned i = 0; i < SOCK_SLOTS; i++) {
			struct sock *s = &sk.s[(sk.pump_rr + i) % SOCK_SLOTS];

			if (sock_host_can_deliver(s) && pool_used(&s->rx) > s->uncommitted && s->credit &&
			    (!best || fairq_before(&sk.pump_fq, (unsigned)(s - sk.s), (unsigned)(best - sk.s))))
				best = s;
		}
		if (!best)
			break;
		{
			uint32_t before = pool_used(&best->rx);

			if (!sock_host_pump_one(best))
				break;
			fairq_charge(&sk.pump_fq, (unsigned)(best - sk.s),
				     before - pool_used(&best->rx) + CONFIG_ESP_CMD_COST);
			sk.pump_rr = (unsigned)(best - sk.s + 1) % SOCK_SLOTS;
		}
	}
	sock_host_flush_closed();
}
