/* The switches of internal networks and NAT Networks with their ports (contract and
 * the why of it in switch_glue.h). Frames cross this file in three directions:
 *  - from a NIC port into the switch: by the NIC core's fast path hook (a frame
 *    whose buffers may be lent on) or by its rx callback (a frame the core already
 *    finished in software, or one spread over buffers), both into switch_input();
 *  - from the switch to a NIC port: lent (nic_forward_frame on the ingress side's
 *    struct nic_frame, which rides along as the frame's cookie) or copied
 *    (nic_transmit);
 *  - between the switch and vmgate's router netif: a frame for the router becomes
 *    a pbuf for netif->input; what lwIP sends comes out of linkoutput as bytes
 *    for switch_input(). */
#include "switch_glue.h"
#include "alias.h"
#include "fastpath.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the glue knows of each port beyond the switch's own record. */
struct glue_port {
    struct switch_glue *g;
    unsigned idx;
    struct nic *nic;                    /* NIC ports; NULL for the others */
};

struct switch_glue {
    struct eth_switch sw;
    char kind[8];                       /* "intnet" or "natnet" */
    struct glue_port port[SWITCH_PORTS_MAX];
    struct netif router;
    int router_port;                    /* -1: none */
};

static struct switch_glue *glues[SWITCH_GLUE_MAX];
static unsigned n_glues;
static bool ticking;

#define EXPIRE_MS 1000

uint32_t switch_glue_now(void)
{
    return sys_now();
}

static void expire_tick(void *arg)
{
    for (unsigned i = 0; i < n_glues; i++)
        switch_expire(&glues[i]->sw, sys_now());
    sys_timeout(EXPIRE_MS, expire_tick, arg);
}

struct switch_glue *switch_glue_create(const char *name, const char *kind,
                                       const struct cfg_switch *settings)
{
    if (n_glues == SWITCH_GLUE_MAX) {
        kprintf("%s %s: too many switches (max %d)\n", kind, name, SWITCH_GLUE_MAX);
        return NULL;
    }
    struct switch_glue *g = calloc(1, sizeof *g);
    if (!g) {
        kprintf("%s %s: no memory for its switch\n", kind, name);
        return NULL;
    }
    struct switch_limits lim = {0};
    if (settings) {
        lim.fdb_max = settings->fdb;
        lim.port_fdb_max = settings->port_fdb;
        lim.aging_ms = settings->aging_s * 1000u;
    }
    int rc = switch_init(&g->sw, name, &lim, vmgate_random32_cb, NULL);
    if (rc) {
        kprintf("%s %s: switch not made (error %d)\n", kind, name, rc);
        free(g);
        return NULL;
    }
    snprintf(g->kind, sizeof g->kind, "%s", kind);
    g->router_port = -1;
    glues[n_glues++] = g;
    if (!ticking) {
        ticking = true;
        sys_timeout(EXPIRE_MS, expire_tick, NULL);
    }
    return g;
}

int switch_glue_add_port(struct switch_glue *g, const struct switch_port_conf *c)
{
    int idx = switch_add_port(&g->sw, c);
    if (idx >= 0) {
        g->port[idx].g = g;
        g->port[idx].idx = (unsigned)idx;
    }
    return idx;
}

enum switch_result switch_glue_input(struct switch_glue *g, unsigned port, struct switch_frame *f)
{
    return switch_input(&g->sw, port, f, sys_now());
}

/* --- NIC ports ---------------------------------------------------------------------- */

/* The switch's view of a received frame: the same buffers. */
static void from_nic_frame(const struct nic_frame *nf, struct switch_frame *sf,
                           struct switch_seg more[SWITCH_SEGS_MAX], bool lendable)
{
    _Static_assert(NIC_RX_FRAGS_MAX <= SWITCH_SEGS_MAX, "a NIC frame's buffers fit a switch frame");
    for (unsigned i = 0; i < nf->n_more; i++)
        more[i] = (struct switch_seg){nf->more[i].data, nf->more[i].len};
    *sf = (struct switch_frame){
        .data = nf->data, .len = nf->len, .headroom = nf->headroom, .n_more = nf->n_more,
        .more = more, .off = nf->off, .lendable = lendable, .cookie = (void *)nf,
    };
}

enum nic_rx_result switch_glue_nic_input(struct switch_glue *g, unsigned port, struct nic_frame *f,
                                         bool lendable)
{
    struct switch_seg more[SWITCH_SEGS_MAX];
    struct switch_frame sf;
    from_nic_frame(f, &sf, more, lendable);
    return switch_input(&g->sw, port, &sf, sys_now()) == SWITCH_TAKEN ? NIC_RX_LENT : NIC_RX_DONE;
}

/* The NIC core's rx callback: frames it finished in software (offloads done) or
 * spread over buffers; never lent. */
static bool nic_port_rx(struct nic *n, struct nic_frame *f)
{
    struct glue_port *gp = n->upper;
    switch_glue_nic_input(gp->g, gp->idx, f, false);
    return true;
}

/* The fast path hook: every whole single-buffer frame the core checked, offload
 * facts and all; lendable when its driver lends buffers. */
static enum nic_rx_result nic_port_fast(struct nic *n, struct nic_frame *f, bool *handled)
{
    struct glue_port *gp = n->upper;
    *handled = true;
    return switch_glue_nic_input(gp->g, gp->idx, f, f->owner != NULL);
}

static int nic_port_tx(struct switch_port *p, struct switch_frame *f, bool may_take)
{
    struct glue_port *gp = p->ctx;
    struct nic *n = gp->nic;
    if (may_take && f->cookie) {
        /* The ingress side's frame, with what the switch did to it (a tag pushed
         * into the headroom, a checksum completed). */
        struct nic_frame *nf = f->cookie;
        nf->data = f->data;
        nf->len = f->len;
        nf->headroom = f->headroom;
        nf->off = f->off;
        return nic_forward_frame(n, nf) == NIC_RX_LENT ? SWITCH_TAKEN : SWITCH_SENT;
    }
    struct nic_seg s[1 + SWITCH_SEGS_MAX];
    s[0] = (struct nic_seg){f->data, f->len};
    for (unsigned i = 0; i < f->n_more; i++)
        s[1 + i] = (struct nic_seg){f->more[i].data, f->more[i].len};
    struct nic_tx t = {s, 1u + f->n_more, switch_frame_len(f),
                       (f->off.flags & OFFLOAD_NEEDS_CSUM) ? &f->off : NULL};
    int rc = nic_transmit(n, &t);
    return rc < 0 ? rc : SWITCH_SENT;
}

static void nic_port_link(struct nic *n)
{
    struct glue_port *gp = n->upper;
    switch_port_set_up(&gp->g->sw, gp->idx, n->link_up && n->admin_up);
}

static uint32_t caps_of(const struct nic *n)
{
    uint32_t c = 0;
    if (n->caps & NIC_CAP_TX_CSUM)
        c |= SWITCH_CAP_CSUM;
    if (n->caps & NIC_CAP_TX_TSO4)
        c |= SWITCH_CAP_GSO_TCP4;
    if (n->caps & NIC_CAP_TX_ECN)
        c |= SWITCH_CAP_GSO_ECN;
    return c;
}

static void vlan_of(const struct cfg_vlan *c, struct switch_vlan *v)
{
    memset(v, 0, sizeof *v);
    if (c && c->mode == CFG_VLAN_TRUNK) {
        v->mode = SWITCH_TRUNK;
        v->pvid = c->pvid;
        memcpy(v->tagged, c->tagged, sizeof v->tagged);
    } else {
        v->mode = SWITCH_ACCESS;
        v->pvid = c && c->mode == CFG_VLAN_ACCESS ? c->pvid : SWITCH_VID_DEFAULT;
    }
}

int switch_glue_set_vlan(struct switch_glue *g, unsigned port, const struct cfg_vlan *vlan)
{
    struct switch_vlan v;
    vlan_of(vlan, &v);
    return switch_set_vlan(&g->sw, port, &v);
}

int switch_glue_add_shared_nic(struct switch_glue *g, struct nic *n, const struct cfg_vlan *vlan)
{
    struct switch_port_conf c = {
        .name = n->name, .transmit = nic_port_tx, .caps = caps_of(n), .mtu = n->mtu,
    };
    int idx = switch_glue_add_port(g, &c);
    if (idx < 0) {
        kprintf("%s %s: cannot add %s (error %d)\n", g->kind, g->sw.name, n->name, idx);
        return idx;
    }
    struct glue_port *gp = &g->port[idx];
    gp->nic = n;
    g->sw.port[idx].ctx = gp;
    int rc = switch_glue_set_vlan(g, (unsigned)idx, vlan);
    if (rc) {
        kprintf("%s %s: %s: VLANs refused (error %d)\n", g->kind, g->sw.name, n->name, rc);
        switch_port_set_up(&g->sw, (unsigned)idx, false);
        return rc;
    }
    /* A switch port takes every frame: those for the guests behind the other
     * ports are not addressed to this NIC's MAC, and a NIC that filters by
     * address (e1000, PCnet) would drop them. */
    if (nic_set_promisc(n, true) != 0)
        kprintf("%s %s: %s cannot receive every frame; guests behind it may not be reached\n",
                g->kind, g->sw.name, n->name);
    switch_port_set_up(&g->sw, (unsigned)idx, n->link_up && n->admin_up);
    return idx;
}

int switch_glue_add_nic(struct switch_glue *g, struct nic *n, const struct cfg_vlan *vlan)
{
    int idx = switch_glue_add_shared_nic(g, n, vlan);
    if (idx < 0)
        return idx;
    struct glue_port *gp = &g->port[idx];
    int rc = nic_attach(n, nic_port_rx, nic_port_link, gp);
    if (rc) {
        switch_port_set_up(&g->sw, (unsigned)idx, false);
        return rc;
    }
    n->fastpath = nic_port_fast;
    return 0;
}

void switch_glue_port_up(struct switch_glue *g, unsigned port, bool up)
{
    switch_port_set_up(&g->sw, port, up);
}

/* --- the router port ---------------------------------------------------------------- */

/* Bytes of a pool pbuf that a copy leaves as they were are zeroed up to this, as
 * nicif.c does: lwIP quotes a fixed 28 bytes after the IP header in its ICMP
 * errors, and a short frame must not carry an earlier frame's bytes into them. */
#define RX_ZERO_TAIL (14 + 60 + 8)

static struct pbuf *frame_pbuf(const struct switch_frame *f)
{
    uint32_t len = switch_frame_len(f);
    struct pbuf *q = len <= 0xffff ? pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL) : NULL;
    if (!q)
        return NULL;
    pbuf_take(q, f->data, (u16_t)f->len);
    u16_t at = (u16_t)f->len;
    for (unsigned i = 0; i < f->n_more; i++) {
        pbuf_take_at(q, f->more[i].data, (u16_t)f->more[i].len, at);
        at = (u16_t)(at + f->more[i].len);
    }
    if (len < RX_ZERO_TAIL && q->len == len && q->len + (RX_ZERO_TAIL - len) <= PBUF_POOL_BUFSIZE)
        memset((uint8_t *)q->payload + len, 0, RX_ZERO_TAIL - len);
    return q;
}

int switch_glue_to_netif(struct netif *nif, const struct switch_frame *f, uint8_t pbuf_flags)
{
    struct pbuf *q = frame_pbuf(f);
    if (!q)
        return -ENOMEM;
    for (struct pbuf *r = q; r; r = r->next)
        r->flags |= pbuf_flags;
    if (nif->input(q, nif) != ERR_OK) {
        pbuf_free(q);
        return -ENOMEM;
    }
    return SWITCH_SENT;
}

/* A frame for the router's netif, as the fast path hands one back (its marks set). */
static void router_to_lwip(void *ctx, struct nic_frame *nf)
{
    struct switch_glue *g = ctx;
    struct switch_frame f = {.data = nf->data, .len = nf->len};
    switch_glue_to_netif(&g->router, &f, nf->pbuf_flags);
}

/* A frame the switch sends to vmgate's router. The router port takes no offloads
 * (the switch has cut GSO frames and completed checksums), so what comes is whole
 * and final. The fast path sees it first, as it sees a NIC's frames: a guest's
 * packet of a known flow goes out of the WAN NIC without lwIP, with the guest's
 * receive buffer lent on when the switch may give it (f->cookie, the ingress NIC's
 * frame); else, or for a frame the fast path leaves, a copy goes to lwIP. */
static int router_tx(struct switch_port *p, struct switch_frame *f, bool may_take)
{
    struct switch_glue *g = p->ctx;
    if (!f->n_more) {
        struct nic_frame view = {.data = f->data, .len = f->len, .headroom = f->headroom, .off = f->off};
        struct nic_frame *nf = &view;
        if (may_take && f->cookie) {
            nf = f->cookie;
            nf->data = f->data;
            nf->len = f->len;
            nf->headroom = f->headroom;
            nf->off = f->off;
        }
        bool handled = false;
        enum nic_rx_result r = fastpath_router_input(&g->router, nf, router_to_lwip, g, &handled);
        if (handled)
            return r == NIC_RX_LENT ? SWITCH_TAKEN : SWITCH_SENT;
    }
    return switch_glue_to_netif(&g->router, f, 0);
}

enum nic_rx_result switch_glue_router_forward(struct netif *router, struct nic_frame *f)
{
    struct switch_glue *g = router->state;
    return switch_glue_nic_input(g, (unsigned)g->router_port, f, f->owner != NULL);
}

/* What lwIP sends on a netif that is an endpoint port enters the switch from that
 * port. One buffer, with headroom for a tag; a send from inside another (a loop
 * through a tunnel whose underlay is this very network) is refused rather than let
 * to overwrite it. */
#define OUT_HEADROOM 16
static uint8_t out_buf[OUT_HEADROOM + NIC_MTU_MAX + ETH_HDR_LEN + 4];
static bool out_busy;

err_t switch_glue_output(struct switch_glue *g, unsigned port, struct pbuf *p)
{
    if (out_busy || p->tot_len > sizeof out_buf - OUT_HEADROOM)
        return ERR_IF;
    out_busy = true;
    pbuf_copy_partial(p, out_buf + OUT_HEADROOM, p->tot_len, 0);
    struct switch_frame f = {.data = out_buf + OUT_HEADROOM, .len = p->tot_len, .headroom = OUT_HEADROOM};
    switch_input(&g->sw, port, &f, sys_now());
    out_busy = false;
    return ERR_OK;
}

static err_t router_linkoutput(struct netif *nif, struct pbuf *p)
{
    struct switch_glue *g = nif->state;
    return switch_glue_output(g, (unsigned)g->router_port, p);
}

static err_t router_init(struct netif *nif)
{
    /* "br", as lwIP's bridgeif named NAT Networks' interfaces before. */
    nif->name[0] = 'b';
    nif->name[1] = 'r';
    nif->hwaddr_len = ETH_HWADDR_LEN;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP;
    nif->output = etharp_output;
    nif->linkoutput = router_linkoutput;
    return ERR_OK;
}

struct netif *switch_glue_add_router(struct switch_glue *g, const ip4_addr_t *addr,
                                     const ip4_addr_t *mask, const uint8_t mac_seed[6])
{
    if (g->router_port >= 0)
        return NULL;
    /* The router's MAC: the seed made locally administered, so it is stable across
     * boots and distinct from the NIC's own. */
    uint8_t mac[6];
    memcpy(mac, mac_seed, 6);
    mac[0] = (uint8_t)((mac[0] | 0x02) & 0xfe);
    mac[5] ^= 0x80;
    struct switch_port_conf c = {.name = "vmgate", .transmit = router_tx, .ctx = g, .mac = mac};
    int idx = switch_glue_add_port(g, &c);
    if (idx < 0) {
        kprintf("%s %s: no router port (error %d)\n", g->kind, g->sw.name, idx);
        return NULL;
    }
    ip4_addr_t gw;
    ip4_addr_set_zero(&gw);
    if (!netif_add(&g->router, addr, mask, &gw, g, router_init, alias_netif_input)) {
        kprintf("%s %s: cannot add the router's interface\n", g->kind, g->sw.name);
        switch_port_set_up(&g->sw, (unsigned)idx, false);
        return NULL;
    }
    memcpy(g->router.hwaddr, mac, 6);
    /* What crosses the switch to the router must fit every NIC port. */
    uint16_t mtu = 0;
    for (unsigned i = 0; i < g->sw.n_ports; i++)
        if (g->port[i].nic && (!mtu || g->port[i].nic->mtu < mtu))
            mtu = g->port[i].nic->mtu;
    g->router.mtu = mtu ? mtu : 1500;
    g->router_port = idx;
    netif_set_up(&g->router);
    netif_set_link_up(&g->router);
    kprintf("%s %s: router port, MAC %02x:%02x:%02x:%02x:%02x:%02x, mtu %u\n", g->kind, g->sw.name,
            mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], g->router.mtu);
    return &g->router;
}

/* --- lookups ------------------------------------------------------------------------ */

struct switch_glue *switch_glue_find(const char *name)
{
    for (unsigned i = 0; i < n_glues; i++)
        if (strcmp(glues[i]->sw.name, name) == 0)
            return glues[i];
    return NULL;
}

struct netif *switch_glue_router(struct switch_glue *g)
{
    return g && g->router_port >= 0 ? &g->router : NULL;
}

bool switch_glue_is_router(const struct netif *nif)
{
    for (unsigned i = 0; i < n_glues; i++)
        if (nif == &glues[i]->router)
            return glues[i]->router_port >= 0;
    return false;
}

struct eth_switch *switch_glue_switch(struct switch_glue *g)
{
    return &g->sw;
}

/* --- the console -------------------------------------------------------------------- */

#define FDB_SHOW_MAX 64

struct fdb_print {
    const struct eth_switch *sw;
    unsigned shown;
};

static void print_entry(void *ctx, const struct switch_fdb_entry *e, uint32_t age_ms)
{
    struct fdb_print *fp = ctx;
    if (fp->shown++ >= FDB_SHOW_MAX)
        return;
    kprintf("    vlan %u %02x:%02x:%02x:%02x:%02x:%02x port %s age %u s\n", e->vid, e->mac[0],
            e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5], fp->sw->port[e->port].name,
            (unsigned)(age_ms / 1000));
}

static void print_switch(struct switch_glue *g)
{
    struct eth_switch *sw = &g->sw;
    const struct switch_stats *s = &sw->stats;
    kprintf("switch %s (%s): %u ports, fdb %u of %u (%u per port), aging %u s\n", sw->name, g->kind,
            sw->n_ports, sw->fdb_count, sw->fdb_max, sw->port_fdb_max, (unsigned)(sw->aging_ms / 1000));
    kprintf("  unicast %llu flooded unknown %llu broadcast %llu multicast %llu\n",
            (unsigned long long)s->unicast, (unsigned long long)s->flooded_unknown,
            (unsigned long long)s->flooded_broadcast, (unsigned long long)s->flooded_multicast);
    kprintf("  learned %llu moved %llu expired %llu flushed %llu refused full %llu port %llu chain %llu\n",
            (unsigned long long)s->learned, (unsigned long long)s->moved, (unsigned long long)s->expired,
            (unsigned long long)s->flushed, (unsigned long long)s->refused_full,
            (unsigned long long)s->refused_port, (unsigned long long)s->refused_chain);
    for (unsigned i = 0; i < sw->n_ports; i++) {
        const struct switch_port *p = &sw->port[i];
        const struct switch_port_stats *ps = &p->stats;
        char vlan[96];
        switch_vlan_format(&p->vlan, vlan, sizeof vlan);
        kprintf("  port %s %s %s%s fdb %u: rx %llu frames %llu bytes, tx %llu frames %llu bytes, "
                "flooded in %llu out %llu, segmented %llu, learned %llu moved-in %llu refused %llu\n",
                p->name, p->up ? "up" : "down", vlan, p->endpoint ? " endpoint" : "", p->fdb_count,
                (unsigned long long)ps->rx_frames, (unsigned long long)ps->rx_bytes,
                (unsigned long long)ps->tx_frames, (unsigned long long)ps->tx_bytes,
                (unsigned long long)ps->rx_flooded, (unsigned long long)ps->tx_flooded,
                (unsigned long long)ps->tx_segmented, (unsigned long long)ps->learned,
                (unsigned long long)ps->moved_in, (unsigned long long)ps->refused);
        bool any = false;
        for (int d = 0; d < SWITCH_DROPS; d++)
            any |= ps->drops[d] != 0;
        if (any) {
            kprintf("    drops:");
            for (int d = 0; d < SWITCH_DROPS; d++)
                if (ps->drops[d])
                    kprintf(" %s %llu", switch_drop_name((enum switch_drop)d),
                            (unsigned long long)ps->drops[d]);
            kprintf("\n");
        }
    }
    struct fdb_print fp = {sw, 0};
    kprintf("  fdb:\n");
    unsigned n = switch_fdb_foreach(sw, sys_now(), print_entry, &fp);
    if (n > FDB_SHOW_MAX)
        kprintf("    ... %u more\n", n - FDB_SHOW_MAX);
}

static void cmd_switch(int argc, char **argv)
{
    unsigned shown = 0;
    for (unsigned i = 0; i < n_glues; i++) {
        if (argc > 1 && strcmp(argv[1], glues[i]->sw.name) != 0)
            continue;
        print_switch(glues[i]);
        shown++;
    }
    if (!shown)
        kprintf(argc > 1 ? "switch: no network '%s'\n" : "switch: no internal network or NAT Network%s\n",
                argc > 1 ? argv[1] : "");
}
SHELL_COMMAND("switch", "internal networks' and NAT Networks' switches: ports, counters, FDB; "
              "'switch NAME'", cmd_switch);

#ifdef VMGATE_HOST_TEST
void switch_glue_test_reset(void)
{
    for (unsigned i = 0; i < n_glues; i++) {
        if (glues[i]->router_port >= 0)
            netif_remove(&glues[i]->router);
        switch_free(&glues[i]->sw);
        free(glues[i]);
        glues[i] = NULL;
    }
    n_glues = 0;
    if (ticking)
        sys_untimeout(expire_tick, NULL);
    ticking = false;
    out_busy = false;
}
#endif
