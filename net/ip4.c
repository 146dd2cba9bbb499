/* Contract in ip4.h. */
#include "ip4.h"

#include "bytes.h"

/* The header's 16-bit words, the checksum among them, sum to 0xffff when the
 * checksum is right. Summed as 32-bit words into 64 bits, which is the same sum in
 * one's complement arithmetic (2^16 = 1 mod 0xffff) in half the steps; hlen is a
 * multiple of 4. */
static int header_csum_ok(const uint8_t *h, size_t hlen)
{
    uint64_t s = 0;
    uint32_t x;

    for (size_t i = 0; i < hlen; i += 4)
        s += get_be32(h + i);
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    x = (uint32_t)s;
    x = (x & 0xffff) + (x >> 16);
    x = (x & 0xffff) + (x >> 16);
    return x == 0xffff;
}

enum ip4_check_result ip4_check(const uint8_t *ip, size_t hdr_avail, size_t pkt_avail, struct ip4_hdr_info *info)
{
    size_t hlen, tot;

    if (hdr_avail > pkt_avail)
        hdr_avail = pkt_avail;
    if (hdr_avail < IP4_HDR_MIN)
        return IP4_BAD_SHORT;
    if (ip[0] >> 4 != 4)
        return IP4_BAD_VERSION;
    hlen = (size_t)(ip[0] & 0x0f) * 4;
    if (hlen < IP4_HDR_MIN || hlen > hdr_avail)
        return IP4_BAD_HLEN;
    tot = get_be16(ip + 2);
    if (tot < hlen || tot > pkt_avail)
        return IP4_BAD_TOTLEN;
    if (!header_csum_ok(ip, hlen))
        return IP4_BAD_CSUM;
    if (info) {
        info->hlen = hlen;
        info->tot_len = tot;
        info->frag = get_be16(ip + 6);
        info->ttl = ip[8];
        info->proto = ip[9];
    }
    return IP4_OK;
}

bool ip4_has_source_route(const uint8_t *ip, size_t hlen)
{
    size_t i = IP4_HDR_MIN;

    while (i < hlen) {
        uint8_t type = ip[i];
        if (type == 0)                          /* end of options */
            break;
        if (type == 1) {                        /* no-operation */
            i++;
            continue;
        }
        if (type == 131 || type == 137)
            return true;
        if (i + 1 >= hlen || ip[i + 1] < 2)
            break;                              /* malformed: nothing more to learn */
        i += ip[i + 1];
    }
    return false;
}

const char *ip4_check_name(enum ip4_check_result r)
{
    switch (r) {
    case IP4_OK:          return "ok";
    case IP4_BAD_SHORT:   return "short";
    case IP4_BAD_VERSION: return "version";
    case IP4_BAD_HLEN:    return "header-length";
    case IP4_BAD_TOTLEN:  return "total-length";
    case IP4_BAD_CSUM:    return "header-checksum";
    default:              return "unknown";
    }
}
