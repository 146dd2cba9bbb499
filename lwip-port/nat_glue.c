/* NAT inside lwIP. Every IPv4 packet passes nat_glue_ip4_input() before lwIP looks
 * at it; the engine translates in place and lwIP then routes the packet on its new
 * addresses (IP_FORWARD), decrementing the TTL and sending ICMP errors as a router
 * does. Fragments headed for translation are reassembled first (lwIP's ip4_reass),
 * as a conntrack must see whole datagrams; lwIP fragments again on the way out if
 * the next link needs it. */
#include "nat_glue.h"
#include "../kernel/budget.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"
#include "../net/csum.h"
#include "pmtu_icmp.h"
#include "nicif.h"
#include "../net/ip4.h"
#include "icmp_err.h"
#include "pktmark.h"
#include "ttl_icmp.h"

#include "lwip/ip4.h"
#include "lwip/ip4_frag.h"
#include "lwip/prot/ip4.h"
#include "lwip/udp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/timeouts.h"
#include "lwip/sys.h"
#include "lwip/stats.h"

#include <string.h>
#include <stdlib.h>

/* The table's size when the configuration does not set one (`nat flows N`): what
 * the memory plan gives NAT (kernel/budget.h). A table that does not fit after all
 * is halved until it does, down to NAT_FLOWS_MIN. */
#define NAT_FLOWS_DEFAULT budget_nat_flows()
#define NAT_FLOWS_MIN 1024
#define NAT_EXPIRE_MS 1000

static struct nat *nat;
static struct netif *wan;
static u32_t wan_addr;
/* Interfaces whose packets NAT examines: NAT networks and the WAN. */
static u8_t nat_ifaces[256 / 8];
static unsigned overlaps;               /* WAN addresses that overlapped a guest network */

/* The engine's interface numbers are lwIP's netif->num (net/nat.h; the DHCP glue's
 * guest resolver uses the same). */
static int iface_of(const struct netif *nif)
{
    return nif->num;
}

static void mark_iface(struct netif *nif)
{
    u8_t i = nif->num;
    nat_ifaces[i / 8] |= (u8_t)(1u << (i % 8));
}

int nat_glue_handles(const struct netif *nif)
{
    u8_t i = nif->num;
    return nat && (nat_ifaces[i / 8] & (1u << (i % 8)));
}

/* vmgate's own sockets: a port one of them holds on the WAN is never handed out
 * as a translated port, or replies to it would be taken for NAT traffic. */
static int pcb_port_taken(u8_t proto, u16_t port)
{
    if (proto == IP_PROTO_UDP) {
        for (struct udp_pcb *u = udp_pcbs; u; u = u->next)
            if (u->local_port == port)
                return 1;
        return 0;
    }
    if (proto == IP_PROTO_TCP) {
        struct tcp_pcb *lists[] = { tcp_active_pcbs, tcp_tw_pcbs, tcp_bound_pcbs };
        for (unsigned l = 0; l < 3; l++)
            for (struct tcp_pcb *t = lists[l]; t; t = t->next)
                if (t->local_port == port)
                    return 1;
        for (struct tcp_pcb_listen *t = tcp_listen_pcbs.listen_pcbs; t; t = t->next)
            if (t->local_port == port)
                return 1;
    }
    return 0;
}

static bool port_in_use(void *ctx, uint8_t proto, uint16_t port)
{
    return pcb_port_taken(proto, port);
}

static void expire_tick(void *arg)
{
    nat_expire(nat, sys_now());
    sys_timeout(NAT_EXPIRE_MS, expire_tick, NULL);
}

void nat_glue_init(const struct vmgate_config *cfg)
{
    unsigned flows = cfg && cfg->nat_flows ? cfg->nat_flows : NAT_FLOWS_DEFAULT;

    while (!(nat = nat_create(flows, vmgate_random32_cb, NULL)) && flows / 2 >= NAT_FLOWS_MIN)
        flows /= 2;
    if (!nat)
        panic("nat: not even a table of %u flows fits in memory", flows);
    if (cfg && cfg->nat_flows && flows != cfg->nat_flows)
        kprintf("nat: %u flows do not fit in memory; %u\n", (unsigned)cfg->nat_flows, flows);
    for (int t = 0; cfg && t < NAT_TIMEOUTS; t++)
        if (cfg->nat_timeout[t])
            nat_set_timeout(nat, (enum nat_timeout)t, cfg->nat_timeout[t]);
    nat_set_port_filter(nat, port_in_use, NULL);
    sys_timeout(NAT_EXPIRE_MS, expire_tick, NULL);
}

struct nat *nat_glue_engine(void)
{
    return nat;
}

/* The prefix length of a netmask (host order; a contiguous one). */
static u8_t prefix_of(u32_t mask)
{
    u8_t n = 0;
    while (mask & 0x80000000u) {
        n++;
        mask <<= 1;
    }
    return n;
}

/* RFC 4787 REQ-7: a WAN address whose network overlaps one of the guests' is
 * said plainly, with the fix: the guests there cannot reach the WAN's hosts in
 * the overlap (they take them for neighbours), and vmgate cannot renumber them
 * under their feet. */
static void wan_check_overlap(struct netif *nif, u32_t addr)
{
    u8_t prefix = prefix_of(lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif))));
    int iface = addr ? nat_wan_overlap(nat, addr & ip4_prefix_mask(prefix), prefix) : -1;
    if (iface < 0)
        return;
    struct netif *in = netif_get_by_index((u8_t)(iface + 1));
    struct nic *n = in ? nicif_nic(in) : NULL;
    char a[16];
    kprintf("nat: WARNING: the WAN's network %s/%u overlaps the guests' network on %s: the "
            "WAN's hosts in it cannot be reached from there; give it another network "
            "(nicN nat NET/PREFIX)\n", cfg_ip4_str(addr & ip4_prefix_mask(prefix), a), prefix,
            n ? n->name : "a NAT Network");
    overlaps++;
}

static void wan_status(struct netif *nif)
{
    u32_t a = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif)));
    if (a != wan_addr) {
        wan_addr = a;
        nat_set_wan(nat, iface_of(nif), a);
        wan_check_overlap(nif, a);
    }
}

void nat_glue_set_wan(struct netif *nif)
{
    wan = nif;
    mark_iface(nif);
    wan_status(nif);
}

/* Called by the WAN netif's status callback (appliance.c chains it). */
void nat_glue_wan_changed(struct netif *nif)
{
    if (nif == wan)
        wan_status(nif);
}

void nat_glue_add_net(struct netif *nif, enum nat_net_kind kind, u32_t net_host, u8_t prefix, u32_t self)
{
    struct nat_net n = { .iface = iface_of(nif), .kind = kind, .net = net_host, .prefix = prefix,
                         .self = self };
    int rc = nat_add_net(nat, &n);
    if (rc == 0)
        mark_iface(nif);
    else
        kprintf("nat: cannot add the network of %c%c (%d)\n", nif->name[0], nif->name[1], rc);
}

int nat_glue_add_rule(const struct cfg_natpf *r, struct netif *nif)
{
    struct nat_rule rule;
    memset(&rule, 0, sizeof rule);
    strncpy(rule.name, r->name, sizeof rule.name - 1);
    rule.proto = r->proto;
    rule.host_ip = r->host_ip;
    rule.host_port = r->host_port;
    rule.iface = iface_of(nif);
    rule.guest_ip = r->guest_ip;
    rule.guest_port = r->guest_port;
    int rc = nat_add_rule(nat, &rule);
    if (rc)
        kprintf("natpf: cannot add rule '%s' (%d)\n", r->name, rc);
    return rc;
}

void nat_glue_set_guest_resolver(u32_t (*fn)(void *ctx, int iface), void *ctx)
{
    nat_set_guest_resolver(nat, fn, ctx);
}

/* A packet NAT should see whole: one contiguous pbuf with room for the link header
 * in front, as lwIP's output path needs. */
static struct pbuf *make_contiguous(struct pbuf *p)
{
    if (!p->next)
        return p;
    struct pbuf *q = pbuf_clone(PBUF_LINK, PBUF_RAM, p);
    pbuf_free(p);
    return q;
}

/* Contract in nat_glue.h. RFC 5508 REQ-8: a guest whose packet found no room in
 * the table or no external port is told so at once ("administratively
 * prohibited"), instead of retrying into a full table; icmp_err_send limits the
 * rate. Other drops (policy, malformed packets, the WAN's) stay silent. */
void nat_glue_refused(struct netif *inp, const u8_t *ip, size_t len)
{
    enum nat_drop_reason r = nat_last_drop(nat);

    if (inp != wan && (r == NAT_DROP_TABLE_FULL || r == NAT_DROP_NO_PORT)) {
        struct icmp_quote q;
        icmp_quote_save(&q, ip, len);
        icmp_err_send(ICMP_ERR_PROHIBITED, 0, &q);
    }
}

/* A translated packet that must leave by the interface it came in on: a hairpin
 * between two guests of one network (net/nat.h, Hairpin), the only translation
 * that does this. lwIP's forwarding never sends a packet back out of its incoming
 * interface, so it is forwarded here: TTL, header checksum, out. Returns 1 if it
 * took the packet, 0 if the packet is lwIP's to route as usual. */
static int forward_back(struct pbuf *p, struct netif *inp)
{
    struct ip_hdr *iph = p->payload;
    ip4_addr_t dst;

    ip4_addr_copy(dst, iph->dest);
    if (ip4_route(&dst) != inp || p->tot_len > inp->mtu || IPH_TTL(iph) <= 1)
        return 0;
    csum_ip4_ttl_dec(p->payload);
    IP_STATS_INC(ip.fw);
    inp->output(inp, p, &dst);
    pbuf_free(p);
    return 1;
}

/* NAT on a whole packet in one pbuf, and what must follow it here rather than in
 * lwIP: Time Exceeded and "fragmentation needed", which quote the packet as it
 * arrived, and a hairpin back out of inp. Returns 1 if it took the packet (freed
 * or sent), 0 if it is lwIP's now. */
static int translate(struct pbuf *p, struct netif *inp)
{
    /* What the sender sent, for an ICMP error after NAT has rewritten the packet. */
    struct icmp_quote q;
    icmp_quote_save(&q, p->payload, p->len);
    enum nat_verdict v = nat_process(nat, p->payload, p->len, iface_of(inp), sys_now());
    if (v == NAT_DROP) {
        nat_glue_refused(inp, p->payload, p->len);
        pbuf_free(p);
        return 1;
    }
    if (ttl_icmp_answer(p, inp, &q))
        return 1;
    if (v == NAT_FORWARD && forward_back(p, inp))
        return 1;
    return pmtu_icmp_check(p, &q);
}

/* A packet NAT had to rebuild (reassembled, or made contiguous) is translated and
 * fed to lwIP again, marked so that the hook does not translate it twice. */
static int process_rebuilt(struct pbuf *p, struct netif *inp)
{
    if (translate(p, inp))
        return 1;
    pkt_mark_set(p, PKT_MARK_NAT_DONE);
    ip4_input(p, inp);
    return 1;
}

/* Contract in nat_glue.h. The hook has checked p's header and trimmed p to its
 * total length (hooks.c), so reassembly and NAT see only what arrived. */
int nat_glue_ip4_input(struct pbuf *p, struct netif *inp)
{
    switch (pkt_mark(p)) {
    case PKT_MARK_NAT_BACK:
        return forward_back(p, inp);
    case PKT_MARK_NAT_DONE:
    case PKT_MARK_ALIAS:
        return 0;
    default:
        break;
    }
    if (!nat || !nat_glue_handles(inp))
        return 0;
    struct ip_hdr *iph = p->payload;
    /* Fragments of traffic NAT handles are reassembled first. From the WAN only
     * those addressed to the WAN address are NAT's; lwIP reassembles the rest itself
     * if they are for vmgate. */
    if (IPH_OFFSET(iph) & PP_HTONS(IP_OFFMASK | IP_MF)) {
        if (inp == wan && ip4_addr_get_u32(&iph->dest) != lwip_htonl(wan_addr))
            return 0;
        p = ip4_reass(p);
        if (!p)
            return 1;                           /* kept (or dropped) by reassembly */
        p = make_contiguous(p);
        return p ? process_rebuilt(p, inp) : 1;
    }
    if (p->next) {
        p = make_contiguous(p);
        return p ? process_rebuilt(p, inp) : 1;
    }
    return translate(p, inp);
}

static const char *proto_name(u8_t p)
{
    switch (p) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    default: return "ip";
    }
}

static const char *const tcp_state_names[] = {
    "-", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",
};

static void print_flow(void *ctx, const struct nat_flow_info *f)
{
    char ia[16], ea[16], ra[16];
    kprintf("%-4s %s:%u -> %s:%u as %s:%u %s%s%s %lus out %llu in %llu\n", proto_name(f->proto),
            cfg_ip4_str(f->int_addr, ia), f->int_port, cfg_ip4_str(f->rem_addr, ra), f->rem_port,
            cfg_ip4_str(f->ext_addr, ea), f->ext_port,
            f->proto == 6 ? tcp_state_names[f->tcp_state] : "", f->assured ? " assured" : "",
            f->from_rule ? " natpf" : "", (unsigned long)(f->expires_in_ms / 1000),
            (unsigned long long)f->packets_out, (unsigned long long)f->packets_in);
}

static void cmd_nat(int argc, char **argv)
{
    const struct nat_stats *s = nat_get_stats(nat);
    kprintf("nat: %u flows, %u mappings; translated out %llu in %llu hairpin %llu; created %llu "
            "expired %llu evicted %llu\n", nat_flow_count(nat), nat_mapping_count(nat),
            (unsigned long long)s->translated_out,
            (unsigned long long)s->translated_in, (unsigned long long)s->hairpinned,
            (unsigned long long)s->flows_created,
            (unsigned long long)s->flows_expired, (unsigned long long)s->flows_evicted);
    if (overlaps)
        kprintf("WAN addresses that overlapped a guests' network: %u\n", overlaps);
    kprintf("drops:");
    for (int r = 0; r < NAT_DROP_REASONS; r++)
        kprintf(" %s %llu", nat_drop_reason_name(r), (unsigned long long)s->drops[r]);
    kprintf("\n");
    if (argc > 1 && strcmp(argv[1], "stats") == 0)
        return;
    nat_foreach_flow(nat, sys_now(), print_flow, NULL);
}
SHELL_COMMAND("nat", "NAT flows and counters ('nat stats': counters only)", cmd_nat);

#ifdef VMGATE_HOST_TEST
void nat_glue_test_reset(void)
{
    if (nat) {
        sys_untimeout(expire_tick, NULL);
        nat_destroy(nat);
    }
    nat = NULL;
    wan = NULL;
    wan_addr = 0;
    memset(nat_ifaces, 0, sizeof nat_ifaces);
}
#endif
