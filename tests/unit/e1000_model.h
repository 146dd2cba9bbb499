/* A register-level model of an Intel 8254x for the driver's host tests, written
 * from the 8254x SDM (317453) and what QEMU's hw/net/e1000.c does where the
 * two differ (said where it matters):
 *
 *  - a 128 KiB register file: reads and writes at byte offsets, ICR clear on read,
 *    ICS/IMS/IMC, CTRL.RST (which really resets, as hardware does and QEMU does
 *    not), STATUS.LU from the model's link, statistics registers that clear on
 *    read (the SDM) or partly keep running totals (QEMU);
 *  - the EEPROM: EERD where the chip has it, and a 93C46/93C66 Microwire part on
 *    the EECD wires (start bit, opcode, address on rising SK edges with CS high, a
 *    dummy 0, then 16 data bits), with EE_REQ/EE_GNT where the chip has them;
 *  - receive: frames filtered by RAL/RAH, the multicast table, UPE/MPE/BAM, LPE;
 *    written into the descriptors between RDH and RDT in RCTL's buffer size, FCS
 *    appended, DD/EOP set, RDH moved; no room: RXO and MPC;
 *  - transmit: on a TDT (or TCTL) write, the descriptors from TDH to TDT: legacy,
 *    context and data descriptors, checksum insertion, TCP segmentation, DD
 *    written back where RS asks; the frames "on the wire" are kept for the test.
 *
 * Descriptor and buffer addresses are host pointers. */
#ifndef VMGATE_E1000_MODEL_H
#define VMGATE_E1000_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define E1KM_REGS (0x20000 / 4)
#define E1KM_WIRE_MAX 256

struct e1km_frame {
    uint8_t *data;
    uint32_t len;
};

struct e1km {
    uint32_t reg[E1KM_REGS];

    /* The chip: which EEPROM access it has. */
    bool has_eerd;                  /* 82540 and later */
    bool has_eereq;                 /* EE_REQ/EE_GNT, EE_SIZE (82540 and later) */
    bool eerd_broken;               /* EERD never says DONE */
    bool grant_never;               /* EE_GNT never comes */
    bool qemu_stats;                /* MPC, RNBC, CRCERRS, RLEC keep running totals */

    uint16_t eeprom[256];
    unsigned ee_words;              /* 64 or 256 */
    bool ee_absent;                 /* no part on the wires: DO floats high, PRES clear */

    /* Microwire state. */
    uint32_t wires;                 /* SK, CS, DI, REQ as last written */
    unsigned mw_bits;               /* command bits clocked in since CS rose */
    uint32_t mw_cmd;
    bool mw_reading;
    uint16_t mw_word;
    int mw_out;                     /* data bits left to clock out */
    bool mw_do;

    bool link;
    bool gone;                      /* every read all ones, writes lost */
    bool tx_stalled;                /* the transmitter processes nothing */
    bool hold_eop;                  /* receive: leave the last descriptor's DD clear */
    struct { uint8_t *status; } held;

    /* Transmit state between descriptors of one packet. */
    uint8_t pkt[70000];
    uint32_t pkt_len;
    uint32_t pkt_popts;
    bool pkt_tse, pkt_started, pkt_ext;
    struct {
        uint8_t ipcss, ipcso, tucss, tucso;
        uint16_t ipcse, tucse, mss;
        uint8_t hdrlen;
        uint32_t paylen, tucmd;
    } ctx;

    struct e1km_frame wire[E1KM_WIRE_MAX];
    unsigned n_wire;

    /* What the test counts. */
    unsigned rctl_writes, tdt_writes, rdt_writes, ctx_descs, data_descs, resets;
    unsigned mmio_reads, mmio_writes;
    uint64_t delay_us;
};

/* A chip as after power-up, with an EEPROM holding mac and a good checksum. */
void e1km_init(struct e1km *m, const uint8_t mac[6], bool has_eerd, unsigned ee_words);
void e1km_free(struct e1km *m);
/* Word 0x3f such that words 0..0x3f sum to 0xBABA. */
void e1km_fix_checksum(struct e1km *m);

uint32_t e1km_reg(const struct e1km *m, uint32_t off);
void e1km_set_reg(struct e1km *m, uint32_t off, uint32_t v);

/* A frame arrives from the wire (without FCS). Returns 1 stored, 0 filtered or
 * dropped by a rule (oversize, receiver off, link down), -1 no room (overrun). */
int e1km_receive(struct e1km *m, const uint8_t *frame, uint32_t len);
/* Sets DD on the descriptor hold_eop left undone. */
void e1km_release_eop(struct e1km *m);
/* The link: STATUS.LU and ICR.LSC. */
void e1km_set_link(struct e1km *m, bool up);
/* Whether the interrupt line is asserted (ICR & IMS). */
bool e1km_irq(const struct e1km *m);
/* Processes the transmit ring (as a TDT write does), e.g. after tx_stalled. */
void e1km_transmit(struct e1km *m);
void e1km_clear_wire(struct e1km *m);

#endif
