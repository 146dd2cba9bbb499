/* Receive filters (8254x SDM 13.4.22 RCTL, 13.5.1 MTA): which frames the chip
 * stores. Pure: the caller writes the registers, and only those that changed,
 * since every RCTL write holds QEMU's receiver for a second (hw/net/e1000.c,
 * set_rx_control arms a one-second flush timer during which nothing is received).
 *
 * Without promiscuous modes the chip takes frames to its own address (RAL0/RAH0),
 * broadcasts (BAM), and multicasts whose hash bit is set in the 4096-bit multicast
 * table. A bridge or switch port needs every frame: UPE and MPE. */
#include "e1000_dev.h"

#include <string.h>

uint32_t e1k_rctl_for(const struct nic_rxmode *m, uint16_t mtu, bool enable)
{
    /* 2 KiB buffers always; longer frames span several (nic_frame.more), so the
     * MTU needs no buffer of its own size. The CRC is kept and trimmed by the
     * driver (e1000_rx.c): every chip leaves it, not every chip strips it. */
    uint32_t r = E1K_RCTL_BAM | E1K_RCTL_BSIZE_2048 | E1K_RCTL_RDMTS_HALF |
                 (0u << E1K_RCTL_MO_SHIFT);
    if (enable)
        r |= E1K_RCTL_EN;
    if (m->promisc)
        r |= E1K_RCTL_UPE | E1K_RCTL_MPE;
    else if (m->allmulti)
        r |= E1K_RCTL_MPE;
    if (mtu > 1500)
        r |= E1K_RCTL_LPE;
    return r;
}

/* With RCTL.MO 0 the table is indexed by the destination address's bits 47:36:
 * the high nibble of byte 4 and all of byte 5. */
unsigned e1k_mta_hash(const uint8_t mac[ETH_ADDR_LEN])
{
    return ((unsigned)mac[4] >> 4 | (unsigned)mac[5] << 4) & 0xfffu;
}

void e1k_mta_for(const struct nic_rxmode *m, uint32_t mta[E1K_MTA_WORDS])
{
    memset(mta, 0, E1K_MTA_WORDS * sizeof mta[0]);
    unsigned n = m->n_mc < NIC_MC_MAX ? m->n_mc : NIC_MC_MAX;
    for (unsigned i = 0; i < n; i++) {
        unsigned h = e1k_mta_hash(m->mc[i]);
        mta[h >> 5] |= 1u << (h & 31);
    }
}
