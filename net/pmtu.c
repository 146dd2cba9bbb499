/* Contract in pmtu.h. */
#include "pmtu.h"

#include <string.h>

#include "bytes.h"
#include "csum.h"

#define IP_DF 0x4000

void pmtu_quote_save(struct pmtu_quote *q, const uint8_t *ip, size_t len)
{
    size_t ihl, n;

    q->len = 0;
    if (len < 20 || (ip[0] >> 4) != 4)
        return;
    ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > len)
        return;
    n = ihl + 8 < len ? ihl + 8 : len;
    memcpy(q->b, ip, n);
    q->len = (uint8_t)n;
}

size_t pmtu_wire_len(const uint8_t *ip, size_t iplen, const struct offload *off)
{
    size_t ihl, thl;

    if (!off || (off->gso_type & ~OFFLOAD_GSO_ECN) != OFFLOAD_GSO_TCPV4 || off->gso_size == 0 ||
        iplen < 20)
        return iplen;
    ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || ip[9] != 6 || iplen < ihl + 20)
        return iplen;
    thl = (size_t)(ip[ihl + 12] >> 4) * 4;
    if (thl < 20 || iplen < ihl + thl)
        return iplen;
    /* A frame whose payload fits one segment goes out as it is. */
    return iplen - ihl - thl <= off->gso_size ? iplen : ihl + thl + off->gso_size;
}

bool pmtu_must_refuse(const uint8_t *ip, size_t wire_len, uint16_t mtu)
{
    return wire_len > mtu && (get_be16(ip + 6) & IP_DF);
}

size_t pmtu_frag_needed(uint8_t *out, uint16_t mtu, const struct pmtu_quote *q)
{
    out[0] = 3;                         /* destination unreachable */
    out[1] = 4;                         /* fragmentation needed and DF set */
    put_be16(out + 2, 0);
    put_be16(out + 4, 0);               /* unused (RFC 1191) */
    put_be16(out + 6, mtu);             /* next-hop MTU */
    memcpy(out + 8, q->b, q->len);
    put_be16(out + 2, csum_finish(csum_partial(0, out, 8 + (size_t)q->len)));
    return 8 + (size_t)q->len;
}
