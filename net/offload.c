/* Software checksum completion and TCP segmentation. The segmentation recomputes
 * every checksum from scratch rather than adjusting the GSO frame's partial one: the
 * sender's pseudo-header sum may or may not include the length (stacks differ), and
 * a full sum leaves nothing to that guess. */
#include "offload.h"
#include "bytes.h"
#include "csum.h"

#include <errno.h>
#include <string.h>

#define ETH_HLEN 14
#define ETHTYPE_IPV4 0x0800
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

int offload_csum_complete(uint8_t *frame, size_t len, const struct offload *o)
{
    size_t start = o->csum_start, field = (size_t)o->csum_start + o->csum_offset;
    if (start >= len || field + 2 > len)
        return -EINVAL;
    uint32_t sum = csum_partial(0, frame + start, len - start);
    put_be16(frame + field, csum_finish(sum));
    return 0;
}

/* The TCP checksum of one IPv4 segment, pseudo-header included. */
static uint16_t tcp4_checksum(const uint8_t *ip, const uint8_t *tcp, size_t tcp_len)
{
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put_be16(pseudo + 10, (uint16_t)tcp_len);
    uint32_t sum = csum_partial(0, pseudo, sizeof pseudo);
    return csum_finish(csum_partial(sum, tcp, tcp_len));
}

int offload_tcp4_segment(const uint8_t *frame, size_t len, const struct offload *o,
                         uint8_t *out, size_t cap,
                         int (*emit)(void *ctx, uint8_t *seg, size_t len), void *ctx)
{
    if (len < ETH_HLEN + 20 || get_be16(frame + 12) != ETHTYPE_IPV4 || o->gso_size == 0)
        return -EINVAL;
    const uint8_t *ip = frame + ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || ETH_HLEN + ihl + 20 > len)
        return -EINVAL;
    const uint8_t *tcp = ip + ihl;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    size_t hdrs = ETH_HLEN + ihl + thl;
    if (thl < 20 || hdrs > len)
        return -EINVAL;
    size_t payload = len - hdrs;
    size_t mss = o->gso_size;
    if (hdrs + (payload < mss ? payload : mss) > cap)
        return -EINVAL;

    uint32_t seq = get_be32(tcp + 4);
    uint16_t id = get_be16(ip + 4);
    uint8_t flags = tcp[13];
    size_t off = 0;
    do {
        size_t n = payload - off < mss ? payload - off : mss;
        int last = off + n >= payload;
        memcpy(out, frame, hdrs);
        memcpy(out + hdrs, frame + hdrs + off, n);
        uint8_t *sip = out + ETH_HLEN, *stcp = sip + ihl;
        put_be16(sip + 2, (uint16_t)(ihl + thl + n));
        put_be16(sip + 4, id++);
        put_be16(sip + 10, 0);
        put_be16(sip + 10, csum_finish(csum_partial(0, sip, ihl)));
        put_be32(stcp + 4, seq + (uint32_t)off);
        uint8_t f = flags;
        if (!last)
            f &= (uint8_t)~(TCP_FIN | TCP_PSH);
        if (off)
            f &= (uint8_t)~TCP_CWR;
        stcp[13] = f;
        put_be16(stcp + 16, 0);
        put_be16(stcp + 16, tcp4_checksum(sip, stcp, thl + n));
        int rc = emit(ctx, out, hdrs + n);
        if (rc)
            return rc;
        off += n;
    } while (off < payload);
    return 0;
}
