/* Contract in ttl_icmp.h. */
#include "ttl_icmp.h"
#include "fastpath.h"
#include "icmp_err.h"

#include "lwip/ip4.h"
#include "lwip/prot/ip4.h"
#include "lwip/stats.h"

int ttl_icmp_answer(struct pbuf *p, struct netif *inp, const struct icmp_quote *q)
{
    if (p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *iph = p->payload;
    if (IPH_TTL(iph) > 1)
        return 0;
    ip4_addr_t dst, src;
    ip4_addr_copy(dst, iph->dest);
    ip4_addr_copy(src, iph->src);
    /* Only what lwIP would forward; and only to a source that can take an answer. */
    if (vmgate_ip4_is_local_or_group(ip4_addr_get_u32(&dst)) || ip4_addr_isany_val(dst) ||
        ip4_addr_isbroadcast(&dst, inp) || !ip4_route(&dst))
        return 0;
    if (ip4_addr_isbroadcast(&src, inp))
        return 0;
    struct icmp_quote own;
    if (!q) {
        icmp_quote_save(&own, p->payload, p->len);
        q = &own;
    }
    icmp_err_send(ICMP_ERR_TTL_EXCEEDED, 0, q);
    IP_STATS_INC(ip.drop);
    pbuf_free(p);
    return 1;
}
