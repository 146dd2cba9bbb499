/* A guest network's boot services: contract in pxe_glue.h. */
#include "pxe_glue.h"
#include "alias.h"
#include "bootfiles.h"
#include "dhcps_glue.h"
#include "http_glue.h"
#include "tftp_glue.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"
#include "../net/ip4.h"
#include "../net/pxe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct boot_net {
    struct netif *nif;
    int nic_index;
    char label[CFG_LABEL_MAX];          /* "nicN" or "natnet NAME", for the console */
    bool has_policy;                    /* installed in the DHCP server */
    struct pxe_policy pol;
};

/* One per NIC at most (a NAT Network is one, however many ports), allocated at
 * attach: a policy holds its hosts' names and files (13 KiB), and a machine with
 * few networks should not pay for eight in .bss. */
static struct boot_net *nets[CFG_MAX_NICS];
static unsigned n_nets;

_Static_assert(PXE_NAME_MAX == CFG_FILE_MAX, "the policy holds what the configuration names");
_Static_assert(DHCPS_NAME_MAX >= CFG_NAME_MAX, "host names fit");

/* The policy's question, asked of the root the servers serve. */
static bool root_has(void *ctx, const char *path)
{
    const struct fileroot *r = ctx;
    uint64_t size;
    int h = r->ops->open(r->ctx, path, &size);
    if (h < 0)
        return false;
    r->ops->close(r->ctx, h);
    return true;
}

static ip4_addr_t ip4n(uint32_t host_order)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(host_order));
    return a;
}

/* Whether reservation h belongs to the network of NIC nic_index (as dhcps_glue.c
 * gives its reservations: a NAT Network's are those of any of its ports). */
static bool host_here(const struct vmgate_config *cfg, const struct cfg_dhcp_host *h,
                      const struct cfg_nic *n, int nic_index)
{
    if (h->nic == nic_index)
        return true;
    return n->role == CFG_NIC_NATNET && h->nic >= 0 && h->nic < CFG_MAX_NICS &&
           cfg->nic[h->nic].role == CFG_NIC_NATNET &&
           strcmp(cfg->nic[h->nic].net_name, n->net_name) == 0;
}

static void fill_policy(struct pxe_policy *p, uint32_t self, const struct cfg_nic *n,
                        const struct vmgate_config *cfg, int nic_index, const struct fileroot *root)
{
    memset(p, 0, sizeof *p);
    p->off = n->pxe.off;
    memcpy(p->bios, n->pxe.bios, sizeof p->bios);
    memcpy(p->efi, n->pxe.efi, sizeof p->efi);
    memcpy(p->ipxe, n->pxe.ipxe, sizeof p->ipxe);
    memcpy(p->http, n->pxe.http, sizeof p->http);
    p->server_ip = self;
    if (root) {
        p->exists = root_has;
        p->exists_ctx = (void *)root;
    }
    for (unsigned i = 0; i < cfg->n_hosts && p->n_hosts < PXE_MAX_HOSTS; i++) {
        const struct cfg_dhcp_host *h = &cfg->host[i];
        if (!host_here(cfg, h, n, nic_index) || (!h->name[0] && !h->boot[0]))
            continue;
        struct pxe_host *o = &p->hosts[p->n_hosts++];
        memcpy(o->mac, h->mac, 6);
        memcpy(o->name, h->name, sizeof h->name);
        memcpy(o->boot, h->boot, sizeof h->boot);
    }
}

int pxe_glue_attach(struct netif *nif, uint32_t self, const struct cfg_nic *nic_cfg,
                    const struct vmgate_config *cfg, int nic_index)
{
    const struct fileroot *root = bootfiles_root();
    bool nat = nic_cfg->role == CFG_NIC_NAT || nic_cfg->role == CFG_NIC_NATNET;
    uint32_t net = nic_cfg->addr & ip4_prefix_mask(nic_cfg->prefix);
    int rc = 0;

    if (n_nets == CFG_MAX_NICS)
        return -ENOSPC;
    char label[CFG_LABEL_MAX];
    cfg_network_label(nic_cfg, nic_index, label, sizeof label);
    struct boot_net *b = calloc(1, sizeof *b);
    if (!b) {
        kprintf("%s: no memory for the PXE policy; boot services not started\n", label);
        return -ENOMEM;
    }
    nets[n_nets++] = b;
    b->nif = nif;
    b->nic_index = nic_index;
    memcpy(b->label, label, sizeof b->label);
    fill_policy(&b->pol, self, nic_cfg, cfg, nic_index, root);

    struct dhcps *srv = dhcps_glue_server(nif->num);
    if (srv && !b->pol.off) {
        dhcps_set_boot_hook(srv, pxe_boot_hook, &b->pol);
        b->has_policy = true;
        kprintf("%s: PXE in the DHCP server, %u host(s) with a name or boot file\n", label,
                b->pol.n_hosts);
    } else {
        kprintf("%s: no PXE (%s)\n", label, b->pol.off ? "pxe off" : "no DHCP server");
    }
    if (!root) {
        kprintf("%s: no boot files: TFTP and HTTP not served%s\n", label,
                b->has_policy ? " (PXE offers only the files the configuration names)" : "");
        return 0;
    }

    ip4_addr_t addrs[2] = { ip4n(self), ip4n(net + CFG_NAT_HOST_TFTP) };
    unsigned n_addrs = 1;
    if (nat) {
        int e = alias_add_udp_range(nif, &addrs[1], 69, TFTP_GLUE_PORT_MIN, 65535, 0);
        if (e == 0)
            n_addrs = 2;
        else
            kprintf("%s: no TFTP at .4 (alias error %d)\n", label, e);
    }
    int e = tftp_glue_attach(nif, addrs, n_addrs, root, 0);
    if (e) {
        kprintf("%s: TFTP not started (error %d)\n", label, e);
        rc = e;
    }
    e = http_glue_attach(nif, addrs, 1, root);
    if (e) {
        kprintf("%s: HTTP not started (error %d)\n", label, e);
        rc = rc ? rc : e;
    } else {
        char a[16];
        kprintf("http: %c%c%u serves %s at %s port %u\n", nif->name[0], nif->name[1], nif->num,
                root->name ? root->name : "a file root", cfg_ip4_str(self, a), HTTP_GLUE_PORT);
    }
    return rc;
}

/* --- the console ------------------------------------------------------------------ */

static const char *setting(const char *set, const char *dflt, char *buf, size_t cap)
{
    if (set[0])
        return set;
    snprintf(buf, cap, "(%s if present)", dflt);
    return buf;
}

static void print_net(const struct boot_net *b)
{
    const struct pxe_policy *p = &b->pol;
    char s[16], d[48];
    kprintf("%s %c%c%u: server %s%s\n", b->label, b->nif->name[0], b->nif->name[1],
            b->nif->num, cfg_ip4_str(p->server_ip, s),
            b->pol.off ? " (pxe off)" : b->has_policy ? "" : " (no DHCP server: the policy is not in use)");
    kprintf("  bios %s\n", setting(p->bios, PXE_DEFAULT_BIOS, d, sizeof d));
    kprintf("  efi  %s\n", setting(p->efi, PXE_DEFAULT_EFI, d, sizeof d));
    kprintf("  ipxe %s\n", setting(p->ipxe, PXE_DEFAULT_IPXE, d, sizeof d));
    kprintf("  http %s\n", p->http[0] ? p->http : "(the efi file)");
    for (unsigned i = 0; i < p->n_hosts; i++) {
        const struct pxe_host *h = &p->hosts[i];
        kprintf("  host %02x:%02x:%02x:%02x:%02x:%02x%s%s%s%s\n", h->mac[0], h->mac[1], h->mac[2],
                h->mac[3], h->mac[4], h->mac[5], h->name[0] ? " name " : "", h->name,
                h->boot[0] ? " boot " : "", h->boot);
    }
    kprintf("  requests:");
    for (int k = 0; k < PXE_KINDS; k++)
        kprintf(" %s %llu", pxe_kind_name((enum pxe_kind)k), (unsigned long long)p->stats.kind[k]);
    kprintf(" (ipxe %llu)\n  replies:", (unsigned long long)p->stats.ipxe);
    for (int c = 0; c < PXE_CHOICES; c++)
        kprintf("%s %s %llu", c ? "," : "", pxe_choice_name((enum pxe_choice)c),
                (unsigned long long)p->stats.chose[c]);
    kprintf("\n");
}

static void cmd_pxe(int argc, char **argv)
{
    if (!n_nets)
        kprintf("pxe: no network has boot services\n");
    for (unsigned i = 0; i < n_nets; i++)
        print_net(nets[i]);
}
SHELL_COMMAND("pxe", "PXE policy of each network: files, hosts, requests and replies", cmd_pxe);
