#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

static void pattern_block(struct pattern *p, uint64_t k)
{
	char label[40];
	unsigned len = 0;
	int n = snprintf(label, sizeof(label), "%u:%llu", p->seed, (unsigned long long)k);

	EVP_Digest(label, (size_t)n, p->block, &len, EVP_sha256(), NULL);
}

void pattern_init(struct pattern *p, uint32_t seed)
{
	p->seed = seed;
	p->pos = 0;
	pattern_block(p, 0);
}

void pattern_fill(struct pattern *p, uint8_t *out, size_t n)
{
	while (n > 0) {
		size_t at = (size_t)(p->pos % 32), take = 32 - at;

		if (take > n)
			take = n;
		memcpy(out, p->block + at, take);
		out += take;
		n -= take;
		p->pos += take;
		if (p->pos % 32 == 0)
			pattern_block(p, p->pos / 32);
	}
}

struct digest *digest_new(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
		fprintf(stderr, "k210-probe: no SHA-256\n");
		exit(1);
	}
	return (struct digest *)c;
}

void digest_add(struct digest *d, const void *p, size_t n)
{
	EVP_DigestUpdate((EVP_MD_CTX *)d, p, n);
}

void digest_end(struct digest *d, char hex[65])
{
	uint8_t md[32];
	unsigned len = 0;

	EVP_DigestFinal_ex((EVP_MD_CTX *)d, md, &len);
	EVP_MD_CTX_free((EVP_MD_CTX *)d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}
