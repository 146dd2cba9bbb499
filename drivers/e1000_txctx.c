/* Context descriptors (8254x SDM 3.3.6, 3.5 "TCP Segmentation") from a frame's
 * offload facts. Pure: the frame is bytes, nothing touches the device.
 *
 * The chip inserts checksums where a context descriptor says: TUCSS..TUCSE is
 * summed into TUCSO, IPCSS..IPCSE into IPCSO. The field must already hold the
 * pseudo-header sum, as a partial checksum does (virtio's NEEDS_CSUM form). For
 * TCP segmentation it cuts the payload after HDRLEN into MSS-byte segments and,
 * per segment, rewrites the IP total length and ID, the TCP sequence number and
 * flags, and adds that segment's TCP length to the pseudo-header sum: the frame's
 * TCP checksum field must hold the sum without any length (the core converts a
 * GSO frame to that form before lending it: NIC_CAP_TX_TSO_PHDR_NOLEN). The chip
 * clears PSH and FIN on all but the last segment but does nothing with CWR, so
 * ECN frames are cut in software (no NIC_CAP_TX_ECN).
 *
 * Every inserted checksum is the complement of the sum over its range including
 * the checksum field itself (SDM 3.5.8): for the IP header checksum of segmented
 * frames the field must therefore be 0, which the transmit path sees to
 * (e1000_tx.c). */
#include "e1000_dev.h"
#include "../net/bytes.h"

#include <errno.h>
#include <string.h>

#define ETH_TYPE_IPV4 0x0800
#define TCP_CSUM_OFF  16

int e1k_txctx_for(const uint8_t *frame, uint32_t len, const struct offload *o,
                  struct e1k_tx_ctx *ctx, uint32_t *popts)
{
    memset(ctx, 0, sizeof *ctx);
    *popts = 0;
    bool gso = o->gso_type != OFFLOAD_GSO_NONE;
    if (!gso && !(o->flags & OFFLOAD_NEEDS_CSUM))
        return 0;
    uint32_t field = (uint32_t)o->csum_start + o->csum_offset;
    /* TUCSS and TUCSO are single bytes; the field must lie in the frame. */
    if (o->csum_start > 0xff || field > 0xff || field + 2 > len)
        return -EINVAL;
    bool ipv4 = len >= ETH_HDR_LEN + 20 && get_be16(frame + 12) == ETH_TYPE_IPV4 &&
                (frame[ETH_HDR_LEN] >> 4) == 4;
    if (!gso) {
        ctx->tucss = (uint8_t)o->csum_start;
        ctx->tucso = (uint8_t)field;
        ctx->tucmd = (ipv4 ? E1K_TXD_CMD_IP : 0) | (o->csum_offset == TCP_CSUM_OFF ? E1K_TXD_CMD_TCP : 0);
        *popts = E1K_TXD_POPTS_TXSM;
        return 1;
    }
    if (o->gso_type != OFFLOAD_GSO_TCPV4 || !ipv4 || o->gso_size == 0)
        return -EINVAL;
    uint32_t ihl = (frame[ETH_HDR_LEN] & 0x0fu) * 4u;
    uint32_t l4 = ETH_HDR_LEN + ihl;
    if (ihl < 20 || o->csum_start != l4 || o->csum_offset != TCP_CSUM_OFF || l4 + 20 > len)
        return -EINVAL;
    /* The headers as the frame has them, not as the hint says: the chip copies
     * exactly HDRLEN bytes in front of every segment, from a 240-byte header
     * buffer (SDM 3.5.9). */
    uint32_t hdr = l4 + (frame[l4 + 12] >> 4) * 4u;
    if (hdr < l4 + 20 || hdr > len || hdr > E1K_TSO_HDR_MAX)
        return -EINVAL;
    ctx->ipcss = ETH_HDR_LEN;
    ctx->ipcso = ETH_HDR_LEN + 10;
    ctx->ipcse = (uint16_t)(l4 - 1);
    ctx->tucss = (uint8_t)l4;
    ctx->tucso = (uint8_t)field;
    ctx->tucse = 0;
    ctx->paylen = len - hdr;
    ctx->hdrlen = (uint8_t)hdr;
    ctx->mss = o->gso_size;
    ctx->tucmd = E1K_TXD_CMD_TSE | E1K_TXD_CMD_IP | E1K_TXD_CMD_TCP;
    *popts = E1K_TXD_POPTS_IXSM | E1K_TXD_POPTS_TXSM;
    return 1;
}

struct e1k_tx_desc e1k_txctx_desc(const struct e1k_tx_ctx *c)
{
    struct e1k_tx_desc d;
    d.addr = (uint64_t)c->ipcss | (uint64_t)c->ipcso << 8 | (uint64_t)c->ipcse << 16 |
             (uint64_t)c->tucss << 32 | (uint64_t)c->tucso << 40 | (uint64_t)c->tucse << 48;
    d.lower = (c->paylen & E1K_TXD_LEN_MASK) | E1K_TXD_DTYP_C | E1K_TXD_CMD_DEXT | c->tucmd;
    d.upper = (uint32_t)c->hdrlen << 8 | (uint32_t)c->mss << 16;
    return d;
}
