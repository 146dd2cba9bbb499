/* Glue between a NIC and lwIP: frames in go to netif->input (ethernet_input), frames
 * out come through linkoutput. Buffer rules at this boundary (lwIP's): a non-ERR_OK
 * return from netif->input leaves the pbuf with us, so we free it; linkoutput never
 * takes the pbuf: its bytes go to the driver as segments, which it copies. The NIC
 * core knows nothing of pbufs; this file is where frames become them. */
#include "nicif.h"
#include "../kernel/console.h"

#include "lwip/etharp.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include <string.h>

static struct netif netifs[NIC_MAX];

/* A pbuf chain longer than the driver interface takes is made one run here. */
static uint8_t tx_linear[NIC_MTU_MAX + ETH_HDR_LEN + 4];

static err_t nicif_linkoutput(struct netif *nif, struct pbuf *p)
{
    struct nic *n = nif->state;
    struct nic_seg seg[NIC_TX_SEGS_MAX];
    struct nic_tx t = {seg, 0, p->tot_len, NULL};
    for (struct pbuf *q = p; q && t.n_seg < NIC_TX_SEGS_MAX; q = q->next) {
        if (q->len)
            seg[t.n_seg++] = (struct nic_seg){q->payload, q->len};
        if (q->tot_len == q->len)
            break;
        if (t.n_seg == NIC_TX_SEGS_MAX) {       /* more pieces than segments */
            if (p->tot_len > sizeof tx_linear)
                break;
            pbuf_copy_partial(p, tx_linear, p->tot_len, 0);
            seg[0] = (struct nic_seg){tx_linear, p->tot_len};
            t.n_seg = 1;
            break;
        }
    }
    int rc = nic_transmit(n, &t);
    if (rc == 0) {
        LINK_STATS_INC(link.xmit);
        return ERR_OK;
    }
    LINK_STATS_INC(link.drop);
    return ERR_IF;
}

/* Bytes of a pool pbuf that a copy leaves as they were are zeroed up to this: lwIP
 * quotes a fixed 28 bytes after the IP header in its own ICMP errors, and a short
 * frame must not carry bytes of the frame the buffer held before into them. */
#define RX_ZERO_TAIL (14 + 60 + 8)
_Static_assert(PBUF_POOL_BUFSIZE >= RX_ZERO_TAIL, "a pool pbuf holds the zeroed tail");

/* A received frame's bytes, all its buffers, copied into pool pbufs with the
 * frame's marks (lwip-port/pktmark.h) set on each. */
static struct pbuf *frame_to_pbuf(const struct nic_frame *f)
{
    uint32_t len = nic_frame_len(f);
    struct pbuf *p = len <= 0xffff ? pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL) : NULL;
    if (!p)
        return NULL;
    pbuf_take(p, f->data, (u16_t)f->len);
    u16_t at = (u16_t)f->len;
    for (unsigned i = 0; i < f->n_more; i++) {
        pbuf_take_at(p, f->more[i].data, (u16_t)f->more[i].len, at);
        at = (u16_t)(at + f->more[i].len);
    }
    if (len < RX_ZERO_TAIL && p->len == len)
        memset((uint8_t *)p->payload + len, 0, RX_ZERO_TAIL - len);
    for (struct pbuf *q = p; q; q = q->next)
        q->flags |= f->pbuf_flags;
    return p;
}

static bool nicif_rx(struct nic *n, struct nic_frame *f)
{
    struct netif *nif = n->upper;
    struct pbuf *p = frame_to_pbuf(f);
    if (!p) {
        LINK_STATS_INC(link.memerr);
        return false;
    }
    LINK_STATS_INC(link.recv);
    if (nif->input(p, nif) != ERR_OK) {
        pbuf_free(p);
        return false;
    }
    return true;
}

static void nicif_link_changed(struct nic *n)
{
    struct netif *nif = n->upper;
    if (n->link_up)
        netif_set_link_up(nif);
    else
        netif_set_link_down(nif);
}

static err_t nicif_init(struct netif *nif)
{
    struct nic *n = nif->state;
    nif->name[0] = 'n';
    nif->name[1] = (char)('0' + n->index);
    nif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(nif->hwaddr, n->mac, ETH_HWADDR_LEN);
    nif->mtu = n->mtu;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    nif->output = etharp_output;
    nif->linkoutput = nicif_linkoutput;
    return ERR_OK;
}

/* The NIC core's once-a-second work (its transmit watchdog) runs on lwIP's timer
 * list, which the main loop already serves. */
#define NIC_TICK_MS 1000
static bool ticking;

static void nic_tick_timer(void *arg)
{
    nic_tick(sys_now());
    sys_timeout(NIC_TICK_MS, nic_tick_timer, arg);
}

struct netif *nicif_add(struct nic *n, const ip4_addr_t *addr, const ip4_addr_t *mask,
                        const ip4_addr_t *gw)
{
    struct netif *nif = &netifs[n->index];
    if (!netif_add(nif, addr, mask, gw, n, nicif_init, ethernet_input))
        return NULL;
    if (nic_attach(n, nicif_rx, nicif_link_changed, nif) != 0) {
        netif_remove(nif);
        return NULL;
    }
    if (!ticking) {
        ticking = true;
        sys_timeout(NIC_TICK_MS, nic_tick_timer, NULL);
    }
    netif_set_up(nif);
    if (n->link_up)
        netif_set_link_up(nif);
    return nif;
}

struct netif *nicif_of(struct nic *n)
{
    /* A NIC attached by another layer (a switch port) has no netif of ours; one
     * whose receive a layer between took over (the bridged WAN: bridged_glue.c)
     * keeps its netif as upper. */
    uintptr_t u = (uintptr_t)n->upper;
    return u >= (uintptr_t)netifs && u < (uintptr_t)(netifs + NIC_MAX) ? n->upper : NULL;
}

bool nicif_rx_frame(struct nic *n, struct nic_frame *f)
{
    return nicif_rx(n, f);
}

void nicif_link(struct nic *n)
{
    nicif_link_changed(n);
}

err_t nicif_output(struct netif *nif, struct pbuf *p)
{
    return nicif_linkoutput(nif, p);
}

struct nic *nicif_nic(struct netif *nif)
{
    if (nif < netifs || nif >= netifs + NIC_MAX)
        return NULL;
    return nif->state;
}

#ifdef VMGATE_HOST_TEST
void nicif_test_reset(void)
{
    if (ticking)
        sys_untimeout(nic_tick_timer, NULL);
    ticking = false;
}
#endif
