#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "tun.h"

#define TUN_NEEDS_ADMIN "needs CAP_NET_ADMIN: run it as root, or as k210-netif.service, which grants it"

static int tun_fail(char *err, size_t errlen, const char *what, int errnum)
{
	if (errnum == EPERM || errnum == EACCES)
		snprintf(err, errlen, "%s: %s", what, TUN_NEEDS_ADMIN);
	else
		snprintf(err, errlen, "%s: %s", what, strerror(errnum));
	return -1;
}

int tun_create(const char *name, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			snprintf(err, errlen, "/dev/net/tun: %s (the kernel's tun driver is missing: "
				 "modprobe tun; in a container, pass the device in)", strerror(errno));
		else if (errno == EACCES || errno == EPERM)
			snprintf(err, errlen, "/dev/net/tun: %s (no access to the device)", strerror(errno));
		else
			snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int errnum = errno;

		close(fd);
		char what[64];

		snprintf(what, sizeof(what), "creating interface %s", name);
		if (errnum == EBUSY)
			snprintf(err, errlen, "%s: the interface exists and another program holds it", what);
		else
			tun_fail(err, errlen, what, errnum);
		return -1;
	}
	return fd;
}

static int tun_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *what, char *err,
		     size_t errlen)
{
	char text[64];

	if (ioctl(s, req, ifr) == 0)
		return 0;
	snprintf(text, sizeof(text), "%s of %s", what, ifr->ifr_name);
	return tun_fail(err, errlen, text, errno);
}

static void tun_sockaddr(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(addr) };

	memcpy(sa, &sin, sizeof(sin));
}

/*
 * No IPv6 on the interface: the board cannot carry it.  Without an address
 * generation mode the kernel gives the interface no IPv6 address (not even
 * a link-local one) when it comes up; it is set by rtnetlink, which needs
 * CAP_NET_ADMIN only (disable_ipv6 under /proc/sys needs root as well).
 */
static int tun_ipv6_off(const char *name)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		char attrs[64];
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct rtattr *spec, *inet6, *mode;
	char buf[512];
	struct nlmsgerr e;
	ssize_t n;
	int fd, rc = -1;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = RTM_SETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	req.i.ifi_family = AF_UNSPEC;
	req.i.ifi_index = (int)if_nametoindex(name);
	spec = (struct rtattr *)req.attrs;
	spec->rta_type = IFLA_AF_SPEC;
	inet6 = (struct rtattr *)((char *)spec + RTA_LENGTH(0));
	inet6->rta_type = AF_INET6;
	mode = (struct rtattr *)((char *)inet6 + RTA_LENGTH(0));
	mode->rta_type = IFLA_INET6_ADDR_GEN_MODE;
	mode->rta_len = RTA_LENGTH(1);
	*(unsigned char *)RTA_DATA(mode) = IN6_ADDR_GEN_MODE_NONE;
	inet6->rta_len = (unsigned short)(RTA_LENGTH(0) + RTA_ALIGN(mode->rta_len));
	spec->rta_len = (unsigned short)(RTA_LENGTH(0) + inet6->rta_len);
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.i)) + spec->rta_len;
	if (!req.i.ifi_index)
		return -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) >= 0 &&
	    (n = recv(fd, buf, sizeof(buf), 0)) >= (ssize_t)NLMSG_LENGTH(sizeof(e))) {
		struct nlmsghdr h;

		memcpy(&h, buf, sizeof(h));
		memcpy(&e, buf + NLMSG_HDRLEN, sizeof(e));
		if (h.nlmsg_type == NLMSG_ERROR && e.error == 0)
			rc = 0;
		else if (h.nlmsg_type == NLMSG_ERROR)
			errno = -e.error;
	}
	close(fd);
	return rc;
}

static int tun_route(int s, const struct conf *c, const struct conf_route *r, char *err, size_t errlen)
{
	struct rtentry rt;
	char dev[CONF_NAME_MAX + 1], net[16], what[80];
	uint32_t mask = r->prefix ? ~0u << (32 - r->prefix) : 0;

	memset(&rt, 0, sizeof(rt));
	snprintf(dev, sizeof(dev), "%s", c->iface.name);
	tun_sockaddr(&rt.rt_dst, r->addr);
	tun_sockaddr(&rt.rt_genmask, mask);
	rt.rt_flags = RTF_UP;
	/* The ioctl interface counts metrics from 1 (it stores rt_metric - 1). */
	rt.rt_metric = (short)(c->iface.metric + 1);
	rt.rt_dev = dev;
	if (ioctl(s, SIOCADDRT, &rt) == 0)
		return 0;
	if (r->prefix)
		snprintf(what, sizeof(what), "route to %s/%u via %s", conf_ip(r->addr, net), r->prefix,
			 c->iface.name);
	else
		snprintf(what, sizeof(what), "default route via %s", c->iface.name);
	return tun_fail(err, errlen, what, errno);
}

int tun_configure(const struct conf *c, char *err, size_t errlen)
{
	struct ifreq ifr;
	uint32_t mask = ~0u << (32 - c->iface.prefix);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (s < 0)
		return tun_fail(err, errlen, "socket", errno);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->iface.name);
	tun_sockaddr(&ifr.ifr_addr, c->iface.address);
	if (tun_ioctl(s, SIOCSIFADDR, &ifr, "address", err, errlen) < 0)
		goto out;
	tun_sockaddr(&ifr.ifr_netmask, mask);
	if (tun_ioctl(s, SIOCSIFNETMASK, &ifr, "netmask", err, errlen) < 0)
		goto out;
	ifr.ifr_mtu = (int)c->iface.mtu;
	if (tun_ioctl(s, SIOCSIFMTU, &ifr, "MTU", err, errlen) < 0)
		goto out;
	if (tun_ipv6_off(c->iface.name) < 0)
		log_warnx("%s: IPv6 could not be turned off (%s): the board carries IPv4 only",
			  c->iface.name, strerror(errno));
	if (tun_ioctl(s, SIOCGIFFLAGS, &ifr, "flags", err, errlen) < 0)
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (tun_ioctl(s, SIOCSIFFLAGS, &ifr, "up state", err, errlen) < 0)
		goto out;
	for (unsigned i = 0; i < c->iface.nroutes; i++)
		if (tun_route(s, c, &c->iface.routes[i], err, errlen) < 0)
			goto out;
	rc = 0;
out:
	close(s);
	return rc;
}
