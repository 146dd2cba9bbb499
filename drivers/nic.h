/* The NIC interface between drivers and the rest of vmgate.
 *
 * A driver fills a struct nic (ops, MAC, MTU, private state) and registers it; the
 * core numbers NICs in PCI order (nic0, nic1, ...), counts statistics, and hands
 * received frames to whoever attached above (the lwIP netif glue).
 *
 * Buffer ownership:
 *  - receive: the driver allocates a pbuf per frame and passes it to nic_input(),
 *    which always consumes it (delivers or frees).
 *  - transmit: nic_transmit() never takes ownership of the pbuf; the driver copies
 *    it (or takes its own reference) before returning. */
#ifndef VMGATE_NIC_H
#define VMGATE_NIC_H

#include <stdbool.h>
#include <stdint.h>

struct pbuf;
struct nic;

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
};

struct nic_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
    uint64_t link_changes;
};

struct nic {
    char name[8];                     /* "nic0": set by nic_register */
    unsigned index;
    const char *model;                /* e.g. "virtio-net (modern)" */
    uint8_t mac[6];
    uint16_t mtu;
    bool link_up;                     /* carrier, as the device reports it */
    bool admin_up;                    /* false: `nicN off`, the cable is pulled */
    const struct nic_ops *ops;
    void *priv;                       /* the driver's state */
    struct nic_stats stats;
    /* The layer above: called for each received frame; it owns the pbuf. */
    void (*rx)(struct nic *n, struct pbuf *p);
    void (*link_changed)(struct nic *n);
    void *upper;
};

/* Registers a probed NIC; returns 0, or -ENOSPC past NIC_MAX. */
int nic_register(struct nic *n);
unsigned nic_count(void);
struct nic *nic_get(unsigned index);

/* Called by drivers. */
void nic_input(struct nic *n, struct pbuf *p);
void nic_set_link(struct nic *n, bool up);

/* Called by the layers above. */
int nic_transmit(struct nic *n, struct pbuf *p);
/* Polls every open NIC; returns the number of frames received. */
int nic_poll_all(int budget_per_nic);

#endif
