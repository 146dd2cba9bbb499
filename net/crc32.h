/* CRC-32 as zlib, Ethernet and PNG compute it (reflected polynomial 0xEDB88320,
 * initial and final XOR 0xFFFFFFFF): a checksum the console prints over a boot
 * file's bytes, so a test can compare it with Python's zlib.crc32. */
#ifndef VMGATE_CRC32_H
#define VMGATE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc (0 to start) over len bytes. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
