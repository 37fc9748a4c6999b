/*
 * The chip's power and boot: WIFI_EN low cuts everything at once; EN high or AT+RST boots, printing
 * the ROM log (74880 baud, so garbage at 115200) and then "ready".
 */
#ifndef ESPAT_CHIP_H
#define ESPAT_CHIP_H

#include <stddef.h>
#include <stdint.h>

void chip_power_on(void);
void chip_power_off(void);
void chip_restart(void);
void chip_input(const uint8_t *buf, size_t len);

#endif
