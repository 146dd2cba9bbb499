/* virtio-net device (virtio 1.1, section 5.1): feature bits, configuration layout
 * and the per-packet header. */
#ifndef VMGATE_VIRTIO_NET_H
#define VMGATE_VIRTIO_NET_H

#include <stdint.h>

#define VIRTIO_NET_F_CSUM        0    /* device completes checksums we leave partial */
#define VIRTIO_NET_F_GUEST_CSUM  1    /* we accept packets with partial checksums */
#define VIRTIO_NET_F_MTU         3    /* config has the largest MTU the device takes */
#define VIRTIO_NET_F_MAC         5    /* config has the MAC address */
#define VIRTIO_NET_F_GUEST_TSO4  7    /* we accept TCP/IPv4 GSO frames */
#define VIRTIO_NET_F_GUEST_ECN   9    /* ... with the ECN flag */
#define VIRTIO_NET_F_HOST_TSO4   11   /* the device takes TCP/IPv4 GSO frames from us */
#define VIRTIO_NET_F_HOST_ECN    13   /* ... with the ECN flag */
#define VIRTIO_NET_F_STATUS      16   /* config has the link status */

/* Device configuration offsets. */
#define VIRTIO_NET_CFG_MAC       0
#define VIRTIO_NET_CFG_STATUS    6
#define VIRTIO_NET_CFG_MTU       10   /* after max_virtqueue_pairs (5.1.4) */
#define VIRTIO_NET_S_LINK_UP     1

#define VIRTIO_NET_Q_RX 0
#define VIRTIO_NET_Q_TX 1

/* The header before every frame. num_buffers exists with VERSION_1 (or mergeable buffers, not used);
 * a legacy device without MRG_RXBUF uses the first 10 bytes only. */
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
} __attribute__((packed));

/* Header flags and GSO types (5.1.6): the same values as struct offload's. */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2

#define VIRTIO_NET_HDR_LEGACY_LEN 10
#define VIRTIO_NET_HDR_LEN        12

#endif
