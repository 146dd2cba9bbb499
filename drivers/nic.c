/* The NIC core: registration, statistics, delivery, and forwarding of received
 * frames. Statistics are counted here, not in each driver, so every card reports the
 * same way. Offloads end here too: a frame with a partial checksum or a GSO frame is
 * finished in software before it reaches lwIP or a NIC that cannot take it. */
#include "nic.h"
#include "../kernel/console.h"

#include "lwip/pbuf.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>

static struct nic *nics[NIC_MAX];
static unsigned n_nics;

/* One segment at a time while cutting GSO frames: headers plus a jumbo MSS. */
static uint8_t seg_scratch[16384];

int nic_register(struct nic *n)
{
    if (n_nics == NIC_MAX) {
        kprintf("nic: more than %d NICs; ignoring %s\n", NIC_MAX, n->model);
        return -ENOSPC;
    }
    n->index = n_nics;
    snprintf(n->name, sizeof n->name, "nic%u", n_nics);
    n->admin_up = true;
    nics[n_nics++] = n;
    kprintf("%s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s%s%s\n", n->name, n->model,
            n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5],
            n->link_up ? "up" : "down",
            n->caps & (NIC_CAP_TX_TSO4 | NIC_CAP_RX_TSO4) ? ", TSO" : "",
            n->caps & (NIC_CAP_TX_CSUM | NIC_CAP_RX_CSUM) ? ", checksum offload" : "");
    return 0;
}

unsigned nic_count(void) { return n_nics; }

struct nic *nic_get(unsigned index)
{
    return index < n_nics ? nics[index] : NULL;
}

/* Bytes of a pool pbuf that a copy leaves as they were are zeroed up to this: lwIP
 * quotes a fixed 28 bytes after the IP header in its own ICMP errors, and a short
 * frame must not carry bytes of the frame the buffer held before into them. */
#define RX_ZERO_TAIL (14 + 60 + 8)
_Static_assert(PBUF_POOL_BUFSIZE >= RX_ZERO_TAIL, "a pool pbuf holds the zeroed tail");

/* Hands one frame's bytes, copied into a pool pbuf with `flags` set, to the layer
 * above. */
static void deliver_copy(struct nic *n, const uint8_t *data, uint32_t len, uint8_t flags)
{
    struct pbuf *p = len <= 0xffff ? pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL) : NULL;
    if (!p) {
        n->stats.rx_dropped++;
        return;
    }
    pbuf_take(p, data, (u16_t)len);
    if (len < RX_ZERO_TAIL && p->len == len)
        memset((uint8_t *)p->payload + len, 0, RX_ZERO_TAIL - len);
    p->flags |= flags;
    n->rx(n, p);
}

struct deliver_ctx {
    struct nic *n;
    uint8_t flags;
};

static int deliver_segment(void *ctx, uint8_t *seg, size_t len)
{
    struct deliver_ctx *d = ctx;
    deliver_copy(d->n, seg, (uint32_t)len, d->flags);
    return 0;
}

static bool gso_is_tcp4(const struct offload *o)
{
    return (o->gso_type & ~OFFLOAD_GSO_ECN) == OFFLOAD_GSO_TCPV4;
}

/* Finishes a frame's offloads in software and passes the result on: each segment of
 * a GSO frame, or the frame with its checksum completed, to emit(ctx, bytes, len).
 * Counts the work on n (the NIC doing it); returns -EINVAL (to be counted as an
 * error by the caller) for a frame that cannot be finished. */
static int finish_in_software(struct nic *n, struct nic_frame *f,
                              int (*emit)(void *ctx, uint8_t *bytes, size_t len), void *ctx)
{
    if (f->off.gso_type != OFFLOAD_GSO_NONE) {
        n->stats.sw_segmented++;
        if (!gso_is_tcp4(&f->off))
            return -EINVAL;
        return offload_tcp4_segment(f->data, f->len, &f->off, seg_scratch, sizeof seg_scratch,
                                    emit, ctx) ? -EINVAL : 0;
    }
    if (f->off.flags & OFFLOAD_NEEDS_CSUM) {
        n->stats.sw_csum++;
        if (offload_csum_complete(f->data, f->len, &f->off) != 0)
            return -EINVAL;
    }
    return emit(ctx, f->data, f->len);
}

/* lwIP sees only complete, MTU-sized frames with full checksums. */
void nic_frame_to_lwip(struct nic *n, struct nic_frame *f)
{
    struct deliver_ctx d = {n, f->pbuf_flags};
    if (finish_in_software(n, f, deliver_segment, &d))
        n->stats.rx_errors++;
}

static struct offload_limits limits_of(const struct nic *n)
{
    return (struct offload_limits){
        .mtu = n->mtu,
        .gso_tcp4 = (n->caps & NIC_CAP_RX_TSO4) != 0,
        .gso_ecn = (n->caps & NIC_CAP_RX_TSO4) != 0,
    };
}

enum nic_rx_result nic_receive(struct nic *n, struct nic_frame *f)
{
    n->stats.rx_packets++;
    n->stats.rx_bytes += f->len;
    f->pbuf_flags = 0;
    if (f->off.gso_type != OFFLOAD_GSO_NONE)
        n->stats.rx_gso++;
    if (f->off.flags & OFFLOAD_NEEDS_CSUM)
        n->stats.rx_csum_partial++;
    struct offload_limits lim = limits_of(n);
    enum offload_check c = offload_rx_check(f->data, &f->len, &f->off, &lim);
    n->stats.rx_offload[c]++;
    if (c != OFFLOAD_CHECK_OK && c != OFFLOAD_CHECK_FINISHED) {
        n->stats.rx_dropped++;
        return NIC_RX_DONE;
    }
    if (!n->admin_up || !n->rx) {
        n->stats.rx_dropped++;
        return NIC_RX_DONE;
    }
    if (n->fastpath) {
        bool handled = false;
        enum nic_rx_result r = n->fastpath(n, f, &handled);
        if (handled)
            return r;
    }
    nic_frame_to_lwip(n, f);
    return NIC_RX_DONE;
}

void nic_frame_release(struct nic_frame *f)
{
    f->owner->ops->rx_recycle(f->owner, f->buf);
}

void nic_set_link(struct nic *n, bool up)
{
    if (n->link_up == up)
        return;
    n->link_up = up;
    n->stats.link_changes++;
    kprintf("%s: link %s\n", n->name, up ? "up" : "down");
    if (n->link_changed)
        n->link_changed(n);
}

int nic_transmit(struct nic *n, struct pbuf *p)
{
    if (!n->admin_up || !n->link_up) {
        n->stats.tx_dropped++;
        return -ENETDOWN;
    }
    int rc = n->ops->transmit(n, p);
    if (rc) {
        n->stats.tx_dropped++;
        return rc;
    }
    n->stats.tx_packets++;
    n->stats.tx_bytes += p->tot_len;
    return 0;
}

/* Transmits bytes that live outside any pbuf (a received frame, a cut segment):
 * a PBUF_REF pbuf points at them while the driver copies them. */
static int transmit_bytes(struct nic *n, uint8_t *data, size_t len)
{
    if (len > 0xffff)
        return -EMSGSIZE;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, 0, PBUF_REF);
    if (!p) {
        n->stats.tx_dropped++;
        return -ENOMEM;
    }
    p->payload = data;
    p->len = p->tot_len = (u16_t)len;
    int rc = nic_transmit(n, p);
    pbuf_free(p);
    return rc;
}

static int transmit_segment(void *ctx, uint8_t *seg, size_t len)
{
    transmit_bytes(ctx, seg, len);
    return 0;                                   /* a lost segment is TCP's to repair */
}

/* Can n send this frame exactly as it is? */
static bool takes_as_is(const struct nic *n, const struct nic_frame *f)
{
    const struct offload *o = &f->off;
    if ((o->flags & OFFLOAD_NEEDS_CSUM) && !(n->caps & NIC_CAP_TX_CSUM))
        return false;
    if (o->gso_type == OFFLOAD_GSO_NONE)
        return true;
    if (!gso_is_tcp4(o) || !(n->caps & NIC_CAP_TX_TSO4))
        return false;
    return !(o->gso_type & OFFLOAD_GSO_ECN) || (n->caps & NIC_CAP_TX_ECN);
}

enum nic_rx_result nic_forward_frame(struct nic *n, struct nic_frame *f)
{
    if (!n->admin_up || !n->link_up) {
        n->stats.tx_dropped++;
        return NIC_RX_DONE;
    }
    if (takes_as_is(n, f) && n->ops->transmit_frame && f->owner && f->owner->ops->rx_recycle) {
        if (n->ops->transmit_frame(n, f) != 0) {
            n->stats.tx_dropped++;
            return NIC_RX_DONE;
        }
        n->stats.tx_packets++;
        n->stats.tx_bytes += f->len;
        n->stats.tx_lent++;
        if (f->off.gso_type != OFFLOAD_GSO_NONE)
            n->stats.tx_gso++;
        return NIC_RX_LENT;
    }
    if (finish_in_software(n, f, transmit_segment, n))
        n->stats.tx_errors++;
    return NIC_RX_DONE;
}

int nic_poll_all(int budget_per_nic)
{
    int total = 0;
    for (unsigned i = 0; i < n_nics; i++)
        total += nics[i]->ops->poll(nics[i], budget_per_nic);
    return total;
}

void nic_flush_all(void)
{
    for (unsigned i = 0; i < n_nics; i++)
        if (nics[i]->ops->flush)
            nics[i]->ops->flush(nics[i]);
}

#ifdef VMGATE_HOST_TEST
void nic_test_reset(void)
{
    memset(nics, 0, sizeof nics);
    n_nics = 0;
}
#endif
