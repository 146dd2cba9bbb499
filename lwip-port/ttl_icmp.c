/* Contract in ttl_icmp.h. */
#include "ttl_icmp.h"

#include "lwip/icmp.h"
#include "lwip/ip4.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip4.h"

/* RFC 792/950/1256 error types: destination unreachable, source quench, redirect,
 * time exceeded, parameter problem. Everything else is a query or its reply. */
static int icmp_type_is_error(u8_t type)
{
    return type == ICMP_DUR || type == ICMP_SQ || type == ICMP_RD || type == ICMP_TE ||
           type == ICMP_PP;
}

static int is_own_address(const ip4_addr_t *a)
{
    struct netif *n;
    NETIF_FOREACH(n)
        if (ip4_addr_cmp(netif_ip4_addr(n), a))
            return 1;
    return 0;
}

int ttl_icmp_ip4_input(struct pbuf *p, struct netif *inp)
{
    if (p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *iph = p->payload;
    u16_t hlen = IPH_HL_BYTES(iph);
    if (IPH_V(iph) != 4 || IPH_TTL(iph) > 1 || IPH_PROTO(iph) != IP_PROTO_ICMP ||
        hlen < IP_HLEN || p->len < hlen + 1 || (IPH_OFFSET(iph) & PP_HTONS(IP_OFFMASK)))
        return 0;
    if (icmp_type_is_error(((const u8_t *)p->payload)[hlen]))
        return 0;
    ip4_addr_t dst, src;
    ip4_addr_copy(dst, iph->dest);
    ip4_addr_copy(src, iph->src);
    /* Only what lwIP would forward; and only to a source that can take an answer. */
    if (ip4_addr_isany_val(dst) || ip4_addr_ismulticast(&dst) || ip4_addr_isbroadcast(&dst, inp) ||
        is_own_address(&dst) || !ip4_route(&dst))
        return 0;
    if (ip4_addr_isany_val(src) || ip4_addr_ismulticast(&src) || ip4_addr_isbroadcast(&src, inp))
        return 0;
    icmp_time_exceeded(p, ICMP_TE_TTL);
    pbuf_free(p);
    return 1;
}
