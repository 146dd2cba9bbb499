/* The DHCP server's lwIP glue: configuration to server, datagrams in and replies
 * out, the expiry timer, and the `leases` console command. Contracts in
 * dhcps_glue.h. Buffer rules (lwIP's): the receive callback owns the pbuf and
 * frees it; udp_sendto_if_src does not take the reply's pbuf, so it is freed
 * here whatever the send returned. */
#include "dhcps_glue.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"
#include "../net/ip4.h"

#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define GLUE_TICK_MS 1000

struct glue_server {
    struct netif *nif;
    int nic_index;
    char label[CFG_LABEL_MAX];          /* "nicN" or "natnet NAME", for the console */
    struct dhcps *srv;
};

static struct glue_server servers[CFG_MAX_NICS];
static unsigned n_servers;
static struct udp_pcb *pcb;

/* One message is handled at a time (NO_SYS: no concurrency), so one buffer each
 * way does; static, to keep 3 KB off the stack. The receive buffer holds one byte
 * more than the largest message accepted, so that a longer one reaches the parser
 * as too long instead of being cut into something that might parse. */
static uint8_t rx_buf[DHCP_MSG_MAX + 1];
static struct dhcps_reply reply;

static struct {
    unsigned long no_server;        /* port 67 on a netif without a server (the WAN) */
    unsigned long tx_no_mem;        /* no pbuf for a reply */
    unsigned long tx_errors;        /* lwIP refused to send one */
} glue_stats;

static struct glue_server *server_of_netif(const struct netif *nif)
{
    for (unsigned i = 0; i < n_servers; i++)
        if (servers[i].nif == nif)
            return &servers[i];
    return NULL;
}

static struct glue_server *server_of_iface(int iface)
{
    for (unsigned i = 0; i < n_servers; i++)
        if (servers[i].nif->num == iface)
            return &servers[i];
    return NULL;
}

/* The server's configuration for a NIC: VirtualBox's layouts, with the lease time,
 * domain and pool of `dhcp nicN|NATNETWORK ...` (config_finalize checked the pool). */
static int fill_config(struct dhcps_config *d, const struct cfg_nic *n,
                       const struct vmgate_config *cfg, int nic_index)
{
    memset(d, 0, sizeof *d);
    d->prefix = n->prefix;
    d->net = n->addr & ip4_prefix_mask(n->prefix);
    switch (n->role) {
    case CFG_NIC_NAT:
    case CFG_NIC_NATNET:                        /* config_finalize copied the network in */
        d->server_ip = d->net + CFG_NAT_HOST_GW;
        d->router = d->server_ip;
        d->dns[0] = d->net + CFG_NAT_HOST_DNS;
        d->tftp_ip = d->net + CFG_NAT_HOST_TFTP;    /* pxe_glue.h: TFTP at NET+4 */
        break;
    case CFG_NIC_HOSTONLY:
        d->server_ip = n->addr;
        d->router = n->addr;
        d->dns[0] = n->addr;
        break;
    default:
        return -EINVAL;
    }
    d->n_dns = 1;
    d->lease_s = n->dhcp.lease_s;
    d->pool_first = n->dhcp.pool_first;
    d->pool_last = n->dhcp.pool_last;
    _Static_assert(sizeof d->domain >= sizeof n->dhcp.domain, "domains fit");
    memcpy(d->domain, n->dhcp.domain, sizeof n->dhcp.domain);
    for (unsigned i = 0; i < cfg->n_hosts && d->n_hosts < DHCPS_MAX_HOSTS; i++) {
        const struct cfg_dhcp_host *h = &cfg->host[i];
        /* A NAT Network is one broadcast domain over several NICs: a reservation
         * made on any of its ports is the network's. */
        bool same_natnet = n->role == CFG_NIC_NATNET && h->nic >= 0 && h->nic < CFG_MAX_NICS &&
                           cfg->nic[h->nic].role == CFG_NIC_NATNET &&
                           strcmp(cfg->nic[h->nic].net_name, n->net_name) == 0;
        if (h->nic != nic_index && !same_natnet)
            continue;
        struct dhcps_host *o = &d->hosts[d->n_hosts++];
        memcpy(o->mac, h->mac, 6);
        o->ip = h->ip;
        _Static_assert(sizeof o->name >= sizeof h->name, "reservation names fit");
        memcpy(o->name, h->name, sizeof h->name);
    }
    return 0;
}

/* Sends the reply on the server's own netif (dhcps.h: every destination is on the
 * network, or its broadcast), from the server's address. */
static void send_reply(struct glue_server *g, const struct dhcps_reply *r)
{
    struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)r->len, PBUF_RAM);
    if (!q) {
        glue_stats.tx_no_mem++;
        return;
    }
    pbuf_take(q, r->buf, (u16_t)r->len);
    ip_addr_t dst, src;
    ip_addr_set_ip4_u32_val(dst, lwip_htonl(r->dst_ip));
    ip_addr_set_ip4_u32_val(src, lwip_htonl(dhcps_get_config(g->srv)->server_ip));
    if (udp_sendto_if_src(pcb, q, &dst, r->dst_port, g->nif, &src) != ERR_OK)
        glue_stats.tx_errors++;
    pbuf_free(q);
}

static void glue_recv(void *arg, struct udp_pcb *upcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct netif *inp = ip_current_input_netif();
    struct glue_server *g = server_of_netif(inp);
    if (!g) {
        glue_stats.no_server++;
        pbuf_free(p);
        return;
    }
    u16_t len = p->tot_len < sizeof rx_buf ? p->tot_len : (u16_t)sizeof rx_buf;
    pbuf_copy_partial(p, rx_buf, len, 0);
    bool to_broadcast = ip4_addr_isbroadcast(ip4_current_dest_addr(), inp);
    pbuf_free(p);
    if (dhcps_input(g->srv, rx_buf, len, to_broadcast, sys_now(), &reply) == 1)
        send_reply(g, &reply);
}

static void glue_tick(void *arg)
{
    u32_t now = sys_now();
    for (unsigned i = 0; i < n_servers; i++)
        dhcps_tick(servers[i].srv, now);
    sys_timeout(GLUE_TICK_MS, glue_tick, NULL);
}

/* The PCB on 0.0.0.0:67, shared by all servers, and the timer. */
static int glue_open(void)
{
    pcb = udp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb)
        return -ENOMEM;
    ip_set_option(pcb, SOF_BROADCAST);
    if (udp_bind(pcb, IP4_ADDR_ANY, DHCP_SERVER_PORT) != ERR_OK) {
        udp_remove(pcb);
        pcb = NULL;
        return -EADDRINUSE;
    }
    udp_recv(pcb, glue_recv, NULL);
    sys_timeout(GLUE_TICK_MS, glue_tick, NULL);
    return 0;
}

int dhcps_glue_attach(struct netif *nif, const struct cfg_nic *nic_cfg,
                      const struct vmgate_config *cfg, int nic_index)
{
    static struct dhcps_config dc;      /* 5 KB: off the stack */
    struct dhcps *srv;
    int rc;

    if (server_of_netif(nif))
        return -EEXIST;
    if (n_servers == CFG_MAX_NICS)
        return -ENOSPC;
    rc = fill_config(&dc, nic_cfg, cfg, nic_index);
    if (rc)
        return rc;
    dc.mtu = nif->mtu && nif->mtu != 1500 ? nif->mtu : 0;
    rc = dhcps_create(&srv, &dc, sys_now());
    if (rc)
        return rc;
    if (!pcb) {
        rc = glue_open();
        if (rc)
            goto err_open;
    }
    servers[n_servers].nif = nif;
    servers[n_servers].nic_index = nic_index;
    cfg_network_label(nic_cfg, nic_index, servers[n_servers].label, sizeof servers[n_servers].label);
    servers[n_servers].srv = srv;
    n_servers++;

    const struct dhcps_config *run = dhcps_get_config(srv);
    char first[16], last[16];
    kprintf("%s: DHCP server, pool %s - %s, %u reservation(s)",
            servers[n_servers - 1].label, cfg_ip4_str(run->pool_first, first), cfg_ip4_str(run->pool_last, last),
            run->n_hosts);
    if (dhcps_get_stats(srv)->hosts_ignored)
        kprintf(", %llu ignored", (unsigned long long)dhcps_get_stats(srv)->hosts_ignored);
    kprintf("\n");
    return 0;

err_open:
    dhcps_destroy(srv);
    return rc;
}

void dhcps_glue_detach(struct netif *nif)
{
    struct glue_server *g = server_of_netif(nif);
    if (!g)
        return;
    dhcps_destroy(g->srv);
    *g = servers[--n_servers];
    if (n_servers == 0 && pcb) {
        sys_untimeout(glue_tick, NULL);
        udp_remove(pcb);
        pcb = NULL;
    }
}

uint32_t dhcps_glue_first_lease(void *ctx, int iface)
{
    struct glue_server *g = server_of_iface(iface);
    return g ? dhcps_first_lease(g->srv, sys_now()) : 0;
}

struct dhcps *dhcps_glue_server(int iface)
{
    struct glue_server *g = server_of_iface(iface);
    return g ? g->srv : NULL;
}

/* --- the console ---------------------------------------------------------------- */

/* Client ids are shown in hex, cut to this many bytes. */
#define SHOW_ID_MAX 16

static void print_lease(void *ctx, const struct dhcps_lease_info *l)
{
    char ip[16], mac[3 * DHCP_CHADDR_LEN + 1] = "-", id[3 * SHOW_ID_MAX + 4] = "-";
    char expiry[24] = "-";

    if (l->hlen) {
        size_t o = 0;
        for (unsigned i = 0; i < l->hlen && i < DHCP_CHADDR_LEN; i++)
            o += (size_t)snprintf(mac + o, sizeof mac - o, "%s%02x", i ? ":" : "", l->chaddr[i]);
    }
    if (l->client_id_len) {
        size_t o = 0;
        for (unsigned i = 0; i < l->client_id_len && i < SHOW_ID_MAX; i++)
            o += (size_t)snprintf(id + o, sizeof id - o, "%s%02x", i ? ":" : "", l->client_id[i]);
        if (l->client_id_len > SHOW_ID_MAX)
            snprintf(id + o, sizeof id - o, "...");
    }
    if (l->expires_in_ms)
        snprintf(expiry, sizeof expiry, "%llus", (unsigned long long)(l->expires_in_ms / 1000));
    kprintf("  %-15s %-17s %-8s %-9s %-8s %-20s %s\n", cfg_ip4_str(l->ip, ip), mac,
            dhcps_state_name(l->state), expiry, l->reserved ? "reserved" : "pool",
            l->hostname[0] ? l->hostname : "-", id);
}

static void print_counters(const struct dhcps_stats *st)
{
    bool any = false;
    kprintf("  rx:");
    for (unsigned t = 1; t <= DHCP_TYPE_MAX; t++) {
        if (st->rx[t]) {
            kprintf(" %s %llu", dhcp_type_name(t), (unsigned long long)st->rx[t]);
            any = true;
        }
    }
    if (!any)
        kprintf(" none");
    kprintf("; tx: OFFER %llu ACK %llu NAK %llu\n", (unsigned long long)st->tx[DHCPOFFER],
            (unsigned long long)st->tx[DHCPACK], (unsigned long long)st->tx[DHCPNAK]);
    kprintf("  requests: selecting %llu init-reboot %llu renewing %llu rebinding %llu; "
            "other server %llu\n",
            (unsigned long long)st->req_selecting, (unsigned long long)st->req_init_reboot,
            (unsigned long long)st->req_renewing, (unsigned long long)st->req_rebinding,
            (unsigned long long)st->other_server);
    kprintf("  pool exhausted %llu, declined %llu, offers expired %llu, leases expired %llu, "
            "reclaimed %llu\n",
            (unsigned long long)st->pool_exhausted, (unsigned long long)st->declined,
            (unsigned long long)st->offers_expired, (unsigned long long)st->leases_expired,
            (unsigned long long)st->reclaimed);
    kprintf("  drops:");
    for (unsigned d = 0; d < DHCPS_DROP_REASONS; d++)
        kprintf("%s %s %llu", d ? "," : "", dhcps_drop_name((enum dhcps_drop)d),
                (unsigned long long)st->drops[d]);
    kprintf("\n");
}

static void cmd_leases(int argc, char **argv)
{
    u32_t now = sys_now();
    if (!n_servers)
        kprintf("no DHCP server is running\n");
    for (unsigned i = 0; i < n_servers; i++) {
        const struct glue_server *g = &servers[i];
        const struct dhcps_config *c = dhcps_get_config(g->srv);
        char net[16], sid[16], first[16], last[16];
        kprintf("%s %s/%u server %s, pool %s-%s, lease %lus%s%s, %u entries "
                "(room for %u pool + %u reserved)\n",
                g->label, cfg_ip4_str(c->net, net), c->prefix, cfg_ip4_str(c->server_ip, sid),
                cfg_ip4_str(c->pool_first, first), cfg_ip4_str(c->pool_last, last),
                (unsigned long)c->lease_s, c->domain[0] ? ", domain " : "", c->domain,
                dhcps_lease_count(g->srv), DHCPS_MAX_LEASES, c->n_hosts);
        kprintf("  %-15s %-17s %-8s %-9s %-8s %-20s %s\n", "address", "mac", "state", "expires",
                "kind", "host name", "client id");
        dhcps_foreach_lease(g->srv, now, print_lease, NULL);
        print_counters(dhcps_get_stats(g->srv));
    }
    kprintf("port 67 elsewhere (dropped) %lu, reply no memory %lu, send errors %lu\n",
            glue_stats.no_server, glue_stats.tx_no_mem, glue_stats.tx_errors);
}
SHELL_COMMAND("leases", "DHCP servers: leases and counters", cmd_leases);
