/* From configuration to running interfaces. The configuration comes from the boot
 * path's file (vmgate.conf or the -initrd module) and then the command line, so a
 * command line statement overrides the file's. */
#include "appliance.h"
#include "dnsrelay_glue.h"
#include "nicif.h"
#include "switch_glue.h"
#include "bridged_glue.h"
#include "tunnel_glue.h"
#include "alias.h"
#include "nat_glue.h"
#include "fastpath.h"
#include "dhcps_glue.h"
#include "pxe_glue.h"
#include "ndp_glue.h"
#include "../drivers/nic.h"
#include "../net/ip4.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "lwip/dhcp.h"
#include "lwip/netif.h"
#include "lwip/stats.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

static struct vmgate_config cfg;
/* The bridge netif of each NAT Network (cfg.natnet order), once set up. */
static struct netif *natnet_netif[CFG_MAX_NATNETS];

static void report_error(void *ctx, const char *statement, const char *why)
{
    kprintf("config: error in %s: %s: \"%s\" (statement ignored)\n",
            ctx ? (const char *)ctx : "configuration", why, statement);
}

static ip4_addr_t ip4(uint32_t host_order)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(host_order));
    return a;
}

/* Announces address changes, so operators and tests see when the WAN is up. */
static void status_changed(struct netif *nif)
{
    struct nic *n = nicif_nic(nif);
    char name[8];
    snprintf(name, sizeof name, "%c%c", nif->name[0], nif->name[1]);
    char a[16], m[16], g[16];
    ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof a);
    ip4addr_ntoa_r(netif_ip4_netmask(nif), m, sizeof m);
    ip4addr_ntoa_r(netif_ip4_gw(nif), g, sizeof g);
    kprintf("%s: address %s netmask %s gateway %s%s\n", n ? n->name : name, a, m, g,
            dhcp_supplied_address(nif) ? " (dhcp)" : "");
}

/* The WAN's address changed: announce it, and let the DNS relay re-read its
 * upstream servers (a DHCP lease brings them). */
static void wan_status_changed(struct netif *nif)
{
    status_changed(nif);
    nat_glue_wan_changed(nif);
    dnsrelay_glue_wan_changed(nif);
}

static void setup_wan(struct nic *n, const struct cfg_nic *c)
{
    ip4_addr_t addr = ip4(c->dhcp_client ? 0 : c->addr);
    ip4_addr_t mask = ip4(c->dhcp_client ? 0 : ip4_prefix_mask(c->prefix));
    ip4_addr_t gw = ip4(c->dhcp_client ? 0 : c->gw);
    struct netif *nif = nicif_add(n, &addr, &mask, &gw);
    if (!nif) {
        kprintf("%s: cannot add interface\n", n->name);
        return;
    }
    netif_set_status_callback(nif, wan_status_changed);
    netif_set_default(nif);
    nat_glue_set_wan(nif);
    dnsrelay_glue_wan_changed(nif);
    if (c->dhcp_client) {
        kprintf("%s: wan, DHCP client\n", n->name);
        dhcp_start(nif);
    } else {
        status_changed(nif);
    }
}

/* The network's DHCP server, unless the configuration turned it off. */
static void start_dhcp_server(struct nic *n, struct netif *nif, const struct cfg_nic *c)
{
    if (!c->dhcp_server)
        return;
    int rc = dhcps_glue_attach(nif, c, &cfg, (int)n->index);
    if (rc)
        kprintf("%s: DHCP server not started (error %d)\n", n->name, rc);
}

/* The netif of an internal network (NAT or host-only) on a NIC, with vmgate at
 * `self`; service aliases (the DNS relay's .3) answer on it. NULL on failure. */
static struct netif *add_internal_netif(struct nic *n, uint32_t self, uint8_t prefix)
{
    ip4_addr_t addr = ip4(self);
    ip4_addr_t mask = ip4(ip4_prefix_mask(prefix));
    ip4_addr_t gw = ip4(0);
    struct netif *nif = nicif_add(n, &addr, &mask, &gw);
    if (!nif) {
        kprintf("%s: cannot add interface\n", n->name);
        return NULL;
    }
    nif->input = alias_netif_input;
    netif_set_status_callback(nif, status_changed);
    return nif;
}

/* A NAT network: vmgate is .2 of it (VirtualBox's layout). */
static void setup_nat(struct nic *n, const struct cfg_nic *c)
{
    struct netif *nif = add_internal_netif(n, c->addr + 2, c->prefix);
    if (!nif)
        return;
    char a[16];
    kprintf("%s: nat network %s/%u, gateway .2\n", n->name, cfg_ip4_str(c->addr, a), c->prefix);
    nat_glue_add_net(nif, NAT_NET_NAT, c->addr, c->prefix, 0);
    if (dnsrelay_glue_attach(nif, 1) == 0)
        kprintf("%s: dns relay at .3\n", n->name);
    status_changed(nif);
    start_dhcp_server(n, nif, c);
    pxe_glue_attach(nif, c->addr + CFG_NAT_HOST_GW, c, &cfg, (int)n->index);
    ndp_glue_attach(nif, n->name);
}

/* The `switch NAME ...` settings of a network, or NULL. */
static const struct cfg_switch *switch_settings(const char *name)
{
    for (unsigned i = 0; i < cfg.n_switches; i++)
        if (strcmp(cfg.sw[i].name, name) == 0)
            return &cfg.sw[i];
    return NULL;
}

/* Makes the switch of network `name` if any NIC (whose role is `role`) or tunnel
 * names it, with those NICs and tunnels as its ports; *first is the first NIC port
 * (NULL: none), *n_nics and *n_tunnels how many joined. NULL when nothing names the
 * network or the switch cannot be made. */
static struct switch_glue *make_switch(const char *name, enum cfg_nic_role role, const char *kind,
                                       struct nic **first, unsigned *n_nics, unsigned *n_tunnels)
{
    struct switch_glue *g = NULL;
    *first = NULL;
    *n_nics = *n_tunnels = 0;
    for (unsigned i = 0; i < nic_count(); i++) {
        if (cfg.nic[i].role != role || strcmp(cfg.nic[i].net_name, name) != 0)
            continue;
        if (!g && !(g = switch_glue_create(name, kind, switch_settings(name))))
            return NULL;
        if (switch_glue_add_nic(g, nic_get(i), &cfg.nic[i].vlan) == 0) {
            if (!*first)
                *first = nic_get(i);
            ++*n_nics;
        }
    }
    for (unsigned k = 0; k < cfg.n_tunnels; k++) {
        const struct cfg_tunnel *t = &cfg.tunnel[k];
        if (t->role != role || strcmp(t->net_name, name) != 0)
            continue;
        if (!g && !(g = switch_glue_create(name, kind, switch_settings(name))))
            return NULL;
        if (tunnel_glue_attach(t, g) == 0)
            ++*n_tunnels;
    }
    return g;
}

/* A NAT Network's settings as a port NIC's configuration carries them (what
 * config_finalize copies into its NIC ports), for a network whose ports are all
 * tunnels. */
static void natnet_as_nic(const struct cfg_natnet *nn, struct cfg_nic *n)
{
    memset(n, 0, sizeof *n);
    n->role = CFG_NIC_NATNET;
    n->addr = nn->net;
    n->prefix = nn->prefix;
    n->net_explicit = true;
    n->dhcp_server = nn->dhcp_server;
    memcpy(n->net_name, nn->name, sizeof n->net_name);
    n->dhcp = nn->dhcp;
    n->pxe = nn->pxe;
}

/* A NAT Network: every NIC and tunnel that names it becomes a port of one switch
 * (net/switch.h) with vmgate's router as a port of its own at .2, so the guests
 * behind those ports share one subnet. */
static void setup_natnet(const struct cfg_natnet *nn)
{
    struct nic *first;
    unsigned n, nt;
    struct switch_glue *g = make_switch(nn->name, CFG_NIC_NATNET, "natnet", &first, &n, &nt);
    if (!g || (!first && !nt))
        return;                                 /* declared, but nothing joins it */
    ip4_addr_t addr = ip4(nn->net + 2);
    ip4_addr_t mask = ip4(ip4_prefix_mask(nn->prefix));
    /* The router's MAC comes from the first NIC port's, or for a network of tunnels
     * only, from VirtualBox's NAT prefix and the network's place in the list. */
    uint8_t seed[6] = {0x52, 0x54, 0x00, 0x12, 0x35, (uint8_t)(nn - cfg.natnet)};
    struct netif *br = switch_glue_add_router(g, &addr, &mask, first ? first->mac : seed);
    if (!br)
        return;
    natnet_netif[nn - cfg.natnet] = br;
    char a[16];
    kprintf("natnet %s: network %s/%u on %u NICs and %u tunnels, gateway .2\n", nn->name,
            cfg_ip4_str(nn->net, a), nn->prefix, n, nt);
    nat_glue_add_net(br, NAT_NET_NAT, nn->net, nn->prefix, 0);
    if (dnsrelay_glue_attach(br, 1) == 0)
        kprintf("natnet %s: dns relay at .3\n", nn->name);
    status_changed(br);
    /* The first port's configuration stands for the network (config_finalize gave
     * every port the natnetwork's address and DHCP setting). */
    static struct cfg_nic tunnels_only[CFG_MAX_NATNETS];
    const struct cfg_nic *c = first ? &cfg.nic[first->index] : &tunnels_only[nn - cfg.natnet];
    if (!first)
        natnet_as_nic(nn, &tunnels_only[nn - cfg.natnet]);
    int index = first ? (int)first->index : -1;
    if (c->dhcp_server) {
        int rc = dhcps_glue_attach(br, c, &cfg, index);
        if (rc)
            kprintf("natnet %s: DHCP server not started (error %d)\n", nn->name, rc);
    }
    pxe_glue_attach(br, nn->net + CFG_NAT_HOST_GW, c, &cfg, index);
    char label[16];
    snprintf(label, sizeof label, "natnet %s", nn->name);
    ndp_glue_attach(br, label);
}

/* Internal networks: one switch of NIC and tunnel ports per name, no router
 * (VirtualBox's intnet: the guests reach each other and nothing else). */
static void setup_intnet(const char *name)
{
    if (switch_glue_find(name))
        return;
    struct nic *first;
    unsigned n, nt;
    if (make_switch(name, CFG_NIC_INTNET, "intnet", &first, &n, &nt))
        kprintf("intnet %s: %u NICs, %u tunnels\n", name, n, nt);
}

static void setup_intnets(void)
{
    for (unsigned i = 0; i < nic_count(); i++)
        if (cfg.nic[i].role == CFG_NIC_INTNET)
            setup_intnet(cfg.nic[i].net_name);
    for (unsigned k = 0; k < cfg.n_tunnels; k++) {
        if (cfg.tunnel[k].role == CFG_NIC_INTNET)
            setup_intnet(cfg.tunnel[k].net_name);
        else if (cfg.tunnel[k].role == CFG_NIC_UNSET)
            kprintf("tunnel %s: attached to no network (say %s intnet NET or %s natnet NET)\n",
                    cfg.tunnel[k].name, cfg.tunnel[k].name, cfg.tunnel[k].name);
    }
}

/* Bridged NICs: ports of the first WAN NIC's segment (config_finalize made sure
 * there is one). */
static void setup_bridged(void)
{
    struct nic *ports[CFG_MAX_NICS];
    unsigned n = 0;
    int wan = -1;
    for (unsigned i = 0; i < nic_count(); i++) {
        if (cfg.nic[i].role == CFG_NIC_BRIDGED)
            ports[n++] = nic_get(i);
        else if (cfg.nic[i].role == CFG_NIC_WAN && wan < 0)
            wan = (int)i;
    }
    if (n && wan >= 0)
        bridged_glue_setup(nic_get((unsigned)wan), ports, n);
}

/* A host-only network: routed to the WAN without NAT, vmgate at its own address. */
static void setup_hostonly(struct nic *n, const struct cfg_nic *c)
{
    struct netif *nif = add_internal_netif(n, c->addr, c->prefix);
    if (!nif)
        return;
    nat_glue_add_net(nif, NAT_NET_HOSTONLY, c->addr & ip4_prefix_mask(c->prefix), c->prefix, c->addr);
    dnsrelay_glue_attach(nif, 0);
    status_changed(nif);
    start_dhcp_server(n, nif, c);
    pxe_glue_attach(nif, c->addr, c, &cfg, (int)n->index);
    ndp_glue_attach(nif, n->name);
}

/* `nicN mtu N`, before the NIC's netif exists (lwIP takes the MTU from the NIC). */
static void apply_mtu(struct nic *n, const struct cfg_nic *c)
{
    if (!c->mtu || c->mtu == n->mtu)
        return;
    int rc = nic_set_mtu(n, c->mtu);
    if (rc == -EMSGSIZE)
        kprintf("%s: mtu %u refused: %s takes at most %u; keeping %u\n", n->name, c->mtu,
                n->model, n->max_mtu ? n->max_mtu : n->mtu, n->mtu);
    else if (rc)
        kprintf("%s: mtu %u refused (error %d); keeping %u\n", n->name, c->mtu, rc, n->mtu);
    else
        kprintf("%s: mtu %u\n", n->name, n->mtu);
}

static void setup_nic(struct nic *n, const struct cfg_nic *c)
{
    switch (c->role) {
    case CFG_NIC_WAN:
        setup_wan(n, c);
        break;
    case CFG_NIC_NAT:
        setup_nat(n, c);
        break;
    case CFG_NIC_HOSTONLY:
        setup_hostonly(n, c);
        break;
    case CFG_NIC_OFF:
        n->admin_up = false;
        kprintf("%s: off (cable pulled)\n", n->name);
        break;
    case CFG_NIC_NATNET:
    case CFG_NIC_INTNET:
    case CFG_NIC_BRIDGED:
        break;                                  /* set up with its network, below */
    case CFG_NIC_UNSET:
        break;
    }
}

static void print_config(void)
{
    char *buf = malloc(8192);
    if (!buf)
        return;
    config_format(&cfg, nic_count(), buf, 8192);
    kprintf("config:\n");
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        kprintf("  %s\n", line);
    free(buf);
}

/* Port-forwarding rules, once every network they may name exists. */
static void setup_rules(void)
{
    for (unsigned i = 0; i < cfg.n_natpf; i++) {
        const struct cfg_natpf *r = &cfg.natpf[i];
        struct netif *nif = NULL;
        if (r->nic >= 0 && (unsigned)r->nic < nic_count()) {
            nif = nicif_of(nic_get((unsigned)r->nic));
        } else {
            for (unsigned k = 0; k < cfg.n_natnets; k++)
                if (strcmp(cfg.natnet[k].name, r->natnet) == 0)
                    nif = natnet_netif[k];
        }
        if (!nif) {
            kprintf("natpf: rule '%s' names a network that is not up; ignored\n", r->name);
            continue;
        }
        if (nat_glue_add_rule(r, nif) == 0)
            kprintf("natpf: %s %s port %u -> %s\n", r->name, r->proto == 6 ? "tcp" : "udp",
                    r->host_port, r->guest_ip ? "a fixed guest" : "the network's guest");
    }
    nat_glue_set_guest_resolver(dhcps_glue_first_lease, NULL);
}

void appliance_init(const struct boot_info *bi)
{
    lwip_init();
    config_init(&cfg);
    if (bi->config && bi->config_len)
        config_parse(&cfg, bi->config, bi->config_len, report_error,
                     (void *)(bi->boot_path[0] == 'u' ? "vmgate.conf" : "the initrd module"));
    if (bi->cmdline)
        config_parse(&cfg, bi->cmdline, strlen(bi->cmdline), report_error, (void *)"the command line");
    config_finalize(&cfg, nic_count(), report_error, NULL);
    print_config();
    nat_glue_init(&cfg);
    dnsrelay_glue_init(&cfg);
    for (unsigned i = 0; i < nic_count(); i++) {
        apply_mtu(nic_get(i), &cfg.nic[i]);
        setup_nic(nic_get(i), &cfg.nic[i]);
    }
    for (unsigned i = 0; i < cfg.n_natnets; i++)
        setup_natnet(&cfg.natnet[i]);
    setup_intnets();
    setup_bridged();
    setup_rules();
    fastpath_attach_all();
}

int appliance_poll(void)
{
    int work = nic_poll_all(64);
    sys_check_timeouts();
    return work;
}

static void cmd_config(int argc, char **argv)
{
    print_config();
}
SHELL_COMMAND("config", "show the running configuration", cmd_config);

