#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "board.h"
#include "control.h"
#include "emu.h"
#include "esp.h"
#include "espat.h"
#include "esprate.h"
#include "evlog.h"
#include "host.h"
#include "image.h"
#include "log.h"
#include "monotime.h"
#include "periph_uart.h"
#include "periph_uarths.h"
#include "pool.h"
#include "port.h"
#include "soc.h"
#include "sock.h"
#include "timebase.h"
#include "wire.h"

#define IMAGE_FDS 16
#define IMAGE_OFF_WAIT_NS 1000000000ll
#define NS_PER_S 1000000000ll
/*
 * While the firmware runs, a stream's output leaves in batches and the
 * host's rate is looked at this often: a system call per service (every
 * 250 us) costs the host more than the emulated board itself.  Before the
 * emulator sleeps everything leaves, and a line that goes quiet sends its
 * tail at once (wire_quiet()): the far end's answer to an AT command or a
 * frame would otherwise wait for the batch.
 */
#define IMAGE_BATCH_NS 1000000ll
#define IMAGE_BATCH_BYTES 1024u

/* The kernel's termios2 (its header clashes with glibc's termios.h): any rate in c_ospeed. */
struct image_termios2 {
	unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line;
	unsigned char c_cc[19];
	unsigned int c_ispeed, c_ospeed;
};
#define IMAGE_TCGETS2 _IOR('T', 0x2A, struct image_termios2)

static struct {
	struct wire usb, esp;
	bool soft_reset;
	bool was_powered;
	bool esp_on;
	uint64_t esp_pulses_seen;
	int64_t usb_flushed_at, esp_flushed_at, rate_at;
} img;

/* The rate the host set on its end of the USB line (a pty master reports its slave's settings). */
static void image_host_rate(void)
{
	struct image_termios2 t;

	if (img.usb.fd >= 0 && ioctl(img.usb.fd, IMAGE_TCGETS2, &t) == 0 && t.c_ospeed)
		wire_set_peer_rate(&img.usb, t.c_ospeed);
}

/* Output leaves in batches while the firmware runs (sleeping: all now). */
static void image_flush(struct wire *w, int64_t *flushed_at, int64_t real, bool sleeping)
{
	if (!sleeping && w->out_len < IMAGE_BATCH_BYTES && real - *flushed_at < IMAGE_BATCH_NS)
		return;
	*flushed_at = real;
	wire_flush(w);
}

/* Host time until the next board timer (unplug-for, the end of an ESP reset pulse), INT64_MAX if none. */
static int64_t image_timer_due_in(void)
{
	int64_t now = monotime_ns(), t = INT64_MAX;

	if (emu.esp_on_at && emu.esp_on_at - now < t)
		t = emu.esp_on_at - now;
	if (emu.replug_at && emu.replug_at - now < t)
		t = emu.replug_at - now;
	return t < 0 ? 0 : t;
}

/* The module runs: its enable is high and no reset pulse from outside holds it low. */
static bool image_esp_powered(void)
{
	return img.esp_on && !emu.esp_on_at && emu.powered;
}

/* One side of the board's lines: read what came, write what is due. */
static void image_line(struct wire *w, short revents, bool is_esp)
{
	bool eof = false;

	if ((revents & POLLIN) && is_esp && !image_esp_powered())
		wire_drop_input(w, &eof);
	else if (revents & POLLIN)
		wire_fill(w, timebase_now(), &eof);
	else if (revents & (POLLHUP | POLLERR))
		eof = true;
	if (revents & POLLOUT)
		wire_flush(w);
	if (eof && is_esp && !emu.quit) {
		char why[64];

		if (espat_wait_exit(why, sizeof(why)))
			log_warnx("espat-sim %s: the board has no WiFi chip any more, exiting", why);
		else
			log_warnx("the ESP8285 side closed its line, exiting");
		emu.exit_code = 1;
		emu.quit = true;
		hart_abort();
	}
}

/* Signals and board timers change no CPU state: handled where they are seen. */
static void image_events(void)
{
	int64_t wake = INT64_MAX;

	port_signals();
	board_timers(monotime_ns(), &wake);
	if (emu.esp_pulses != img.esp_pulses_seen) {
		/* An ESP reset from outside (esp-reset, SIGUSR2): it boots at its boot rate. */
		bool eof;

		img.esp_pulses_seen = emu.esp_pulses;
		wire_drop_input(&img.esp, &eof);
		esprate_reset();
		wire_set_peer_rate(&img.esp, ESPRATE_BOOT);
	}
	/* What follows these is a reset, a power-off or the exit: no need to resume. */
	if (emu.quit || emu.reboot_due || !emu.plugged)
		hart_abort();
}

/*
 * From inside the run: the lines, signals and timers; a control command
 * stops the run at the next watched instruction and waits for the main loop.
 */
static void image_service(int64_t timeout_ns)
{
	struct pollfd fds[IMAGE_FDS];
	int n = 0, usb = -1, esp = -1, nctl;
	struct timespec ts;
	int64_t wait;

	int64_t real = monotime_ns();
	bool sleeping = timeout_ns > 0;

	if (sleeping || real - img.rate_at >= IMAGE_BATCH_NS) {
		img.rate_at = real;
		image_host_rate();
	}
	image_flush(&img.usb, &img.usb_flushed_at, real, sleeping);
	image_flush(&img.esp, &img.esp_flushed_at, real, sleeping);
	fds[n++] = (struct pollfd){ .fd = emu.sigfd, .events = POLLIN };
	/* Output held back for its batch is not waited for. */
	if (img.usb.fd >= 0) {
		usb = n;
		fds[n++] = (struct pollfd){ .fd = img.usb.fd,
			.events = (short)((wire_wants_input(&img.usb) ? POLLIN : 0) |
					  (sleeping && wire_has_output(&img.usb) ? POLLOUT : 0)) };
	}
	esp = n;
	fds[n++] = (struct pollfd){ .fd = img.esp.fd,
		.events = (short)((wire_wants_input(&img.esp) ? POLLIN : 0) |
				  (sleeping && wire_has_output(&img.esp) ? POLLOUT : 0)) };
	nctl = control_pollfds(fds + n, IMAGE_FDS - n);
	wait = image_timer_due_in();
	if (wait > timeout_ns)
		wait = timeout_ns;
	ts.tv_sec = wait / NS_PER_S;
	ts.tv_nsec = wait % NS_PER_S;
	if (ppoll(fds, (nfds_t)(n + nctl), &ts, NULL) < 0) {
		if (errno != EINTR)
			log_fatalx("ppoll: %s", strerror(errno));
		n = 0;
	}
	/* Time asleep passed on the board too: what came meanwhile arrives from then on. */
	if (timeout_ns > 0)
		timebase_sync(timeout_ns + TIMEBASE_MAX_STEP);
	if (n > 0) {
		for (int i = 0; i < nctl; i++)
			if (fds[n + i].revents)
				hart_request_stop();
		if (usb >= 0)
			image_line(&img.usb, fds[usb].revents & ~(POLLHUP | POLLERR), false);
		image_line(&img.esp, fds[esp].revents, true);
	}
	if ((n > 0 && fds[0].revents) || image_timer_due_in() == 0)
		image_events();
}

static void image_esp_enable(bool on)
{
	bool eof;

	/* What it sent before is history; while off it sends nothing. */
	img.esp_on = on;
	if (!on)
		wire_drop_input(&img.esp, &eof);
	/* A module held in reset or booting starts over at its boot rate. */
	esprate_reset();
	wire_set_peer_rate(&img.esp, ESPRATE_BOOT);
	espat_set_baud(ESPRATE_BOOT);
	port_esp_enable(on);
}

static void image_chip_reset(void)
{
	img.soft_reset = true;
	emu.reboot_due = true;
	hart_abort();
}

static const struct soc_ops image_soc_ops = {
	.service = image_service,
	.esp_enable = image_esp_enable,
	.chip_reset = image_chip_reset,
};

static uint32_t image_esp_sent(uint8_t c)
{
	uint32_t before = esprate_now(), now = esprate_sent(c);

	if (now != before) {
		log_info("ESP8285 UART now at %u baud", now);
		espat_set_baud(now);
	}
	return now;
}

int image_init(const struct image_config *c)
{
	struct soc_config sc = { .image = c->path, .pll = c->pll, .count_instructions = c->count_instructions };

	wire_init(&img.usb, "usb", emu.host_paced, 115200);
	img.usb.max_rate = emu.host_paced ? emu.host_max_baud : 0;
	wire_set_noise(&img.usb, emu.ber, emu.drop, emu.noise_seed);
	wire_init(&img.esp, "esp", emu.esp_paced, ESPRATE_BOOT);
	wire_attach(&img.esp, emu.esp.fd);
	img.esp.tap_sent = image_esp_sent;
	img.esp.tap_received = esprate_received;
	return soc_init(&sc, &img.usb, &img.esp, &image_soc_ops);
}

void image_reboot(void)
{
	enum periph_sysctl_reset_cause cause = !img.was_powered ? PERIPH_SYSCTL_POWER_ON :
					       img.soft_reset ? PERIPH_SYSCTL_SOFT_RESET : PERIPH_SYSCTL_PIN_RESET;

	emu.reboot_due = false;
	emu.board_resets++;
	img.soft_reset = false;
	emu.powered = emu.plugged;
	img.was_powered = emu.powered;
	if (!emu.powered)
		return;
	wire_attach(&img.usb, emu.pty.master);
	if (cause == PERIPH_SYSCTL_POWER_ON) {
		wire_clear(&img.usb, 0);
		wire_clear(&img.esp, 0);
	}
	soc_reset(cause);
	log_info("board started (%s)", cause == PERIPH_SYSCTL_POWER_ON ? "power-up" :
		  cause == PERIPH_SYSCTL_SOFT_RESET ? "soft reset by the firmware" : "reset pin");
}

/* Control commands, signals and board timers: between runs. */
static void image_attend(void)
{
	struct pollfd fds[IMAGE_FDS];
	int nctl = control_pollfds(fds, IMAGE_FDS);

	if (nctl > 0 && poll(fds, (nfds_t)nctl, 0) > 0)
		control_service(fds, nctl);
	image_events();
	if (!emu.plugged)
		wire_attach(&img.usb, -1);
}

/* Unplugged: no board, only the control socket, signals, timers and the ESP8285's line. */
static void image_wait_off(void)
{
	struct pollfd fds[IMAGE_FDS];
	int n = 0, nctl;
	int64_t wait = image_timer_due_in();
	struct timespec ts;

	if (wait > IMAGE_OFF_WAIT_NS)
		wait = IMAGE_OFF_WAIT_NS;
	ts.tv_sec = wait / NS_PER_S;
	ts.tv_nsec = wait % NS_PER_S;

	fds[n++] = (struct pollfd){ .fd = emu.sigfd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = img.esp.fd, .events = POLLIN };
	nctl = control_pollfds(fds + n, IMAGE_FDS - n);
	if (ppoll(fds, (nfds_t)(n + nctl), &ts, NULL) > 0 && fds[1].revents)
		image_line(&img.esp, fds[1].revents, true);
}

void image_run(void)
{
	while (!emu.quit) {
		enum hart_stop why;

		if (emu.reboot_due)
			board_reboot();
		if (emu.quit)
			break;
		if (!emu.powered) {
			image_wait_off();
			image_attend();
			continue;
		}
		why = soc_run();
		image_attend();
		if (why == HART_STOP_ABORT && !emu.quit && !emu.reboot_due && emu.powered) {
			/* Not resumable, and nothing replaces it: treat it as the fault it would be. */
			why = HART_STOP_FAULT;
		}
		if (why == HART_STOP_FAULT) {
			log_warnx("firmware fault: %s", hart_fault_text()[0] ? hart_fault_text() : "the run ended unexpectedly");
			emu.exit_code = 3;
			emu.quit = true;
			break;
		}
	}
	wire_flush(&img.usb);
	wire_flush(&img.esp);
}

void image_set_noise(double ber, double drop, uint64_t seed)
{
	wire_set_noise(&img.usb, ber, drop, seed);
}

void image_stats(char *out, size_t cap)
{
	const struct wire_stats *h = &img.usb.st, *e = &img.esp.st;
	struct periph_uarths_stats hs;
	struct periph_uart_stats us;
	struct hart_stats hst;
	struct esp_stats es = { 0 };
	struct sock_stats ss = { 0 };
	struct link_stats ls = { 0 };
	struct pool_stats ps = { 0 };
	uint64_t suppressed = 0, in_use = 0, links_free = 0;
	size_t n;

	periph_uarths_stats(&hs);
	periph_uart_stats(&us);
	hart_stats(&hst);
	/* The core's counters, from the image's own functions. */
	if (emu.powered && !(hart_call("esp_get_stats", &es, sizeof(es), NULL) &&
			     hart_call("sock_get_stats", &ss, sizeof(ss), NULL) &&
			     hart_call("host_link_stats", &ls, sizeof(ls), NULL) &&
			     hart_call("evlog_suppressed", NULL, 0, &suppressed) &&
			     hart_call("pool_get_stats", &ps, sizeof(ps), NULL) &&
			     hart_call("sock_in_use", NULL, 0, &in_use) &&
			     hart_call("sock_links_free", NULL, 0, &links_free)))
		log_warnx("stats: the image's counter functions could not be called");
	snprintf(out, cap,
		 "uptime_s=%lld\nplugged=%d\npowered=%d\nlink=%s\nhost_baud=%u\nesp_baud=%u\n"
		 "host_rx_bytes=%llu\nhost_tx_bytes=%llu\nhost_rx_overflow=%llu\nhost_flipped=%llu\nhost_dropped=%llu\n"
		 "esp_rx_bytes=%llu\nesp_tx_bytes=%llu\nboard_resets=%llu\nreplugs=%llu\nesp_pulses=%llu\n"
		 "esp_resets=%u\nesp_timeouts=%u\nesp_busy=%u\nesp_noise=%u\nsock_opened=%u\nsock_failed=%u\n"
		 "sock_accepted=%u\nudp_dropped=%u\nrx_overflows=%u\nbytes_up=%llu\nbytes_down=%llu\n",
		 (long long)((monotime_ns() - emu.start_ns) / NS_PER_S), emu.plugged, emu.powered,
		 emu.plugged ? emu.pty.slave : "", periph_uarths_baud(), periph_uart_baud(),
		 (unsigned long long)h->rx_bytes, (unsigned long long)h->tx_bytes, (unsigned long long)hs.rx_lost,
		 (unsigned long long)h->flipped, (unsigned long long)h->dropped,
		 (unsigned long long)e->rx_bytes, (unsigned long long)e->tx_bytes,
		 (unsigned long long)emu.board_resets, (unsigned long long)emu.replugs,
		 (unsigned long long)emu.esp_pulses, es.resets, es.timeouts, es.busy, es.noise, ss.opened, ss.failed,
		 ss.accepted, ss.udp_dropped, ss.overflows, (unsigned long long)ss.bytes_up,
		 (unsigned long long)ss.bytes_down);
	n = strlen(out);
	snprintf(out + n, cap - n,
		 "link_frames_tx=%llu\nlink_frames_rx=%llu\nlink_retransmits=%llu\nlink_timeouts=%llu\n"
		 "link_crc_errors=%llu\nlink_srtt_us=%u\nlink_payload=%u\nlink_sessions=%llu\n"
		 "log_suppressed=%llu\nsockets_in_use=%u\nlinks_free=%u\nesp_wedged=%u\n"
		 "rx_pool_bytes=%u\nrx_pool_free=%u\nrx_pool_peak=%u\n"
		 "image=1\nhost_peer_baud=%u\nesp_peer_baud=%u\nhost_garbled=%llu\nesp_garbled=%llu\n"
		 "host_unrouted=%llu\nesp_unrouted=%llu\nesp_rx_overruns=%llu\nesp_busy_writes=%llu\n"
		 "host_tx_lost=%llu\ninstructions=%llu\ninterrupts=%llu\nexceptions=%llu\n"
		 "cpu_stops=%llu,%llu,%llu\nok\n",
		 (unsigned long long)ls.frames_tx, (unsigned long long)ls.frames_rx,
		 (unsigned long long)ls.retransmits, (unsigned long long)ls.timeouts,
		 (unsigned long long)ls.crc_errors, ls.srtt_us, ls.payload, (unsigned long long)ls.sessions,
		 (unsigned long long)suppressed, (unsigned)(uint8_t)in_use, (unsigned)(uint8_t)links_free, es.wedged,
		 ps.blocks * POOL_BLOCK, ps.free * POOL_BLOCK, ps.peak * POOL_BLOCK, img.usb.peer_rate, img.esp.peer_rate,
		 (unsigned long long)h->garbled, (unsigned long long)e->garbled, (unsigned long long)hs.unrouted,
		 (unsigned long long)us.unrouted, (unsigned long long)us.overruns, (unsigned long long)us.busy_writes,
		 (unsigned long long)h->lost, (unsigned long long)hart_instructions(),
		 (unsigned long long)hst.interrupts, (unsigned long long)hst.exceptions,
		 (unsigned long long)hst.stops[0], (unsigned long long)hst.stops[1], (unsigned long long)hst.stops[2]);
}
