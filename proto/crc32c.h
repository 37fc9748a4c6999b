/* CRC-32C (Castagnoli), reflected, as used by iSCSI and ext4. */
#ifndef K210_CRC32C_H
#define K210_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Start with crc = 0; pass the previous result to continue over more bytes. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
