/* UDP and VXLAN tunnels as switch ports (contract in tunnel_glue.h). */
#include "tunnel_glue.h"
#include "../net/udptun.h"
#include "../net/vxlan.h"
#include "../net/tcp_mss.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/ip4.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/udp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct tunnel {
    char name[CFG_NAME_MAX];
    char net[CFG_NAME_MAX];
    bool vxlan;
    struct udptun t;                    /* a udp tunnel's */
    struct vxlan vx;                    /* a vxlan tunnel's */
    struct udp_pcb *pcb;
    struct switch_glue *g;
    int port;
    bool clamp;                         /* TCP SYNs' MSS lowered to fit the underlay */
    uint64_t mss_clamped;
};

static struct tunnel tunnels[CFG_MAX_TUNNELS];

/* Lowers the MSS of a TCP SYN crossing the tunnel to or from `peer` so that the
 * segments the ends then send cross the underlay unfragmented (net/tcp_mss.h): the
 * limit from the MTU of the interface the peer is reached by. */
static void clamp_mss(struct tunnel *tn, uint8_t *frame, size_t len, uint32_t peer)
{
    if (!tn->clamp || !tcp_mss_present(frame, len))
        return;                         /* most frames: no route looked up */
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(peer));
    struct netif *nif = ip4_route(&a);
    uint16_t mtu = nif && nif->mtu ? nif->mtu : 1500;
    unsigned overhead = tn->vxlan ? 20 + 8 + VXLAN_HLEN : UDPTUN_OVERHEAD;
    if (tcp_mss_clamp(frame, len, tcp_mss_limit(mtu, overhead, 0)))
        tn->mss_clamped++;
}
static unsigned n_tunnels;

/* One datagram at a time is switched, with headroom for a VLAN tag; a datagram that
 * arrives while another is being switched (a loop through the tunnel's own network)
 * is dropped rather than let to overwrite it. */
#define RX_HEADROOM 16
static uint8_t rx_buf[RX_HEADROOM + VXLAN_HLEN + VXLAN_FRAME_MAX];
static bool rx_busy;

/* A VXLAN datagram: its first bytes copied (a longer one is refused by
 * vxlan_decap for its length), decapsulated, its frame switched. lwIP's UDP input
 * has checked a non-zero checksum already; a zero one means none (RFC 7348 5). */
static void vxlan_recv(struct tunnel *tn, uint32_t src, struct pbuf *p)
{
    if (rx_busy) {
        tn->vx.stats.drops[VXLAN_DROP_NOMEM]++;
        return;
    }
    rx_busy = true;
    uint8_t *d = rx_buf + RX_HEADROOM;
    size_t cap = sizeof rx_buf - RX_HEADROOM;
    pbuf_copy_partial(p, d, (u16_t)(p->tot_len < cap ? p->tot_len : cap), 0);
    int off = vxlan_decap(&tn->vx, src, d, p->tot_len, sys_now());
    if (off >= 0) {
        struct switch_frame f;
        clamp_mss(tn, d + off, p->tot_len - (size_t)off, src);
        udptun_rx_frame(d + off, p->tot_len - (size_t)off, (uint16_t)(RX_HEADROOM + off), &f);
        switch_glue_input(tn->g, (unsigned)tn->port, &f);
    }
    rx_busy = false;
}

/* A frame the switch sends out of a VXLAN tunnel: one datagram to each remote
 * vxlan_targets() names (every remote when flooded, head-end replication). */
static int vxlan_tx(struct tunnel *tn, struct switch_frame *f)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint32_t to[VXLAN_REMOTES];
    unsigned n = vxlan_targets(&tn->vx, f->len >= 6 ? f->data : bcast, sys_now(), to);
    uint32_t len = switch_frame_len(f) + VXLAN_HLEN;
    int sent = 0, rc = -EIO;
    for (unsigned i = 0; i < n; i++) {
        struct pbuf *p = len <= VXLAN_HLEN + VXLAN_FRAME_MAX ? pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM) : NULL;
        if (!p) {
            tn->vx.stats.drops[len <= VXLAN_HLEN + VXLAN_FRAME_MAX ? VXLAN_DROP_NOMEM : VXLAN_DROP_TX_OVERSIZE]++;
            return sent ? SWITCH_SENT : -ENOMEM;
        }
        int el = vxlan_encap(&tn->vx, f, p->payload, p->len);
        if (el < 0) {
            pbuf_free(p);
            return sent ? SWITCH_SENT : el;
        }
        clamp_mss(tn, (uint8_t *)p->payload + VXLAN_HLEN, (size_t)el - VXLAN_HLEN, to[i]);
        ip_addr_t dst;
        ip_addr_set_ip4_u32(&dst, lwip_htonl(to[i]));
        err_t e = udp_sendto(tn->pcb, p, &dst, tn->vx.dport);
        pbuf_free(p);
        if (e != ERR_OK) {
            tn->vx.stats.drops[VXLAN_DROP_TX_ERROR]++;
            continue;
        }
        tn->vx.stats.tx_datagrams++;
        tn->vx.stats.tx_bytes += (uint64_t)el;
        sent++;
    }
    return sent ? SWITCH_SENT : rc;
}

static void tunnel_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct tunnel *tn = arg;
    uint32_t src = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr)));
    if (tn->vxlan) {
        vxlan_recv(tn, src, p);
    } else if (udptun_rx_accept(&tn->t, src, port, p->tot_len)) {
        if (rx_busy) {
            tn->t.stats.drops[UDPTUN_DROP_NOMEM]++;
        } else {
            rx_busy = true;
            pbuf_copy_partial(p, rx_buf + RX_HEADROOM, p->tot_len, 0);
            clamp_mss(tn, rx_buf + RX_HEADROOM, p->tot_len, src);
            struct switch_frame f;
            udptun_rx_frame(rx_buf + RX_HEADROOM, p->tot_len, RX_HEADROOM, &f);
            switch_glue_input(tn->g, (unsigned)tn->port, &f);
            rx_busy = false;
        }
    }
    pbuf_free(p);
}

/* A frame the switch sends out of the tunnel: one datagram to the peer. */
static int tunnel_tx(struct switch_port *sp, struct switch_frame *f, bool may_take)
{
    struct tunnel *tn = sp->ctx;
    if (tn->vxlan)
        return vxlan_tx(tn, f);
    uint32_t len = switch_frame_len(f);
    struct pbuf *p = len <= UDPTUN_FRAME_MAX ? pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM) : NULL;
    if (!p) {
        tn->t.stats.drops[len <= UDPTUN_FRAME_MAX ? UDPTUN_DROP_NOMEM : UDPTUN_DROP_TX_OVERSIZE]++;
        return -ENOMEM;
    }
    int rc = udptun_encap(&tn->t, f, p->payload, p->len);
    if (rc < 0) {
        pbuf_free(p);
        return rc;
    }
    clamp_mss(tn, p->payload, len, tn->t.peer_ip);
    ip_addr_t dst;
    ip_addr_set_ip4_u32(&dst, lwip_htonl(tn->t.peer_ip));
    err_t e = udp_sendto(tn->pcb, p, &dst, tn->t.peer_port);
    pbuf_free(p);
    if (e != ERR_OK) {
        /* Counted as sent by udptun_encap: take it back as an error. */
        tn->t.stats.tx_datagrams--;
        tn->t.stats.tx_bytes -= len;
        tn->t.stats.drops[UDPTUN_DROP_TX_ERROR]++;
        return -EIO;
    }
    return SWITCH_SENT;
}

int tunnel_glue_attach(const struct cfg_tunnel *t, struct switch_glue *g)
{
    if (n_tunnels == CFG_MAX_TUNNELS)
        return -ENOSPC;
    struct tunnel *tn = &tunnels[n_tunnels];
    memset(tn, 0, sizeof *tn);
    memcpy(tn->name, t->name, sizeof tn->name);
    memcpy(tn->net, t->net_name, sizeof tn->net);
    tn->vxlan = t->kind == CFG_TUNNEL_VXLAN;
    if (tn->vxlan) {
        vxlan_init(&tn->vx, t->vni, t->sport, t->dport, t->remote, t->n_remotes);
        /* Where a MAC's VTEP is ages with where its port is: the segment's
         * `switch NAME aging`, so the two tables never disagree for long. */
        tn->vx.aging_ms = switch_glue_switch(g)->aging_ms;
    } else
        udptun_init(&tn->t, t->sport, t->dest, t->dport);
    tn->g = g;
    tn->clamp = !t->mss_off;
    tn->pcb = udp_new();
    if (!tn->pcb) {
        kprintf("tunnel %s: no memory for its socket\n", t->name);
        return -ENOMEM;
    }
    err_t e = udp_bind(tn->pcb, IP4_ADDR_ANY, t->sport);
    if (e != ERR_OK) {
        kprintf("tunnel %s: cannot bind UDP port %u (error %d)\n", t->name, t->sport, e);
        udp_remove(tn->pcb);
        return -EADDRINUSE;
    }
    /* Caps 0: the switch gives it only finished frames (GSO frames cut, checksums
     * completed), each one datagram. MTU: a jumbo frame's, the outer packet being
     * fragmented where the underlay is smaller (net/udptun.h, MTU). */
    struct switch_port_conf c = {.name = tn->name, .transmit = tunnel_tx, .ctx = tn, .caps = 0,
                                 .mtu = UDPTUN_FRAME_MAX - SWITCH_ETH_HLEN - SWITCH_TAG_LEN};
    tn->port = switch_glue_add_port(g, &c);
    if (tn->port < 0) {
        kprintf("tunnel %s: not a port of %s (error %d)\n", t->name, t->net_name, tn->port);
        udp_remove(tn->pcb);
        return tn->port;
    }
    int rc = switch_glue_set_vlan(g, (unsigned)tn->port, &t->vlan);
    if (rc) {
        kprintf("tunnel %s: VLANs refused (error %d); port left down\n", t->name, rc);
        switch_port_set_up(switch_glue_switch(g), (unsigned)tn->port, false);
    }
    udp_recv(tn->pcb, tunnel_recv, tn);
    n_tunnels++;
    char a[16];
    if (tn->vxlan)
        kprintf("tunnel %s: vxlan vni %u, udp port %u -> %u, %u remote(s), a port of %s %s\n", t->name,
                (unsigned)t->vni, t->sport, t->dport, t->n_remotes,
                t->role == CFG_NIC_NATNET ? "natnet" : "intnet", t->net_name);
    else
        kprintf("tunnel %s: udp port %u <-> %s:%u, a port of %s %s\n", t->name, t->sport,
                cfg_ip4_str(t->dest, a), t->dport, t->role == CFG_NIC_NATNET ? "natnet" : "intnet",
                t->net_name);
    return 0;
}

static void show_mss(const struct tunnel *tn)
{
    if (tn->clamp)
        kprintf("  mss clamp: %llu SYNs lowered\n", (unsigned long long)tn->mss_clamped);
    else
        kprintf("  mss clamp: off\n");
}

static void show_vxlan(const struct tunnel *tn)
{
    const struct vxlan *v = &tn->vx;
    const struct vxlan_stats *s = &v->stats;
    uint32_t now = sys_now();
    char a[16];
    kprintf("tunnel %s: vxlan vni %u, udp port %u, remotes' port %u, port of %s\n", tn->name,
            (unsigned)v->vni, v->local_port, v->dport, tn->net);
    kprintf("  remotes:");
    for (unsigned i = 0; i < v->n_remotes; i++)
        kprintf(" %s", cfg_ip4_str(v->remote[i], a));
    kprintf("\n  learned VTEPs: %u of %u (evicted %llu)\n", vxlan_vtep_count(v, now), VXLAN_VTEPS,
            (unsigned long long)s->vtep_evictions);
    for (unsigned i = 0; i < VXLAN_VTEPS; i++) {
        const struct vxlan_vtep *e = &v->vtep[i];
        if (!e->used || (uint32_t)(now - e->seen_ms) >= v->aging_ms)
            continue;
        kprintf("    %02x:%02x:%02x:%02x:%02x:%02x behind %s, %u s ago\n", e->mac[0], e->mac[1],
                e->mac[2], e->mac[3], e->mac[4], e->mac[5], cfg_ip4_str(e->remote, a),
                (unsigned)((now - e->seen_ms) / 1000));
    }
    kprintf("  rx %llu datagrams %llu bytes, tx %llu datagrams %llu bytes (%llu frames flooded, %llu to one)\n",
            (unsigned long long)s->rx_datagrams, (unsigned long long)s->rx_bytes,
            (unsigned long long)s->tx_datagrams, (unsigned long long)s->tx_bytes,
            (unsigned long long)s->tx_flooded, (unsigned long long)s->tx_unicast);
    kprintf("  drops:");
    for (int d = 0; d < VXLAN_DROPS; d++)
        kprintf(" %s %llu", vxlan_drop_name((enum vxlan_drop)d), (unsigned long long)s->drops[d]);
    kprintf("\n");
    if (s->drops[VXLAN_DROP_REMOTE])
        kprintf("  last wrong remote %s\n", cfg_ip4_str(s->last_bad_ip, a));
    show_mss(tn);
}

static void cmd_tunnel(int argc, char **argv)
{
    if (!n_tunnels)
        kprintf("tunnel: none\n");
    for (unsigned i = 0; i < n_tunnels; i++) {
        const struct tunnel *tn = &tunnels[i];
        const struct udptun_stats *s = &tn->t.stats;
        char a[16], b[16];
        if (argc > 1 && strcmp(argv[1], tn->name) != 0)
            continue;
        if (tn->vxlan) {
            show_vxlan(tn);
            continue;
        }
        kprintf("tunnel %s: udp port %u, peer %s:%u, port of %s\n", tn->name, tn->t.local_port,
                cfg_ip4_str(tn->t.peer_ip, a), tn->t.peer_port, tn->net);
        kprintf("  rx %llu datagrams %llu bytes, tx %llu datagrams %llu bytes\n",
                (unsigned long long)s->rx_datagrams, (unsigned long long)s->rx_bytes,
                (unsigned long long)s->tx_datagrams, (unsigned long long)s->tx_bytes);
        kprintf("  drops:");
        for (int d = 0; d < UDPTUN_DROPS; d++)
            kprintf(" %s %llu", udptun_drop_name((enum udptun_drop)d), (unsigned long long)s->drops[d]);
        kprintf("\n");
        if (s->drops[UDPTUN_DROP_PEER])
            kprintf("  last wrong peer %s:%u\n", cfg_ip4_str(s->last_bad_ip, b), s->last_bad_port);
        show_mss(tn);
    }
}
SHELL_COMMAND("tunnel", "UDP and VXLAN tunnels: peers, remotes, learned VTEPs, counters, drops by reason; 'tunnel NAME'", cmd_tunnel);

#ifdef VMGATE_HOST_TEST
void tunnel_glue_test_reset(void)
{
    for (unsigned i = 0; i < n_tunnels; i++)
        udp_remove(tunnels[i].pcb);
    n_tunnels = 0;
    rx_busy = false;
}
#endif
