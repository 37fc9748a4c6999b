/*
 * k210-linkbench: stream data both ways through two link endpoints on a
 * simulated serial wire and report what arrived, how fast, and intact.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linksim.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: k210-linkbench [options]\n"
		"  --baud N          line rate after the 115200 start (default 921600)\n"
		"  --bytes N         bytes to deliver in each direction (K/M suffix; default 1M)\n"
		"  --ber P           probability that a bit flips (default 0)\n"
		"  --drop P          probability that a byte is lost (default 0)\n"
		"  --noise-from F    bit errors and drops start at fraction F of the transfer\n"
		"  --latency-us N    one-way latency (default 100)\n"
		"  --seed N          random seed (default 1)\n"
		"  --garbage N       inject N bursts of noise into each receiver (default 0)\n"
		"  --garbage-len N   bytes per burst (default 200)\n"
		"  --reset-at F      reset the second endpoint at fraction F of the transfer\n"
		"  --window N        link window in frames (default 32)\n"
		"  --payload N       largest frame payload (default 2048)\n"
		"  --peer-max-baud N highest rate the second endpoint accepts\n"
		"  --tx-queue N      bytes each transmitter queues ahead of the wire (default 64)\n"
		"  --min-goodput R   exit 1 if the goodput ratio is below R\n"
		"The last line is: goodput_ratio=R lost=L corrupted=C retransmits=N\n");
}

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*end == 'K' || *end == 'k')
		v *= 1024;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024;
	else if (*end == 'G' || *end == 'g')
		v *= 1024.0 * 1024 * 1024;
	else if (*end) {
		fprintf(stderr, "k210-linkbench: bad size '%s'\n", s);
		exit(2);
	}
	return (uint64_t)v;
}

static double parse_double(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || end == s) {
		fprintf(stderr, "k210-linkbench: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baud", required_argument, NULL, 'b' },
		{ "bytes", required_argument, NULL, 'n' },
		{ "ber", required_argument, NULL, 'e' },
		{ "drop", required_argument, NULL, 'd' },
		{ "noise-from", required_argument, NULL, 'f' },
		{ "latency-us", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "garbage", required_argument, NULL, 'g' },
		{ "garbage-len", required_argument, NULL, 'G' },
		{ "reset-at", required_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		{ "payload", required_argument, NULL, 'p' },
		{ "peer-max-baud", required_argument, NULL, 'P' },
		{ "tx-queue", required_argument, NULL, 'q' },
		{ "min-goodput", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct linksim_params p;
	struct linksim_result r;
	double min_goodput = 0, goodput;
	int c;

	linksim_defaults(&p);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': p.baud = (uint32_t)parse_size(optarg); break;
		case 'n': p.bytes = parse_size(optarg); break;
		case 'e': p.ber = parse_double(optarg); break;
		case 'd': p.drop = parse_double(optarg); break;
		case 'f': p.noise_from = parse_double(optarg); break;
		case 'l': p.latency_us = (uint32_t)parse_size(optarg); break;
		case 's': p.seed = parse_size(optarg); break;
		case 'g': p.garbage_bursts = (uint32_t)parse_size(optarg); break;
		case 'G': p.garbage_len = (uint32_t)parse_size(optarg); break;
		case 'r': p.reset_at = parse_double(optarg); break;
		case 'w': p.window = (uint32_t)parse_size(optarg); break;
		case 'p': p.payload = (uint32_t)parse_size(optarg); break;
		case 'P': p.max_baud_b = (uint32_t)parse_size(optarg); break;
		case 'q': p.tx_queue = (uint32_t)parse_size(optarg); break;
		case 'm': min_goodput = parse_double(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !linksim_run(&p, &r)) {
		usage(stderr);
		return 2;
	}
	goodput = r.goodput_ratio[0] < r.goodput_ratio[1] ? r.goodput_ratio[0] : r.goodput_ratio[1];
	printf("baud=%u final_baud=%u bytes=%llu ber=%g drop=%g latency_us=%u seed=%llu\n",
	       p.baud, r.final_baud, (unsigned long long)p.bytes, p.ber, p.drop, p.latency_us,
	       (unsigned long long)p.seed);
	printf("completed=%s virtual_seconds=%.3f goodput_a_to_b=%.4f goodput_b_to_a=%.4f\n",
	       r.completed ? "yes" : "no", r.seconds, r.goodput_ratio[0], r.goodput_ratio[1]);
	printf("timeouts=%llu ", (unsigned long long)r.timeouts);
	printf("crc_errors=%llu stale_frames=%llu final_payload=%u sessions=%u downs_timeout=%u "
	       "downs_peer_reset=%u peer_rebooted_reported=%s baud_changes=%u baud_failures=%u\n",
	       (unsigned long long)r.crc_errors, (unsigned long long)r.stale, r.final_payload, r.ups,
	       r.downs_timeout, r.downs_reset, r.peer_rebooted_seen ? "yes" : "no", r.baud_events,
	       r.baud_failures);
	printf("goodput_ratio=%.4f lost=%llu corrupted=%llu retransmits=%llu\n", goodput,
	       (unsigned long long)r.lost, (unsigned long long)r.corrupted,
	       (unsigned long long)r.retransmits);
	if (!r.completed || r.lost || r.corrupted || goodput < min_goodput)
		return 1;
	return 0;
}
