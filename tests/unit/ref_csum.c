/* Contracts in ref_csum.h. Kept as plain as RFC 1071's description on purpose: no
 * wide accumulator, no unrolling, no incremental form, nothing from net/csum.c. */
#include "ref_csum.h"

#include <stdlib.h>
#include <string.h>

uint16_t ref_csum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint32_t acc = 0;
    size_t i;

    if (len > 128 * 1024)
        abort();                        /* the accumulator could overflow */
    for (i = 0; i + 1 < len; i += 2)
        acc += (uint32_t)b[i] << 8 | b[i + 1];
    if (i < len)
        acc += (uint32_t)b[i] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

uint16_t ref_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, const void *l4, size_t len)
{
    uint8_t *buf = malloc(12 + len);
    uint16_t c;

    if (!buf || len > 0xffff)
        abort();
    for (int i = 0; i < 4; i++) {
        buf[i] = (uint8_t)(src >> (24 - 8 * i));
        buf[4 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    buf[8] = 0;
    buf[9] = proto;
    buf[10] = (uint8_t)(len >> 8);
    buf[11] = (uint8_t)len;
    memcpy(buf + 12, l4, len);
    c = ref_csum(buf, 12 + len);
    free(buf);
    return c;
}
