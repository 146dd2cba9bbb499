/* virtio-9p transport: contract in virtio_9p.h.
 *
 * No interrupts: a request is posted and its reply polled for, so the device is
 * told not to interrupt (VRING_AVAIL_F_NO_INTERRUPT) and its INTx is turned off,
 * which keeps an unread ISR from holding a shared interrupt line up. The rings
 * and buffers are in identity-mapped memory, so a pointer is the address the
 * device is given. */
#include "virtio.h"
#include "virtio_9p.h"
#include "../kernel/pci.h"
#include "../kernel/io.h"
#include "../kernel/clock.h"
#include "../kernel/console.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct virtio_9p {
    struct virtio_dev vd;
    struct virtq q;
    char tag[VIRTIO_9P_TAG_MAX];
    bool broken;
    uint64_t requests;
};

static struct virtio_9p *tftp_share;

struct virtio_9p *virtio_9p_tftp_share(void)
{
    return tftp_share;
}

static void give_up(struct virtio_9p *s, const char *why, unsigned type)
{
    s->broken = true;
    kprintf("virtio-9p %s: %s (request type %u); the share is no longer used\n", s->tag, why, type);
}

long virtio_9p_rpc(void *share, const uint8_t *t, size_t tlen, uint8_t *r, size_t rcap)
{
    struct virtio_9p *s = share;
    if (s->broken)
        return -EIO;
    if (tlen < 7 || tlen > 0xffffffffu || rcap < 7 || rcap > 0xffffffffu)
        return -EINVAL;
    struct virtq_seg segs[2] = {
        { (uint64_t)(uintptr_t)t, (uint32_t)tlen, false },
        { (uint64_t)(uintptr_t)r, (uint32_t)rcap, true },
    };
    /* One request at a time: the queue is empty between calls. */
    int rc = virtq_add_chain(&s->q, segs, 2, r);
    if (rc)
        return rc;
    s->requests++;
    virtq_kick(&s->q);
    uint64_t deadline = clock_ms() + VIRTIO_9P_TIMEOUT_MS;
    for (unsigned spin = 0;; spin++) {
        uint32_t len;
        void *cookie = virtq_get_used(&s->q, &len);
        if (cookie) {
            if (cookie != r || len > rcap) {
                give_up(s, "the device returned a buffer it was not given", t[4]);
                return -EIO;
            }
            return (long)len;
        }
        if ((spin & 1023) == 0) {
            if (virtio_status(&s->vd) & VIRTIO_STATUS_NEEDS_RESET) {
                give_up(s, "the device reports an error (NEEDS_RESET)", t[4]);
                return -EIO;
            }
            if (clock_ms() > deadline) {
                give_up(s, "no reply in 10 s", t[4]);
                return -ETIMEDOUT;
            }
        }
        cpu_relax();
    }
}

static void read_tag(struct virtio_9p *s)
{
    unsigned len = virtio_cfg_read16(&s->vd, VIRTIO_9P_CFG_TAG_LEN);
    if (len > sizeof s->tag - 1)
        len = sizeof s->tag - 1;
    for (unsigned i = 0; i < len; i++) {
        uint8_t c = virtio_cfg_read8(&s->vd, VIRTIO_9P_CFG_TAG + i);
        s->tag[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    s->tag[len] = 0;
}

static int v9p_probe(struct pci_dev *pd, const struct pci_id *id)
{
    struct virtio_9p *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    int rc = virtio_pci_init(&s->vd, pd);
    if (rc)
        goto err_free;
    rc = virtio_negotiate(&s->vd, 1ULL << VIRTIO_9P_F_MOUNT_TAG);
    if (rc)
        goto err_fail;
    if (!(s->vd.features & (1ULL << VIRTIO_9P_F_MOUNT_TAG))) {
        kprintf("virtio-9p: a share without a mount tag: ignored\n");
        rc = 0;
        goto err_fail;
    }
    read_tag(s);
    if (strcmp(s->tag, VIRTIO_9P_TFTP_TAG) != 0 || tftp_share) {
        kprintf("virtio-9p: share '%s' ignored (vmgate serves boot files from the one tagged %s)\n",
                s->tag, VIRTIO_9P_TFTP_TAG);
        rc = 0;                          /* taken, so no other driver tries; left unused */
        goto err_fail;
    }
    rc = virtq_init(&s->vd, &s->q, 0, VIRTIO_9P_QUEUE_MAX);
    if (rc)
        goto err_fail;
    s->q.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
    pci_write16(pd, PCI_CFG_COMMAND, (uint16_t)(pci_read16(pd, PCI_CFG_COMMAND) | PCI_CMD_INTX_OFF));
    virtio_driver_ok(&s->vd);
    kprintf("virtio-9p: share '%s' (%s, queue %u)\n", s->tag, s->vd.modern ? "modern" : "legacy",
            s->q.size);
    tftp_share = s;
    return 0;

    /* Ring pages stay allocated on failure, as in virtio_net: a probe fails once. */
err_fail:
    virtio_fail(&s->vd);
err_free:
    free(s);
    return rc;
}

static const struct pci_id v9p_ids[] = {
    { 0x1af4, 0x1009, 0, "virtio-9p (transitional)" },
    { 0x1af4, 0x1049, 0, "virtio-9p (modern)" },
    { 0, 0, 0, NULL },
};

static const struct pci_driver v9p_driver = {
    .name = "virtio-9p",
    .ids = v9p_ids,
    .probe = v9p_probe,
};
PCI_DRIVER(v9p_driver);
