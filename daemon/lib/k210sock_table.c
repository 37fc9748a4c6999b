#include <errno.h>
#include <string.h>

#include "k210sock_table.h"

void k210sock_table_init(struct k210sock_table *t)
{
	memset(t, 0, sizeof(*t));
}

void k210sock_table_free(struct k210sock_table *t)
{
	for (unsigned i = 0; i < K210SOCK_TABLE_MAX; i++)
		if (t->s[i].kind != K210SOCK_TABLE_FREE)
			k210sock_table_remove(t, &t->s[i]);
}

struct k210sock_table_sock *k210sock_table_find(struct k210sock_table *t, int id, int kind)
{
	for (unsigned i = 0; i < K210SOCK_TABLE_MAX; i++)
		if (t->s[i].kind != K210SOCK_TABLE_FREE && t->s[i].id == id &&
		    (kind == K210SOCK_TABLE_FREE || t->s[i].kind == kind))
			return &t->s[i];
	return NULL;
}

/* Ids run through 1..PROTO_SOCK_HOST_MAX so a closed one is not reused at once. */
static uint16_t k210sock_table_next_id(struct k210sock_table *t)
{
	for (;;) {
		t->next_id = (uint16_t)(t->next_id % PROTO_SOCK_HOST_MAX + 1);
		if (!k210sock_table_find(t, t->next_id, K210SOCK_TABLE_FREE))
			return t->next_id;
	}
}

struct k210sock_table_sock *k210sock_table_add(struct k210sock_table *t, int kind)
{
	struct k210sock_table_sock *s = NULL;

	for (unsigned i = 0; i < K210SOCK_TABLE_MAX && !s; i++)
		if (t->s[i].kind == K210SOCK_TABLE_FREE)
			s = &t->s[i];
	if (!s) {
		errno = EMFILE;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	if (kind == K210SOCK_TABLE_UDP) {
		if (k210queue_dgrams_init(&s->q, K210SOCK_TABLE_UDP_QUEUE) < 0) {
			errno = ENOMEM;
			return NULL;
		}
	}
	s->kind = kind;
	s->id = k210sock_table_next_id(t);
	return s;
}

void k210sock_table_remove(struct k210sock_table *t, struct k210sock_table_sock *s)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < t->acc_count; i++)
		if (t->acc[i].listener != s->id)
			t->acc[kept++] = t->acc[i];
	t->acc_count = kept;
	if (s->kind == K210SOCK_TABLE_UDP)
		k210queue_dgrams_free(&s->q);
	memset(s, 0, sizeof(*s));
}

/* The socket ended: it keeps what arrived before, then reports err. */
static void k210sock_table_end(struct k210sock_table_sock *s, uint8_t err)
{
	if (s->err == PROTO_OK)
		s->err = err;
}

static void k210sock_table_datagram(struct k210sock_table_sock *s, const struct msg *m)
{
	if (s->err != PROTO_OK)
		return;
	if (!k210queue_dgrams_push(&s->q, m->u.data.addr.ip, m->u.data.addr.port,
				   m->u.data.data, m->u.data.len))
		s->drops++;
}

static void k210sock_table_accepted(struct k210sock_table *t, struct k210sock_table_sock *s, const struct msg *m)
{
	struct k210sock_table_accept *a;

	if (t->acc_count == K210SOCK_TABLE_ACCEPTS_MAX) {
		/* Left unclaimed, the daemon closes it after its handshake timeout. */
		s->accept_overflow = true;
		return;
	}
	a = &t->acc[t->acc_count++];
	a->listener = s->id;
	a->token = m->u.accepted.new_sock;
	a->remote = m->u.accepted.remote;
}

bool k210sock_table_input(struct k210sock_table *t, const struct msg *m)
{
	struct k210sock_table_sock *s;

	switch (m->type) {
	case PROTO_DATAGRAM:
		s = k210sock_table_find(t, m->sock, K210SOCK_TABLE_UDP);
		if (s)
			k210sock_table_datagram(s, m);
		break;
	case PROTO_EV_CLOSED:
		s = k210sock_table_find(t, m->sock, K210SOCK_TABLE_FREE);
		if (s)
			k210sock_table_end(s, m->u.closed.err == PROTO_OK ? PROTO_ENOTCONN
								     : m->u.closed.err);
		break;
	case PROTO_EV_ACCEPTED:
		s = k210sock_table_find(t, m->sock, K210SOCK_TABLE_LISTENER);
		if (s)
			k210sock_table_accepted(t, s, m);
		break;
	default:
		return false;
	}
	return s != NULL;
}

bool k210sock_table_take_accept(struct k210sock_table *t, uint16_t listener, struct k210sock_table_accept *a)
{
	for (unsigned i = 0; i < t->acc_count; i++) {
		if (t->acc[i].listener != listener)
			continue;
		*a = t->acc[i];
		memmove(&t->acc[i], &t->acc[i + 1], (t->acc_count - i - 1) * sizeof(t->acc[0]));
		t->acc_count--;
		return true;
	}
	return false;
}
