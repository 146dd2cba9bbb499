/* Service aliases. ARP requests for an alias are answered with the netif's MAC; an
 * ICMP echo request to it is turned around in place; a UDP datagram or TCP segment
 * to an alias port gets its destination rewritten to the netif's address (IP and
 * UDP/TCP checksums updated incrementally), so a socket bound to that port
 * receives it. UDP replies name the alias as their source through
 * udp_sendto_if_src(); a TCP connection's segments cannot (lwIP's PCB has one local
 * address, the netif's), so the netif's output rewrites the source of segments
 * from the alias TCP port back to the alias. Anything else sent to an alias is
 * dropped and counted. */
#include "alias.h"
#include "../net/bytes.h"
#include "../net/csum.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"
#include "pktmark.h"

#include "lwip/prot/ethernet.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/ip4.h"
#include "lwip/etharp.h"
#include "lwip/ip4.h"
#include "lwip/ip.h"
#include "lwip/stats.h"
#include "netif/ethernet.h"

#include <errno.h>
#include <string.h>

struct alias {
    struct netif *nif;
    ip4_addr_t addr;
    u16_t udp_port;
    u16_t udp_lo, udp_hi;           /* more UDP ports, lo..hi; both 0: none */
    u16_t tcp_port;                 /* 0: none */
    netif_output_fn output;         /* nif's output before ours (TCP port only) */
};

static struct alias aliases[ALIAS_MAX];
static unsigned n_aliases;
/* Packets to an alias that no service takes (not an echo request, not its port),
 * or that come in pieces (a fragment, a header and payload in two pbufs). */
static unsigned long long alias_drops;

static err_t alias_output(struct netif *nif, struct pbuf *p, const ip4_addr_t *next_hop);

/* Whether alias a delivers UDP port p. */
static bool takes_udp(const struct alias *a, u16_t p)
{
    return p && (p == a->udp_port || (a->udp_hi && p >= a->udp_lo && p <= a->udp_hi));
}

int alias_add(struct netif *nif, const ip4_addr_t *addr, u16_t udp_port, u16_t tcp_port)
{
    return alias_add_udp_range(nif, addr, udp_port, 0, 0, tcp_port);
}

int alias_add_udp_range(struct netif *nif, const ip4_addr_t *addr, u16_t udp_port, u16_t lo,
                        u16_t hi, u16_t tcp_port)
{
    if (n_aliases == ALIAS_MAX)
        return -ENOSPC;
    if (lo > hi || (hi && !lo))
        return -EINVAL;
    /* A service asks "was this for my alias" by netif and port (alias_packet_was_for),
     * so no UDP port is delivered by two aliases of one netif. */
    for (unsigned i = 0; i < n_aliases; i++) {
        const struct alias *o = &aliases[i];
        if (o->nif != nif)
            continue;
        if (takes_udp(o, udp_port) || (o->udp_port && o->udp_port >= lo && o->udp_port <= hi && hi) ||
            (hi && o->udp_hi && lo <= o->udp_hi && o->udp_lo <= hi))
            return -EEXIST;
    }
    struct alias *a = &aliases[n_aliases];
    a->nif = nif;
    a->addr = *addr;
    a->udp_port = udp_port;
    a->udp_lo = lo;
    a->udp_hi = hi;
    a->tcp_port = tcp_port;
    a->output = NULL;
    if (tcp_port) {
        /* One wrapper per netif, even with several aliases on it. */
        for (unsigned i = 0; i < n_aliases; i++)
            if (aliases[i].nif == nif && aliases[i].output)
                return -EEXIST;
        a->output = nif->output;
        nif->output = alias_output;
    }
    n_aliases++;
    return 0;
}

/* Rewrites addr (4 bytes at ip + at) from old to new, updating the IP header's
 * checksum and the transport checksum at l4 + sum_at (UDP's 0, "none", stays 0). */
static void rewrite_addr(u8_t *ip, unsigned at, u32_t new_n, u8_t *l4, unsigned sum_at, bool udp)
{
    u32_t old_n;
    memcpy(&old_n, ip + at, 4);
    u32_t old_h = lwip_ntohl(old_n), new_h = lwip_ntohl(new_n);
    memcpy(ip + at, &new_n, 4);
    put_be16(ip + 10, csum_update32(get_be16(ip + 10), old_h, new_h));
    u16_t sum = get_be16(l4 + sum_at);
    if (udp && !sum)
        return;
    sum = csum_update32(sum, old_h, new_h);
    put_be16(l4 + sum_at, udp && !sum ? 0xffff : sum);
}

/* The netif's output, wrapped: a TCP segment from the netif's own address and the
 * alias's TCP port belongs to a connection that a guest opened to the alias (the
 * input side rewrote its destination), so it leaves with the alias as source.
 * lwIP computes TCP checksums in software and rebuilds a segment's headers and
 * checksum for every (re)transmission, so changing the pbuf here is safe. */
static err_t alias_output(struct netif *nif, struct pbuf *p, const ip4_addr_t *next_hop)
{
    const struct alias *a = NULL;
    for (unsigned i = 0; i < n_aliases; i++)
        if (aliases[i].nif == nif && aliases[i].output)
            a = &aliases[i];
    if (!a)
        return ERR_IF;
    u8_t *ip = p->payload;
    u16_t hlen = (u16_t)((ip[0] & 0x0f) * 4);
    if (p->len >= IP_HLEN && ip[9] == IP_PROTO_TCP && hlen >= IP_HLEN && p->len >= hlen + 20 &&
        !(get_be16(ip + 6) & 0x1fff) && get_be16(ip + hlen) == a->tcp_port &&
        memcmp(ip + 12, netif_ip4_addr(nif), 4) == 0) {
        for (unsigned i = 0; i < n_aliases; i++)
            if (aliases[i].nif == nif && aliases[i].tcp_port == a->tcp_port) {
                rewrite_addr(ip, 12, ip4_addr_get_u32(&aliases[i].addr), ip + hlen, 16, false);
                break;
            }
    }
    return a->output(nif, p, next_hop);
}

static const struct alias *find(const struct netif *nif, u32_t addr_n)
{
    for (unsigned i = 0; i < n_aliases; i++)
        if (aliases[i].nif == nif && ip4_addr_get_u32(&aliases[i].addr) == addr_n)
            return &aliases[i];
    return NULL;
}

/* Answers an ARP request for an alias. Returns 1 if p was such a request. */
static int answer_arp(struct pbuf *p, struct netif *nif)
{
    if (p->len < SIZEOF_ETH_HDR + SIZEOF_ETHARP_HDR)
        return 0;
    const u8_t *f = p->payload;
    if (get_be16(f + 12) != ETHTYPE_ARP)
        return 0;
    const u8_t *arp = f + SIZEOF_ETH_HDR;
    /* Ethernet/IPv4 request: htype 1, ptype 0x0800, hlen 6, plen 4, op 1. */
    if (get_be16(arp) != 1 || get_be16(arp + 2) != ETHTYPE_IP || arp[4] != 6 || arp[5] != 4 ||
        get_be16(arp + 6) != 1)
        return 0;
    u32_t target;
    memcpy(&target, arp + 24, 4);
    const struct alias *a = find(nif, target);
    if (!a)
        return 0;

    struct pbuf *q = pbuf_alloc(PBUF_RAW, SIZEOF_ETH_HDR + SIZEOF_ETHARP_HDR, PBUF_RAM);
    if (q) {
        u8_t *r = q->payload;
        memcpy(r, arp + 8, 6);                       /* to the requester's MAC */
        memcpy(r + 6, nif->hwaddr, 6);
        put_be16(r + 12, ETHTYPE_ARP);
        u8_t *ra = r + SIZEOF_ETH_HDR;
        put_be16(ra, 1);
        put_be16(ra + 2, ETHTYPE_IP);
        ra[4] = 6;
        ra[5] = 4;
        put_be16(ra + 6, 2);                         /* reply */
        memcpy(ra + 8, nif->hwaddr, 6);
        memcpy(ra + 14, &target, 4);
        memcpy(ra + 18, arp + 8, 6);
        memcpy(ra + 24, arp + 14, 4);
        nif->linkoutput(nif, q);
        pbuf_free(q);
    }
    return 1;
}

err_t alias_netif_input(struct pbuf *p, struct netif *nif)
{
    if (n_aliases && answer_arp(p, nif)) {
        pbuf_free(p);
        return ERR_OK;
    }
    return ethernet_input(p, nif);
}

/* Turns an echo request to the alias into the reply, in place, and sends it. */
static void answer_echo(struct pbuf *p, struct netif *inp, u8_t *ip, u16_t hlen, u16_t tot)
{
    u8_t *icmp = ip + hlen;
    u8_t src[4];
    memcpy(src, ip + 12, 4);
    memcpy(ip + 12, ip + 16, 4);                     /* a swap leaves the IP sum as it was */
    memcpy(ip + 16, src, 4);
    u16_t ttl_proto_old = get_be16(ip + 8);
    ip[8] = IP_DEFAULT_TTL;
    put_be16(ip + 10, csum_update16(get_be16(ip + 10), ttl_proto_old, get_be16(ip + 8)));
    u16_t type_code_old = get_be16(icmp);
    icmp[0] = 0;                                     /* echo reply */
    put_be16(icmp + 2, csum_update16(get_be16(icmp + 2), type_code_old, get_be16(icmp)));
    pbuf_realloc(p, tot);
    ip4_addr_t dst;
    memcpy(&dst, ip + 16, 4);
    inp->output(inp, p, &dst);
}

int alias_ip4_input(struct pbuf *p, struct netif *inp)
{
    if (!n_aliases)
        return 0;
    u8_t *ip = p->payload;
    u32_t dst;
    memcpy(&dst, ip + 16, 4);
    const struct alias *a = find(inp, dst);
    if (!a)
        return 0;
    u16_t hlen = (u16_t)((ip[0] & 0x0f) * 4);
    u16_t tot = get_be16(ip + 2);
    u16_t frag = get_be16(ip + 6);
    /* The hook checked the header. Only whole datagrams in one pbuf: an alias
     * serves small requests. */
    if (tot > p->len || (frag & 0x3fff))
        goto drop;
    u8_t proto = ip[9];
    u8_t *l4 = ip + hlen;
    if (proto == IP_PROTO_ICMP && tot - hlen >= 8 && l4[0] == 8) {
        answer_echo(p, inp, ip, hlen, tot);
        pbuf_free(p);
        return 1;
    }
    bool udp = proto == IP_PROTO_UDP && tot - hlen >= 8 && takes_udp(a, get_be16(l4 + 2));
    bool tcp = proto == IP_PROTO_TCP && a->tcp_port && tot - hlen >= 20 &&
               get_be16(l4 + 2) == a->tcp_port;
    if (udp || tcp) {
        rewrite_addr(ip, 16, ip4_addr_get_u32(netif_ip4_addr(inp)), l4, udp ? 6 : 16, udp);
        pkt_mark_set(p, PKT_MARK_ALIAS);
        return 0;
    }
drop:
    alias_drops++;
    IP_STATS_INC(ip.drop);
    pbuf_free(p);
    return 1;
}

/* Contract in alias.h. The mark says "to an alias"; which one is the netif's
 * alias for that port, since two aliases on one netif never share a UDP port
 * (alias_add_udp_range refuses it). */
bool alias_packet_was_for(const struct pbuf *p, const struct netif *nif, u16_t udp_port,
                          ip4_addr_t *addr)
{
    if (pkt_mark(p) != PKT_MARK_ALIAS)
        return false;
    for (unsigned i = 0; i < n_aliases; i++)
        if (aliases[i].nif == nif && takes_udp(&aliases[i], udp_port)) {
            if (addr)
                *addr = aliases[i].addr;
            return true;
        }
    return false;
}

bool alias_is_address(u32_t addr)
{
    for (unsigned i = 0; i < n_aliases; i++)
        if (ip4_addr_get_u32(&aliases[i].addr) == addr)
            return true;
    return false;
}

static void cmd_alias(int argc, char **argv)
{
    for (unsigned i = 0; i < n_aliases; i++) {
        char a[16];
        ip4addr_ntoa_r(&aliases[i].addr, a, sizeof a);
        kprintf("alias %s on %c%c: udp %u", a, aliases[i].nif->name[0], aliases[i].nif->name[1],
                aliases[i].udp_port);
        if (aliases[i].udp_hi)
            kprintf(" and %u-%u", aliases[i].udp_lo, aliases[i].udp_hi);
        kprintf(" tcp %u\n", aliases[i].tcp_port);
    }
    kprintf("alias: %u aliases; dropped %llu (not an echo request nor a service's port, "
            "or in pieces)\n", n_aliases, alias_drops);
}
SHELL_COMMAND("alias", "service aliases (DNS at .3, TFTP at .4) and what they dropped", cmd_alias);

#ifdef VMGATE_HOST_TEST
void alias_test_reset(void)
{
    memset(aliases, 0, sizeof aliases);
    n_aliases = 0;
    alias_drops = 0;
}
#endif
