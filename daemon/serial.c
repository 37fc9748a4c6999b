#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"
#include "serial.h"
#include "tty.h"

#define SERIAL_START_BAUD 115200

/*
 * The kernel's termios2 (asm/termbits.h clashes with glibc's termios.h):
 * BOTHER in c_cflag with c_ispeed/c_ospeed sets any rate.
 */
struct serial_termios2 {
	unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line;
	unsigned char c_cc[19];
	unsigned int c_ispeed, c_ospeed;
};
#define SERIAL_TCGETS2 _IOR('T', 0x2A, struct serial_termios2)
#define SERIAL_TCSETS2 _IOW('T', 0x2B, struct serial_termios2)
#define SERIAL_BOTHER 0010000
#define SERIAL_CBAUD 0010017

static bool serial_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return false;
}

/* Raw 8N1, no flow control, no hangup on close (that would toggle DTR). */
static bool serial_termios_raw(int fd, char *err, size_t errlen)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return serial_fail(err, errlen, "tcgetattr");
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= (tcflag_t)~(HUPCL | CRTSCTS | CSTOPB | PARENB);
	t.c_iflag &= (tcflag_t)~(IXON | IXOFF | IXANY);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return serial_fail(err, errlen, "tcsetattr");
	return true;
}

static void serial_lines_low(int fd)
{
	int bits = TIOCM_DTR | TIOCM_RTS;

	/* A pty has no modem lines: ENOTTY/EINVAL there is expected. */
	if (ioctl(fd, TIOCMBIC, &bits) < 0 && errno != ENOTTY && errno != EINVAL)
		log_warn("cannot deassert DTR/RTS");
}

static bool serial_open_tty(struct serial *s, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return serial_fail(err, errlen, path);
	serial_lines_low(fd);
	if (!isatty(fd)) {
		close(fd);
		snprintf(err, errlen, "%s: not a terminal", path);
		return false;
	}
	if (!s->is_pty && ioctl(fd, TIOCEXCL) < 0)
		log_warn("%s: cannot get exclusive access", path);
	if (!serial_termios_raw(fd, err, errlen)) {
		close(fd);
		return false;
	}
	tcflush(fd, TCIOFLUSH);
	s->fd = fd;
	s->baud = SERIAL_START_BAUD;
	return true;
}

static bool serial_sp_check(enum sp_return r, const char *what, char *err, size_t errlen)
{
	if (r == SP_OK)
		return true;
	if (r == SP_ERR_FAIL) {
		char *m = sp_last_error_message();

		snprintf(err, errlen, "%s: %s", what, m ? m : "failed");
		sp_free_error_message(m);
	} else {
		snprintf(err, errlen, "%s: libserialport error %d", what, (int)r);
	}
	return false;
}

/* Open a USB serial port with libserialport and configure it. */
static bool serial_open_sp(struct serial *s, struct sp_port *port, char *err, size_t errlen)
{
	struct sp_port_config *pc = NULL;
	int fd;
	bool ok;

	if (!serial_sp_check(sp_open(port, SP_MODE_READ_WRITE), sp_get_port_name(port), err,
			     errlen))
		return false;
	ok = serial_sp_check(sp_new_config(&pc), "config", err, errlen) &&
	     serial_sp_check(sp_set_config_baudrate(pc, SERIAL_START_BAUD), "baud", err, errlen) &&
	     serial_sp_check(sp_set_config_bits(pc, 8), "bits", err, errlen) &&
	     serial_sp_check(sp_set_config_parity(pc, SP_PARITY_NONE), "parity", err, errlen) &&
	     serial_sp_check(sp_set_config_stopbits(pc, 1), "stop bits", err, errlen) &&
	     serial_sp_check(sp_set_config_flowcontrol(pc, SP_FLOWCONTROL_NONE), "flow control",
			     err, errlen) &&
	     serial_sp_check(sp_set_config_dtr(pc, SP_DTR_OFF), "DTR", err, errlen) &&
	     serial_sp_check(sp_set_config_rts(pc, SP_RTS_OFF), "RTS", err, errlen) &&
	     serial_sp_check(sp_set_config(port, pc), sp_get_port_name(port), err, errlen);
	if (pc)
		sp_free_config(pc);
	if (!ok || sp_get_port_handle(port, &fd) != SP_OK) {
		if (ok)
			snprintf(err, errlen, "%s: no handle", sp_get_port_name(port));
		sp_close(port);
		return false;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		serial_fail(err, errlen, "fcntl");
		sp_close(port);
		return false;
	}
	/* The settings above leave canonical processing and HUPCL to termios. */
	if (!serial_termios_raw(fd, err, errlen)) {
		sp_close(port);
		return false;
	}
	serial_lines_low(fd);
	tcflush(fd, TCIOFLUSH);
	s->fd = fd;
	s->port = port;
	s->baud = SERIAL_START_BAUD;
	return true;
}

/* "usb:VID:PID[:SERIAL]": the first matching USB serial port. */
static bool serial_open_usb(struct serial *s, const char *spec, char *err, size_t errlen)
{
	unsigned vid, pid;
	char serial_no[128] = "";
	struct sp_port **list = NULL;
	struct sp_port *found = NULL;
	int n = 0;

	if (sscanf(spec, "usb:%x:%x%n", &vid, &pid, &n) != 2) {
		snprintf(err, errlen, "%s: bad usb:VID:PID", spec);
		return false;
	}
	if (spec[n] == ':')
		snprintf(serial_no, sizeof(serial_no), "%s", spec + n + 1);
	if (!serial_sp_check(sp_list_ports(&list), "listing serial ports", err, errlen))
		return false;
	for (int i = 0; list[i]; i++) {
		int v, p;
		const char *sn;

		if (sp_get_port_transport(list[i]) != SP_TRANSPORT_USB ||
		    sp_get_port_usb_vid_pid(list[i], &v, &p) != SP_OK ||
		    (unsigned)v != vid || (unsigned)p != pid)
			continue;
		sn = sp_get_port_usb_serial(list[i]);
		if (serial_no[0] && (!sn || strcmp(sn, serial_no) != 0))
			continue;
		if (sp_copy_port(list[i], &found) != SP_OK)
			found = NULL;
		break;
	}
	sp_free_port_list(list);
	if (!found) {
		snprintf(err, errlen, "%s: no such USB serial device", spec);
		errno = ENOENT;
		return false;
	}
	snprintf(s->path, sizeof(s->path), "%s", sp_get_port_name(found));
	if (!serial_open_sp(s, found, err, errlen)) {
		sp_free_port(found);
		return false;
	}
	return true;
}

/* UNIX 98 pseudo-terminal slaves (/dev/pts/N) and the multiplexer /dev/ptmx. */
static bool serial_is_pty(dev_t dev)
{
	return (major(dev) >= 136 && major(dev) <= 143) || (major(dev) == 5 && minor(dev) == 2);
}

/*
 * The port's kernel name (/dev/ttyUSB0), found from the node's device number
 * in sysfs, so that any name of the node -- a udev link, a by-id link, a node
 * made elsewhere -- leads to it; libserialport knows ports only by that name.
 */
static bool serial_kernel_name(dev_t dev, char *name, size_t cap)
{
	char link[64], target[PATH_MAX];
	const char *base;
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u", major(dev), minor(dev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	if ((size_t)snprintf(name, cap, "/dev/%s", base ? base + 1 : target) >= cap)
		return false;
	/* libserialport opens that name: it must be the same device. */
	return stat(name, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == dev;
}

bool serial_open(struct serial *s, const char *spec, char *err, size_t errlen)
{
	char name[PATH_MAX];
	struct sp_port *port = NULL;
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (strncmp(spec, "usb:", 4) == 0)
		return serial_open_usb(s, spec, err, errlen);
	if (stat(spec, &st) < 0)
		return serial_fail(err, errlen, spec);
	snprintf(s->path, sizeof(s->path), "%s", spec);
	s->is_pty = S_ISCHR(st.st_mode) && serial_is_pty(st.st_rdev);
	/* A pty has no sysfs entry, and no modem lines for libserialport to read. */
	if (s->is_pty || !S_ISCHR(st.st_mode) || !serial_kernel_name(st.st_rdev, name, sizeof(name)) ||
	    sp_get_port_by_name(name, &port) != SP_OK ||
	    sp_get_port_transport(port) != SP_TRANSPORT_USB) {
		if (port)
			sp_free_port(port);
		return serial_open_tty(s, spec, err, errlen);
	}
	snprintf(s->path, sizeof(s->path), "%s", name);
	if (!serial_open_sp(s, port, err, errlen)) {
		sp_free_port(port);
		return false;
	}
	return true;
}

void serial_close(struct serial *s)
{
	if (s->port) {
		sp_close(s->port);
		sp_free_port(s->port);
		s->port = NULL;
	} else if (s->fd >= 0) {
		close(s->fd);
	}
	s->fd = -1;
}

bool serial_set_baud(struct serial *s, uint32_t baud)
{
	speed_t sp = tty_speed(baud);
	bool ok;

	if (sp) {
		struct termios t;

		ok = tcgetattr(s->fd, &t) == 0 && cfsetispeed(&t, sp) == 0 &&
		     cfsetospeed(&t, sp) == 0 && tcsetattr(s->fd, TCSANOW, &t) == 0;
	} else {
		struct serial_termios2 t2;

		ok = ioctl(s->fd, SERIAL_TCGETS2, &t2) == 0;
		if (ok) {
			t2.c_cflag &= ~(unsigned)SERIAL_CBAUD;
			t2.c_cflag |= SERIAL_BOTHER;
			t2.c_ispeed = baud;
			t2.c_ospeed = baud;
			ok = ioctl(s->fd, SERIAL_TCSETS2, &t2) == 0;
		}
	}
	if (ok || s->is_pty)
		s->baud = baud;
	if (!ok && s->is_pty) {
		/* The rate means nothing on a pty. */
		log_debug("%s: rate %u not set on the pty: %s", s->path, baud, strerror(errno));
		return true;
	}
	if (!ok)
		log_warn("%s: cannot set %u baud", s->path, baud);
	return ok;
}

ssize_t serial_write(struct serial *s, const void *buf, size_t len)
{
	ssize_t n = write(s->fd, buf, len);

	if (n > 0 && s->baud) {
		uint64_t now = monotime_us();

		if (s->line_free_us < now)
			s->line_free_us = now;
		s->line_free_us += (uint64_t)n * 10u * 1000000u / s->baud;
	}
	return n;
}

size_t serial_outq(const struct serial *s)
{
	uint64_t now = monotime_us();
	size_t line = 0;
	int n = 0;

	if (s->baud && s->line_free_us > now)
		line = (size_t)((s->line_free_us - now) * s->baud / 10u / 1000000u);
	if (ioctl(s->fd, TIOCOUTQ, &n) < 0 || n < 0)
		n = 0;
	return (size_t)n > line ? (size_t)n : line;
}

void serial_drain(const struct serial *s)
{
	if (tcdrain(s->fd) < 0 && errno != ENOTTY && errno != EINVAL)
		log_debug("%s: tcdrain: %s", s->path, strerror(errno));
}

void serial_discard(struct serial *s)
{
	if (tcflush(s->fd, TCOFLUSH) < 0 && errno != ENOTTY && errno != EINVAL)
		log_debug("%s: tcflush: %s", s->path, strerror(errno));
	s->line_free_us = 0;
}
