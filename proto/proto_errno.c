#include <errno.h>

#include "proto.h"
#include "proto_errno.h"

static const int proto_errno_table[PROTO_ERR_COUNT] = {
	[PROTO_OK] = 0,
	[PROTO_EINVAL] = EINVAL,
	[PROTO_ENOTSUP] = EOPNOTSUPP,
	[PROTO_ENOBUFS] = ENOBUFS,
	[PROTO_EMFILE] = EMFILE,
	[PROTO_EBADF] = EBADF,
	[PROTO_EBUSY] = EBUSY,
	[PROTO_EAGAIN] = EAGAIN,
	[PROTO_ENETDOWN] = ENETDOWN,
	[PROTO_EHOSTUNREACH] = EHOSTUNREACH,
	[PROTO_ECONNREFUSED] = ECONNREFUSED,
	[PROTO_ECONNRESET] = ECONNRESET,
	[PROTO_ETIMEDOUT] = ETIMEDOUT,
	[PROTO_ENOTCONN] = ENOTCONN,
	[PROTO_EADDRINUSE] = EADDRINUSE,
	[PROTO_EMSGSIZE] = EMSGSIZE,
	[PROTO_EACCES] = EACCES,
	[PROTO_ENOHOST] = EHOSTUNREACH,
	[PROTO_EAUTH] = EACCES,
	[PROTO_ENOAP] = ENETUNREACH,
	[PROTO_EIO] = EIO,
	[PROTO_EPROTO] = EPROTO,
	[PROTO_ENODEV] = ENODEV,
	[PROTO_EVERSION] = EPROTONOSUPPORT,
	[PROTO_ECANCELED] = ECANCELED,
	[PROTO_EPIPE] = EPIPE,
	[PROTO_EALREADY] = EALREADY,
	[PROTO_ECONNABORTED] = ECONNABORTED,
	[PROTO_EUDPREFUSED] = EIO,
	[PROTO_ENETRESET] = ENETRESET,
};

int proto_errno_from_err(int err)
{
	if (err < 0 || err >= PROTO_ERR_COUNT)
		return EIO;
	return proto_errno_table[err];
}

int proto_errno_to_err(int errnum)
{
	if (errnum == 0)
		return PROTO_OK;
	if (errnum == EWOULDBLOCK)
		return PROTO_EAGAIN;
	/* First match wins, so the plain meaning is preferred over aliases. */
	for (int i = 1; i < PROTO_ERR_COUNT; i++)
		if (proto_errno_table[i] == errnum)
			return i;
	return PROTO_EIO;
}
