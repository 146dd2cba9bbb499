/* Intel PRO/1000 (8254x) registers, bits and descriptor layouts, as the driver uses
 * them.
 *
 * Source: Intel, "PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual" (8254x SDM, 317453), chapter 3 (receive and transmit
 * descriptors, TCP/IP context descriptors and segmentation), chapter 5 (EEPROM
 * interface, the EEPROM map and its checksum) and chapter 13 (register
 * descriptions). Offsets are bytes into BAR 0 (memory, 128 KiB); every register is
 * 32 bits wide. Statistics registers (13.7) clear on read on the hardware; QEMU's
 * model (hw/net/e1000.c) clears only some of them (see e1000_stats.c). */
#ifndef VMGATE_E1000_H
#define VMGATE_E1000_H

#include <stdint.h>

/* --- General (13.4) ---------------------------------------------------------- */
#define E1K_CTRL        0x0000      /* Device Control */
#define E1K_STATUS      0x0008      /* Device Status (read only) */
#define E1K_EECD        0x0010      /* EEPROM/Flash Control and Data */
#define E1K_EERD        0x0014      /* EEPROM Read (82540 and later; not 82543/82544) */
#define E1K_CTRL_EXT    0x0018      /* Extended Device Control */
#define E1K_MDIC        0x0020      /* MDI Control */
#define E1K_FCAL        0x0028      /* Flow Control Address Low */
#define E1K_FCAH        0x002c      /* Flow Control Address High */
#define E1K_FCT         0x0030      /* Flow Control Type */
#define E1K_VET         0x0038      /* VLAN Ether Type */
#define E1K_FCTTV       0x0170      /* Flow Control Transmit Timer Value */

#define E1K_CTRL_FD     0x00000001  /* full duplex (when not auto-detected) */
#define E1K_CTRL_ASDE   0x00000020  /* auto-speed detection */
#define E1K_CTRL_SLU    0x00000040  /* set link up: the MAC follows the PHY's link */
#define E1K_CTRL_ILOS   0x00000080  /* invert loss-of-signal */
#define E1K_CTRL_FRCSPD 0x00000800  /* force speed */
#define E1K_CTRL_FRCDPX 0x00001000  /* force duplex */
#define E1K_CTRL_RST    0x04000000  /* device reset (self-clearing) */
#define E1K_CTRL_VME    0x40000000  /* VLAN mode: off, tags stay in the frames */
#define E1K_CTRL_PHY_RST 0x80000000 /* PHY reset */

#define E1K_STATUS_FD   0x00000001  /* full duplex */
#define E1K_STATUS_LU   0x00000002  /* link up */
#define E1K_STATUS_TXOFF 0x00000010 /* transmission paused (flow control) */
#define E1K_STATUS_SPEED_MASK 0x000000c0 /* 00 10, 01 100, 1x 1000 Mb/s */
#define E1K_STATUS_SPEED_SHIFT 6

/* EECD: the EEPROM's four wires, and the arbitration with the chip's own reads. */
#define E1K_EECD_SK     0x00000001  /* clock */
#define E1K_EECD_CS     0x00000002  /* chip select */
#define E1K_EECD_DI     0x00000004  /* data into the EEPROM */
#define E1K_EECD_DO     0x00000008  /* data out of the EEPROM */
#define E1K_EECD_REQ    0x00000040  /* software asks for the wires (82540 and later) */
#define E1K_EECD_GNT    0x00000080  /* ... and gets them */
#define E1K_EECD_PRES   0x00000100  /* an EEPROM is present */
#define E1K_EECD_SIZE   0x00000200  /* Microwire: 1 = 256 words (8 address bits), 0 = 64 */

/* EERD (82540 layout, SDM 13.4.4): start bit, done bit, word address, data. */
#define E1K_EERD_START  0x00000001
#define E1K_EERD_DONE   0x00000010
#define E1K_EERD_ADDR_SHIFT 8
#define E1K_EERD_DATA_SHIFT 16

/* --- Interrupts (13.4.17-21) ------------------------------------------------- */
#define E1K_ICR         0x00c0      /* Interrupt Cause Read (clears on read) */
#define E1K_ITR         0x00c4      /* Interrupt Throttling */
#define E1K_ICS         0x00c8      /* Interrupt Cause Set */
#define E1K_IMS         0x00d0      /* Interrupt Mask Set/Read */
#define E1K_IMC         0x00d8      /* Interrupt Mask Clear */

#define E1K_ICR_TXDW    0x00000001  /* a descriptor with RS was written back */
#define E1K_ICR_TXQE    0x00000002  /* transmit queue empty */
#define E1K_ICR_LSC     0x00000004  /* link status changed */
#define E1K_ICR_RXSEQ   0x00000008  /* receive sequence error (TBI) */
#define E1K_ICR_RXDMT0  0x00000010  /* receive descriptors down to the minimum threshold */
#define E1K_ICR_RXO     0x00000040  /* receiver overrun: a frame had no buffer */
#define E1K_ICR_RXT0    0x00000080  /* receive timer: frames arrived */
#define E1K_ICR_MDAC    0x00000200  /* MDI access complete */
#define E1K_ICR_ALL     0xffffffff

/* --- Receive (13.4.22-35) ---------------------------------------------------- */
#define E1K_RCTL        0x0100      /* Receive Control */
#define E1K_RDBAL       0x2800      /* Receive Descriptor Base Low */
#define E1K_RDBAH       0x2804
#define E1K_RDLEN       0x2808      /* ring length in bytes, a multiple of 128 */
#define E1K_RDH         0x2810      /* head: the next descriptor the device fills */
#define E1K_RDT         0x2818      /* tail: one past the last descriptor it may fill */
#define E1K_RDTR        0x2820      /* receive interrupt delay */
#define E1K_RADV        0x282c      /* receive absolute interrupt delay */
#define E1K_RXCSUM      0x5000      /* receive checksum control */
#define E1K_MTA         0x5200      /* Multicast Table Array: 128 registers, 4096 bits */
#define E1K_MTA_WORDS   128
#define E1K_RAL0        0x5400      /* Receive Address 0 low: MAC bytes 0-3 */
#define E1K_RAH0        0x5404      /* ... high: bytes 4-5 and the valid bit */
#define E1K_RA_ENTRIES  16
#define E1K_RAH_AV      0x80000000  /* address valid */
#define E1K_VFTA        0x5600      /* VLAN filter table: 128 registers */

#define E1K_RCTL_EN     0x00000002  /* receiver enable */
#define E1K_RCTL_SBP    0x00000004  /* store bad packets */
#define E1K_RCTL_UPE    0x00000008  /* unicast promiscuous */
#define E1K_RCTL_MPE    0x00000010  /* multicast promiscuous */
#define E1K_RCTL_LPE    0x00000020  /* long packets (jumbo frames, up to 16 KiB) */
#define E1K_RCTL_RDMTS_HALF 0x00000000 /* RXDMT0 when half the descriptors are left */
#define E1K_RCTL_MO_SHIFT 12        /* multicast offset: which 12 bits hash (0: 47:36) */
#define E1K_RCTL_BAM    0x00008000  /* accept broadcast */
#define E1K_RCTL_BSIZE_2048 0x00000000 /* buffer size (with BSEX 0) */
#define E1K_RCTL_BSIZE_MASK 0x00030000
#define E1K_RCTL_VFE    0x00040000  /* VLAN filter enable */
#define E1K_RCTL_BSEX   0x02000000  /* buffer size extension (x16) */
#define E1K_RCTL_SECRC  0x04000000  /* strip the Ethernet CRC */

/* --- Transmit (13.4.33-48) --------------------------------------------------- */
#define E1K_TCTL        0x0400      /* Transmit Control */
#define E1K_TIPG        0x0410      /* Transmit Inter-Packet Gap */
#define E1K_TDBAL       0x3800
#define E1K_TDBAH       0x3804
#define E1K_TDLEN       0x3808
#define E1K_TDH         0x3810      /* head: the next descriptor the device processes */
#define E1K_TDT         0x3818      /* tail: one past the last the driver queued */
#define E1K_TIDV        0x3820      /* transmit interrupt delay */
#define E1K_TXDCTL      0x3828
#define E1K_TADV        0x382c

#define E1K_TCTL_EN     0x00000002  /* transmitter enable */
#define E1K_TCTL_PSP    0x00000008  /* pad short packets */
#define E1K_TCTL_CT_SHIFT 4         /* collision threshold (half duplex) */
#define E1K_TCTL_COLD_SHIFT 12      /* collision distance */
#define E1K_TCTL_RTLC   0x01000000  /* retransmit on late collision */

/* TIPG for copper (SDM 13.4.34): IPGT 10, IPGR1 8, IPGR2 6 (82544 and later);
 * the 82543 wants IPGT 8 on copper. */
#define E1K_TIPG_COPPER  (10u | 8u << 10 | 6u << 20)
#define E1K_TIPG_82543   (8u | 8u << 10 | 6u << 20)

/* --- Statistics (13.7): clear on read on the hardware -------------------------- */
#define E1K_CRCERRS     0x4000      /* CRC errors */
#define E1K_SYMERRS     0x4008      /* symbol errors */
#define E1K_RXERRC      0x400c      /* receive errors */
#define E1K_MPC         0x4010      /* missed packets: no room in the FIFO or no descriptor */
#define E1K_COLC        0x4028      /* collisions */
#define E1K_TNCRS       0x4034      /* transmitted with no carrier sense */
#define E1K_RLEC        0x4040      /* receive length errors */
#define E1K_GPRC        0x4074      /* good packets received */
#define E1K_GPTC        0x4080      /* good packets transmitted */
#define E1K_RNBC        0x40a0      /* receive: no buffers (descriptors) available */
#define E1K_RUC         0x40a4      /* receive undersize */
#define E1K_RFC         0x40a8      /* receive fragments */
#define E1K_ROC         0x40ac      /* receive oversize: longer than LPE allows */
#define E1K_RJC         0x40b0      /* receive jabber */
#define E1K_TSCTC       0x40f8      /* TCP segmentation contexts transmitted */
#define E1K_TSCTFC      0x40fc      /* ... that failed */

/* --- EEPROM (SDM 5.6): 16-bit words ---------------------------------------------- */
#define E1K_EE_MAC_WORDS    3       /* words 0-2: the MAC, low byte first */
#define E1K_EE_CHECKSUM_WORD 0x3f   /* words 0x00-0x3f sum to E1K_EE_SUM */
#define E1K_EE_SUM          0xbaba
#define E1K_EE_WORDS_SMALL  64      /* 93C46: 6 address bits */
#define E1K_EE_WORDS_LARGE  256     /* 93C66: 8 address bits */
/* Microwire READ: start bit 1, opcode 10 (SDM 5.3.1, the 93Cx6 data sheets). */
#define E1K_MW_READ         0x6
#define E1K_MW_READ_BITS    3

/* --- Descriptors (chapter 3): 16 bytes each, little-endian ------------------------ */

/* Receive descriptor (3.2.3): the device writes length, status and errors. */
struct e1k_rx_desc {
    uint64_t addr;                  /* buffer */
    uint16_t length;                /* bytes in this buffer */
    uint16_t csum;                  /* packet checksum (not used) */
    uint8_t status;
    uint8_t errors;
    uint16_t special;               /* VLAN tag (with CTRL.VME) */
} __attribute__((packed));

#define E1K_RXD_STAT_DD   0x01      /* descriptor done */
#define E1K_RXD_STAT_EOP  0x02      /* last buffer of the frame */
#define E1K_RXD_STAT_IXSM 0x04      /* ignore the checksum indications */
#define E1K_RXD_ERR_CE    0x01      /* CRC or alignment error */
#define E1K_RXD_ERR_SE    0x02      /* symbol error */
#define E1K_RXD_ERR_SEQ   0x04      /* sequence error */
#define E1K_RXD_ERR_CXE   0x10      /* carrier extension error */
#define E1K_RXD_ERR_RXE   0x80      /* RX data error */
/* Errors that make the frame bad (TCPE/IPE only say a checksum was wrong). */
#define E1K_RXD_ERR_FRAME (E1K_RXD_ERR_CE | E1K_RXD_ERR_SE | E1K_RXD_ERR_SEQ | \
                           E1K_RXD_ERR_CXE | E1K_RXD_ERR_RXE)

/* Transmit descriptors (3.3): one layout, three kinds told apart by DEXT and DTYP.
 * The legacy descriptor (DEXT 0) carries a buffer and nothing else we use; the
 * context descriptor (DEXT 1, DTYP 0) sets up checksum insertion and TCP
 * segmentation for the data descriptors (DEXT 1, DTYP 1) that follow it. */
struct e1k_tx_desc {
    uint64_t addr;
    uint32_t lower;                 /* length 19:0 (legacy: 15:0), DTYP 23:20, command 31:24 */
    uint32_t upper;                 /* status 3:0, options 15:8, special 31:16 */
} __attribute__((packed));

/* Command bits (the byte at 31:24 of lower). */
#define E1K_TXD_CMD_EOP   0x01000000 /* last descriptor of the frame */
#define E1K_TXD_CMD_IFCS  0x02000000 /* insert the Ethernet FCS */
#define E1K_TXD_CMD_TSE   0x04000000 /* data and context: TCP segmentation */
#define E1K_TXD_CMD_RS    0x08000000 /* report status: write DD back when done */
#define E1K_TXD_CMD_DEXT  0x20000000 /* extended (context or data) descriptor */
#define E1K_TXD_DTYP_D    0x00100000 /* data descriptor (with DEXT) */
#define E1K_TXD_DTYP_C    0x00000000 /* context descriptor (with DEXT) */
/* Context command (TUCMD, same byte): what the packets are. */
#define E1K_TXD_CMD_TCP   0x01000000 /* TCP (else UDP) */
#define E1K_TXD_CMD_IP    0x02000000 /* IPv4 (else IPv6) */
#define E1K_TXD_LEN_MASK  0x000fffff

#define E1K_TXD_STAT_DD   0x00000001 /* done (written back with RS) */
/* Packet options (POPTS, upper 15:8) of the first data descriptor. */
#define E1K_TXD_POPTS_IXSM 0x00000100 /* insert the IP header checksum */
#define E1K_TXD_POPTS_TXSM 0x00000200 /* insert the TCP/UDP checksum */

/* The context descriptor as fields (3.3.6). Offsets count from the frame's start;
 * *cse is the last byte summed (inclusive), 0 for "to the end". */
struct e1k_tx_ctx {
    uint8_t ipcss, ipcso;
    uint16_t ipcse;
    uint8_t tucss, tucso;
    uint16_t tucse;
    uint32_t paylen;                /* TSO: bytes after the headers */
    uint8_t hdrlen;                 /* TSO: Ethernet + IP + TCP headers */
    uint16_t mss;                   /* TSO: payload bytes per segment */
    uint32_t tucmd;                 /* E1K_TXD_CMD_TCP | _IP | _TSE */
};

/* The longest headers TCP segmentation copies in front of each segment (SDM 3.5.9). */
#define E1K_TSO_HDR_MAX 240

/* The most one descriptor's buffer may hold: the SDM gives 16288 bytes for any
 * single descriptor; a lent 64 KiB frame takes several. */
#define E1K_TXD_MAX_BYTES 8192

#endif
