/* A register-level model of an AMD PCnet for host tests of drivers/pcnet.c: the I/O
 * window (address PROM, RAP/RDP/BDP in WIO and DWIO mode, the reset ports), CSR0's
 * INIT/STRT/STOP/TDMD and its interrupt flags with the CSR3 masks, the 32-bit
 * initialization block (CSR1/2), CSR15's PROM, CSR58/BCR20 SWSTYLE (taken only while
 * stopped), the chip ID in CSR88/89, BCR4-7 and their link bit, the 32-bit
 * descriptor formats, receive over up to three descriptors, the address filter
 * (station, broadcast, LADRF hash, PROM), MISS with CSR112, LCAR on transmit
 * without link, MERR on demand, and DMA into an arena the model owns.
 *
 * It follows the Am79C970A/Am79C973 datasheets where QEMU's and VirtualBox's models
 * agree with them, and QEMU where it is the lab's reference (a frame cut to 4092
 * bytes, the message length overflowing for it, the FCS counted in the length, at
 * most three descriptors per frame). As the 79C973, it takes VirtualBox's
 * behaviour: CSR88 0x5003, BCR4 reading LNKSTE cleared without link, an MII PHY at
 * address 0. It also counts what a driver must not do (CSR writes the datasheet
 * allows only while stopped, DMA outside the arena, a bad descriptor), which the
 * tests check stays at zero. */
#ifndef VMGATE_PCNET_MODEL_H
#define VMGATE_PCNET_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/pcnet.h"

enum pcnet_model_chip {
    PCNET_MODEL_79C970A,                      /* QEMU's: CSR88 0x1003, CSR89 0x0262 */
    PCNET_MODEL_79C973,                       /* VirtualBox's: CSR88 0x5003 */
};

#define PCNET_MODEL_WIRE_MAX 256              /* frames kept of what was sent */
#define PCNET_MODEL_FRAME_MAX 4096

struct pcnet_model_frame {
    uint8_t data[PCNET_MODEL_FRAME_MAX];
    uint32_t len;
};

struct pcnet_model {
    enum pcnet_model_chip chip;
    uint16_t id_lo, id_hi;                    /* CSR88, CSR89 after a reset */
    /* behaviour switches a test may set after pcnet_model_init */
    bool sreset_keeps_dwio;                   /* S_RESET leaves DWIO on (QEMU clears it) */
    bool tx_stall;                            /* the transmitter ignores TDMD: a hang */

    /* the DMA arena: the device's address of arena[i] is arena_base + i */
    uint8_t *arena;
    size_t arena_size, arena_used;
    uint32_t arena_base;

    /* registers */
    uint16_t csr[128];
    uint16_t bcr[64];
    uint16_t rap;
    bool dwio;
    uint8_t prom[16];
    bool link_up;
    bool irq;                                 /* INTA# asserted */

    /* what INIT took */
    uint32_t rdra, tdra;
    unsigned rx_len, tx_len;                  /* ring lengths */
    unsigned rx_cur, tx_cur;                  /* the chip's current descriptors */
    unsigned inits;
    bool promisc_at_init;                     /* PROM at the last INIT (what VirtualBox
                                                 tells its network backend) */
    /* a frame written by pcnet_model_receive_partial, not yet finished */
    bool rx_open;
    unsigned rx_open_last;
    uint32_t rx_open_size;
    uint32_t rx_open_status;

    /* what went out */
    struct pcnet_model_frame *wire;           /* PCNET_MODEL_WIRE_MAX of them */
    unsigned n_wire;                          /* frames sent (kept: the first WIRE_MAX) */
    unsigned lcar;                            /* transmissions failed for want of link */

    /* what a driver must never cause */
    unsigned illegal_writes, bad_dma, bad_desc, bad_init;

    uint32_t now_ms;                          /* the driver's clock */
    uint64_t waited_us;
};

/* A reset chip (H_RESET) with this station address and link up. */
void pcnet_model_init(struct pcnet_model *m, enum pcnet_model_chip chip, const uint8_t mac[6]);
void pcnet_model_free(struct pcnet_model *m);
/* The driver's bus onto this model. */
struct pcnet_bus pcnet_model_bus(struct pcnet_model *m);

/* Memory in the arena (16-byte aligned, zeroed), for frames a test lends the driver
 * as if another NIC had received them. */
void *pcnet_model_alloc(struct pcnet_model *m, size_t bytes);

/* A frame from the wire (without FCS): 1 when stored, 0 when the address filter
 * refused it, -1 when it was lost (receiver off, no link, MISS: no descriptor). */
int pcnet_model_receive(struct pcnet_model *m, const uint8_t *frame, uint32_t len);
/* The same, stopped halfway as QEMU's model can be seen from another CPU: every
 * descriptor written and handed back, but the last one's ENP and length not yet;
 * pcnet_model_receive_finish() writes them. */
int pcnet_model_receive_partial(struct pcnet_model *m, const uint8_t *frame, uint32_t len);
void pcnet_model_receive_finish(struct pcnet_model *m);

/* The chip's own look at the transmit ring, which it takes every 1.6 ms or so
 * without TDMD (unless DPOLL). */
void pcnet_model_tx_poll(struct pcnet_model *m);

/* The cable: no interrupt, as in QEMU and VirtualBox; only BCR4-7 and LCAR tell. */
void pcnet_model_set_link(struct pcnet_model *m, bool up);
/* A bus master error (MERR), with its interrupt. */
void pcnet_model_merr(struct pcnet_model *m);
/* Receive collisions, as the chip would count them in CSR114. */
void pcnet_model_collisions(struct pcnet_model *m, unsigned k);

#endif
