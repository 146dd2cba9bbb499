/* Port-forwarding rules and the choice of external ports. The two meet in the
 * rule-port bitmap: a rule's host port is never handed to an outbound flow, so a
 * new connection to it always reaches the rule. */
#include "nat_priv.h"

#include <errno.h>
#include <string.h>

static uint8_t *rule_port_map(struct nat *nat, uint8_t proto)
{
    return nat->rule_ports[proto == NAT_PROTO_UDP];
}

static bool rule_port_test(const struct nat *nat, uint8_t proto, uint16_t port)
{
    if (proto != NAT_PROTO_TCP && proto != NAT_PROTO_UDP)
        return false;
    return nat->rule_ports[proto == NAT_PROTO_UDP][port >> 3] & (1u << (port & 7));
}

/* Sets the bitmap bit of (proto, port) to whether any rule still uses it. */
static void rule_port_refresh(struct nat *nat, uint8_t proto, uint16_t port)
{
    uint8_t *map = rule_port_map(nat, proto);
    bool used = false;

    for (unsigned i = 0; i < NAT_MAX_RULES; i++)
        if (nat->rule_used[i] && nat->rules[i].proto == proto && nat->rules[i].host_port == port)
            used = true;
    if (used)
        map[port >> 3] |= (uint8_t)(1u << (port & 7));
    else
        map[port >> 3] &= (uint8_t)~(1u << (port & 7));
}

static int rule_find(const struct nat *nat, const char *name)
{
    for (unsigned i = 0; i < NAT_MAX_RULES; i++)
        if (nat->rule_used[i] && strcmp(nat->rules[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool rule_valid(const struct nat *nat, const struct nat_rule *r)
{
    const struct nat_net *net;

    if (r->name[0] == '\0' || memchr(r->name, '\0', sizeof r->name) == NULL)
        return false;
    if ((r->proto != NAT_PROTO_TCP && r->proto != NAT_PROTO_UDP) ||
        r->host_port == 0 || r->guest_port == 0)
        return false;
    net = nat_net_of_iface(nat, r->iface);
    if (!net || net->kind != NAT_NET_NAT)
        return false;
    return r->guest_ip == 0 || nat_net_host_ok(net, r->guest_ip);
}

/* Contract in nat.h. */
int nat_add_rule(struct nat *nat, const struct nat_rule *rule)
{
    int free_slot = -1;

    if (!rule_valid(nat, rule))
        return -EINVAL;
    if (rule_find(nat, rule->name) >= 0)
        return -EEXIST;
    for (unsigned i = 0; i < NAT_MAX_RULES; i++) {
        const struct nat_rule *o = &nat->rules[i];
        if (!nat->rule_used[i]) {
            if (free_slot < 0)
                free_slot = (int)i;
            continue;
        }
        if (o->proto == rule->proto && o->host_port == rule->host_port &&
            (o->host_ip == 0 || rule->host_ip == 0 || o->host_ip == rule->host_ip))
            return -EEXIST;
    }
    if (free_slot < 0)
        return -ENOSPC;
    nat->rules[free_slot] = *rule;
    nat->rule_used[free_slot] = true;
    rule_port_refresh(nat, rule->proto, rule->host_port);
    return 0;
}

/* Contract in nat.h. The rule's flows are found by a scan of the table: deleting
 * a rule is rare, and a per-rule list would cost every flow two more links. */
int nat_del_rule(struct nat *nat, const char *name)
{
    int slot = rule_find(nat, name);
    struct nat_table *t = &nat->table;

    if (slot < 0)
        return -ENOENT;
    for (unsigned i = 0; i < t->capacity; i++) {
        struct nat_flow *f = &t->flows[i];
        if ((f->flags & NAT_FLOW_USED) && f->rule == slot + 1) {
            nat_table_remove(t, f);
            nat->stats.flows_flushed++;
        }
    }
    nat->rule_used[slot] = false;
    rule_port_refresh(nat, nat->rules[slot].proto, nat->rules[slot].host_port);
    return 0;
}

/* Contract in nat_priv.h. */
int nat_rule_match(const struct nat *nat, uint8_t proto, uint16_t port)
{
    if (!rule_port_test(nat, proto, port))
        return -1;
    for (unsigned i = 0; i < NAT_MAX_RULES; i++) {
        const struct nat_rule *r = &nat->rules[i];
        if (nat->rule_used[i] && r->proto == proto && r->host_port == port &&
            (r->host_ip == 0 || r->host_ip == nat->wan_addr))
            return (int)i;
    }
    return -1;
}

/* Contract in nat_priv.h. */
bool nat_rule_port(const struct nat *nat, uint8_t proto, uint16_t port)
{
    return rule_port_test(nat, proto, port);
}

/* True if a new mapping of proto may take external port `port`. */
static bool port_usable(struct nat *nat, uint8_t proto, uint16_t port)
{
    if (port == 0 || rule_port_test(nat, proto, port) || nat_map_owner(&nat->maps, proto, port))
        return false;
    return !nat->port_in_use || !nat->port_in_use(nat->port_ctx, proto, port);
}

/* Contract in nat_priv.h. The walk goes up from a random start in steps of two, so
 * that which port a guest gets tells nothing about the others' and the parity of
 * its own is kept (RTP's even data port and odd control port stay so); it covers
 * the whole range, so a port is refused only when every one is taken. */
bool nat_port_choose(struct nat *nat, uint8_t proto, uint16_t preferred, uint16_t *port)
{
    uint32_t lo, n, start;

    if (port_usable(nat, proto, preferred)) {
        *port = preferred;
        return true;
    }
    if (proto == NAT_PROTO_ICMP)
        lo = 1, n = 65535;                      /* identifiers have no ranges */
    else if (preferred != 0 && preferred < 1024)
        lo = 512, n = 512;                      /* NFS and friends want a privileged one */
    else
        lo = 1024, n = 65536 - 1024;
    start = rng_uniform_from(nat->random, nat->random_ctx, n);
    /* Ports of the preferred one's parity first, then the others. */
    for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t want = (preferred & 1u) ^ pass;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t p = lo + (start + i) % n;
            if ((p & 1u) != want)
                continue;
            if (port_usable(nat, proto, (uint16_t)p)) {
                *port = (uint16_t)p;
                return true;
            }
        }
    }
    return false;
}
