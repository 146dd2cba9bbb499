/* Contract in pmtu_icmp.h. */
#include "pmtu_icmp.h"
#include "fastpath.h"
#include "icmp_err.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/ip4.h"
#include "lwip/prot/ip4.h"
#include "lwip/stats.h"

void pmtu_icmp_send(const struct icmp_quote *q, u16_t mtu)
{
    icmp_err_send(ICMP_ERR_FRAG_NEEDED, mtu, q);
}

int pmtu_icmp_check(struct pbuf *p, const struct icmp_quote *q)
{
    if (p->len < IP_HLEN)
        return 0;
    struct ip_hdr *iph = p->payload;
    if (IPH_TTL(iph) <= 1 || !(IPH_OFFSET(iph) & PP_HTONS(IP_DF)) ||
        vmgate_ip4_is_local_or_group(ip4_addr_get_u32(&iph->dest)))
        return 0;
    ip4_addr_t dst;
    ip4_addr_copy(dst, iph->dest);
    struct netif *out = ip4_route(&dst);
    if (!out || !out->mtu || !pmtu_must_refuse(p->payload, lwip_ntohs(IPH_LEN(iph)), out->mtu))
        return 0;
    pmtu_icmp_send(q, out->mtu);
    IP_STATS_INC(ip.drop);
    pbuf_free(p);
    return 1;
}

static void cmd_pmtu(int argc, char **argv)
{
    kprintf("pmtu: fragmentation-needed sent %llu (all ICMP errors: 'icmp')\n",
            icmp_err_stats.sent[ICMP_ERR_FRAG_NEEDED]);
}
SHELL_COMMAND("pmtu", "path MTU discovery: fragmentation-needed messages sent", cmd_pmtu);
