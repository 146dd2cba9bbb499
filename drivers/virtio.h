/* virtio over PCI: the legacy (0.9.5, I/O BAR 0) and the modern (1.0, vendor
 * capabilities) transports behind one interface, and split virtqueues.
 * Reference: OASIS virtio 1.1, sections 2.6 (split virtqueues), 4.1 (PCI transport,
 * 4.1.4.8 legacy interface), 3.1 (device initialization). */
#ifndef VMGATE_VIRTIO_H
#define VMGATE_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>
#include "../kernel/pci.h"

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACK          0x01
#define VIRTIO_STATUS_DRIVER       0x02
#define VIRTIO_STATUS_DRIVER_OK    0x04
#define VIRTIO_STATUS_FEATURES_OK  0x08
#define VIRTIO_STATUS_NEEDS_RESET  0x40
#define VIRTIO_STATUS_FAILED       0x80

/* Transport feature bits (6). */
#define VIRTIO_RING_F_EVENT_IDX    29   /* used_event / avail_event (2.6.7, 2.6.10) */
#define VIRTIO_F_VERSION_1         32

/* ISR status bits (4.1.4.5). */
#define VIRTIO_ISR_QUEUE           0x01
#define VIRTIO_ISR_CONFIG          0x02

/* Split ring layout (2.6). */
#define VRING_DESC_F_NEXT          1
#define VRING_DESC_F_WRITE         2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1

struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vring_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};

struct vring_used_elem {
    uint32_t id;
    uint32_t len;
};

struct vring_used {
    uint16_t flags;
    uint16_t idx;
    struct vring_used_elem ring[];
};

struct virtio_dev;

struct virtq {
    struct virtio_dev *vd;
    uint16_t index;                   /* queue number on the device */
    uint16_t size;                    /* entries, a power of two */
    volatile struct vring_desc *desc;
    volatile struct vring_avail *avail;
    volatile struct vring_used *used;
    uint16_t free_head;               /* chain of free descriptors through .next */
    uint16_t num_free;
    uint16_t last_used;               /* next used entry to consume */
    uint16_t added;                   /* buffers made available since the last kick */
    bool event_idx;                   /* VIRTIO_RING_F_EVENT_IDX negotiated */
    uint16_t kicked_idx;              /* avail idx the device was last told about */
    uint64_t kicks, kicks_saved;      /* notifications sent, and not needed */
    volatile uint16_t *notify;        /* modern: this queue's notify address */
    void **cookie;                    /* per head descriptor: what the caller attached */
};

struct virtio_dev {
    struct pci_dev *pci;
    bool modern;
    uint16_t io;                      /* legacy: I/O BAR 0 */
    volatile uint8_t *common;         /* modern: common configuration structure */
    volatile uint8_t *isr;
    volatile uint8_t *devcfg;
    volatile uint8_t *notify_base;
    uint32_t notify_mult;
    uint64_t features;                /* negotiated */
};

/* Finds the transport (modern capabilities if present, else the legacy I/O BAR),
 * resets the device and announces the driver (ACK | DRIVER). 0 or -errno. */
int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *pd);
uint64_t virtio_device_features(struct virtio_dev *vd);
/* Accepts `wanted & offered` (VERSION_1 added on the modern transport); on the
 * modern transport sets FEATURES_OK and checks the device kept it. 0 or -errno. */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted);
/* Allocates and registers queue `index` with at most max_size entries. */
int virtq_init(struct virtio_dev *vd, struct virtq *q, uint16_t index, uint16_t max_size);
void virtio_driver_ok(struct virtio_dev *vd);
void virtio_fail(struct virtio_dev *vd);
/* Reads (and so clears and deasserts) the ISR status. */
uint8_t virtio_isr(struct virtio_dev *vd);
/* The device status byte (VIRTIO_STATUS_*): NEEDS_RESET says the device gave up. */
uint8_t virtio_status(struct virtio_dev *vd);
uint8_t virtio_cfg_read8(struct virtio_dev *vd, unsigned off);
uint16_t virtio_cfg_read16(struct virtio_dev *vd, unsigned off);

/* Makes a one-descriptor buffer available: device-writable if `write`.
 * Returns 0, or -ENOSPC when no descriptor is free. */
int virtq_add_buf(struct virtq *q, uint64_t addr, uint32_t len, bool write, void *cookie);

/* One part of a descriptor chain. */
struct virtq_seg {
    uint64_t addr;
    uint32_t len;
    bool write;                       /* device-writable */
};

/* Makes n descriptors one buffer, in order (the device-readable parts must come
 * before the writable ones, 2.6.4.2): a request and the room for its reply, as
 * virtio-9p wants them. Returns 0, -ENOSPC when fewer than n are free, -EINVAL
 * for n == 0. virtq_get_used frees the whole chain. */
int virtq_add_chain(struct virtq *q, const struct virtq_seg *segs, unsigned n, void *cookie);
/* Notifies the device of buffers added since the last kick, unless it asked not
 * to be notified. */
void virtq_kick(struct virtq *q);
/* Interrupts from this queue: wanted when the next buffer is used (a receive queue
 * that wakes the idle loop), or not at all (a transmit queue reclaimed by polling).
 * With EVENT_IDX they are asked for by index (used_event), else by the ring's flag;
 * virtq_irq_off must be repeated after consuming, since an index goes stale. */
void virtq_irq_next(struct virtq *q);
void virtq_irq_off(struct virtq *q);
/* The next used buffer's cookie and written length; NULL when none. Frees its
 * descriptors. */
void *virtq_get_used(struct virtq *q, uint32_t *len);

#endif
