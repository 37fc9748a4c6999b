#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capget, &h, data);
}

bool caps_drop_all(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct none[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	/* Ambient capabilities would come back on an exec: clear them first. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return syscall(SYS_capset, &h, none) == 0;
}

bool caps_any_effective(void)
{
	struct __user_cap_data_struct d[2];

	if (caps_get(d) < 0)
		return true;
	return d[0].effective || d[1].effective || d[0].permitted || d[1].permitted;
}
