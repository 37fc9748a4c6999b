#include "chip.h"

#include <stdbool.h>

#include "atcmd.h"
#include "atip.h"
#include "atwifi.h"
#include "links.h"
#include "log.h"
#include "loop.h"
#include "ping.h"
#include "reply.h"
#include "resolve.h"
#include "sim.h"
#include "trace.h"
#include "uart.h"

/*
 * About 0.2 s of ROM log at 74880 baud read by a 115200 receiver: a couple of hundred bytes of
 * framing garbage. The bytes come from a fixed generator so every boot looks the same.
 */
#define CHIP_BOOT_NOISE_BYTES 180

enum chip_state { CHIP_OFF, CHIP_BOOTING, CHIP_READY };

static enum chip_state chip_state = CHIP_OFF;

static void chip_emit_boot_noise(void)
{
	uint8_t noise[CHIP_BOOT_NOISE_BYTES];
	uint32_t x = 0x74880u;

	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (uint8_t)(x >> 16);
	}
	/* Idle-line and break-like patterns that real boot garbage always contains. */
	noise[3] = 0x00;
	noise[17] = 0xff;
	noise[64] = 0x00;
	noise[65] = 0x00;
	noise[120] = 0xff;
	reply_bytes(noise, sizeof(noise));
}

static void chip_ready(void)
{
	chip_state = CHIP_READY;
	reply_bytes("\r\nready\r\n", 9);
	trace_note("ready");
	log_info("ready");
	if (sim_opt.autojoin != NULL)
		atwifi_autojoin(sim_opt.autojoin);
}

/* Everything the firmware keeps in RAM is lost; nothing is printed about it. */
static void chip_forget(void)
{
	resolve_cancel();
	ping_cancel();
	links_reset();
	atwifi_reset();
	atcmd_reset();
	atip_reset();
	reply_reset();
	for (int t = 0; t < LOOP_TIMER_COUNT; t++)
		loop_timer_stop((enum loop_timer)t);
}

static void chip_boot(void)
{
	chip_forget();
	chip_state = CHIP_BOOTING;
	trace_note("boot");
	log_info("booting");
	uart_set_baud_after_pending(sim_opt.boot_baud);
	chip_emit_boot_noise();
	loop_timer_in(LOOP_TIMER_BOOT, (int64_t)sim_opt.boot_delay_ms * LOOP_NS_PER_MS, chip_ready);
}

void chip_power_on(void)
{
	if (chip_state != CHIP_OFF)
		return;
	chip_boot();
}

void chip_power_off(void)
{
	if (chip_state == CHIP_OFF)
		return;
	chip_forget();
	uart_discard();
	chip_state = CHIP_OFF;
	trace_note("EN low");
	log_info("EN low: powered down");
}

void chip_restart(void)
{
	chip_boot();
}

void chip_input(const uint8_t *buf, size_t len)
{
	if (chip_state != CHIP_READY) {
		log_debug("%zu input bytes ignored while %s", len, chip_state == CHIP_OFF ? "off" : "booting");
		return;
	}
	atcmd_input(buf, len);
}
