/*
 * Transcript runner for the firmware core: a fake board (fakeport.c), a
 * host-side link peer standing in for the daemon, and scripted steps.
 *
 * Steps (op, text):
 *   'H'  the host sends a message, written as "TYPE key=value ..." (see harness.c)
 *   'A'  the core must have sent this AT command line (CR LF added here)
 *   'P'  the core must have sent these raw bytes (a CIPSEND payload)
 *   'E'  the ESP answers these bytes
 *   'R'  the next message the host receives, rendered as text (EV_LOG aside);
 *        consecutive DATA of one socket read as one; "DATA sock=N #LEN" checks the length
 *   'L'  some board log line seen so far contains this text
 *   'W'  time passes: text is milliseconds
 *   'B'  the core's ESP UART rate is now this number
 *   'S'  set a fake-board knob: "esp_max_baud=N", "esp_tx_cap=N", "overrun", "esp_busy=0|1"
 *        (the ESP answers every command line "busy p..." while on), "host_baud=N" (the host
 *        moves the link to N baud)
 *   'G'  the ESP's enable pin: "on=0|1 pulses=N" (N: low-to-high changes of WIFI_EN so far)
 *   'D'  the host drops its session (link restart): the board must forget everything
 *   'Q'  nothing is waiting: no unread host message, no unread ESP output
 *
 * "@N" as an 'E' or 'P' text, or size=N in a DATA step, stands for N bytes
 * of a fixed pattern.
 *
 * Each transcript runs after a prologue that brings the host link up and
 * takes the module through boot and configuration for one AT version.
 */
#ifndef K210_HARNESS_H
#define K210_HARNESS_H

#include <stddef.h>

enum hs_version { HS_V17, HS_V11, HS_V2 };

struct hs_step {
	char op;
	const char *text;
	size_t len;          /* for binary text with NULs; 0: strlen */
};

enum hs_mode {
	HS_WHOLE,            /* every 'E' in one piece */
	HS_BYTES,            /* every 'E' one byte at a time */
	HS_SPLIT,            /* one 'E' split in two at a position */
};

struct hs_case {
	const char *name;
	enum hs_version version;
	const struct hs_step *steps;
	int raw_boot;        /* 1: no prologue beyond the host link (the case boots the module itself) */
};

/* Runs one case in one mode; returns 0 on success (diagnostics on stderr). */
int hs_run(const struct hs_case *c, enum hs_mode mode, int split_step, size_t split_at);
/* Runs a case whole, byte by byte, and (if its 'E' steps are short) split everywhere. */
int hs_run_all_modes(const struct hs_case *c, size_t split_limit);

#endif
