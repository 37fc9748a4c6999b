#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confval.h"

bool confval_uint(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!*v)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		n = n * 10 + (uint64_t)(*v - '0');
		if (n > max)
			return false;
	}
	*out = n;
	return true;
}

bool confval_duration(const char *v, uint64_t max_s, uint64_t *ms)
{
	const char *dot = strchr(v, '.');
	char whole[21];
	size_t wl = dot ? (size_t)(dot - v) : strlen(v);
	uint64_t secs, frac = 0;
	int digits = 0;

	if (wl == 0 || wl >= sizeof(whole))
		return false;
	memcpy(whole, v, wl);
	whole[wl] = 0;
	if (!confval_uint(whole, max_s, &secs))
		return false;
	if (dot) {
		if (!dot[1])
			return false;
		for (const char *f = dot + 1; *f; f++, digits++) {
			if (*f < '0' || *f > '9')
				return false;
			if (digits < 3)
				frac = frac * 10 + (uint64_t)(*f - '0');
			else if (*f != '0')
				return false;
		}
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (secs == max_s && frac > 0)
		return false;
	*ms = secs * 1000 + frac;
	return true;
}

bool confval_size(const char *v, uint64_t *out)
{
	char num[24];
	size_t len = strlen(v);
	uint64_t mul = 1;

	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, v, len + 1);
	if (num[len - 1] == 'K' || num[len - 1] == 'k')
		mul = 1024;
	else if (num[len - 1] == 'M' || num[len - 1] == 'm')
		mul = 1024 * 1024;
	if (mul > 1)
		num[len - 1] = 0;
	if (!confval_uint(num, UINT32_MAX / mul, out))
		return false;
	*out *= mul;
	return true;
}

char *confval_read_file(const char *path, size_t max, char *why, size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t have = 0;

	if (fd < 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "not a regular file");
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > max) {
		if (max % (1u << 20) == 0)
			snprintf(why, why_len, "too large (%lld bytes; %zu MB at most)", (long long)st.st_size,
				 max >> 20);
		else
			snprintf(why, why_len, "too large (%lld bytes; %zu at most)", (long long)st.st_size, max);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(why, why_len, "out of memory");
		close(fd);
		return NULL;
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = 0;
	if (strlen(buf) != have) {
		snprintf(why, why_len, "the file contains a NUL byte");
		free(buf);
		return NULL;
	}
	return buf;
}
