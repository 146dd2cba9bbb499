/* config_finalize(): the checks that need the whole configuration and the machine's
 * NIC count, then the defaults. The steps and their order are the contract in
 * config.h; the order matters because a statement dropped by an early step makes
 * its NIC fall back to a default that the later steps then number. */
#include "config_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The report channel: builds the canonical statement text and a reason. */
struct report {
    cfg_error_fn err;
    void *ctx;
};

static void report(const struct report *r, const char *stmt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(const struct report *r, const char *stmt, const char *fmt, ...)
{
    char why[CFG_WHY_MAX];
    va_list ap;

    if (!r->err)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    r->err(r->ctx, stmt, why);
}

/* Forgets a NIC's role statement; its MTU, DHCP and PXE settings stay, as
 * `nicN mtu`, `dhcp nicN ...` and `pxe nicN ...` are statements of their own. */
static void nic_drop_role(struct cfg_nic *n)
{
    uint16_t mtu = n->mtu;
    struct cfg_vlan vlan = n->vlan;
    struct cfg_dhcp_opts dhcp = n->dhcp;
    struct cfg_pxe pxe = n->pxe;
    memset(n, 0, sizeof *n);
    n->mtu = mtu;
    n->vlan = vlan;
    n->dhcp = dhcp;
    n->pxe = pxe;
}

struct pxe_report {
    const struct report *r;
    const char *why;
};

static void report_pxe_stmt(void *ctx, const char *stmt)
{
    const struct pxe_report *pr = ctx;
    report(pr->r, stmt, "%s", pr->why);
}

/* Reports the `pxe OWNER ...` statements of p (none when it is the default) with
 * one reason, and forgets them. */
static void drop_pxe(const struct report *r, struct cfg_pxe *p, const char *owner, const char *why)
{
    struct pxe_report pr = { r, why };
    cfg_format_pxe(p, owner, report_pxe_stmt, &pr);
    memset(p, 0, sizeof *p);
}

static void report_dhcp_opts(const struct report *r, const struct cfg_dhcp_opts *d,
                             const char *owner, const char *why)
{
    char line[CFG_STMT_MAX];

    cfg_format_dhcp_opts(d, owner, line);
    if (line[0])
        report(r, line, "%s", why);
}

/* A DHCP pool must lie inside its network, without the network and broadcast
 * addresses (the server itself skips vmgate's own addresses in it). */
static bool pool_ok(const struct cfg_dhcp_opts *d, uint32_t net, uint8_t prefix, char *why,
                    size_t len)
{
    uint32_t bcast = net | ~ip4_prefix_mask(prefix);
    char a[16];

    if (!d->pool_first && !d->pool_last)
        return true;
    if (!cfg_in_net(d->pool_first, net, prefix) || !cfg_in_net(d->pool_last, net, prefix)) {
        snprintf(why, len, "pool is not inside %s/%u", cfg_ip4_str(net, a), prefix);
        return false;
    }
    if (d->pool_first == net || d->pool_last == bcast) {
        snprintf(why, len, "pool holds the network or broadcast address of %s/%u",
                 cfg_ip4_str(net, a), prefix);
        return false;
    }
    return true;
}

/* Drops a pool that does not fit its network (reported as `dhcp OWNER pool A B`),
 * keeping the other settings. */
static void check_pool(struct cfg_dhcp_opts *d, const char *owner, uint32_t net, uint8_t prefix,
                       const struct report *r)
{
    struct cfg_dhcp_opts pool = { 0 };
    char why[CFG_WHY_MAX];

    if (pool_ok(d, net, prefix, why, sizeof why))
        return;
    pool.pool_first = d->pool_first;
    pool.pool_last = d->pool_last;
    report_dhcp_opts(r, &pool, owner, why);
    d->pool_first = d->pool_last = 0;
}

static const struct cfg_natnet *natnet_lookup(const struct vmgate_config *c, const char *name)
{
    for (unsigned i = 0; i < c->n_natnets; i++)
        if (strncmp(c->natnet[i].name, name, CFG_NAME_MAX) == 0)
            return &c->natnet[i];
    return NULL;
}

static void describe_present(char *buf, size_t len, unsigned n_nics)
{
    if (n_nics == 0)
        snprintf(buf, len, "no NICs found");
    else
        snprintf(buf, len, "found nic0..nic%u", n_nics - 1);
}

/* Step 1: settings for NICs the machine does not have. */
static void drop_absent_nics(struct vmgate_config *c, unsigned n_nics, const struct report *r)
{
    char line[CFG_STMT_MAX], present[32];

    describe_present(present, sizeof present, n_nics);
    for (unsigned i = n_nics; i < CFG_MAX_NICS; i++) {
        struct cfg_nic *n = &c->nic[i];
        if (n->role != CFG_NIC_UNSET) {
            cfg_format_nic_role(n, (int)i, line);
            report(r, line, "nic%u: no such NIC (%s)", i, present);
        }
        if (n->mtu) {
            cfg_format_nic_mtu(n, (int)i, line);
            report(r, line, "nic%u: no such NIC (%s)", i, present);
        }
        cfg_format_nic_vlan(n, (int)i, line);
        if (line[0])
            report(r, line, "nic%u: no such NIC (%s)", i, present);
        if (!cfg_dhcp_opts_default(&n->dhcp)) {
            char owner[16], why[CFG_WHY_MAX];
            snprintf(owner, sizeof owner, "nic%u", i);
            snprintf(why, sizeof why, "nic%u: no such NIC (%s)", i, present);
            report_dhcp_opts(r, &n->dhcp, owner, why);
            drop_pxe(r, &n->pxe, owner, why);
        } else if (!cfg_pxe_default(&n->pxe)) {
            char owner[16], why[CFG_WHY_MAX];
            snprintf(owner, sizeof owner, "nic%u", i);
            snprintf(why, sizeof why, "nic%u: no such NIC (%s)", i, present);
            drop_pxe(r, &n->pxe, owner, why);
        }
        memset(n, 0, sizeof *n);
    }
}

/* Step 2: NAT Network ports must name a declared natnetwork. The ones that do get
 * the network copied in, so the kernel reads every NIC's network the same way. */
static void resolve_natnet_ports(struct vmgate_config *c, unsigned n_nics, const struct report *r)
{
    char line[CFG_STMT_MAX];

    for (unsigned i = 0; i < n_nics; i++) {
        struct cfg_nic *n = &c->nic[i];
        const struct cfg_natnet *nn;
        if (n->role != CFG_NIC_NATNET)
            continue;
        nn = natnet_lookup(c, n->net_name);
        if (!nn) {
            cfg_format_nic_role(n, (int)i, line);
            report(r, line, "no natnetwork '%.*s'", CFG_NAME_MAX - 1, n->net_name);
            nic_drop_role(n);
            continue;
        }
        if (!cfg_dhcp_opts_default(&n->dhcp) && !cfg_dhcp_opts_equal(&n->dhcp, &nn->dhcp)) {
            char owner[16], why[CFG_WHY_MAX];
            snprintf(owner, sizeof owner, "nic%u", i);
            snprintf(why, sizeof why, "nic%u is a port of NAT Network %.*s: say dhcp %.*s ...", i,
                     CFG_NAME_MAX - 1, nn->name, CFG_NAME_MAX - 1, nn->name);
            report_dhcp_opts(r, &n->dhcp, owner, why);
        }
        if (!cfg_pxe_default(&n->pxe) && !cfg_pxe_equal(&n->pxe, &nn->pxe)) {
            char owner[16], why[CFG_WHY_MAX];
            snprintf(owner, sizeof owner, "nic%u", i);
            snprintf(why, sizeof why, "nic%u is a port of NAT Network %.*s: say pxe %.*s ...", i,
                     CFG_NAME_MAX - 1, nn->name, CFG_NAME_MAX - 1, nn->name);
            drop_pxe(r, &n->pxe, owner, why);
        }
        n->addr = nn->net;
        n->prefix = nn->prefix;
        n->dhcp_server = nn->dhcp_server;
        n->dhcp = nn->dhcp;
        n->pxe = nn->pxe;
    }
}

/* The IPv4 network a NIC is on, as far as the configuration knows it (a DHCP WAN's
 * and a defaulted NAT's are not known yet). */
static bool nic_network(const struct cfg_nic *n, uint32_t *net, uint8_t *prefix)
{
    switch (n->role) {
    case CFG_NIC_WAN:
        if (n->dhcp_client)
            return false;
        break;
    case CFG_NIC_NAT:
        if (!n->net_explicit && n->prefix == 0)
            return false;
        break;
    case CFG_NIC_HOSTONLY:
    case CFG_NIC_NATNET:
        break;
    default:
        return false;
    }
    *prefix = n->prefix;
    *net = n->addr & ip4_prefix_mask(n->prefix);
    return true;
}

/* Step 3: explicit networks must not overlap, since vmgate could not route between
 * them. The first NIC (in NIC order) keeps its network; ports of one natnetwork
 * share theirs, which is not an overlap. */
static void drop_overlaps(struct vmgate_config *c, unsigned n_nics, const struct report *r)
{
    char line[CFG_STMT_MAX], a[16];

    for (unsigned i = 0; i < n_nics; i++) {
        struct cfg_nic *n = &c->nic[i];
        uint32_t net, onet;
        uint8_t prefix, oprefix;
        if (!n->net_explicit && n->role == CFG_NIC_NAT)
            continue;
        if (!nic_network(n, &net, &prefix))
            continue;
        for (unsigned j = 0; j < i; j++) {
            const struct cfg_nic *o = &c->nic[j];
            if (!(o->net_explicit || o->role != CFG_NIC_NAT) || !nic_network(o, &onet, &oprefix))
                continue;
            if (n->role == CFG_NIC_NATNET && o->role == CFG_NIC_NATNET &&
                strncmp(n->net_name, o->net_name, CFG_NAME_MAX) == 0)
                continue;
            if (!cfg_nets_overlap(net, prefix, onet, oprefix))
                continue;
            cfg_format_nic_role(n, (int)i, line);
            report(r, line, "overlaps nic%u's network %s/%u", j, cfg_ip4_str(onet, a), oprefix);
            nic_drop_role(n);
            break;
        }
    }
}

/* Step 4: VirtualBox's defaults. */
static void apply_defaults(struct vmgate_config *c, unsigned n_nics)
{
    for (unsigned i = 0; i < n_nics; i++) {
        struct cfg_nic *n = &c->nic[i];
        if (n->role != CFG_NIC_UNSET)
            continue;
        if (i == 0) {
            n->role = CFG_NIC_WAN;
            n->dhcp_client = true;
        } else {
            n->role = CFG_NIC_NAT;
            n->dhcp_server = true;
        }
    }
}

/* Step 4b: a bridged port joins the segment of the first WAN NIC (once defaults
 * are applied, nic0 is one unless said otherwise); without a WAN it has nothing to
 * join. */
static void check_bridged(struct vmgate_config *c, unsigned n_nics, const struct report *r)
{
    char line[CFG_STMT_MAX];
    bool wan = false;

    for (unsigned i = 0; i < n_nics; i++)
        wan |= c->nic[i].role == CFG_NIC_WAN;
    for (unsigned i = 0; i < n_nics && !wan; i++) {
        struct cfg_nic *n = &c->nic[i];
        if (n->role != CFG_NIC_BRIDGED)
            continue;
        cfg_format_nic_role(n, (int)i, line);
        report(r, line, "nic%u: no WAN NIC to bridge to (say nicM wan ...)", i);
        nic_drop_role(n);
        n->role = CFG_NIC_OFF;
    }
}

/* True if net/prefix overlaps a NIC network known so far (explicit ones, and the
 * defaulted NAT networks already numbered) or a declared natnetwork. */
static bool network_taken(const struct vmgate_config *c, unsigned n_nics, uint32_t net,
                          uint8_t prefix)
{
    for (unsigned i = 0; i < n_nics; i++) {
        const struct cfg_nic *n = &c->nic[i];
        uint32_t onet;
        uint8_t oprefix;
        if (nic_network(n, &onet, &oprefix) && cfg_nets_overlap(net, prefix, onet, oprefix))
            return true;
    }
    for (unsigned k = 0; k < c->n_natnets; k++)
        if (cfg_nets_overlap(net, prefix, c->natnet[k].net, c->natnet[k].prefix))
            return true;
    return false;
}

/* Step 5: numbers the defaulted NAT networks 10.0.2.0/24, 10.0.3.0/24, ... in NIC
 * order, skipping subnets already in use. Numbering always starts afresh, so a
 * second finalize gives the same answer. */
static void number_default_nats(struct vmgate_config *c, unsigned n_nics, const struct report *r)
{
    unsigned k = 2;

    for (unsigned i = 0; i < n_nics; i++) {
        struct cfg_nic *n = &c->nic[i];
        if (n->role == CFG_NIC_NAT && !n->net_explicit) {
            n->addr = 0;
            n->prefix = 0;
        }
    }
    for (unsigned i = 0; i < n_nics; i++) {
        struct cfg_nic *n = &c->nic[i];
        if (n->role != CFG_NIC_NAT || n->net_explicit)
            continue;
        while (k <= 255 && network_taken(c, n_nics, 0x0a000000u | k << 8, 24))
            k++;
        if (k > 255) {
            char line[CFG_STMT_MAX];
            cfg_format_nic_role(n, (int)i, line);
            report(r, line, "no free 10.0.x.0/24 for a default NAT network: nic%u is off", i);
            nic_drop_role(n);
            n->role = CFG_NIC_OFF;
            continue;
        }
        n->addr = 0x0a000000u | k << 8;
        n->prefix = 24;
        k++;
    }
}

/* Whether ip is one of vmgate's own addresses on the network of n (on a NAT
 * network or NAT Network NET+2, NET+3 and NET+4, config.h; on a host-only network
 * its address), where `where` names the network; if so, writes why. */
static bool vmgates_addr(const struct cfg_nic *n, const char *where, uint32_t ip, char *why,
                         size_t len)
{
    char a[16];
    uint32_t host = ip & ~ip4_prefix_mask(n->prefix);
    bool nat = n->role == CFG_NIC_NAT || n->role == CFG_NIC_NATNET;

    if (nat && host == CFG_NAT_HOST_TFTP) {
        snprintf(why, len, "%s is vmgate's TFTP server on %s (NET+4, as in VirtualBox's NAT)",
                 cfg_ip4_str(ip, a), where);
        return true;
    }
    if ((nat && (host == CFG_NAT_HOST_GW || host == CFG_NAT_HOST_DNS)) ||
        (n->role == CFG_NIC_HOSTONLY && ip == n->addr)) {
        snprintf(why, len, "%s is vmgate's own address on %s", cfg_ip4_str(ip, a), where);
        return true;
    }
    return false;
}

/* Where a rule or reservation on NIC i may point: the NIC's network, minus its
 * network and broadcast addresses and vmgate's own addresses there. Writes the
 * reason into why and returns false if ip is not such an address. */
static bool guest_addr_ok(const struct cfg_nic *n, unsigned i, uint32_t ip, char *why, size_t len)
{
    char a[16], b[16], where[16];
    uint32_t host = ip & ~ip4_prefix_mask(n->prefix);
    uint32_t net = n->addr & ip4_prefix_mask(n->prefix);

    if (!cfg_in_net(ip, net, n->prefix)) {
        snprintf(why, len, "%s is not in nic%u's network %s/%u", cfg_ip4_str(ip, a), i,
                 cfg_ip4_str(net, b), n->prefix);
        return false;
    }
    if (host == 0 || host == ~ip4_prefix_mask(n->prefix)) {
        snprintf(why, len, "%s is the network or broadcast address of nic%u's network",
                 cfg_ip4_str(ip, a), i);
        return false;
    }
    snprintf(where, sizeof where, "nic%u", i);
    return !vmgates_addr(n, where, ip, why, len);
}

/* Checks one natpf rule against the finished NICs; fills why if it must go. */
static bool natpf_ok(const struct vmgate_config *c, unsigned n_nics, const struct cfg_natpf *p,
                     char *why, size_t len)
{
    char present[32];

    if (p->nic < 0) {
        const struct cfg_natnet *nn = natnet_lookup(c, p->natnet);
        struct cfg_nic as_nic;
        if (!nn) {
            snprintf(why, len, "no natnetwork '%.*s'", CFG_NAME_MAX - 1, p->natnet);
            return false;
        }
        /* A natnetwork's guest lies in its network, off vmgate's own addresses
         * there (a NAT network's: the kernel puts the NAT Network's gateway, DNS
         * relay and TFTP server at the same places). */
        memset(&as_nic, 0, sizeof as_nic);
        as_nic.role = CFG_NIC_NATNET;
        as_nic.addr = nn->net;
        as_nic.prefix = nn->prefix;
        if (!guest_addr_ok(&as_nic, 0, p->guest_ip, why, len)) {
            char a[16], b[16], where[CFG_NAME_MAX + 16];
            snprintf(where, sizeof where, "natnetwork %.*s", CFG_NAME_MAX - 1, p->natnet);
            if (vmgates_addr(&as_nic, where, p->guest_ip, why, len))
                return false;
            snprintf(why, len, "guest IP %s is not a guest address of natnetwork %.*s (%s/%u)",
                     cfg_ip4_str(p->guest_ip, a), CFG_NAME_MAX - 1, p->natnet,
                     cfg_ip4_str(nn->net, b), nn->prefix);
            return false;
        }
        return true;
    }
    if ((unsigned)p->nic >= n_nics) {
        describe_present(present, sizeof present, n_nics);
        snprintf(why, len, "nic%d: no such NIC (%s)", p->nic, present);
        return false;
    }
    if (c->nic[p->nic].role != CFG_NIC_NAT && c->nic[p->nic].role != CFG_NIC_NATNET) {
        snprintf(why, len, "nic%d is not a NAT network", p->nic);
        return false;
    }
    return p->guest_ip == 0 || guest_addr_ok(&c->nic[p->nic], (unsigned)p->nic, p->guest_ip, why, len);
}

/* Checks one DHCP reservation against the finished NICs; fills why if it must go. */
static bool host_ok(const struct vmgate_config *c, unsigned n_nics, const struct cfg_dhcp_host *h,
                    char *why, size_t len)
{
    char present[32];
    enum cfg_nic_role role;

    if (h->nic < 0 || (unsigned)h->nic >= n_nics) {
        describe_present(present, sizeof present, n_nics);
        snprintf(why, len, "nic%d: no such NIC (%s)", h->nic, present);
        return false;
    }
    role = c->nic[h->nic].role;
    if (role != CFG_NIC_NAT && role != CFG_NIC_NATNET && role != CFG_NIC_HOSTONLY) {
        snprintf(why, len, "nic%d has no DHCP server (it is %s)", h->nic, cfg_role_name(role));
        return false;
    }
    return guest_addr_ok(&c->nic[h->nic], (unsigned)h->nic, h->ip, why, len);
}

/* Step 6: rules and reservations, kept in order; dropped slots are zeroed so that
 * a finalized configuration holds no stale entries. */
static void drop_bad_refs(struct vmgate_config *c, unsigned n_nics, const struct report *r)
{
    char line[CFG_STMT_MAX], why[CFG_WHY_MAX];
    unsigned kept = 0;

    for (unsigned k = 0; k < c->n_natpf; k++) {
        if (natpf_ok(c, n_nics, &c->natpf[k], why, sizeof why)) {
            c->natpf[kept++] = c->natpf[k];
            continue;
        }
        cfg_format_natpf(&c->natpf[k], line);
        report(r, line, "%s", why);
    }
    memset(&c->natpf[kept], 0, (c->n_natpf - kept) * sizeof c->natpf[0]);
    c->n_natpf = kept;

    kept = 0;
    for (unsigned k = 0; k < c->n_hosts; k++) {
        if (host_ok(c, n_nics, &c->host[k], why, sizeof why)) {
            c->host[kept++] = c->host[k];
            continue;
        }
        cfg_format_host(&c->host[k], line);
        report(r, line, "%s", why);
    }
    memset(&c->host[kept], 0, (c->n_hosts - kept) * sizeof c->host[0]);
    c->n_hosts = kept;
}

/* Step 2 (first half): a natnetwork's DHCP settings, before its ports copy them. */
static void check_natnet_dhcp(struct vmgate_config *c, const struct report *r)
{
    for (unsigned k = 0; k < c->n_natnets; k++) {
        struct cfg_natnet *nn = &c->natnet[k];
        if (!nn->dhcp_server)
            drop_pxe(r, &nn->pxe, nn->name, "the natnetwork serves no DHCP (dhcp off)");
        if (cfg_dhcp_opts_default(&nn->dhcp))
            continue;
        if (!nn->dhcp_server) {
            report_dhcp_opts(r, &nn->dhcp, nn->name, "the natnetwork serves no DHCP (dhcp off)");
            memset(&nn->dhcp, 0, sizeof nn->dhcp);
            continue;
        }
        check_pool(&nn->dhcp, nn->name, nn->net, nn->prefix, r);
    }
}

/* Step 7: DHCP and PXE settings of NICs, now that each NIC's role and network are
 * final. */
static void check_nic_dhcp(struct vmgate_config *c, unsigned n_nics, const struct report *r)
{
    for (unsigned i = 0; i < n_nics; i++) {
        struct cfg_nic *n = &c->nic[i];
        char owner[16], why[CFG_WHY_MAX];
        uint32_t net;
        uint8_t prefix;
        if ((cfg_dhcp_opts_default(&n->dhcp) && cfg_pxe_default(&n->pxe)) ||
            n->role == CFG_NIC_NATNET)
            continue;
        snprintf(owner, sizeof owner, "nic%u", i);
        if ((n->role != CFG_NIC_NAT && n->role != CFG_NIC_HOSTONLY) || !n->dhcp_server) {
            snprintf(why, sizeof why, "nic%u serves no DHCP (%s%s)", i, cfg_role_name(n->role),
                     n->role == CFG_NIC_NAT || n->role == CFG_NIC_HOSTONLY ? " dhcp off" : "");
            report_dhcp_opts(r, &n->dhcp, owner, why);
            memset(&n->dhcp, 0, sizeof n->dhcp);
            drop_pxe(r, &n->pxe, owner, why);
            continue;
        }
        if (nic_network(n, &net, &prefix))
            check_pool(&n->dhcp, owner, net & ip4_prefix_mask(prefix), prefix, r);
    }
}

/* Step 8: VLANs belong to switch ports; a tunnel's natnet must exist; switch
 * settings belong to a network that has a switch (an internal network with a NIC
 * or tunnel port, or a natnetwork). */
static void check_switches(struct vmgate_config *c, unsigned n_nics, const struct report *r)
{
    char line[CFG_STMT_MAX];
    unsigned kept = 0;

    for (unsigned i = 0; i < n_nics; i++) {
        struct cfg_nic *n = &c->nic[i];
        if (n->vlan.mode == CFG_VLAN_DEFAULT || n->role == CFG_NIC_INTNET || n->role == CFG_NIC_NATNET)
            continue;
        cfg_format_nic_vlan(n, (int)i, line);
        report(r, line, "nic%u is not a switch port (it is %s; VLANs are for intnet and natnet)", i,
               cfg_role_name(n->role));
        memset(&n->vlan, 0, sizeof n->vlan);
    }
    for (unsigned k = 0; k < c->n_tunnels; k++) {
        struct cfg_tunnel *t = &c->tunnel[k];
        if (t->role == CFG_NIC_NATNET && !natnet_lookup(c, t->net_name)) {
            cfg_format_tunnel_role(t, line);
            report(r, line, "no natnetwork '%.*s'", CFG_NAME_MAX - 1, t->net_name);
            t->role = CFG_NIC_UNSET;
            memset(t->net_name, 0, sizeof t->net_name);
        }
        if (t->role == CFG_NIC_UNSET && t->vlan.mode != CFG_VLAN_DEFAULT) {
            cfg_format_tunnel_vlan(t, line);
            report(r, line, "tunnel %.*s is attached to no network", CFG_NAME_MAX - 1, t->name);
            memset(&t->vlan, 0, sizeof t->vlan);
        }
    }
    for (unsigned k = 0; k < c->n_switches; k++) {
        const struct cfg_switch *w = &c->sw[k];
        bool found = natnet_lookup(c, w->name) != NULL;
        for (unsigned i = 0; i < c->n_tunnels && !found; i++)
            found = c->tunnel[i].role == CFG_NIC_INTNET &&
                    strncmp(c->tunnel[i].net_name, w->name, CFG_NAME_MAX) == 0;
        for (unsigned i = 0; i < n_nics && !found; i++)
            found = c->nic[i].role == CFG_NIC_INTNET &&
                    strncmp(c->nic[i].net_name, w->name, CFG_NAME_MAX) == 0;
        if (found) {
            c->sw[kept++] = *w;
            continue;
        }
        cfg_format_switch(w, line);
        report(r, line, "no internal network or natnetwork '%.*s'", CFG_NAME_MAX - 1, w->name);
    }
    memset(&c->sw[kept], 0, (c->n_switches - kept) * sizeof c->sw[0]);
    c->n_switches = kept;
}

/* Contract in config.h. */
void config_finalize(struct vmgate_config *c, unsigned n_nics, cfg_error_fn err, void *ctx)
{
    struct report r = { err, ctx };

    if (n_nics > CFG_MAX_NICS)
        n_nics = CFG_MAX_NICS;
    drop_absent_nics(c, n_nics, &r);
    check_natnet_dhcp(c, &r);
    resolve_natnet_ports(c, n_nics, &r);
    drop_overlaps(c, n_nics, &r);
    apply_defaults(c, n_nics);
    check_bridged(c, n_nics, &r);
    number_default_nats(c, n_nics, &r);
    drop_bad_refs(c, n_nics, &r);
    check_nic_dhcp(c, n_nics, &r);
    check_switches(c, n_nics, &r);
}
