/* Software checksum completion and TCP segmentation. The segmentation recomputes
 * every checksum from scratch rather than adjusting the GSO frame's partial one: the
 * sender's pseudo-header sum may or may not include the length (stacks differ), and
 * a full sum leaves nothing to that guess. */
#include "offload.h"
#include "bytes.h"
#include "csum.h"
#include "ip4.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define ETH_HLEN 14
#define ETHTYPE_IPV4 0x0800
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define TCP_CSUM_AT 16
#define UDP_CSUM_AT 6

/* Where a partial checksum may stay partial: the frame holds one whole IPv4
 * packet (checked header, no fragment, nothing after it but padding) and the
 * field is its TCP or UDP checksum. On success *iplen is the packet's length and
 * *l4 the transport header's offset in the frame. */
static bool csum_canonical(const uint8_t *frame, uint32_t len, const struct offload *o,
                           size_t *iplen, size_t *l4)
{
    struct ip4_hdr_info h;

    if (len < ETH_HLEN || get_be16(frame + 12) != ETHTYPE_IPV4 ||
        ip4_check(frame + ETH_HLEN, len - ETH_HLEN, len - ETH_HLEN, &h) != IP4_OK ||
        (h.frag & IP4_FRAG_MASK) || o->csum_start != ETH_HLEN + h.hlen)
        return false;
    if (!((h.proto == IPPROTO_TCP_ && o->csum_offset == TCP_CSUM_AT &&
           h.tot_len >= h.hlen + 20) ||
          (h.proto == IPPROTO_UDP_ && o->csum_offset == UDP_CSUM_AT && h.tot_len >= h.hlen + 8)))
        return false;
    *iplen = h.tot_len;
    *l4 = ETH_HLEN + h.hlen;
    return true;
}

static enum offload_check check_gso(const uint8_t *frame, uint32_t *len, struct offload *o,
                                    const struct offload_limits *lim)
{
    uint8_t base = o->gso_type & (uint8_t)~OFFLOAD_GSO_ECN;
    size_t iplen, l4, thl;

    if (base != OFFLOAD_GSO_TCPV4 || !lim->gso_tcp4 ||
        ((o->gso_type & OFFLOAD_GSO_ECN) && !lim->gso_ecn))
        return OFFLOAD_BAD_GSO_TYPE;
    /* TCP segmentation asked for an IPv4 packet of another protocol. */
    if (*len >= ETH_HLEN + IP4_HDR_MIN && get_be16(frame + 12) == ETHTYPE_IPV4 &&
        frame[ETH_HLEN + 9] != IPPROTO_TCP_)
        return OFFLOAD_BAD_GSO_TYPE;
    if (!(o->flags & OFFLOAD_NEEDS_CSUM) || o->csum_offset != TCP_CSUM_AT ||
        !csum_canonical(frame, *len, o, &iplen, &l4))
        return OFFLOAD_BAD_GSO_FRAME;
    thl = (size_t)(frame[l4 + 12] >> 4) * 4;
    if (thl < 20 || l4 + thl > ETH_HLEN + iplen)
        return OFFLOAD_BAD_GSO_FRAME;
    if (o->gso_size < OFFLOAD_GSO_MIN_SIZE || l4 - ETH_HLEN + thl + o->gso_size > lim->mtu)
        return OFFLOAD_BAD_GSO_SIZE;
    *len = (uint32_t)(ETH_HLEN + iplen);
    o->hdr_len = (uint16_t)(l4 + thl);
    return OFFLOAD_CHECK_OK;
}

enum offload_check offload_rx_check(uint8_t *frame, uint32_t *len, struct offload *o,
                                    const struct offload_limits *lim)
{
    size_t iplen, l4;

    o->flags &= OFFLOAD_NEEDS_CSUM | OFFLOAD_DATA_VALID;
    if (o->flags & OFFLOAD_NEEDS_CSUM) {
        size_t field = (size_t)o->csum_start + o->csum_offset;
        if (o->csum_start < ETH_HLEN || o->csum_start >= *len || field + 2 > *len)
            return OFFLOAD_BAD_CSUM_RANGE;
    }
    if (o->gso_type != OFFLOAD_GSO_NONE)
        return check_gso(frame, len, o, lim);
    o->gso_size = 0;
    if (!(o->flags & OFFLOAD_NEEDS_CSUM)) {
        o->hdr_len = 0;
        return OFFLOAD_CHECK_OK;
    }
    if (csum_canonical(frame, *len, o, &iplen, &l4)) {
        *len = (uint32_t)(ETH_HLEN + iplen);
        o->hdr_len = (uint16_t)(o->csum_start + o->csum_offset + 2);
        return OFFLOAD_CHECK_OK;
    }
    /* The range was checked above: completing it writes inside the frame. */
    offload_csum_complete(frame, *len, o);
    o->flags &= (uint8_t)~OFFLOAD_NEEDS_CSUM;
    o->hdr_len = 0;
    return OFFLOAD_CHECK_FINISHED;
}

const char *offload_check_name(enum offload_check c)
{
    static const char *const names[OFFLOAD_CHECKS] = {
        [OFFLOAD_CHECK_OK] = "ok",
        [OFFLOAD_CHECK_FINISHED] = "finished",
        [OFFLOAD_BAD_CSUM_RANGE] = "csum-range",
        [OFFLOAD_BAD_GSO_TYPE] = "gso-type",
        [OFFLOAD_BAD_GSO_SIZE] = "gso-size",
        [OFFLOAD_BAD_GSO_FRAME] = "gso-frame",
    };
    return (unsigned)c < OFFLOAD_CHECKS ? names[c] : "unknown";
}

int offload_csum_complete(uint8_t *frame, size_t len, const struct offload *o)
{
    size_t start = o->csum_start, field = (size_t)o->csum_start + o->csum_offset;
    if (start >= len || field + 2 > len)
        return -EINVAL;
    uint32_t sum = csum_partial(0, frame + start, len - start);
    put_be16(frame + field, csum_finish(sum));
    return 0;
}

int offload_phdr_drop_len(uint8_t *frame, size_t len, const struct offload *o)
{
    size_t field = (size_t)o->csum_start + o->csum_offset;
    if (len < ETH_HLEN + 20 || field + 2 > len)
        return -EINVAL;
    const uint8_t *ip = frame + ETH_HLEN;
    unsigned hlen = (ip[0] & 0x0fu) * 4u, tot = get_be16(ip + 2);
    if (hlen < 20 || tot < hlen)
        return -EINVAL;
    /* One's complement subtraction is the addition of the complement. */
    uint16_t l4 = (uint16_t)(tot - hlen);
    put_be16(frame + field, csum_fold((uint32_t)get_be16(frame + field) + (uint16_t)~l4));
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
