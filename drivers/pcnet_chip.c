/* PCnet chip identification and receive filter (contracts in pcnet_chip.h). */
#include "pcnet_chip.h"
#include "pcnet_regs.h"

#include <string.h>

/* The parts this driver has been checked against (see pcnet.c's header for how):
 * QEMU models the 79C970A, VirtualBox the 79C970A and the 79C973. */
static const struct pcnet_chip chips[] = {
    { PCNET_PART_79C970A, "PCnet-PCI II (Am79C970A)", 0 },
    { PCNET_PART_79C973, "PCnet-FAST III (Am79C973)", PCNET_Q_MII | PCNET_Q_100 },
};

uint32_t pcnet_chip_id(uint32_t csr88, uint32_t csr89)
{
    return (csr88 & 0xffff) | ((csr89 & 0xffff) << 16);
}

const struct pcnet_chip *pcnet_chip_lookup(uint32_t id)
{
    /* Bit 0 is always set and the maker is AMD (1): anything else is not a PCnet
     * answering (an absent device reads all ones, which fails the maker test). */
    if (!(id & 1) || PCNET_ID_MAKER(id) != 1)
        return NULL;
    for (unsigned i = 0; i < sizeof chips / sizeof chips[0]; i++)
        if (chips[i].part == PCNET_ID_PART(id))
            return &chips[i];
    return NULL;
}

uint16_t pcnet_rx_mode_bits(const struct nic_rxmode *m)
{
    return m->promisc ? CSR15_PROM : 0;
}

/* Bit-serial CRC-32 over the six address bytes, least significant bit first, as the
 * chip's hash logic runs it (reflected polynomial 0xEDB88320, preset all ones, no
 * final complement). */
unsigned pcnet_ladrf_bit(const uint8_t mac[ETH_ADDR_LEN])
{
    uint32_t crc = 0xffffffffu;
    for (unsigned i = 0; i < ETH_ADDR_LEN; i++) {
        uint8_t b = mac[i];
        for (unsigned bit = 0; bit < 8; bit++, b >>= 1)
            crc = ((crc ^ b) & 1) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
    }
    return crc >> 26;
}

void pcnet_ladrf(const struct nic_rxmode *m, uint8_t ladrf[8])
{
    if (m->promisc || m->allmulti || m->n_mc > NIC_MC_MAX) {
        memset(ladrf, 0xff, 8);
        return;
    }
    memset(ladrf, 0, 8);
    for (unsigned i = 0; i < m->n_mc; i++) {
        unsigned bit = pcnet_ladrf_bit(m->mc[i]);
        ladrf[bit >> 3] |= (uint8_t)(1u << (bit & 7));
    }
}
