/* The forwarding fast path. A router's frames mostly belong to flows it already
 * knows, and lwIP's path for them (a copy into a pbuf, the IPv4 input and forward
 * code, ARP, a copy out) costs more than the decision. So every frame is first
 * examined here, in the poll loop: if it is IPv4 unicast to the NIC's MAC, whole
 * (not a fragment) and its TTL allows forwarding, the NAT engine sees it (policy,
 * translation, new flows: nat_process, the same call lwIP's hook makes); if it is
 * then headed elsewhere and the next hop's MAC is known, the TTL drops, the Ethernet
 * header is rewritten and the frame goes to the outgoing NIC with its buffer lent,
 * not copied: a 64 KiB GSO frame crosses as one. Frames for vmgate itself, and
 * forwarded frames the fast path cannot finish (unknown neighbour, too big for the
 * next link), go to lwIP with NAT told not to translate them again. Frames the fast
 * path does not examine at all (fragments, TTL 1, ARP, broadcasts) take lwIP's
 * path unchanged, where the hook applies NAT as usual.
 *
 * Partial checksums: a frame from a device with checksum offload may carry in its
 * TCP/UDP checksum field only the pseudo-header sum, which the next device completes
 * over header and data; the engine is told (NAT_CSUM_PARTIAL) and updates such a
 * field for the address change only. */
#include "fastpath.h"
#include "bridged_glue.h"
#include "switch_glue.h"
#include "nicif.h"
#include "alias.h"
#include "nat_glue.h"
#include "pmtu_icmp.h"
#include "pktmark.h"
#include "../net/bytes.h"
#include "../net/csum.h"
#include "../net/ip4.h"
#include "../net/nat.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/ip4.h"
#include "lwip/etharp.h"
#include "lwip/prot/ethernet.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "netif/ethernet.h"

#include <string.h>

#define ETH_HLEN 14

struct fastpath_stats fastpath_stats;
/* The smallest MTU of any interface (fastpath_attach_all): a frame no bigger than
 * it fits every next link, so no quote for "fragmentation needed" is kept for it. */
static u16_t smallest_mtu = 0xffff;

/* Contract in fastpath.h. Such packets are lwIP's. */
int vmgate_ip4_is_local_or_group(u32_t dst_n)
{
    u32_t h = lwip_ntohl(dst_n);
    if (h == 0xffffffffu || (h >> 28) == 0xe)
        return 1;
    struct netif *nif;
    NETIF_FOREACH(nif) {
        if (ip4_addr_isany_val(*netif_ip4_addr(nif)))
            continue;
        if (ip4_addr_get_u32(netif_ip4_addr(nif)) == dst_n || ip4_addr_isbroadcast_u32(dst_n, nif))
            return 1;
    }
    return alias_is_address(dst_n);
}

/* Whether `fastpath off` said otherwise: a layer that keeps the NIC's hook for its
 * own (the bridged WAN, a NAT Network's router port) asks before handing frames on. */
static bool enabled;

/* Where a frame the fast path examines came from: the netif it arrived on, and how
 * to hand it to lwIP there when the fast path does not finish it (a NIC's netif:
 * the NIC core's delivery; a NAT Network's router: a copy into its netif). */
struct ingress {
    struct netif *in;
    void (*to_lwip)(void *ctx, struct nic_frame *f);
    void *ctx;
};

static enum nic_rx_result to_lwip(const struct ingress *ig, struct nic_frame *f, int seen_by_nat,
                                  enum nat_verdict v)
{
    fastpath_stats.to_lwip++;
    f->pbuf_flags = !seen_by_nat ? PKT_MARK_NONE
                    : v == NAT_FORWARD ? PKT_MARK_NAT_BACK : PKT_MARK_NAT_DONE;
    ig->to_lwip(ig->ctx, f);
    return NIC_RX_DONE;
}

static void nic_to_lwip(void *ctx, struct nic_frame *f)
{
    nic_frame_to_upper(ctx, f);
}

static enum nic_rx_result route(const struct ingress *ig, struct nic_frame *f, bool *handled)
{
    struct netif *in = ig->in;
    if (!in || ip4_addr_isany_val(*netif_ip4_addr(in)) || f->len < ETH_HLEN || f->n_more)
        return NIC_RX_DONE;
    u8_t *eth = f->data, *ip = eth + ETH_HLEN;
    if (get_be16(eth + 12) != ETHTYPE_IP || memcmp(eth, in->hwaddr, ETH_HWADDR_LEN) != 0)
        return NIC_RX_DONE;
    struct ip4_hdr_info h;
    if (ip4_check(ip, f->len - ETH_HLEN, f->len - ETH_HLEN, &h) != IP4_OK ||
        (h.frag & IP4_FRAG_MASK) || h.ttl <= 1) {
        fastpath_stats.not_taken++;
        return NIC_RX_DONE;
    }
    u16_t iplen = (u16_t)h.tot_len;

    *handled = true;
    /* A frame some next link may be too small for, with DF: what the sender sent is
     * kept for the ICMP error, since NAT rewrites the packet before the route is
     * known. NAT changes neither its size nor DF. */
    size_t wire = pmtu_wire_len(ip, iplen, &f->off);
    bool may_refuse = pmtu_must_refuse(ip, wire, smallest_mtu);
    struct icmp_quote quote;
    if (may_refuse)
        icmp_quote_save(&quote, ip, iplen);
    int seen = nat_glue_handles(in);
    /* nic_receive() left a checksum partial only at the TCP/UDP checksum of a whole
     * IPv4 packet (offload_rx_check). */
    unsigned flags = (f->off.flags & OFFLOAD_NEEDS_CSUM) ? NAT_CSUM_PARTIAL : 0;
    enum nat_verdict v = seen ? nat_process_ex(nat_glue_engine(), ip, iplen, in->num, sys_now(), flags)
                              : NAT_PASS;
    if (v == NAT_DROP) {
        fastpath_stats.dropped++;
        nat_glue_refused(in, ip, iplen);
        return NIC_RX_DONE;
    }
    u32_t dst_n;
    memcpy(&dst_n, ip + 16, 4);
    if (vmgate_ip4_is_local_or_group(dst_n))
        return to_lwip(ig, f, seen, v);

    ip4_addr_t dst;
    ip4_addr_set_u32(&dst, dst_n);
    struct netif *out = ip4_route(&dst);
    if (may_refuse && out && out->mtu && wire > out->mtu) {
        pmtu_icmp_send(&quote, out->mtu);
        fastpath_stats.too_big++;
        return NIC_RX_DONE;
    }
    /* Back out of its own netif only when NAT hairpinned it (net/nat.h, Hairpin).
     * Out by a NIC, or by a NAT Network's router into its switch. */
    bool may_go = out && (out != in || v == NAT_FORWARD);
    struct nic *on = may_go ? nicif_nic(out) : NULL;
    bool to_switch = may_go && !on && switch_glue_is_router(out);
    u16_t out_mtu = on ? on->mtu : to_switch ? out->mtu : 0;
    if ((!on && !to_switch) || (f->off.gso_type == OFFLOAD_GSO_NONE && iplen > out_mtu))
        return to_lwip(ig, f, seen, v);
    const ip4_addr_t *nh = ip4_addr_netcmp(&dst, netif_ip4_addr(out), netif_ip4_netmask(out))
                           ? &dst : netif_ip4_gw(out);
    struct eth_addr *mac;
    const ip4_addr_t *unused;
    if (etharp_find_addr(out, nh, &mac, &unused) < 0)
        return to_lwip(ig, f, seen, v);

    csum_ip4_ttl_dec(ip);
    memcpy(eth, mac->addr, ETH_HWADDR_LEN);
    memcpy(eth + 6, out->hwaddr, ETH_HWADDR_LEN);
    fastpath_stats.forwarded++;
    IP_STATS_INC(ip.fw);
    return on ? bridged_glue_forward(on, f) : switch_glue_router_forward(out, f);
}

enum nic_rx_result fastpath_input(struct nic *n, struct nic_frame *f, bool *handled)
{
    struct ingress ig = {nicif_of(n), nic_to_lwip, n};
    return route(&ig, f, handled);
}

enum nic_rx_result fastpath_router_input(struct netif *router, struct nic_frame *f,
                                         void (*to_lwip_fn)(void *ctx, struct nic_frame *f), void *ctx,
                                         bool *handled)
{
    if (!enabled)
        return NIC_RX_DONE;
    struct ingress ig = {router, to_lwip_fn, ctx};
    return route(&ig, f, handled);
}


bool fastpath_enabled(void)
{
    return enabled;
}

void fastpath_attach_all(void)
{
    struct netif *nif;
    smallest_mtu = 0xffff;
    NETIF_FOREACH(nif)
        if (nif->mtu && nif->mtu < smallest_mtu)
            smallest_mtu = nif->mtu;
    enabled = true;
    for (unsigned i = 0; i < nic_count(); i++) {
        struct nic *n = nic_get(i);
        struct netif *nif = nicif_of(n);
        /* Switch ports hand frames to their switch, and a bridged WAN's hook is its
         * bridge's (which calls fastpath_input for the WAN's own frames): not ours. */
        if (nif && !n->fastpath && (nif->input == ethernet_input || nif->input == alias_netif_input))
            n->fastpath = fastpath_input;
    }
}

void fastpath_detach_all(void)
{
    /* Switch ports keep theirs: it is how their frames reach the switch. */
    enabled = false;
    for (unsigned i = 0; i < nic_count(); i++)
        if (nic_get(i)->fastpath == fastpath_input)
            nic_get(i)->fastpath = NULL;
}

static void cmd_fastpath(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "on") == 0)
        fastpath_attach_all();
    else if (argc > 1 && strcmp(argv[1], "off") == 0)
        fastpath_detach_all();
    unsigned on = 0;
    for (unsigned i = 0; i < nic_count(); i++)
        on += nic_get(i)->fastpath == fastpath_input;
    kprintf("fastpath: %s on %u NICs; forwarded %llu, to lwIP %llu, dropped %llu, not taken %llu, "
            "too big %llu\n", on ? "on" : "off", on, fastpath_stats.forwarded,
            fastpath_stats.to_lwip, fastpath_stats.dropped, fastpath_stats.not_taken,
            fastpath_stats.too_big);
}
SHELL_COMMAND("fastpath", "the forwarding fast path: counters; 'fastpath on|off'", cmd_fastpath);

#ifdef VMGATE_HOST_TEST
void fastpath_test_reset(void)
{
    fastpath_detach_all();
    memset(&fastpath_stats, 0, sizeof fastpath_stats);
    smallest_mtu = 0xffff;
}
#endif
