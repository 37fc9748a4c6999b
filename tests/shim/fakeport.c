#include <string.h>

#include "fakeport.h"
#include "port.h"

#define FAKE_QUEUE (1u << 20)

struct fake_queue {
	uint8_t buf[FAKE_QUEUE];
	size_t head, tail;
};

struct fake_board fake;
static struct fake_queue to_esp, from_esp, to_host, from_host;

static void fake_put(struct fake_queue *q, const uint8_t *p, size_t n)
{
	if (q->tail + n > FAKE_QUEUE) {
		memmove(q->buf, q->buf + q->head, q->tail - q->head);
		q->tail -= q->head;
		q->head = 0;
	}
	if (n > FAKE_QUEUE - q->tail)
		n = FAKE_QUEUE - q->tail;
	memcpy(q->buf + q->tail, p, n);
	q->tail += n;
}

static size_t fake_get(struct fake_queue *q, uint8_t *p, size_t cap)
{
	size_t n = q->tail - q->head;

	if (n > cap)
		n = cap;
	memcpy(p, q->buf + q->head, n);
	q->head += n;
	if (q->head == q->tail)
		q->head = q->tail = 0;
	return n;
}

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.esp_baud = fake.host_baud = 115200;
	fake.esp_max_baud = 115200;
	fake.host_max_baud = 2000000;
	fake.esp_tx_cap = 8192;
	to_esp.head = to_esp.tail = 0;
	from_esp.head = from_esp.tail = 0;
	to_host.head = to_host.tail = 0;
	from_host.head = from_host.tail = 0;
}

size_t fake_esp_take(uint8_t *buf, size_t cap)
{
	return fake_get(&to_esp, buf, cap);
}

size_t fake_host_take(uint8_t *buf, size_t cap)
{
	return fake_get(&to_host, buf, cap);
}

void fake_esp_give(const uint8_t *buf, size_t n)
{
	fake_put(&from_esp, buf, n);
}

void fake_host_give(const uint8_t *buf, size_t n)
{
	fake_put(&from_host, buf, n);
}

size_t fake_esp_unread(void)
{
	return from_esp.tail - from_esp.head;
}

uint64_t port_now_us(void)
{
	return fake.now;
}

size_t port_host_read(uint8_t *buf, size_t cap)
{
	return fake_get(&from_host, buf, cap);
}

size_t port_host_write(const uint8_t *buf, size_t len)
{
	fake_put(&to_host, buf, len);
	return len;
}

size_t port_host_tx_room(void)
{
	return 4096;
}

bool port_host_tx_idle(void)
{
	return to_host.tail == to_host.head;
}

void port_host_set_baud(uint32_t baud)
{
	fake.host_baud = baud;
}

uint32_t port_host_max_baud(void)
{
	return fake.host_max_baud;
}

size_t port_esp_read(uint8_t *buf, size_t cap)
{
	return fake_get(&from_esp, buf, cap);
}

size_t port_esp_write(const uint8_t *buf, size_t len)
{
	size_t room = port_esp_tx_room();

	if (len > room)
		len = room;
	fake_put(&to_esp, buf, len);
	return len;
}

size_t port_esp_tx_room(void)
{
	size_t pending = to_esp.tail - to_esp.head;

	return pending >= fake.esp_tx_cap ? 0 : fake.esp_tx_cap - pending;
}

bool port_esp_tx_idle(void)
{
	return to_esp.tail == to_esp.head;
}

void port_esp_set_baud(uint32_t baud)
{
	fake.esp_baud = baud;
}

uint32_t port_esp_max_baud(void)
{
	return fake.esp_max_baud;
}

bool port_esp_baud_ok(uint32_t baud)
{
	return baud <= fake.esp_max_baud;
}

/* A small pool, so that transcripts and the fuzzer reach its limits. */
void *port_rx_pool(size_t *size)
{
	static uint8_t mem[FAKE_RX_POOL];

	*size = sizeof(mem);
	return mem;
}

uint32_t port_esp_rx_overruns(void)
{
	return fake.esp_overruns;
}

void port_esp_enable(bool on)
{
	if (on && !fake.esp_on)
		fake.esp_pulses++;
	fake.esp_on = on;
}

void port_reboot(void)
{
	fake.rebooted = true;
}

uint32_t port_entropy(void)
{
	return 0x5eed1234u;
}

void port_wait(uint64_t deadline_us)
{
	(void)deadline_us;
}

const char *port_board_name(void)
{
	return "fake board";
}
