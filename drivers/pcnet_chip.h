/* PCnet pure logic: which chip answers (the chip ID in CSR88/89), and what the
 * receive filter is to hold for a receive mode (CSR15's PROM bit, the logical
 * address filter's multicast hash). No port I/O: host-tested. */
#ifndef VMGATE_PCNET_CHIP_H
#define VMGATE_PCNET_CHIP_H

#include <stdint.h>
#include "nic.h"

/* What the driver treats differently per part. */
#define PCNET_Q_MII     0x01          /* has an MII management port (BCR32-34) */
#define PCNET_Q_100     0x02          /* a 10/100 chip (PCnet-FAST family) */

struct pcnet_chip {
    uint16_t part;                    /* PCNET_ID_PART of the chip ID */
    const char *name;                 /* the NIC model vmgate shows */
    uint32_t quirks;                  /* PCNET_Q_* */
};

/* The chip ID from the two 16-bit halves as read from CSR88 and CSR89 (a 32-bit
 * read of CSR88 in DWIO mode may carry CSR89 in its upper half already: only the
 * lower 16 bits of each read count). */
uint32_t pcnet_chip_id(uint32_t csr88, uint32_t csr89);

/* The entry for a chip ID, or NULL for a chip the driver does not know (a chip that
 * is not AMD's, or a part without the 32-bit software style). */
const struct pcnet_chip *pcnet_chip_lookup(uint32_t id);

/* The CSR15 mode word for a receive mode: PROM for promiscuous, else 0 (receiver and
 * transmitter on, frames to the station and the broadcast address taken). */
uint16_t pcnet_rx_mode_bits(const struct nic_rxmode *m);

/* The logical address filter for a receive mode: all ones for promiscuous or
 * all-multicast, else the hash bit of each listed group (and no bit for none). */
void pcnet_ladrf(const struct nic_rxmode *m, uint8_t ladrf[8]);

/* The filter bit (0..63) a multicast address hashes to: the top six bits of the
 * Ethernet CRC-32 over the address as the chip computes it (bits taken least
 * significant first, no final inversion). */
unsigned pcnet_ladrf_bit(const uint8_t mac[ETH_ADDR_LEN]);

#endif
