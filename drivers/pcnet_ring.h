/* PCnet descriptor ring bookkeeping, apart from any device: how a received frame
 * lies in the receive ring (STP .. ENP, or an error that ended it), when a frame
 * queued on the transmit ring has been sent and what went wrong, and the encodings
 * of descriptor words. The driver (pcnet.c) owns the rings and the buffers; these
 * functions only read descriptors. Host-tested (tests/unit/test_pcnet_ring.c).
 *
 * A ring is an array of size descriptors that the chip walks in index order and
 * wraps; `next` is the first descriptor the driver has not taken back yet. */
#ifndef VMGATE_PCNET_RING_H
#define VMGATE_PCNET_RING_H

#include <stdbool.h>
#include <stdint.h>
#include "pcnet_regs.h"
#include "nic.h"

/* Ethernet FCS: the chip writes it after every received frame and counts it in
 * the message length. */
#define PCNET_FCS_LEN 4

/* Descriptor word 1 for a buffer of len bytes (1..4095): two's complement length,
 * the four ones, no status bits. */
uint32_t pcnet_bcnt(uint32_t len);

enum pcnet_rx_kind {
    PCNET_RX_NONE,                    /* nothing finished at `next` (yet) */
    PCNET_RX_FRAME,                   /* a good frame: first .. first+count-1 */
    PCNET_RX_BAD,                     /* count descriptors to give back unread */
};

struct pcnet_rx_span {
    enum pcnet_rx_kind kind;
    unsigned first, count;            /* ring indices, count >= 1 unless NONE */
    uint32_t len;                     /* FRAME: the frame's bytes without the FCS */
    enum nic_event_kind event;        /* BAD: what to count (NIC_EV_RX_*) */
};

/* What lies at ring[next]. buf_size is every receive buffer's length, max_frame the
 * longest frame taken without its FCS; frames longer, or spread over more than
 * 1 + max_more buffers, are BAD with NIC_EV_RX_OVERSIZE. A frame the chip is still
 * writing (its first descriptor handed back, its ENP not yet, or its length not yet
 * written) is NONE: the chip clears OWN on a frame's first buffer before it has
 * written the last one. A descriptor without STP where a frame must start, a frame
 * whose chain is cut by the next STP, a framing or FCS error, an impossible length:
 * BAD with NIC_EV_RX_ERROR; a chain the chip ended for want of a buffer (BUFF, OFLO)
 * while the frame still fitted: NIC_EV_RX_OVERRUN. */
void pcnet_rx_scan(const volatile struct pcnet_desc *ring, unsigned size, unsigned next,
                   uint32_t buf_size, uint32_t max_frame, unsigned max_more,
                   struct pcnet_rx_span *out);

/* The bytes of a FRAME span's i-th buffer (0 <= i < count): full buffers, then the
 * rest; 0 for a last buffer that held only FCS bytes. */
uint32_t pcnet_rx_frag_len(const struct pcnet_rx_span *s, unsigned i, uint32_t buf_size);

/* Transmit ring occupancy. Frames take consecutive descriptors from head; they are
 * taken back from tail in the same order. */
struct pcnet_txring {
    unsigned size, head, tail, used;
};

void pcnet_tx_init(struct pcnet_txring *r, unsigned size);
unsigned pcnet_tx_free(const struct pcnet_txring *r);
/* Takes k consecutive descriptors (the caller checked pcnet_tx_free >= k); returns
 * the first one's index. */
unsigned pcnet_tx_take(struct pcnet_txring *r, unsigned k);
/* Gives the k descriptors at tail back. */
void pcnet_tx_give(struct pcnet_txring *r, unsigned k);

/* Whether the frame in ring[first .. first+k-1] has been sent: the chip hands the
 * descriptors back in order, so the last one tells. When it has, *errors is 0 for a
 * good transmission, else TMD2's error bits of all its descriptors together (LCAR,
 * RTRY, ...; TMD2_BUFF alone when ERR came without a reason). */
bool pcnet_tx_done(const volatile struct pcnet_desc *ring, unsigned size, unsigned first,
                   unsigned k, uint32_t *errors);

/* The event for a failed transmission's TMD2 bits: loss of carrier means the cable is
 * out (NIC_EV_TX_NO_CARRIER), anything else NIC_EV_TX_ERROR. */
enum nic_event_kind pcnet_tx_error_event(uint32_t errors);

#endif
