/*
 * port.h for the driver tests: both UARTs are byte queues the test fills
 * and drains itself, time moves only when the test says so, and the
 * WIFI_EN pin, baud changes and reboots are recorded.
 */
#ifndef K210_FAKEPORT_H
#define K210_FAKEPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The receive pool the fake board gives the core: 12 blocks. */
#define FAKE_RX_POOL 24576

struct fake_board {
	uint64_t now;
	bool esp_on;
	unsigned esp_pulses;       /* low-then-high transitions of WIFI_EN */
	uint32_t esp_baud, host_baud;
	uint32_t esp_max_baud, host_max_baud;
	uint32_t esp_overruns;
	bool rebooted;
	size_t esp_tx_cap;         /* transmit ring size towards the ESP */
};

extern struct fake_board fake;

void fake_reset(void);
/* Bytes the core wrote towards the ESP / the host since the last take. */
size_t fake_esp_take(uint8_t *buf, size_t cap);
size_t fake_host_take(uint8_t *buf, size_t cap);
/* Bytes arriving from the ESP / the host. */
void fake_esp_give(const uint8_t *buf, size_t n);
void fake_host_give(const uint8_t *buf, size_t n);
size_t fake_esp_unread(void);

#endif
