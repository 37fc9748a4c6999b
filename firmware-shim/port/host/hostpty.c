#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "elog.h"
#include "hostpty.h"

int hostpty_open(struct hostpty *p, const char *link)
{
	char tmp[PATH_MAX];
	struct termios tio;

	p->master = p->hold = -1;
	p->link = link;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (p->master < 0 || grantpt(p->master) < 0 || unlockpt(p->master) < 0 ||
	    ptsname_r(p->master, p->slave, sizeof(p->slave)) != 0) {
		elog_warn("cannot create a pty: %s", strerror(errno));
		hostpty_close(p);
		return -1;
	}
	p->hold = open(p->slave, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (p->hold < 0 || tcgetattr(p->hold, &tio) < 0) {
		elog_warn("cannot open %s: %s", p->slave, strerror(errno));
		hostpty_close(p);
		return -1;
	}
	/* A serial port as a host program finds it: raw, 8N1, no echo, nothing translated. */
	cfmakeraw(&tio);
	cfsetspeed(&tio, B115200);
	tcsetattr(p->hold, TCSANOW, &tio);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", link, (long)getpid()) >= sizeof(tmp)) {
		elog_warn("link path too long: %s", link);
		hostpty_close(p);
		return -1;
	}
	unlink(tmp);
	if (symlink(p->slave, tmp) < 0 || rename(tmp, link) < 0) {
		elog_warn("cannot publish %s -> %s: %s", link, p->slave, strerror(errno));
		unlink(tmp);
		hostpty_close(p);
		return -1;
	}
	elog_info("USB line %s -> %s", link, p->slave);
	return 0;
}

void hostpty_close(struct hostpty *p)
{
	char target[PATH_MAX];
	ssize_t n;

	if (p->link && p->master >= 0) {
		n = readlink(p->link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (strcmp(target, p->slave) == 0)
				unlink(p->link);
		}
	}
	if (p->hold >= 0)
		close(p->hold);
	if (p->master >= 0)
		close(p->master);
	p->master = p->hold = -1;
}
