/* virtio-net driver: one RX and one TX queue.
 *
 * Offloads: where the device offers them, vmgate takes checksum offload and TSO in
 * both directions, so a guest's 64 KiB TCP segments can cross vmgate whole (the next
 * device or the host cuts them). Receive buffers are then big enough for a whole GSO
 * frame (the spec's "at least 65562 bytes" without mergeable buffers), else 2 KiB.
 *
 * Buffers: every receive buffer keeps NIC_RX_HEADROOM bytes free before the frame,
 * so that any NIC can write its own transmit header there and send the frame
 * without a copy (nic_forward_frame lends it; rx_recycle gives it back). Frames by
 * copy (from lwIP) are copied into per-slot transmit buffers.
 *
 * State: the device is negotiated at probe; its receive buffers are made, within
 * the NIC's share of the memory plan (kernel/budget.h), and offered to it when the
 * NIC is opened, by when the MTU is known.
 * A virtio device cannot stop receiving short of a reset, so the NIC has no close.
 *
 * The interrupt handler only reads (and so clears) the ISR status; the main loop
 * reclaims, receives and follows the link. */
#include "virtio.h"
#include "virtio_net.h"
#include "nic.h"
#include "../kernel/pci.h"
#include "../kernel/irq.h"
#include "../kernel/io.h"
#include "../kernel/mem.h"
#include "../kernel/budget.h"
#include "../kernel/console.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>

#define VNET_QUEUE_MAX  256
#define VNET_HEADROOM   NIC_RX_HEADROOM
#define VNET_SMALL_BUF  2048                   /* header + 1514 + VLAN tag, rounded */
#define VNET_BIG_BUF    (17 * 4096)            /* >= HEADROOM + 65562 */
#define VNET_JUMBO_BUF  (3 * 4096)             /* >= HEADROOM + 12 + 9000 + 14 + 4 */
#define VNET_BIG_COUNT  256                    /* big buffers posted, at most: 17 MiB, a
                                                  whole ring of QEMU's default 256 */
#define VNET_BIG_MIN    8                      /* fewer: small buffers, no GSO received */
#define VNET_SMALL_MIN  16
#define VNET_RING_BYTES (32 << 10)             /* both rings with their cookies, 256 slots */
#define VNET_TX_COPY    2048
#define VNET_TX_SLOTS_MAX 5                    /* a frame by copy: 12 + 9018 bytes */
#define VNET_JUMBO_MTU  9000
#define VNET_KICK_BATCH 32                     /* notify at least this often in a burst */

struct vnet_rxbuf {
    uint8_t *mem;                              /* the frame starts at mem + HEADROOM */
};

struct vnet_txslot {
    uint8_t *copy;                             /* this slot's buffer for copied frames */
    bool lent;                                 /* in use for a lent frame (below) */
    struct vnet_txslot *more;                  /* further slots of a jumbo frame's copy */
    struct nic_frame frame;
};

struct vnet {
    struct nic nic;
    struct virtio_dev vd;
    struct virtq rxq, txq;
    unsigned hdr_len;
    uint32_t rx_buf_size;
    unsigned n_rx;
    struct vnet_rxbuf *rxbufs;
    struct vnet_txslot *slots;
    struct vnet_txslot *tx_free[VNET_QUEUE_MAX];
    unsigned n_tx_free;
    volatile uint8_t isr_bits;                 /* set by the interrupt handler */
    uint64_t irqs;
};

static void vnet_irq(int irq, void *arg)
{
    struct vnet *v = arg;
    v->isr_bits |= virtio_isr(&v->vd);
    v->irqs++;
}

static bool vnet_link(struct vnet *v)
{
    if (!(v->vd.features & (1ULL << VIRTIO_NET_F_STATUS)))
        return true;
    return virtio_cfg_read16(&v->vd, VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
}

static bool has(const struct vnet *v, int bit)
{
    return v->vd.features & (1ULL << bit);
}

/* Offers a receive buffer to the device: its header lands just before the frame. */
static void vnet_post_rx(struct vnet *v, struct vnet_rxbuf *b)
{
    uint8_t *hdr = b->mem + VNET_HEADROOM - v->hdr_len;
    virtq_add_buf(&v->rxq, (uint64_t)hdr, v->rx_buf_size - (VNET_HEADROOM - v->hdr_len), true, b);
}

static void vnet_rx_recycle(struct nic *n, void *buf)
{
    struct vnet *v = n->priv;
    vnet_post_rx(v, buf);                      /* kicked at the end of the next poll */
}

static void write_tx_header(const struct vnet *v, uint8_t *hdr, const struct offload *o)
{
    struct virtio_net_hdr h;
    memset(&h, 0, sizeof h);
    if (o) {
        h.flags = o->flags & OFFLOAD_NEEDS_CSUM ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
        h.gso_type = o->gso_type;
        h.hdr_len = o->hdr_len;
        h.gso_size = o->gso_size;
        h.csum_start = o->csum_start;
        h.csum_offset = o->csum_offset;
    }
    memcpy(hdr, &h, v->hdr_len);
}

/* Gives a slot back, with the further slots of a jumbo frame's copy. */
static void free_slot(struct vnet *v, struct vnet_txslot *s)
{
    while (s) {
        struct vnet_txslot *next = s->more;
        s->more = NULL;
        v->tx_free[v->n_tx_free++] = s;
        s = next;
    }
}

/* Takes back the slots of finished transmissions; lent buffers go home. */
static void reclaim_tx(struct vnet *v)
{
    uint32_t len;
    unsigned k = 0;
    struct vnet_txslot *done;
    while ((done = virtq_get_used(&v->txq, &len))) {
        if (done->lent) {
            done->lent = false;
            nic_frame_release(&done->frame);
        }
        free_slot(v, done);
        k++;
    }
    if (k)
        nic_tx_done(&v->nic, k);
    virtq_irq_off(&v->txq);                    /* the index moved: ask again for none */
}

static struct vnet_txslot *take_slot(struct vnet *v)
{
    if (v->n_tx_free == 0)
        reclaim_tx(v);                         /* ring full: what has the device finished? */
    return v->n_tx_free ? v->tx_free[--v->n_tx_free] : NULL;
}

/* A frame by copy: its header and bytes in this slot's buffer, and a jumbo frame
 * on in further slots' buffers, one descriptor each (one chain). */
static int vnet_transmit(struct nic *n, const struct nic_tx *t)
{
    struct vnet *v = n->priv;
    uint32_t total = v->hdr_len + t->len;
    unsigned n_slots = (total + VNET_TX_COPY - 1) / VNET_TX_COPY;
    if (n_slots > VNET_TX_SLOTS_MAX)
        return -EMSGSIZE;
    struct virtq_seg segs[VNET_TX_SLOTS_MAX];
    struct vnet_txslot *head = NULL, **tail = &head;
    for (unsigned i = 0; i < n_slots; i++) {
        struct vnet_txslot *s = take_slot(v);
        if (!s) {
            free_slot(v, head);
            return -ENOBUFS;
        }
        *tail = s;
        tail = &s->more;
        segs[i] = (struct virtq_seg){(uint64_t)s->copy,
                                     i + 1 < n_slots ? VNET_TX_COPY : total - i * VNET_TX_COPY, false};
    }
    write_tx_header(v, head->copy, t->off);
    /* Copies the segments into the slots' buffers, across their ends. */
    struct vnet_txslot *s = head;
    uint32_t room = VNET_TX_COPY - v->hdr_len;
    uint8_t *at = head->copy + v->hdr_len;
    for (unsigned i = 0; i < t->n_seg; i++) {
        const uint8_t *from = t->seg[i].data;
        uint32_t left = t->seg[i].len;
        while (left) {
            if (!room) {
                s = s->more;
                at = s->copy;
                room = VNET_TX_COPY;
            }
            uint32_t k = left < room ? left : room;
            memcpy(at, from, k);
            at += k;
            from += k;
            left -= k;
            room -= k;
        }
    }
    int rc = n_slots == 1 ? virtq_add_buf(&v->txq, segs[0].addr, segs[0].len, false, head)
                          : virtq_add_chain(&v->txq, segs, n_slots, head);
    if (rc) {
        free_slot(v, head);
        return -ENOBUFS;
    }
    if (v->txq.added >= VNET_KICK_BATCH)
        virtq_kick(&v->txq);
    return 0;                                  /* else notified by vnet_flush */
}

static int vnet_transmit_frame(struct nic *n, struct nic_frame *f)
{
    struct vnet *v = n->priv;
    if (f->headroom < v->hdr_len || f->n_more)     /* the core checked: tx_headroom, no SG */
        return -ENOTSUP;
    struct vnet_txslot *s = take_slot(v);
    if (!s)
        return -ENOBUFS;
    uint8_t *hdr = f->data - v->hdr_len;
    write_tx_header(v, hdr, &f->off);
    s->lent = true;
    s->frame = *f;
    if (virtq_add_buf(&v->txq, (uint64_t)hdr, v->hdr_len + f->len, false, s)) {
        s->lent = false;
        v->tx_free[v->n_tx_free++] = s;
        return -ENOBUFS;
    }
    if (v->txq.added >= VNET_KICK_BATCH)
        virtq_kick(&v->txq);
    return 0;                                  /* else notified by vnet_flush */
}

static void read_rx_header(const struct vnet *v, const uint8_t *hdr, struct offload *o)
{
    struct virtio_net_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(&h, hdr, v->hdr_len);
    o->flags = h.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID);
    o->gso_type = h.gso_type;
    o->hdr_len = h.hdr_len;
    o->gso_size = h.gso_size;
    o->csum_start = h.csum_start;
    o->csum_offset = h.csum_offset;
}

static int vnet_poll(struct nic *n, int budget)
{
    struct vnet *v = n->priv;
    if (v->isr_bits) {
        uint64_t flags = irq_save();
        uint8_t bits = v->isr_bits;
        v->isr_bits = 0;
        irq_restore(flags);
        if (bits & VIRTIO_ISR_CONFIG)
            nic_set_link(n, vnet_link(v));
    }

    reclaim_tx(v);

    uint32_t len;
    int got = 0;
    struct vnet_rxbuf *b;
    while (got < budget && (b = virtq_get_used(&v->rxq, &len))) {
        got++;
        if (len <= v->hdr_len || len - v->hdr_len > v->rx_buf_size - VNET_HEADROOM) {
            nic_event(n, NIC_EV_RX_ERROR);
            vnet_post_rx(v, b);
            continue;
        }
        struct nic_frame f = {
            .data = b->mem + VNET_HEADROOM,
            .len = len - v->hdr_len,
            .headroom = VNET_HEADROOM,
            .owner = n,
            .buf = b,
        };
        read_rx_header(v, b->mem + VNET_HEADROOM - v->hdr_len, &f.off);
        if (nic_receive(n, &f) == NIC_RX_DONE)
            vnet_post_rx(v, b);
    }
    virtq_irq_next(&v->rxq);                   /* wake the idle loop for the next frame */
    return got;
}

/* Frames wait in the core's backlog: an interrupt when the device next finishes a
 * transmission (reclaim_tx turns it off again). */
static void vnet_tx_wake(struct nic *n)
{
    struct vnet *v = n->priv;
    virtq_irq_next(&v->txq);
}

static void vnet_flush(struct nic *n)
{
    struct vnet *v = n->priv;
    virtq_kick(&v->txq);
    virtq_kick(&v->rxq);
}

static int vnet_fill_rx(struct vnet *v);

/* Makes the receive buffers and offers them to the device: from now on it delivers
 * frames. */
static int vnet_open(struct nic *n)
{
    struct vnet *v = n->priv;
    int rc = v->rxbufs ? 0 : vnet_fill_rx(v);
    if (rc)
        return rc;
    for (unsigned i = 0; i < v->n_rx; i++)
        vnet_post_rx(v, &v->rxbufs[i]);
    virtq_kick(&v->rxq);
    return 0;
}

/* Notifications are what the hypervisor charges for: how many were sent and how
 * many the device said it did not need. */
static unsigned vnet_hw_counters(struct nic *n, struct nic_hw_counter *out, unsigned max)
{
    struct vnet *v = n->priv;
    const struct nic_hw_counter all[] = {
        {"tx-kicks", v->txq.kicks}, {"tx-kicks-saved", v->txq.kicks_saved},
        {"rx-kicks", v->rxq.kicks}, {"rx-kicks-saved", v->rxq.kicks_saved},
        {"interrupts", v->irqs},
    };
    unsigned k = 0;
    for (; k < max && k < sizeof all / sizeof all[0]; k++)
        out[k] = all[k];
    return k;
}

static const struct nic_ops vnet_ops = {
    .hw_counters = vnet_hw_counters,
    .open = vnet_open,
    .transmit = vnet_transmit,
    .poll = vnet_poll,
    .transmit_frame = vnet_transmit_frame,
    .rx_recycle = vnet_rx_recycle,
    .flush = vnet_flush,
    .tx_wake = vnet_tx_wake,
};

/* What a NIC costs before its receive buffers: the rings, the transmit copies and
 * its state on the heap. */
static uint64_t vnet_fixed_bytes(unsigned tx_slots)
{
    return VNET_RING_BYTES + (uint64_t)tx_slots * (VNET_TX_COPY + sizeof(struct vnet_txslot)) +
           sizeof(struct vnet);
}

/* How many receive buffers of this size the NIC's share of memory (budget.h)
 * pays for; 0 when fewer than the minimum. */
static unsigned vnet_rx_count(unsigned tx_slots, uint32_t buf_size, unsigned ring)
{
    bool big = buf_size == VNET_BIG_BUF;
    unsigned max = big && ring > VNET_BIG_COUNT ? VNET_BIG_COUNT : ring;
    /* Fewer than the minimum of its kind is no ring at all (0). */
    return budget_buffers(budget_nic_bytes(), vnet_fixed_bytes(tx_slots),
                          buf_size + sizeof(struct vnet_rxbuf), big ? VNET_BIG_MIN : VNET_SMALL_MIN, max);
}

/* The receive buffers' size: big ones when the device may hand us GSO frames (they
 * hold jumbo frames too), 12 KiB ones for an MTU above 1500 without GSO (a socket
 * netdev has no offloads), else 2 KiB. */
static uint32_t vnet_rx_buf_size(const struct vnet *v)
{
    if (has(v, VIRTIO_NET_F_GUEST_TSO4))
        return VNET_BIG_BUF;
    return v->nic.mtu > 1500 ? VNET_JUMBO_BUF : VNET_SMALL_BUF;
}

/* Receive buffers, as many as the NIC's share of memory pays for, made when the NIC
 * opens (the MTU is known by then). Each is page-aligned and contiguous (the device
 * writes it as one descriptor). */
static int vnet_fill_rx(struct vnet *v)
{
    v->rx_buf_size = vnet_rx_buf_size(v);
    bool big = v->rx_buf_size == VNET_BIG_BUF;
    v->n_rx = vnet_rx_count(v->txq.size, v->rx_buf_size, v->rxq.size);
    if (!v->n_rx)
        return -ENOMEM;
    v->rxbufs = calloc(v->n_rx, sizeof *v->rxbufs);
    if (!v->rxbufs)
        return -ENOMEM;
    /* Small buffers: 64 to a 128 KiB run; jumbo ones 8 to a 96 KiB run. */
    unsigned per_alloc = big ? 1 : v->rx_buf_size == VNET_JUMBO_BUF ? 8 : 64;
    for (unsigned i = 0; i < v->n_rx; i += per_alloc) {
        unsigned k = v->n_rx - i < per_alloc ? v->n_rx - i : per_alloc;
        uint8_t *mem = page_alloc((k * v->rx_buf_size + PAGE_SIZE - 1) / PAGE_SIZE);
        if (!mem)
            return -ENOMEM;
        for (unsigned j = 0; j < k; j++)
            v->rxbufs[i + j].mem = mem + j * v->rx_buf_size;
    }
    return 0;
}

static int vnet_alloc_tx(struct vnet *v)
{
    unsigned n = v->txq.size;
    v->slots = calloc(n, sizeof *v->slots);
    uint8_t *bufs = page_alloc((n * VNET_TX_COPY + PAGE_SIZE - 1) / PAGE_SIZE);
    if (!v->slots || !bufs)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        v->slots[i].copy = bufs + i * VNET_TX_COPY;
        v->tx_free[v->n_tx_free++] = &v->slots[i];
    }
    return 0;
}

static void vnet_read_mac(struct vnet *v, const struct pci_dev *pd)
{
    if (has(v, VIRTIO_NET_F_MAC)) {
        for (int i = 0; i < 6; i++)
            v->nic.mac[i] = virtio_cfg_read8(&v->vd, VIRTIO_NET_CFG_MAC + i);
        return;
    }
    /* No MAC from the device: a locally administered unicast one made from the PCI
     * slot, so that it stays the same across boots (and with it the DHCP leases the
     * WAN's server gave); NICs are probed before the random source is seeded. */
    const uint8_t mac[6] = {0x02, 'v', 'g', pd->bus, pd->dev, pd->fn};
    memcpy(v->nic.mac, mac, sizeof mac);
}

/* The offloads in effect, as NIC capabilities. TSO needs checksum offload in the same
 * direction (the spec makes the device refuse it otherwise). */
static uint32_t vnet_caps(const struct vnet *v)
{
    uint32_t caps = 0;
    if (has(v, VIRTIO_NET_F_CSUM)) {
        caps |= NIC_CAP_TX_CSUM;
        if (has(v, VIRTIO_NET_F_HOST_TSO4))
            caps |= NIC_CAP_TX_TSO4;
        if (has(v, VIRTIO_NET_F_HOST_ECN))
            caps |= NIC_CAP_TX_ECN;
    }
    if (has(v, VIRTIO_NET_F_GUEST_CSUM)) {
        caps |= NIC_CAP_RX_CSUM;
        if (has(v, VIRTIO_NET_F_GUEST_TSO4))
            caps |= NIC_CAP_RX_TSO4;
    }
    return caps;
}

/* Jumbo frames need big or jumbo receive buffers (a 2 KiB one holds 1514 bytes),
 * where memory pays for a ring of them; frames by copy span several transmit slots. A device that states its largest
 * MTU (VIRTIO_NET_F_MTU: QEMU's host_mtu) is taken at its word. */
static uint16_t vnet_max_mtu(struct vnet *v)
{
    bool jumbo = has(v, VIRTIO_NET_F_GUEST_TSO4) ||
                 vnet_rx_count(v->txq.size, VNET_JUMBO_BUF, v->rxq.size) != 0;
    uint16_t max = jumbo ? VNET_JUMBO_MTU : 1500;
    if (has(v, VIRTIO_NET_F_MTU)) {
        uint16_t dev = virtio_cfg_read16(&v->vd, VIRTIO_NET_CFG_MTU);
        if (dev >= 68 && dev < max)
            max = dev;
    }
    return max;
}

static uint64_t vnet_wanted_features(uint64_t offered)
{
    uint64_t want = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |
                    (1ULL << VIRTIO_RING_F_EVENT_IDX) | (1ULL << VIRTIO_NET_F_MTU);
    if (offered & (1ULL << VIRTIO_NET_F_CSUM)) {
        want |= 1ULL << VIRTIO_NET_F_CSUM;
        want |= (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_ECN);
    }
    if (offered & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
        want |= 1ULL << VIRTIO_NET_F_GUEST_CSUM;
        /* GSO frames need big receive buffers: only where memory pays for enough. */
        if (vnet_rx_count(VNET_QUEUE_MAX, VNET_BIG_BUF, VNET_QUEUE_MAX))
            want |= (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_ECN);
    }
    return want;
}

static int vnet_probe(struct pci_dev *pd, const struct pci_id *id)
{
    struct vnet *v = calloc(1, sizeof *v);
    if (!v)
        return -ENOMEM;
    int rc = virtio_pci_init(&v->vd, pd);
    if (rc)
        goto err_free;
    rc = virtio_negotiate(&v->vd, vnet_wanted_features(virtio_device_features(&v->vd)));
    if (rc)
        goto err_fail;
    v->hdr_len = v->vd.modern ? VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEGACY_LEN;
    rc = virtq_init(&v->vd, &v->rxq, VIRTIO_NET_Q_RX, VNET_QUEUE_MAX);
    if (rc)
        goto err_fail;
    rc = virtq_init(&v->vd, &v->txq, VIRTIO_NET_Q_TX, VNET_QUEUE_MAX);
    if (rc)
        goto err_fail;
    if (v->txq.size > VNET_QUEUE_MAX) {
        rc = -ENOTSUP;
        goto err_fail;
    }
    rc = vnet_alloc_tx(v);
    if (rc)
        goto err_fail;
    /* Finished transmissions are reclaimed while polling, and when the ring fills:
     * no interrupt is worth a wake-up for them. */
    virtq_irq_off(&v->txq);

    vnet_read_mac(v, pd);
    v->nic.model = v->vd.modern ? "virtio-net (modern)" : "virtio-net (legacy)";
    v->nic.mtu = 1500;
    v->nic.max_mtu = vnet_max_mtu(v);
    v->nic.caps = vnet_caps(v);
    v->nic.ops = &vnet_ops;
    v->nic.priv = v;
    if (pd->irq_pin)
        irq_register(pd->irq_line, vnet_irq, v, true);
    v->nic.tx_headroom = (uint16_t)v->hdr_len;
    virtio_driver_ok(&v->vd);
    v->nic.link_up = vnet_link(v);
    return nic_register(&v->nic);

    /* Pages taken for rings and buffers stay allocated on failure: a probe fails
     * once, at boot, and the device is then left alone. */
err_fail:
    virtio_fail(&v->vd);
err_free:
    free(v);
    return rc;
}

static const struct pci_id vnet_ids[] = {
    { 0x1af4, 0x1000, 0, "virtio-net (transitional)" },
    { 0x1af4, 0x1041, 0, "virtio-net (modern)" },
    { 0, 0, 0, NULL },
};

static const struct pci_driver vnet_driver = {
    .name = "virtio-net",
    .ids = vnet_ids,
    .probe = vnet_probe,
};
PCI_DRIVER(vnet_driver);
