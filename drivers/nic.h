/* The NIC interface between drivers and the rest of vmgate.
 *
 * A driver's probe fills a struct nic (ops, MAC, MTU limits, capabilities, private
 * state) and registers it; the core numbers NICs in PCI order (nic0, nic1, ...),
 * keeps every counter, and hands received frames to whoever attached above (the
 * lwIP netif glue, a bridge port). No driver includes lwIP: frames cross this
 * interface as bytes.
 *
 * Life of a NIC (enum nic_state): probed and registered, it is CLOSED: the device
 * may be reset and its rings allocated, but it neither receives nor sends. The
 * layer above opens it when it attaches (nic_attach): the driver starts its
 * receiver. nic_close stops it again; a driver's close returns every buffer lent to
 * it (nic_frame_release) and forgets what it had queued.
 *
 * Buffer ownership:
 *  - receive: the frame stays in the driver's receive buffers. nic_receive() says
 *    whether the driver may reuse them at once (NIC_RX_DONE; lwIP got a copy) or
 *    they are lent to another NIC's transmit ring or its backlog (NIC_RX_LENT),
 *    which gives them back through nic_frame_release() -> the owner's rx_recycle
 *    when it has sent.
 *  - transmit by copy (ops->transmit): the driver copies the bytes of struct
 *    nic_tx before it returns and keeps no pointer into them.
 *  - transmit by lending (ops->transmit_frame): the driver owns the frame's buffer
 *    until it calls nic_frame_release(), once, when the device is done with it (or
 *    when it is closed or reset).
 *
 * Counters: drivers never write struct nic_stats. Received and sent frames are
 * counted by the core as they cross it; what only the driver sees (a receive
 * overrun, a ring full, a device error) it reports with nic_event(). Counters kept
 * by the chip itself (e1000 MPC, PCnet's missed-frame count) the driver returns
 * through ops->hw_counters, beside the core's. */
#ifndef VMGATE_NIC_H
#define VMGATE_NIC_H

#include <stdbool.h>
#include <stdint.h>
#include "../net/offload.h"

struct nic;

#define NIC_MAX 8
#define ETH_HDR_LEN 14
#define ETH_ADDR_LEN 6
#define ETH_MAX_FRAME 1514            /* without FCS, without VLAN tag */
#define NIC_MTU_MAX 9000              /* jumbo frames: the most any driver takes */

/* Every driver leaves this many bytes free before each received frame, so that any
 * NIC can write its own transmit header there (virtio-net's 12 bytes) and send the
 * frame without a copy. A NIC's own need is tx_headroom (<= this). */
#define NIC_RX_HEADROOM 16

/* Buffers of one received frame beyond its first (PCnet STP..ENP, chained e1000
 * descriptors): a frame that spans more is dropped by the driver (NIC_EV_RX_OVERSIZE). */
#define NIC_RX_FRAGS_MAX 8

/* A receive buffer beyond a frame's first. */
struct nic_rxfrag {
    uint8_t *data;
    uint32_t len;
    void *buf;                        /* the buffer, as the owner knows it */
};

/* A received frame, as a driver hands it to the core: the bytes stay in the driver's
 * receive buffers. The Ethernet header and everything after it up to len lie in the
 * first buffer; a frame that spans several buffers has the rest in more[]. */
struct nic_frame {
    uint8_t *data;                    /* the Ethernet header */
    uint32_t len;                     /* bytes at data (the whole frame when n_more is 0) */
    uint16_t headroom;                /* writable bytes before data (>= NIC_RX_HEADROOM
                                         where the driver can lend its buffers) */
    uint8_t n_more;                   /* further buffers, 0..NIC_RX_FRAGS_MAX */
    struct nic_rxfrag more[NIC_RX_FRAGS_MAX];
    struct offload off;               /* partial checksum / GSO facts; checked by
                                         nic_receive() before anyone reads them */
    struct nic *owner;                /* the NIC whose receive buffer this is; NULL:
                                         not to be lent (the driver has no buffer to
                                         put in its place), only copied */
    void *buf;                        /* the first buffer, as the owner knows it */
    uint8_t pbuf_flags;               /* set on every pbuf lwIP gets of this frame:
                                         what has been decided about it already
                                         (lwip-port/pktmark.h) */
};

/* The whole length of a received frame, all its buffers. */
uint32_t nic_frame_len(const struct nic_frame *f);

/* A frame to transmit by copy: the bytes of seg[0..n_seg), len in all. off is
 * NULL for a finished frame, else its partial checksum (only what caps allow; a
 * frame by copy is never a GSO frame). */
struct nic_seg {
    const uint8_t *data;
    uint32_t len;
};
#define NIC_TX_SEGS_MAX 16
struct nic_tx {
    const struct nic_seg *seg;
    unsigned n_seg;                   /* 1..NIC_TX_SEGS_MAX */
    uint32_t len;                     /* the frame's length, sum of the segments */
    const struct offload *off;
};

/* Offload capabilities a NIC negotiated with its device. */
#define NIC_CAP_TX_CSUM   0x01        /* may transmit frames with a partial checksum */
#define NIC_CAP_TX_TSO4   0x02        /* may transmit TCP/IPv4 GSO frames */
#define NIC_CAP_TX_ECN    0x04        /* ... with the ECN flag */
#define NIC_CAP_RX_CSUM   0x08        /* receives frames with partial checksums */
#define NIC_CAP_RX_TSO4   0x10        /* receives GSO frames */
/* The pseudo-header sum a GSO frame holds in its TCP checksum field: without this
 * flag the device wants it with the TCP length of the whole frame in it (virtio's
 * form, what guests send); with it, without any length (the e1000's TSO adds each
 * segment's). The core converts before it lends a frame. */
#define NIC_CAP_TX_TSO_PHDR_NOLEN 0x20
#define NIC_CAP_RX_CSUM_VALID 0x40    /* the device marks frames whose L4 checksum it
                                         verified (OFFLOAD_DATA_VALID) */
#define NIC_CAP_TX_SG     0x80        /* transmit_frame takes frames with n_more > 0 */

/* What the core did with a received frame. */
enum nic_rx_result {
    NIC_RX_DONE,                      /* the driver may reuse the buffers now */
    NIC_RX_LENT,                      /* lent out; nic_frame_release() returns them */
};

enum nic_state {
    NIC_CLOSED,                       /* registered; neither receives nor sends */
    NIC_OPEN,                         /* attached above, receiving */
};

/* Which frames the device is to deliver, besides those to its own MAC and to the
 * broadcast address. */
#define NIC_MC_MAX 16
struct nic_rxmode {
    bool promisc;                     /* every frame (a bridge or switch port) */
    bool allmulti;                    /* every multicast frame (also: more than
                                         NIC_MC_MAX groups asked for) */
    unsigned n_mc;
    uint8_t mc[NIC_MC_MAX][ETH_ADDR_LEN];
};

/* What only a driver sees, reported with nic_event() and counted by the core. */
enum nic_event_kind {
    NIC_EV_RX_ERROR,                  /* a frame the device flagged bad (CRC, framing) */
    NIC_EV_RX_OVERSIZE,               /* longer than the MTU, or more buffers than a
                                         frame may span: dropped */
    NIC_EV_RX_OVERRUN,                /* the device had no buffer for a frame */
    NIC_EV_RX_NOBUF,                  /* a received frame the driver could not re-post
                                         a buffer for at once */
    NIC_EV_TX_RING_FULL,              /* a frame refused: no descriptor free (the core
                                         counts it from the driver's -ENOBUFS) */
    NIC_EV_TX_ERROR,                  /* the device reported a failed transmission */
    NIC_EV_TX_NO_CARRIER,             /* ... because the cable is out (PCnet LCAR) */
    NIC_EV_DEVICE_ERROR,              /* the device stopped or reported an error */
    NIC_EV_RESET,                     /* the driver reset its rings or the device */
    NIC_EV_KINDS
};

/* A counter the chip itself keeps, as the driver reports it. */
struct nic_hw_counter {
    const char *name;
    uint64_t value;
};
#define NIC_HW_COUNTERS_MAX 24

struct nic_ops {
    /* Starts receiving (rings set up, receiver on). 0 or a negative errno. */
    int (*open)(struct nic *n);
    /* Stops receiving and sending; returns every lent buffer (nic_frame_release).
     * Optional: without it a NIC cannot be closed once open (nic_close says
     * -ENOTSUP), since a closed NIC is not polled and what it holds would never
     * come back. */
    void (*close)(struct nic *n);
    /* Queues one frame by copy (struct nic_tx). 0, -ENOBUFS when the ring is full,
     * -EMSGSIZE when it is longer than the NIC takes. */
    int (*transmit)(struct nic *n, const struct nic_tx *t);
    /* Queues a received frame (any NIC's) without copying; the frame fits caps
     * and tx_headroom (the core checked). 0, or -ENOBUFS/-ENOTSUP (the caller
     * still owns it). Optional: NULL if the driver cannot. */
    int (*transmit_frame)(struct nic *n, struct nic_frame *f);
    /* Takes back a receive buffer it lent (see enum nic_rx_result). Required of
     * drivers that set headroom >= NIC_RX_HEADROOM in their frames. */
    void (*rx_recycle)(struct nic *n, void *buf);
    /* Reclaims finished transmissions, receives up to budget frames (each through
     * nic_receive), acknowledges the device, notices link changes (nic_set_link).
     * Returns the number of frames received. Called only while open. */
    int (*poll)(struct nic *n, int budget);
    /* Tells the device about everything queued since the last flush. Transmit
     * functions only queue: one notification per pass of the main loop costs far
     * less than one per frame (a notification is a trip into the hypervisor).
     * Optional. */
    void (*flush)(struct nic *n);
    /* Sets which frames the device delivers. Optional: NULL means the device
     * delivers every frame anyway (QEMU's virtio-net without a control queue). */
    int (*set_rxmode)(struct nic *n, const struct nic_rxmode *m);
    /* Takes a new MTU (68..max_mtu; the core checked), resizing buffers if it must.
     * Optional: NULL means any MTU up to max_mtu needs nothing of the driver. */
    int (*set_mtu)(struct nic *n, uint16_t mtu);
    /* Transmissions have not completed for NIC_TX_TIMEOUT_MS: reset the transmit
     * ring (and the device if need be), returning lent buffers; report
     * NIC_EV_RESET. Optional. */
    void (*tx_timeout)(struct nic *n);
    /* The core holds frames in the backlog: interrupt when transmissions complete,
     * so that the main loop sends them before it would otherwise wake. Optional:
     * without it the backlog waits for the next receive interrupt or tick. */
    void (*tx_wake)(struct nic *n);
    /* Fills up to max counters the chip keeps (accumulated since boot); returns
     * how many. Optional. */
    unsigned (*hw_counters)(struct nic *n, struct nic_hw_counter *out, unsigned max);
};

/* Frames up to this long are forwarded by copy even where they could be lent: a
 * copy of a small frame costs less than the receive buffer it would hold, and a
 * flood of small frames lent to a slow transmit ring would leave the receive ring
 * without buffers (frames lost in the host's queue before vmgate sees them). */
#define NIC_COPYBREAK 256

/* Forwarded frames a NIC holds, in order, while its transmit ring is full (the
 * backlog, the core's): each keeps its receive buffer, so a ring that fills for a
 * moment (the host late to drain it) costs no frame, and a longer stall runs the
 * sending NIC out of receive buffers, which leaves further frames queued in the
 * host, where they wait instead of being lost here. */
#define NIC_BACKLOG_MAX 128

/* Transmissions pending longer than this without any completing: ops->tx_timeout. */
#define NIC_TX_TIMEOUT_MS 2000

struct nic_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
    uint64_t tx_held;                 /* forwarded frames that waited in the backlog
                                         for room in the transmit ring */
    uint64_t link_changes;
    uint64_t rx_gso, rx_csum_partial, rx_csum_valid, tx_gso, tx_lent, sw_segmented, sw_csum;
    /* Received frames by what offload_rx_check() found (net/offload.h); the
     * refusals among them are also rx_dropped. */
    uint64_t rx_offload[OFFLOAD_CHECKS];
    uint64_t events[NIC_EV_KINDS];    /* what drivers reported (nic_event) */
};

struct nic {
    char name[8];                     /* "nic0": set by nic_register */
    unsigned index;
    const char *model;                /* e.g. "virtio-net (modern)" */
    uint8_t mac[ETH_ADDR_LEN];
    uint16_t mtu;                     /* in use: the driver's default, or `nicN mtu` */
    uint16_t max_mtu;                 /* the most the driver takes; 0: mtu */
    uint16_t tx_headroom;             /* bytes transmit_frame writes before a lent
                                         frame's data (virtio: its header) */
    bool link_up;                     /* carrier, as the device reports it */
    bool admin_up;                    /* false: `nicN off`, the cable is pulled */
    enum nic_state state;             /* the core's; drivers read it */
    uint32_t caps;                    /* NIC_CAP_* */
    const struct nic_ops *ops;
    void *priv;                       /* the driver's state */
    struct nic_stats stats;           /* the core's; drivers never write it */
    struct nic_rxmode rxmode;         /* what was last asked of the device */
    /* Transmit watchdog (the core's): frames queued and completed, and when a
     * completion was last seen while some were pending. */
    uint64_t tx_queued, tx_completed;
    uint32_t tx_progress_ms;
    /* The layer above (nic_attach): called for each received frame's bytes, which
     * it copies; false: it could not take the frame (counted as dropped). */
    bool (*rx)(struct nic *n, struct nic_frame *f);
    void (*link_changed)(struct nic *n);
    void *upper;
    /* The forwarding fast path, when one is attached: it may send the frame on
     * another NIC (lending the buffer) and says what it did; NIC_RX_DONE with *handled
     * false means "not mine", and the frame goes to lwIP. */
    enum nic_rx_result (*fastpath)(struct nic *n, struct nic_frame *f, bool *handled);
};

/* Registers a probed NIC (CLOSED); returns 0, or -ENOSPC past NIC_MAX. */
int nic_register(struct nic *n);
unsigned nic_count(void);
struct nic *nic_get(unsigned index);

/* --- Called by drivers. --------------------------------------------------- */

/* A received frame: its offload facts checked against the frame and n's
 * negotiated offloads (a frame whose facts are refused is dropped and counted),
 * then through the fast path if any, else to the layer above (partial checksums
 * completed and GSO frames cut in software first). Frames of a NIC that is not
 * open, or is off, are dropped and counted. */
enum nic_rx_result nic_receive(struct nic *n, struct nic_frame *f);
/* A lent frame has been sent (or dropped): its buffers go back to their owner. */
void nic_frame_release(struct nic_frame *f);
/* The device's carrier; logged and passed up when it changes. */
void nic_set_link(struct nic *n, bool up);
/* k transmissions (by copy or lent) have completed: feeds the watchdog. */
void nic_tx_done(struct nic *n, unsigned k);
/* Something only the driver sees: counted on n (stats.events, and in rx_errors,
 * rx_dropped or tx_errors as its kind is an error or a loss). */
void nic_event(struct nic *n, enum nic_event_kind e);
const char *nic_event_name(enum nic_event_kind e);

/* --- Called by the layers above. ------------------------------------------ */

/* Attaches the layer above and opens the NIC (ops->open). 0 or a negative errno
 * (the NIC stays closed). */
int nic_attach(struct nic *n, bool (*rx)(struct nic *, struct nic_frame *),
               void (*link_changed)(struct nic *), void *upper);
/* Closes an open NIC: 0, or -ENOTSUP when its driver cannot (it stays open). */
int nic_close(struct nic *n);
/* Copies a received frame to the layer above (as nic_receive does when no fast
 * path takes it), finishing its offloads in software: for a fast path that
 * decides late. */
void nic_frame_to_upper(struct nic *n, struct nic_frame *f);
/* Sends a frame by copy (segments, no GSO). 0, -ENETDOWN (off, closed or no
 * carrier), or the driver's error; every refusal is counted as tx_dropped. */
int nic_transmit(struct nic *n, const struct nic_tx *t);
/* Sends a received frame on n: lent without a copy when n can take it as it is,
 * otherwise finished in software (checksum, segmentation) and copied. A frame that
 * finds n's transmit ring full, or others waiting before it, waits in n's backlog
 * (NIC_BACKLOG_MAX) where its buffers can be lent; past that it is dropped. Returns
 * what became of the frame's buffers. */
enum nic_rx_result nic_forward_frame(struct nic *n, struct nic_frame *f);
/* The MTU, 68..max_mtu: -EMSGSIZE above the NIC's limit (the caller names it),
 * -EINVAL below 68, or the driver's error. */
int nic_set_mtu(struct nic *n, uint16_t mtu);
/* Receive filters: a port of a bridge needs every frame; a multicast group joined
 * needs its address (past NIC_MC_MAX groups, every multicast frame). */
int nic_set_promisc(struct nic *n, bool on);
int nic_mc_join(struct nic *n, const uint8_t mac[ETH_ADDR_LEN]);
int nic_mc_leave(struct nic *n, const uint8_t mac[ETH_ADDR_LEN]);
/* Frames waiting in n's backlog. */
unsigned nic_backlog_len(const struct nic *n);
/* Polls every open NIC, then sends what waits in the backlogs; returns the number
 * of frames received. */
int nic_poll_all(int budget_per_nic);
/* Flushes every NIC's queued transmissions and refilled receive buffers. */
void nic_flush_all(void);
/* Once a second or so: the transmit watchdog. */
void nic_tick(uint32_t now_ms);

#ifdef VMGATE_HOST_TEST
/* Host tests: back to the state before any call, between test cases. */
void nic_test_reset(void);
#endif

#endif
