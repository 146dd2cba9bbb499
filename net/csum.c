/* Internet checksum helpers. The incremental form follows RFC 1624, which corrects
 * RFC 1141's formula: ~(~HC + ~m + m') in one's complement arithmetic gives what a
 * full recomputation gives. Neither ever yields 0xffff for data that is not all
 * zero (the folded sum of non-zero terms is never +0), so both agree on the
 * representation of zero; tests/unit/test_csum.c checks this against recomputation. */
#include "csum.h"
#include "bytes.h"

uint32_t csum_partial(uint32_t sum, const uint8_t *data, size_t len)
{
    size_t i = 0;
    uint64_t s = sum;
    for (; i + 1 < len; i += 2)
        s += (uint32_t)(data[i] << 8 | data[i + 1]);
    if (i < len)
        s += (uint32_t)data[i] << 8;
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t csum_update16(uint16_t check, uint16_t old, uint16_t new_)
{
    uint32_t sum = (uint16_t)~check;
    sum += (uint16_t)~old;
    sum += new_;
    return (uint16_t)~csum_fold(sum);
}

uint16_t csum_update32(uint16_t check, uint32_t old, uint32_t new_)
{
    check = csum_update16(check, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
    return csum_update16(check, (uint16_t)old, (uint16_t)new_);
}

void csum_ip4_ttl_dec(uint8_t *ip)
{
    uint16_t before = get_be16(ip + 8);         /* TTL and protocol, one word */

    ip[8]--;
    put_be16(ip + 10, csum_update16(get_be16(ip + 10), before, get_be16(ip + 8)));
}
