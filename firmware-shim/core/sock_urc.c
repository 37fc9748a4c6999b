#include <string.h>

#include "at.h"
#include "esp.h"
#include "evlog.h"
#include "host.h"
#include "msg.h"
#include "pool.h"
#include "proto.h"
#include "req.h"
#include "ring.h"
#include "sock_int.h"
#include "sock_serve.h"

/* A whole incoming datagram (active +IPD) before it goes to the host. */
static uint8_t sock_urc_dgram[PROTO_DATA_MAX];

void sock_urc_closed(uint8_t link)
{
	struct sock *s = sock_of_link(link);

	if (!s || s->state == SOCK_DRAINING)
		return;
	if (s->state == SOCK_CONNECTING) {
		/* Before CIPSTART's OK: the socket opens closed.  Otherwise it speaks of a stale link. */
		if (s->busy && s->step == SOCK_STEP_START)
			s->closed_early = true;
		return;
	}
	s->esp_open = false;
	switch (s->state) {
	case SOCK_ACCEPTING:
		/* Gone before the host heard of it. */
		s->state = SOCK_CLOSING;
		s->close_err = SOCK_NO_ERR;
		break;
	case SOCK_OPEN:
		s->state = SOCK_DRAINING;
		s->close_err = PROTO_OK;
		if (!s->busy)
			ring_clear(&s->tx);
		if (sock_passive_stream(s)) {
			/* The module keeps what it buffered: find out how much before reporting. */
			s->recvlen_due = true;
			return;
		}
		s->esp_pending = 0;
		sock_unlink(s);
		return;
	default:
		break;
	}
	sock_settle(s);
}

static void sock_urc_ipd_begin(const struct at_event *ev)
{
	struct sock *s = ev->link == AT_LINK_NONE ? NULL : sock_of_link(ev->link);

	sk.ipd_slot = SOCK_NONE;
	sk.ipd_len = ev->num;
	sk.ipd_got = 0;
	if (!s || !sock_receiving(s)) {
		if (ev->num)
			sk.st.stray_data++;
		return;
	}
	sk.ipd_udp = s->kind == PROTO_KIND_UDP;
	if (ev->has_addr) {
		memcpy(sk.ipd_from.ip, ev->ip, 4);
		sk.ipd_from.port = ev->port;
	} else {
		memset(&sk.ipd_from, 0, sizeof(sk.ipd_from));
	}
	if (sk.ipd_udp && ev->num > PROTO_DATA_MAX) {
		sk.st.udp_dropped++;
		evlog_join(PROTO_LOG_WARN, "incoming datagram dropped: larger than 2048 bytes", "");
		return;
	}
	if (!sk.ipd_udp && ev->num > pool_room(&s->rx)) {
		/* Active mode has no back-pressure: past the buffer the socket must fail, loudly. */
		sk.st.overflows++;
		evlog_join(PROTO_LOG_WARN, "receive buffer overflow: socket closed", "");
		sock_fail(s, PROTO_ENOBUFS);
		return;
	}
	sk.ipd_slot = (uint8_t)(s - sk.s);
}

static void sock_urc_deliver_dgram(struct sock *s)
{
	uint32_t len = sk.ipd_len;
	struct msg m;

	msg_init(&m, s->bound ? PROTO_DATAGRAM : PROTO_DATA);
	m.sock = s->id;
	m.u.data.addr = sk.ipd_from;
	m.u.data.data = sock_urc_dgram;
	m.u.data.len = (uint16_t)len;
	if (s->host_knows && s->state == SOCK_OPEN && s->credit >= len &&
	    sock_data_room() >= msg_encoded_len(&m) && host_write(&m)) {
		s->credit -= len;
		sk.st.bytes_down += len;
		return;
	}
	sk.st.udp_dropped++;
	evlog_join(PROTO_LOG_WARN, "incoming datagram dropped: no credit", "");
}

static void sock_urc_ipd_data(const struct at_event *ev)
{
	struct sock *s;

	if (sk.ipd_slot == SOCK_NONE)
		return;
	s = &sk.s[sk.ipd_slot];
	if (sk.ipd_udp) {
		memcpy(sock_urc_dgram + sk.ipd_got, ev->data, ev->len);
		sk.ipd_got += (uint32_t)ev->len;
		if (ev->end)
			sock_urc_deliver_dgram(s);
	} else {
		s->uncommitted += pool_put(&s->rx, ev->data, (uint32_t)ev->len);
		if (ev->end)
			s->uncommitted = 0;
	}
	if (ev->end)
		sk.ipd_slot = SOCK_NONE;
}

/*
 * "<link>,CONNECT" on a link this side opened confirms its CIPSTART, before
 * the OK or (some firmware) after it: the module gives no client a link that
 * is open.  Only a second one, after a CLOSED that went missing, is a client.
 */
static bool sock_urc_confirms(uint8_t link)
{
	struct sock *s = sock_of_link(link);

	if (!s || s->confirmed)
		return false;
	if (s->state == SOCK_CONNECTING && !(s->busy && s->step == SOCK_STEP_START))
		return false;
	s->confirmed = true;
	return true;
}

void sock_urc_handle(const struct at_event *ev)
{
	struct sock *s;

	switch (ev->type) {
	case AT_EV_LINK_CONNECT:
		if (ev->link < CONFIG_LINKS && !sock_urc_confirms(ev->link))
			sock_serve_incoming(ev->link);
		break;
	case AT_EV_LINK_CLOSED:
		if (ev->link < CONFIG_LINKS)
			sock_urc_closed(ev->link);
		break;
	case AT_EV_LINK_FAIL:
		s = ev->link < CONFIG_LINKS ? sock_of_link(ev->link) : NULL;
		if (s && s->state == SOCK_CONNECTING)
			s->fail_seen = true;
		break;
	case AT_EV_IPD_NOTIFY:
		s = ev->link < CONFIG_LINKS ? sock_of_link(ev->link) : NULL;
		if (s && sock_receiving(s) && sock_passive_stream(s) && ev->num > s->esp_pending)
			s->esp_pending = ev->num;
		break;
	case AT_EV_IPD:
		sock_urc_ipd_begin(ev);
		break;
	case AT_EV_DATA:
		sock_urc_ipd_data(ev);
		break;
	default:
		break;
	}
}

bool sock_urc_quiet_open(void)
{
	bool waiting = false;

	if (sk.lis.state != LIS_NONE || sk.refuse_mask)
		return false;
	for (unsigned l = 0; l < CONFIG_LINKS; l++)
		if (sk.stale[l])
			return false;
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		const struct sock *s = &sk.s[i];

		if (s->state == SOCK_CONNECTING && !s->busy && !s->esp_open)
			waiting = true;
		else if (s->state != SOCK_FREE)
			return false;
	}
	return waiting;
}

void sock_urc_lost(void)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];
		bool lost_data = s->esp_pending || s->recvlen_due;

		s->busy = false;
		s->esp_open = false;
		s->esp_pending = 0;
		s->recvlen_due = false;
		s->sending = 0;
		s->reading = 0;
		pool_unput(&s->rx, s->uncommitted);
		s->uncommitted = 0;
		s->damaged = false;
		switch (s->state) {
		case SOCK_FREE:
			break;
		case SOCK_CONNECTING:
			if (s->req)
				req_answer_err(s->req, s->cancel ? PROTO_ECANCELED : esp_lost_err());
			if (s->close_req)
				req_answer_err(s->close_req, PROTO_OK);
			sock_free(s);
			break;
		case SOCK_ACCEPTING:
			sock_free(s);
			break;
		case SOCK_DRAINING:
			/* The remote had closed; only data still in the module is lost. */
			if (!lost_data && s->close_req == NULL) {
				s->state = SOCK_CLOSING;
				sock_settle(s);
				break;
			}
			/* fall through */
		case SOCK_OPEN:
			if (s->close_req == NULL)
				s->close_err = esp_lost_err();
			s->esp_pending = 0;
			s->state = SOCK_CLOSING;
			sock_settle(s);
			break;
		case SOCK_CLOSING:
			sock_settle(s);
			break;
		}
	}
	for (unsigned l = 0; l < CONFIG_LINKS; l++) {
		sk.stale[l] = false;
		if (sk.link_slot[l] != SOCK_NONE)
			sock_unlink(&sk.s[sk.link_slot[l]]);
	}
	sk.recvlen_due = false;
	sk.ipd_slot = SOCK_NONE;
	sock_serve_lost();
}

void sock_urc_garbled(void)
{
	sk.recvlen_due = true;
	/* An unsolicited block cut short: its bytes so far are not to be trusted. */
	if (sk.ipd_slot != SOCK_NONE) {
		struct sock *s = &sk.s[sk.ipd_slot];

		pool_unput(&s->rx, s->uncommitted);
		s->uncommitted = 0;
		if (!sk.ipd_udp)
			s->damaged = true;
		sk.ipd_slot = SOCK_NONE;
	}
	/* Unsolicited data has no second chance: part of it may be gone. */
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];

		if (!esp_passive() && s->kind != PROTO_KIND_UDP && sock_receiving(s))
			s->damaged = true;
	}
}

void sock_urc_sound(void)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		struct sock *s = &sk.s[i];

		if (!s->damaged)
			continue;
		s->damaged = false;
		sock_fail(s, PROTO_EIO);
	}
}
