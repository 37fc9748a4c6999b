/*
 * The configuration value syntaxes k210sockd and k210-netif share: a table
 * of values with what each must give, the named negative cases among them,
 * and the file reader's refusals.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "confval.h"

enum kind { UINT, DURATION, SIZE };

static const struct {
	const char *name;
	enum kind kind;
	const char *value;
	bool ok;
	uint64_t want;
} values[] = {
	{ "a number", UINT, "1024", true, 1024 },
	{ "zero", UINT, "0", true, 0 },
	{ "the maximum itself", UINT, "65535", true, 65535 },
	{ "negative: empty", UINT, "", false, 0 },
	{ "negative: one past the maximum", UINT, "65536", false, 0 },
	{ "negative: a sign", UINT, "-1", false, 0 },
	{ "negative: a space inside", UINT, "10 24", false, 0 },
	{ "negative: hex", UINT, "0x10", false, 0 },
	{ "negative: overflows 64 bits", UINT, "99999999999999999999999", false, 0 },
	{ "whole seconds", DURATION, "30", true, 30000 },
	{ "milliseconds", DURATION, "0.05", true, 50 },
	{ "three decimals", DURATION, "1.234", true, 1234 },
	{ "further zero decimals", DURATION, "1.5000", true, 1500 },
	{ "the maximum itself", DURATION, "3600", true, 3600000 },
	{ "negative: past the maximum by a fraction", DURATION, "3600.001", false, 0 },
	{ "negative: a fourth decimal", DURATION, "1.2345", false, 0 },
	{ "negative: no decimals after the dot", DURATION, "1.", false, 0 },
	{ "negative: no seconds before the dot", DURATION, ".5", false, 0 },
	{ "negative: a unit", DURATION, "5s", false, 0 },
	{ "negative: two dots", DURATION, "1.2.3", false, 0 },
	{ "negative: empty duration", DURATION, "", false, 0 },
	{ "bytes", SIZE, "2048", true, 2048 },
	{ "kilobytes", SIZE, "64K", true, 65536 },
	{ "kilobytes, lower case", SIZE, "64k", true, 65536 },
	{ "megabytes", SIZE, "16M", true, 16777216 },
	{ "the largest size", SIZE, "4095M", true, 4095ull << 20 },
	{ "negative: 4 GB", SIZE, "4096M", false, 0 },
	{ "negative: a unit alone", SIZE, "K", false, 0 },
	{ "negative: gigabytes", SIZE, "1G", false, 0 },
	{ "negative: a space before the unit", SIZE, "64 K", false, 0 },
	{ "negative: empty size", SIZE, "", false, 0 },
};

static void test_values(void)
{
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t got = 0;
		bool ok = false;

		check_case = values[i].name;
		switch (values[i].kind) {
		case UINT:
			ok = confval_uint(values[i].value, 65535, &got);
			break;
		case DURATION:
			ok = confval_duration(values[i].value, 3600, &got);
			break;
		case SIZE:
			ok = confval_size(values[i].value, &got);
			break;
		}
		CHECK_EQ(ok, values[i].ok);
		if (ok && values[i].ok)
			CHECK_EQ(got, values[i].want);
	}
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
}

static void test_files(void)
{
	char dir[] = "/tmp/confval-XXXXXX", path[64], why[128];
	char *text;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	check_case = "a file is read whole";
	write_file(path, "[a]\nb = 1\n", 10);
	text = confval_read_file(path, 1 << 20, why, sizeof(why));
	CHECK(text && strcmp(text, "[a]\nb = 1\n") == 0);
	free(text);

	check_case = "negative: a file over the limit";
	text = confval_read_file(path, 9, why, sizeof(why));
	CHECK(!text && strcmp(why, "too large (10 bytes; 9 at most)") == 0);
	free(text);

	check_case = "negative: a NUL byte";
	write_file(path, "a = 1\0b", 7);
	text = confval_read_file(path, 1 << 20, why, sizeof(why));
	CHECK(!text && strcmp(why, "the file contains a NUL byte") == 0);
	free(text);
	unlink(path);

	check_case = "negative: no such file";
	text = confval_read_file(path, 1 << 20, why, sizeof(why));
	CHECK(!text && strcmp(why, "No such file or directory") == 0);
	free(text);

	check_case = "negative: a directory";
	text = confval_read_file(dir, 1 << 20, why, sizeof(why));
	CHECK(!text && strcmp(why, "not a regular file") == 0);
	free(text);
	rmdir(dir);
}

int main(void)
{
	test_values();
	test_files();
	return check_done("hostlib-confval");
}
