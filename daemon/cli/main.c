/*
 * k210sock: the command line client of k210sockd.
 * Options may come before or after the command; each command accepts only
 * the options that apply to it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_JSON = 1 << 0,
	OPT_TLS = 1 << 1,
	OPT_KEEP = 1 << 2,
	OPT_LISTEN = 1 << 3,
	OPT_BYTES = 1 << 4,
	OPT_STREAMS = 1 << 5,
	OPT_NO_SHUTDOWN = 1 << 6,
	OPT_NETIF = 1 << 7,
};

struct command {
	const char *name;
	int (*run)(const struct cli *c);
	unsigned options;        /* OPT_* it accepts */
	int min_args, max_args;
	const char *usage;
};

static const struct command commands[] = {
	{ "status", status_run, OPT_JSON | OPT_NETIF, 0, 0, "status [--netif SOCKET]" },
	{ "resolve", control_resolve, OPT_JSON, 1, 1, "resolve HOST" },
	{ "ping", control_ping, OPT_JSON, 1, 1, "ping HOST" },
	{ "connect", stream_connect, OPT_TLS | OPT_NO_SHUTDOWN, 2, 2,
	  "connect [--tls] [--no-shutdown] HOST PORT" },
	{ "listen", stream_listen, OPT_KEEP | OPT_NO_SHUTDOWN, 1, 1, "listen [-k] [--no-shutdown] PORT" },
	{ "udp", udp_run, OPT_LISTEN, 0, 2, "udp [--listen PORT] [HOST PORT]" },
	{ "wifi", control_wifi, OPT_JSON, 1, 3, "wifi status|scan|join SSID [PSK]|leave" },
	{ "reset", control_reset, 0, 0, 1, "reset [board|esp]" },
	{ "monitor", monitor_run, OPT_JSON, 0, 0, "monitor" },
	{ "bench", bench_run, OPT_JSON | OPT_BYTES | OPT_STREAMS, 0, 2,
	  "bench [--bytes N] [--streams N] [HOST PORT]" },
};

#define COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: k210sock [-s SOCKET] [--json] [-q] [-v] COMMAND [ARGS]\n"
	      "\n"
	      "Use and control the WiFi of a K210 board through k210sockd.\n"
	      "\n"
	      "Options:\n"
	      "  -s, --socket PATH  the daemon's socket (default: $" K210SOCK_SOCKET_ENV ", else\n"
	      "                     " K210SOCK_DEFAULT_SOCKET ")\n"
	      "      --json         JSON output (status, resolve, ping, wifi status/scan,\n"
	      "                     monitor, bench)\n"
	      "  -q, --quiet        no progress display\n"
	      "  -v, --verbose      say more on standard error\n"
	      "  -h, --help         this help\n"
	      "  -V, --version      the version\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < COMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fputs("\nExit status: 0 ok, 1 failed, 2 usage error, 3 daemon unreachable, 4 no board.\n", f);
}

static const char *option_name(unsigned opt)
{
	switch (opt) {
	case OPT_JSON: return "--json";
	case OPT_TLS: return "--tls";
	case OPT_KEEP: return "-k";
	case OPT_LISTEN: return "--listen";
	case OPT_BYTES: return "--bytes";
	case OPT_STREAMS: return "--streams";
	case OPT_NO_SHUTDOWN: return "--no-shutdown";
	case OPT_NETIF: return "--netif";
	}
	return "?";
}

static int parse(int argc, char **argv, struct cli *c, unsigned *given)
{
	enum { LONG_JSON = 256, LONG_TLS, LONG_LISTEN, LONG_BYTES, LONG_STREAMS, LONG_NO_SHUTDOWN,
	       LONG_NETIF };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, LONG_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "tls", no_argument, NULL, LONG_TLS },
		{ "keep", no_argument, NULL, 'k' },
		{ "listen", required_argument, NULL, LONG_LISTEN },
		{ "bytes", required_argument, NULL, LONG_BYTES },
		{ "streams", required_argument, NULL, LONG_STREAMS },
		{ "no-shutdown", no_argument, NULL, LONG_NO_SHUTDOWN },
		{ "netif", required_argument, NULL, LONG_NETIF },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "s:qvhVk", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': c->socket = optarg; break;
		case 'q': c->quiet = true; break;
		case 'v': c->verbose = true; break;
		case 'h': usage(stdout); exit(CLI_OK);
		case 'V': printf("k210sock %s\n", K210SOCK_CLI_VERSION); exit(CLI_OK);
		case LONG_JSON: c->json = true; *given |= OPT_JSON; break;
		case LONG_TLS: c->tls = true; *given |= OPT_TLS; break;
		case 'k': c->keep = true; *given |= OPT_KEEP; break;
		case LONG_NO_SHUTDOWN: c->no_shutdown = true; *given |= OPT_NO_SHUTDOWN; break;
		case LONG_LISTEN:
			if (!cli_parse_port(optarg, &c->udp_port))
				return cli_usage("--listen: bad port '%s'", optarg);
			c->udp_listen = true;
			*given |= OPT_LISTEN;
			break;
		case LONG_BYTES:
			if (!cli_parse_size(optarg, &n) || n == 0)
				return cli_usage("--bytes: bad size '%s'", optarg);
			c->bytes = n;
			*given |= OPT_BYTES;
			break;
		case LONG_NETIF:
			c->netif = optarg;
			*given |= OPT_NETIF;
			break;
		case LONG_STREAMS:
			if (!cli_parse_size(optarg, &n) || n == 0 || n > 1000)
				return cli_usage("--streams: bad count '%s'", optarg);
			c->streams = (unsigned)n;
			*given |= OPT_STREAMS;
			break;
		default:
			if (optopt && optopt < 256)
				return cli_usage("option -%c: unknown or missing its argument", optopt);
			return cli_usage("option %s: unknown or missing its argument", argv[optind - 1]);
		}
	}
	return CLI_OK;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	const struct command *cmd = NULL;
	unsigned given = 0;
	int rc = parse(argc, argv, &c, &given);

	if (rc != CLI_OK)
		return rc;
	if (optind >= argc)
		return cli_usage("no command given");
	c.command = argv[optind];
	for (size_t i = 0; i < COMMANDS && !cmd; i++)
		if (!strcmp(commands[i].name, c.command))
			cmd = &commands[i];
	if (!cmd)
		return cli_usage("unknown command '%s'", c.command);
	c.argc = argc - optind - 1;
	c.argv = argv + optind + 1;
	for (unsigned opt = 1; opt <= OPT_NETIF; opt <<= 1)
		if ((given & opt) && !(cmd->options & opt))
			return cli_usage("%s does not apply to %s", option_name(opt), cmd->name);
	if (c.argc < cmd->min_args || c.argc > cmd->max_args)
		return cli_usage("usage: k210sock %s", cmd->usage);
	return cmd->run(&c);
}
