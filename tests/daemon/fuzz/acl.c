/*
 * ACL/CIDR parser: any string parses or fails cleanly; what parses has no
 * bits beyond its mask and a sane port range, and matches its own address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1024];
	char err[160];
	struct acl_nets nets, none;
	struct acl_net one;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = 0;
	none.n = 0;
	if (acl_parse_net(text, strlen(text), &one, err, sizeof(err))) {
		uint8_t ip[4] = { (uint8_t)(one.addr >> 24), (uint8_t)(one.addr >> 16),
				  (uint8_t)(one.addr >> 8), (uint8_t)one.addr };

		if ((one.addr & ~one.mask) || one.port_lo == 0 || one.port_lo > one.port_hi)
			abort();
		nets.n = 1;
		nets.v[0] = one;
		if (!acl_dest_allowed(&nets, &none, ip, one.port_lo) ||
		    acl_dest_allowed(&none, &nets, ip, one.port_hi))
			abort();
	}
	if (acl_parse_nets(text, &nets, err, sizeof(err))) {
		if (nets.n > ACL_RULES_MAX)
			abort();
		for (size_t i = 0; i < nets.n; i++)
			if (nets.v[i].addr & ~nets.v[i].mask)
				abort();
	} else if (!memchr(err, 0, sizeof(err))) {
		abort();
	}
	return 0;
}
