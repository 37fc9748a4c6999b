#include <time.h>

#include "monotime.h"

int64_t monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

uint64_t monotime_us(void)
{
	return (uint64_t)monotime_ns() / 1000u;
}

int64_t monotime_ms(void)
{
	return monotime_ns() / 1000000;
}
