/* The two virtio PCI transports. The modern one is preferred when a device offers
 * both (QEMU's transitional virtio-net-pci); the legacy one remains for
 * `disable-modern=on` and for hypervisors that only have it (VirtualBox's
 * virtio-net is a legacy device). */
#include "virtio.h"
#include "../kernel/io.h"
#include "../kernel/mem.h"
#include "../kernel/console.h"
#include "../kernel/clock.h"

#include <errno.h>
#include <string.h>

/* Legacy register block in I/O BAR 0 (4.1.4.8). */
#define VL_DEVICE_FEATURES 0x00
#define VL_GUEST_FEATURES  0x04
#define VL_QUEUE_PFN       0x08
#define VL_QUEUE_SIZE      0x0c
#define VL_QUEUE_SELECT    0x0e
#define VL_QUEUE_NOTIFY    0x10
#define VL_STATUS          0x12
#define VL_ISR             0x13
#define VL_DEVCFG          0x14     /* without MSI-X, which we never enable */

/* Modern capability types and the common configuration layout (4.1.4.3). */
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR    3
#define VIRTIO_PCI_CAP_DEVICE 4

#define VC_DFSELECT      0x00
#define VC_DF            0x04
#define VC_GFSELECT      0x08
#define VC_GF            0x0c
#define VC_MSIX_CONFIG   0x10
#define VC_NUM_QUEUES    0x12
#define VC_STATUS        0x14
#define VC_CFG_GEN       0x15
#define VC_Q_SELECT      0x16
#define VC_Q_SIZE        0x18
#define VC_Q_MSIX        0x1a
#define VC_Q_ENABLE      0x1c
#define VC_Q_NOTIFY_OFF  0x1e
#define VC_Q_DESC        0x20
#define VC_Q_DRIVER      0x28
#define VC_Q_DEVICE      0x30

#define VIRTIO_MSI_NO_VECTOR 0xffff

static volatile uint8_t *map_cap(struct pci_dev *pd, uint8_t cap, uint32_t *len_out)
{
    uint8_t bar = pci_read8(pd, cap + 4);
    uint32_t off = pci_read32(pd, cap + 8);
    uint32_t len = pci_read32(pd, cap + 12);
    if (bar > 5 || pd->bar[bar].io || !pd->bar[bar].size)
        return NULL;
    /* Distrust the device a little: the window must lie inside its BAR. */
    if ((uint64_t)off + len > pd->bar[bar].size)
        return NULL;
    if (len_out)
        *len_out = len;
    return (volatile uint8_t *)mmio_map(pd->bar[bar].addr + off, len);
}

static int find_modern(struct virtio_dev *vd, struct pci_dev *pd)
{
    for (uint8_t cap = pci_find_cap(pd, PCI_CAP_VENDOR, 0); cap;
         cap = pci_find_cap(pd, PCI_CAP_VENDOR, cap)) {
        uint8_t type = pci_read8(pd, cap + 3);
        switch (type) {
        case VIRTIO_PCI_CAP_COMMON:
            if (!vd->common)
                vd->common = map_cap(pd, cap, NULL);
            break;
        case VIRTIO_PCI_CAP_NOTIFY:
            if (!vd->notify_base) {
                vd->notify_base = map_cap(pd, cap, NULL);
                vd->notify_mult = pci_read32(pd, cap + 16);
            }
            break;
        case VIRTIO_PCI_CAP_ISR:
            if (!vd->isr)
                vd->isr = map_cap(pd, cap, NULL);
            break;
        case VIRTIO_PCI_CAP_DEVICE:
            if (!vd->devcfg)
                vd->devcfg = map_cap(pd, cap, NULL);
            break;
        }
    }
    return vd->common && vd->notify_base && vd->isr && vd->devcfg ? 0 : -ENODEV;
}

static void set_status(struct virtio_dev *vd, uint8_t bits)
{
    if (vd->modern)
        mmio_write8(vd->common + VC_STATUS, mmio_read8(vd->common + VC_STATUS) | bits);
    else
        outb(vd->io + VL_STATUS, inb(vd->io + VL_STATUS) | bits);
}

static uint8_t get_status(struct virtio_dev *vd)
{
    return vd->modern ? mmio_read8(vd->common + VC_STATUS) : inb(vd->io + VL_STATUS);
}

static int reset(struct virtio_dev *vd)
{
    if (!vd->modern) {
        outb(vd->io + VL_STATUS, 0);
        return 0;
    }
    mmio_write8(vd->common + VC_STATUS, 0);
    /* The device finishes resetting when status reads back 0 (4.1.4.3.2). */
    for (int i = 0; i < 100000; i++) {
        if (mmio_read8(vd->common + VC_STATUS) == 0)
            return 0;
        clock_delay_us(10);
    }
    return -ETIMEDOUT;
}

int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *pd)
{
    memset(vd, 0, sizeof *vd);
    vd->pci = pd;
    pci_enable(pd);
    if (find_modern(vd, pd) == 0) {
        vd->modern = true;
    } else if (pd->bar[0].io && pd->bar[0].size >= 0x18) {
        vd->io = (uint16_t)pd->bar[0].addr;
    } else {
        return -ENODEV;
    }
    int rc = reset(vd);
    if (rc)
        return rc;
    set_status(vd, VIRTIO_STATUS_ACK);
    set_status(vd, VIRTIO_STATUS_DRIVER);
    return 0;
}

uint64_t virtio_device_features(struct virtio_dev *vd)
{
    if (!vd->modern)
        return inl(vd->io + VL_DEVICE_FEATURES);
    mmio_write32(vd->common + VC_DFSELECT, 0);
    uint64_t lo = mmio_read32(vd->common + VC_DF);
    mmio_write32(vd->common + VC_DFSELECT, 1);
    uint64_t hi = mmio_read32(vd->common + VC_DF);
    return lo | hi << 32;
}

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted)
{
    uint64_t offered = virtio_device_features(vd);
    if (vd->modern) {
        if (!(offered & (1ULL << VIRTIO_F_VERSION_1)))
            return -ENOTSUP;
        wanted |= 1ULL << VIRTIO_F_VERSION_1;
    }
    vd->features = wanted & offered;
    if (!vd->modern) {
        outl(vd->io + VL_GUEST_FEATURES, (uint32_t)vd->features);
        return 0;
    }
    mmio_write32(vd->common + VC_GFSELECT, 0);
    mmio_write32(vd->common + VC_GF, (uint32_t)vd->features);
    mmio_write32(vd->common + VC_GFSELECT, 1);
    mmio_write32(vd->common + VC_GF, (uint32_t)(vd->features >> 32));
    set_status(vd, VIRTIO_STATUS_FEATURES_OK);
    if (!(get_status(vd) & VIRTIO_STATUS_FEATURES_OK))
        return -ENOTSUP;
    return 0;
}

/* Ring memory sizes (2.6.2). The legacy layout is one contiguous block with the
 * used ring on the next 4 KiB boundary; we use that layout for both transports. */
static uint64_t ring_bytes(uint16_t n, uint64_t *used_off)
{
    uint64_t desc_avail = 16ULL * n + 2ULL * (3 + n);
    *used_off = (desc_avail + 4095) & ~4095ULL;
    return *used_off + ((2ULL * 3 + 8ULL * n + 4095) & ~4095ULL);
}

int virtq_init(struct virtio_dev *vd, struct virtq *q, uint16_t index, uint16_t max_size)
{
    memset(q, 0, sizeof *q);
    q->vd = vd;
    q->index = index;
    uint16_t n;
    if (vd->modern) {
        mmio_write16(vd->common + VC_Q_SELECT, index);
        n = mmio_read16(vd->common + VC_Q_SIZE);
        /* Modern devices accept a smaller power of two. */
        while (n > max_size)
            n /= 2;
    } else {
        outw(vd->io + VL_QUEUE_SELECT, index);
        n = inw(vd->io + VL_QUEUE_SIZE);        /* legacy: fixed by the device */
    }
    if (n == 0 || (n & (n - 1)))
        return -ENODEV;
    uint64_t used_off;
    uint64_t bytes = ring_bytes(n, &used_off);
    uint8_t *mem = page_alloc((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
    q->cookie = page_alloc((n * sizeof(void *) + PAGE_SIZE - 1) / PAGE_SIZE);
    if (!mem || !q->cookie)
        return -ENOMEM;
    q->size = n;
    q->desc = (volatile struct vring_desc *)mem;
    q->avail = (volatile struct vring_avail *)(mem + 16ULL * n);
    q->used = (volatile struct vring_used *)(mem + used_off);
    for (uint16_t i = 0; i < n; i++)
        q->desc[i].next = (uint16_t)(i + 1);
    q->free_head = 0;
    q->num_free = n;
    q->event_idx = (vd->features >> VIRTIO_RING_F_EVENT_IDX) & 1;

    if (vd->modern) {
        mmio_write16(vd->common + VC_Q_SIZE, n);
        mmio_write16(vd->common + VC_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
        mmio_write64(vd->common + VC_Q_DESC, (uint64_t)q->desc);
        mmio_write64(vd->common + VC_Q_DRIVER, (uint64_t)q->avail);
        mmio_write64(vd->common + VC_Q_DEVICE, (uint64_t)q->used);
        uint16_t off = mmio_read16(vd->common + VC_Q_NOTIFY_OFF);
        q->notify = (volatile uint16_t *)(vd->notify_base + (uint64_t)off * vd->notify_mult);
        mmio_write16(vd->common + VC_Q_ENABLE, 1);
    } else {
        outl(vd->io + VL_QUEUE_PFN, (uint32_t)((uint64_t)mem >> 12));
    }
    return 0;
}

void virtio_driver_ok(struct virtio_dev *vd)
{
    if (vd->modern)
        mmio_write16(vd->common + VC_MSIX_CONFIG, VIRTIO_MSI_NO_VECTOR);
    set_status(vd, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *vd)
{
    set_status(vd, VIRTIO_STATUS_FAILED);
}

uint8_t virtio_status(struct virtio_dev *vd)
{
    return get_status(vd);
}

uint8_t virtio_isr(struct virtio_dev *vd)
{
    return vd->modern ? mmio_read8(vd->isr) : inb(vd->io + VL_ISR);
}

uint8_t virtio_cfg_read8(struct virtio_dev *vd, unsigned off)
{
    return vd->modern ? mmio_read8(vd->devcfg + off) : inb(vd->io + VL_DEVCFG + off);
}

uint16_t virtio_cfg_read16(struct virtio_dev *vd, unsigned off)
{
    return vd->modern ? mmio_read16(vd->devcfg + off) : inw(vd->io + VL_DEVCFG + off);
}

/* The device's avail_event, after the used ring's entries (2.6.8). */
static uint16_t avail_event(const struct virtq *q)
{
    return *(volatile const uint16_t *)&q->used->ring[q->size];
}

/* A notification costs a trip into the hypervisor, so it is sent only when the
 * device asked for one: with EVENT_IDX when the new buffers cross the index it
 * named (2.6.10.1: the same test as vring_need_event), else unless it set
 * NO_NOTIFY while it is busy with the queue anyway. */
void virtq_kick(struct virtq *q)
{
    if (!q->added)
        return;
    q->added = 0;
    /* The device must see the new avail index before we read what it asked for. */
    mb();
    uint16_t now = q->avail->idx, before = q->kicked_idx;
    q->kicked_idx = now;
    bool wanted = q->event_idx ? (uint16_t)(now - avail_event(q) - 1) < (uint16_t)(now - before)
                               : !(q->used->flags & VRING_USED_F_NO_NOTIFY);
    if (!wanted) {
        q->kicks_saved++;
        return;
    }
    q->kicks++;
    if (q->vd->modern)
        mmio_write16(q->notify, q->index);
    else
        outw(q->vd->io + VL_QUEUE_NOTIFY, q->index);
}

static void set_used_event(struct virtq *q, uint16_t idx)
{
    q->avail->ring[q->size] = idx;
    mb();                               /* before the caller looks at the used ring again */
}

void virtq_irq_next(struct virtq *q)
{
    if (q->event_idx)
        set_used_event(q, q->last_used);
    else
        q->avail->flags = 0;
}

void virtq_irq_off(struct virtq *q)
{
    if (q->event_idx)
        set_used_event(q, (uint16_t)(q->last_used - 1));   /* behind: never crossed */
    else
        q->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
}
