/* The NIC interface between drivers and the rest of vmgate.
 *
 * A driver fills a struct nic (ops, MAC, MTU, private state) and registers it; the
 * core numbers NICs in PCI order (nic0, nic1, ...), counts statistics, and hands
 * received frames to whoever attached above (the lwIP netif glue).
 *
 * Buffer ownership:
 *  - receive: the frame stays in the driver's receive buffer; nic_receive() says
 *    whether the driver may reuse it at once or has lent it out (enum
 *    nic_rx_result). lwIP gets copies.
 *  - transmit: nic_transmit() never takes ownership of the pbuf; the driver copies
 *    it (or takes its own reference) before returning. */
#ifndef VMGATE_NIC_H
#define VMGATE_NIC_H

#include <stdbool.h>
#include <stdint.h>
#include "../net/offload.h"

struct pbuf;
struct nic;

/* A received frame, as a driver hands it to the core: the bytes stay in the driver's
 * receive buffer. The core either delivers a copy (to lwIP) and the driver reuses
 * the buffer at once, or lends the buffer to another NIC's transmit ring (zero-copy
 * forwarding); that NIC gives it back through nic_frame_release() when sent. */
struct nic_frame {
    uint8_t *data;                    /* the Ethernet header */
    uint32_t len;
    uint16_t headroom;                /* writable bytes before data (for a TX header) */
    struct offload off;               /* partial checksum / GSO facts; checked by
                                         nic_receive() before anyone reads them */
    struct nic *owner;                /* the NIC whose receive buffer this is */
    void *buf;                        /* the buffer, as the owner knows it */
    uint8_t pbuf_flags;               /* set on every pbuf lwIP gets of this frame:
                                         what has been decided about it already
                                         (lwip-port/pktmark.h) */
};

/* Offload capabilities a NIC negotiated with its device. */
#define NIC_CAP_TX_CSUM   0x01        /* may transmit frames with a partial checksum */
#define NIC_CAP_TX_TSO4   0x02        /* may transmit TCP/IPv4 GSO frames */
#define NIC_CAP_TX_ECN    0x04        /* ... with the ECN flag */
#define NIC_CAP_RX_CSUM   0x08        /* receives frames with partial checksums */
#define NIC_CAP_RX_TSO4   0x10        /* receives GSO frames */

/* What the core did with a received frame. */
enum nic_rx_result {
    NIC_RX_DONE,                      /* the driver may reuse the buffer now */
    NIC_RX_LENT,                      /* the buffer is lent out; nic_frame_release() returns it */
};

#define NIC_MAX 8
#define ETH_HDR_LEN 14
#define ETH_MAX_FRAME 1514            /* without FCS, without VLAN tag */

struct nic_ops {
    /* Sets up rings and starts the device. 0 or a negative errno. */
    int (*open)(struct nic *n);
    /* Queues one frame. 0, or -ENOBUFS when the ring is full (the caller drops). */
    int (*transmit)(struct nic *n, struct pbuf *p);
    /* Reclaims finished transmissions, receives up to budget frames (each through
     * nic_input), acknowledges the device's interrupt, notices link changes.
     * Returns the number of frames received. */
    int (*poll)(struct nic *n, int budget);
    /* Queues a frame whose buffer another NIC (or this one) received into, without
     * copying; the frame must fit the capabilities (caps). On success the driver owns
     * the lent buffer until it calls nic_frame_release(). 0, or -ENOBUFS/-ENOTSUP
     * (the caller still owns it). Optional: NULL if the driver cannot. */
    int (*transmit_frame)(struct nic *n, struct nic_frame *f);
    /* Takes back a receive buffer it lent (see enum nic_rx_result). */
    void (*rx_recycle)(struct nic *n, void *buf);
    /* Tells the device about everything queued since the last flush. Transmit
     * functions only queue: one notification per pass of the main loop costs far
     * less than one per frame (a notification is a trip into the hypervisor).
     * Optional. */
    void (*flush)(struct nic *n);
};

struct nic_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
    uint64_t link_changes;
    uint64_t rx_gso, rx_csum_partial, tx_gso, tx_lent, sw_segmented, sw_csum;
    /* Received frames by what offload_rx_check() found (net/offload.h); the
     * refusals among them are also rx_dropped. */
    uint64_t rx_offload[OFFLOAD_CHECKS];
};

struct nic {
    char name[8];                     /* "nic0": set by nic_register */
    unsigned index;
    const char *model;                /* e.g. "virtio-net (modern)" */
    uint8_t mac[6];
    uint16_t mtu;                     /* in use: the driver's default, or `nicN mtu` */
    uint16_t max_mtu;                 /* the most the driver takes (its buffers); 0: mtu */
    bool link_up;                     /* carrier, as the device reports it */
    bool admin_up;                    /* false: `nicN off`, the cable is pulled */
    uint32_t caps;                    /* NIC_CAP_* */
    const struct nic_ops *ops;
    void *priv;                       /* the driver's state */
    struct nic_stats stats;
    /* The layer above: called for each received frame; it owns the pbuf. */
    void (*rx)(struct nic *n, struct pbuf *p);
    void (*link_changed)(struct nic *n);
    void *upper;
    /* The forwarding fast path, when one is attached: it may send the frame on
     * another NIC (lending the buffer) and says what it did; NIC_RX_DONE with *handled
     * false means "not mine", and the frame goes to lwIP. */
    enum nic_rx_result (*fastpath)(struct nic *n, struct nic_frame *f, bool *handled);
};

/* Registers a probed NIC; returns 0, or -ENOSPC past NIC_MAX. */
int nic_register(struct nic *n);
unsigned nic_count(void);
struct nic *nic_get(unsigned index);

/* Called by drivers. */
/* A received frame: its offload facts checked against the frame and n's
 * negotiated offloads (a frame whose facts are refused is dropped and counted),
 * then through the fast path if any, else to lwIP (partial checksums completed
 * and GSO frames cut in software, since lwIP handles neither). */
enum nic_rx_result nic_receive(struct nic *n, struct nic_frame *f);
/* Copies a received frame into lwIP (as nic_receive does when no fast path takes
 * it): for a fast path that decides late. */
void nic_frame_to_lwip(struct nic *n, struct nic_frame *f);
/* A lent frame has been sent (or dropped): its buffer goes back to its owner. */
void nic_frame_release(struct nic_frame *f);
void nic_set_link(struct nic *n, bool up);

/* Called by the layers above. */
int nic_transmit(struct nic *n, struct pbuf *p);
/* Sends a received frame on n: lent without a copy when n can take it as it is,
 * otherwise finished in software (checksum, segmentation) and copied. Returns what
 * became of the frame's buffer. */
enum nic_rx_result nic_forward_frame(struct nic *n, struct nic_frame *f);
/* Polls every open NIC; returns the number of frames received. */
int nic_poll_all(int budget_per_nic);
/* Flushes every NIC's queued transmissions and refilled receive buffers. */
void nic_flush_all(void);

#ifdef VMGATE_HOST_TEST
/* Host tests: back to the state before any call, between test cases. */
void nic_test_reset(void);
#endif

#endif
