/* PCnet descriptor rings (contracts in pcnet_ring.h). */
#include "pcnet_ring.h"

uint32_t pcnet_bcnt(uint32_t len)
{
    return DESC_ONES | ((0u - len) & DESC_BCNT_MASK);
}

static void bad(struct pcnet_rx_span *out, unsigned first, unsigned count, enum nic_event_kind e)
{
    *out = (struct pcnet_rx_span){.kind = PCNET_RX_BAD, .first = first, .count = count, .event = e};
}

/* The frame's whole length with its FCS from the ENP descriptor's word 2: the
 * 12-bit count, or more than any buffer chain holds when the chip let the count
 * run into the bits above it (QEMU writes 4096 there for a frame it cut to 4092
 * bytes), or 0 while the chip has not written it yet (the driver clears the word
 * when it hands the descriptor over, and no frame is 0 bytes long). */
static uint32_t message_length(uint32_t misc)
{
    if (misc & ~RMD2_MCNT_MASK & 0xffff)
        return 0x10000;
    return misc & RMD2_MCNT_MASK;
}

void pcnet_rx_scan(const volatile struct pcnet_desc *ring, unsigned size, unsigned next,
                   uint32_t buf_size, uint32_t max_frame, unsigned max_more,
                   struct pcnet_rx_span *out)
{
    *out = (struct pcnet_rx_span){.kind = PCNET_RX_NONE, .first = next};
    uint32_t ctl = ring[next].ctl;
    if (ctl & DESC_OWN)
        return;
    if (!(ctl & DESC_STP)) {
        bad(out, next, 1, NIC_EV_RX_ERROR);
        return;
    }
    for (unsigned j = 0; j < size; j++) {
        unsigned i = (next + j) % size;
        ctl = ring[i].ctl;
        if (j > 0 && (ctl & DESC_OWN))
            return;                                 /* still being written */
        if (j > 0 && (ctl & DESC_STP)) {
            bad(out, next, j, NIC_EV_RX_ERROR);     /* a chain the chip abandoned */
            return;
        }
        unsigned count = j + 1;
        if (ctl & DESC_ENP) {
            uint32_t total = message_length(ring[i].misc);
            if (total == 0)
                return;                             /* length not written yet */
            if (ctl & (RMD1_CRC | RMD1_FRAM | DESC_ERR)) {
                bad(out, next, count, NIC_EV_RX_ERROR);
                return;
            }
            if (total > max_frame + PCNET_FCS_LEN || count > 1 + max_more) {
                bad(out, next, count, NIC_EV_RX_OVERSIZE);
                return;
            }
            if (total < ETH_HDR_LEN + PCNET_FCS_LEN || total > count * buf_size ||
                total <= (count - 1) * buf_size) {
                bad(out, next, count, NIC_EV_RX_ERROR);
                return;
            }
            *out = (struct pcnet_rx_span){.kind = PCNET_RX_FRAME, .first = next, .count = count,
                                          .len = total - PCNET_FCS_LEN};
            return;
        }
        if (ctl & DESC_ERR) {
            /* Ended without ENP: the chip ran out of buffers (BUFF) or of time
             * (OFLO) in the middle of the frame. If what it stored already exceeds
             * the longest frame, the frame was oversize whatever ended it. */
            bool oversize = (uint64_t)count * buf_size > max_frame + PCNET_FCS_LEN ||
                            count > 1 + max_more;
            bad(out, next, count, oversize ? NIC_EV_RX_OVERSIZE : NIC_EV_RX_OVERRUN);
            return;
        }
    }
    bad(out, next, size, NIC_EV_RX_ERROR);          /* a chain around the whole ring */
}

uint32_t pcnet_rx_frag_len(const struct pcnet_rx_span *s, unsigned i, uint32_t buf_size)
{
    uint64_t start = (uint64_t)i * buf_size;
    if (start >= s->len)
        return 0;
    uint64_t rest = s->len - start;
    return rest < buf_size ? (uint32_t)rest : buf_size;
}

void pcnet_tx_init(struct pcnet_txring *r, unsigned size)
{
    *r = (struct pcnet_txring){.size = size};
}

unsigned pcnet_tx_free(const struct pcnet_txring *r)
{
    return r->size - r->used;
}

unsigned pcnet_tx_take(struct pcnet_txring *r, unsigned k)
{
    unsigned first = r->head;
    r->head = (r->head + k) % r->size;
    r->used += k;
    return first;
}

void pcnet_tx_give(struct pcnet_txring *r, unsigned k)
{
    r->tail = (r->tail + k) % r->size;
    r->used -= k;
}

bool pcnet_tx_done(const volatile struct pcnet_desc *ring, unsigned size, unsigned first,
                   unsigned k, uint32_t *errors)
{
    unsigned last = (first + k - 1) % size;
    if (ring[last].ctl & DESC_OWN)
        return false;
    uint32_t err = 0, why = 0;
    for (unsigned j = 0; j < k; j++) {
        const volatile struct pcnet_desc *d = &ring[(first + j) % size];
        if (d->ctl & DESC_OWN)
            return false;                           /* handed back out of order: wait */
        err |= d->ctl & DESC_ERR;
        why |= d->misc & (TMD2_BUFF | TMD2_UFLO | TMD2_EXDEF | TMD2_LCOL | TMD2_LCAR | TMD2_RTRY);
    }
    *errors = err ? (why ? why : TMD2_BUFF) : 0;
    return true;
}

enum nic_event_kind pcnet_tx_error_event(uint32_t errors)
{
    return (errors & TMD2_LCAR) ? NIC_EV_TX_NO_CARRIER : NIC_EV_TX_ERROR;
}
