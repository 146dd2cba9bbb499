/* AMD PCnet driver: PCnet-PCI II (Am79C970A, QEMU's `-device pcnet`) and PCnet-FAST
 * III (Am79C973, VirtualBox's default NIC), both PCI 1022:2000, told apart by the
 * chip ID in CSR88/89 (part 0x2621 and 0x2625).
 *
 * Datasheets: AMD Am79C970A (publication 19436 rev E) and Am79C973 (20510 rev E):
 * "Software Access" for the I/O map and the WIO/DWIO modes, "Initialization Block",
 * "Descriptor Rings", the CSR and BCR maps (drivers/pcnet_regs.h names each bit).
 *
 * How the chip is driven:
 *  - 32-bit software structures (BCR20 SWSTYLE 2): 16-byte descriptors with 32-bit
 *    buffer addresses, so every buffer must lie below 4 GiB. vmgate uses memory below
 *    4 GiB only (kernel/mem.h); the driver asserts it for every address it hands over.
 *  - Receive: 512 descriptors where the NIC's share of memory pays for them, else 128
 *    (QEMU's model drops what finds no descriptor, and a TCP download under TCG
 *    bursts faster than vmgate drains 128), each always owned by the chip with a buffer
 *    of PCNET_RX_BUF bytes after NIC_RX_HEADROOM free bytes, so a received frame can
 *    be lent to another NIC (virtio writes its header there). A lent buffer is
 *    replaced in the ring by a spare at once, so the ring stays full and in order (the
 *    chip writes strictly in ring order); with no spare left the frame is not lent
 *    (owner NULL) but copied by whoever takes it. A frame over several descriptors
 *    (STP .. ENP) reaches the core through nic_frame.more[]; the chip counts the 4
 *    FCS bytes in the message length, and they are cut off. A frame longer than 1518
 *    bytes (1514 and a VLAN tag) is dropped as NIC_EV_RX_OVERSIZE: PCnet has no jumbo
 *    frames (max_mtu 1500).
 *  - Transmit: PCNET_TX_RING descriptors. Frames by copy take one descriptor and its
 *    own copy buffer (padded to 60 bytes); lent frames take one descriptor per buffer
 *    (NIC_CAP_TX_SG), their OWN bits set last to first so that the chip never starts
 *    on half a chain. TDMD is written once per pass of the main loop (flush). No
 *    offloads: the chip computes the FCS, nothing else.
 *  - Interrupts: RINT, MISS, MERR and BABL (TINT and IDON masked: completions are
 *    reclaimed while polling). The handler touches no register; poll reads CSR0 and
 *    writes back the flags it saw.
 *  - Link: QEMU's model raises no interrupt when the monitor's set_link changes the
 *    link, and neither does VirtualBox's; both show the link in BCR4 bit 15 (LED0
 *    with LNKSTE, the datasheet's link status output), and QEMU fails every
 *    transmission without link with LCAR. So poll reads BCR4 every
 *    PCNET_LINK_POLL_MS, and at once after a transmission reported LCAR.
 *  - Receive mode: CSR15 PROM for promiscuous, the logical address filter (CSR8-11,
 *    the CRC-32 hash) for multicast groups, all ones for all-multicast. Both are
 *    taken from the initialization block, so a change re-initializes the chip:
 *    VirtualBox passes PROM on to its network backend only at INIT, and the
 *    datasheet allows CSR15 writes only while stopped or suspended anyway.
 *  - Counters: CSR112 (missed frames) and CSR114 (receive collisions) are 16-bit and
 *    wrap; the driver reads them every PCNET_LINK_POLL_MS and before each stop, and
 *    adds the differences to 64-bit counters (ops->hw_counters). Each missed frame is
 *    also an NIC_EV_RX_OVERRUN.
 *  - Recovery: a memory error (MERR), a transmitter or receiver the chip turned off
 *    by itself, or the core's transmit watchdog stop and re-initialize the chip,
 *    which gives back every lent frame (NIC_EV_RESET).
 *
 * What QEMU's model (hw/net/pcnet.c, pcnet-pci.c; QEMU 7.2 in the lab) does that a
 * real chip does not, and the driver copes with: SWSTYLE is accepted only while
 * stopped (as specified); a received frame is cut to 4092 bytes, and for such a frame
 * the message length field overflows into its upper, reserved bits; a frame spans at
 * most three receive descriptors (the chip stops chaining after the second next);
 * the first descriptor of a frame is handed back before its last is written (so a
 * frame is taken only once its ENP descriptor and length are there); when the
 * current descriptor is not owned the model scans the ring for one that is (so the
 * ring must never have holes: it has none); STOP sets the ERR bit it never clears;
 * no MII (BCR32-34 read 0); CSR114 stays 0; S_RESET leaves the chip in WIO mode.
 * VirtualBox (DevPCNet.cpp) differs from QEMU in: the 79C973 (CSR88 0x5003, an MII
 * PHY at address 0), BCR4 reads with LNKSTE cleared while the cable is out, and
 * promiscuous mode reaching the backend only at INIT.
 *
 * What was verified how: the 79C970A path against QEMU's pcnet in the lab
 * (tests/lab/test_pcnet.py: WAN and LAN at once, a 16 MiB download, 100 pings, ten
 * link flaps during a transfer, frames of 4000 and 9000 bytes dropped, a NAT Network
 * port whose guests reach each other only through the PROM bit). The
 * 79C973 has no QEMU model: what differs for it (its chip ID and name, a BCR4 whose
 * LNKSTE bit reads back cleared without link, promiscuous mode seen at INIT) was
 * checked against the register-level model in tests/unit/pcnet_model.c, which
 * follows the datasheets and VirtualBox's model, in tests/unit/test_pcnet.c; so were
 * WIO and DWIO, receive chains of up to three descriptors, LCAR, MISS and MERR, and
 * the watchdog's re-initialization. Not verified on real hardware. */
#include "pcnet.h"
#include "pcnet_chip.h"
#include "pcnet_regs.h"
#include "pcnet_ring.h"
#include "../kernel/budget.h"
#include "../kernel/console.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TX_RING_LOG2    7                       /* PCNET_TX_RING */
#define RX_SPARE_MIN    16                      /* spares to lend from, at least */
#define RX_SPARE_MAX    256                     /* ... at most */
#define RX_STRIDE       2048                    /* bytes per receive buffer in memory */
#define TX_COPY         1536                    /* a copied frame's buffer */
#define TX_KICK_BATCH   32                      /* TDMD at least this often in a burst */
/* TX_KICK_BATCH does not pace what a peer receives. QEMU's model sends every owned
 * descriptor synchronously at TDMD (and from any register access or received frame
 * once its poll interval has passed), so a peer's QEMU gets a pass's frames within
 * vmgate's time to forward them whatever the batch. Measured against a Linux pcnet32
 * guest (32 receive descriptors), TCP namespace->guest: batch 32, 8 and 4 all left the
 * guest missing 21-23 % of what vmgate forwarded at 0.39-0.43 Gbit/s; the loss is the
 * guest draining slower than vmgate forwards, which no burst bound in this driver
 * changes (the core drops, it does not hold, what a full ring refuses). The guest's
 * ring is what decides it: with 512 receive descriptors (ethtool -G, as the nics bench
 * sets them) the same guest missed none of 282k frames at 0.82 Gbit/s, and with 32
 * again 24 % (52630 of 222k) at 0.29 Gbit/s (quick lab runs, batch 32). */
#define MAX_FRAME       (ETH_MAX_FRAME + 4)     /* 1518: with a VLAN tag, without FCS */
#define MIN_FRAME       60                      /* without FCS: shorter ones are padded */
#define INIT_WAIT_US    100000                  /* IDON takes microseconds on a chip */

struct pcnet_rxbuf {
    uint8_t *mem;                               /* the frame at mem + NIC_RX_HEADROOM */
    uint32_t bus;                               /* the device's address of mem */
};

struct pcnet_txslot {
    uint8_t *copy;                              /* this descriptor's copy buffer */
    uint32_t copy_bus;
    unsigned ndesc;                             /* a frame's first slot: its descriptors */
    bool lent;                                  /* ... a lent frame, to give back */
    struct nic_frame frame;
};

struct pcnet {
    struct nic nic;
    struct pcnet_bus bus;
    const struct pcnet_chip *chip;
    uint32_t chip_id;
    bool dwio;
    bool running;                               /* started (INIT and STRT done) */
    uint32_t rx_buf_size;

    volatile struct pcnet_desc *rx_ring, *tx_ring;
    struct pcnet_init_block *init;
    uint32_t init_bus, rx_ring_bus, tx_ring_bus;

    struct pcnet_rxbuf *rxbufs;
    unsigned n_rxbufs;
    unsigned rx_size, rx_log2;                  /* receive descriptors */
    struct pcnet_rxbuf *rx_slot[PCNET_RX_RING_MAX]; /* the buffer in each descriptor */
    struct pcnet_rxbuf **spare;                 /* buffers in no descriptor, not lent */
    unsigned n_spare;
    unsigned rx_next;

    struct pcnet_txring txr;
    struct pcnet_txslot tx_slot[PCNET_TX_RING];
    unsigned tx_unkicked;                       /* queued since the last TDMD */
    uint64_t tdmd_writes;                       /* the notifications: each traps to QEMU */

    bool in_rx;                                 /* receive() is on the stack */
    volatile uint8_t irq_seen;                  /* set by the interrupt handler */
    uint32_t next_check_ms;
    bool check_now;                             /* an LCAR: read the link at once */

    uint16_t mode_bits;                         /* CSR15 as initialized */
    uint8_t ladrf[8];
    uint16_t last_missed, last_rx_collisions;   /* CSR112, CSR114 when last read */
    uint64_t missed, rx_collisions;
};

/* --- registers ------------------------------------------------------------ */

static unsigned io_width(const struct pcnet *p) { return p->dwio ? 4 : 2; }
static unsigned rap_port(const struct pcnet *p) { return p->dwio ? PCNET_DWIO_RAP : PCNET_WIO_RAP; }
static unsigned rdp_port(const struct pcnet *p) { return p->dwio ? PCNET_DWIO_RDP : PCNET_WIO_RDP; }
static unsigned bdp_port(const struct pcnet *p) { return p->dwio ? PCNET_DWIO_BDP : PCNET_WIO_BDP; }

static uint16_t csr_read(struct pcnet *p, unsigned r)
{
    p->bus.out(p->bus.ctx, rap_port(p), io_width(p), r);
    return (uint16_t)p->bus.in(p->bus.ctx, rdp_port(p), io_width(p));
}

static void csr_write(struct pcnet *p, unsigned r, uint16_t v)
{
    p->bus.out(p->bus.ctx, rap_port(p), io_width(p), r);
    p->bus.out(p->bus.ctx, rdp_port(p), io_width(p), v);
}

static uint16_t bcr_read(struct pcnet *p, unsigned r)
{
    p->bus.out(p->bus.ctx, rap_port(p), io_width(p), r);
    return (uint16_t)p->bus.in(p->bus.ctx, bdp_port(p), io_width(p));
}

static void bcr_write(struct pcnet *p, unsigned r, uint16_t v)
{
    p->bus.out(p->bus.ctx, rap_port(p), io_width(p), r);
    p->bus.out(p->bus.ctx, bdp_port(p), io_width(p), v);
}

/* The device's address for bytes the driver hands it. The descriptors hold 32 bits;
 * vmgate never uses memory above 4 GiB, so an address there is a bug. */
static uint32_t bus32(struct pcnet *p, const void *ptr)
{
    uint64_t a = p->bus.dma_addr(p->bus.ctx, ptr);
    if (a >> 32)
        panic("%s: buffer at %#llx is above 4 GiB: PCnet descriptors take 32-bit addresses",
              p->nic.name, (unsigned long long)a);
    return (uint32_t)a;
}

/* Compiler barriers: the ring is in ordinary memory that x86 keeps coherent with the
 * device, and stores stay in program order, so only the compiler must not move the
 * descriptor's other words past its OWN bit (or read the data before it). */
#define ring_wmb() __asm__ volatile("" ::: "memory")
#define ring_rmb() __asm__ volatile("" ::: "memory")

/* --- chip state ----------------------------------------------------------- */

static uint32_t now_ms(struct pcnet *p) { return p->bus.now_ms(p->bus.ctx); }

/* Adds what CSR112 and CSR114 counted since they were last read. */
static void sample_counters(struct pcnet *p)
{
    uint16_t missed = csr_read(p, CSR112), coll = csr_read(p, CSR114);
    uint16_t new_missed = (uint16_t)(missed - p->last_missed);
    p->missed += new_missed;
    p->rx_collisions += (uint16_t)(coll - p->last_rx_collisions);
    p->last_missed = missed;
    p->last_rx_collisions = coll;
    for (unsigned i = 0; i < new_missed; i++)
        nic_event(&p->nic, NIC_EV_RX_OVERRUN);
}

static void stop_chip(struct pcnet *p)
{
    if (p->running)
        sample_counters(p);
    csr_write(p, CSR0, CSR0_STOP);
    p->running = false;
}

static void post_rx(struct pcnet *p, unsigned i)
{
    volatile struct pcnet_desc *d = &p->rx_ring[i];
    d->addr = p->rx_slot[i]->bus + NIC_RX_HEADROOM;
    d->misc = 0;                                /* the length word: 0 until written */
    d->user = 0;
    ring_wmb();
    d->ctl = DESC_OWN | pcnet_bcnt(p->rx_buf_size);
}

/* Forgets every queued transmission; lent frames go back to their owners. */
static void drop_tx(struct pcnet *p)
{
    unsigned frames = 0;
    while (p->txr.used) {
        struct pcnet_txslot *s = &p->tx_slot[p->txr.tail];
        if (s->lent) {
            s->lent = false;
            nic_frame_release(&s->frame);
        }
        pcnet_tx_give(&p->txr, s->ndesc);
        frames++;
    }
    for (unsigned i = 0; i < PCNET_TX_RING; i++)
        p->tx_ring[i] = (struct pcnet_desc){0};
    pcnet_tx_init(&p->txr, PCNET_TX_RING);
    p->tx_unkicked = 0;
    if (frames)
        nic_tx_done(&p->nic, frames);
}

/* Initializes and starts the (stopped) chip: rings from index 0, every receive
 * descriptor posted, the receive mode from n->rxmode. 0, or -ETIMEDOUT when the chip
 * never reports IDON. */
static int start_chip(struct pcnet *p)
{
    for (unsigned i = 0; i < p->rx_size; i++)
        post_rx(p, i);
    p->rx_next = 0;
    drop_tx(p);

    p->mode_bits = pcnet_rx_mode_bits(&p->nic.rxmode);
    pcnet_ladrf(&p->nic.rxmode, p->ladrf);
    struct pcnet_init_block *ib = p->init;
    memset(ib, 0, sizeof *ib);
    ib->mode = p->mode_bits;
    ib->rlen = (uint8_t)(p->rx_log2 << 4);
    ib->tlen = TX_RING_LOG2 << 4;
    memcpy(ib->padr, p->nic.mac, ETH_ADDR_LEN);
    memcpy(ib->ladrf, p->ladrf, sizeof p->ladrf);
    ib->rdra = p->rx_ring_bus;
    ib->tdra = p->tx_ring_bus;
    ring_wmb();

    /* The software style again: it holds across STOP, but a reset by anyone else
     * (firmware, a watchdog) would have put it back to 16-bit. */
    bcr_write(p, BCR20, BCR20_SWSTYLE_PCNET32);
    csr_write(p, CSR1, (uint16_t)p->init_bus);
    csr_write(p, CSR2, (uint16_t)(p->init_bus >> 16));
    csr_write(p, CSR3, CSR3_IDONM | CSR3_TINTM);
    csr_write(p, CSR4, (uint16_t)(csr_read(p, CSR4) | CSR4_APAD_XMT));
    csr_write(p, CSR0, CSR0_INIT);
    unsigned waited = 0;
    while (!(csr_read(p, CSR0) & CSR0_IDON)) {
        if (waited >= INIT_WAIT_US) {
            kprintf("%s: no IDON %u ms after INIT (CSR0 %#06x)\n", p->nic.name,
                    INIT_WAIT_US / 1000, csr_read(p, CSR0));
            csr_write(p, CSR0, CSR0_STOP);
            return -ETIMEDOUT;
        }
        p->bus.delay_us(p->bus.ctx, 10);
        waited += 10;
    }
    p->last_missed = csr_read(p, CSR112);
    p->last_rx_collisions = csr_read(p, CSR114);
    csr_write(p, CSR0, CSR0_IDON | CSR0_STRT | CSR0_INEA);
    p->running = true;
    return 0;
}

static bool link_up(struct pcnet *p)
{
    return (bcr_read(p, BCR4) & BCR4_LEDOUT) != 0;
}

/* Stops and starts the chip again; what was queued is lost, lent frames go home. */
static void restart(struct pcnet *p)
{
    stop_chip(p);
    if (start_chip(p) != 0)
        nic_event(&p->nic, NIC_EV_DEVICE_ERROR);
}

static void reset_after_error(struct pcnet *p, const char *why)
{
    kprintf("%s: %s: re-initializing the chip\n", p->nic.name, why);
    nic_event(&p->nic, NIC_EV_RESET);
    restart(p);
}

/* --- transmit ------------------------------------------------------------- */

/* Takes back what the chip has sent; lent frames go home. */
static void reclaim_tx(struct pcnet *p)
{
    unsigned frames = 0;
    while (p->txr.used) {
        struct pcnet_txslot *s = &p->tx_slot[p->txr.tail];
        uint32_t errors;
        if (!pcnet_tx_done(p->tx_ring, PCNET_TX_RING, p->txr.tail, s->ndesc, &errors))
            break;
        if (errors) {
            nic_event(&p->nic, pcnet_tx_error_event(errors));
            if (errors & TMD2_LCAR)
                p->check_now = true;            /* the cable may be out: look now */
        }
        if (s->lent) {
            s->lent = false;
            nic_frame_release(&s->frame);
        }
        pcnet_tx_give(&p->txr, s->ndesc);
        frames++;
    }
    if (frames)
        nic_tx_done(&p->nic, frames);
}

static void kick(struct pcnet *p)
{
    if (!p->tx_unkicked || !p->running)
        return;
    csr_write(p, CSR0, CSR0_TDMD | CSR0_INEA);
    p->tdmd_writes++;
    p->tx_unkicked = 0;
}

static void queued(struct pcnet *p)
{
    if (++p->tx_unkicked >= TX_KICK_BATCH)
        kick(p);
}

static bool room_for(struct pcnet *p, unsigned k)
{
    if (pcnet_tx_free(&p->txr) < k)
        reclaim_tx(p);
    return pcnet_tx_free(&p->txr) >= k;
}

static int pcnet_transmit(struct nic *n, const struct nic_tx *t)
{
    struct pcnet *p = n->priv;
    if (t->len > MAX_FRAME)
        return -EMSGSIZE;
    if (!p->running || !room_for(p, 1))
        return -ENOBUFS;
    unsigned i = pcnet_tx_take(&p->txr, 1);
    struct pcnet_txslot *s = &p->tx_slot[i];
    uint8_t *at = s->copy;
    for (unsigned j = 0; j < t->n_seg; j++) {
        memcpy(at, t->seg[j].data, t->seg[j].len);
        at += t->seg[j].len;
    }
    uint32_t len = t->len;
    if (len < MIN_FRAME) {
        memset(s->copy + len, 0, MIN_FRAME - len);
        len = MIN_FRAME;
    }
    s->ndesc = 1;
    s->lent = false;
    volatile struct pcnet_desc *d = &p->tx_ring[i];
    d->addr = s->copy_bus;
    d->misc = 0;
    d->user = 0;
    ring_wmb();
    d->ctl = DESC_OWN | DESC_STP | DESC_ENP | pcnet_bcnt(len);
    queued(p);
    return 0;
}

static int pcnet_transmit_frame(struct nic *n, struct nic_frame *f)
{
    struct pcnet *p = n->priv;
    unsigned k = 1u + f->n_more;
    if (f->n_more > NIC_RX_FRAGS_MAX || nic_frame_len(f) > MAX_FRAME)
        return -ENOTSUP;
    if (!p->running || !room_for(p, k))
        return -ENOBUFS;
    unsigned first = pcnet_tx_take(&p->txr, k);
    struct pcnet_txslot *s = &p->tx_slot[first];
    s->ndesc = k;
    s->lent = true;
    s->frame = *f;
    /* The chain's later descriptors first, each whole; the first one's OWN last. */
    for (unsigned j = k; j-- > 0;) {
        volatile struct pcnet_desc *d = &p->tx_ring[(first + j) % PCNET_TX_RING];
        const uint8_t *data = j ? f->more[j - 1].data : f->data;
        uint32_t len = j ? f->more[j - 1].len : f->len;
        d->addr = bus32(p, data);
        d->misc = 0;
        d->user = 0;
        ring_wmb();
        d->ctl = DESC_OWN | (j == 0 ? DESC_STP : 0) | (j == k - 1 ? DESC_ENP : 0) | pcnet_bcnt(len);
    }
    queued(p);
    return 0;
}

static void pcnet_flush(struct nic *n)
{
    kick(n->priv);
}

/* --- receive -------------------------------------------------------------- */

static void pcnet_rx_recycle(struct nic *n, void *buf)
{
    struct pcnet *p = n->priv;
    if (p->n_spare < p->n_rxbufs)
        p->spare[p->n_spare++] = buf;
}

/* Gives the span's descriptors back to the chip: with the same buffers, or, for the
 * buffers that were lent (the first `lent` of them), with spares. */
static void repost(struct pcnet *p, const struct pcnet_rx_span *s, unsigned lent)
{
    for (unsigned j = 0; j < s->count; j++) {
        unsigned i = (s->first + j) % p->rx_size;
        if (j < lent)
            p->rx_slot[i] = p->spare[--p->n_spare];
        post_rx(p, i);
    }
    p->rx_next = (s->first + s->count) % p->rx_size;
}

static void deliver(struct pcnet *p, const struct pcnet_rx_span *s)
{
    struct pcnet_rxbuf *b = p->rx_slot[s->first];
    /* Buffers that hold frame bytes: the last may hold FCS bytes only. */
    unsigned used = 0;
    while (used < s->count && pcnet_rx_frag_len(s, used, p->rx_buf_size))
        used++;
    bool lendable = p->n_spare >= used;
    struct nic_frame f = {
        .data = b->mem + NIC_RX_HEADROOM,
        .len = pcnet_rx_frag_len(s, 0, p->rx_buf_size),
        .headroom = lendable ? NIC_RX_HEADROOM : 0,
        .n_more = (uint8_t)(used - 1),
        .owner = lendable ? &p->nic : NULL,     /* NULL: not to be lent (nic.h) */
        .buf = b,
    };
    for (unsigned j = 1; j < used; j++) {
        struct pcnet_rxbuf *m = p->rx_slot[(s->first + j) % p->rx_size];
        f.more[j - 1] = (struct nic_rxfrag){m->mem + NIC_RX_HEADROOM,
                                            pcnet_rx_frag_len(s, j, p->rx_buf_size), m};
    }
    ring_rmb();
    enum nic_rx_result r = nic_receive(&p->nic, &f);
    if (r == NIC_RX_LENT && !lendable)
        panic("%s: a frame without an owner was lent", p->nic.name);
    repost(p, s, r == NIC_RX_LENT ? used : 0);
}

static int receive(struct pcnet *p, int budget)
{
    int got = 0;
    p->in_rx = true;
    while (got < budget && p->running) {
        struct pcnet_rx_span s;
        pcnet_rx_scan(p->rx_ring, p->rx_size, p->rx_next, p->rx_buf_size, MAX_FRAME,
                      NIC_RX_FRAGS_MAX, &s);
        if (s.kind == PCNET_RX_NONE)
            break;
        got++;
        if (s.kind == PCNET_RX_BAD) {
            nic_event(&p->nic, s.event);
            repost(p, &s, 0);
            continue;
        }
        deliver(p, &s);
    }
    p->in_rx = false;
    return got;
}

/* --- poll ----------------------------------------------------------------- */

/* Acknowledges what CSR0 reports; returns false when the chip had to be
 * re-initialized. */
static bool service_csr0(struct pcnet *p)
{
    uint16_t csr0 = csr_read(p, CSR0);
    uint16_t flags = csr0 & CSR0_FLAGS;
    if (flags)
        csr_write(p, CSR0, flags | CSR0_INEA);
    if (csr0 & CSR0_BABL)
        nic_event(&p->nic, NIC_EV_TX_ERROR);
    if (csr0 & CSR0_MERR) {
        nic_event(&p->nic, NIC_EV_DEVICE_ERROR);
        reset_after_error(p, "memory error (MERR)");
        return false;
    }
    if (!(csr0 & CSR0_TXON) || !(csr0 & CSR0_RXON)) {
        nic_event(&p->nic, NIC_EV_DEVICE_ERROR);
        reset_after_error(p, csr0 & CSR0_TXON ? "receiver stopped" : "transmitter stopped");
        return false;
    }
    return true;
}

/* Every PCNET_LINK_POLL_MS, and at once after LCAR: the link bit, the counters and a
 * look at CSR0 for whatever an interrupt did not bring. */
static void periodic(struct pcnet *p)
{
    uint32_t now = now_ms(p);
    if (!p->check_now && (int32_t)(now - p->next_check_ms) < 0)
        return;
    p->check_now = false;
    p->next_check_ms = now + PCNET_LINK_POLL_MS;
    nic_set_link(&p->nic, link_up(p));
    sample_counters(p);
    service_csr0(p);
}

static int pcnet_poll(struct nic *n, int budget)
{
    struct pcnet *p = n->priv;
    if (!p->running) {
        /* A re-initialization failed: try again, now and then. */
        if ((int32_t)(now_ms(p) - p->next_check_ms) >= 0) {
            p->next_check_ms = now_ms(p) + PCNET_LINK_POLL_MS;
            restart(p);
        }
        return 0;
    }
    if (p->irq_seen) {
        p->irq_seen = 0;                        /* before the read: nothing is lost */
        service_csr0(p);
    }
    reclaim_tx(p);
    int got = receive(p, budget);
    periodic(p);
    return got;
}

/* --- the rest of nic_ops -------------------------------------------------- */

static int pcnet_open(struct nic *n)
{
    struct pcnet *p = n->priv;
    stop_chip(p);
    int rc = start_chip(p);
    if (rc)
        return rc;
    nic_set_link(n, link_up(p));
    p->next_check_ms = now_ms(p) + PCNET_LINK_POLL_MS;
    return 0;
}

static void pcnet_close(struct nic *n)
{
    struct pcnet *p = n->priv;
    stop_chip(p);
    drop_tx(p);
}

static int pcnet_set_rxmode(struct nic *n, const struct nic_rxmode *m)
{
    struct pcnet *p = n->priv;
    uint8_t ladrf[8];
    pcnet_ladrf(m, ladrf);
    if (pcnet_rx_mode_bits(m) == p->mode_bits && memcmp(ladrf, p->ladrf, sizeof ladrf) == 0)
        return 0;
    if (!p->running)
        return 0;                               /* start_chip takes n->rxmode */
    /* The new INIT starts the rings afresh: first take what has arrived (unless
     * this comes from a frame being received, whose ring is mid-walk). */
    if (!p->in_rx)
        receive(p, (int)p->rx_size);
    restart(p);
    return p->running ? 0 : -EIO;
}

static void pcnet_tx_timeout(struct nic *n)
{
    reset_after_error(n->priv, "transmissions stuck");
}

static unsigned pcnet_hw_counters(struct nic *n, struct nic_hw_counter *out, unsigned max)
{
    struct pcnet *p = n->priv;
    if (p->running)
        sample_counters(p);
    const struct nic_hw_counter all[] = {
        {"missed", p->missed},
        {"rx-collisions", p->rx_collisions},
        {"tdmd-writes", p->tdmd_writes},
    };
    unsigned k = sizeof all / sizeof all[0] < max ? sizeof all / sizeof all[0] : max;
    memcpy(out, all, k * sizeof all[0]);
    return k;
}

static const struct nic_ops pcnet_ops = {
    .open = pcnet_open,
    .close = pcnet_close,
    .transmit = pcnet_transmit,
    .transmit_frame = pcnet_transmit_frame,
    .rx_recycle = pcnet_rx_recycle,
    .poll = pcnet_poll,
    .flush = pcnet_flush,
    .set_rxmode = pcnet_set_rxmode,
    .tx_timeout = pcnet_tx_timeout,
    .hw_counters = pcnet_hw_counters,
};

/* --- attach --------------------------------------------------------------- */

/* S_RESET in either I/O mode: a 32-bit read of the DWIO reset port does nothing in
 * WIO mode and a 16-bit read of the WIO one nothing in DWIO mode. */
static void reset_chip(struct pcnet *p)
{
    p->bus.in(p->bus.ctx, PCNET_DWIO_RESET, 4);
    p->bus.in(p->bus.ctx, PCNET_WIO_RESET, 2);
    p->bus.delay_us(p->bus.ctx, 10);
}

/* Which I/O mode the chip is in after the reset (a reset may or may not leave DWIO,
 * as the chip and the model go): the one in which CSR0 reads as STOP. */
static int detect_mode(struct pcnet *p)
{
    p->dwio = false;
    if (csr_read(p, CSR0) == CSR0_STOP)
        return 0;
    p->dwio = true;
    if (csr_read(p, CSR0) == CSR0_STOP)
        return 0;
    return -ENODEV;
}

/* A 32-bit write to RDP switches the chip to DWIO (RAP is 0: it writes 0 to CSR0,
 * which does nothing). */
static int enter_dwio(struct pcnet *p)
{
    p->bus.out(p->bus.ctx, PCNET_WIO_RAP, 2, CSR0);
    p->bus.out(p->bus.ctx, PCNET_DWIO_RDP, 4, 0);
    p->dwio = true;
    if (csr_read(p, CSR0) != CSR0_STOP || !(bcr_read(p, BCR18) & BCR18_DWIO))
        return -EIO;
    return 0;
}

static void read_mac(struct pcnet *p, const struct pcnet_config *cfg)
{
    uint8_t *mac = p->nic.mac;
    if (p->dwio) {
        uint32_t lo = p->bus.in(p->bus.ctx, PCNET_APROM, 4);
        uint32_t hi = p->bus.in(p->bus.ctx, PCNET_APROM + 4, 4);
        for (int i = 0; i < 4; i++)
            mac[i] = (uint8_t)(lo >> (8 * i));
        mac[4] = (uint8_t)hi;
        mac[5] = (uint8_t)(hi >> 8);
    } else {
        for (int i = 0; i < ETH_ADDR_LEN; i++)
            mac[i] = (uint8_t)p->bus.in(p->bus.ctx, PCNET_APROM + i, 1);
    }
    static const uint8_t zero[ETH_ADDR_LEN];
    if ((mac[0] & 1) || memcmp(mac, zero, ETH_ADDR_LEN) == 0)
        memcpy(mac, cfg->fallback_mac, ETH_ADDR_LEN);
}

/* What the NIC costs besides its receive buffers. */
static uint64_t fixed_bytes(void)
{
    return (uint64_t)(PCNET_RX_RING_MAX + PCNET_TX_RING) * sizeof(struct pcnet_desc) +
           sizeof(struct pcnet_init_block) + (uint64_t)PCNET_TX_RING * TX_COPY + sizeof(struct pcnet);
}

/* Receive buffers for a ring of `ring` descriptors and spares, as many as the NIC's
 * share of memory pays for; 0 when fewer than the ring and RX_SPARE_MIN. */
static unsigned rx_buffers(unsigned ring)
{
    return budget_buffers(budget_nic_bytes(), fixed_bytes(),
                          RX_STRIDE + sizeof(struct pcnet_rxbuf) + sizeof(void *),
                          ring + RX_SPARE_MIN, ring + RX_SPARE_MAX);
}

static int alloc_memory(struct pcnet *p)
{
    size_t ring_bytes = (PCNET_RX_RING_MAX + PCNET_TX_RING) * sizeof(struct pcnet_desc);
    uint8_t *m = p->bus.dma_alloc(p->bus.ctx, ring_bytes + sizeof(struct pcnet_init_block));
    uint8_t *copies = p->bus.dma_alloc(p->bus.ctx, (size_t)PCNET_TX_RING * TX_COPY);
    if (!m || !copies)
        return -ENOMEM;
    p->tx_ring = (volatile struct pcnet_desc *)m;
    p->rx_ring = p->tx_ring + PCNET_TX_RING;
    p->init = (struct pcnet_init_block *)(m + ring_bytes);
    p->tx_ring_bus = bus32(p, m);
    p->rx_ring_bus = bus32(p, (const void *)p->rx_ring);
    p->init_bus = bus32(p, p->init);
    for (unsigned i = 0; i < PCNET_TX_RING; i++) {
        p->tx_slot[i].copy = copies + (size_t)i * TX_COPY;
        p->tx_slot[i].copy_bus = bus32(p, p->tx_slot[i].copy);
    }

    p->rx_size = PCNET_RX_RING_MAX;
    p->rx_log2 = 9;
    unsigned n = rx_buffers(p->rx_size);
    if (!n) {
        p->rx_size = PCNET_RX_RING_MIN;
        p->rx_log2 = 7;
        n = rx_buffers(p->rx_size);
    }
    if (!n)
        return -ENOMEM;
    p->rxbufs = calloc(n, sizeof *p->rxbufs);
    p->spare = calloc(n, sizeof *p->spare);
    if (!p->rxbufs || !p->spare)
        return -ENOMEM;
    const unsigned per_alloc = 64;              /* 128 KiB runs */
    for (unsigned i = 0; i < n; i += per_alloc) {
        unsigned k = n - i < per_alloc ? n - i : per_alloc;
        uint8_t *mem = p->bus.dma_alloc(p->bus.ctx, (size_t)k * RX_STRIDE);
        if (!mem)
            return -ENOMEM;
        for (unsigned j = 0; j < k; j++) {
            p->rxbufs[i + j].mem = mem + (size_t)j * RX_STRIDE;
            p->rxbufs[i + j].bus = bus32(p, p->rxbufs[i + j].mem);
        }
    }
    p->n_rxbufs = n;
    for (unsigned i = 0; i < p->rx_size; i++)
        p->rx_slot[i] = &p->rxbufs[i];
    for (unsigned i = p->rx_size; i < n; i++)
        p->spare[p->n_spare++] = &p->rxbufs[i];
    pcnet_tx_init(&p->txr, PCNET_TX_RING);
    return 0;
}

int pcnet_attach(const struct pcnet_bus *bus, const struct pcnet_config *cfg, struct pcnet **out)
{
    struct pcnet *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->bus = *bus;
    p->rx_buf_size = cfg->rx_buf_size ? cfg->rx_buf_size : PCNET_RX_BUF;
    int rc = -ENODEV;
    if (p->rx_buf_size + NIC_RX_HEADROOM > RX_STRIDE || p->rx_buf_size < 64)
        goto err_free;
    reset_chip(p);
    if (detect_mode(p) != 0) {
        kprintf("pcnet: no PCnet answers (CSR0 reads neither in WIO nor in DWIO mode)\n");
        goto err_free;
    }
    p->chip_id = pcnet_chip_id(csr_read(p, CSR88), csr_read(p, CSR89));
    p->chip = pcnet_chip_lookup(p->chip_id);
    if (!p->chip) {
        kprintf("pcnet: chip ID %#010x (part %#06x) is no PCnet this driver knows; left alone\n",
                (unsigned)p->chip_id, (unsigned)PCNET_ID_PART(p->chip_id));
        goto err_free;
    }
    read_mac(p, cfg);
    rc = -EIO;
    if (!cfg->wio && !p->dwio && enter_dwio(p) != 0) {
        kprintf("pcnet: %s did not enter DWIO mode\n", p->chip->name);
        goto err_free;
    }
    bcr_write(p, BCR20, BCR20_SWSTYLE_PCNET32);
    uint16_t sws = bcr_read(p, BCR20);
    if ((sws & BCR20_SWSTYLE_MASK) != BCR20_SWSTYLE_PCNET32 || !(sws & BCR20_SSIZE32)) {
        kprintf("pcnet: %s refused the 32-bit software style (BCR20 %#06x)\n", p->chip->name, sws);
        goto err_free;
    }
    /* LED0 shows the link status: the bit poll reads. VirtualBox reads LNKSTE back
     * cleared while the cable is out, so it is set, not tested. */
    bcr_write(p, BCR4, (uint16_t)((bcr_read(p, BCR4) | BCR4_LNKSTE) & ~BCR4_LEDOUT));
    rc = alloc_memory(p);
    if (rc)
        goto err_free;                          /* DMA memory stays taken: boot only */

    p->nic.model = p->chip->name;
    p->nic.mtu = 1500;
    p->nic.max_mtu = 1500;                      /* no jumbo frames on any PCnet */
    p->nic.tx_headroom = 0;
    p->nic.caps = NIC_CAP_TX_SG;
    p->nic.ops = &pcnet_ops;
    p->nic.priv = p;
    p->nic.link_up = link_up(p);
    rc = nic_register(&p->nic);
    if (rc)
        goto err_free;
    kprintf("%s: chip ID %#010x, %s I/O, %u receive buffers of %u bytes, %u+%u descriptors\n",
            p->nic.name, (unsigned)p->chip_id, p->dwio ? "32-bit" : "16-bit", p->n_rxbufs,
            (unsigned)p->rx_buf_size, p->rx_size, PCNET_TX_RING);
    *out = p;
    return 0;

err_free:
    free(p->rxbufs);
    free(p->spare);
    free(p);
    return rc;
}

void pcnet_irq(struct pcnet *p)
{
    p->irq_seen = 1;
}

struct nic *pcnet_nic(struct pcnet *p)
{
    return &p->nic;
}

#ifdef VMGATE_HOST_TEST
unsigned pcnet_test_spares(const struct pcnet *p)
{
    return p->n_spare;
}

void pcnet_test_free(struct pcnet *p)
{
    free(p->rxbufs);
    free(p->spare);
    free(p);
}
#endif
