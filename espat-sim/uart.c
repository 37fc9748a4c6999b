#include "monotime.h"
#include "uart.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "trace.h"
#include "tty.h"

/* The ESP8266 UART TX FIFO holds 128 bytes: output may run this far ahead of the wire. */
#define UART_FIFO_BYTES 128
/* Refill the FIFO in batches rather than byte by byte, as the firmware's TX interrupt does. */
#define UART_REFILL_BYTES 32
#define UART_READ_CHUNK 4096
#define UART_BITS_PER_BYTE 10

static struct {
	int in_fd;
	int out_fd;
	struct tty_pty pty;
	char *pty_link;
	bool eof;
	bool unpaced;
	bool burst;
	int64_t hold_until;   /* burst mode: output waits until then */
	uart_input_fn on_input;
	uint8_t queue[UART_QUEUE_SIZE];
	size_t head;
	size_t len;
	uint64_t total_queued;
	uint64_t total_sent;
	unsigned long baud;
	bool switch_pending;
	unsigned long switch_baud;
	uint64_t switch_at;
	int64_t line_free;
} uart = { .in_fd = -1, .out_fd = -1, .pty = { .master = -1, .hold = -1 }, .baud = UART_DEFAULT_BAUD };

static void uart_make_nonblocking(int fd)
{
	int flags;

	/* A terminal is shared with the invoking shell: leave its mode alone. */
	if (isatty(fd))
		return;
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int uart_open_stdio(uart_input_fn on_input)
{
	uart.in_fd = STDIN_FILENO;
	uart.out_fd = STDOUT_FILENO;
	uart.on_input = on_input;
	uart_make_nonblocking(uart.in_fd);
	uart_make_nonblocking(uart.out_fd);
	return 0;
}

int uart_open_pty(const char *link_path, uart_input_fn on_input)
{
	/*
	 * The pty holds its slave open, so the master stays usable while no host has the port open, as a
	 * real chip keeps running when the host closes its serial port; raw mode makes the line binary safe.
	 */
	if (tty_pty_open(&uart.pty) < 0) {
		log_warn("cannot create a pty");
		return -1;
	}
	if (tty_publish(uart.pty.slave, link_path) < 0) {
		log_warn("cannot publish %s as %s", uart.pty.slave, link_path);
		tty_pty_close(&uart.pty);
		return -1;
	}
	uart.pty_link = strdup(link_path);
	if (uart.pty_link == NULL)
		log_fatal("strdup");
	uart.in_fd = uart.pty.master;
	uart.out_fd = uart.pty.master;
	uart.on_input = on_input;
	log_info("serving pty %s as %s", uart.pty.slave, link_path);
	return 0;
}

void uart_close(void)
{
	if (uart.pty_link != NULL) {
		tty_unpublish(uart.pty.slave, uart.pty_link);
		free(uart.pty_link);
		uart.pty_link = NULL;
	}
}

bool uart_eof(void)
{
	return uart.eof;
}

void uart_set_unpaced(bool unpaced)
{
	uart.unpaced = unpaced;
}

void uart_set_burst(bool burst)
{
	uart.burst = burst;
}

void uart_set_baud_after_pending(unsigned long baud)
{
	if (uart.len == 0 && !uart.switch_pending) {
		uart.baud = baud;
		trace_note("baud %lu", baud);
		return;
	}
	uart.switch_pending = true;
	uart.switch_baud = baud;
	uart.switch_at = uart.total_queued;
}

unsigned long uart_baud(void)
{
	return uart.switch_pending ? uart.switch_baud : uart.baud;
}

bool uart_put(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t tail;

	if (len > UART_QUEUE_SIZE - uart.len) {
		log_warnx("UART output queue full: %zu bytes not sent", len);
		return false;
	}
	if (uart.burst && uart.len == 0 && len > 0)
		uart.hold_until = monotime_ns() + UART_BURST_MS * LOOP_NS_PER_MS;
	tail = (uart.head + uart.len) % UART_QUEUE_SIZE;
	for (size_t done = 0; done < len;) {
		size_t n = UART_QUEUE_SIZE - tail;

		if (n > len - done)
			n = len - done;
		memcpy(uart.queue + tail, p + done, n);
		done += n;
		tail = (tail + n) % UART_QUEUE_SIZE;
	}
	uart.len += len;
	uart.total_queued += len;
	return true;
}

size_t uart_pending(void)
{
	return uart.len;
}

size_t uart_room(void)
{
	return UART_QUEUE_SIZE - uart.len;
}

void uart_discard(void)
{
	uart.total_sent += uart.len;
	uart.head = 0;
	uart.len = 0;
	if (uart.switch_pending) {
		uart.switch_pending = false;
		uart.baud = uart.switch_baud;
	}
}

static void uart_apply_due_switch(void)
{
	if (uart.switch_pending && uart.total_sent >= uart.switch_at) {
		uart.switch_pending = false;
		uart.baud = uart.switch_baud;
		trace_note("baud %lu", uart.baud);
	}
}

static int64_t uart_byte_ns(void)
{
	return (int64_t)(UART_BITS_PER_BYTE * LOOP_NS_PER_S / uart.baud);
}

/* How many bytes may go to the host now; otherwise sets *wake to when enough may. */
static size_t uart_allowed(int64_t now, int64_t *wake)
{
	size_t limit = uart.len, want;
	int64_t byte_ns, room;

	*wake = -1;
	uart_apply_due_switch();
	if (uart.switch_pending && uart.switch_at - uart.total_sent < limit)
		limit = (size_t)(uart.switch_at - uart.total_sent);
	if (limit > 0 && uart.burst && now < uart.hold_until) {
		*wake = uart.hold_until;
		return 0;
	}
	if (uart.unpaced || limit == 0)
		return limit;
	byte_ns = uart_byte_ns();
	if (uart.line_free < now)
		uart.line_free = now;
	room = (now + UART_FIFO_BYTES * byte_ns - uart.line_free) / byte_ns;
	want = limit < UART_REFILL_BYTES ? limit : UART_REFILL_BYTES;
	if (room >= (int64_t)want)
		return (size_t)room < limit ? (size_t)room : limit;
	*wake = uart.line_free - UART_FIFO_BYTES * byte_ns + (int64_t)want * byte_ns;
	return 0;
}

static void uart_on_writable(int fd, short revents, void *ctx)
{
	int64_t wake, now = monotime_ns();
	size_t n = uart_allowed(now, &wake);
	ssize_t w;

	(void)ctx;
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		if (uart.pty_link == NULL) {
			log_info("host side of the UART closed");
			uart.eof = true;
			return;
		}
	}
	if (n == 0)
		return;
	if (n > UART_QUEUE_SIZE - uart.head)
		n = UART_QUEUE_SIZE - uart.head;
	w = write(fd, uart.queue + uart.head, n);
	if (w < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == EIO)
			return;
		log_warn("UART write");
		uart.eof = true;
		return;
	}
	trace_bytes(TRACE_OUT, uart.queue + uart.head, (size_t)w);
	uart.head = (uart.head + (size_t)w) % UART_QUEUE_SIZE;
	uart.len -= (size_t)w;
	uart.total_sent += (uint64_t)w;
	if (!uart.unpaced)
		uart.line_free += (int64_t)w * uart_byte_ns();
	if (uart.len == 0)
		uart.head = 0;
	uart_apply_due_switch();
}

static void uart_on_readable(int fd, short revents, void *ctx)
{
	uint8_t buf[UART_READ_CHUNK];
	ssize_t n;

	(void)ctx;
	(void)revents;
	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		trace_bytes(TRACE_IN, buf, (size_t)n);
		uart.on_input(buf, (size_t)n);
		return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR && errno != EIO)) {
		if (uart.pty_link != NULL)
			return;
		log_info("UART input closed");
		uart.eof = true;
	}
}

void uart_prepare(void)
{
	int64_t wake;

	/* Echo and replies are produced from input: stop reading while the host is not draining. */
	if (uart.len < UART_QUEUE_SIZE / 2)
		loop_watch(uart.in_fd, POLLIN, uart_on_readable, NULL);
	if (uart.len == 0)
		return;
	if (uart_allowed(monotime_ns(), &wake) > 0)
		loop_watch(uart.out_fd, POLLOUT, uart_on_writable, NULL);
	else if (wake >= 0)
		loop_wake_at(wake);
}
