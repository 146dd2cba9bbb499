/* Router Advertisements in answer to Router Solicitations: see ndp_ra.h. */
#include "ndp_ra.h"
#include "bytes.h"
#include "csum.h"

#include <string.h>

#define ETH_HLEN   14
#define IP6_HLEN   40
#define ICMP6_HLEN 8               /* type, code, checksum, 4 reserved (an RS's whole header) */
#define RA_HLEN    16              /* type, code, checksum, hop limit, flags, lifetime, 2 timers */

static const uint8_t all_routers[16] = {0xff, 0x02, [15] = 0x02};
static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

static const char *const result_names[NDP_RS_RESULTS] = {
    [NDP_RS_OK] = "solicitation",
    [NDP_RS_NOT_IPV6] = "not IPv6",
    [NDP_RS_OTHER] = "other IPv6",
    [NDP_RS_TRUNCATED] = "truncated",
    [NDP_RS_TOO_LONG] = "too long",
    [NDP_RS_BAD_HEADER] = "bad header",
    [NDP_RS_HOP_LIMIT] = "hop limit",
    [NDP_RS_BAD_CHECKSUM] = "checksum",
    [NDP_RS_BAD_SOURCE] = "bad source",
    [NDP_RS_BAD_OPTION] = "bad option",
};

const char *ndp_rs_result_name(enum ndp_rs_result r)
{
    return (unsigned)r < NDP_RS_RESULTS ? result_names[r] : "?";
}

void ndp_link_local(const uint8_t mac[6], uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    out[8] = (uint8_t)(mac[0] ^ 0x02);
    out[9] = mac[1];
    out[10] = mac[2];
    out[11] = 0xff;
    out[12] = 0xfe;
    out[13] = mac[3];
    out[14] = mac[4];
    out[15] = mac[5];
}

/* The ICMPv6 checksum's sum over the pseudo-header (RFC 8200 section 8.1: source,
 * destination, the upper-layer length as 32 bits, three zero bytes, next header)
 * and the message (len bytes at msg, whose checksum field is included as it is). */
static uint32_t icmp6_sum(const uint8_t *src, const uint8_t *dst, const uint8_t *msg, size_t len)
{
    uint8_t tail[8];
    put_be32(tail, (uint32_t)len);
    tail[4] = tail[5] = tail[6] = 0;
    tail[7] = NDP_ICMP6;
    uint32_t sum = csum_partial(0, src, 16);
    sum = csum_partial(sum, dst, 16);
    sum = csum_partial(sum, tail, 8);
    return csum_partial(sum, msg, len);
}

static bool is_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

enum ndp_rs_result ndp_rs_parse(const uint8_t *frame, size_t len, const uint8_t self_mac[6],
                                struct ndp_rs *rs)
{
    if (len < ETH_HLEN)
        return NDP_RS_TRUNCATED;
    if (get_be16(frame + 12) != NDP_ETHERTYPE_IPV6)
        return NDP_RS_NOT_IPV6;
    if (len > NDP_RS_MAX_FRAME)
        return NDP_RS_TOO_LONG;
    if (len < ETH_HLEN + IP6_HLEN)
        return NDP_RS_TRUNCATED;
    const uint8_t *ip = frame + ETH_HLEN;
    if (ip[0] >> 4 != 6)
        return NDP_RS_BAD_HEADER;
    size_t plen = get_be16(ip + 4);
    const uint8_t *src = ip + 8, *dst = ip + 24;
    /* Which IPv6 this is comes before whether it is whole: vmgate judges only
     * solicitations addressed to a router, the rest is someone else's traffic. */
    uint8_t self_ll[16];
    ndp_link_local(self_mac, self_ll);
    static const uint8_t mac_all_routers[6] = {0x33, 0x33, 0, 0, 0, 0x02};
    bool to_routers = memcmp(dst, all_routers, 16) == 0 && memcmp(frame, mac_all_routers, 6) == 0;
    bool to_self = memcmp(dst, self_ll, 16) == 0 && memcmp(frame, self_mac, 6) == 0;
    if (ip[6] != NDP_ICMP6 || !(to_routers || to_self))
        return NDP_RS_OTHER;
    if (plen > len - ETH_HLEN - IP6_HLEN || plen < 1)
        return NDP_RS_TRUNCATED;
    const uint8_t *icmp = ip + IP6_HLEN;
    if (icmp[0] != NDP_TYPE_RS)
        return NDP_RS_OTHER;
    if (plen < ICMP6_HLEN)
        return NDP_RS_TRUNCATED;
    if (ip[7] != NDP_HOP_LIMIT)
        return NDP_RS_HOP_LIMIT;
    if (icmp[1] != 0)
        return NDP_RS_BAD_HEADER;
    if (csum_fold(icmp6_sum(src, dst, icmp, plen)) != 0xffff)
        return NDP_RS_BAD_CHECKSUM;
    if (src[0] == 0xff || (frame[6] & 1))
        return NDP_RS_BAD_SOURCE;
    bool unspecified = is_zero(src, 16);
    /* Options (RFC 4861 4.6): each a type, a length in 8-byte units (never 0), the
     * rest; those not known are skipped. */
    for (size_t at = ICMP6_HLEN; at < plen;) {
        if (plen - at < 2 || icmp[at + 1] == 0 || (size_t)icmp[at + 1] * 8 > plen - at)
            return NDP_RS_BAD_OPTION;
        size_t olen = (size_t)icmp[at + 1] * 8;
        /* "If the IP source address is the unspecified address, there is no source
         * link-layer address option" (4.1); on Ethernet it is 8 bytes (RFC 2464). */
        if (icmp[at] == NDP_OPT_SLLAO && (unspecified || olen != 8))
            return NDP_RS_BAD_OPTION;
        at += olen;
    }
    memcpy(rs->src_mac, frame + 6, 6);
    memcpy(rs->src_ip, src, 16);
    rs->unspecified = unspecified;
    return NDP_RS_OK;
}

size_t ndp_ra_build(uint8_t *buf, size_t cap, const uint8_t self_mac[6], const uint8_t dst_mac[6],
                    const uint8_t dst_ip[16])
{
    if (cap < NDP_RA_FRAME_LEN)
        return 0;
    memset(buf, 0, NDP_RA_FRAME_LEN);
    memcpy(buf, dst_mac, 6);
    memcpy(buf + 6, self_mac, 6);
    put_be16(buf + 12, NDP_ETHERTYPE_IPV6);
    uint8_t *ip = buf + ETH_HLEN, *ra = ip + IP6_HLEN;
    const size_t ra_len = RA_HLEN + 8;
    ip[0] = 0x60;                            /* version 6, traffic class 0, no flow label */
    put_be16(ip + 4, (uint16_t)ra_len);
    ip[6] = NDP_ICMP6;
    ip[7] = NDP_HOP_LIMIT;
    ndp_link_local(self_mac, ip + 8);
    memcpy(ip + 24, dst_ip, 16);
    ra[0] = NDP_TYPE_RA;
    /* ra[1] code 0; ra[4] cur hop limit 0 (unspecified); ra[5] flags: M, O and the
     * rest clear; ra[6..7] router lifetime 0 (not a default router); ra[8..15]
     * reachable time and retransmission timer 0 (unspecified). */
    ra[RA_HLEN] = NDP_OPT_SLLAO;
    ra[RA_HLEN + 1] = 1;
    memcpy(ra + RA_HLEN + 2, self_mac, 6);
    put_be16(ra + 2, csum_finish(icmp6_sum(ip + 8, ip + 24, ra, ra_len)));
    return NDP_RA_FRAME_LEN;
}

/* Whether time a is at or after b on a clock that wraps. */
static bool at_or_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

void ndp_ra_init(struct ndp_ra_net *n, const uint8_t self_mac[6], uint32_t now)
{
    memset(n, 0, sizeof *n);
    memcpy(n->self_mac, self_mac, 6);
    n->tokens = NDP_RA_BURST;
    n->refilled_at = now;
}

static void refill(struct ndp_ra_net *n, uint32_t now)
{
    uint32_t elapsed = now - n->refilled_at;
    if (n->tokens >= NDP_RA_BURST) {
        n->refilled_at = now;
        return;
    }
    uint32_t add = elapsed / NDP_RA_REFILL_MS;
    if (add == 0)
        return;
    n->tokens = add >= NDP_RA_BURST - n->tokens ? NDP_RA_BURST : n->tokens + add;
    n->refilled_at += add * NDP_RA_REFILL_MS;
}

enum ndp_rs_result ndp_ra_input(struct ndp_ra_net *n, const uint8_t *frame, size_t len,
                                uint32_t now, uint32_t rnd)
{
    struct ndp_rs rs;
    enum ndp_rs_result r = ndp_rs_parse(frame, len, n->self_mac, &rs);
    n->stats.frames[r]++;
    if (r != NDP_RS_OK)
        return r;
    /* One answer per solicitor: the all-nodes one stands for every solicitor from ::. */
    struct ndp_ra_pending *free_slot = NULL;
    for (unsigned i = 0; i < NDP_RA_PENDING; i++) {
        struct ndp_ra_pending *p = &n->pending[i];
        if (!p->used) {
            if (!free_slot)
                free_slot = p;
            continue;
        }
        if (rs.unspecified ? p->multicast
                           : !p->multicast && memcmp(p->mac, rs.src_mac, 6) == 0 &&
                                 memcmp(p->ip, rs.src_ip, 16) == 0) {
            n->stats.coalesced++;
            return r;
        }
    }
    if (!free_slot) {
        n->stats.table_full++;
        return r;
    }
    refill(n, now);
    if (n->tokens == 0) {
        n->stats.rate_limited++;
        return r;
    }
    n->tokens--;
    free_slot->used = true;
    free_slot->multicast = rs.unspecified;
    if (rs.unspecified) {
        static const uint8_t mac_all_nodes[6] = {0x33, 0x33, 0, 0, 0, 0x01};
        memcpy(free_slot->mac, mac_all_nodes, 6);
        memcpy(free_slot->ip, all_nodes, 16);
    } else {
        memcpy(free_slot->mac, rs.src_mac, 6);
        memcpy(free_slot->ip, rs.src_ip, 16);
    }
    free_slot->due = now + rnd % (NDP_RA_MAX_DELAY_MS + 1);
    /* Multicast advertisements at least MIN_DELAY_BETWEEN_RAS apart: a later one
     * is sent that long after the last (6.2.6). */
    if (rs.unspecified && n->mcast_sent && !at_or_after(free_slot->due, n->last_mcast + NDP_RA_MCAST_GAP_MS))
        free_slot->due = n->last_mcast + NDP_RA_MCAST_GAP_MS;
    return r;
}

int32_t ndp_ra_next_due(const struct ndp_ra_net *n, uint32_t now)
{
    int32_t best = -1;
    for (unsigned i = 0; i < NDP_RA_PENDING; i++) {
        const struct ndp_ra_pending *p = &n->pending[i];
        if (!p->used)
            continue;
        int32_t wait = at_or_after(now, p->due) ? 0 : (int32_t)(p->due - now);
        if (best < 0 || wait < best)
            best = wait;
    }
    return best;
}

size_t ndp_ra_take_due(struct ndp_ra_net *n, uint32_t now, uint8_t *buf, size_t cap)
{
    for (unsigned i = 0; i < NDP_RA_PENDING; i++) {
        struct ndp_ra_pending *p = &n->pending[i];
        if (!p->used || !at_or_after(now, p->due))
            continue;
        size_t len = ndp_ra_build(buf, cap, n->self_mac, p->mac, p->ip);
        if (!len)
            return 0;
        if (p->multicast) {
            n->mcast_sent = true;
            n->last_mcast = now;
        }
        p->used = false;
        n->stats.answered++;
        return len;
    }
    return 0;
}
