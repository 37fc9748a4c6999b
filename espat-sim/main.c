/*
 * espat-sim: an ESP8285 running Espressif's AT firmware, simulated on real Linux sockets, for
 * testing the K210 firmware shim and host drivers without a board.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "chip.h"
#include "links.h"
#include "log.h"
#include "loop.h"
#include "opt.h"
#include "ping.h"
#include "reply.h"
#include "resolve.h"
#include "sigfd.h"
#include "sim.h"
#include "trace.h"
#include "uart.h"
#include "wifi.h"

#define MAIN_DEFAULT_BOOT_DELAY_MS 200
#define MAIN_DEFAULT_JOIN_MS 300

struct sim_options sim_opt;

static bool main_stop;
static int main_signal_fd = -1;

static const struct {
	const char *name;
	enum sim_quirk bit;
	const char *help;
} main_quirks[] = {
	{ "ok-before-connect", SIM_Q_OK_BEFORE_CONNECT, "AT+CIPSTART answers OK first and <id>,CONNECT after it" },
	{ "burst", SIM_Q_BURST, "output waits 20 ms, then leaves in one burst (CONNECT, OK, CLOSED)" },
	{ "prompt-before-ok", SIM_Q_PROMPT_FIRST, "AT+CIPSEND prompts with \"> \" before its OK" },
	{ "no-recv-bytes", SIM_Q_NO_RECV_BYTES, "no \"Recv N bytes\" line after the data of AT+CIPSEND" },
	{ "ipd-crlf", SIM_Q_IPD_CRLF, "an extra CR LF after the data of every unsolicited +IPD" },
	{ "no-passive", SIM_Q_NO_PASSIVE, "AT+CIPRECVMODE=1 answers ERROR: data always arrives unsolicited" },
	{ "no-dinfo", SIM_Q_NO_DINFO, "AT+CIPDINFO=1 answers ERROR: +IPD never names the sender" },
	{ "no-udp", SIM_Q_NO_UDP, "a UDP AT+CIPSTART answers ERROR, then a bare CLOSED" },
	{ "busy-after-scan", SIM_Q_BUSY_AFTER_SCAN,
	  "after AT+CWLAP every command answers \"busy p...\" until WIFI_EN drops" },
	{ "gmr-bare", SIM_Q_GMR_BARE, "AT+GMR prints its version without the \"AT version:\" label" },
	{ "cifsr-typo", SIM_Q_CIFSR_TYPO, "AT+CIFSR prints its address as +CISFR:STAIP" },
	{ "join-ok-early", SIM_Q_JOIN_OK_EARLY,
	  "AT+CWJAP answers OK at once, \"WiFi CONNECTED\" and \"WiFi GOT IP\" 2 s later" },
	{ "no-uart-cur", SIM_Q_NO_UART_CUR, "AT+UART_CUR answers ERROR: the UART stays at its boot rate" },
};

/* The quirk list of --help, one per line. */
static const char *main_quirk_help(void)
{
	static char text[2048];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(main_quirks) / sizeof(main_quirks[0]) && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "      %-18s %s\n", main_quirks[i].name,
				      main_quirks[i].help);
	return text;
}

static void main_usage(FILE *out)
{
	fprintf(out,
	    "usage: espat-sim [options]\n"
	    "Simulates an ESP8285 with Espressif AT firmware on real Linux sockets. AT commands are read\n"
	    "from stdin and answered on stdout, or served on a pty.\n"
	    "\n"
	    "Transport and timing:\n"
	    "  --pty-link PATH       create a pty, publish its slave as symlink PATH (removed on exit)\n"
	    "  --baud N              UART rate at boot, bits/s (default 115200); output is paced at\n"
	    "                        10 bits per byte; AT+UART_CUR changes it after its OK\n"
	    "  --unpaced             no output pacing at all\n"
	    "  --boot-delay-ms N     time from reset to \"ready\" (default %d)\n"
	    "  --cmd-latency-us N    hold each command's final result back by N microseconds (default 0)\n"
	    "  --join-ms N           simulated association / scan time (default %d)\n"
	    "\n"
	    "Firmware:\n"
	    "  --at-version V        1.7 (NonOS AT 1.7.4, default), 1.1 (factory 1.1.0.0: no passive\n"
	    "                        receive), 2 (ESP-AT 2.x reply formats)\n"
	    "  --urc-chaos SEED      hold unsolicited results and release them at seeded-random legal\n"
	    "                        points (between reply lines, after an echo, between OK and \"> \")\n"
	    "  AT+PING answers with the round trip of a TCP handshake to port 7 of the host (accepted\n"
	    "                        or refused: either is an echo); no answer within 1 s is a timeout\n"
	    "  --quirk NAME          behave like other AT firmware builds (repeatable):\n"
	    "%s"
	    "\n"
	    "WiFi:\n"
	    "  --ap SSID,PSK[,RSSI[,CHANNEL]]\n"
	    "                        a simulated access point (repeatable; default k210sim,k210sim-pass);\n"
	    "                        an empty PSK is an open AP; RSSI <= -90 never answers (join timeout)\n"
	    "  --autojoin SSID       boot already joined to SSID, as with saved credentials\n"
	    "  --ip A --gateway A --netmask A\n"
	    "                        station addresses reported (default 192.168.4.2, 192.168.4.1,\n"
	    "                        255.255.255.0); traffic goes through the host's network stack\n"
	    "  --mac XX:XX:XX:XX:XX:XX  station MAC reported\n"
	    "\n"
	    "Debugging:\n"
	    "  --trace FILE          log every byte in and out with timestamps\n"
	    "  --trace-events FILE   log commands, final results and unsolicited results (with the UART\n"
	    "                        backlog ahead of them) with timestamps, not the bytes\n"
	    "  -v                    verbose log on stderr (twice for more)\n"
	    "  -h, --help            this text\n"
	    "\n"
	    "Signals: SIGUSR1 pulls WIFI_EN low (power off: links drop, no output, input ignored),\n"
	    "SIGUSR2 raises it (boot). SIGTERM and SIGINT exit; so does EOF on stdin.\n",
	    MAIN_DEFAULT_BOOT_DELAY_MS, MAIN_DEFAULT_JOIN_MS, main_quirk_help());
}

static void main_quirk(const char *name)
{
	for (size_t i = 0; i < sizeof(main_quirks) / sizeof(main_quirks[0]); i++) {
		if (strcmp(main_quirks[i].name, name) == 0) {
			sim_opt.quirks |= (unsigned)main_quirks[i].bit;
			return;
		}
	}
	log_fatalx("--quirk: unknown quirk '%s' (see --help)", name);
}

static void main_address(const char *opt, const char *s, struct in_addr *out)
{
	if (inet_pton(AF_INET, s, out) != 1)
		log_fatalx("%s: '%s' is not an IPv4 address", opt, s);
}

static void main_mac(const char *s)
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		log_fatalx("--mac: '%s' is not XX:XX:XX:XX:XX:XX", s);
	for (int i = 0; i < 6; i++)
		sim_opt.mac[i] = (uint8_t)b[i];
}

static void main_defaults(void)
{
	static const uint8_t mac[6] = { 0x5c, 0xcf, 0x7f, 0x21, 0x0a, 0x85 };

	sim_opt.version = SIM_AT17;
	sim_opt.boot_baud = UART_DEFAULT_BAUD;
	sim_opt.boot_delay_ms = MAIN_DEFAULT_BOOT_DELAY_MS;
	sim_opt.join_ms = MAIN_DEFAULT_JOIN_MS;
	inet_pton(AF_INET, "192.168.4.2", &sim_opt.ip);
	inet_pton(AF_INET, "192.168.4.1", &sim_opt.gateway);
	inet_pton(AF_INET, "255.255.255.0", &sim_opt.netmask);
	memcpy(sim_opt.mac, mac, sizeof(mac));
}

enum main_option {
	OPT_PTY_LINK = 256,
	OPT_BAUD,
	OPT_UNPACED,
	OPT_BOOT_DELAY,
	OPT_LATENCY,
	OPT_JOIN_MS,
	OPT_VERSION,
	OPT_CHAOS,
	OPT_QUIRK,
	OPT_AP,
	OPT_AUTOJOIN,
	OPT_IP,
	OPT_GATEWAY,
	OPT_NETMASK,
	OPT_MAC,
	OPT_TRACE,
	OPT_TRACE_EVENTS,
};

static const struct option main_options[] = {
	{ "pty-link", required_argument, NULL, OPT_PTY_LINK },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "unpaced", no_argument, NULL, OPT_UNPACED },
	{ "boot-delay-ms", required_argument, NULL, OPT_BOOT_DELAY },
	{ "cmd-latency-us", required_argument, NULL, OPT_LATENCY },
	{ "join-ms", required_argument, NULL, OPT_JOIN_MS },
	{ "at-version", required_argument, NULL, OPT_VERSION },
	{ "urc-chaos", required_argument, NULL, OPT_CHAOS },
	{ "quirk", required_argument, NULL, OPT_QUIRK },
	{ "ap", required_argument, NULL, OPT_AP },
	{ "autojoin", required_argument, NULL, OPT_AUTOJOIN },
	{ "ip", required_argument, NULL, OPT_IP },
	{ "gateway", required_argument, NULL, OPT_GATEWAY },
	{ "netmask", required_argument, NULL, OPT_NETMASK },
	{ "mac", required_argument, NULL, OPT_MAC },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "trace-events", required_argument, NULL, OPT_TRACE_EVENTS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void main_on_signal(int fd, short revents, void *ctx)
{
	struct signalfd_siginfo si;

	(void)revents;
	(void)ctx;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			chip_power_off();
			break;
		case SIGUSR2:
			chip_power_on();
			break;
		default:
			log_info("signal %u: exiting", si.ssi_signo);
			main_stop = true;
			break;
		}
	}
}

static void main_prepare(void)
{
	links_service();
	reply_pump();
	loop_watch(main_signal_fd, POLLIN, main_on_signal, NULL);
	uart_prepare();
	resolve_prepare();
	ping_prepare();
	links_prepare();
}

static void main_setup_signals(void)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP };

	/* Before any resolver thread exists, so every thread inherits the mask. */
	main_signal_fd = sigfd_open(sigs, sizeof(sigs) / sizeof(sigs[0]));
	if (main_signal_fd < 0)
		log_fatal("signals");
}

int main(int argc, char **argv)
{
	const char *pty_link = NULL, *trace_path = NULL;
	bool unpaced = false, chaos = false, have_ap = false, trace_bytes_too = false;
	uint64_t chaos_seed = 0;
	int verbosity = 0, c;

	main_defaults();
	while ((c = getopt_long(argc, argv, "vh", main_options, NULL)) != -1) {
		switch (c) {
		case OPT_PTY_LINK:
			pty_link = optarg;
			break;
		case OPT_BAUD:
			sim_opt.boot_baud = opt_number("espat-sim", "--baud", optarg, 80, 5000000);
			break;
		case OPT_UNPACED:
			unpaced = true;
			break;
		case OPT_BOOT_DELAY:
			sim_opt.boot_delay_ms = (unsigned)opt_number("espat-sim", "--boot-delay-ms", optarg, 0, 60000);
			break;
		case OPT_LATENCY:
			sim_opt.cmd_latency_us = opt_number("espat-sim", "--cmd-latency-us", optarg, 0, 60000000);
			break;
		case OPT_JOIN_MS:
			sim_opt.join_ms = (unsigned)opt_number("espat-sim", "--join-ms", optarg, 0, 60000);
			break;
		case OPT_VERSION:
			if (strcmp(optarg, "1.7") == 0 || strcmp(optarg, "1.7.4") == 0)
				sim_opt.version = SIM_AT17;
			else if (strcmp(optarg, "1.1") == 0 || strcmp(optarg, "1.1.0") == 0)
				sim_opt.version = SIM_AT11;
			else if (strcmp(optarg, "2") == 0 || strncmp(optarg, "2.", 2) == 0)
				sim_opt.version = SIM_AT2;
			else
				log_fatalx("--at-version: expected 1.1, 1.7 or 2, got '%s'", optarg);
			break;
		case OPT_CHAOS:
			chaos = true;
			chaos_seed = opt_number("espat-sim", "--urc-chaos", optarg, 0, ULONG_MAX);
			break;
		case OPT_QUIRK:
			main_quirk(optarg);
			break;
		case OPT_AP:
			if (wifi_add_ap(optarg) < 0)
				exit(2);
			have_ap = true;
			break;
		case OPT_AUTOJOIN:
			sim_opt.autojoin = optarg;
			break;
		case OPT_IP:
			main_address("--ip", optarg, &sim_opt.ip);
			break;
		case OPT_GATEWAY:
			main_address("--gateway", optarg, &sim_opt.gateway);
			break;
		case OPT_NETMASK:
			main_address("--netmask", optarg, &sim_opt.netmask);
			break;
		case OPT_MAC:
			main_mac(optarg);
			break;
		case OPT_TRACE:
		case OPT_TRACE_EVENTS:
			if (trace_path != NULL)
				log_fatalx("--trace and --trace-events: one trace at a time");
			trace_path = optarg;
			trace_bytes_too = c == OPT_TRACE;
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
	if (optind != argc) {
		main_usage(stderr);
		return 2;
	}
	log_init_tool("espat-sim", log_level_verbose(verbosity), NULL);
	if (!have_ap)
		wifi_add_default_ap();
	if (trace_path != NULL && trace_open(trace_path, trace_bytes_too) < 0)
		log_fatal("trace %s", trace_path);
	main_setup_signals();
	uart_set_unpaced(unpaced);
	uart_set_burst(sim_quirk(SIM_Q_BURST));
	if (chaos)
		reply_set_chaos(chaos_seed);
	if (pty_link != NULL) {
		if (uart_open_pty(pty_link, chip_input) < 0)
			return 1;
		atexit(uart_close);
	} else {
		uart_open_stdio(chip_input);
	}
	chip_power_on();
	while (!main_stop && !uart_eof())
		loop_turn(main_prepare);
	uart_close();
	trace_close();
	return 0;
}
