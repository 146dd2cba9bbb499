/* Contract in pmtu_icmp.h. */
#include "pmtu_icmp.h"
#include "fastpath.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"
#include "../net/nat_parse.h"

#include "lwip/ip4.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/stats.h"
#include "lwip/sys.h"

#include <string.h>

/* RFC 1812 4.3.2.8: a router limits the ICMP errors it sends. A sender learns from
 * the first one; a window of packets in flight draws a few dozen. */
#define PMTU_ICMP_PER_SEC 200

static struct {
    unsigned long long sent, limited, ignored;
    u32_t window_start;
    unsigned in_window;
} pm;

static int quote_answerable(const struct pmtu_quote *q, ip4_addr_t *src)
{
    if (q->len < IP_HLEN)
        return 0;
    size_t ihl = (size_t)(q->b[0] & 0x0f) * 4;
    /* Never an error about an ICMP error, nor about a later fragment (RFC 1812
     * 4.3.2.7). */
    if ((((u16_t)q->b[6] << 8 | q->b[7]) & 0x1fff) != 0)
        return 0;
    if (q->b[9] == IP_PROTO_ICMP && (q->len <= ihl || nat_icmp_is_error(q->b[ihl])))
        return 0;
    memcpy(&src->addr, q->b + 12, 4);
    return !ip4_addr_isany_val(*src) && !ip4_addr_ismulticast(src) &&
           ip4_addr_get_u32(src) != IPADDR_BROADCAST;
}

void pmtu_icmp_send(const struct pmtu_quote *q, u16_t mtu)
{
    ip4_addr_t to;
    if (!quote_answerable(q, &to)) {
        pm.ignored++;
        return;
    }
    struct netif *out = ip4_route(&to);
    if (!out || ip4_addr_isbroadcast(&to, out))
        return;
    u32_t now = sys_now();
    if (now - pm.window_start >= 1000) {
        pm.window_start = now;
        pm.in_window = 0;
    }
    if (pm.in_window >= PMTU_ICMP_PER_SEC) {
        pm.limited++;
        return;
    }
    struct pbuf *m = pbuf_alloc(PBUF_IP, (u16_t)(8 + q->len), PBUF_RAM);
    if (!m)
        return;
    pmtu_frag_needed(m->payload, mtu, q);
    pm.in_window++;
    pm.sent++;
    ICMP_STATS_INC(icmp.xmit);
    ip4_output_if(m, netif_ip4_addr(out), &to, ICMP_TTL, 0, IP_PROTO_ICMP, out);
    pbuf_free(m);
}

int pmtu_icmp_check(struct pbuf *p, const struct pmtu_quote *q)
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
    kprintf("pmtu: fragmentation-needed sent %llu, rate-limited %llu, not answered %llu "
            "(ICMP errors, later fragments); limit %d/s\n", pm.sent, pm.limited, pm.ignored,
            PMTU_ICMP_PER_SEC);
}
SHELL_COMMAND("pmtu", "path MTU discovery: fragmentation-needed messages sent", cmd_pmtu);
