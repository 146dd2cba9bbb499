/* The Intel PRO/1000 driver's state and its parts, shared by its files:
 *
 *   e1000.c          PCI ID table and probe: maps BAR 0, sizes and allocates the
 *                    rings and buffers from the NIC's share of memory (kernel only)
 *   e1000_core.c     the device's life: reset, open, close, poll, interrupt, the
 *                    watchdog's ring reset, receive filters, MTU (the nic_ops)
 *   e1000_eeprom.c   the EEPROM by EERD or by bit-banged Microwire, its checksum,
 *                    which MAC to use
 *   e1000_rx.c       the receive ring: posting, frames over several buffers, refill
 *   e1000_tx.c       the transmit ring: frames by copy and lent, reclaim, reset
 *   e1000_txctx.c    context descriptors from a frame's offload facts (pure)
 *   e1000_filter.c   RCTL and the multicast table for a receive mode (pure)
 *   e1000_stats.c    the chip's statistics registers, accumulated
 *
 * Everything but e1000.c also builds on the host, where the register accesses
 * below go to a model of the chip (tests/unit/e1000_model.c) instead of MMIO, and
 * descriptor addresses are host pointers (the kernel's memory is identity-mapped,
 * so a pointer is the device's address there too). */
#ifndef VMGATE_E1000_DEV_H
#define VMGATE_E1000_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "e1000.h"
#include "nic.h"

/* Per-chip quirks (the PCI ID table's flags). */
#define E1K_Q_NO_EERD   0x01        /* no EERD register: bit-bang the EEPROM (82543, 82544) */
#define E1K_Q_NO_EEREQ  0x02        /* no EECD request/grant handshake (82543, 82544) */
#define E1K_Q_NO_TSO    0x04        /* no TCP segmentation (82543: checksums only) */
#define E1K_Q_82543     0x08        /* the 82543's copper inter-packet gap */

#define E1K_RX_BUF      2048        /* bytes the device may write per receive buffer */
#define E1K_RX_STRIDE   2112        /* NIC_RX_HEADROOM + E1K_RX_BUF, to 64 bytes */
#define E1K_TX_COPY     2048        /* the copy buffer of each transmit descriptor */
/* The longest frame the device delivers with RCTL.LPE (16 KiB less the FCS): at
 * 2 KiB a buffer, 8 buffers, within a nic_frame's 1 + NIC_RX_FRAGS_MAX. */
#define E1K_RX_FRAME_MAX (16384 - 4)

struct e1k_rxbuf {
    uint8_t *mem;                   /* the frame lands at mem + NIC_RX_HEADROOM */
    struct e1k_rxbuf *next_free;
};

/* What a transmitted frame needs when it completes; kept in the entry of its first
 * descriptor. */
struct e1k_txinfo {
    uint16_t eop;                   /* the frame's last descriptor (RS: DD lands there) */
    bool lent;                      /* frame below is another buffer's owner's */
    struct nic_frame frame;
};

/* Accumulated statistics registers (e1000_stats.c). */
#define E1K_COUNTERS 16
struct e1k_counters {
    uint64_t total[E1K_COUNTERS];
    uint32_t last[E1K_COUNTERS];    /* for registers that keep a running total */
    uint32_t known, sticky;         /* bit i: counter i's read semantics learnt / sticky */
};

struct e1k {
    struct nic nic;
    void *regs;                     /* BAR 0 (or the host model) */
    uint32_t quirks;
    uint8_t pci_slot[3];            /* bus, device, function: for a made-up MAC */

    /* Receive ring and its buffers (memory given by the prober). */
    struct e1k_rx_desc *rx_ring;
    unsigned rx_size;               /* descriptors, a multiple of 8 */
    struct e1k_rxbuf **rx_slot;     /* rx_size entries: the buffer posted at each */
    struct e1k_rxbuf *rxbufs;
    unsigned n_rxbufs;
    struct e1k_rxbuf *rx_free;      /* buffers neither posted nor lent */
    unsigned n_rx_free;
    unsigned rx_next;               /* next descriptor to look at */
    unsigned rx_tail;               /* next to post; RDT once flushed */
    bool rdt_dirty;
    bool rx_discarding;             /* dropping the rest of a frame too long to take */

    /* Transmit ring. */
    struct e1k_tx_desc *tx_ring;
    unsigned tx_size;
    uint8_t *tx_copy;               /* tx_size * E1K_TX_COPY bytes */
    struct e1k_txinfo *tx_info;     /* tx_size entries */
    unsigned tx_next;               /* next descriptor to fill; TDT once flushed */
    unsigned tx_clean;              /* first descriptor of the oldest pending frame */
    unsigned tx_unkicked;           /* descriptors queued since TDT was written */
    struct e1k_tx_ctx ctx;          /* the context the device holds */
    bool ctx_valid;

    /* Registers as last written (writing RCTL holds QEMU's receiver for a second). */
    uint32_t rctl, tctl;
    uint32_t mta[E1K_MTA_WORDS];

    volatile uint32_t icr_pending;  /* causes the interrupt handler read */
    bool have_irq;
    bool txdw_on;                   /* TXDW unmasked: frames wait in the core's backlog */
    bool gone;                      /* registers read all ones: waiting to reset it */
    unsigned polls;
    struct e1k_counters counters;
    /* Tail writes: each traps to the hypervisor (a VM exit, QEMU's MMIO handler), so
       they are the e1000's notifications, reported beside the chip's statistics. */
    uint64_t tdt_writes, rdt_writes;

    /* What probe found, for its report. */
    bool ee_by_eerd, ee_read_ok, ee_sum_ok;
    unsigned ee_words;
    uint16_t ee_sum;
    const char *mac_from;
};

/* --- Register access ---------------------------------------------------------- */
#ifdef VMGATE_HOST_TEST
uint32_t e1k_model_read(void *regs, uint32_t off);
void e1k_model_write(void *regs, uint32_t off, uint32_t v);
void e1k_model_delay(void *regs, unsigned us);
static inline uint32_t e1k_rd(const struct e1k *e, uint32_t off) { return e1k_model_read(e->regs, off); }
static inline void e1k_wr(const struct e1k *e, uint32_t off, uint32_t v) { e1k_model_write(e->regs, off, v); }
static inline void e1k_delay_us(const struct e1k *e, unsigned us) { e1k_model_delay(e->regs, us); }
static inline void e1k_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static inline void e1k_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
#else
#include "../kernel/io.h"
#include "../kernel/clock.h"
static inline uint32_t e1k_rd(const struct e1k *e, uint32_t off)
{
    return mmio_read32((volatile uint8_t *)e->regs + off);
}
static inline void e1k_wr(const struct e1k *e, uint32_t off, uint32_t v)
{
    mmio_write32((volatile uint8_t *)e->regs + off, v);
}
static inline void e1k_delay_us(const struct e1k *e, unsigned us) { clock_delay_us(us); }
static inline void e1k_wmb(void) { wmb(); }
static inline void e1k_rmb(void) { rmb(); }
#endif

/* The device's address of host memory (identity-mapped). */
static inline uint64_t e1k_dma(const void *p) { return (uint64_t)(uintptr_t)p; }

/* What a register read gives when the device has gone from the bus. */
#define E1K_GONE 0xffffffffu

/* --- e1000_core.c ---------------------------------------------------------------- */

/* Brings a probed device to a known state and fills e->nic (MAC, model, caps, MTU
 * limits, ops, link): resets it, reads the EEPROM, programs the MAC, takes the
 * link. Memory (rings, buffers) must already be in e. 0 or a negative errno. */
int e1k_setup(struct e1k *e, const char *model);
/* After nic_register: one line on what the EEPROM said and where the MAC came from. */
void e1k_report(const struct e1k *e);
/* The interrupt handler: reads (and so clears) ICR, keeps the causes for poll. */
void e1k_interrupt(struct e1k *e);
extern const struct nic_ops e1k_ops;

/* --- e1000_eeprom.c -------------------------------------------------------------- */

/* Reads words [0, n) by EERD, or by Microwire on chips without it (or when EERD
 * does not answer). 0, or -EIO when no read finished. */
int e1k_eeprom_read(struct e1k *e, uint16_t *words, unsigned n);
/* Words the EEPROM holds (64 or 256). */
unsigned e1k_eeprom_words(struct e1k *e);
/* Chooses the MAC (EEPROM, else RAL0/RAH0, else one made from the PCI slot) and
 * records why in e->mac_from and the ee_* fields. */
void e1k_choose_mac(struct e1k *e, uint8_t mac[ETH_ADDR_LEN]);

/* --- e1000_rx.c ------------------------------------------------------------------ */

/* Empties the ring: every posted buffer back to the free list, the ring at 0.
 * Programs nothing (RDH and RDT are the caller's). */
void e1k_rx_ring_clear(struct e1k *e);
/* Posts free buffers into empty descriptors. */
void e1k_rx_refill(struct e1k *e);
/* Delivers up to budget received frames (nic_receive); returns how many. */
int e1k_rx_poll(struct e1k *e, int budget);
/* Descriptors posted to the device. */
unsigned e1k_rx_posted(const struct e1k *e);
void e1k_rx_recycle(struct nic *n, void *buf);

/* --- e1000_tx.c ------------------------------------------------------------------ */

int e1k_transmit(struct nic *n, const struct nic_tx *t);
int e1k_transmit_frame(struct nic *n, struct nic_frame *f);
/* Takes back finished frames (lent buffers go home); reports them to the core. */
void e1k_tx_reclaim(struct e1k *e);
/* Writes TDT if frames were queued since. */
void e1k_tx_kick(struct e1k *e);
/* Forgets everything queued, lent frames released; the ring empty at 0 (TDH and
 * TDT written, transmitter as it was). */
void e1k_tx_ring_reset(struct e1k *e);

/* --- e1000_txctx.c (pure) -------------------------------------------------------- */

/* The context descriptor a frame with offload facts o needs, and the packet options
 * of its first data descriptor (E1K_TXD_POPTS_*). Returns 1 with a context and
 * options, 0 when the frame needs none (no offload), -EINVAL for facts the chip
 * cannot carry out (not TCP/IPv4 GSO, ECN, offsets past a byte). */
int e1k_txctx_for(const uint8_t *frame, uint32_t len, const struct offload *o,
                  struct e1k_tx_ctx *ctx, uint32_t *popts);
/* The descriptor that loads ctx. */
struct e1k_tx_desc e1k_txctx_desc(const struct e1k_tx_ctx *ctx);

/* --- e1000_filter.c (pure) ------------------------------------------------------- */

/* RCTL for a receive mode and MTU (receiver enabled or not). */
uint32_t e1k_rctl_for(const struct nic_rxmode *m, uint16_t mtu, bool enable);
/* The multicast table bit of an address (RCTL.MO 0: address bits 47:36). */
unsigned e1k_mta_hash(const uint8_t mac[ETH_ADDR_LEN]);
/* The whole table for a mode's multicast list. */
void e1k_mta_for(const struct nic_rxmode *m, uint32_t mta[E1K_MTA_WORDS]);

/* --- e1000_stats.c --------------------------------------------------------------- */

/* Reads every statistics register into e->counters; returns how many frames the
 * device missed (MPC) since the last call. */
uint64_t e1k_counters_update(struct e1k *e);
unsigned e1k_hw_counters(struct nic *n, struct nic_hw_counter *out, unsigned max);

#endif
