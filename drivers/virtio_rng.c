/* virtio-rng driver (see virtio_rng.h). One device is used, the first one probed:
 * the generator needs one source of host randomness, not several.
 *
 * A request is one device-writable descriptor pointing at a page of our own; the
 * device answers by putting it on the used ring with the count it wrote. We never
 * enable the interrupt (the available ring says NO_INTERRUPT and no handler is
 * registered): the generator asks at boot and when it reseeds, and polls. */
#include "virtio.h"
#include "virtio_rng.h"
#include "../kernel/pci.h"
#include "../kernel/mem.h"
#include "../kernel/clock.h"
#include "../net/chacha20.h"     /* chacha20_wipe */

#include <errno.h>
#include <string.h>

#define VRNG_QUEUE_MAX 8

static struct vrng {
    bool present;
    bool pending;                 /* a request is on the ring */
    struct virtio_dev vd;
    struct virtq q;
    uint8_t *buf;                 /* one page, VIRTIO_RNG_MAX_REQUEST of it used */
} dev;

bool virtio_rng_present(void)
{
    return dev.present;
}

const char *virtio_rng_model(void)
{
    if (!dev.present)
        return NULL;
    return dev.vd.modern ? "virtio-rng (modern)" : "virtio-rng (legacy)";
}

int virtio_rng_request(size_t len)
{
    if (!dev.present)
        return -ENODEV;
    if (dev.pending)
        return -EBUSY;
    if (len > VIRTIO_RNG_MAX_REQUEST)
        len = VIRTIO_RNG_MAX_REQUEST;
    int rc = virtq_add_buf(&dev.q, (uint64_t)dev.buf, (uint32_t)len, true, dev.buf);
    if (rc)
        return rc;
    dev.pending = true;
    virtq_kick(&dev.q);
    return 0;
}

int virtio_rng_collect(void *out, size_t len)
{
    uint32_t got;

    if (!dev.present)
        return -ENODEV;
    if (!dev.pending)
        return -EINVAL;
    if (!virtq_get_used(&dev.q, &got))
        return 0;
    dev.pending = false;
    virtio_isr(&dev.vd);                  /* clears an interrupt the device raised anyway */
    /* The device says how much it wrote; never believe more than we offered. */
    if (got > VIRTIO_RNG_MAX_REQUEST)
        got = VIRTIO_RNG_MAX_REQUEST;
    if (got > len)
        got = (uint32_t)len;
    memcpy(out, dev.buf, got);
    chacha20_wipe(dev.buf, VIRTIO_RNG_MAX_REQUEST);
    return (int)got;
}

int virtio_rng_read(void *out, size_t len, unsigned timeout_ms)
{
    int rc = virtio_rng_request(len);
    if (rc && rc != -EBUSY)
        return rc;
    uint64_t deadline = clock_ms() + timeout_ms;
    for (;;) {
        rc = virtio_rng_collect(out, len);
        if (rc != 0)
            return rc;
        if (clock_ms() >= deadline)
            return -ETIMEDOUT;
        clock_delay_us(50);
    }
}

static int vrng_probe(struct pci_dev *pd, const struct pci_id *id)
{
    if (dev.present)
        return -EBUSY;                    /* one is enough; the others stay unused */
    int rc = virtio_pci_init(&dev.vd, pd);
    if (rc)
        return rc;
    rc = virtio_negotiate(&dev.vd, 0);
    if (rc)
        goto err_fail;
    rc = virtq_init(&dev.vd, &dev.q, VIRTIO_RNG_Q_REQUEST, VRNG_QUEUE_MAX);
    if (rc)
        goto err_fail;
    dev.buf = page_alloc(1);
    if (!dev.buf) {
        rc = -ENOMEM;
        goto err_fail;
    }
    dev.q.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
    virtio_driver_ok(&dev.vd);
    dev.present = true;                   /* kernel/random.c names it when it seeds */
    return 0;

    /* As in virtio-net: ring pages taken stay allocated; the device is left alone. */
err_fail:
    virtio_fail(&dev.vd);
    return rc;
}

static const struct pci_id vrng_ids[] = {
    { 0x1af4, 0x1005, 0, "virtio-rng (transitional)" },
    { 0x1af4, 0x1044, 0, "virtio-rng (modern)" },
    { 0, 0, 0, NULL },
};

static const struct pci_driver vrng_driver = {
    .name = "virtio-rng",
    .ids = vrng_ids,
    .probe = vrng_probe,
};
PCI_DRIVER(vrng_driver);
