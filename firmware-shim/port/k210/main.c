/*
 * Boot: start.S zeroed .bss and set up the stack, then lands here on hart 0.
 */
#include "board.h"
#include "cpu.h"
#include "entropy.h"
#include "fpioa.h"
#include "gpiohs.h"
#include "plic.h"
#include "port.h"
#include "shim.h"
#include "sysctl.h"
#include "uart.h"
#include "uarths.h"

/* UARTHS has the smaller FIFO (8 bytes, no receive timeout): serve it first. */
#define IRQ_PRIORITY_UARTHS 2u
#define IRQ_PRIORITY_UART2  1u

static void main_init_pins(void)
{
	sysctl_enable_fpioa();
	/*
	 * Levels first, then the pads: the ESP stays in reset (WIFI_EN low)
	 * until the core enables it, and its GPIO15 strap is low from the
	 * first moment the pad is driven.
	 */
	gpiohs_output(BOARD_GPIOHS_WIFI_EN, false);
	gpiohs_output(BOARD_GPIOHS_ESP_BOOT, false);
	fpioa_assign(BOARD_PAD_WIFI_EN, FPIOA_FUNC_GPIOHS0 + BOARD_GPIOHS_WIFI_EN, FPIOA_GPIO);
	fpioa_assign(BOARD_PAD_ESP_BOOT, FPIOA_FUNC_GPIOHS0 + BOARD_GPIOHS_ESP_BOOT, FPIOA_GPIO);
	fpioa_assign(BOARD_PAD_HOST_RX, FPIOA_FUNC_UARTHS_RX, FPIOA_INPUT);
	fpioa_assign(BOARD_PAD_HOST_TX, FPIOA_FUNC_UARTHS_TX, FPIOA_OUTPUT);
	fpioa_assign(BOARD_PAD_ESP_RX, FPIOA_FUNC_UART2_RX, FPIOA_INPUT);
	fpioa_assign(BOARD_PAD_ESP_TX, FPIOA_FUNC_UART2_TX, FPIOA_OUTPUT);
}

int main(void)
{
	sysctl_init_clocks();
	entropy_init();
	main_init_pins();

	plic_init();
	uarths_init(BOARD_HOST_BAUD);
	uart_init(BOARD_ESP_BAUD);
	plic_enable(PLIC_IRQ_UARTHS, IRQ_PRIORITY_UARTHS);
	plic_enable(PLIC_IRQ_UART2, IRQ_PRIORITY_UART2);
	cpu_csr_set(mie, MIE_MEIE);
	cpu_irq_enable();

	shim_init();
	for (;;)
		port_wait(shim_poll(port_now_us()));
}
