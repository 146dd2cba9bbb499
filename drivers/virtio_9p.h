/* virtio-9p: a host folder shared with the VM (QEMU `-virtfs local,path=DIR,
 * mount_tag=TAG,...`, libvirt <filesystem type='mount'>), spoken to with 9P
 * messages (net/p9.h) over one request virtqueue.
 *
 * Reference: OASIS virtio 1.1 (4.1 PCI transport; the 9P device is ID 9, so
 * PCI 1AF4:1009 transitional and 1AF4:1049 modern) and QEMU's
 * hw/9pfs/virtio-9p-device.c: a feature bit MOUNT_TAG (0), a configuration
 * space of tag_len (16 bits) and the tag's bytes without a NUL, one queue of
 * 128 entries; each request is a chain of a device-readable T-message and a
 * device-writable buffer for the R-message, which must be big enough for the
 * whole reply (QEMU marks the device broken, NEEDS_RESET, when a reply does not
 * fit its buffer: "VirtFS reply type N needs M bytes, buffer has K").
 *
 * Only the share tagged VIRTIO_9P_TFTP_TAG is taken (the boot files); any other
 * is announced on the console and left alone. Requests are synchronous: the
 * file interface is, and boot files are read one block or window at a time. */
#ifndef VMGATE_VIRTIO_9P_H
#define VMGATE_VIRTIO_9P_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_9P_F_MOUNT_TAG   0
#define VIRTIO_9P_CFG_TAG_LEN   0           /* le16 */
#define VIRTIO_9P_CFG_TAG       2
#define VIRTIO_9P_TAG_MAX       64          /* longer tags are not ours anyway */
#define VIRTIO_9P_QUEUE_MAX     128
#define VIRTIO_9P_TIMEOUT_MS    10000       /* for one reply: the host reads a file */
#define VIRTIO_9P_TFTP_TAG      "vmgate-tftp"

struct virtio_9p;

/* The share tagged VIRTIO_9P_TFTP_TAG that the PCI scan found, or NULL. */
struct virtio_9p *virtio_9p_tftp_share(void);

/* A p9_rpc_fn (net/p9_root.h) over the share: posts t and the reply buffer r,
 * notifies the device and polls for the reply. The reply's length, or
 * -ETIMEDOUT after VIRTIO_9P_TIMEOUT_MS (the device may still write into r
 * later, so the share is given up), -EIO once it was given up or the device
 * reports an error. */
long virtio_9p_rpc(void *share, const uint8_t *t, size_t tlen, uint8_t *r, size_t rcap);

#endif
