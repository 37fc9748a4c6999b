#include "cli.h"
#include "progress.h"

#define PROGRESS_EVERY_US 250000

void progress_init(struct progress *p, FILE *f, bool on, uint64_t total)
{
	p->f = f;
	p->on = on;
	p->drawn = false;
	p->total = total;
	p->start_us = cli_now_us();
	p->last_us = 0;
}

int progress_interval(const struct progress *p)
{
	return p->on ? PROGRESS_EVERY_US / 1000 : -1;
}

void progress_update(struct progress *p, uint64_t up, uint64_t down)
{
	int64_t now = cli_now_us();
	double secs = (double)(now - p->start_us) / 1e6;
	char sent[32], got[32], rate[32];

	if (!p->on || now - p->last_us < PROGRESS_EVERY_US)
		return;
	p->last_us = now;
	cli_format_bytes(sent, sizeof(sent), (double)up);
	cli_format_bytes(got, sizeof(got), (double)down);
	cli_format_bytes(rate, sizeof(rate), secs > 0 ? (double)(up + down) / secs : 0);
	if (p->total)
		fprintf(p->f, "\r\033[Kreceived %s of %llu bytes (%.0f%%)  %s/s  %.0f s", got,
			(unsigned long long)p->total, 100.0 * (double)down / (double)p->total, rate, secs);
	else
		fprintf(p->f, "\r\033[Ksent %s  received %s  %s/s  %.0f s", sent, got, rate, secs);
	fflush(p->f);
	p->drawn = true;
}

void progress_done(struct progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", p->f);
		fflush(p->f);
	}
	p->drawn = false;
}
