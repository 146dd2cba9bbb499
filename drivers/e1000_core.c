/* The PRO/1000's life (8254x SDM chapter 14 "General Initialization and Reset
 * Operation"): reset, programming, open and close, the poll loop's work, receive
 * filters, the MTU, the transmit watchdog and recovery from a device that stopped
 * answering.
 *
 * Link: the PHY negotiates by itself after reset; CTRL.SLU with ASDE makes the MAC
 * follow it. A change raises ICR.LSC (QEMU's set_link does too, and after a link
 * comes back its model renegotiates for half a second first); the poll loop then
 * reads STATUS.LU. ICR is also read every E1K_ICR_POLLS polls, so a lost interrupt
 * (or a line that never got one) delays a link change but does not hide it.
 *
 * Interrupts only wake the main loop, which polls: the handler reads ICR (which
 * clears it and lowers the line) and keeps the causes. Causes enabled: frames
 * received (RXT0), the ring running low (RXDMT0), an overrun (RXO) and the link
 * (LSC); finished transmissions are reclaimed while polling. ITR holds interrupts
 * to about 7800 a second, which is also the most QEMU's model delivers (its
 * mitigation floor, hw/net/e1000.c set_interrupt_cause).
 *
 * RCTL is written when the receiver starts or stops, and when a receive mode or
 * the MTU really changes it: each write makes QEMU hold received frames for a
 * second. A NIC still closed only records what it was asked; open writes RCTL once.
 *
 * No receive checksum offload: QEMU's e1000 sets "ignore checksum indication" on
 * every descriptor, and the RXCSUM offload of real chips cannot be tested here, so
 * NIC_CAP_RX_CSUM_VALID stays off and RXCSUM is cleared. */
#include "e1000_dev.h"
#include "../kernel/console.h"

#include <errno.h>
#include <string.h>

#define E1K_IMS_WANTED (E1K_ICR_RXT0 | E1K_ICR_RXDMT0 | E1K_ICR_RXO | E1K_ICR_LSC)
#define E1K_ITR_INTERVAL 500        /* x 256 ns: 128 us, about 7800 interrupts a second */
#define E1K_ICR_POLLS    1024       /* read ICR at least every this many polls */
#define E1K_STATS_POLLS  65536      /* fold the statistics registers in this often */

/* Quiets and resets the chip. With quiesce, receiver and transmitter are stopped
 * first and given time to finish what they were doing (SDM 14.9). */
static void hw_reset(struct e1k *e, bool quiesce)
{
    e1k_wr(e, E1K_IMC, E1K_ICR_ALL);
    e->txdw_on = false;
    if (quiesce) {
        e1k_wr(e, E1K_RCTL, 0);
        e1k_wr(e, E1K_TCTL, 0);
        e->rctl = e->tctl = 0;
        e1k_delay_us(e, 10000);
    }
    e1k_wr(e, E1K_CTRL, e1k_rd(e, E1K_CTRL) | E1K_CTRL_RST);
    e1k_delay_us(e, 1000);
    for (int i = 0; i < 100 && (e1k_rd(e, E1K_CTRL) & E1K_CTRL_RST); i++)
        e1k_delay_us(e, 100);
    e1k_wr(e, E1K_IMC, E1K_ICR_ALL);
    (void)e1k_rd(e, E1K_ICR);
    memset(e->mta, 0, sizeof e->mta);
}

static void write_mta(struct e1k *e, const uint32_t mta[E1K_MTA_WORDS], bool all)
{
    for (unsigned i = 0; i < E1K_MTA_WORDS; i++) {
        if (all || mta[i] != e->mta[i])
            e1k_wr(e, E1K_MTA + 4 * i, mta[i]);
        e->mta[i] = mta[i];
    }
}

/* Everything a reset cleared: link, address filters, interrupt timing, the rings'
 * places (both empty), the transmitter's settings. Receiver and transmitter off. */
static void hw_program(struct e1k *e)
{
    uint32_t ctrl = e1k_rd(e, E1K_CTRL);
    ctrl &= ~(E1K_CTRL_RST | E1K_CTRL_PHY_RST | E1K_CTRL_FRCSPD | E1K_CTRL_FRCDPX |
              E1K_CTRL_ILOS | E1K_CTRL_VME);
    e1k_wr(e, E1K_CTRL, ctrl | E1K_CTRL_SLU | E1K_CTRL_ASDE);
    /* No flow control: its registers at 0 (SDM 14.3). */
    e1k_wr(e, E1K_FCAL, 0);
    e1k_wr(e, E1K_FCAH, 0);
    e1k_wr(e, E1K_FCT, 0);
    e1k_wr(e, E1K_FCTTV, 0);
    const uint8_t *m = e->nic.mac;
    e1k_wr(e, E1K_RAL0, (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24);
    e1k_wr(e, E1K_RAH0, (uint32_t)m[4] | (uint32_t)m[5] << 8 | E1K_RAH_AV);
    for (unsigned i = 1; i < E1K_RA_ENTRIES; i++) {
        e1k_wr(e, E1K_RAL0 + 8 * i, 0);
        e1k_wr(e, E1K_RAH0 + 8 * i, 0);
    }
    /* The multicast table is not cleared by a reset (SDM 14.4). */
    uint32_t mta[E1K_MTA_WORDS];
    e1k_mta_for(&e->nic.rxmode, mta);
    write_mta(e, mta, true);
    e1k_wr(e, E1K_ITR, E1K_ITR_INTERVAL);
    e1k_wr(e, E1K_RDTR, 0);
    e1k_wr(e, E1K_RADV, 0);
    e1k_wr(e, E1K_TIDV, 0);
    e1k_wr(e, E1K_TADV, 0);
    e1k_wr(e, E1K_RXCSUM, 0);

    uint64_t rx = e1k_dma(e->rx_ring), tx = e1k_dma(e->tx_ring);
    e1k_wr(e, E1K_RDBAL, (uint32_t)rx);
    e1k_wr(e, E1K_RDBAH, (uint32_t)(rx >> 32));
    e1k_wr(e, E1K_RDLEN, e->rx_size * (uint32_t)sizeof(struct e1k_rx_desc));
    e1k_wr(e, E1K_RDH, 0);
    e1k_wr(e, E1K_RDT, 0);
    e1k_wr(e, E1K_TDBAL, (uint32_t)tx);
    e1k_wr(e, E1K_TDBAH, (uint32_t)(tx >> 32));
    e1k_wr(e, E1K_TDLEN, e->tx_size * (uint32_t)sizeof(struct e1k_tx_desc));
    e1k_wr(e, E1K_TIPG, (e->quirks & E1K_Q_82543) ? E1K_TIPG_82543 : E1K_TIPG_COPPER);
    /* Full duplex: collision threshold 15, distance 64 byte times (SDM 14.5). */
    e->tctl = E1K_TCTL_PSP | E1K_TCTL_RTLC | 0x0fu << E1K_TCTL_CT_SHIFT | 0x40u << E1K_TCTL_COLD_SHIFT;
    e1k_wr(e, E1K_TCTL, e->tctl);
    e1k_rx_ring_clear(e);
    e1k_tx_ring_reset(e);
}

static bool link_of(struct e1k *e)
{
    uint32_t st = e1k_rd(e, E1K_STATUS);
    return st != E1K_GONE && (st & E1K_STATUS_LU);
}

/* Receiver and transmitter on with the rings as they are (empty, at 0). */
static void hw_start(struct e1k *e)
{
    e1k_rx_refill(e);
    e1k_wmb();
    e1k_wr(e, E1K_RDT, e->rx_tail);
    e->rdt_dirty = false;
    e->tctl |= E1K_TCTL_EN;
    e1k_wr(e, E1K_TCTL, e->tctl);
    e->rctl = e1k_rctl_for(&e->nic.rxmode, e->nic.mtu, true);
    e1k_wr(e, E1K_RCTL, e->rctl);
    (void)e1k_rd(e, E1K_ICR);
    e1k_wr(e, E1K_IMS, E1K_IMS_WANTED);
}

int e1k_setup(struct e1k *e, const char *model)
{
    if (e1k_rd(e, E1K_STATUS) == E1K_GONE)
        return -ENODEV;
    hw_reset(e, false);
    e1k_choose_mac(e, e->nic.mac);
    e->nic.model = model;
    e->nic.mtu = 1500;
    /* Frames up to 16 KiB with LPE; 9000 is what the rest of vmgate takes. */
    e->nic.max_mtu = NIC_MTU_MAX;
    e->nic.tx_headroom = 0;
    e->nic.caps = NIC_CAP_TX_CSUM | NIC_CAP_TX_SG;
    if (!(e->quirks & E1K_Q_NO_TSO))
        e->nic.caps |= NIC_CAP_TX_TSO4 | NIC_CAP_TX_TSO_PHDR_NOLEN;
    e->nic.ops = &e1k_ops;
    e->nic.priv = e;
    hw_program(e);
    e->nic.link_up = link_of(e);
    return 0;
}

void e1k_report(const struct e1k *e)
{
    const char *how = e->ee_by_eerd ? "EERD" : "Microwire (EECD)";
    if (!e->ee_read_ok)
        kprintf("%s: EEPROM unreadable; MAC from %s\n", e->nic.name, e->mac_from);
    else if (e->ee_sum_ok)
        kprintf("%s: EEPROM by %s, %u words, checksum ok; MAC from %s\n", e->nic.name, how,
                e->ee_words, e->mac_from);
    else
        kprintf("%s: EEPROM by %s, %u words, bad checksum %#06x (not %#06x); MAC from %s\n",
                e->nic.name, how, e->ee_words, e->ee_sum, E1K_EE_SUM, e->mac_from);
}

/* A device that reads all ones has left the bus or hung: reset it, and if it
 * answers again, program it and pick up where it was (open or not). Retried
 * every E1K_ICR_POLLS polls while it stays gone. */
static void recover(struct e1k *e)
{
    if (!e->gone) {
        kprintf("%s: the device stopped answering (registers read all ones): resetting it\n",
                e->nic.name);
        nic_event(&e->nic, NIC_EV_DEVICE_ERROR);
        if (e->nic.link_up)
            nic_set_link(&e->nic, false);
        e1k_tx_ring_reset(e);           /* it will never send them: lent frames go home */
    }
    e->gone = true;
    hw_reset(e, true);
    if (e1k_rd(e, E1K_STATUS) == E1K_GONE)
        return;
    e->gone = false;
    hw_program(e);
    if (e->nic.state == NIC_OPEN)
        hw_start(e);
    nic_event(&e->nic, NIC_EV_RESET);
    kprintf("%s: device answers again after its reset\n", e->nic.name);
    nic_set_link(&e->nic, link_of(e));
}

void e1k_interrupt(struct e1k *e)
{
    uint32_t icr = e1k_rd(e, E1K_ICR);
    if (icr)
        __atomic_fetch_or(&e->icr_pending, icr, __ATOMIC_SEQ_CST);
}

static int e1k_poll(struct nic *n, int budget)
{
    struct e1k *e = n->priv;
    uint32_t icr = __atomic_exchange_n(&e->icr_pending, 0, __ATOMIC_SEQ_CST);
    e->polls++;
    if (e->gone) {
        if (e->polls % E1K_ICR_POLLS == 0)
            recover(e);
        return 0;
    }
    if (!e->have_irq || e->polls % E1K_ICR_POLLS == 0)
        icr |= e1k_rd(e, E1K_ICR);
    if (icr == E1K_GONE) {
        recover(e);
        return 0;
    }
    if (icr & E1K_ICR_LSC)
        nic_set_link(n, link_of(e));
    if ((icr & E1K_ICR_RXO) || e->polls % E1K_STATS_POLLS == 0) {
        /* Every overrun is counted in MPC (SDM 13.7.5): the events follow it, so
         * that none is counted twice whoever reads the registers first. */
        uint64_t missed = e1k_counters_update(e);
        for (uint64_t k = 0; k < missed && k < 65536; k++)
            nic_event(n, NIC_EV_RX_OVERRUN);
    }
    e1k_tx_reclaim(e);
    if (e->txdw_on && nic_backlog_len(n) == 0) {
        e1k_wr(e, E1K_IMC, E1K_ICR_TXDW);     /* the backlog is empty: polled again */
        e->txdw_on = false;
    }
    return e1k_rx_poll(e, budget);
}

/* Frames wait in the core's backlog: TXDW interrupts (a descriptor with RS written
 * back) until it is empty, so they go out when the ring has room. */
static void e1k_tx_wake(struct nic *n)
{
    struct e1k *e = n->priv;
    if (e->gone || e->txdw_on || !e->have_irq)
        return;
    e->txdw_on = true;
    e1k_wr(e, E1K_IMS, E1K_ICR_TXDW);
}

static void e1k_flush(struct nic *n)
{
    struct e1k *e = n->priv;
    if (e->gone)
        return;
    e1k_tx_kick(e);
    if (e->rdt_dirty) {
        e1k_wmb();
        e1k_wr(e, E1K_RDT, e->rx_tail);
        e->rdt_writes++;
        e->rdt_dirty = false;
    }
}

static int e1k_open(struct nic *n)
{
    struct e1k *e = n->priv;
    if (e->gone)
        return -EIO;
    e1k_rx_ring_clear(e);
    e1k_wr(e, E1K_RDH, 0);
    e1k_tx_ring_reset(e);
    hw_start(e);
    nic_set_link(n, link_of(e));
    return 0;
}

static void e1k_close(struct nic *n)
{
    struct e1k *e = n->priv;
    e1k_wr(e, E1K_IMC, E1K_ICR_ALL);
    e->rctl &= ~E1K_RCTL_EN;
    e1k_wr(e, E1K_RCTL, e->rctl);
    e->tctl &= ~E1K_TCTL_EN;
    e1k_wr(e, E1K_TCTL, e->tctl);
    e1k_tx_ring_reset(e);               /* lent frames go home */
    e1k_rx_ring_clear(e);
    e1k_wr(e, E1K_RDH, 0);
    e1k_wr(e, E1K_RDT, 0);
    (void)e1k_rd(e, E1K_ICR);
    __atomic_store_n(&e->icr_pending, 0, __ATOMIC_SEQ_CST);
}

/* RCTL for the NIC's mode and mtu, written only when the device has another. */
static void update_rctl(struct e1k *e, uint16_t mtu)
{
    if (e->nic.state != NIC_OPEN || e->gone)
        return;                         /* open writes it */
    uint32_t r = e1k_rctl_for(&e->nic.rxmode, mtu, true);
    if (r != e->rctl) {
        e->rctl = r;
        e1k_wr(e, E1K_RCTL, r);
    }
}

static int e1k_set_rxmode(struct nic *n, const struct nic_rxmode *m)
{
    struct e1k *e = n->priv;
    if (e->gone)
        return -EIO;
    uint32_t mta[E1K_MTA_WORDS];
    e1k_mta_for(m, mta);
    write_mta(e, mta, false);
    update_rctl(e, n->mtu);
    return 0;
}

static int e1k_set_mtu(struct nic *n, uint16_t mtu)
{
    struct e1k *e = n->priv;
    if (e->gone)
        return -EIO;
    update_rctl(e, mtu);
    return 0;
}

/* Transmissions stopped completing: the transmitter starts over on an empty ring,
 * and frames lent to it go home. A device that reads all ones gets the whole reset. */
static void e1k_tx_timeout(struct nic *n)
{
    struct e1k *e = n->priv;
    if (e->gone || e1k_rd(e, E1K_STATUS) == E1K_GONE) {
        recover(e);
        return;
    }
    e1k_wr(e, E1K_TCTL, e->tctl & ~E1K_TCTL_EN);
    e1k_tx_ring_reset(e);
    e1k_wr(e, E1K_TCTL, e->tctl);
    nic_event(n, NIC_EV_RESET);
}

const struct nic_ops e1k_ops = {
    .open = e1k_open,
    .close = e1k_close,
    .transmit = e1k_transmit,
    .transmit_frame = e1k_transmit_frame,
    .rx_recycle = e1k_rx_recycle,
    .poll = e1k_poll,
    .tx_wake = e1k_tx_wake,
    .flush = e1k_flush,
    .set_rxmode = e1k_set_rxmode,
    .set_mtu = e1k_set_mtu,
    .tx_timeout = e1k_tx_timeout,
    .hw_counters = e1k_hw_counters,
};
