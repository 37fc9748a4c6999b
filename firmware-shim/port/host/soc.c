#include <stdio.h>

#include "hart.h"
#include "hart_elf.h"
#include "log.h"
#include "periph_clint.h"
#include "periph_fpioa.h"
#include "periph_gpiohs.h"
#include "periph_plic.h"
#include "periph_sysctl.h"
#include "periph_uart.h"
#include "periph_uarths.h"
#include "soc.h"
#include "monotime.h"
#include "timebase.h"

/* The lines are serviced this often (host time) while the firmware runs. */
#define SOC_SERVICE_NS 250000ll
/* The longest single wait in wfi; the service wakes earlier for any line, signal or command. */
#define SOC_IDLE_MAX_NS 100000000ll

/* How the board wires the ESP8285's control pins (Maix Dock M1W, Maix Go). */
#define PAD_WIFI_EN  8u
#define PAD_ESP_BOOT 0u

static struct {
	const struct soc_ops *ops;
	struct hart_elf elf;
	const struct wire *usb, *esp;
	int64_t service_at;
	bool wifi_en;        /* the pin's level */
	bool esp_on;         /* what the module made of it */
} soc;

static void soc_service_due(int64_t real)
{
	if (real < soc.service_at)
		return;
	soc.service_at = real + SOC_SERVICE_NS;
	soc.ops->service(0);
}

static void soc_sync(void)
{
	timebase_sync(TIMEBASE_MAX_STEP);
	soc_service_due(timebase_last_real());
}

static void soc_leave(void)
{
	timebase_leave();
}

static uint64_t soc_pending(void)
{
	int64_t now = timebase_now();

	periph_uarths_update(now);
	periph_uart_update(now);
	return periph_clint_pending(now) | (periph_plic_meip() ? 1ull << HART_IRQ_MEI : 0);
}

static int64_t soc_later(int64_t best, int64_t t, int64_t now)
{
	/* An event that is already due and raised nothing does not count. */
	return t > now && t < best ? t : best;
}

/* The next time an interrupt enabled in mie may become pending. */
static int64_t soc_next_event(uint64_t mie, int64_t now)
{
	int64_t t = INT64_MAX;

	if (mie & (1ull << HART_IRQ_MTI))
		t = soc_later(t, periph_clint_next_event(now), now);
	if (mie & (1ull << HART_IRQ_MEI)) {
		t = soc_later(t, periph_uarths_next_event(now), now);
		t = soc_later(t, periph_uart_next_event(now), now);
	}
	return t;
}

/*
 * How far asleep board time may run ahead of the host clock.  Not at all
 * while a line that went quiet awaits the far end's answer (the ESP8285's
 * reply to an AT command, the host's to a frame): it arrives by the host
 * clock, and a board ahead of it would take it only at its own later time.
 */
static int64_t soc_lead(int64_t now)
{
	return wire_awaits_answer(soc.usb, now, TIMEBASE_LEAD) || wire_awaits_answer(soc.esp, now, TIMEBASE_LEAD) ?
	       0 : TIMEBASE_LEAD;
}

static void soc_idle(uint64_t mie)
{
	for (;;) {
		int64_t now, ev, wait;

		soc_service_due(monotime_ns());
		if (hart_stop_requested() || (soc_pending() & mie))
			return;
		now = timebase_now();
		ev = soc_next_event(mie, now);
		wait = timebase_wait_for(ev, soc_lead(now));
		if (wait == 0) {
			timebase_jump(ev);
			continue;
		}
		if (wait > SOC_IDLE_MAX_NS)
			wait = SOC_IDLE_MAX_NS;
		/* Asleep, the board reaches the event and no further, however long the host took. */
		timebase_limit(ev);
		soc.ops->service(wait);
		timebase_limit(INT64_MAX);
		soc.service_at = monotime_ns() + SOC_SERVICE_NS;
	}
}

static const struct hart_ops soc_hart_ops = {
	.sync = soc_sync,
	.leave = soc_leave,
	.pending = soc_pending,
	.idle = soc_idle,
};

/* The level a pad drives: a GPIOHS output routed to it, or nothing (-1). */
static int soc_pad_level(unsigned pad)
{
	bool out, inv, driven;
	unsigned f = periph_fpioa_function(pad, &out, &inv);
	bool level;

	if (!out || f < PERIPH_FPIOA_GPIOHS0 || f >= PERIPH_FPIOA_GPIOHS0 + 32)
		return -1;
	level = periph_gpiohs_level(f - PERIPH_FPIOA_GPIOHS0, &driven);
	if (!driven)
		return -1;
	return level != inv;
}

static void soc_pins(void)
{
	/* Undriven, the module's enable is pulled low: it stays in reset. */
	bool en = soc_pad_level(PAD_WIFI_EN) == 1, on = soc.esp_on;

	if (en == soc.wifi_en)
		return;
	soc.wifi_en = en;
	if (!en) {
		on = false;
	} else if (soc_pad_level(PAD_ESP_BOOT) != 0) {
		/* GPIO15 high or floating at boot: the module waits for an SDIO host, no AT firmware. */
		log_warnx("WIFI_EN raised while IO0 (the ESP8285's GPIO15 strap) is not driven low: "
			  "the module boots into SDIO mode and never answers");
		on = false;
	} else {
		on = true;
	}
	if (on != soc.esp_on) {
		soc.esp_on = on;
		soc.ops->esp_enable(on);
	}
}

static void soc_clocks_changed(int64_t now)
{
	periph_clint_set_rate(now, periph_sysctl_cpu_hz());
	periph_uarths_clock_changed(now);
	periph_uart_clock_changed(now);
}

static void soc_chip_reset(void)
{
	soc.ops->chip_reset();
}

static const struct periph_sysctl_ops soc_sysctl_ops = {
	.clocks_changed = soc_clocks_changed,
	.chip_reset = soc_chip_reset,
};

int soc_init(const struct soc_config *c, struct wire *usb, struct wire *esp, const struct soc_ops *ops)
{
	char err[256];

	soc.ops = ops;
	soc.usb = usb;
	soc.esp = esp;
	if (hart_elf_load(&soc.elf, c->image, HART_RAM_BASE, HART_RAM_BASE + HART_RAM_SIZE, err, sizeof(err)) < 0 ||
	    hart_init(&soc.elf, &soc_hart_ops, err, sizeof(err)) < 0) {
		log_warnx("--image: %s", err);
		return -1;
	}
	periph_sysctl_init(c->pll, &soc_sysctl_ops);
	periph_fpioa_init(soc_pins);
	periph_gpiohs_init(soc_pins);
	periph_uarths_init(usb);
	periph_uart_init(esp);
	periph_clint_map();
	periph_plic_map();
	periph_uarths_map();
	periph_gpiohs_map();
	periph_uart_map();
	periph_fpioa_map();
	periph_sysctl_map();
	if (c->count_instructions)
		hart_count_instructions();
	log_info("image %s: entry 0x%llx", c->image, (unsigned long long)soc.elf.entry);
	return 0;
}

void soc_reset(enum periph_sysctl_reset_cause cause)
{
	int64_t now;

	if (cause == PERIPH_SYSCTL_POWER_ON)
		timebase_reset();
	now = timebase_sync(TIMEBASE_MAX_STEP);
	periph_sysctl_reset(now, cause);
	periph_plic_reset();
	periph_clint_reset(now, periph_sysctl_cpu_hz());
	periph_fpioa_reset();
	periph_gpiohs_reset();
	periph_uarths_reset(now);
	periph_uart_reset(now);
	hart_reset(cause == PERIPH_SYSCTL_POWER_ON);
	/* The pins are inputs again: WIFI_EN falls and the module is held in reset. */
	soc.wifi_en = soc.esp_on = true;
	soc_pins();
	soc.service_at = 0;
}

enum hart_stop soc_run(void)
{
	return hart_run();
}
