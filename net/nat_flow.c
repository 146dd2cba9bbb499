/* Translation through flows: finding a packet's flow (or opening one), moving its
 * state, rewriting the packet, and the same for ICMP errors, which belong to the
 * flow of the packet they quote. Policy has already been applied (nat.c). */
#include "nat_priv.h"

#include "nat_rewrite.h"
#include "nat_tcp.h"

#include <string.h>

/* A packet's tuple as it arrives. */
static struct nat_key pkt_key(const struct nat_ip *ip, const struct nat_l4 *l4)
{
    return (struct nat_key){ip->src, ip->dst, l4->sport, l4->dport, ip->proto};
}

/* The tuple of the packet that answers the one an ICMP error quotes: the packets
 * of the quote's flow that arrive at vmgate in the error's direction. */
static struct nat_key quote_answer_key(const struct nat_pkt *p)
{
    return (struct nat_key){p->inner.dst, p->inner.src, p->inner_l4.dport, p->inner_l4.sport,
                            p->inner.proto};
}

static enum nat_timer timer_of(const struct nat_flow *f)
{
    bool assured = f->flags & NAT_FLOW_ASSURED;

    switch (f->proto) {
    case NAT_PROTO_TCP:
        return nat_tcp_timer(f);
    case NAT_PROTO_UDP:
        /* A guest's query to a DNS server: one datagram each way (RFC 4787 REQ-5a). */
        return f->rem_port == 53 && !(f->flags & NAT_FLOW_OPENED_IN) ? NAT_TIMER_UDP_DNS
                                                                    : NAT_TIMER_UDP;
    case NAT_PROTO_ICMP:
        return NAT_TIMER_ICMP;
    default:
        return assured ? NAT_TIMER_OTHER_ASSURED : NAT_TIMER_OTHER;
    }
}

/* Direction 0 is the side that opened: the guest, unless the outside did. */
static unsigned flow_dir(const struct nat_flow *f, bool from_guest)
{
    return from_guest == !(f->flags & NAT_FLOW_OPENED_IN) ? 0 : 1;
}

/* Which early-drop list f belongs on (nat_table.h, "Shares"). */
static enum nat_evict evict_class(const struct nat_flow *f)
{
    if (!(f->flags & NAT_FLOW_ASSURED))
        return NAT_EVICT_CAND;
    if (f->proto != NAT_PROTO_TCP)
        return NAT_EVICT_SOFT;
    return nat_tcp_closing(f) ? NAT_EVICT_CAND : NAT_EVICT_NONE;
}

/* Accounts one packet of f: moves its state (direction from the guest or not),
 * restarts its timeout and updates its early-drop candidacy. A packet from the
 * guest always restarts the timeout (RFC 4787 REQ-6), one from outside only once
 * the guest has answered the flow (REQ-6a allows it; before that, a host that
 * learned a guest's external port could keep a flow to it alive on its own), and
 * an RST never gives more time (RFC 7857 7.1). Returns false, with f unchanged and
 * *why the reason to drop it, for a TCP segment with impossible flags (INVALID)
 * or an RST outside the window (RST_WINDOW). */
static bool flow_account(struct nat *nat, struct nat_flow *f, const struct nat_pkt *p,
                         bool from_guest, uint32_t now, enum nat_drop_reason *why)
{
    unsigned dir = flow_dir(f, from_guest);
    bool was_assured = f->flags & NAT_FLOW_ASSURED;

    if (f->proto == NAT_PROTO_TCP) {
        switch (nat_tcp_track(f, dir, p)) {
        case NAT_TCP_TRACK_OK:
            break;
        case NAT_TCP_TRACK_RST_OUTSIDE:
            *why = NAT_DROP_RST_WINDOW;
            return false;
        default:
            *why = NAT_DROP_INVALID;
            return false;
        }
    } else if (dir == 1) {
        f->flags |= NAT_FLOW_ASSURED;
    }
    bool assured = f->flags & NAT_FLOW_ASSURED;
    if (assured && !was_assured && (f->flags & NAT_FLOW_OPENED_IN) && f->map != NAT_NONE &&
        nat->maps.maps[f->map].unanswered_in)
        nat->maps.maps[f->map].unanswered_in--;
    if (f->proto == NAT_PROTO_TCP && (p->tcp_flags & NAT_TCP_RST))
        nat_table_shorten(&nat->table, f, timer_of(f), now);
    else if (from_guest || assured)
        nat_table_touch(&nat->table, f, timer_of(f), now);
    nat_table_set_evict(&nat->table, f, evict_class(f));
    if (from_guest)
        f->packets_out++;
    else
        f->packets_in++;
    return true;
}

static enum nat_verdict forward_out(struct nat *nat, struct nat_flow *f, struct nat_pkt *p)
{
    nat_rewrite_src(&p->ip, &p->l4, f->ext_addr, f->ext_port, NULL);
    nat->stats.translated_out++;
    return NAT_FORWARD;
}

static enum nat_verdict forward_in(struct nat *nat, struct nat_flow *f, struct nat_pkt *p)
{
    nat_rewrite_dst(&p->ip, &p->l4, f->int_addr, f->int_port, NULL);
    nat->stats.translated_in++;
    return NAT_FORWARD;
}

/* Fills in and inserts a new flow. Returns it, or NULL with *v the drop verdict. */
static struct nat_flow *flow_open(struct nat *nat, const struct nat_flow *proto_flow,
                                  uint32_t now, enum nat_verdict *v)
{
    struct nat_flow *f = nat_table_get(&nat->table, now, proto_flow->iface);

    if (!f) {
        *v = nat_drop(nat, NAT_DROP_TABLE_FULL);
        return NULL;
    }
    *f = *proto_flow;
    if (nat_table_insert(&nat->table, f, timer_of(f), now) < 0) {
        *v = nat_drop(nat, NAT_DROP_TABLE_FULL);
        return NULL;
    }
    return f;
}

/* Opens a flow that uses map (or none: NULL). The mapping is held while the table
 * makes room, since making room may evict the mapping's last other flow; the hold
 * becomes the new flow's reference, or is dropped (freeing a mapping that has no
 * flow then). */
static struct nat_flow *flow_open_mapped(struct nat *nat, struct nat_flow *n, struct nat_map *map,
                                         uint32_t now, enum nat_verdict *v)
{
    struct nat_flow *f;

    if (map) {
        nat_map_ref(map);
        n->map = nat_map_index(&nat->maps, map);
    } else {
        n->map = NAT_NONE;
    }
    f = flow_open(nat, n, now, v);
    if (!f && map)
        nat_map_unref(&nat->maps, map);
    return f;
}

/* The mapping of a guest's socket, made if it has none (nat_map.h): the guest's
 * port as the external one when free. NULL with *v the drop verdict. */
static struct nat_map *map_for(struct nat *nat, const struct nat_net *net, const struct nat_pkt *p,
                               enum nat_verdict *v)
{
    struct nat_map *map = nat_map_find(&nat->maps, p->ip.proto, p->ip.src, p->l4.sport);
    uint16_t ext;

    if (map)
        return map;
    if (!nat_port_choose(nat, p->ip.proto, p->l4.sport, &ext)) {
        *v = nat_drop(nat, NAT_DROP_NO_PORT);
        return NULL;
    }
    map = nat_map_add(&nat->maps, p->ip.proto, (uint8_t)net->iface, p->ip.src, p->l4.sport, ext);
    if (!map)
        *v = nat_drop(nat, NAT_DROP_TABLE_FULL);
    return map;
}

/* Opens the flow of a guest's first packet to a remote. Protocols with ports (and
 * ICMP identifiers) leave through the guest socket's mapping: its external port
 * is that mapping's alone, so the flow's inbound key is free. A protocol without
 * ports has one possible inbound key per remote. */
static struct nat_flow *flow_open_out(struct nat *nat, const struct nat_net *net,
                                      const struct nat_pkt *p, uint32_t now, enum nat_verdict *v)
{
    struct nat_flow n = {
        .proto = p->ip.proto, .iface = net->iface,
        .int_addr = p->ip.src, .int_port = p->l4.sport,
        .rem_addr = p->ip.dst, .rem_port = p->l4.dport,
        .ext_addr = nat->wan_addr,
    };
    struct nat_map *map = NULL;

    if (p->ip.proto == NAT_PROTO_TCP) {
        n.tcp_state = (uint8_t)nat_tcp_open_state(p->tcp_flags);
        if (n.tcp_state == NAT_TCP_NONE) {
            *v = nat_drop(nat, NAT_DROP_INVALID);
            return NULL;
        }
    }
    if (p->l4.sport_p) {
        if (!(map = map_for(nat, net, p, v)))
            return NULL;
        n.ext_port = map->ext_port;
    } else {
        struct nat_key in = {p->ip.dst, nat->wan_addr, 0, 0, p->ip.proto};
        if (!nat_table_in_free(&nat->table, &in, now)) {
            *v = nat_drop(nat, NAT_DROP_NO_PORT);
            return NULL;
        }
    }
    return flow_open_mapped(nat, &n, map, now, v);
}

/* Contract in nat_priv.h. */
enum nat_verdict nat_flow_out(struct nat *nat, const struct nat_net *net, struct nat_pkt *p,
                              uint32_t now)
{
    struct nat_key k;
    struct nat_flow *f;
    enum nat_verdict v;
    enum nat_drop_reason why;

    if (p->icmp_error) {
        /* The guest answers a packet of a flow (a port unreachable): the quote is
         * that packet as delivered, to the guest's own address. */
        if (!p->inner_l4.tracked)
            return nat_drop(nat, NAT_DROP_INVALID);
        k = quote_answer_key(p);
        f = nat_table_find(&nat->table, NAT_OUT, &k, now);
        if (!f || f->int_addr != p->ip.src)
            return nat_drop(nat, NAT_DROP_INVALID);
        nat_rewrite_dst(&p->inner, &p->inner_l4, f->ext_addr, f->ext_port, p->l4.csum_p);
        nat_rewrite_src(&p->ip, &p->l4, f->ext_addr, 0, NULL);
        nat->stats.translated_out++;
        return NAT_FORWARD;
    }
    /* Of ICMP, only an echo request can open or use a flow from this side. */
    if (!p->l4.tracked ||
        (p->ip.proto == NAT_PROTO_ICMP && p->icmp_type != NAT_ICMP_ECHO_REQUEST))
        return nat_drop(nat, NAT_DROP_INVALID);
    k = pkt_key(&p->ip, &p->l4);
    f = nat_table_find(&nat->table, NAT_OUT, &k, now);
    if (!f && !(f = flow_open_out(nat, net, p, now, &v)))
        return v;
    if (!flow_account(nat, f, p, true, now, &why))
        return nat_drop(nat, why);
    return forward_out(nat, f, p);
}

/* The guest a rule leads to now: its own address, or the resolver's answer for a
 * rule without one; 0 if that is no guest of the rule's network (no lease yet). */
static uint32_t rule_guest(const struct nat *nat, const struct nat_rule *r)
{
    const struct nat_net *net = nat_net_of_iface(nat, r->iface);
    uint32_t addr = r->guest_ip;

    if (addr == 0 && nat->resolver)
        addr = nat->resolver(nat->resolver_ctx, r->iface);
    return net && nat_net_host_ok(net, addr) ? addr : 0;
}

/* Opens the flow of a new connection to a forwarding rule's host port, the rule
 * in slot `slot`. NULL with *v the verdict: NO_GUEST when the rule has no guest yet
 * (no lease: a closed port from outside, but not answered), INVALID for flags that
 * cannot open a connection, or a drop. */
static struct nat_flow *flow_open_rule(struct nat *nat, int slot, const struct nat_pkt *p,
                                       uint32_t now, enum nat_verdict *v)
{
    const struct nat_rule *r = &nat->rules[slot];
    struct nat_flow n = {
        .proto = p->ip.proto, .iface = r->iface,
        .flags = NAT_FLOW_FROM_RULE | NAT_FLOW_OPENED_IN, .rule = (uint8_t)(slot + 1),
        .int_addr = r->guest_ip, .int_port = r->guest_port,
        .rem_addr = p->ip.src, .rem_port = p->l4.sport,
        .ext_addr = p->ip.dst, .ext_port = p->l4.dport,
    };
    struct nat_key out;

    if (p->ip.proto == NAT_PROTO_TCP) {
        n.tcp_state = (uint8_t)nat_tcp_open_state(p->tcp_flags);
        if (n.tcp_state == NAT_TCP_NONE) {
            *v = nat_drop(nat, NAT_DROP_INVALID);
            return NULL;
        }
    }
    n.int_addr = rule_guest(nat, r);
    if (n.int_addr == 0) {
        *v = nat_drop(nat, NAT_DROP_NO_GUEST);
        return NULL;
    }
    /* The guest already talks to this remote from that port on its own. */
    out = (struct nat_key){n.int_addr, n.rem_addr, n.int_port, n.rem_port, n.proto};
    if (nat_table_find(&nat->table, NAT_OUT, &out, now)) {
        *v = nat_drop(nat, NAT_DROP_NO_PORT);
        return NULL;
    }
    return flow_open_mapped(nat, &n, NULL, now, v);
}

/* Opens a flow from outside through the mapping that owns the packet's external
 * port: endpoint-independent filtering (RFC 4787 REQ-8, RFC 5382 REQ-3), so that
 * a peer the guest's socket has not talked to yet (the other end of a hole punched
 * through two NATs, a STUN server's other address) gets through. TCP only with a
 * SYN, and never more than NAT_MAP_UNANSWERED_MAX flows per mapping that the guest
 * has not answered; such flows go first when room is short (they are not
 * assured), and they count against the guest's share. NULL with *v the verdict. */
static struct nat_flow *flow_open_eif(struct nat *nat, struct nat_map *map, const struct nat_pkt *p,
                                      uint32_t now, enum nat_verdict *v)
{
    struct nat_flow n = {
        .proto = p->ip.proto, .iface = map->iface, .flags = NAT_FLOW_OPENED_IN,
        .int_addr = map->int_addr, .int_port = map->int_port,
        .rem_addr = p->ip.src, .rem_port = p->l4.sport,
        .ext_addr = p->ip.dst, .ext_port = p->l4.dport,
    };
    struct nat_flow *f;

    if (p->ip.proto == NAT_PROTO_TCP) {
        if ((p->tcp_flags & (NAT_TCP_SYN | NAT_TCP_ACK | NAT_TCP_RST | NAT_TCP_FIN)) != NAT_TCP_SYN) {
            *v = nat_drop(nat, NAT_DROP_FILTERED);
            return NULL;
        }
        n.tcp_state = NAT_TCP_SYN_SENT;
    }
    if (map->unanswered_in >= NAT_MAP_UNANSWERED_MAX) {
        *v = nat_drop(nat, NAT_DROP_FILTERED);
        return NULL;
    }
    if ((f = flow_open_mapped(nat, &n, map, now, v)))
        nat->maps.maps[f->map].unanswered_in++;
    return f;
}

/* A packet from outside to the WAN address that matches no flow: a forwarding
 * rule's, a mapping's (its filter), vmgate's own (a socket of its own holds the
 * port: lwIP's), or nobody's, dropped without an answer (RFC 5382 REQ-4 and 4a:
 * the WAN side is silent; an unsolicited SYN is never answered). NULL with *v. */
static struct nat_flow *flow_open_in(struct nat *nat, const struct nat_pkt *p, uint32_t now,
                                     enum nat_verdict *v)
{
    int slot = nat_rule_match(nat, p->ip.proto, p->l4.dport);
    struct nat_map *map;

    if (slot >= 0)
        return flow_open_rule(nat, slot, p, now, v);
    /* vmgate's sockets first: a port one of them holds is theirs, even if a guest's
     * mapping took it before the socket did. */
    if (nat->port_in_use && nat->port_in_use(nat->port_ctx, p->ip.proto, p->l4.dport)) {
        *v = NAT_PASS;
        return NULL;
    }
    if ((map = nat_map_owner(&nat->maps, p->ip.proto, p->l4.dport)))
        return flow_open_eif(nat, map, p, now, v);
    *v = nat_drop(nat, NAT_DROP_FILTERED);
    return NULL;
}

/* Contract in nat_priv.h. */
enum nat_verdict nat_flow_in(struct nat *nat, struct nat_pkt *p, uint32_t now)
{
    struct nat_key k;
    struct nat_flow *f;
    enum nat_verdict v;
    enum nat_drop_reason why;

    if (p->icmp_error) {
        /* From a remote or a router on the way, about a packet a flow sent: the
         * quote is that packet as translated, from the external address. */
        if (!p->inner_l4.tracked)
            return NAT_PASS;
        k = quote_answer_key(p);
        f = nat_table_find(&nat->table, NAT_IN, &k, now);
        if (!f)
            return NAT_PASS;
        nat_rewrite_src(&p->inner, &p->inner_l4, f->int_addr, f->int_port, p->l4.csum_p);
        nat_rewrite_dst(&p->ip, &p->l4, f->int_addr, 0, NULL);
        nat->stats.translated_in++;
        return NAT_FORWARD;
    }
    /* Echo requests and other ICMP are for vmgate itself. */
    if (!p->l4.tracked ||
        (p->ip.proto == NAT_PROTO_ICMP && p->icmp_type != NAT_ICMP_ECHO_REPLY))
        return NAT_PASS;
    k = pkt_key(&p->ip, &p->l4);
    f = nat_table_find(&nat->table, NAT_IN, &k, now);
    if (!f) {
        /* Only TCP and UDP may open a flow from outside; an echo reply belongs to
         * the request it answers, and other protocols are vmgate's (lwIP's). */
        if (p->ip.proto != NAT_PROTO_TCP && p->ip.proto != NAT_PROTO_UDP)
            return NAT_PASS;
        if (!(f = flow_open_in(nat, p, now, &v)))
            return v;
    }
    if (!flow_account(nat, f, p, false, now, &why))
        return nat_drop(nat, why);
    return forward_in(nat, f, p);
}

/* What the outbound step of a hairpin changes in a packet (source address and
 * port, their checksums), kept so that a packet the inbound step refuses
 * leaves as it came: a dropped packet is never changed. */
struct hairpin_undo {
    uint8_t ip[12];             /* IP header bytes 4-15: ID ... checksum, source address */
    uint8_t sport[2], csum[2];
    uint32_t src;
    uint16_t sport_host;
};

static void undo_save(struct hairpin_undo *u, const struct nat_pkt *p)
{
    memcpy(u->ip, p->ip.hdr + 4, sizeof u->ip);
    memcpy(u->sport, p->l4.sport_p, 2);
    if (p->l4.csum_p)
        memcpy(u->csum, p->l4.csum_p, 2);
    u->src = p->ip.src;
    u->sport_host = p->l4.sport;
}

static void undo_restore(const struct hairpin_undo *u, struct nat_pkt *p)
{
    memcpy(p->ip.hdr + 4, u->ip, sizeof u->ip);
    memcpy(p->l4.sport_p, u->sport, 2);
    if (p->l4.csum_p)
        memcpy(p->l4.csum_p, u->csum, 2);
    p->ip.src = u->src;
    p->l4.sport = u->sport_host;
}

/* Contract in nat_priv.h. The packet is counted once (nat.h, nat_stats): as
 * hairpinned, or as the drop that ends it; the two translations it passes through
 * count it as translated out and in, which is taken back here. A rule's guest is
 * known before the sender's flow is opened, so that a packet refused for want of
 * one leaves no flow behind; what can still refuse it after (a full table, the
 * guest already talking from that port, flags that cannot open) leaves the
 * sender's flow to expire unanswered, and the packet as it was. */
enum nat_verdict nat_flow_hairpin(struct nat *nat, const struct nat_net *net, struct nat_pkt *p,
                                  int rule, uint32_t now)
{
    struct hairpin_undo undo;
    enum nat_verdict v;

    if (rule >= 0 && rule_guest(nat, &nat->rules[rule]) == 0)
        return nat_drop(nat, NAT_DROP_NO_GUEST);
    undo_save(&undo, p);
    v = nat_flow_out(nat, net, p, now);
    if (v != NAT_FORWARD)
        return v;
    nat->stats.translated_out--;
    v = nat_flow_in(nat, p, now);
    if (v != NAT_FORWARD) {
        undo_restore(&undo, p);
        return v == NAT_PASS ? nat_drop(nat, NAT_DROP_INVALID) : v;
    }
    nat->stats.translated_in--;
    nat->stats.hairpinned++;
    return NAT_FORWARD;
}

/* Contract in nat_priv.h. Both steps rewrite only the outer header, the ICMP
 * checksum and the quote's headers, which all lie in the packet's first bytes:
 * those are kept, so that a refused error leaves as it came. */
enum nat_verdict nat_flow_hairpin_error(struct nat *nat, const struct nat_net *net,
                                        struct nat_pkt *p, uint32_t now)
{
    uint8_t keep[60 + 8 + 60 + 20];
    size_t inner_end = (size_t)(p->inner.hdr - p->ip.hdr) + (size_t)(p->inner.hdr[0] & 0x0f) * 4 + 20;
    size_t n = inner_end < p->tot_len ? inner_end : p->tot_len;
    struct nat_pkt saved = *p;
    enum nat_verdict v;

    if (n > sizeof keep)
        n = sizeof keep;
    memcpy(keep, p->ip.hdr, n);
    v = nat_flow_out(nat, net, p, now);
    if (v != NAT_FORWARD)
        return v;
    nat->stats.translated_out--;
    v = nat_flow_in(nat, p, now);
    if (v != NAT_FORWARD) {
        memcpy(saved.ip.hdr, keep, n);
        *p = saved;
        return v == NAT_PASS ? nat_drop(nat, NAT_DROP_INVALID) : v;
    }
    nat->stats.translated_in--;
    nat->stats.hairpinned++;
    return NAT_FORWARD;
}

/* The inbound flow that continues a hairpinned packet of f (a flow whose remote is
 * the WAN address) once f has translated it, or NULL. */
static struct nat_flow *hairpin_peer(struct nat *nat, const struct nat_flow *f,
                                     const struct nat_pkt *p, uint32_t now)
{
    struct nat_key k = {f->ext_addr, p->ip.dst, f->ext_port, p->l4.dport, p->ip.proto};

    return nat_table_find(&nat->table, NAT_IN, &k, now);
}

/* Contract in nat_priv.h. Only what the policy would let through unchanged gets
 * here: a packet matching a flow's inbound key is addressed to the WAN address
 * from outside, and one matching a flow's outbound key comes from that flow's
 * guest to a remote that was outside when the flow opened (networks are never
 * removed, and a WAN change flushes every flow). */
enum nat_verdict nat_flow_existing(struct nat *nat, struct nat_pkt *p, int iface, uint32_t now)
{
    enum nat_drop_reason why;
    struct nat_key k;
    struct nat_flow *f;
    bool from_guest = iface != nat->wan_iface;

    if (p->icmp_error || !p->l4.tracked || p->ip.ttl <= 1)
        return NAT_PASS;
    if (p->ip.proto == NAT_PROTO_ICMP &&
        p->icmp_type != (from_guest ? NAT_ICMP_ECHO_REQUEST : NAT_ICMP_ECHO_REPLY))
        return NAT_PASS;
    if (!from_guest && (nat->wan_addr == 0 || p->ip.dst != nat->wan_addr))
        return NAT_PASS;
    k = pkt_key(&p->ip, &p->l4);
    f = nat_table_find(&nat->table, from_guest ? NAT_OUT : NAT_IN, &k, now);
    if (!f || (from_guest && f->iface != iface))
        return NAT_PASS;
    if (from_guest && f->rem_addr == nat->wan_addr) {
        /* Hairpinned: through both flows, or else the full path (which may reopen
         * the other). Both are asked first, so that either both flows take the
         * segment or neither has moved. */
        struct nat_flow *g = hairpin_peer(nat, f, p, now);
        if (!g || (p->ip.proto == NAT_PROTO_TCP &&
                   (nat_tcp_check(f, flow_dir(f, true), p) != NAT_TCP_TRACK_OK ||
                    nat_tcp_check(g, flow_dir(g, false), p) != NAT_TCP_TRACK_OK)))
            return NAT_PASS;
        flow_account(nat, f, p, true, now, &why);
        flow_account(nat, g, p, false, now, &why);
        nat_rewrite_src(&p->ip, &p->l4, f->ext_addr, f->ext_port, NULL);
        nat_rewrite_dst(&p->ip, &p->l4, g->int_addr, g->int_port, NULL);
        nat->stats.hairpinned++;
        return NAT_FORWARD;
    }
    if (!flow_account(nat, f, p, from_guest, now, &why))
        return NAT_PASS;
    return from_guest ? forward_out(nat, f, p) : forward_in(nat, f, p);
}
