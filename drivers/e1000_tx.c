/* The PRO/1000 transmit ring (8254x SDM 3.3 "Transmit Descriptors", 3.4
 * "Transmit Descriptor Ring Structure", 3.5 "TCP Segmentation").
 *
 * The device processes descriptors from TDH up to TDT. A frame is one or more data
 * descriptors, the last with EOP; RS on it asks the device to write DD back there
 * when done, which is how frames are reclaimed (reading TDH would cost an MMIO
 * read each time). Frames with offloads are preceded by a context descriptor when
 * theirs differs from the one the device holds.
 *
 * Frames by copy (lwIP's) go into the copy buffer of each descriptor they use, 2 KiB
 * apiece, so a jumbo frame takes several. Lent frames (nic_forward_frame) are not
 * copied: the data descriptors point into the owner's buffers (several per buffer
 * above E1K_TXD_MAX_BYTES: a 64 KiB GSO frame takes nine), and the buffers go home
 * when DD is seen. Nothing is written before the frame, so tx_headroom is 0.
 *
 * TDT is written by flush, once per pass of the main loop, and sooner when a burst
 * has queued a quarter of the ring or the ring is full: QEMU transmits everything
 * up to TDT at the moment TDT is written (hw/net/e1000.c, start_xmit). */
#include "e1000_dev.h"

#include <errno.h>
#include <string.h>

/* The shortest frame handed to the device: the SDM wants 48 bytes at least before
 * its padding (TCTL.PSP) and CRC; copies are padded to the Ethernet minimum. */
#define ETH_MIN_FRAME 60

static unsigned tx_next_index(const struct e1k *e, unsigned i)
{
    return i + 1 == e->tx_size ? 0 : i + 1;
}

/* Descriptors free; one stays empty so that TDT never catches up with TDH. */
static unsigned tx_free(const struct e1k *e)
{
    return (e->tx_clean + e->tx_size - e->tx_next - 1) % e->tx_size;
}

void e1k_tx_kick(struct e1k *e)
{
    if (!e->tx_unkicked)
        return;
    e1k_wmb();
    e1k_wr(e, E1K_TDT, e->tx_next);
    e->tx_unkicked = 0;
}

void e1k_tx_reclaim(struct e1k *e)
{
    unsigned k = 0;
    while (e->tx_clean != e->tx_next) {
        struct e1k_txinfo *ti = &e->tx_info[e->tx_clean];
        const volatile struct e1k_tx_desc *last = &e->tx_ring[ti->eop];
        if (!(last->upper & E1K_TXD_STAT_DD))
            break;
        if (ti->lent) {
            ti->lent = false;
            nic_frame_release(&ti->frame);
        }
        e->tx_clean = tx_next_index(e, ti->eop);
        k++;
    }
    if (k)
        nic_tx_done(&e->nic, k);
}

/* Room for need descriptors: what the device finished is reclaimed, and if that is
 * not enough, what was queued is handed to it first (it may be done at once). */
static bool tx_room(struct e1k *e, unsigned need)
{
    if (tx_free(e) >= need)
        return true;
    e1k_tx_reclaim(e);
    if (tx_free(e) >= need)
        return true;
    e1k_tx_kick(e);
    e1k_tx_reclaim(e);
    return tx_free(e) >= need;
}

static void tx_put(struct e1k *e, uint64_t addr, uint32_t lower, uint32_t upper)
{
    struct e1k_tx_desc *d = &e->tx_ring[e->tx_next];
    d->addr = addr;
    d->lower = lower;
    d->upper = upper;
    e->tx_next = tx_next_index(e, e->tx_next);
    e->tx_unkicked++;
}

/* The frame's context and first-descriptor options; whether a context descriptor
 * must be queued (*load) because the device holds another. -EINVAL: facts the chip
 * cannot carry out. */
static int tx_context(struct e1k *e, const uint8_t *frame, uint32_t len, const struct offload *o,
                      struct e1k_tx_ctx *ctx, uint32_t *popts, bool *load)
{
    *load = false;
    *popts = 0;
    if (!o)
        return 0;
    int rc = e1k_txctx_for(frame, len, o, ctx, popts);
    if (rc <= 0)
        return rc;
    *load = !e->ctx_valid || memcmp(ctx, &e->ctx, sizeof *ctx) != 0;
    return 1;
}

/* Queues a context descriptor when needed; the data descriptors' command bits. */
static uint32_t tx_begin(struct e1k *e, int has_ctx, bool load, const struct e1k_tx_ctx *ctx)
{
    if (!has_ctx)
        return E1K_TXD_CMD_IFCS;        /* legacy descriptors */
    if (load) {
        struct e1k_tx_desc d = e1k_txctx_desc(ctx);
        tx_put(e, d.addr, d.lower, d.upper);
        e->ctx = *ctx;
        e->ctx_valid = true;
    }
    return E1K_TXD_CMD_IFCS | E1K_TXD_CMD_DEXT | E1K_TXD_DTYP_D | (ctx->tucmd & E1K_TXD_CMD_TSE);
}

/* Marks the frame that started at first and ended before tx_next, and hands it
 * to the device when a burst has queued enough. */
static void tx_end(struct e1k *e, unsigned first, const struct nic_frame *lent)
{
    unsigned last = (e->tx_next + e->tx_size - 1) % e->tx_size;
    e->tx_ring[last].lower |= E1K_TXD_CMD_EOP | E1K_TXD_CMD_RS;
    struct e1k_txinfo *ti = &e->tx_info[first];
    ti->eop = (uint16_t)last;
    ti->lent = lent != NULL;
    if (lent)
        ti->frame = *lent;
    if (e->tx_unkicked >= e->tx_size / 4)
        e1k_tx_kick(e);
}

int e1k_transmit(struct nic *n, const struct nic_tx *t)
{
    struct e1k *e = n->priv;
    if (t->len == 0 || t->len > (uint32_t)n->mtu + ETH_HDR_LEN + 4)
        return -EMSGSIZE;
    /* The context looks at the headers, which the first segment holds when lwIP
     * sends (Ethernet, IP and TCP headers are one pbuf). */
    struct e1k_tx_ctx ctx;
    uint32_t popts;
    bool load;
    int has_ctx = tx_context(e, t->seg[0].data, t->seg[0].len, t->off, &ctx, &popts, &load);
    if (has_ctx < 0 || (has_ctx && (ctx.tucmd & E1K_TXD_CMD_TSE)))
        return -EINVAL;                 /* frames by copy are never GSO frames */
    unsigned data_descs = (t->len + E1K_TX_COPY - 1) / E1K_TX_COPY;
    if (!tx_room(e, data_descs + load))
        return -ENOBUFS;
    unsigned first = e->tx_next;
    uint32_t cmd = tx_begin(e, has_ctx, load, &ctx);
    /* Gather the segments into consecutive copy buffers. */
    unsigned seg = 0;
    uint32_t seg_off = 0, left = t->len;
    for (unsigned k = 0; k < data_descs; k++) {
        uint8_t *buf = e->tx_copy + (size_t)e->tx_next * E1K_TX_COPY;
        uint32_t fill = left < E1K_TX_COPY ? left : E1K_TX_COPY, at = 0;
        while (at < fill) {
            uint32_t take = t->seg[seg].len - seg_off;
            if (take > fill - at)
                take = fill - at;
            memcpy(buf + at, t->seg[seg].data + seg_off, take);
            at += take;
            seg_off += take;
            if (seg_off == t->seg[seg].len) {
                seg++;
                seg_off = 0;
            }
        }
        left -= fill;
        if (fill < ETH_MIN_FRAME && data_descs == 1) {
            memset(buf + fill, 0, ETH_MIN_FRAME - fill);
            fill = ETH_MIN_FRAME;
        }
        tx_put(e, e1k_dma(buf), fill | cmd, k == 0 ? popts : 0);
    }
    tx_end(e, first, NULL);
    return 0;
}

/* Data descriptors for one buffer of a lent frame. */
static void tx_put_buffer(struct e1k *e, const uint8_t *data, uint32_t len, uint32_t cmd,
                          uint32_t *popts)
{
    while (len) {
        uint32_t chunk = len < E1K_TXD_MAX_BYTES ? len : E1K_TXD_MAX_BYTES;
        tx_put(e, e1k_dma(data), chunk | cmd, *popts);
        *popts = 0;                     /* options count on the first descriptor only */
        data += chunk;
        len -= chunk;
    }
}

static unsigned chunks(uint32_t len)
{
    return (len + E1K_TXD_MAX_BYTES - 1) / E1K_TXD_MAX_BYTES;
}

/* A frame too short to hand over as it is: sent as a padded copy, and its buffers
 * go home at once. */
static int tx_short_frame(struct nic *n, struct nic_frame *f)
{
    struct nic_seg s = {f->data, f->len};
    struct nic_tx t = {&s, 1, f->len, &f->off};
    int rc = e1k_transmit(n, &t);
    if (rc == 0)
        nic_frame_release(f);
    return rc;
}

int e1k_transmit_frame(struct nic *n, struct nic_frame *f)
{
    struct e1k *e = n->priv;
    if (!f->n_more && f->len < ETH_MIN_FRAME && f->off.gso_type == OFFLOAD_GSO_NONE)
        return tx_short_frame(n, f);
    struct e1k_tx_ctx ctx;
    uint32_t popts;
    bool load;
    int has_ctx = tx_context(e, f->data, f->len, &f->off, &ctx, &popts, &load);
    if (has_ctx < 0)
        return -ENOTSUP;
    if (has_ctx && (ctx.tucmd & E1K_TXD_CMD_TSE) && f->n_more)
        return -ENOTSUP;                /* the context was built from the first buffer */
    unsigned need = chunks(f->len) + load;
    for (unsigned i = 0; i < f->n_more; i++)
        need += chunks(f->more[i].len);
    if (!tx_room(e, need))
        return -ENOBUFS;
    if (has_ctx && (ctx.tucmd & E1K_TXD_CMD_TSE)) {
        /* The chip sums the IP header with its checksum field in it (SDM 3.5.8); the
         * frame is ours to change while lent. */
        f->data[ctx.ipcso] = 0;
        f->data[ctx.ipcso + 1] = 0;
    }
    unsigned first = e->tx_next;
    uint32_t cmd = tx_begin(e, has_ctx, load, &ctx);
    tx_put_buffer(e, f->data, f->len, cmd, &popts);
    for (unsigned i = 0; i < f->n_more; i++)
        tx_put_buffer(e, f->more[i].data, f->more[i].len, cmd, &popts);
    tx_end(e, first, f);
    return 0;
}

void e1k_tx_ring_reset(struct e1k *e)
{
    while (e->tx_clean != e->tx_next) {
        struct e1k_txinfo *ti = &e->tx_info[e->tx_clean];
        if (ti->lent) {
            ti->lent = false;
            nic_frame_release(&ti->frame);
        }
        e->tx_clean = tx_next_index(e, ti->eop);
    }
    memset(e->tx_ring, 0, e->tx_size * sizeof *e->tx_ring);
    e->tx_next = e->tx_clean = 0;
    e->tx_unkicked = 0;
    e->ctx_valid = false;
    e1k_wr(e, E1K_TDH, 0);
    e1k_wr(e, E1K_TDT, 0);
}
