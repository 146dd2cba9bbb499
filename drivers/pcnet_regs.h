/* AMD PCnet registers, descriptors and initialization block, as vmgate uses them.
 *
 * Sources: AMD Am79C970A PCnet-PCI II datasheet (publication 19436 rev E, June 2000:
 * "Software Access" (I/O resource map, RAP/RDP/BDP, DWIO), "Control and Status
 * Registers", "Bus Configuration Registers", "Initialization Block", "Receive
 * Descriptors" and "Transmit Descriptors" for SSIZE32 = 1) and AMD Am79C973
 * PCnet-FAST III datasheet (publication 20510 rev E, August 2000: the same maps; chip
 * ID in CSR88/89, BCR4 LED0). What QEMU's and VirtualBox's models do differently is in
 * drivers/pcnet.c's header comment. */
#ifndef VMGATE_PCNET_REGS_H
#define VMGATE_PCNET_REGS_H

#include <stdint.h>

/* I/O resource map (BAR 0, 32 bytes). The address PROM is the first 16 bytes; the
 * register ports follow, at word offsets (WIO, the mode after a hardware reset) or at
 * double-word offsets (DWIO, entered by a 32-bit write to RDP). */
#define PCNET_IO_SIZE        0x20
#define PCNET_APROM          0x00     /* station address in bytes 0-5 */
#define PCNET_WIO_RDP        0x10
#define PCNET_WIO_RAP        0x12
#define PCNET_WIO_RESET      0x14     /* a read resets the chip (S_RESET) */
#define PCNET_WIO_BDP        0x16
#define PCNET_DWIO_RDP       0x10
#define PCNET_DWIO_RAP       0x14
#define PCNET_DWIO_RESET     0x18
#define PCNET_DWIO_BDP       0x1c

/* CSR0: controller status. Interrupt flags (bits 8-14) are cleared by writing 1;
 * INEA and TDMD are set from every write; INIT, STRT, STOP act when written 1. */
#define CSR0                 0
#define CSR0_INIT            0x0001   /* read the initialization block */
#define CSR0_STRT            0x0002   /* start receiving and transmitting */
#define CSR0_STOP            0x0004   /* stop all DMA; the reset state */
#define CSR0_TDMD            0x0008   /* transmit demand: look at the ring now */
#define CSR0_TXON            0x0010   /* the transmitter runs */
#define CSR0_RXON            0x0020   /* the receiver runs */
#define CSR0_INEA            0x0040   /* interrupts enabled */
#define CSR0_INTR            0x0080   /* some unmasked flag is set */
#define CSR0_IDON            0x0100   /* initialization done */
#define CSR0_TINT            0x0200   /* a transmission completed */
#define CSR0_RINT            0x0400   /* a frame was received */
#define CSR0_MERR            0x0800   /* bus master memory error */
#define CSR0_MISS            0x1000   /* a frame was missed: no receive buffer */
#define CSR0_CERR            0x2000   /* collision error (SQE test) */
#define CSR0_BABL            0x4000   /* transmitter babble (frame too long) */
#define CSR0_ERR             0x8000   /* BABL | CERR | MISS | MERR (read only) */
#define CSR0_FLAGS           0x7f00   /* every write-1-to-clear flag */

#define CSR1                 1        /* initialization block address, bits 15-0 */
#define CSR2                 2        /* ... bits 31-16 (SSIZE32) */

/* CSR3: interrupt masks and bus control. */
#define CSR3                 3
#define CSR3_BSWP            0x0004   /* byte swap: big-endian buffers (never) */
#define CSR3_DXMTFCS         0x0010   /* do not append an FCS (never) */
#define CSR3_LAPPEN          0x0020   /* look-ahead packet processing (never) */
#define CSR3_DXSUFLO         0x0040   /* keep transmitting after an underflow */
#define CSR3_IDONM           0x0100
#define CSR3_TINTM           0x0200
#define CSR3_RINTM           0x0400
#define CSR3_MERRM           0x0800
#define CSR3_MISSM           0x1000
#define CSR3_BABLM           0x4000

/* CSR4: test and features control. The mask bits (even) come set after a reset. */
#define CSR4                 4
#define CSR4_JABM            0x0001
#define CSR4_TXSTRTM         0x0004
#define CSR4_RCVCCOM         0x0010   /* receive collision counter overflow mask */
#define CSR4_MFCOM           0x0100   /* missed frame counter overflow mask */
#define CSR4_ASTRP_RCV       0x0400   /* strip the pad of 802.3 frames (never) */
#define CSR4_APAD_XMT        0x0800   /* pad short transmitted frames to 64 bytes */
#define CSR4_DPOLL           0x1000   /* no transmit ring polling */
#define CSR4_DMAPLUS         0x4000   /* no DMA burst limit */

/* CSR5: extended control and interrupt 1 (SPND is bit 0). */
#define CSR5                 5
#define CSR5_SPND            0x0001

#define CSR8                 8        /* logical address filter, bits 15-0 (...CSR11) */
#define CSR12                12       /* physical address, bytes 0-1 (...CSR14) */

/* CSR15: mode, loaded from the initialization block. */
#define CSR15                15
#define CSR15_DRX            0x0001   /* receiver off */
#define CSR15_DTX            0x0002   /* transmitter off */
#define CSR15_LOOP           0x0004
#define CSR15_DRCVPA         0x2000   /* no frames to the physical address */
#define CSR15_DRCVBC         0x4000   /* no broadcast frames */
#define CSR15_PROM           0x8000   /* promiscuous: every frame */

#define CSR58                58       /* software style: an alias of BCR20 */
#define CSR76                76       /* receive ring length (two's complement) */
#define CSR78                78       /* transmit ring length */
#define CSR88                88       /* chip ID, bits 15-0 */
#define CSR89                89       /* chip ID, bits 31-16 */
#define CSR112               112      /* missed frame count (16 bits, wraps) */
#define CSR114               114      /* receive collision count (16 bits, wraps) */

/* Chip ID (CSR89:CSR88): bit 0 always 1, bits 11-1 the manufacturer (1: AMD), bits
 * 27-12 the part number, bits 31-28 the version. */
#define PCNET_ID_PART(id)    (((id) >> 12) & 0xffff)
#define PCNET_ID_VERSION(id) ((id) >> 28)
#define PCNET_ID_MAKER(id)   (((id) >> 1) & 0x7ff)
#define PCNET_PART_79C970A   0x2621   /* PCnet-PCI II: QEMU's -device pcnet */
#define PCNET_PART_79C973    0x2625   /* PCnet-FAST III: VirtualBox's default */

/* Bus configuration registers, through RAP and BDP. */
#define BCR2                 2        /* miscellaneous configuration */
#define BCR4                 4        /* LED0 / link status */
#define BCR4_LNKSTE          0x0040   /* LED0 follows the link status */
#define BCR4_LEDOUT          0x8000   /* LED0's state: with LNKSTE alone, the link */
#define BCR18                18       /* burst and bus control */
#define BCR18_DWIO           0x0080   /* double-word I/O mode (read only) */
#define BCR20                20       /* software style */
#define BCR20_SWSTYLE_MASK   0x00ff
#define BCR20_SWSTYLE_PCNET32 2       /* 32-bit descriptors and init block */
#define BCR20_SSIZE32        0x0100   /* 32-bit software structures in effect */
#define BCR32                32       /* 79C973: MII control and status */
#define BCR33                33       /* 79C973: MII address (PHY, register) */
#define BCR34                34       /* 79C973: MII data */

/* Descriptors (SWSTYLE 2): four little-endian 32-bit words, 16-byte aligned. Word 1
 * holds the two's complement buffer length (bits 11-0, bits 15-12 written as ones)
 * and the status (bits 31-16); word 2 the message length (receive) or the error
 * details (transmit); word 3 belongs to the driver. */
struct pcnet_desc {
    uint32_t addr;                    /* RMD0 RBADR / TMD0 TBADR */
    uint32_t ctl;                     /* RMD1 / TMD1 */
    uint32_t misc;                    /* RMD2 / TMD2 */
    uint32_t user;                    /* RMD3 / TMD3: not touched by the chip */
};

#define DESC_OWN             0x80000000u  /* the chip owns it */
#define DESC_ERR             0x40000000u
#define DESC_STP             0x02000000u  /* the frame's first buffer */
#define DESC_ENP             0x01000000u  /* the frame's last buffer */
#define DESC_ONES            0x0000f000u
#define DESC_BCNT_MASK       0x00000fffu

/* RMD1 status bits besides OWN, ERR, STP, ENP. */
#define RMD1_FRAM            0x20000000u  /* framing error */
#define RMD1_OFLO            0x10000000u  /* overflow: part of the frame lost */
#define RMD1_CRC             0x08000000u  /* FCS error */
#define RMD1_BUFF            0x04000000u  /* chained into a buffer it did not own */
#define RMD1_PAM             0x00400000u  /* physical address match */
#define RMD1_LAFM            0x00200000u  /* logical address filter match */
#define RMD1_BAM             0x00100000u  /* broadcast */
#define RMD2_MCNT_MASK       0x00000fffu  /* message length with the FCS (ENP only) */

/* TMD1 bits besides OWN, ERR, STP, ENP. */
#define TMD1_ADD_FCS         0x20000000u
/* TMD2: why a transmission failed. */
#define TMD2_BUFF            0x80000000u
#define TMD2_UFLO            0x40000000u  /* underflow: the chain ended without ENP */
#define TMD2_EXDEF           0x20000000u  /* excessive deferral */
#define TMD2_LCOL            0x10000000u  /* late collision */
#define TMD2_LCAR            0x08000000u  /* loss of carrier: the link is down */
#define TMD2_RTRY            0x04000000u  /* 16 collisions */

/* The initialization block for SSIZE32 (28 bytes, DWORD aligned). Ring lengths are
 * log2 of the descriptor count, at most 9 (512). */
struct pcnet_init_block {
    uint16_t mode;                    /* -> CSR15 */
    uint8_t rlen;                     /* RLEN << 4 */
    uint8_t tlen;                     /* TLEN << 4 */
    uint8_t padr[6];                  /* the station address */
    uint16_t reserved;
    uint8_t ladrf[8];                 /* the logical address filter: bit i of the
                                         64 is byte i/8, bit i%8 */
    uint32_t rdra;                    /* receive ring, 16-byte aligned */
    uint32_t tdra;                    /* transmit ring */
};
#define PCNET_RING_LOG2_MAX  9

#endif
