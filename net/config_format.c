/* Writes a configuration back in its own language: the console shows the running
 * configuration this way, config_finalize() names the statements it drops this way,
 * and the tests check that parsing the text gives the configuration back. Every
 * statement is written in the one spelling the parser accepts for it. Also here:
 * config_equal(), the comparison that round trip is checked with. */
#include "config_priv.h"
#include "nat.h"
#include "switch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* snprintf into a buffer that may already be full: keeps counting, never writes past
 * len, as config_format()'s contract needs. */
struct out {
    char *buf;
    size_t len;
    size_t pos;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *dst = o->pos < o->len ? o->buf + o->pos : NULL;
    size_t room = o->pos < o->len ? o->len - o->pos : 0;

    va_start(ap, fmt);
    n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->pos += (size_t)n;
}

static const char *proto_name(uint8_t proto)
{
    return proto == 6 ? "tcp" : proto == 17 ? "udp" : "?";
}

/* Contract in config_priv.h. A defaulted NAT network is left out: it is not part
 * of the statement, and writing it would make it explicit on the next parse. */
void cfg_format_nic_role(const struct cfg_nic *n, int i, char *buf)
{
    struct out o = { buf, CFG_STMT_MAX, 0 };
    char a[16], b[16];

    out_printf(&o, "nic%d %s", i, cfg_role_name(n->role));
    switch (n->role) {
    case CFG_NIC_WAN:
        if (n->dhcp_client) {
            out_printf(&o, " dhcp");
            break;
        }
        out_printf(&o, " %s/%u gw %s", cfg_ip4_str(n->addr, a), n->prefix, cfg_ip4_str(n->gw, b));
        for (unsigned k = 0; k < n->n_dns && k < CFG_MAX_DNS; k++)
            out_printf(&o, "%s%s", k ? "," : " dns ", cfg_ip4_str(n->dns[k], a));
        break;
    case CFG_NIC_NAT:
    case CFG_NIC_HOSTONLY:
        if (n->net_explicit)
            out_printf(&o, " %s/%u", cfg_ip4_str(n->addr, a), n->prefix);
        if (!n->dhcp_server)
            out_printf(&o, " dhcp off");
        break;
    case CFG_NIC_NATNET:
    case CFG_NIC_INTNET:
        out_printf(&o, " %.*s", CFG_NAME_MAX - 1, n->net_name);
        break;
    case CFG_NIC_OFF:
    case CFG_NIC_BRIDGED:
    case CFG_NIC_UNSET:
        break;
    }
}

void cfg_format_nic_mtu(const struct cfg_nic *n, int i, char *buf)
{
    snprintf(buf, CFG_STMT_MAX, "nic%d mtu %u", i, n->mtu);
}

/* Contract in config_priv.h. The list in its shortest form (ranges merged), which
 * is never longer than the list that was parsed. */
static void format_vlan(const char *port, const struct cfg_vlan *v, char *buf)
{
    struct out o = { buf, CFG_STMT_MAX, 0 };
    char list[CFG_STMT_MAX];

    buf[0] = '\0';
    if (v->mode == CFG_VLAN_ACCESS) {
        out_printf(&o, "%s vlan access %u", port, v->pvid);
    } else if (v->mode == CFG_VLAN_TRUNK) {
        switch_vid_list_format(v->tagged, list, sizeof list);
        out_printf(&o, "%s vlan trunk %s", port, list);
        if (v->pvid)
            out_printf(&o, " native %u", v->pvid);
    }
}

void cfg_format_nic_vlan(const struct cfg_nic *n, int i, char *buf)
{
    char port[16];
    snprintf(port, sizeof port, "nic%d", i);
    format_vlan(port, &n->vlan, buf);
}

void cfg_format_tunnel_vlan(const struct cfg_tunnel *t, char *buf)
{
    char port[CFG_NAME_MAX];
    snprintf(port, sizeof port, "%.*s", CFG_NAME_MAX - 1, t->name);
    format_vlan(port, &t->vlan, buf);
}

void cfg_format_switch(const struct cfg_switch *w, char *buf)
{
    struct out o = { buf, CFG_STMT_MAX, 0 };

    out_printf(&o, "switch %.*s", CFG_NAME_MAX - 1, w->name);
    if (w->aging_s)
        out_printf(&o, " aging %u", (unsigned)w->aging_s);
    if (w->fdb)
        out_printf(&o, " fdb %u", (unsigned)w->fdb);
    if (w->port_fdb)
        out_printf(&o, " port-fdb %u", (unsigned)w->port_fdb);
}

void cfg_format_tunnel(const struct cfg_tunnel *t, char *buf)
{
    char a[16];
    if (t->kind != CFG_TUNNEL_VXLAN) {
        snprintf(buf, CFG_STMT_MAX, "tunnel %.*s udp sport=%u dest=%s dport=%u%s", CFG_NAME_MAX - 1,
                 t->name, t->sport, cfg_ip4_str(t->dest, a), t->dport, t->mss_off ? " mss=off" : "");
        return;
    }
    struct out o = { buf, CFG_STMT_MAX, 0 };
    out_printf(&o, "tunnel %.*s vxlan vni=%u remote=", CFG_NAME_MAX - 1, t->name, (unsigned)t->vni);
    for (unsigned i = 0; i < t->n_remotes && i < CFG_VXLAN_REMOTES; i++)
        out_printf(&o, "%s%s", i ? "," : "", cfg_ip4_str(t->remote[i], a));
    out_printf(&o, " dport=%u sport=%u%s", t->dport, t->sport, t->mss_off ? " mss=off" : "");
}

void cfg_format_tunnel_role(const struct cfg_tunnel *t, char *buf)
{
    buf[0] = '\0';
    if (t->role == CFG_NIC_INTNET || t->role == CFG_NIC_NATNET)
        snprintf(buf, CFG_STMT_MAX, "%.*s %s %.*s", CFG_NAME_MAX - 1, t->name,
                 t->role == CFG_NIC_INTNET ? "intnet" : "natnet", CFG_NAME_MAX - 1, t->net_name);
}

/* Contract in config_priv.h. Always the comma form, which both owners accept. */
void cfg_format_natpf(const struct cfg_natpf *r, char *buf)
{
    struct out o = { buf, CFG_STMT_MAX, 0 };
    char a[16];

    if (r->nic >= 0)
        out_printf(&o, "natpf nic%d ", r->nic);
    else
        out_printf(&o, "natpf %.*s ", CFG_NAME_MAX - 1, r->natnet);
    out_printf(&o, "%.*s,%s,", CFG_NAME_MAX - 1, r->name, proto_name(r->proto));
    if (r->host_ip)
        out_printf(&o, "%s", cfg_ip4_str(r->host_ip, a));
    out_printf(&o, ",%u,", r->host_port);
    if (r->guest_ip)
        out_printf(&o, "%s", cfg_ip4_str(r->guest_ip, a));
    out_printf(&o, ",%u", r->guest_port);
}

void cfg_format_host(const struct cfg_dhcp_host *h, char *buf)
{
    struct out o = { buf, CFG_STMT_MAX, 0 };
    char a[16];

    out_printf(&o, "dhcp nic%d host %02x:%02x:%02x:%02x:%02x:%02x %s", h->nic,
               h->mac[0], h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5],
               cfg_ip4_str(h->ip, a));
    if (h->name[0])
        out_printf(&o, " name %.*s", CFG_NAME_MAX - 1, h->name);
    if (h->boot[0])
        out_printf(&o, " boot %.*s", CFG_FILE_MAX - 1, h->boot);
}

/* Contract in config_priv.h. */
void cfg_format_pxe(const struct cfg_pxe *p, const char *owner,
                    void (*emit)(void *ctx, const char *stmt), void *ctx)
{
    const char *const key[4] = { "bios", "efi", "ipxe", "http" };
    const char *const val[4] = { p->bios, p->efi, p->ipxe, p->http };
    char buf[CFG_STMT_MAX];
    struct out o = { buf, sizeof buf, 0 };

    if (cfg_pxe_default(p))
        return;
    out_printf(&o, "pxe %.*s", CFG_NAME_MAX - 1, owner);
    if (p->off) {
        out_printf(&o, " off");
        emit(ctx, buf);
        return;
    }
    for (int k = 0; k < 4; k++)
        if (val[k][0])
            out_printf(&o, " %s %.*s", key[k], CFG_FILE_MAX - 1, val[k]);
    if (o.pos < sizeof buf) {
        emit(ctx, buf);
        return;
    }
    for (int k = 0; k < 4; k++) {
        if (!val[k][0])
            continue;
        snprintf(buf, sizeof buf, "pxe %.*s %s %.*s", CFG_NAME_MAX - 1, owner, key[k],
                 CFG_FILE_MAX - 1, val[k]);
        emit(ctx, buf);
    }
}

static void emit_line(void *ctx, const char *stmt)
{
    out_printf(ctx, "%s\n", stmt);
}

/* Contract in config_priv.h. */
void cfg_format_dhcp_opts(const struct cfg_dhcp_opts *d, const char *owner, char *buf)
{
    struct out o = { buf, CFG_STMT_MAX, 0 };
    char a[16];

    buf[0] = '\0';
    if (cfg_dhcp_opts_default(d))
        return;
    out_printf(&o, "dhcp %.*s", CFG_NAME_MAX - 1, owner);
    if (d->lease_s)
        out_printf(&o, " lease %lu", (unsigned long)d->lease_s);
    if (d->domain[0])
        out_printf(&o, " domain %.*s", CFG_DOMAIN_MAX - 1, d->domain);
    if (d->pool_first || d->pool_last) {
        out_printf(&o, " pool %s", cfg_ip4_str(d->pool_first, a));
        out_printf(&o, " %s", cfg_ip4_str(d->pool_last, a));
    }
}

/* Contract in config.h. Order: what other statements refer to comes first
 * (natnetworks before the NICs and rules that name them), though the parser does
 * not need it, so that the text reads top-down. */
int config_format(const struct vmgate_config *c, unsigned n_nics, char *buf, size_t len)
{
    struct out o = { buf, len, 0 };
    char line[CFG_STMT_MAX], a[16];

    if (len > 0)
        buf[0] = '\0';
    if (n_nics > CFG_MAX_NICS)
        n_nics = CFG_MAX_NICS;
    if (c->hostname[0])
        out_printf(&o, "hostname %.*s\n", CFG_NAME_MAX - 1, c->hostname);
    if (c->n_dns) {
        out_printf(&o, "dns");
        for (unsigned k = 0; k < c->n_dns && k < CFG_MAX_DNS; k++)
            out_printf(&o, " %s", cfg_ip4_str(c->dns[k], a));
        out_printf(&o, "\n");
    }
    for (int t = 0; t < CFG_NAT_TIMEOUTS; t++)
        if (c->nat_timeout[t])
            out_printf(&o, "nat timeout %s %u\n", nat_timeout_name((enum nat_timeout)t),
                       (unsigned)c->nat_timeout[t]);
    if (c->nat_flows)
        out_printf(&o, "nat flows %u\n", (unsigned)c->nat_flows);
    for (unsigned k = 0; k < c->n_natnets && k < CFG_MAX_NATNETS; k++) {
        const struct cfg_natnet *nn = &c->natnet[k];
        out_printf(&o, "natnetwork %.*s %s/%u%s\n", CFG_NAME_MAX - 1, nn->name,
                   cfg_ip4_str(nn->net, a), nn->prefix, nn->dhcp_server ? "" : " dhcp off");
        cfg_format_dhcp_opts(&nn->dhcp, nn->name, line);
        if (line[0])
            out_printf(&o, "%s\n", line);
        cfg_format_pxe(&nn->pxe, nn->name, emit_line, &o);
    }
    for (unsigned i = 0; i < n_nics; i++) {
        const struct cfg_nic *n = &c->nic[i];
        if (n->role != CFG_NIC_UNSET) {
            cfg_format_nic_role(n, (int)i, line);
            out_printf(&o, "%s", line);
            if (n->role == CFG_NIC_NAT && !n->net_explicit && n->prefix)
                out_printf(&o, "  # %s/%u", cfg_ip4_str(n->addr, a), n->prefix);
            out_printf(&o, "\n");
        }
        if (n->mtu) {
            cfg_format_nic_mtu(n, (int)i, line);
            out_printf(&o, "%s\n", line);
        }
        cfg_format_nic_vlan(n, (int)i, line);
        if (line[0])
            out_printf(&o, "%s\n", line);
        /* A NAT Network port's settings are its network's, written with it. */
        if (n->role != CFG_NIC_NATNET) {
            char owner[16];
            snprintf(owner, sizeof owner, "nic%u", i);
            cfg_format_dhcp_opts(&n->dhcp, owner, line);
            if (line[0])
                out_printf(&o, "%s\n", line);
            cfg_format_pxe(&n->pxe, owner, emit_line, &o);
        }
    }
    for (unsigned k = 0; k < c->n_tunnels && k < CFG_MAX_TUNNELS; k++) {
        cfg_format_tunnel(&c->tunnel[k], line);
        out_printf(&o, "%s\n", line);
        cfg_format_tunnel_role(&c->tunnel[k], line);
        if (line[0])
            out_printf(&o, "%s\n", line);
        cfg_format_tunnel_vlan(&c->tunnel[k], line);
        if (line[0])
            out_printf(&o, "%s\n", line);
    }
    for (unsigned k = 0; k < c->n_switches && k < CFG_MAX_SWITCHES; k++) {
        cfg_format_switch(&c->sw[k], line);
        out_printf(&o, "%s\n", line);
    }
    for (unsigned k = 0; k < c->n_natpf && k < CFG_MAX_NATPF; k++) {
        cfg_format_natpf(&c->natpf[k], line);
        out_printf(&o, "%s\n", line);
    }
    for (unsigned k = 0; k < c->n_hosts && k < CFG_MAX_HOSTS; k++) {
        cfg_format_host(&c->host[k], line);
        out_printf(&o, "%s\n", line);
    }
    return o.pos > (size_t)0x7fffffff ? 0x7fffffff : (int)o.pos;
}

/* --- equality ----------------------------------------------------------------- */

/* Contract in config_priv.h. */
bool cfg_dhcp_opts_default(const struct cfg_dhcp_opts *d)
{
    return !d->lease_s && !d->domain[0] && !d->pool_first && !d->pool_last;
}

/* Contract in config_priv.h. */
bool cfg_dhcp_opts_equal(const struct cfg_dhcp_opts *a, const struct cfg_dhcp_opts *b)
{
    return a->lease_s == b->lease_s && strncmp(a->domain, b->domain, CFG_DOMAIN_MAX) == 0 &&
           a->pool_first == b->pool_first && a->pool_last == b->pool_last;
}

/* Contract in config_priv.h. */
bool cfg_pxe_default(const struct cfg_pxe *p)
{
    return !p->off && !p->bios[0] && !p->efi[0] && !p->ipxe[0] && !p->http[0];
}

/* Contract in config_priv.h. */
bool cfg_pxe_equal(const struct cfg_pxe *a, const struct cfg_pxe *b)
{
    return a->off == b->off && strncmp(a->bios, b->bios, CFG_FILE_MAX) == 0 &&
           strncmp(a->efi, b->efi, CFG_FILE_MAX) == 0 &&
           strncmp(a->ipxe, b->ipxe, CFG_FILE_MAX) == 0 &&
           strncmp(a->http, b->http, CFG_FILE_MAX) == 0;
}

static bool vlan_equal(const struct cfg_vlan *a, const struct cfg_vlan *b)
{
    return a->mode == b->mode && a->pvid == b->pvid &&
           memcmp(a->tagged, b->tagged, sizeof a->tagged) == 0;
}

static bool switch_equal(const struct cfg_switch *a, const struct cfg_switch *b)
{
    return strncmp(a->name, b->name, CFG_NAME_MAX) == 0 && a->aging_s == b->aging_s &&
           a->fdb == b->fdb && a->port_fdb == b->port_fdb;
}

static bool nic_equal(const struct cfg_nic *a, const struct cfg_nic *b)
{
    if (a->role != b->role || a->dhcp_client != b->dhcp_client || a->addr != b->addr ||
        a->prefix != b->prefix || a->gw != b->gw || a->n_dns != b->n_dns ||
        a->net_explicit != b->net_explicit || a->dhcp_server != b->dhcp_server ||
        a->mtu != b->mtu || strncmp(a->net_name, b->net_name, CFG_NAME_MAX) != 0 ||
        !cfg_dhcp_opts_equal(&a->dhcp, &b->dhcp) || !cfg_pxe_equal(&a->pxe, &b->pxe) ||
        !vlan_equal(&a->vlan, &b->vlan))
        return false;
    for (unsigned k = 0; k < a->n_dns && k < CFG_MAX_DNS; k++)
        if (a->dns[k] != b->dns[k])
            return false;
    return true;
}

static bool natpf_equal(const struct cfg_natpf *a, const struct cfg_natpf *b)
{
    return strncmp(a->name, b->name, CFG_NAME_MAX) == 0 && a->proto == b->proto &&
           a->nic == b->nic && strncmp(a->natnet, b->natnet, CFG_NAME_MAX) == 0 &&
           a->host_ip == b->host_ip && a->host_port == b->host_port &&
           a->guest_ip == b->guest_ip && a->guest_port == b->guest_port;
}

static bool host_equal(const struct cfg_dhcp_host *a, const struct cfg_dhcp_host *b)
{
    return a->nic == b->nic && memcmp(a->mac, b->mac, 6) == 0 && a->ip == b->ip &&
           strncmp(a->name, b->name, CFG_NAME_MAX) == 0 &&
           strncmp(a->boot, b->boot, CFG_FILE_MAX) == 0;
}

static bool tunnel_equal(const struct cfg_tunnel *a, const struct cfg_tunnel *b)
{
    if (a->kind != b->kind || a->vni != b->vni || a->n_remotes != b->n_remotes ||
        a->n_remotes > CFG_VXLAN_REMOTES ||
        memcmp(a->remote, b->remote, a->n_remotes * sizeof a->remote[0]) != 0)
        return false;
    return strncmp(a->name, b->name, CFG_NAME_MAX) == 0 && a->sport == b->sport &&
           a->dest == b->dest && a->dport == b->dport && a->role == b->role && a->mss_off == b->mss_off &&
           strncmp(a->net_name, b->net_name, CFG_NAME_MAX) == 0 && vlan_equal(&a->vlan, &b->vlan);
}

static bool natnet_equal(const struct cfg_natnet *a, const struct cfg_natnet *b)
{
    return strncmp(a->name, b->name, CFG_NAME_MAX) == 0 && a->net == b->net &&
           a->prefix == b->prefix && a->dhcp_server == b->dhcp_server &&
           cfg_dhcp_opts_equal(&a->dhcp, &b->dhcp) && cfg_pxe_equal(&a->pxe, &b->pxe);
}

/* Contract in config.h. */
bool config_equal(const struct vmgate_config *a, const struct vmgate_config *b)
{
    if (a->n_natpf != b->n_natpf || a->n_hosts != b->n_hosts ||
        a->n_natnets != b->n_natnets || a->n_dns != b->n_dns ||
        strncmp(a->hostname, b->hostname, CFG_NAME_MAX) != 0 ||
        memcmp(a->nat_timeout, b->nat_timeout, sizeof a->nat_timeout) != 0 ||
        a->nat_flows != b->nat_flows || a->n_switches != b->n_switches ||
        a->n_tunnels != b->n_tunnels)
        return false;
    for (unsigned k = 0; k < a->n_tunnels && k < CFG_MAX_TUNNELS; k++)
        if (!tunnel_equal(&a->tunnel[k], &b->tunnel[k]))
            return false;
    for (unsigned k = 0; k < a->n_switches && k < CFG_MAX_SWITCHES; k++)
        if (!switch_equal(&a->sw[k], &b->sw[k]))
            return false;
    for (unsigned i = 0; i < CFG_MAX_NICS; i++)
        if (!nic_equal(&a->nic[i], &b->nic[i]))
            return false;
    for (unsigned k = 0; k < a->n_natpf && k < CFG_MAX_NATPF; k++)
        if (!natpf_equal(&a->natpf[k], &b->natpf[k]))
            return false;
    for (unsigned k = 0; k < a->n_hosts && k < CFG_MAX_HOSTS; k++)
        if (!host_equal(&a->host[k], &b->host[k]))
            return false;
    for (unsigned k = 0; k < a->n_natnets && k < CFG_MAX_NATNETS; k++)
        if (!natnet_equal(&a->natnet[k], &b->natnet[k]))
            return false;
    for (unsigned k = 0; k < a->n_dns && k < CFG_MAX_DNS; k++)
        if (a->dns[k] != b->dns[k])
            return false;
    return true;
}

/* Contract in config.h. */
void cfg_network_label(const struct cfg_nic *n, int nic_index, char *buf, size_t len)
{
    if (n->role == CFG_NIC_NATNET)
        snprintf(buf, len, "natnet %.*s", CFG_NAME_MAX - 1, n->net_name);
    else
        snprintf(buf, len, "nic%d", nic_index);
}
