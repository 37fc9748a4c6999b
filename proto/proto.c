#include "proto.h"

const char *proto_err_str(int err)
{
	static const char *const names[PROTO_ERR_COUNT] = {
		[PROTO_OK] = "success",
		[PROTO_EINVAL] = "invalid argument",
		[PROTO_ENOTSUP] = "operation not supported",
		[PROTO_ENOBUFS] = "no buffer space available",
		[PROTO_EMFILE] = "no free socket on the board",
		[PROTO_EBADF] = "unknown socket",
		[PROTO_EBUSY] = "resource busy",
		[PROTO_EAGAIN] = "try again",
		[PROTO_ENETDOWN] = "WiFi not connected",
		[PROTO_EHOSTUNREACH] = "host unreachable",
		[PROTO_ECONNREFUSED] = "connection refused",
		[PROTO_ECONNRESET] = "connection reset",
		[PROTO_ETIMEDOUT] = "timed out",
		[PROTO_ENOTCONN] = "not connected",
		[PROTO_EADDRINUSE] = "address in use",
		[PROTO_EMSGSIZE] = "message too long",
		[PROTO_EACCES] = "permission denied",
		[PROTO_ENOHOST] = "name does not resolve",
		[PROTO_EAUTH] = "WiFi authentication failed",
		[PROTO_ENOAP] = "WiFi access point not found",
		[PROTO_EIO] = "WiFi module error",
		[PROTO_EPROTO] = "protocol error",
		[PROTO_ENODEV] = "no board attached",
		[PROTO_EVERSION] = "incompatible protocol version",
		[PROTO_ECANCELED] = "cancelled",
		[PROTO_EPIPE] = "broken pipe",
		[PROTO_EALREADY] = "already in progress",
		[PROTO_ECONNABORTED] = "connection aborted",
		[PROTO_EUDPREFUSED] = "the WiFi module refused the UDP socket",
		[PROTO_ENETRESET] = "the WiFi module stopped answering and was reset",
	};

	if (err < 0 || err >= PROTO_ERR_COUNT)
		return "unknown error";
	return names[err];
}

const char *proto_type_name(int type)
{
	switch (type & 0x7f) {
	case PROTO_HELLO: return "HELLO";
	case PROTO_DEVICE_INFO: return "DEVICE_INFO";
	case PROTO_RESET: return "RESET";
	case PROTO_WIFI_STATUS: return "WIFI_STATUS";
	case PROTO_WIFI_JOIN: return "WIFI_JOIN";
	case PROTO_WIFI_SCAN: return "WIFI_SCAN";
	case PROTO_WIFI_LEAVE: return "WIFI_LEAVE";
	case PROTO_RESOLVE: return "RESOLVE";
	case PROTO_STATUS: return "STATUS";
	case PROTO_SUBSCRIBE: return "SUBSCRIBE";
	case PROTO_PING: return "PING";
	case PROTO_CONNECT: return "CONNECT";
	case PROTO_UDP_BIND: return "UDP_BIND";
	case PROTO_LISTEN: return "LISTEN";
	case PROTO_ACCEPT: return "ACCEPT";
	case PROTO_CLOSE: return "CLOSE";
	case PROTO_SETSOCKOPT: return "SETSOCKOPT";
	case PROTO_DATA: return "DATA";
	case PROTO_DATAGRAM: return "DATAGRAM";
	case PROTO_CREDIT: return "CREDIT";
	case PROTO_EV_CLOSED: return "EV_CLOSED";
	case PROTO_EV_ACCEPTED: return "EV_ACCEPTED";
	case PROTO_EV_WIFI: return "EV_WIFI";
	case PROTO_EV_DEVICE: return "EV_DEVICE";
	case PROTO_EV_LOG: return "EV_LOG";
	}
	return "UNKNOWN";
}
