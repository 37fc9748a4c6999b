#include <string.h>

#include "esp.h"
#include "host.h"
#include "port.h"
#include "proto.h"
#include "req.h"
#include "sock_int.h"

struct sock_table sk;

static uint8_t sock_txmem[SOCK_SLOTS][CONFIG_SOCK_TX_RING];

static void sock_reset_slot(struct sock *s)
{
	unsigned i = (unsigned)(s - sk.s);

	/* Its received bytes' blocks go back to the pool before the slot forgets them. */
	pool_clear(&s->rx);
	memset(s, 0, sizeof(*s));
	s->link = SOCK_NONE;
	s->close_err = SOCK_NO_ERR;
	ring_init(&s->tx, sock_txmem[i], CONFIG_SOCK_TX_RING);
	pool_queue_init(&s->rx);
}

void sock_init(uint32_t seed)
{
	size_t pool_size = 0;
	void *pool_mem = port_rx_pool(&pool_size);

	memset(&sk, 0, sizeof(sk));
	pool_init(pool_mem, pool_size, SOCK_SLOTS);
	for (unsigned i = 0; i < SOCK_SLOTS; i++)
		sock_reset_slot(&sk.s[i]);
	for (unsigned l = 0; l < CONFIG_LINKS; l++)
		sk.link_slot[l] = SOCK_NONE;
	sk.ipd_slot = SOCK_NONE;
	fairq_init(&sk.esp_fq, 2 * SOCK_SLOTS);
	fairq_init(&sk.pump_fq, SOCK_SLOTS);
	sk.lis.close_err = SOCK_NO_ERR;
	sk.next_board_id = (uint16_t)(PROTO_SOCK_BOARD_MIN | (seed & 0x7fff));
	sk.next_port = seed >> 16;
}

struct sock *sock_of_link(uint8_t link)
{
	if (link >= CONFIG_LINKS || sk.link_slot[link] == SOCK_NONE)
		return NULL;
	return &sk.s[sk.link_slot[link]];
}

bool sock_id_in_use(uint16_t id)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++)
		if (sk.s[i].state != SOCK_FREE && sk.s[i].id == id)
			return true;
	return sk.lis.state != LIS_NONE && sk.lis.id == id;
}

void sock_unlink(struct sock *s)
{
	if (s->link != SOCK_NONE && sk.link_slot[s->link] == (uint8_t)(s - sk.s))
		sk.link_slot[s->link] = SOCK_NONE;
	if (sk.ipd_slot == (uint8_t)(s - sk.s))
		sk.ipd_slot = SOCK_NONE;
	s->link = SOCK_NONE;
}

void sock_free(struct sock *s)
{
	sock_unlink(s);
	sock_reset_slot(s);
}

struct sock *sock_alloc(uint8_t *link_out)
{
	struct sock *slot = NULL;

	for (unsigned i = 0; i < SOCK_SLOTS && !slot; i++)
		if (sk.s[i].state == SOCK_FREE)
			slot = &sk.s[i];
	if (!slot)
		return NULL;
	for (uint8_t l = 0; l < CONFIG_LINKS; l++) {
		if (sk.link_slot[l] == SOCK_NONE) {
			*link_out = l;
			sock_reset_slot(slot);
			return slot;
		}
	}
	return NULL;
}

void sock_bind_link(struct sock *s, uint8_t link)
{
	s->link = link;
	sk.link_slot[link] = (uint8_t)(s - sk.s);
}

bool sock_relocate(struct sock *s)
{
	uint8_t link;

	for (link = 0; link < CONFIG_LINKS; link++)
		if (sk.link_slot[link] == SOCK_NONE)
			break;
	sock_unlink(s);
	if (link == CONFIG_LINKS) {
		req_answer_err(s->req, PROTO_EMFILE);
		sock_reset_slot(s);
		return false;
	}
	sock_bind_link(s, link);
	s->step = sk.stale[link] ? SOCK_STEP_RECLOSE : s->tls_size ? SOCK_STEP_SSLSIZE : SOCK_STEP_START;
	return true;
}

struct sock *sock_accept(uint8_t link)
{
	struct sock *s = NULL;

	if (sk.lis.state != LIS_ACTIVE || !host_up())
		return NULL;
	for (unsigned i = 0; i < SOCK_SLOTS && !s; i++)
		if (sk.s[i].state == SOCK_FREE)
			s = &sk.s[i];
	if (!s)
		return NULL;
	sock_reset_slot(s);
	do {
		s->id = sk.next_board_id;
		sk.next_board_id = sk.next_board_id == 0xffff ? PROTO_SOCK_BOARD_MIN : sk.next_board_id + 1;
	} while (sock_id_in_use(s->id));
	s->state = SOCK_ACCEPTING;
	s->kind = PROTO_KIND_TCP;
	s->credit = sk.lis.rx_window;
	s->esp_open = true;
	s->confirmed = true;
	s->local_port = sk.lis.port;
	sock_bind_link(s, link);
	sk.st.accepted++;
	return s;
}

/* Bytes one read may bring in: room in the ring within the host's credit. */
uint32_t sock_read_budget(const struct sock *s)
{
	uint32_t used = pool_used(&s->rx), room = pool_room(&s->rx), credit_left;

	credit_left = s->credit > used ? s->credit - used : 0;
	if (room > credit_left)
		room = credit_left;
	return room > CONFIG_ESP_CHUNK ? CONFIG_ESP_CHUNK : room;
}

bool sock_passive_stream(const struct sock *s)
{
	return esp_passive() && s->kind != PROTO_KIND_UDP;
}

/* Still taking data from the module. */
bool sock_receiving(const struct sock *s)
{
	return s->state == SOCK_OPEN || s->state == SOCK_DRAINING || s->state == SOCK_ACCEPTING;
}

void sock_fail(struct sock *s, uint8_t err)
{
	if (s->state == SOCK_FREE || s->state == SOCK_CONNECTING)
		return;
	if (s->close_req == NULL && s->state != SOCK_CLOSING)
		s->close_err = err;
	if (s->state == SOCK_ACCEPTING)
		s->close_err = SOCK_NO_ERR;
	if (err != PROTO_OK)
		sk.st.failed++;
	s->state = SOCK_CLOSING;
	s->esp_pending = 0;
	s->recvlen_due = false;
	sock_settle(s);
}

void sock_settle(struct sock *s)
{
	if (s->busy || s->state != SOCK_CLOSING)
		return;
	ring_clear(&s->tx);
	s->dq_count = 0;
	s->dq_head = 0;
	s->credit_due = 0;
	if (s->esp_open)
		return;
	sock_unlink(s);
	if (s->close_req) {
		req_answer_err(s->close_req, PROTO_OK);
		s->close_req = NULL;
	}
	if (s->close_err == SOCK_NO_ERR || !s->host_knows)
		sock_free(s);
}

size_t sock_data_room(void)
{
	return req_answers_waiting() ? 0 : host_data_room();
}

bool sock_closes_pending(void)
{
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		const struct sock *s = &sk.s[i];

		if (s->state != SOCK_FREE && s->close_err != SOCK_NO_ERR && s->host_knows)
			return true;
	}
	return sk.lis.close_err != SOCK_NO_ERR;
}

uint8_t sock_links_free(void)
{
	uint8_t n = 0;

	for (unsigned l = 0; l < CONFIG_LINKS; l++)
		if (sk.link_slot[l] == SOCK_NONE)
			n++;
	return n;
}

uint8_t sock_in_use(void)
{
	uint8_t n = sk.lis.state != LIS_NONE;

	for (unsigned i = 0; i < SOCK_SLOTS; i++)
		if (sk.s[i].state != SOCK_FREE)
			n++;
	return n;
}

void sock_get_stats(struct sock_stats *st)
{
	*st = sk.st;
	st->tx_queued = st->rx_queued = 0;
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		st->tx_queued += ring_used(&sk.s[i].tx);
		st->rx_queued += pool_used(&sk.s[i].rx);
	}
}
