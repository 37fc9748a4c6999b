/*
 * k210-emu: a K210 board with an ESP8285, emulated on Linux.  The real
 * firmware core runs here against emulated UARTs: the USB serial line is a
 * pty published as a symlink, the ESP8285 is espat-sim (or an AT emulator
 * on a tty).  Both lines are paced at their baud rates like real UARTs.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "control.h"
#include "emu.h"
#include "espat.h"
#include "image.h"
#include "log.h"
#include "monotime.h"
#include "opt.h"
#include "port.h"
#include "shim.h"
#include "sigfd.h"

/* Bytes of the chip's output that may wait for the image's wire. */
#define MAIN_CHIP_BUFFER 4096
#define MAIN_DEFAULT_BAUD 2000000u
#define MAIN_UNPACED_BAUD 4000000u
#define MAIN_MAX_ESP_ARGS 64

static void main_usage(FILE *out)
{
	fprintf(out,
	    "usage: k210-emu --link PATH [options]\n"
	    "Emulates a K210 board with an ESP8285 (Maix Dock / Maix Go) running the k210sockd firmware\n"
	    "core: the board's USB serial port appears as a pty behind the symlink PATH.\n"
	    "\n"
	    "USB serial line:\n"
	    "  --link PATH        publish the board's serial port (a pty) as symlink PATH; replaced\n"
	    "                     atomically, removed on exit and on unplug; a file there that is\n"
	    "                     not a symlink is left alone (k210-emu exits)\n"
	    "  --baud N           highest rate the board accepts (default %u); the line starts at\n"
	    "                     115200 and follows the link's negotiated rate; both directions are\n"
	    "                     paced at 10 bits a byte, received bytes go through an 8 KB ring\n"
	    "                     that drops and counts overflow; 0 = unpaced\n"
	    "  --ber P            bit error probability on the line, both directions (default 0)\n"
	    "  --drop P           byte loss probability on the line, both directions (default 0)\n"
	    "  --seed N           seed of the noise generator (default 1)\n"
	    "  --raw-source       no board: the line runs at --baud from the start and carries a\n"
	    "                     byte pattern without pause (what a bare paced line delivers on\n"
	    "                     this machine: the baseline of the benchmarks)\n"
	    "\n"
	    "ESP8285:\n"
	    "  --esp-baud N       rate the firmware may raise the ESP UART to with AT+UART_CUR\n"
	    "                     (default 115200: it stays there); the UART is paced at its rate;\n"
	    "                     0 = unthrottled (no pacing; espat-sim runs --unpaced)\n"
	    "  --esp-sim PATH     the espat-sim program (default: next to k210-emu, else the one\n"
	    "                     built with it, else from PATH)\n"
	    "  --esp-arg ARG      pass ARG to espat-sim (repeatable), e.g. --esp-arg --at-version\n"
	    "                     --esp-arg 1.1; WIFI_EN drives its reset pins (SIGUSR1 low, SIGUSR2 high)\n"
	    "  --esp-tty PATH     talk to an external AT emulator on a tty or pty instead (at\n"
	    "                     --esp-baud, 115200 if 0); WIFI_EN is then not connected\n"
	    "\n"
	    "Firmware image:\n"
	    "  --image FILE.elf   run this firmware image (k210sockd-shim.elf) on an emulated K210\n"
	    "                     (RV64 on libunicorn, with models of its SYSCTL, FPIOA, GPIOHS,\n"
	    "                     UARTHS, UART2, CLINT and PLIC) instead of the firmware core built\n"
	    "                     for Linux.  Each UART runs at the rate its divisor gives and\n"
	    "                     bytes arrive corrupted when that is more than 3%% off the other\n"
	    "                     end's rate; --baud is then the USB bridge's top rate (0: no\n"
	    "                     pacing: bytes move as soon as both ends take them, still\n"
	    "                     garbled on a rate mismatch), --esp-baud only says paced (any\n"
	    "                     rate) or not (0): the firmware picks the ESP rate itself\n"
	    "  --pll MODE         how the boot ROM leaves PLL0: rom (780 MHz, locked; default), off\n"
	    "                     (powered down: the firmware programs it), never (as off, and it\n"
	    "                     never locks)\n"
	    "  --count-instructions\n"
	    "                     count the instructions the firmware executes (stats:\n"
	    "                     instructions=); slower\n"
	    "\n"
	    "Control and logging:\n"
	    "  --control PATH     a Unix stream socket taking one command per line; each answer ends\n"
	    "                     with \"ok\" or \"error: ...\":\n"
	    "                       unplug             the pty and the symlink go away (the host sees\n"
	    "                                          EOF/EIO); the board and the ESP8285 lose power\n"
	    "                       replug             a new pty at the same symlink; the board boots\n"
	    "                       unplug-for SECONDS unplug, then replug after SECONDS\n"
	    "                       reset              board reset: the firmware restarts with a new\n"
	    "                                          boot id; the pty stays\n"
	    "                       esp-reset          pulse WIFI_EN low for 20 ms\n"
	    "                       noise BER DROP     change the line noise\n"
	    "                       stats              counters as key=value lines\n"
	    "  -v                 log to stderr (twice: more; board log lines come with the first)\n"
	    "  --log FILE         log to FILE instead of stderr\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Signals: SIGTERM and SIGINT exit cleanly (symlink removed, espat-sim stopped), SIGUSR1\n"
	    "resets the board, SIGUSR2 resets the ESP8285.  k210-emu exits with status 1 if\n"
	    "espat-sim dies, and with --image with status 3 when the firmware does what the chip\n"
	    "would not survive (an access no peripheral answers, the CPU clock stopped).\n",
	    MAIN_DEFAULT_BAUD);
}

enum main_option {
	OPT_LINK = 256,
	OPT_BAUD,
	OPT_BER,
	OPT_DROP,
	OPT_SEED,
	OPT_ESP_BAUD,
	OPT_ESP_SIM,
	OPT_ESP_ARG,
	OPT_ESP_TTY,
	OPT_CONTROL,
	OPT_LOG,
	OPT_RAW_SOURCE,
	OPT_IMAGE,
	OPT_PLL,
	OPT_COUNT,
};

static const struct option main_options[] = {
	{ "link", required_argument, NULL, OPT_LINK },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "ber", required_argument, NULL, OPT_BER },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "esp-baud", required_argument, NULL, OPT_ESP_BAUD },
	{ "esp-sim", required_argument, NULL, OPT_ESP_SIM },
	{ "esp-arg", required_argument, NULL, OPT_ESP_ARG },
	{ "esp-tty", required_argument, NULL, OPT_ESP_TTY },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "raw-source", no_argument, NULL, OPT_RAW_SOURCE },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "pll", required_argument, NULL, OPT_PLL },
	{ "count-instructions", no_argument, NULL, OPT_COUNT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* --raw-source: keep the line's transmit ring full of a counting pattern until told to stop. */
static int main_raw_source(uint32_t baud)
{
	uint8_t pattern[256];
	size_t off = 0;

	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)i;
	if (board_plug() < 0)
		return 1;
	emu.reboot_due = false;
	line_set_baud(&emu.host, baud, monotime_ns());
	log_info("raw source at %u baud", baud);
	while (!emu.quit) {
		size_t room = line_tx_room(&emu.host);

		while (room > 0) {
			size_t n = sizeof(pattern) - off < room ? sizeof(pattern) - off : room;

			line_write(&emu.host, pattern + off, n);
			off = (off + n) % sizeof(pattern);
			room -= n;
		}
		/* The ring holds 40 ms at 2 Mbaud: a look every 5 ms keeps it full. */
		port_wait(port_now_us() + 5000);
	}
	board_unplug();
	return emu.exit_code;
}

static int main_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD };
	int fd = sigfd_open(sigs, sizeof(sigs) / sizeof(sigs[0]));

	if (fd < 0)
		log_fatal("signals");
	return fd;
}

int main(int argc, char **argv)
{
	static char *esp_args[MAIN_MAX_ESP_ARGS];
	struct espat_config esp = { 0 };
	struct image_config img = { .pll = PERIPH_SYSCTL_PLL_ROM };
	const char *control = NULL, *logfile = NULL;
	unsigned long baud = MAIN_DEFAULT_BAUD, esp_baud = 115200, seed = 1;
	int verbosity = 0, c, esp_fd;
	bool raw = false, esp_baud_given = false, pll_given = false;
	int64_t now;

	emu.ber = emu.drop = 0;
	while ((c = getopt_long(argc, argv, "vh", main_options, NULL)) != -1) {
		switch (c) {
		case OPT_LINK:
			emu.link_path = optarg;
			break;
		case OPT_BAUD:
			baud = opt_number("k210-emu", "--baud", optarg, 0, 12000000);
			break;
		case OPT_BER:
			emu.ber = opt_probability("k210-emu", "--ber", optarg);
			break;
		case OPT_DROP:
			emu.drop = opt_probability("k210-emu", "--drop", optarg);
			break;
		case OPT_SEED:
			seed = opt_number("k210-emu", "--seed", optarg, 0, 0xffffffffUL);
			break;
		case OPT_ESP_BAUD:
			esp_baud = opt_number("k210-emu", "--esp-baud", optarg, 0, 4608000);
			esp_baud_given = true;
			break;
		case OPT_ESP_SIM:
			esp.sim = optarg;
			break;
		case OPT_ESP_ARG:
			if (esp.nargs == MAIN_MAX_ESP_ARGS) {
				fprintf(stderr, "k210-emu: too many --esp-arg\n");
				return 2;
			}
			esp_args[esp.nargs++] = optarg;
			break;
		case OPT_ESP_TTY:
			esp.tty = optarg;
			break;
		case OPT_CONTROL:
			control = optarg;
			break;
		case OPT_LOG:
			logfile = optarg;
			break;
		case OPT_RAW_SOURCE:
			raw = true;
			break;
		case OPT_IMAGE:
			img.path = optarg;
			break;
		case OPT_PLL:
			pll_given = true;
			if (strcmp(optarg, "rom") == 0) {
				img.pll = PERIPH_SYSCTL_PLL_ROM;
			} else if (strcmp(optarg, "off") == 0) {
				img.pll = PERIPH_SYSCTL_PLL_OFF;
			} else if (strcmp(optarg, "never") == 0) {
				img.pll = PERIPH_SYSCTL_PLL_NEVER;
			} else {
				fprintf(stderr, "k210-emu: --pll: rom, off or never\n");
				return 2;
			}
			break;
		case OPT_COUNT:
			img.count_instructions = true;
			break;
		case 'v':
			verbosity++;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !emu.link_path) {
		main_usage(stderr);
		return 2;
	}
	if (!img.path && (pll_given || img.count_instructions)) {
		fprintf(stderr, "k210-emu: --pll and --count-instructions apply to --image only\n");
		return 2;
	}
	if (img.path && raw) {
		fprintf(stderr, "k210-emu: --raw-source runs no board: no --image with it\n");
		return 2;
	}
	if (esp_baud && esp_baud < 115200) {
		fprintf(stderr, "k210-emu: --esp-baud: the AT firmware starts at 115200; ask for at least that\n");
		return 2;
	}
	if (baud && baud < 115200) {
		fprintf(stderr, "k210-emu: --baud: the link starts at 115200; allow at least that\n");
		return 2;
	}
	log_init_tool("k210-emu", log_level_verbose(verbosity), logfile);
	if (img.path && esp_baud_given && esp_baud && esp_baud != MAIN_DEFAULT_BAUD)
		log_info("--esp-baud %lu: with --image the firmware picks the ESP8285's rate; the UART is paced at "
			 "that rate", esp_baud);
	emu.start_ns = now = monotime_ns();
	emu.host_paced = baud != 0;
	emu.host_max_baud = baud ? (uint32_t)baud : MAIN_UNPACED_BAUD;
	emu.esp_paced = esp_baud != 0;
	/* Unthrottled, the rate is only a number: still raise it, so the firmware's path is the real one. */
	emu.esp_max_baud = esp_baud ? (uint32_t)esp_baud : MAIN_DEFAULT_BAUD;
	emu.noise_seed = seed;
	line_init(&emu.host, "usb", 115200, emu.host_paced, emu.host_paced, now);
	emu.host.rx_drops = emu.host_paced;
	line_set_noise(&emu.host, emu.ber, emu.drop, seed);
	/*
	 * Both directions are paced here.  espat-sim paces what it sends too (but
	 * for the image, below), yet after a late turn of this loop its bytes would reach the core as one
	 * burst, which no UART delivers (and which overruns AT 1.1's unsolicited
	 * data on a busy machine).
	 */
	line_init(&emu.esp, "esp", 115200, emu.esp_paced, emu.esp_paced, now);
	emu.sigfd = main_signals();
	if (raw)
		return main_raw_source(emu.host_max_baud);
	esp.args = esp_args;
	/*
	 * The image counts board time apart from the host clock and its wire paces
	 * the chip's bytes in board time; a simulator pacing in host time would,
	 * when the host stops running it halfway through a reply, show the firmware
	 * a pause in the middle of a reply that no ESP8285 makes.
	 */
	esp.unpaced = !emu.esp_paced || img.path != NULL;
	esp.chip_buffer = img.path != NULL ? MAIN_CHIP_BUFFER : 0;
	esp.tty_baud = 115200;
	esp_fd = espat_start(&esp);
	line_attach(&emu.esp, esp_fd);
	emu.image = img.path != NULL;
	if (emu.image && image_init(&img) < 0) {
		espat_stop();
		return 1;
	}
	if (control && control_open(control) < 0) {
		espat_stop();
		return 1;
	}
	if (board_plug() < 0) {
		control_close();
		espat_stop();
		return 1;
	}
	if (emu.image)
		image_run();
	while (!emu.quit) {
		uint64_t next;

		if (emu.reboot_due)
			board_reboot();
		next = emu.powered ? shim_poll(port_now_us()) : port_now_us() + 1000000u;
		if (emu.reboot_due)
			continue;
		port_wait(next);
	}
	board_unplug();
	control_close();
	espat_stop();
	log_info("exit");
	return emu.exit_code;
}
