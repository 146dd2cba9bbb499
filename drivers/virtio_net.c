/* virtio-net driver: one RX and one TX queue, frame-sized buffers in both, copied
 * to and from lwIP pbufs. The interrupt handler only reads (and so clears) the ISR
 * status; the main loop reclaims, receives and follows the link. */
#include "virtio.h"
#include "virtio_net.h"
#include "nic.h"
#include "../kernel/pci.h"
#include "../kernel/irq.h"
#include "../kernel/io.h"
#include "../kernel/mem.h"
#include "../kernel/console.h"

#include "lwip/pbuf.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>

#define VNET_QUEUE_MAX 256
#define VNET_BUF_SIZE  2048            /* header + 1514-byte frame + VLAN tag, rounded */

struct vnet {
    struct nic nic;
    struct virtio_dev vd;
    struct virtq rxq, txq;
    unsigned hdr_len;
    uint8_t *tx_free[VNET_QUEUE_MAX];  /* TX buffers not in the ring */
    unsigned n_tx_free;
    volatile uint8_t isr_bits;         /* set by the interrupt handler */
};

static void vnet_irq(int irq, void *arg)
{
    struct vnet *v = arg;
    v->isr_bits |= virtio_isr(&v->vd);
}

static bool vnet_link(struct vnet *v)
{
    if (!(v->vd.features & (1ULL << VIRTIO_NET_F_STATUS)))
        return true;
    return virtio_cfg_read16(&v->vd, VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
}

static int vnet_transmit(struct nic *n, struct pbuf *p)
{
    struct vnet *v = n->priv;
    if (p->tot_len > VNET_BUF_SIZE - v->hdr_len)
        return -EMSGSIZE;
    if (v->n_tx_free == 0) {
        /* Ring full: reclaim what the device has finished before giving up. */
        uint32_t len;
        uint8_t *done;
        while ((done = virtq_get_used(&v->txq, &len)))
            v->tx_free[v->n_tx_free++] = done;
        if (v->n_tx_free == 0)
            return -ENOBUFS;
    }
    uint8_t *buf = v->tx_free[--v->n_tx_free];
    memset(buf, 0, v->hdr_len);       /* no offloads requested */
    pbuf_copy_partial(p, buf + v->hdr_len, p->tot_len, 0);
    int rc = virtq_add_buf(&v->txq, (uint64_t)buf, v->hdr_len + p->tot_len, false, buf);
    if (rc) {
        v->tx_free[v->n_tx_free++] = buf;
        return -ENOBUFS;
    }
    virtq_kick(&v->txq);
    return 0;
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

    uint32_t len;
    uint8_t *buf;
    while ((buf = virtq_get_used(&v->txq, &len)))
        v->tx_free[v->n_tx_free++] = buf;

    int got = 0;
    while (got < budget && (buf = virtq_get_used(&v->rxq, &len))) {
        got++;
        if (len <= v->hdr_len || len - v->hdr_len > VNET_BUF_SIZE - v->hdr_len) {
            n->stats.rx_errors++;
        } else {
            uint16_t flen = (uint16_t)(len - v->hdr_len);
            struct pbuf *p = pbuf_alloc(PBUF_RAW, flen, PBUF_POOL);
            if (p) {
                pbuf_take(p, buf + v->hdr_len, flen);
                nic_input(n, p);
            } else {
                n->stats.rx_dropped++;
            }
        }
        /* The buffer goes straight back to the device. */
        virtq_add_buf(&v->rxq, (uint64_t)buf, VNET_BUF_SIZE, true, buf);
    }
    virtq_kick(&v->rxq);
    return got;
}

static int vnet_open(struct nic *n)
{
    return 0;                          /* the rings run from probe on */
}

static const struct nic_ops vnet_ops = {
    .open = vnet_open,
    .transmit = vnet_transmit,
    .poll = vnet_poll,
};

static int vnet_fill_rx(struct vnet *v)
{
    unsigned n = v->rxq.size;
    uint8_t *bufs = page_alloc((n * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
    if (!bufs)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++)
        virtq_add_buf(&v->rxq, (uint64_t)(bufs + i * VNET_BUF_SIZE), VNET_BUF_SIZE, true,
                      bufs + i * VNET_BUF_SIZE);
    return 0;
}

static int vnet_alloc_tx(struct vnet *v)
{
    unsigned n = v->txq.size;
    uint8_t *bufs = page_alloc((n * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
    if (!bufs)
        return -ENOMEM;
    for (unsigned i = 0; i < n && i < VNET_QUEUE_MAX; i++)
        v->tx_free[v->n_tx_free++] = bufs + i * VNET_BUF_SIZE;
    return 0;
}

static void vnet_read_mac(struct vnet *v)
{
    if (v->vd.features & (1ULL << VIRTIO_NET_F_MAC)) {
        for (int i = 0; i < 6; i++)
            v->nic.mac[i] = virtio_cfg_read8(&v->vd, VIRTIO_NET_CFG_MAC + i);
        return;
    }
    /* No MAC from the device: a random locally administered unicast one. */
    for (int i = 0; i < 6; i++)
        v->nic.mac[i] = (uint8_t)rand();
    v->nic.mac[0] = (uint8_t)((v->nic.mac[0] & 0xfe) | 0x02);
}

static int vnet_probe(struct pci_dev *pd, const struct pci_id *id)
{
    struct vnet *v = calloc(1, sizeof *v);
    if (!v)
        return -ENOMEM;
    int rc = virtio_pci_init(&v->vd, pd);
    if (rc)
        goto err_free;
    rc = virtio_negotiate(&v->vd, (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS));
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
    rc = vnet_fill_rx(v);
    if (rc)
        goto err_fail;

    vnet_read_mac(v);
    v->nic.model = v->vd.modern ? "virtio-net (modern)" : "virtio-net (legacy)";
    v->nic.mtu = 1500;
    v->nic.ops = &vnet_ops;
    v->nic.priv = v;
    if (pd->irq_pin)
        irq_register(pd->irq_line, vnet_irq, v, true);
    virtio_driver_ok(&v->vd);
    virtq_kick(&v->rxq);
    v->nic.link_up = vnet_link(v);
    return nic_register(&v->nic);

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
