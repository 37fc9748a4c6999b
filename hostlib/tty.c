#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tty.h"

speed_t tty_speed(uint32_t baud)
{
	switch (baud) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	case 460800: return B460800;
	case 500000: return B500000;
	case 576000: return B576000;
	case 921600: return B921600;
	case 1000000: return B1000000;
	case 1152000: return B1152000;
	case 1500000: return B1500000;
	case 2000000: return B2000000;
	case 2500000: return B2500000;
	case 3000000: return B3000000;
	case 3500000: return B3500000;
	case 4000000: return B4000000;
	default: return 0;
	}
}

int tty_raw(int fd, uint32_t baud)
{
	struct termios tio;

	if (tcgetattr(fd, &tio) < 0)
		return -1;
	cfmakeraw(&tio);
	tio.c_cflag &= (tcflag_t)~HUPCL;
	tio.c_cflag |= CLOCAL | CREAD;
	if (tty_speed(baud))
		cfsetspeed(&tio, tty_speed(baud));
	return tcsetattr(fd, TCSANOW, &tio);
}

int tty_set_baud(int fd, uint32_t baud)
{
	struct termios tio;

	if (!tty_speed(baud)) {
		errno = EINVAL;
		return -1;
	}
	if (tcgetattr(fd, &tio) < 0)
		return -1;
	cfsetspeed(&tio, tty_speed(baud));
	return tcsetattr(fd, TCSADRAIN, &tio);
}

int tty_pty_open(struct tty_pty *p)
{
	p->hold = -1;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (p->master < 0 || grantpt(p->master) < 0 || unlockpt(p->master) < 0 ||
	    ptsname_r(p->master, p->slave, sizeof(p->slave)) != 0)
		goto fail;
	p->hold = open(p->slave, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (p->hold < 0 || tty_raw(p->hold, 115200) < 0)
		goto fail;
	return 0;
fail:
	tty_pty_close(p);
	return -1;
}

void tty_pty_close(struct tty_pty *p)
{
	int saved = errno;

	if (p->hold >= 0)
		close(p->hold);
	if (p->master >= 0)
		close(p->master);
	p->master = p->hold = -1;
	errno = saved;
}

int tty_publish(const char *target, const char *link)
{
	char tmp[PATH_MAX];
	struct stat st;

	if (lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", link, (long)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -1;
	/* A program opening the path sees the old device or the new one, never none. */
	if (rename(tmp, link) < 0) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

void tty_unpublish(const char *target, const char *link)
{
	char now[PATH_MAX];
	ssize_t n = readlink(link, now, sizeof(now) - 1);

	if (n <= 0)
		return;
	now[n] = '\0';
	if (strcmp(now, target) == 0)
		unlink(link);
}
