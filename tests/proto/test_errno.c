/* Every protocol error maps to an errno and back. */
#include <errno.h>

#include "check.h"
#include "proto.h"
#include "proto_errno.h"

int main(void)
{
	check_case = "round trip";
	for (int e = 0; e < PROTO_ERR_COUNT; e++) {
		int errnum = proto_errno_from_err(e);

		CHECK(e == PROTO_OK ? errnum == 0 : errnum > 0);
		/* Aliases (ENOHOST, EAUTH, ...) come back as their plain meaning. */
		CHECK_EQ(proto_errno_from_err(proto_errno_to_err(errnum)), errnum);
	}
	check_case = "specific mappings";
	CHECK_EQ(proto_errno_from_err(PROTO_ECONNRESET), ECONNRESET);
	CHECK_EQ(proto_errno_from_err(PROTO_ENODEV), ENODEV);
	CHECK_EQ(proto_errno_to_err(ECONNREFUSED), PROTO_ECONNREFUSED);
	CHECK_EQ(proto_errno_to_err(EWOULDBLOCK), PROTO_EAGAIN);
	CHECK_EQ(proto_errno_to_err(ENOTTY), PROTO_EIO);
	CHECK_EQ(proto_errno_from_err(200), EIO);
	return check_done("test_errno");
}
