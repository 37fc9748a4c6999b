#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "k210sock.h"
#include "log.h"
#include "monotime.h"
#include "netif.h"
#include "tcpflow.h"

#define TCPFLOW_SYN_MAX 128          /* IP and TCP headers with options: a SYN without data */
#define TCPFLOW_RELEASE_MS 10000     /* the listener's handshake after the stream opened */
#define TCPFLOW_LINGER_MS 60000      /* the table entry after both sockets closed */
#define TCPFLOW_FIN_GRACE_MS 2000    /* ... once both sides sent FIN: the last ACKs */
#define TCPFLOW_FAILED_MS 130000     /* retransmitted SYNs of a connect that timed out die here */
#define TCPFLOW_RETRY_MS 500         /* the daemon was busy: ask again */
#define TCPFLOW_DIAG_MS 2000         /* a half-closed program is checked for having closed */
#define TCPFLOW_DRAIN_MS 10000       /* a closed program's last bytes get this long */
#define TCPFLOW_BACKLOG 1024

enum tcpflow_state {
	TF_QUEUED,       /* the SYN is held, waiting for a connect slot */
	TF_DIALING,      /* the daemon opens the stream */
	TF_RETRY,        /* the daemon was busy: the SYN is held for another try */
	TF_RELEASED,     /* the SYN went to the listener: waiting for the accept */
	TF_OPEN,         /* relaying */
	TF_CLOSED,       /* both sockets closed: the entry lingers for the last packets */
	TF_FAILED,       /* the connect timed out: the program's SYNs are dropped */
};

static const char *const tcpflow_state_names[] = {
	"waiting", "connecting", "waiting", "handshake", "open", "closing", "timed-out",
};

struct tcpflow {
	TAILQ_ENTRY(tcpflow) all;
	TAILQ_ENTRY(tcpflow) queue;
	struct nat_entry *nat;
	uint8_t state;
	bool queued, slot;
	bool local_eof, local_gone, local_shut, remote_eof;
	bool fin_app, fin_listener;
	uint8_t syn[TCPFLOW_SYN_MAX];
	uint16_t syn_len;
	uint32_t isn;
	int64_t deadline;                /* give up connecting at this time */
	k210sock_op *op;
	struct event *op_ev;
	struct event *timer;
	int stream_fd;                   /* TF_RELEASED: the stream, until the accept */
	struct bufferevent *local, *remote;
	uint64_t up, down;
};

static TAILQ_HEAD(, tcpflow) tcpflow_all = TAILQ_HEAD_INITIALIZER(tcpflow_all);
static TAILQ_HEAD(, tcpflow) tcpflow_queue = TAILQ_HEAD_INITIALIZER(tcpflow_queue);
static struct evconnlistener *tcpflow_listener;
static unsigned tcpflow_slots;      /* streams open or opening (limits.streams) */
static unsigned tcpflow_waiting;

static void tcpflow_timer_cb(evutil_socket_t fd, short what, void *arg);
static void tcpflow_dial_next(void);

/* Milliseconds until f's connect deadline, 0 once it passed. */
static uint32_t tcpflow_left(const struct tcpflow *f)
{
	int64_t left = f->deadline - monotime_ms();

	return left > 0 ? (uint32_t)left : 0;
}

static void tcpflow_timer(struct tcpflow *f, uint32_t ms)
{
	struct timeval tv = netif_tv(ms);

	if (!f->timer)
		f->timer = evtimer_new(netif.base, tcpflow_timer_cb, f);
	if (f->timer)
		evtimer_add(f->timer, &tv);
}

static void tcpflow_unqueue(struct tcpflow *f)
{
	if (f->queued) {
		TAILQ_REMOVE(&tcpflow_queue, f, queue);
		f->queued = false;
		tcpflow_waiting--;
	}
}

static void tcpflow_release_slot(struct tcpflow *f)
{
	if (f->slot) {
		f->slot = false;
		tcpflow_slots--;
		tcpflow_dial_next();
	}
}

static void tcpflow_cancel_op(struct tcpflow *f)
{
	if (f->op_ev)
		event_free(f->op_ev);
	f->op_ev = NULL;
	k210sock_op_free(f->op);
	f->op = NULL;
}

static void tcpflow_close_remote(struct tcpflow *f)
{
	if (f->remote)
		bufferevent_free(f->remote);
	f->remote = NULL;
	if (f->stream_fd >= 0)
		close(f->stream_fd);
	f->stream_fd = -1;
	tcpflow_release_slot(f);
}

/* Close the program's connection; with reset, so that it sees ECONNRESET. */
static void tcpflow_close_local(struct tcpflow *f, bool reset)
{
	if (!f->local)
		return;
	if (reset) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(bufferevent_getfd(f->local), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		netif.ctr.tcp_reset++;
	}
	bufferevent_free(f->local);
	f->local = NULL;
}

static void tcpflow_free(struct tcpflow *f)
{
	tcpflow_unqueue(f);
	tcpflow_cancel_op(f);
	tcpflow_close_local(f, true);
	tcpflow_close_remote(f);
	if (f->timer)
		event_free(f->timer);
	TAILQ_REMOVE(&tcpflow_all, f, all);
	nat_remove(&netif.nat, f->nat);
	free(f);
}

/* Both sockets are gone: keep translating the last packets for a while. */
static void tcpflow_maybe_closed(struct tcpflow *f)
{
	if (f->local || f->remote || f->state != TF_OPEN)
		return;
	f->state = TF_CLOSED;
	tcpflow_timer(f, f->fin_app && f->fin_listener ? TCPFLOW_FIN_GRACE_MS : TCPFLOW_LINGER_MS);
}

static void tcpflow_fail_timeout(struct tcpflow *f)
{
	tcpflow_unqueue(f);
	tcpflow_cancel_op(f);
	tcpflow_release_slot(f);
	netif.ctr.tcp_timeout++;
	f->state = TF_FAILED;
	tcpflow_timer(f, TCPFLOW_FAILED_MS);
}

/* The connect failed for good: answer the held SYN as the network would. */
static void tcpflow_fail(struct tcpflow *f, int errnum)
{
	uint8_t out[PKT_IP_HLEN + 20];
	struct pkt syn;
	size_t n;

	switch (errnum) {
	case ETIMEDOUT:
		tcpflow_fail_timeout(f);
		return;
	case ECONNREFUSED:
		netif.ctr.tcp_refused++;
		if (pkt_parse(f->syn, f->syn_len, &syn) == PKT_OK &&
		    (n = pkt_build_tcp_reset(out, sizeof(out), &syn)) > 0)
			netif_send(out, n);
		break;
	case EACCES:
		netif.ctr.tcp_unreachable++;
		netif_send_unreach(f->syn, f->syn_len, PKT_UNREACH_ADMIN);
		break;
	case EHOSTUNREACH:
		netif.ctr.tcp_unreachable++;
		netif_send_unreach(f->syn, f->syn_len, PKT_UNREACH_HOST);
		break;
	default:
		/* No board, no WiFi, no daemon: the network is unreachable. */
		netif.ctr.tcp_unreachable++;
		netif_send_unreach(f->syn, f->syn_len, PKT_UNREACH_NET);
		break;
	}
	tcpflow_free(f);
}

/* Busy (the daemon's limits, its listen queue): try again while time is left. */
static void tcpflow_retry(struct tcpflow *f)
{
	uint32_t left = tcpflow_left(f);

	tcpflow_cancel_op(f);
	tcpflow_release_slot(f);
	if (left == 0) {
		tcpflow_fail_timeout(f);
		return;
	}
	f->state = TF_RETRY;
	tcpflow_timer(f, left < TCPFLOW_RETRY_MS ? left : TCPFLOW_RETRY_MS);
}

static bool tcpflow_busy_errno(int errnum)
{
	return errnum == ENOBUFS || errnum == EMFILE || errnum == EAGAIN || errnum == ENOMEM;
}

/* The stream is open: hand the SYN to the listener. */
static void tcpflow_release(struct tcpflow *f, int fd)
{
	uint8_t buf[TCPFLOW_SYN_MAX];
	struct pkt p;

	tcpflow_cancel_op(f);
	f->stream_fd = fd;
	f->state = TF_RELEASED;
	memcpy(buf, f->syn, f->syn_len);
	if (pkt_parse(buf, f->syn_len, &p) != PKT_OK) {
		tcpflow_free(f);
		return;
	}
	pkt_rewrite(buf, &p, netif.cfg->iface.nat_address, f->nat->port, netif.cfg->iface.address,
		    netif.listen_port);
	pkt_clamp_mss(buf, &p, (uint16_t)(netif.cfg->iface.mtu - 40));
	tcpflow_timer(f, TCPFLOW_RELEASE_MS);
	netif_send(buf, f->syn_len);
}

static void tcpflow_op_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tcpflow *f = arg;
	int r = k210sock_op_step(f->op);
	int errnum = errno;
	char host[16];

	(void)fd;
	(void)what;
	if (r == 0)
		return;
	if (r > 0) {
		tcpflow_release(f, k210sock_op_take_fd(f->op));
		return;
	}
	log_debug("tcp to %s:%u: %s", netif_ip(f->nat->key.daddr, host), f->nat->key.dport,
		  k210sock_op_strerror(f->op));
	if (tcpflow_busy_errno(errnum))
		tcpflow_retry(f);
	else
		tcpflow_fail(f, errnum);
}

static void tcpflow_dial(struct tcpflow *f)
{
	char host[16];
	int errnum;

	netif_ip(f->nat->key.daddr, host);
	f->op = k210sock_op_connect(netif.cfg->daemon_socket, host, f->nat->key.dport, K210SOCK_TCP);
	if (!f->op) {
		errnum = errno;
		log_debug("tcp to %s:%u: the daemon: %s", host, f->nat->key.dport, strerror(errnum));
		/* A full listen queue is busy; a missing daemon is no network. */
		if (errnum == ETIMEDOUT || tcpflow_busy_errno(errnum))
			tcpflow_retry(f);
		else
			tcpflow_fail(f, ENETUNREACH);
		return;
	}
	f->op_ev = event_new(netif.base, k210sock_op_fd(f->op), EV_READ | EV_PERSIST, tcpflow_op_cb, f);
	if (!f->op_ev || event_add(f->op_ev, NULL) < 0) {
		tcpflow_retry(f);
		return;
	}
	f->slot = true;
	tcpflow_slots++;
	f->state = TF_DIALING;
	/* The daemon bounds the connect itself; this only guards against a stuck answer. */
	tcpflow_timer(f, tcpflow_left(f) + 5000);
}

static void tcpflow_dial_next(void)
{
	struct tcpflow *f;

	while (tcpflow_slots < netif.cfg->limits.streams && (f = TAILQ_FIRST(&tcpflow_queue))) {
		tcpflow_unqueue(f);
		tcpflow_dial(f);
	}
}

static void tcpflow_enqueue(struct tcpflow *f)
{
	f->state = TF_QUEUED;
	TAILQ_INSERT_TAIL(&tcpflow_queue, f, queue);
	f->queued = true;
	tcpflow_waiting++;
	if (tcpflow_waiting > netif.ctr.tcp_queued_max)
		netif.ctr.tcp_queued_max = tcpflow_waiting;
	tcpflow_timer(f, tcpflow_left(f));
	tcpflow_dial_next();
}

/* A program's SYN to a destination it has no flow to. */
static void tcpflow_new(const uint8_t *buf, size_t len, const struct pkt *p, const struct nat_key *k)
{
	struct tcpflow *f;
	struct nat_entry *e;

	if (len > TCPFLOW_SYN_MAX || p->payload_len) {
		netif.ctr.drops_malformed++;
		return;
	}
	f = calloc(1, sizeof(*f));
	e = f ? nat_add(&netif.nat, k, true) : NULL;
	if (!e) {
		/* The program's kernel sends the SYN again: perhaps there is room then. */
		netif.ctr.tcp_table_full++;
		free(f);
		return;
	}
	e->owner = f;
	f->nat = e;
	f->stream_fd = -1;
	memcpy(f->syn, buf, len);
	f->syn_len = (uint16_t)len;
	f->isn = p->seq;
	f->deadline = monotime_ms() + netif.cfg->limits.connect_timeout_ms;
	TAILQ_INSERT_TAIL(&tcpflow_all, f, all);
	netif.ctr.tcp_opened++;
	tcpflow_enqueue(f);
}

static void tcpflow_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tcpflow *f = arg;

	(void)fd;
	(void)what;
	switch (f->state) {
	case TF_QUEUED:
		tcpflow_fail_timeout(f);
		break;
	case TF_DIALING:
		log_debug("tcp to port %u: no answer from the daemon", f->nat->key.dport);
		tcpflow_fail_timeout(f);
		break;
	case TF_RETRY:
		if (monotime_ms() >= f->deadline)
			tcpflow_fail_timeout(f);
		else
			tcpflow_enqueue(f);
		break;
	case TF_RELEASED:
		/* The handshake with the listener never completed (the program went away). */
		tcpflow_free(f);
		break;
	case TF_OPEN:
		if (f->local_gone) {
			/* Its last bytes did not go out in time. */
			tcpflow_close_remote(f);
			tcpflow_close_local(f, false);
			tcpflow_maybe_closed(f);
			break;
		}
		if (f->local_eof && f->local && f->remote) {
			enum diag_answer a = diag_tcp_socket(f->nat->key.saddr, f->nat->key.sport,
							     f->nat->key.daddr, f->nat->key.dport);

			if (a == DIAG_GONE) {
				f->local_gone = true;
				if (!evbuffer_get_length(bufferevent_get_output(f->remote))) {
					tcpflow_close_remote(f);
					tcpflow_close_local(f, false);
					tcpflow_maybe_closed(f);
					break;
				}
				tcpflow_timer(f, TCPFLOW_DRAIN_MS);
				break;
			}
			tcpflow_timer(f, TCPFLOW_DIAG_MS);
		}
		break;
	default:
		tcpflow_free(f);
		break;
	}
}

/* ---- the relay between the accepted socket and the stream ---- */

static void tcpflow_local_read(struct bufferevent *bev, void *arg)
{
	struct tcpflow *f = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	if (!f->remote) {
		/* Bytes for a remote that closed cannot arrive: say so, as its stack would. */
		tcpflow_close_local(f, true);
		tcpflow_maybe_closed(f);
		return;
	}
	f->up += n;
	netif.ctr.tcp_bytes_up += n;
	evbuffer_add_buffer(bufferevent_get_output(f->remote), in);
	if (evbuffer_get_length(bufferevent_get_output(f->remote)) >= netif.cfg->limits.buffer)
		bufferevent_disable(bev, EV_READ);
}

static void tcpflow_remote_read(struct bufferevent *bev, void *arg)
{
	struct tcpflow *f = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	f->down += n;
	netif.ctr.tcp_bytes_down += n;
	evbuffer_add_buffer(bufferevent_get_output(f->local), in);
	if (evbuffer_get_length(bufferevent_get_output(f->local)) >= netif.cfg->limits.buffer)
		bufferevent_disable(bev, EV_READ);
}

/* The program's side took bytes: read more from the stream, or pass the end on. */
static void tcpflow_local_write(struct bufferevent *bev, void *arg)
{
	struct tcpflow *f = arg;

	if (f->remote) {
		bufferevent_enable(f->remote, EV_READ);
		return;
	}
	if (f->remote_eof && !f->local_shut && !evbuffer_get_length(bufferevent_get_output(bev))) {
		shutdown(bufferevent_getfd(bev), SHUT_WR);
		f->local_shut = true;
		if (f->local_eof) {
			tcpflow_close_local(f, false);
			tcpflow_maybe_closed(f);
		}
	}
}

static void tcpflow_remote_write(struct bufferevent *bev, void *arg)
{
	struct tcpflow *f = arg;

	if (f->local_gone) {
		if (!evbuffer_get_length(bufferevent_get_output(bev))) {
			tcpflow_close_remote(f);
			tcpflow_close_local(f, false);
			tcpflow_maybe_closed(f);
		}
		return;
	}
	if (f->local && !f->local_eof)
		bufferevent_enable(f->local, EV_READ);
}

static void tcpflow_local_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcpflow *f = arg;

	(void)bev;
	if (what & BEV_EVENT_ERROR) {
		/* The program reset the connection: nothing it sent is owed any more. */
		tcpflow_close_remote(f);
		tcpflow_close_local(f, false);
		tcpflow_maybe_closed(f);
		return;
	}
	if (!(what & BEV_EVENT_EOF))
		return;
	f->local_eof = true;
	if (!f->remote) {
		tcpflow_close_local(f, false);
		tcpflow_maybe_closed(f);
		return;
	}
	/* Closed, or only shut down for writing?  The ESP8285 cannot pass a half close on. */
	tcpflow_timer(f, 0);
}

static void tcpflow_remote_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcpflow *f = arg;
	int err = (what & BEV_EVENT_ERROR) ? ECONNRESET : k210sock_stream_error(bufferevent_getfd(bev));
	bool unsent = evbuffer_get_length(bufferevent_get_output(bev)) > 0;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	tcpflow_close_remote(f);
	if (err || unsent || !f->local) {
		tcpflow_close_local(f, true);
		tcpflow_maybe_closed(f);
		return;
	}
	f->remote_eof = true;
	bufferevent_enable(f->local, EV_READ);
	tcpflow_local_write(f->local, f);
}

static void tcpflow_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			      int socklen, void *arg)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	struct nat_entry *e = NULL;
	struct tcpflow *f = NULL;
	unsigned buffer = netif.cfg->limits.buffer;

	(void)l;
	(void)arg;
	if (socklen >= (int)sizeof(*sin) && sin->sin_family == AF_INET &&
	    ntohl(sin->sin_addr.s_addr) == netif.cfg->iface.nat_address)
		e = nat_find_port(&netif.nat, ntohs(sin->sin_port));
	if (e && e->key.proto == PKT_PROTO_TCP)
		f = e->owner;
	if (!f || f->state != TF_RELEASED) {
		/* Not a connection this program released: someone else dialled the listener. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		return;
	}
	evutil_make_socket_nonblocking(f->stream_fd);
	/* The stream's bytes come in frames of the board's size: send each at once, as the
	 * remote's stack did (Nagle would hold a partial segment for the program's delayed ACK). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	f->local = bufferevent_socket_new(netif.base, fd, BEV_OPT_CLOSE_ON_FREE);
	f->remote = f->local ? bufferevent_socket_new(netif.base, f->stream_fd, BEV_OPT_CLOSE_ON_FREE)
			     : NULL;
	if (!f->local) {
		close(fd);
		tcpflow_free(f);
		return;
	}
	if (!f->remote) {
		tcpflow_free(f);
		return;
	}
	f->stream_fd = -1;
	f->state = TF_OPEN;
	if (f->timer)
		evtimer_del(f->timer);
	bufferevent_setcb(f->local, tcpflow_local_read, tcpflow_local_write, tcpflow_local_event, f);
	bufferevent_setcb(f->remote, tcpflow_remote_read, tcpflow_remote_write, tcpflow_remote_event, f);
	bufferevent_setwatermark(f->local, EV_READ, 0, buffer);
	bufferevent_setwatermark(f->remote, EV_READ, 0, buffer);
	bufferevent_setwatermark(f->local, EV_WRITE, buffer / 2, 0);
	bufferevent_setwatermark(f->remote, EV_WRITE, buffer / 2, 0);
	bufferevent_enable(f->local, EV_READ | EV_WRITE);
	bufferevent_enable(f->remote, EV_READ | EV_WRITE);
}

bool tcpflow_init(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(netif.cfg->iface.address) };
	socklen_t len = sizeof(sa);

	tcpflow_listener = evconnlistener_new_bind(netif.base, tcpflow_accept_cb, NULL,
						   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
						   TCPFLOW_BACKLOG, (struct sockaddr *)&sa, sizeof(sa));
	if (!tcpflow_listener) {
		log_warn("listener on the interface address");
		return false;
	}
	if (getsockname(evconnlistener_get_fd(tcpflow_listener), (struct sockaddr *)&sa, &len) < 0)
		return false;
	netif.listen_port = ntohs(sa.sin_port);
	return true;
}

void tcpflow_reload(void)
{
	tcpflow_dial_next();
}

void tcpflow_shutdown(void)
{
	struct tcpflow *f, *next;

	for (f = TAILQ_FIRST(&tcpflow_all); f; f = next) {
		next = TAILQ_NEXT(f, all);
		if (f->state == TF_OPEN) {
			tcpflow_close_remote(f);
			tcpflow_close_local(f, true);
		}
	}
	if (tcpflow_listener)
		evconnlistener_free(tcpflow_listener);
	tcpflow_listener = NULL;
}

/* Track the ends the packets carry: a closed flow's entry goes once they are through. */
static void tcpflow_seen(struct tcpflow *f, const struct pkt *p, bool from_app)
{
	if (p->flags & PKT_TCP_RST) {
		if (f->state == TF_CLOSED)
			tcpflow_timer(f, 0);
		return;
	}
	if (p->flags & PKT_TCP_FIN) {
		if (from_app)
			f->fin_app = true;
		else
			f->fin_listener = true;
		if (f->state == TF_CLOSED && f->fin_app && f->fin_listener)
			tcpflow_timer(f, TCPFLOW_FIN_GRACE_MS);
	}
}

static bool tcpflow_translating(const struct tcpflow *f)
{
	return f->state == TF_RELEASED || f->state == TF_OPEN || f->state == TF_CLOSED;
}

/* The listener's side: A:L -> F:n becomes D:p -> the program. */
static void tcpflow_from_listener(uint8_t *buf, size_t len, const struct pkt *p)
{
	struct nat_entry *e = nat_find_port(&netif.nat, p->dport);
	struct tcpflow *f = e && e->key.proto == PKT_PROTO_TCP ? e->owner : NULL;

	if (!f || !tcpflow_translating(f)) {
		netif.ctr.tcp_stray++;
		return;
	}
	tcpflow_seen(f, p, false);
	pkt_rewrite(buf, p, e->key.daddr, e->key.dport, e->key.saddr, e->key.sport);
	pkt_clamp_mss(buf, p, (uint16_t)(netif.cfg->iface.mtu - 40));
	netif_send(buf, len);
}

static void tcpflow_reset(const struct pkt *p)
{
	uint8_t out[PKT_IP_HLEN + 20];
	size_t n;

	if (p->flags & PKT_TCP_RST)
		return;
	netif.ctr.tcp_stray++;
	n = pkt_build_tcp_reset(out, sizeof(out), p);
	if (n)
		netif_send(out, n);
}

void tcpflow_packet(uint8_t *buf, size_t len, const struct pkt *p)
{
	const struct conf *cfg = netif.cfg;
	struct nat_key k = { PKT_PROTO_TCP, p->src, p->dst, p->sport, p->dport };
	bool syn = (p->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;
	struct nat_entry *e;
	struct tcpflow *f;

	if (p->src == cfg->iface.address && p->sport == netif.listen_port &&
	    p->dst == cfg->iface.nat_address) {
		tcpflow_from_listener(buf, len, p);
		return;
	}
	/* The interface's own addresses have no TCP service. */
	if (p->dst == cfg->iface.nat_address || p->dst == cfg->iface.resolver) {
		tcpflow_reset(p);
		return;
	}
	e = nat_find(&netif.nat, &k);
	f = e ? e->owner : NULL;
	if (f && f->state == TF_FAILED && syn && p->seq != f->isn) {
		/* A new connect from the same port: it gets its own try. */
		tcpflow_free(f);
		f = NULL;
	}
	if (!f) {
		if (syn)
			tcpflow_new(buf, len, p, &k);
		else
			tcpflow_reset(p);
		return;
	}
	if (tcpflow_translating(f)) {
		tcpflow_seen(f, p, true);
		pkt_rewrite(buf, p, cfg->iface.nat_address, e->port, cfg->iface.address, netif.listen_port);
		pkt_clamp_mss(buf, p, (uint16_t)(cfg->iface.mtu - 40));
		netif_send(buf, len);
		return;
	}
	if (p->flags & PKT_TCP_RST) {
		/* The program gave up before the connect finished. */
		if (f->state != TF_FAILED)
			tcpflow_free(f);
		return;
	}
	if (syn && f->state != TF_FAILED && len <= TCPFLOW_SYN_MAX && !p->payload_len) {
		/* A retransmission: the newest copy goes to the listener. */
		memcpy(f->syn, buf, len);
		f->syn_len = (uint16_t)len;
	}
}

void tcpflow_counts(struct tcpflow_counts *c)
{
	struct tcpflow *f;

	memset(c, 0, sizeof(*c));
	TAILQ_FOREACH(f, &tcpflow_all, all) {
		switch (f->state) {
		case TF_QUEUED:
		case TF_RETRY:
			c->waiting++;
			break;
		case TF_DIALING:
			c->connecting++;
			break;
		case TF_RELEASED:
		case TF_OPEN:
			c->open++;
			break;
		default:
			c->closing++;
			break;
		}
	}
	c->streams = tcpflow_slots;
}

void tcpflow_walk(bool (*fn)(void *ctx, const char *line), void *ctx)
{
	struct tcpflow *f;
	char line[128], a[16], b[16];

	TAILQ_FOREACH(f, &tcpflow_all, all) {
		const struct nat_key *k = &f->nat->key;

		snprintf(line, sizeof(line), "tcp %s:%u %s:%u %s up %llu down %llu",
			 netif_ip(k->saddr, a), k->sport, netif_ip(k->daddr, b), k->dport,
			 tcpflow_state_names[f->state], (unsigned long long)f->up,
			 (unsigned long long)f->down);
		if (!fn(ctx, line))
			return;
	}
}
