/*
 * The serial port: a tty path or usb:VID:PID[:SERIAL], opened raw 8N1 at the
 * link's start rate, non-blocking, with DTR and RTS deasserted (on Sipeed
 * boards they drive RESET and the boot-mode pin).  USB serial ports go
 * through libserialport, found by the node's device number whatever its name
 * (/dev/k210-0, a by-id link); other ttys and pseudo-terminals (the emulated
 * board: libserialport reads their modem lines, which a pty lacks) through
 * termios.
 */
#ifndef K210_SERIAL_H
#define K210_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct serial {
	int fd;
	bool is_pty;
	struct sp_port *port;     /* libserialport handle, or NULL */
	char path[4096];          /* the device opened */
	uint32_t baud;
	/* When the line will have sent every byte written, at baud: the kernel's
	 * count of queued bytes is not always there (a pty, some USB drivers). */
	uint64_t line_free_us;
};

/* Open spec; false with errno-style text in err.  s->fd is non-blocking. */
bool serial_open(struct serial *s, const char *spec, char *err, size_t errlen);
void serial_close(struct serial *s);
/* Set the line rate (drain first!); on a pty only attempted. */
bool serial_set_baud(struct serial *s, uint32_t baud);
/* write(2), and the bytes written take their line time. */
ssize_t serial_write(struct serial *s, const void *buf, size_t len);
/* Bytes still queued towards the line: the kernel's count, or the line time
 * of the bytes written if that is more. */
size_t serial_outq(const struct serial *s);
/* Wait until the kernel has sent everything (blocks: only once serial_outq is 0). */
void serial_drain(const struct serial *s);
/* Drop what the kernel still holds towards the line. */
void serial_discard(struct serial *s);

#endif
