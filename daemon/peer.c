#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "peer.h"

#define PEER_REPLY_MAX 8192

static bool peer_hangup(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

/* One request to the kernel's socket diagnostics; the answer's length, or -1. */
static ssize_t peer_diag(const void *req, size_t len, uint8_t *buf, size_t size)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr h = {
		.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + len),
		.nlmsg_type = SOCK_DIAG_BY_FAMILY,
		.nlmsg_flags = NLM_F_REQUEST,
		.nlmsg_seq = 1,
	};
	struct iovec iov[2] = { { &h, NLMSG_HDRLEN }, { (void *)(uintptr_t)req, len } };
	struct msghdr mh = { .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = iov,
			     .msg_iovlen = 2 };
	ssize_t n = -1;
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (nl < 0)
		return -1;
	if (sendmsg(nl, &mh, 0) == (ssize_t)h.nlmsg_len) {
		do
			n = recv(nl, buf, size, 0);
		while (n < 0 && errno == EINTR);
	}
	close(nl);
	return n;
}

/*
 * Once both directions are shut down (the client's half close and ours
 * after the remote's end) a Unix socket hangs up although the client may
 * still hold it: the diagnostics name its peer's inode, 0 once closed.
 */
static enum peer_state peer_unix(int fd)
{
	struct unix_diag_req req = {
		.sdiag_family = AF_UNIX,
		.udiag_states = ~0u,
		.udiag_show = UDIAG_SHOW_PEER,
		.udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
	};
	uint8_t buf[PEER_REPLY_MAX] __attribute__((aligned(4)));
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct stat st;
	ssize_t n;
	int len;

	if (!peer_hangup(fd))
		return PEER_OPEN;
	if (fstat(fd, &st) < 0)
		return PEER_CLOSED;
	req.udiag_ino = (uint32_t)st.st_ino;
	n = peer_diag(&req, sizeof(req), buf, sizeof(buf));
	if (n < (ssize_t)NLMSG_HDRLEN || (size_t)n < h->nlmsg_len || h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
		return PEER_CLOSED;   /* no diagnostics: a hang-up is taken as the close */
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(struct unix_diag_msg)));
	for (struct rtattr *a = (struct rtattr *)((uint8_t *)NLMSG_DATA(h) +
							      NLMSG_ALIGN(sizeof(struct unix_diag_msg)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			return *(const uint32_t *)RTA_DATA(a) ? PEER_OPEN : PEER_CLOSED;
	return PEER_CLOSED;
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
static enum peer_state peer_diag_answer(uint8_t *buf, ssize_t n)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

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
	struct inet_diag_req_v2 req;
	uint8_t buf[PEER_REPLY_MAX] __attribute__((aligned(4)));

	if (!peer_diag_request(fd, &req))
		return PEER_UNKNOWN;
	return peer_diag_answer(buf, peer_diag(&req, sizeof(req), buf, sizeof(buf)));
}

enum peer_state peer_state(int fd, bool tcp)
{
	if (!tcp)
		return peer_unix(fd);
	/* A reset: a hang-up on TCP too. */
	return peer_hangup(fd) ? PEER_CLOSED : peer_tcp(fd);
}
