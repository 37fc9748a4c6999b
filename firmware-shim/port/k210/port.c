/*
 * port.h on the K210: the host link is UARTHS, the ESP8285 sits on UART2
 * with WIFI_EN on a GPIOHS line, time comes from the CLINT.
 */
#include "board.h"
#include "clint.h"
#include "cpu.h"
#include "entropy.h"
#include "gpiohs.h"
#include "port.h"
#include "sysctl.h"
#include "uart.h"
#include "uarths.h"

uint64_t port_now_us(void)
{
	return clint_ticks_to_us(clint_ticks());
}

size_t port_host_read(uint8_t *buf, size_t cap)
{
	return uarths_read(buf, cap);
}

size_t port_host_write(const uint8_t *buf, size_t len)
{
	return uarths_write(buf, len);
}

size_t port_host_tx_room(void)
{
	return uarths_tx_room();
}

bool port_host_tx_idle(void)
{
	return uarths_tx_idle();
}

void port_host_set_baud(uint32_t baud)
{
	uarths_set_baud(baud);
}

uint32_t port_host_max_baud(void)
{
	return K210_HOST_MAX_BAUD;
}

size_t port_esp_read(uint8_t *buf, size_t cap)
{
	return uart_read(buf, cap);
}

size_t port_esp_write(const uint8_t *buf, size_t len)
{
	return uart_write(buf, len);
}

size_t port_esp_tx_room(void)
{
	return uart_tx_room();
}

bool port_esp_tx_idle(void)
{
	return uart_tx_idle();
}

void port_esp_set_baud(uint32_t baud)
{
	uart_set_baud(baud);
}

uint32_t port_esp_max_baud(void)
{
	static const uint32_t rates[] = BOARD_ESP_RATES;
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (uart_baud_error_permille(rates[i]) <= BOARD_ESP_BAUD_TOLERANCE)
			return rates[i];
	return BOARD_ESP_BAUD;
}

bool port_esp_baud_ok(uint32_t baud)
{
	return baud <= port_esp_max_baud() && uart_baud_error_permille(baud) <= BOARD_ESP_BAUD_TOLERANCE;
}

/* All SRAM behind the image, stack and entropy window (k210.ld). */
extern uint8_t __rx_pool_start[], __rx_pool_end[];

void *port_rx_pool(size_t *size)
{
	*size = (size_t)(__rx_pool_end - __rx_pool_start);
	return __rx_pool_start;
}

uint32_t port_esp_rx_overruns(void)
{
	return uart_rx_overruns();
}

void port_esp_enable(bool on)
{
	gpiohs_set(BOARD_GPIOHS_WIFI_EN, on);
}

void port_reboot(void)
{
	sysctl_reboot();
}

uint32_t port_entropy(void)
{
	return entropy_take();
}

/*
 * Events are latched by the interrupt handlers and cleared here, so a byte
 * that arrives while the core is busy ends the next wait at once, and bytes
 * the core chose to leave unread do not keep it from sleeping.
 */
void port_wait(uint64_t deadline_us)
{
	uint64_t deadline = clint_us_to_ticks(deadline_us);

	for (;;) {
		bool host, esp;

		(void)cpu_irq_save();
		host = uarths_take_event();
		esp = uart_take_event();
		if (host || esp || clint_ticks() >= deadline)
			break;
		clint_arm(deadline);
		/* Masked: a pending interrupt still ends wfi, then runs below. */
		cpu_wait_for_interrupt();
		cpu_irq_enable();
	}
	/*
	 * The timer stays armed: the next wait is often for the same deadline.
	 * If it passes first, its interrupt disarms it.
	 */
	cpu_irq_enable();
}

const char *port_board_name(void)
{
	return K210_BOARD_NAME;
}
