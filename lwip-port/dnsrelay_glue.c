/* The DNS relay on lwIP (see dnsrelay_glue.h). This file does the lwIP side only:
 * deciding whether a datagram is for the relay at all, copying it out of its pbuf,
 * sending what the relay emits, and the timer. Every decision about the DNS
 * messages themselves is net/dnsrelay.c's. */
#include "dnsrelay_glue.h"
#include "alias.h"
#include "dnstcp.h"
#include "nicif.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"
#include "../net/dnsrelay.h"

#include "lwip/dns.h"
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include <errno.h>
#include <string.h>

enum server_source { SOURCE_NONE, SOURCE_CONFIG, SOURCE_WAN_STATIC, SOURCE_WAN_DHCP };

static const char *const source_names[] = {
    [SOURCE_NONE] = "nowhere (no 'dns' statement, a static WAN without 'dns')",
    [SOURCE_CONFIG] = "the 'dns' statement",
    [SOURCE_WAN_STATIC] = "the WAN's static 'dns'",
    [SOURCE_WAN_DHCP] = "the WAN's DHCP lease",
};

/* An interface the relay serves guests on. */
struct dns_iface {
    struct netif *nif;
    bool nat;
    ip4_addr_t serve;           /* NAT: the .3 alias; host-only: read from nif */
};

/* Datagrams the glue dropped before the relay saw them. */
struct glue_counters {
    unsigned long not_served;       /* arrived on an interface the relay does not serve */
    unsigned long wrong_address;    /* to .2 on a NAT network, or a broadcast */
    unsigned long foreign_source;   /* from outside the interface's network */
    unsigned long send_errors;      /* no pbuf, or lwIP refused to send */
};

static struct {
    const struct vmgate_config *cfg;
    struct dnsrelay relay;
    struct udp_pcb *guest_pcb;
    struct udp_pcb *upstream_pcb;
    uint16_t upstream_port;
    struct netif *wan;
    ip4_addr_t wan_addr;            /* the WAN address the port was drawn for */
    enum server_source source;
    struct dns_iface iface[DNSRELAY_GLUE_MAX_IFACES];
    unsigned n_ifaces;
    unsigned ticks;
    bool servers_announced;         /* the list was logged once, even if empty */
    struct glue_counters count;
} g;

/* One datagram at a time, flattened out of its pbuf chain: a UDP payload is at
 * most 65535 bytes (tot_len is a u16_t). */
static uint8_t datagram[0xffff];

/* --- sending ------------------------------------------------------------------- */

/* Sends a packet the relay emitted: to a guest from the relay's address on the
 * guest's interface, or upstream from the upstream socket. */
static void glue_send(void *ctx, const struct dnsrelay_packet *pkt)
{
    (void)ctx;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)pkt->len, PBUF_RAM);
    if (!p) {
        g.count.send_errors++;
        return;
    }
    pbuf_take(p, pkt->data, (u16_t)pkt->len);

    ip_addr_t dst;
    ip_addr_set_ip4_u32_val(dst, lwip_htonl(pkt->addr));
    err_t err;
    if (pkt->dir == DNSRELAY_TO_UPSTREAM) {
        err = udp_sendto(g.upstream_pcb, p, &dst, pkt->port);
    } else if (pkt->iface >= 0 && (unsigned)pkt->iface < g.n_ifaces) {
        const struct dns_iface *di = &g.iface[pkt->iface];
        ip_addr_t src;
        ip_addr_copy_from_ip4(src, di->nat ? di->serve : *netif_ip4_addr(di->nif));
        err = udp_sendto_if_src(g.guest_pcb, p, &dst, pkt->port, di->nif, &src);
    } else {
        err = ERR_ARG;
    }
    if (err != ERR_OK)
        g.count.send_errors++;
    pbuf_free(p);
}

/* --- receiving ----------------------------------------------------------------- */

static struct dns_iface *iface_find(const struct netif *nif)
{
    for (unsigned i = 0; i < g.n_ifaces; i++)
        if (g.iface[i].nif == nif)
            return &g.iface[i];
    return NULL;
}

/* Whether a datagram that arrived on di was sent to the relay's address there. On
 * a NAT network that is the .3 alias (lwIP sees the rewritten destination; the
 * packet carries the alias's mark); elsewhere vmgate's own unicast address,
 * not a broadcast. */
static bool sent_to_relay(const struct dns_iface *di, const struct pbuf *p)
{
    if (di->nat) {
        ip4_addr_t was;
        return alias_packet_was_for(p, di->nif, DNSRELAY_PORT, &was) && ip4_addr_cmp(&was, &di->serve);
    }
    return ip4_addr_cmp(ip4_current_dest_addr(), netif_ip4_addr(di->nif));
}

/* Whether src is a host of di's network: the relay answers by ARP on that link,
 * and a guest has no business sending from elsewhere. */
static bool source_on_link(const struct dns_iface *di, const ip4_addr_t *src)
{
    const struct netif *nif = di->nif;
    return ip4_addr_netcmp(src, netif_ip4_addr(nif), netif_ip4_netmask(nif)) &&
           !ip4_addr_isbroadcast(src, nif) && !ip4_addr_cmp(src, netif_ip4_addr(nif)) &&
           !ip4_addr_isany(src);
}

/* udp_recv callback of the guest socket (port 53 on every interface): passes
 * queries that came to the relay's address on a served interface to the relay.
 * Frees p, as a recv callback must. */
static void guest_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                       u16_t port)
{
    (void)arg;
    (void)pcb;
    struct dns_iface *di = iface_find(ip_current_input_netif());
    if (!di) {
        g.count.not_served++;
    } else if (!sent_to_relay(di, p)) {
        g.count.wrong_address++;
    } else if (!source_on_link(di, ip_2_ip4(addr))) {
        g.count.foreign_source++;
    } else {
        struct dnsrelay_client c = {
            .iface = (int)(di - g.iface),
            .addr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))),
            .port = port,
        };
        u16_t len = pbuf_copy_partial(p, datagram, sizeof datagram, 0);
        dnsrelay_handle_query(&g.relay, sys_now(), &c, datagram, len);
    }
    pbuf_free(p);
}

/* udp_recv callback of the upstream socket: everything that arrives there is a
 * candidate response, which the relay checks against what it sent. Frees p. */
static void upstream_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
                          const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    (void)pcb;
    u16_t len = pbuf_copy_partial(p, datagram, sizeof datagram, 0);
    dnsrelay_handle_response(&g.relay, sys_now(), lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))),
                             port, datagram, len);
    pbuf_free(p);
}

/* --- upstream servers ---------------------------------------------------------- */

/* Collects the current upstream servers (host byte order) into out; returns how
 * many. None while the WAN has no address: nothing could reach them. */
static unsigned servers_collect(uint32_t out[DNSRELAY_MAX_SERVERS])
{
    unsigned n = 0;

    if (!g.wan || ip4_addr_isany(netif_ip4_addr(g.wan)))
        return 0;
    switch (g.source) {
    case SOURCE_CONFIG:
        for (unsigned i = 0; i < g.cfg->n_dns && n < DNSRELAY_MAX_SERVERS; i++)
            out[n++] = g.cfg->dns[i];
        break;
    case SOURCE_WAN_STATIC:
        for (unsigned i = 0; i < CFG_MAX_NICS; i++) {
            const struct cfg_nic *c = &g.cfg->nic[i];
            if (c->role != CFG_NIC_WAN)
                continue;
            for (unsigned k = 0; k < c->n_dns && n < DNSRELAY_MAX_SERVERS; k++)
                out[n++] = c->dns[k];
            break;
        }
        break;
    case SOURCE_WAN_DHCP:
        for (u8_t i = 0; i < DNS_MAX_SERVERS && n < DNSRELAY_MAX_SERVERS; i++) {
            const ip_addr_t *s = dns_getserver(i);
            if (!ip_addr_isany(s))
                out[n++] = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(s)));
        }
        break;
    case SOURCE_NONE:
        break;
    }
    return n;
}

/* Re-reads the upstream servers and gives the relay the new list if it changed. */
static void servers_refresh(void)
{
    uint32_t now[DNSRELAY_MAX_SERVERS];
    unsigned n = servers_collect(now);

    if (g.servers_announced && n == g.relay.n_servers &&
        memcmp(now, g.relay.server, n * sizeof now[0]) == 0)
        return;
    g.servers_announced = true;
    dnsrelay_set_servers(&g.relay, now, n);
    kprintf("dns: upstream servers (%s):", source_names[g.source]);
    for (unsigned i = 0; i < g.relay.n_servers; i++) {
        char a[16];
        kprintf(" %s", cfg_ip4_str(g.relay.server[i], a));
    }
    kprintf("%s\n", g.relay.n_servers ? "" : " none; guests get SERVFAIL");
}

/* Where the servers come from, by the precedence in dnsrelay_glue.h. */
static enum server_source source_pick(const struct vmgate_config *cfg)
{
    if (cfg->n_dns)
        return SOURCE_CONFIG;
    for (unsigned i = 0; i < CFG_MAX_NICS; i++) {
        const struct cfg_nic *c = &cfg->nic[i];
        if (c->role != CFG_NIC_WAN)
            continue;
        if (c->dhcp_client)
            return SOURCE_WAN_DHCP;
        return c->n_dns ? SOURCE_WAN_STATIC : SOURCE_NONE;
    }
    return SOURCE_NONE;
}

/* Binds the upstream socket to a port drawn at random from the dynamic range, so
 * that an off-path attacker must guess it as well as the ID (RFC 5452 section 4.5).
 * Falls back to a port lwIP picks if every draw is taken. */
static void upstream_bind(void)
{
    for (unsigned k = 0; k < DNSRELAY_GLUE_PORT_DRAWS; k++) {
        u16_t port = (u16_t)(DNSRELAY_GLUE_PORT_MIN +
                             rng_uniform_from(vmgate_random32_cb, NULL,
                                              65536 - DNSRELAY_GLUE_PORT_MIN));
        if (udp_bind(g.upstream_pcb, IP4_ADDR_ANY, port) == ERR_OK) {
            g.upstream_port = port;
            return;
        }
    }
    udp_bind(g.upstream_pcb, IP4_ADDR_ANY, 0);
    g.upstream_port = g.upstream_pcb->local_port;
}

/* --- timer --------------------------------------------------------------------- */

/* Drives the relay's retries and expiry, and re-reads the servers every second. */
static void glue_tick(void *arg)
{
    (void)arg;
    dnsrelay_expire(&g.relay, sys_now());
    if (++g.ticks % DNSRELAY_GLUE_REFRESH_TICKS == 0)
        servers_refresh();
    sys_timeout(DNSRELAY_GLUE_TICK_MS, glue_tick, NULL);
}

/* --- the interface ------------------------------------------------------------- */

/* Contract in dnsrelay_glue.h. */
int dnsrelay_glue_init(const struct vmgate_config *cfg)
{
    memset(&g, 0, sizeof g);
    g.cfg = cfg;
    g.source = source_pick(cfg);
    dnsrelay_init(&g.relay, glue_send, NULL, vmgate_random32_cb, NULL);

    g.guest_pcb = udp_new_ip_type(IPADDR_TYPE_V4);
    if (!g.guest_pcb)
        goto err_no_guest;
    if (udp_bind(g.guest_pcb, IP4_ADDR_ANY, DNSRELAY_PORT) != ERR_OK)
        goto err_remove_guest;
    udp_recv(g.guest_pcb, guest_recv, NULL);

    g.upstream_pcb = udp_new_ip_type(IPADDR_TYPE_V4);
    if (!g.upstream_pcb)
        goto err_remove_guest;
    upstream_bind();
    udp_recv(g.upstream_pcb, upstream_recv, NULL);

    sys_timeout(DNSRELAY_GLUE_TICK_MS, glue_tick, NULL);
    return 0;

err_remove_guest:
    udp_remove(g.guest_pcb);
    g.guest_pcb = NULL;
err_no_guest:
    kprintf("dns: relay not started: no UDP socket on port 53\n");
    return -ENOMEM;
}

/* Contract in dnsrelay_glue.h. */
int dnsrelay_glue_attach(struct netif *nif, int nat_network)
{
    if (!g.guest_pcb || g.n_ifaces == DNSRELAY_GLUE_MAX_IFACES)
        return -ENOSPC;
    struct dns_iface *di = &g.iface[g.n_ifaces];
    di->nif = nif;
    di->nat = nat_network != 0;
    if (di->nat) {
        u32_t addr = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif)));
        u32_t mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif)));
        ip4_addr_set_u32(&di->serve, lwip_htonl((addr & mask) + CFG_NAT_HOST_DNS));
        if (alias_add(nif, &di->serve, DNSRELAY_PORT, DNSRELAY_PORT) != 0)
            return -ENOSPC;
    }
    g.n_ifaces++;
    /* TCP: on a NAT network the alias hands .3's segments to the netif's address. */
    if (dnstcp_listen(netif_ip4_addr(nif)) != 0)
        kprintf("dns: no TCP on port 53 for %c%c (no PCB)\n", nif->name[0], nif->name[1]);
    return 0;
}

/* Contract in dnsrelay_glue.h. */
unsigned dnsrelay_glue_servers(uint32_t *out, unsigned max)
{
    unsigned n = g.relay.n_servers < max ? g.relay.n_servers : max;
    memcpy(out, g.relay.server, n * sizeof out[0]);
    return n;
}

/* Contract in dnsrelay_glue.h. */
void dnsrelay_glue_wan_changed(struct netif *wan)
{
    if (!g.upstream_pcb)
        return;
    if (g.wan != wan) {
        g.wan = wan;
        udp_bind_netif(g.upstream_pcb, wan);
    }
    /* Answers to queries sent from the old address cannot arrive any more: a new
     * address gets a new port too, so that nothing is predictable from the last. */
    if (!ip4_addr_cmp(&g.wan_addr, netif_ip4_addr(wan))) {
        ip4_addr_copy(g.wan_addr, *netif_ip4_addr(wan));
        if (!ip4_addr_isany(&g.wan_addr))
            upstream_bind();
    }
    servers_refresh();
}

/* Contract in dnsrelay_glue.h. */
uint16_t dnsrelay_glue_upstream_port(void)
{
    return g.upstream_port;
}

/* --- console ------------------------------------------------------------------- */

static void cmd_dns(int argc, char **argv)
{
    const struct dnsrelay_counters *c = &g.relay.count;
    char a[16];

    if (!g.guest_pcb) {
        kprintf("dns relay not running\n");
        return;
    }
    kprintf("upstream servers from %s:", source_names[g.source]);
    for (unsigned i = 0; i < g.relay.n_servers; i++)
        kprintf(" %s", cfg_ip4_str(g.relay.server[i], a));
    kprintf("%s\n", g.relay.n_servers ? "" : " none (guests get SERVFAIL)");
    kprintf("upstream port %u on %s\n", g.upstream_port,
            g.wan && nicif_nic(g.wan) ? nicif_nic(g.wan)->name : "no WAN");
    kprintf("serving:");
    for (unsigned i = 0; i < g.n_ifaces; i++) {
        const struct dns_iface *di = &g.iface[i];
        struct nic *n = nicif_nic(di->nif);
        ip4addr_ntoa_r(di->nat ? &di->serve : netif_ip4_addr(di->nif), a, sizeof a);
        /* A NAT Network's bridge is no NIC: it goes by its lwIP name. */
        if (n)
            kprintf(" %s", n->name);
        else
            kprintf(" %c%c", di->nif->name[0], di->nif->name[1]);
        kprintf(" %s:53 (%s)", a, di->nat ? "nat" : "host-only");
    }
    kprintf("%s\n", g.n_ifaces ? "" : " nowhere");
    kprintf("pending %u of %u\n", g.relay.pending, DNSRELAY_MAX_PENDING);
    kprintf("queries %llu forwarded %llu retries %llu answered %llu truncated %llu\n",
            (unsigned long long)c->queries, (unsigned long long)c->forwarded,
            (unsigned long long)c->retries, (unsigned long long)c->answered,
            (unsigned long long)c->truncated);
    kprintf("timeouts %llu servfail %llu no-server %llu notimp %llu\n",
            (unsigned long long)c->timeouts, (unsigned long long)c->servfails,
            (unsigned long long)c->no_server, (unsigned long long)c->notimp);
    kprintf("dropped: malformed queries %llu responses %llu, duplicates %llu, unmatched %llu, "
            "mismatched %llu, table full %llu, client limit %llu\n",
            (unsigned long long)c->malformed_queries, (unsigned long long)c->malformed_responses,
            (unsigned long long)c->duplicates, (unsigned long long)c->unmatched,
            (unsigned long long)c->mismatched, (unsigned long long)c->table_full,
            (unsigned long long)c->client_limit);
    kprintf("dropped before the relay: not served %lu, wrong address %lu, foreign source %lu; "
            "send errors %lu\n",
            g.count.not_served, g.count.wrong_address, g.count.foreign_source,
            g.count.send_errors);
}
SHELL_COMMAND("dns", "DNS relay: upstream servers, pending queries, counters", cmd_dns);
