/*
 * The core's counters for a debugger: nothing in the image calls these
 * functions, so the linker would drop them.  This table keeps them (the
 * build names it a root with --require-defined), so that gdb's `call
 * esp_get_stats(&s)` works on a board and k210-emu --image reads the
 * counters for its stats command.
 */
#include "esp.h"
#include "evlog.h"
#include "host.h"
#include "pool.h"
#include "sock.h"

struct debug_counters {
	void (*esp)(struct esp_stats *st);
	void (*sock)(struct sock_stats *st);
	void (*link)(struct link_stats *st);
	uint32_t (*evlog_suppressed)(void);
	void (*pool)(struct pool_stats *st);
	uint8_t (*sockets_in_use)(void);
	uint8_t (*links_free)(void);
};

extern const struct debug_counters debug_counters;
const struct debug_counters debug_counters = {
	esp_get_stats, sock_get_stats, host_link_stats, evlog_suppressed,
	pool_get_stats, sock_in_use, sock_links_free,
};
