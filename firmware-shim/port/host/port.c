/* port.h for the emulated board, and the event loop that paces both UARTs. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "config.h"
#include "control.h"
#include "emu.h"
#include "espat.h"
#include "log.h"
#include "monotime.h"
#include "port.h"

#define PORT_FDS 16

struct emu emu;

uint64_t port_now_us(void)
{
	return (uint64_t)monotime_ns() / 1000u;
}

size_t port_host_read(uint8_t *buf, size_t cap)
{
	return line_read(&emu.host, buf, cap);
}

size_t port_host_write(const uint8_t *buf, size_t len)
{
	return line_write(&emu.host, buf, len);
}

size_t port_host_tx_room(void)
{
	return line_tx_room(&emu.host);
}

bool port_host_tx_idle(void)
{
	return line_tx_idle(&emu.host, monotime_ns());
}

void port_host_set_baud(uint32_t baud)
{
	log_info("USB line now at %u baud", baud);
	line_set_baud(&emu.host, baud, monotime_ns());
}

uint32_t port_host_max_baud(void)
{
	return emu.host_max_baud;
}

size_t port_esp_read(uint8_t *buf, size_t cap)
{
	return line_read(&emu.esp, buf, cap);
}

size_t port_esp_write(const uint8_t *buf, size_t len)
{
	return line_write(&emu.esp, buf, len);
}

size_t port_esp_tx_room(void)
{
	return line_tx_room(&emu.esp);
}

bool port_esp_tx_idle(void)
{
	return line_tx_idle(&emu.esp, monotime_ns());
}

void port_esp_set_baud(uint32_t baud)
{
	log_info("ESP UART now at %u baud", baud);
	line_set_baud(&emu.esp, baud, monotime_ns());
	espat_set_baud(baud);
}

uint32_t port_esp_max_baud(void)
{
	return emu.esp_max_baud;
}

bool port_esp_baud_ok(uint32_t baud)
{
	/* The emulated UART makes any rate. */
	return baud <= emu.esp_max_baud;
}

/* The same pool as the board's: the emulated board behaves as the real one. */
void *port_rx_pool(size_t *size)
{
	static uint8_t mem[CONFIG_RX_POOL];

	*size = sizeof(mem);
	return mem;
}

uint32_t port_esp_rx_overruns(void)
{
	/* The simulator waits for room: nothing is ever lost on this UART. */
	return 0;
}

void port_esp_enable(bool on)
{
	emu.esp_pin = on;
	/* A pulse from outside holds the pin low until it ends. */
	if (on && emu.esp_on_at)
		return;
	espat_enable(on);
}

void port_reboot(void)
{
	emu.reboot_due = true;
}

uint32_t port_entropy(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)monotime_ns() ^ (uint32_t)getpid() << 16;
	return v;
}

const char *port_board_name(void)
{
	return "k210-emu";
}

void port_signals(void)
{
	struct signalfd_siginfo si;
	char why[64];

	while (read(emu.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			log_info("SIGUSR1: board reset");
			if (emu.plugged)
				emu.reboot_due = true;
			break;
		case SIGUSR2:
			log_info("SIGUSR2: ESP8285 reset");
			board_esp_pulse();
			break;
		case SIGCHLD:
			if (espat_reap(why, sizeof(why)) && !emu.quit) {
				log_warnx("espat-sim %s: the board has no WiFi chip any more, exiting", why);
				emu.exit_code = 1;
				emu.quit = true;
			}
			break;
		default:
			log_info("signal %u: exiting", si.ssi_signo);
			emu.quit = true;
			break;
		}
	}
}

void port_wait(uint64_t deadline_us)
{
	int64_t deadline = (int64_t)deadline_us * 1000;
	bool polled = false;

	for (;;) {
		struct pollfd fds[PORT_FDS];
		int64_t now = monotime_ns(), wake = deadline;
		int n = 0, host = -1, esp = -1, got = 0, ctl_at, nctl;
		struct timespec ts;

		board_timers(now, &wake);
		if (emu.quit || emu.reboot_due)
			return;
		/* Even a core that is due again at once gets one look at the lines first. */
		if (now >= deadline) {
			if (polled)
				return;
			wake = now;
		}
		polled = true;
		fds[n++] = (struct pollfd){ .fd = emu.sigfd, .events = POLLIN };
		if (emu.plugged) {
			host = n;
			fds[n++] = (struct pollfd){ .fd = emu.host.fd, .events = line_events(&emu.host, now, &wake) };
		}
		esp = n;
		fds[n++] = (struct pollfd){ .fd = emu.esp.fd, .events = line_events(&emu.esp, now, &wake) };
		ctl_at = n;
		nctl = control_pollfds(fds + n, PORT_FDS - n);
		n += nctl;
		if (wake < now)
			wake = now;
		ts.tv_sec = (wake - now) / 1000000000ll;
		ts.tv_nsec = (wake - now) % 1000000000ll;
		if (ppoll(fds, (nfds_t)n, &ts, NULL) < 0 && errno != EINTR)
			log_fatalx("ppoll: %s", strerror(errno));
		now = monotime_ns();
		if (fds[0].revents)
			port_signals();
		if (host >= 0 && emu.plugged) {
			int r = line_service(&emu.host, fds[host].revents, now);

			if (r & LINE_RX)
				got = 1;
		}
		{
			int r = line_service(&emu.esp, fds[esp].revents, now);

			if (r & LINE_RX)
				got = 1;
			if ((r & LINE_EOF) && !emu.quit) {
				char why[64];

				if (espat_wait_exit(why, sizeof(why)))
					log_warnx("espat-sim %s: the board has no WiFi chip any more, exiting", why);
				else
					log_warnx("the ESP8285 side closed its line, exiting");
				emu.exit_code = 1;
				emu.quit = true;
			}
		}
		control_service(fds + ctl_at, nctl);
		/* Input for the core: it runs now; pacing alone keeps us here until the deadline. */
		if (got && emu.powered)
			return;
	}
}
