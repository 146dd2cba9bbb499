/* The PRO/1000 receive ring (8254x SDM 3.2 "Receive Descriptor Format", 3.2.6
 * "Receive Descriptor Queue Structure").
 *
 * The device owns the descriptors from RDH up to, not including, RDT: it fills a
 * buffer, writes length and status (DD, and EOP on a frame's last buffer) and
 * moves RDH on. A frame longer than one 2 KiB buffer (jumbo frames with RCTL.LPE)
 * takes consecutive descriptors; it is handed up only once its EOP descriptor is
 * done, as one nic_frame whose further buffers are in more[], so nothing is
 * copied here.
 *
 * Buffers are not tied to descriptors: a frame the core lends to another NIC keeps
 * its buffers until they come back through rx_recycle, while free ones take the
 * empty descriptors. So there are more buffers than descriptors where memory
 * allows, and lending does not starve the ring. Each buffer keeps NIC_RX_HEADROOM
 * bytes before the frame, for the transmit header of whichever NIC sends it on.
 *
 * The CRC: RCTL.SECRC is left off (not every chip of the family strips), so the
 * descriptors count the frame's four FCS bytes, which are trimmed here. */
#include "e1000_dev.h"

static unsigned rx_next_index(const struct e1k *e, unsigned i)
{
    return i + 1 == e->rx_size ? 0 : i + 1;
}

unsigned e1k_rx_posted(const struct e1k *e)
{
    return (e->rx_tail + e->rx_size - e->rx_next) % e->rx_size;
}

static void rx_free_push(struct e1k *e, struct e1k_rxbuf *b)
{
    b->next_free = e->rx_free;
    e->rx_free = b;
    e->n_rx_free++;
}

static struct e1k_rxbuf *rx_free_pop(struct e1k *e)
{
    struct e1k_rxbuf *b = e->rx_free;
    if (b) {
        e->rx_free = b->next_free;
        e->n_rx_free--;
    }
    return b;
}

void e1k_rx_refill(struct e1k *e)
{
    /* One descriptor stays empty: RDT == RDH means "none for the device". */
    while (e->rx_free && e1k_rx_posted(e) < e->rx_size - 1) {
        struct e1k_rxbuf *b = rx_free_pop(e);
        struct e1k_rx_desc *d = &e->rx_ring[e->rx_tail];
        d->addr = e1k_dma(b->mem + NIC_RX_HEADROOM);
        d->length = 0;
        d->status = 0;
        d->errors = 0;
        e->rx_slot[e->rx_tail] = b;
        e->rx_tail = rx_next_index(e, e->rx_tail);
        e->rdt_dirty = true;
    }
}

void e1k_rx_ring_clear(struct e1k *e)
{
    for (unsigned i = 0; i < e->rx_size; i++) {
        if (e->rx_slot[i])
            rx_free_push(e, e->rx_slot[i]);
        e->rx_slot[i] = NULL;
        e->rx_ring[i] = (struct e1k_rx_desc){0};
    }
    e->rx_next = e->rx_tail = 0;
    e->rx_discarding = false;
    e->rdt_dirty = false;
}

void e1k_rx_recycle(struct nic *n, void *buf)
{
    struct e1k *e = n->priv;
    rx_free_push(e, buf);               /* posted again by the next refill */
}

/* Takes the descriptor at rx_next off the ring; returns its buffer. */
static struct e1k_rxbuf *rx_take(struct e1k *e)
{
    struct e1k_rxbuf *b = e->rx_slot[e->rx_next];
    e->rx_slot[e->rx_next] = NULL;
    e->rx_next = rx_next_index(e, e->rx_next);
    return b;
}

/* How many descriptors from rx_next make up the next frame: 0 while it is not all
 * written yet, -1 when it spans more than a nic_frame holds (the first ones are
 * then to be dropped and the rest discarded as it completes). */
static int rx_frame_span(const struct e1k *e)
{
    unsigned i = e->rx_next;
    for (int n = 1; n <= 1 + NIC_RX_FRAGS_MAX; n++, i = rx_next_index(e, i)) {
        if (i == e->rx_tail)
            return 0;
        const volatile struct e1k_rx_desc *d = &e->rx_ring[i];
        uint8_t st = d->status;
        if (!(st & E1K_RXD_STAT_DD))
            return 0;
        if (st & E1K_RXD_STAT_EOP)
            return n;
    }
    return -1;
}

/* Drops the descriptors of a frame the device got wrong, or the rest of one that was
 * too long, giving their buffers back. */
static void rx_drop(struct e1k *e, int n)
{
    for (int k = 0; k < n; k++)
        rx_free_push(e, rx_take(e));
}

/* Takes the n descriptors of a frame off the ring into bufs/lens (the status of
 * each was read before: the device is done with them). Returns the errors the
 * last one reports. */
static uint8_t rx_take_frame(struct e1k *e, int n, struct e1k_rxbuf **bufs, uint32_t *lens)
{
    uint8_t errors = 0;
    for (int k = 0; k < n; k++) {
        const struct e1k_rx_desc *d = &e->rx_ring[e->rx_next];
        lens[k] = d->length;
        if (k == n - 1)
            errors = d->errors;
        bufs[k] = rx_take(e);
    }
    return errors;
}

/* Checks the lengths of a frame's n buffers and trims its FCS (which may straddle
 * the last two; a buffer left empty goes). Returns how many buffers hold the frame,
 * 0 if the lengths make no sense. */
static int rx_trim(uint32_t *lens, int n)
{
    uint32_t total = 0;
    for (int k = 0; k < n; k++) {
        if (lens[k] > E1K_RX_BUF || (k < n - 1 && lens[k] != E1K_RX_BUF))
            return 0;
        total += lens[k];
    }
    if (total < ETH_HDR_LEN + 4)
        return 0;
    for (uint32_t trim = 4; trim;) {
        uint32_t t = lens[n - 1] < trim ? lens[n - 1] : trim;
        lens[n - 1] -= t;
        trim -= t;
        if (lens[n - 1] == 0)
            n--;
    }
    return lens[0] >= ETH_HDR_LEN ? n : 0;
}

int e1k_rx_poll(struct e1k *e, int budget)
{
    int got = 0;
    while (got < budget) {
        int n = rx_frame_span(e);
        if (n == 0)
            break;
        if (n < 0) {
            /* More buffers than a frame may span (the device ignored LPE's limit):
             * drop what is here, and the rest up to its EOP as it comes. */
            rx_drop(e, 1 + NIC_RX_FRAGS_MAX);
            if (!e->rx_discarding)
                nic_event(&e->nic, NIC_EV_RX_OVERSIZE);
            e->rx_discarding = true;
            continue;
        }
        e1k_rmb();                      /* the status before the lengths and bytes */
        got++;
        if (e->rx_discarding) {
            e->rx_discarding = false;
            rx_drop(e, n);
            continue;
        }
        /* Off the ring before the core sees the frame: if it lends the buffers,
         * they are no longer the ring's. */
        struct e1k_rxbuf *bufs[1 + NIC_RX_FRAGS_MAX];
        uint32_t lens[1 + NIC_RX_FRAGS_MAX];
        uint8_t errors = rx_take_frame(e, n, bufs, lens);
        int m = rx_trim(lens, n);
        if (m == 0 || (errors & E1K_RXD_ERR_FRAME)) {
            nic_event(&e->nic, NIC_EV_RX_ERROR);
            m = 0;
        } else {
            struct nic_frame f = {
                .data = bufs[0]->mem + NIC_RX_HEADROOM,
                .len = lens[0],
                .headroom = NIC_RX_HEADROOM,
                .n_more = (uint8_t)(m - 1),
                .owner = &e->nic,
                .buf = bufs[0],
            };
            for (int k = 1; k < m; k++)
                f.more[k - 1] = (struct nic_rxfrag){bufs[k]->mem + NIC_RX_HEADROOM, lens[k], bufs[k]};
            if (nic_receive(&e->nic, &f) == NIC_RX_DONE)
                m = 0;                  /* all back to the free list below */
        }
        /* Buffers not lent: those of a frame done with, and one the FCS trim left empty. */
        for (int k = m; k < n; k++)
            rx_free_push(e, bufs[k]);
    }
    e1k_rx_refill(e);
    return got;
}
