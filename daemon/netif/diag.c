#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"

enum diag_answer diag_parse_reply(const uint8_t *buf, size_t n)
{
	struct nlmsghdr h;
	struct inet_diag_msg m;

	if (n < sizeof(h))
		return DIAG_UNKNOWN;
	memcpy(&h, buf, sizeof(h));
	if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > n)
		return DIAG_UNKNOWN;
	if (h.nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr e;

		if (h.nlmsg_len < NLMSG_LENGTH(sizeof(e)))
			return DIAG_UNKNOWN;
		memcpy(&e, buf + NLMSG_HDRLEN, sizeof(e));
		/* No such socket: its program closed it and the kernel let it go. */
		return e.error == -ENOENT ? DIAG_GONE : DIAG_UNKNOWN;
	}
	if (h.nlmsg_type != SOCK_DIAG_BY_FAMILY || h.nlmsg_len < NLMSG_LENGTH(sizeof(m)))
		return DIAG_UNKNOWN;
	memcpy(&m, buf + NLMSG_HDRLEN, sizeof(m));
	return m.idiag_inode == 0 ? DIAG_GONE : DIAG_OPEN;
}

enum diag_answer diag_tcp_socket(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint8_t buf[1024];
	struct timeval tv = { 0, 200000 };
	enum diag_answer a = DIAG_UNKNOWN;
	ssize_t n;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0)
		return DIAG_UNKNOWN;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = 1;
	req.r.sdiag_family = AF_INET;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_sport = htons(sport);
	req.r.id.idiag_dport = htons(dport);
	req.r.id.idiag_src[0] = htonl(src);
	req.r.id.idiag_dst[0] = htonl(dst);
	req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	/* The kernel answers at once; the bound only guards against a surprise. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) == (ssize_t)sizeof(req)) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0)
			a = diag_parse_reply(buf, (size_t)n);
	}
	close(fd);
	return a;
}
