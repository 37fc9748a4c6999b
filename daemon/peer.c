#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"

#define PEER_REPLY_MAX 8192

static enum peer_state peer_unix(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (poll(&pfd, 1, 0) != 1)
		return PEER_OPEN;
	return pfd.revents & (POLLHUP | POLLERR) ? PEER_CLOSED : PEER_OPEN;
}

/* The request names the peer's socket: its local end is our remote one. */
static bool peer_diag_request(int fd, struct inet_diag_req_v2 *req)
{
	struct sockaddr_storage local, remote;
	socklen_t ll = sizeof(local), rl = sizeof(remote);

	if (getsockname(fd, (struct sockaddr *)&local, &ll) < 0 ||
	    getpeername(fd, (struct sockaddr *)&remote, &rl) < 0 ||
	    local.ss_family != remote.ss_family)
		return false;
	memset(req, 0, sizeof(*req));
	req->sdiag_family = (uint8_t)local.ss_family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~0u;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (local.ss_family == AF_INET) {
		const struct sockaddr_in *l = (const struct sockaddr_in *)&local;
		const struct sockaddr_in *r = (const struct sockaddr_in *)&remote;

		req->id.idiag_sport = r->sin_port;
		req->id.idiag_dport = l->sin_port;
		memcpy(req->id.idiag_src, &r->sin_addr, 4);
		memcpy(req->id.idiag_dst, &l->sin_addr, 4);
	} else if (local.ss_family == AF_INET6) {
		const struct sockaddr_in6 *l = (const struct sockaddr_in6 *)&local;
		const struct sockaddr_in6 *r = (const struct sockaddr_in6 *)&remote;

		req->id.idiag_sport = r->sin6_port;
		req->id.idiag_dport = l->sin6_port;
		memcpy(req->id.idiag_src, &r->sin6_addr, 16);
		memcpy(req->id.idiag_dst, &l->sin6_addr, 16);
	} else {
		return false;
	}
	return true;
}

/* One exact lookup: the socket's inode is 0 once no process owns it. */
static enum peer_state peer_diag_answer(const uint8_t *buf, ssize_t n)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

	if (n < (ssize_t)sizeof(*h) || (size_t)n < h->nlmsg_len)
		return PEER_UNKNOWN;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return PEER_UNKNOWN;
		/* No such socket: it is closed and gone. */
		return e->error == -ENOENT ? PEER_CLOSED : PEER_UNKNOWN;
	}
	if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
	    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
		const struct inet_diag_msg *m = NLMSG_DATA(h);

		return m->idiag_inode == 0 ? PEER_CLOSED : PEER_OPEN;
	}
	return PEER_UNKNOWN;
}

static enum peer_state peer_tcp(int fd)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} q;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t buf[PEER_REPLY_MAX] __attribute__((aligned(4)));
	enum peer_state st = PEER_UNKNOWN;
	int nl;
	ssize_t n;

	if (!peer_diag_request(fd, &q.r))
		return PEER_UNKNOWN;
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return PEER_UNKNOWN;
	q.h.nlmsg_len = sizeof(q);
	q.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.h.nlmsg_flags = NLM_F_REQUEST;
	q.h.nlmsg_seq = 1;
	q.h.nlmsg_pid = 0;
	if (sendto(nl, &q, sizeof(q), 0, (struct sockaddr *)&kernel, sizeof(kernel)) ==
	    (ssize_t)sizeof(q)) {
		do
			n = recv(nl, buf, sizeof(buf), 0);
		while (n < 0 && errno == EINTR);
		st = peer_diag_answer(buf, n);
	}
	close(nl);
	return st;
}

enum peer_state peer_state(int fd, bool tcp)
{
	enum peer_state st = peer_unix(fd);

	/* A reset or both directions closed: POLLHUP on TCP too. */
	if (st == PEER_CLOSED || !tcp)
		return st;
	return peer_tcp(fd);
}
