/* The NAT engine's public face: creation and configuration, the policy that
 * decides what each packet is (nat.h states it in full), expiry and the console's
 * view. Translation itself is in nat_flow.c, rules and ports in nat_rules.c. */
#include "nat_priv.h"
#include "ip4.h"
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const drop_names[NAT_DROP_REASONS] = {
    [NAT_DROP_MALFORMED]   = "malformed",
    [NAT_DROP_SPOOFED]     = "spoofed",
    [NAT_DROP_ISOLATION]   = "isolation",
    [NAT_DROP_UNSOLICITED] = "unsolicited",
    [NAT_DROP_TABLE_FULL]  = "table-full",
    [NAT_DROP_NO_PORT]     = "no-port",
    [NAT_DROP_NO_WAN]      = "no-wan",
    [NAT_DROP_FRAGMENT]    = "fragment",
    [NAT_DROP_INVALID]     = "invalid",
    [NAT_DROP_NO_GUEST]    = "no-guest",
    [NAT_DROP_RST_WINDOW]  = "rst-window",
    [NAT_DROP_FILTERED]    = "filtered",
    [NAT_DROP_SOURCE_ROUTE] = "source-route",
};

/* --- timeouts -------------------------------------------------------------------- */

static const struct {
    const char *name;
    uint32_t floor, def;                /* seconds */
    enum nat_timer timer;               /* the class it sets (UDP: both) */
} timeouts[NAT_TIMEOUTS] = {
    [NAT_TIMEOUT_TCP_ESTABLISHED] = {"tcp-established", 7440, 7440, NAT_TIMER_TCP_ESTABLISHED},
    [NAT_TIMEOUT_TCP_OPENING]     = {"tcp-opening", 240, 240, NAT_TIMER_TCP_OPENING},
    [NAT_TIMEOUT_TCP_CLOSING]     = {"tcp-closing", 240, 240, NAT_TIMER_TCP_CLOSING},
    [NAT_TIMEOUT_UDP]             = {"udp", 120, 300, NAT_TIMER_UDP},
    [NAT_TIMEOUT_UDP_DNS]         = {"udp-dns", 10, 30, NAT_TIMER_UDP_DNS},
    [NAT_TIMEOUT_ICMP]            = {"icmp", 60, 60, NAT_TIMER_ICMP},
};

const char *nat_timeout_name(enum nat_timeout t)
{
    return (unsigned)t < NAT_TIMEOUTS ? timeouts[t].name : "unknown";
}

uint32_t nat_timeout_floor(enum nat_timeout t)
{
    return (unsigned)t < NAT_TIMEOUTS ? timeouts[t].floor : 0;
}

uint32_t nat_timeout_default(enum nat_timeout t)
{
    return (unsigned)t < NAT_TIMEOUTS ? timeouts[t].def : 0;
}

int nat_set_timeout(struct nat *nat, enum nat_timeout t, uint32_t seconds)
{
    if ((unsigned)t >= NAT_TIMEOUTS || seconds < timeouts[t].floor || seconds > NAT_TIMEOUT_MAX_S)
        return -EINVAL;
    nat->table.timer_ms[timeouts[t].timer] = seconds * 1000u;
    return 0;
}

uint32_t nat_get_timeout(const struct nat *nat, enum nat_timeout t)
{
    return (unsigned)t < NAT_TIMEOUTS ? nat->table.timer_ms[timeouts[t].timer] / 1000u : 0;
}

/* --- creation and configuration -------------------------------------------------- */

/* A flow leaves the table: its mapping loses a user. */
static void flow_removed(void *ctx, struct nat_flow *f)
{
    struct nat *nat = ctx;

    if (f->map == NAT_NONE)
        return;
    struct nat_map *map = &nat->maps.maps[f->map];
    if ((f->flags & NAT_FLOW_OPENED_IN) && !(f->flags & NAT_FLOW_ASSURED) && map->unanswered_in)
        map->unanswered_in--;
    nat_map_unref(&nat->maps, map);
}

/* Contract in nat.h. The hash key is drawn here, once: from then on nobody outside
 * can tell which of their tuples share a bucket. The mappings' table hashes other
 * inputs under the same key. */
struct nat *nat_create(unsigned max_flows, rng_u32_fn random, void *random_ctx)
{
    struct nat *nat = calloc(1, sizeof *nat);
    struct siphash_key key;

    if (!nat)
        return NULL;
    nat->random = random;
    nat->random_ctx = random_ctx;
    key.k0 = (uint64_t)random(random_ctx) << 32 | random(random_ctx);
    key.k1 = (uint64_t)random(random_ctx) << 32 | random(random_ctx);
    if (nat_table_init(&nat->table, max_flows, &key, &nat->stats) < 0) {
        free(nat);
        return NULL;
    }
    /* One more mapping than flows: a new flow's mapping is made before the table
     * makes room for the flow, which may free the mapping of the flow it evicts. */
    if (nat_maps_init(&nat->maps, nat->table.capacity + 1, &key) < 0) {
        nat_table_free(&nat->table);
        free(nat);
        return NULL;
    }
    nat->table.removed = flow_removed;
    nat->table.removed_ctx = nat;
    nat->wan_iface = -1;
    return nat;
}

void nat_destroy(struct nat *nat)
{
    if (!nat)
        return;
    nat_table_free(&nat->table);
    nat_maps_free(&nat->maps);
    free(nat);
}

/* Contract in nat.h. */
void nat_set_wan(struct nat *nat, int iface, uint32_t addr)
{
    if (iface != nat->wan_iface || addr != nat->wan_addr) {
        nat->stats.flows_flushed += nat->table.count;
        nat_table_flush(&nat->table);
        nat_maps_flush(&nat->maps);
    }
    nat->wan_iface = iface;
    nat->wan_addr = addr;
}

static bool net_contains(const struct nat_net *n, uint32_t addr)
{
    return (addr & ip4_prefix_mask(n->prefix)) == n->net;
}

static uint32_t net_broadcast(const struct nat_net *n)
{
    return n->net | ~ip4_prefix_mask(n->prefix);
}

/* True if addr is one of vmgate's own addresses on n. */
static bool net_is_self(const struct nat_net *n, uint32_t addr)
{
    if (n->self != 0 && addr == n->self)
        return true;
    return n->kind == NAT_NET_NAT && (addr == n->net + 2 || addr == n->net + 3);
}

/* Contract in nat_priv.h. */
bool nat_net_host_ok(const struct nat_net *net, uint32_t addr)
{
    return net_contains(net, addr) && addr != net->net && addr != net_broadcast(net) &&
           !net_is_self(net, addr);
}

/* Contract in nat.h. */
int nat_wan_overlap(const struct nat *nat, uint32_t net, uint8_t prefix)
{
    for (unsigned i = 0; i < nat->n_nets; i++) {
        const struct nat_net *o = &nat->nets[i];
        uint32_t common = ip4_prefix_mask(o->prefix < prefix ? o->prefix : prefix);
        if (prefix && (o->net & common) == (net & common))
            return o->iface;
    }
    return -1;
}

/* Contract in nat.h. */
int nat_add_net(struct nat *nat, const struct nat_net *net)
{
    if (net->prefix < 8 || net->prefix > 30 || (net->net & ~ip4_prefix_mask(net->prefix)) ||
        (net->kind != NAT_NET_NAT && net->kind != NAT_NET_HOSTONLY))
        return -EINVAL;
    if (net->self != 0 && (!net_contains(net, net->self) || net->self == net->net ||
                           net->self == net_broadcast(net)))
        return -EINVAL;
    for (unsigned i = 0; i < nat->n_nets; i++) {
        const struct nat_net *o = &nat->nets[i];
        uint32_t common = ip4_prefix_mask(o->prefix < net->prefix ? o->prefix : net->prefix);
        if (o->iface == net->iface)
            return -EEXIST;
        /* The same network on two interfaces is one network; any other overlap
         * would make "which network is this address in" ambiguous. */
        if ((o->net & common) == (net->net & common) &&
            (o->net != net->net || o->prefix != net->prefix || o->kind != net->kind))
            return -EINVAL;
    }
    if (nat->n_nets == NAT_MAX_NETS)
        return -ENOSPC;
    nat->nets[nat->n_nets++] = *net;
    return 0;
}

void nat_set_guest_resolver(struct nat *nat, uint32_t (*fn)(void *ctx, int iface), void *ctx)
{
    nat->resolver = fn;
    nat->resolver_ctx = ctx;
}

void nat_set_port_filter(struct nat *nat, bool (*in_use)(void *ctx, uint8_t proto, uint16_t port),
                         void *ctx)
{
    nat->port_in_use = in_use;
    nat->port_ctx = ctx;
}

/* --- networks -------------------------------------------------------------------- */

/* Contract in nat_priv.h. */
const struct nat_net *nat_net_of_iface(const struct nat *nat, int iface)
{
    for (unsigned i = 0; i < nat->n_nets; i++)
        if (nat->nets[i].iface == iface)
            return &nat->nets[i];
    return NULL;
}

static const struct nat_net *net_containing(const struct nat *nat, uint32_t addr)
{
    for (unsigned i = 0; i < nat->n_nets; i++)
        if (net_contains(&nat->nets[i], addr))
            return &nat->nets[i];
    return NULL;
}

static bool is_multicast_or_limited_bcast(uint32_t addr)
{
    return (addr >> 28) == 0xe || addr == 0xffffffffu;
}

/* --- the policy ------------------------------------------------------------------ */

/* Contract in nat_priv.h. */
enum nat_verdict nat_drop(struct nat *nat, enum nat_drop_reason r)
{
    nat->stats.drops[r]++;
    nat->last_drop = r;
    return NAT_DROP;
}

static enum nat_verdict pass(struct nat *nat)
{
    nat->stats.passed++;
    return NAT_PASS;
}

/* True if a guest may not reach addr, which is outside its own network: another
 * internal network (a host-only network may reach another host-only network; vmgate
 * routes between them as between host-only networks and the WAN), any other
 * address of vmgate's, or what only vmgate itself can be (0/8, 127/8). */
static bool isolated(const struct nat *nat, const struct nat_net *from, uint32_t dst)
{
    const struct nat_net *to = net_containing(nat, dst);

    if (to && (from->kind == NAT_NET_NAT || to->kind == NAT_NET_NAT || net_is_self(to, dst)))
        return true;
    if (nat->wan_addr != 0 && dst == nat->wan_addr)
        return true;
    return (dst >> 24) == 0 || (dst >> 24) == 127;
}

/* A packet from a guest on network net (nat.h, "From a NAT or host-only network"). */
static enum nat_verdict from_guest(struct nat *nat, const struct nat_net *net, struct nat_pkt *p,
                                   uint32_t now)
{
    uint32_t dst = p->ip.dst;
    int rule;

    if (is_multicast_or_limited_bcast(dst) || dst == net_broadcast(net) || dst == net->net)
        return pass(nat);
    if (!nat_net_host_ok(net, p->ip.src))
        return nat_drop(nat, NAT_DROP_SPOOFED);
    if (net_contains(net, dst))
        return pass(nat);
    if (net->kind == NAT_NET_NAT && nat->wan_addr != 0 && dst == nat->wan_addr && p->ip.ttl > 1) {
        /* vmgate answers pings to its WAN address, from inside as from outside. */
        if (p->ip.proto == NAT_PROTO_ICMP && p->icmp_type == NAT_ICMP_ECHO_REQUEST)
            return pass(nat);
        if (p->icmp_error)
            return nat_flow_hairpin_error(nat, net, p, now);
        rule = nat_rule_match(nat, p->ip.proto, p->l4.dport);
        if (rule >= 0 || (p->l4.dport_p && nat_map_owner(&nat->maps, p->ip.proto, p->l4.dport)))
            return nat_flow_hairpin(nat, net, p, rule, now);
    }
    if (isolated(nat, net, dst))
        return nat_drop(nat, NAT_DROP_ISOLATION);
    if (net->kind == NAT_NET_HOSTONLY || p->ip.ttl <= 1)
        return pass(nat);
    if (nat->wan_addr == 0)
        return nat_drop(nat, NAT_DROP_NO_WAN);
    return nat_flow_out(nat, net, p, now);
}

/* A packet from the WAN (nat.h, "From the WAN"). */
static enum nat_verdict from_wan(struct nat *nat, struct nat_pkt *p, uint32_t now)
{
    const struct nat_net *to;
    enum nat_verdict v;

    if (is_multicast_or_limited_bcast(p->ip.dst))
        return pass(nat);
    if (net_containing(nat, p->ip.src) || (nat->wan_addr != 0 && p->ip.src == nat->wan_addr))
        return nat_drop(nat, NAT_DROP_SPOOFED);
    if (nat->wan_addr != 0 && p->ip.dst == nat->wan_addr) {
        v = nat_flow_in(nat, p, now);
        return v == NAT_PASS ? pass(nat) : v;
    }
    to = net_containing(nat, p->ip.dst);
    if (to && to->kind == NAT_NET_NAT)
        return nat_drop(nat, NAT_DROP_UNSOLICITED);
    return pass(nat);
}

/* Applies the offload facts of nat.h to a parsed packet. */
static void offload_apply(struct nat_pkt *p, unsigned flags)
{
    if ((flags & NAT_CSUM_PARTIAL) &&
        (p->ip.proto == NAT_PROTO_TCP || p->ip.proto == NAT_PROTO_UDP)) {
        p->l4.csum_partial = true;
        p->l4.csum_optional = false;
    }
}

enum nat_verdict nat_process(struct nat *nat, uint8_t *pkt, size_t len, int iface, uint32_t now_ms)
{
    return nat_process_ex(nat, pkt, len, iface, now_ms, 0);
}

/* Contract in nat.h. A packet of an existing flow is recognised first: the policy
 * would let it through (see nat_flow_existing()), and this is the common case. */
enum nat_verdict nat_process_ex(struct nat *nat, uint8_t *pkt, size_t len, int iface,
                                uint32_t now_ms, unsigned flags)
{
    struct nat_pkt p;
    const struct nat_net *net;

    switch (nat_parse(&p, pkt, len)) {
    case NAT_PARSE_OK:
        break;
    case NAT_PARSE_FRAGMENT:
        return nat_drop(nat, NAT_DROP_FRAGMENT);
    default:
        return nat_drop(nat, NAT_DROP_MALFORMED);
    }
    /* lwIP would forward a TTL 0 packet with TTL 255 (its decrement wraps). */
    if (p.ip.ttl == 0)
        return nat_drop(nat, NAT_DROP_MALFORMED);
    /* vmgate does not route the way a sender chose, and does not translate what
     * such an option names (RFC 5508 7.3: not forwarded then). */
    if (ip4_has_source_route(pkt, (size_t)(pkt[0] & 0x0f) * 4) ||
        (p.icmp_error && ip4_has_source_route(p.inner.hdr, (size_t)(p.inner.hdr[0] & 0x0f) * 4)))
        return nat_drop(nat, NAT_DROP_SOURCE_ROUTE);
    offload_apply(&p, flags);
    if (nat_flow_existing(nat, &p, iface, now_ms) == NAT_FORWARD)
        return NAT_FORWARD;
    if (iface == nat->wan_iface)
        return from_wan(nat, &p, now_ms);
    net = nat_net_of_iface(nat, iface);
    if (!net)
        return pass(nat);
    return from_guest(nat, net, &p, now_ms);
}

enum nat_drop_reason nat_last_drop(const struct nat *nat)
{
    return nat->last_drop;
}

/* --- expiry and the console ------------------------------------------------------ */

/* Contract in nat.h. */
void nat_expire(struct nat *nat, uint32_t now_ms)
{
    nat_table_expire(&nat->table, now_ms);
}

unsigned nat_flow_count(const struct nat *nat)
{
    return nat->table.count;
}

unsigned nat_mapping_count(const struct nat *nat)
{
    return nat->maps.count;
}

bool nat_port_mapped(const struct nat *nat, uint8_t proto, uint16_t port)
{
    return nat && nat_map_owner(&nat->maps, proto, port) != NULL;
}

/* Contract in nat.h. A scan of the whole table: the console asks rarely. */
void nat_foreach_flow(const struct nat *nat, uint32_t now_ms,
                      void (*fn)(void *ctx, const struct nat_flow_info *f), void *ctx)
{
    const struct nat_table *t = &nat->table;

    for (unsigned i = 0; i < t->capacity; i++) {
        const struct nat_flow *f = &t->flows[i];
        struct nat_flow_info info;
        if (!(f->flags & NAT_FLOW_USED))
            continue;
        info = (struct nat_flow_info){
            .proto = f->proto, .iface = f->iface,
            .int_addr = f->int_addr, .int_port = f->int_port,
            .ext_addr = f->ext_addr, .ext_port = f->ext_port,
            .rem_addr = f->rem_addr, .rem_port = f->rem_port,
            .tcp_state = (enum nat_tcp_state)f->tcp_state,
            .assured = f->flags & NAT_FLOW_ASSURED,
            .from_rule = f->flags & NAT_FLOW_FROM_RULE,
            .expires_in_ms = nat_time_reached(now_ms, f->expires) ? 0 : f->expires - now_ms,
            .packets_out = f->packets_out, .packets_in = f->packets_in,
        };
        fn(ctx, &info);
    }
}

const struct nat_stats *nat_get_stats(const struct nat *nat)
{
    return &nat->stats;
}

const char *nat_drop_reason_name(enum nat_drop_reason r)
{
    if ((unsigned)r >= NAT_DROP_REASONS)
        return "unknown";
    return drop_names[r];
}

_Static_assert(NAT_TIMEOUTS == CFG_NAT_TIMEOUTS, "config.h counts the NAT timeouts");
