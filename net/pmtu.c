/* Contract in pmtu.h. */
#include "pmtu.h"

#include "bytes.h"
#include "ip4.h"

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
    return wire_len > mtu && (get_be16(ip + 6) & IP4_FLAG_DF);
}
