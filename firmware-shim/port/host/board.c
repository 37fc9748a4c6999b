#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "emu.h"
#include "esp.h"
#include "espat.h"
#include "evlog.h"
#include "host.h"
#include "image.h"
#include "log.h"
#include "monotime.h"
#include "pool.h"
#include "shim.h"
#include "sock.h"

/* How long an ESP reset pulse holds WIFI_EN low. */
#define BOARD_PULSE_NS 20000000ll
#define BOARD_NS_PER_S 1000000000ll

static void board_core_log(uint8_t level, const char *text)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	log_info("board %s: %s", level < 4 ? names[level] : "log", text);
}

void board_reboot(void)
{
	int64_t now = monotime_ns();

	if (emu.image) {
		image_reboot();
		return;
	}
	emu.reboot_due = false;
	emu.board_resets++;
	line_reset(&emu.host, 115200, now);
	line_reset(&emu.esp, 115200, now);
	espat_set_baud(115200);
	emu.powered = emu.plugged;
	if (!emu.powered)
		return;
	evlog_set_hook(board_core_log);
	shim_init();
	log_info("board started");
}

int board_plug(void)
{
	if (emu.plugged)
		return 0;
	if (tty_pty_open(&emu.pty) < 0) {
		log_warnx("cannot create a pty: %s", strerror(errno));
		return -1;
	}
	if (tty_publish(emu.pty.slave, emu.link_path) < 0) {
		log_warnx("cannot publish %s -> %s: %s", emu.link_path, emu.pty.slave, strerror(errno));
		tty_pty_close(&emu.pty);
		return -1;
	}
	log_info("USB line %s -> %s", emu.link_path, emu.pty.slave);
	emu.plugged = true;
	line_attach(&emu.host, emu.pty.master);
	/* Power comes with the USB cable: the board boots. */
	emu.reboot_due = true;
	return 0;
}

void board_unplug(void)
{
	if (!emu.plugged)
		return;
	/* The host sees EOF or EIO, and the device name goes. */
	tty_unpublish(emu.pty.slave, emu.link_path);
	tty_pty_close(&emu.pty);
	line_attach(&emu.host, -1);
	emu.plugged = false;
	emu.powered = false;
	emu.reboot_due = false;
	/* The ESP8285 loses power with the board. */
	espat_enable(false);
	emu.esp_pin = false;
	log_info("unplugged");
}

void board_esp_pulse(void)
{
	emu.esp_pulses++;
	espat_enable(false);
	emu.esp_on_at = monotime_ns() + BOARD_PULSE_NS;
}

void board_timers(int64_t now, int64_t *wake)
{
	if (emu.esp_on_at) {
		if (now >= emu.esp_on_at) {
			emu.esp_on_at = 0;
			if (emu.powered && emu.esp_pin)
				espat_enable(true);
		} else if (emu.esp_on_at < *wake) {
			*wake = emu.esp_on_at;
		}
	}
	if (emu.replug_at) {
		if (now >= emu.replug_at) {
			emu.replug_at = 0;
			emu.replugs++;
			if (board_plug() < 0)
				log_warnx("replug failed");
		} else if (emu.replug_at < *wake) {
			*wake = emu.replug_at;
		}
	}
}

static void board_stats(char *out, size_t cap)
{
	const struct line_stats *h = &emu.host.st, *e = &emu.esp.st;
	struct esp_stats es;
	struct sock_stats ss;
	struct link_stats ls;
	struct pool_stats ps;
	size_t n;

	if (emu.image) {
		image_stats(out, cap);
		return;
	}
	pool_get_stats(&ps);
	esp_get_stats(&es);
	sock_get_stats(&ss);
	host_link_stats(&ls);
	snprintf(out, cap,
		 "uptime_s=%lld\nplugged=%d\npowered=%d\nlink=%s\nhost_baud=%u\nesp_baud=%u\n"
		 "host_rx_bytes=%llu\nhost_tx_bytes=%llu\nhost_rx_overflow=%llu\nhost_flipped=%llu\nhost_dropped=%llu\n"
		 "esp_rx_bytes=%llu\nesp_tx_bytes=%llu\nboard_resets=%llu\nreplugs=%llu\nesp_pulses=%llu\n"
		 "esp_resets=%u\nesp_timeouts=%u\nesp_busy=%u\nesp_noise=%u\nsock_opened=%u\nsock_failed=%u\n"
		 "sock_accepted=%u\nudp_dropped=%u\nrx_overflows=%u\nbytes_up=%llu\nbytes_down=%llu\n",
		 (long long)((monotime_ns() - emu.start_ns) / BOARD_NS_PER_S), emu.plugged, emu.powered,
		 emu.plugged ? emu.pty.slave : "", emu.host.baud, emu.esp.baud,
		 (unsigned long long)h->rx_bytes, (unsigned long long)h->tx_bytes,
		 (unsigned long long)h->rx_overflow, (unsigned long long)h->flipped, (unsigned long long)h->dropped,
		 (unsigned long long)e->rx_bytes, (unsigned long long)e->tx_bytes,
		 (unsigned long long)emu.board_resets, (unsigned long long)emu.replugs,
		 (unsigned long long)emu.esp_pulses, es.resets, es.timeouts, es.busy, es.noise, ss.opened, ss.failed,
		 ss.accepted, ss.udp_dropped, ss.overflows, (unsigned long long)ss.bytes_up,
		 (unsigned long long)ss.bytes_down);
	n = strlen(out);
	snprintf(out + n, cap - n,
		 "link_frames_tx=%llu\nlink_frames_rx=%llu\nlink_retransmits=%llu\nlink_timeouts=%llu\n"
		 "link_crc_errors=%llu\nlink_srtt_us=%u\nlink_payload=%u\nlink_sessions=%llu\n"
		 "link_queued=%u\nlink_in_flight=%u\nlink_frames_in_flight=%u\nlink_limit=%u\nhost_tx_queued=%zu\n"
		 "esp_rx_queued=%u\nsock_tx_queued=%u\nsock_rx_queued=%u\n"
		 "log_suppressed=%u\nsockets_in_use=%u\nlinks_free=%u\nesp_wedged=%u\n"
		 "rx_pool_bytes=%u\nrx_pool_free=%u\nrx_pool_peak=%u\nok\n",
		 (unsigned long long)ls.frames_tx, (unsigned long long)ls.frames_rx,
		 (unsigned long long)ls.retransmits, (unsigned long long)ls.timeouts,
		 (unsigned long long)ls.crc_errors, ls.srtt_us, ls.payload, (unsigned long long)ls.sessions,
		 ls.queued, ls.in_flight, ls.frames_in_flight, ls.limit,
		 LINE_RING - line_tx_room(&emu.host) + (emu.host.out_len - emu.host.out_off),
		 ring_used(&emu.esp.rx), ss.tx_queued, ss.rx_queued,
		 evlog_suppressed(), sock_in_use(), sock_links_free(), es.wedged, ps.blocks * POOL_BLOCK,
		 ps.free * POOL_BLOCK, ps.peak * POOL_BLOCK);
}

void board_command(const char *line, char *reply, size_t cap)
{
	double a, b, secs;
	char word[32] = "", extra[8];

	sscanf(line, "%31s", word);
	if (strcmp(word, "unplug") == 0 && sscanf(line, "%*s %7s", extra) < 1) {
		if (!emu.plugged) {
			snprintf(reply, cap, "error: already unplugged\n");
			return;
		}
		emu.replug_at = 0;
		board_unplug();
	} else if (strcmp(word, "replug") == 0) {
		emu.replug_at = 0;
		board_unplug();
		emu.replugs++;
		if (board_plug() < 0) {
			snprintf(reply, cap, "error: cannot create the pty\n");
			return;
		}
	} else if (strcmp(word, "unplug-for") == 0) {
		if (sscanf(line, "%*s %lf %7s", &secs, extra) != 1 || !(secs >= 0 && secs <= 3600)) {
			snprintf(reply, cap, "error: usage: unplug-for SECONDS (0..3600)\n");
			return;
		}
		board_unplug();
		emu.replug_at = monotime_ns() + (int64_t)(secs * BOARD_NS_PER_S);
	} else if (strcmp(word, "reset") == 0) {
		if (!emu.plugged) {
			snprintf(reply, cap, "error: unplugged\n");
			return;
		}
		emu.reboot_due = true;
	} else if (strcmp(word, "esp-reset") == 0) {
		board_esp_pulse();
	} else if (strcmp(word, "noise") == 0) {
		if (sscanf(line, "%*s %lf %lf %7s", &a, &b, extra) != 2 || !(a >= 0 && a <= 1) || !(b >= 0 && b <= 1)) {
			snprintf(reply, cap, "error: usage: noise BER DROP (probabilities 0..1)\n");
			return;
		}
		emu.ber = a;
		emu.drop = b;
		line_set_noise(&emu.host, a, b, ++emu.noise_seed);
		if (emu.image)
			image_set_noise(a, b, emu.noise_seed);
	} else if (strcmp(word, "stats") == 0) {
		board_stats(reply, cap);
		return;
	} else if (strcmp(word, "help") == 0) {
		snprintf(reply, cap, "commands: unplug, replug, unplug-for SECONDS, reset, esp-reset, "
			 "noise BER DROP, stats\nok\n");
		return;
	} else {
		snprintf(reply, cap, "error: unknown command '%.40s' (try help)\n", word);
		return;
	}
	snprintf(reply, cap, "ok\n");
}
