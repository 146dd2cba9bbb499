/* The NIC core: registration, state, counters, delivery and forwarding of received
 * frames, receive filters, the transmit watchdog. Counters are kept here, not in
 * each driver, so every card reports the same way. Offloads end here too: a frame
 * with a partial checksum or a GSO frame is finished in software before it reaches
 * the layer above or a NIC that cannot take it. Knows nothing of lwIP. */
#include "nic.h"
#include "../kernel/console.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>

static struct nic *nics[NIC_MAX];
static unsigned n_nics;

/* One segment at a time while cutting GSO frames: headers plus a jumbo MSS. */
static uint8_t seg_scratch[16384];

static const char *const event_names[NIC_EV_KINDS] = {
    [NIC_EV_RX_ERROR] = "rx-error",
    [NIC_EV_RX_OVERSIZE] = "rx-oversize",
    [NIC_EV_RX_OVERRUN] = "rx-overrun",
    [NIC_EV_RX_NOBUF] = "rx-nobuf",
    [NIC_EV_TX_RING_FULL] = "tx-ring-full",
    [NIC_EV_TX_ERROR] = "tx-error",
    [NIC_EV_TX_NO_CARRIER] = "tx-no-carrier",
    [NIC_EV_DEVICE_ERROR] = "device-error",
    [NIC_EV_RESET] = "reset",
};

const char *nic_event_name(enum nic_event_kind e)
{
    return (unsigned)e < NIC_EV_KINDS ? event_names[e] : "?";
}

int nic_register(struct nic *n)
{
    if (n_nics == NIC_MAX) {
        kprintf("nic: more than %d NICs; ignoring %s\n", NIC_MAX, n->model);
        return -ENOSPC;
    }
    n->index = n_nics;
    snprintf(n->name, sizeof n->name, "nic%u", n_nics);
    n->admin_up = true;
    n->state = NIC_CLOSED;
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

uint32_t nic_frame_len(const struct nic_frame *f)
{
    uint32_t len = f->len;
    for (unsigned i = 0; i < f->n_more; i++)
        len += f->more[i].len;
    return len;
}

/* Events count in the totals as well, so that `errors` and `dropped` say
 * everything at a glance and the events say why. */
void nic_event(struct nic *n, enum nic_event_kind e)
{
    if ((unsigned)e >= NIC_EV_KINDS)
        return;
    n->stats.events[e]++;
    switch (e) {
    case NIC_EV_RX_ERROR:
    case NIC_EV_RX_OVERSIZE:
        n->stats.rx_errors++;
        break;
    case NIC_EV_RX_OVERRUN:
    case NIC_EV_RX_NOBUF:
        n->stats.rx_dropped++;
        break;
    case NIC_EV_TX_ERROR:
    case NIC_EV_TX_NO_CARRIER:
        n->stats.tx_errors++;
        break;
    default:                                        /* counted where they happen, or not a loss */
        break;
    }
}

/* Hands bytes that live outside any receive buffer (a cut segment) up as a frame
 * of their own. */
static void deliver_bytes(struct nic *n, uint8_t *data, uint32_t len, uint8_t flags)
{
    struct nic_frame g = {.data = data, .len = len, .pbuf_flags = flags};
    if (!n->rx(n, &g))
        n->stats.rx_dropped++;
}

struct deliver_ctx {
    struct nic *n;
    uint8_t flags;
};

static int deliver_segment(void *ctx, uint8_t *seg, size_t len)
{
    struct deliver_ctx *d = ctx;
    deliver_bytes(d->n, seg, (uint32_t)len, d->flags);
    return 0;
}

static bool gso_is_tcp4(const struct offload *o)
{
    return (o->gso_type & ~OFFLOAD_GSO_ECN) == OFFLOAD_GSO_TCPV4;
}

static bool has_offload(const struct nic_frame *f)
{
    return f->off.gso_type != OFFLOAD_GSO_NONE || (f->off.flags & OFFLOAD_NEEDS_CSUM);
}

/* Finishes a single-buffer frame's offloads in software and passes the result on:
 * each segment of a GSO frame, or the frame with its checksum completed, to
 * emit(ctx, bytes, len). Counts the work on n (the NIC doing it); returns -EINVAL
 * (to be counted as an error by the caller) for a frame that cannot be finished. */
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

/* The layer above sees only complete frames with full checksums, one buffer or
 * several. */
void nic_frame_to_upper(struct nic *n, struct nic_frame *f)
{
    if (!n->rx) {
        n->stats.rx_dropped++;
        return;
    }
    if (!has_offload(f)) {
        if (!n->rx(n, f))
            n->stats.rx_dropped++;
        return;
    }
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

/* The longest frame a NIC with this MTU sends, but for GSO frames: the MTU, the
 * Ethernet header and a VLAN tag. */
static uint32_t max_frame(const struct nic *n)
{
    return (uint32_t)n->mtu + ETH_HDR_LEN + 4;
}

/* The longest it takes in: a standard Ethernet frame even when the MTU is set
 * lower (an uplink configured for a tunnel's MTU may still deliver full frames,
 * and refusing them would only lose them), more with jumbo frames. */
static uint32_t max_rx_frame(const struct nic *n)
{
    uint32_t mtu = n->mtu > 1500 ? n->mtu : 1500;
    return mtu + ETH_HDR_LEN + 4;
}

enum nic_rx_result nic_receive(struct nic *n, struct nic_frame *f)
{
    n->stats.rx_packets++;
    if (f->n_more > NIC_RX_FRAGS_MAX) {
        nic_event(n, NIC_EV_RX_OVERSIZE);
        return NIC_RX_DONE;
    }
    uint32_t len = nic_frame_len(f);
    n->stats.rx_bytes += len;
    f->pbuf_flags = 0;
    if (f->off.gso_type != OFFLOAD_GSO_NONE)
        n->stats.rx_gso++;
    if (f->off.flags & OFFLOAD_NEEDS_CSUM)
        n->stats.rx_csum_partial++;
    if (f->off.flags & OFFLOAD_DATA_VALID)
        n->stats.rx_csum_valid++;
    if (f->n_more && has_offload(f)) {
        /* No device gives offload facts for a frame it spread over buffers; refused
         * rather than trusted, as facts that do not match their frame are. */
        n->stats.rx_offload[OFFLOAD_BAD_CSUM_RANGE]++;
        n->stats.rx_dropped++;
        return NIC_RX_DONE;
    }
    if (!f->n_more) {
        struct offload_limits lim = limits_of(n);
        enum offload_check c = offload_rx_check(f->data, &f->len, &f->off, &lim);
        n->stats.rx_offload[c]++;
        if (c != OFFLOAD_CHECK_OK && c != OFFLOAD_CHECK_FINISHED) {
            n->stats.rx_dropped++;
            return NIC_RX_DONE;
        }
    }
    if (f->off.gso_type == OFFLOAD_GSO_NONE && len > max_rx_frame(n)) {
        nic_event(n, NIC_EV_RX_OVERSIZE);
        return NIC_RX_DONE;
    }
    if (!n->admin_up || n->state != NIC_OPEN || !n->rx) {
        n->stats.rx_dropped++;
        return NIC_RX_DONE;
    }
    if (n->fastpath && !f->n_more) {
        bool handled = false;
        enum nic_rx_result r = n->fastpath(n, f, &handled);
        if (handled)
            return r;
    }
    nic_frame_to_upper(n, f);
    return NIC_RX_DONE;
}

void nic_frame_release(struct nic_frame *f)
{
    struct nic *owner = f->owner;
    owner->ops->rx_recycle(owner, f->buf);
    for (unsigned i = 0; i < f->n_more; i++)
        owner->ops->rx_recycle(owner, f->more[i].buf);
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

void nic_tx_done(struct nic *n, unsigned k)
{
    n->tx_completed += k;
    if (n->tx_completed > n->tx_queued)            /* a driver's miscount: not a hang */
        n->tx_completed = n->tx_queued;
    n->tx_progress_ms = 0;                          /* nic_tick restarts the clock */
}

static bool can_send(struct nic *n)
{
    return n->admin_up && n->link_up && n->state == NIC_OPEN;
}

/* Counts what a driver's transmit said. */
static int account_tx(struct nic *n, int rc, uint32_t len)
{
    if (rc) {
        n->stats.tx_dropped++;
        if (rc == -ENOBUFS)
            nic_event(n, NIC_EV_TX_RING_FULL);
        return rc;
    }
    n->stats.tx_packets++;
    n->stats.tx_bytes += len;
    n->tx_queued++;
    return 0;
}

static bool tx_fits(const struct nic *n, const struct nic_tx *t)
{
    return t->n_seg > 0 && t->n_seg <= NIC_TX_SEGS_MAX && t->len <= max_frame(n);
}

int nic_transmit(struct nic *n, const struct nic_tx *t)
{
    if (!can_send(n)) {
        n->stats.tx_dropped++;
        return -ENETDOWN;
    }
    if (!tx_fits(n, t)) {
        n->stats.tx_dropped++;
        return -EMSGSIZE;
    }
    return account_tx(n, n->ops->transmit(n, t), t->len);
}

static int transmit_segment(void *ctx, uint8_t *seg, size_t len)
{
    struct nic_seg s = {seg, (uint32_t)len};
    struct nic_tx t = {&s, 1, (uint32_t)len, NULL};
    nic_transmit(ctx, &t);
    return 0;                                   /* a lost segment is TCP's to repair */
}

/* Can n send this frame exactly as it is, lending its buffers? */
static bool takes_as_is(const struct nic *n, const struct nic_frame *f)
{
    const struct offload *o = &f->off;
    if (!n->ops->transmit_frame || !f->owner || !f->owner->ops->rx_recycle ||
        f->headroom < n->tx_headroom)
        return false;
    if (f->n_more && !(n->caps & NIC_CAP_TX_SG))
        return false;
    if ((o->flags & OFFLOAD_NEEDS_CSUM) && !(n->caps & NIC_CAP_TX_CSUM))
        return false;
    if (o->gso_type == OFFLOAD_GSO_NONE)
        return nic_frame_len(f) <= max_frame(n);
    if (!gso_is_tcp4(o) || !(n->caps & NIC_CAP_TX_TSO4))
        return false;
    return !(o->gso_type & OFFLOAD_GSO_ECN) || (n->caps & NIC_CAP_TX_ECN);
}

/* A small whole frame goes by copy (NIC_COPYBREAK), its partial checksum passed on
 * when n completes checksums; the caller knows n takes the frame as it is. */
static bool copy_is_cheaper(const struct nic *n, const struct nic_frame *f)
{
    return f->off.gso_type == OFFLOAD_GSO_NONE && !f->n_more && f->len <= NIC_COPYBREAK;
}

/* --- the backlog (NIC_BACKLOG_MAX) ----------------------------------------- */

struct held {
    struct nic_frame f;
    bool phdr_done;                   /* its TSO checksum already in n's form */
};

struct backlog {
    struct held q[NIC_BACKLOG_MAX];
    unsigned head, count;
};
static struct backlog backlogs[NIC_MAX];

/* Only a frame whose buffers can be given back later may wait. */
static bool may_wait(const struct nic_frame *f)
{
    return f->owner && f->owner->ops->rx_recycle;
}

unsigned nic_backlog_len(const struct nic *n)
{
    return backlogs[n->index].count;
}

/* What one try to send a frame came to. */
enum try_result {
    TRY_DONE,                         /* sent by copy, or refused and counted: the
                                         buffers are the caller's again */
    TRY_LENT,                         /* in n's transmit ring */
    TRY_FULL,                         /* the ring is full, nothing counted (only
                                         when the frame may wait) */
};

/* A copy through the driver; a full ring is left to the caller when `wait`. */
static enum try_result try_copy(struct nic *n, const struct nic_tx *t, bool wait)
{
    if (!tx_fits(n, t)) {
        n->stats.tx_dropped++;
        return TRY_DONE;
    }
    int rc = n->ops->transmit(n, t);
    if (rc == -ENOBUFS && wait)
        return TRY_FULL;
    account_tx(n, rc, t->len);
    return TRY_DONE;
}

static enum try_result try_forward(struct nic *n, struct nic_frame *f, bool *phdr_done)
{
    bool wait = may_wait(f);
    if (takes_as_is(n, f) && !copy_is_cheaper(n, f)) {
        /* The buffer is ours to change now: give the TCP checksum the form this
         * device's TSO wants, once, however often the ring is found full. */
        if (f->off.gso_type != OFFLOAD_GSO_NONE && (n->caps & NIC_CAP_TX_TSO_PHDR_NOLEN) &&
            !*phdr_done) {
            if (offload_phdr_drop_len(f->data, f->len, &f->off) != 0) {
                n->stats.tx_errors++;
                return TRY_DONE;
            }
            *phdr_done = true;
        }
        uint32_t len = nic_frame_len(f);
        int rc = n->ops->transmit_frame(n, f);
        if (rc == -ENOBUFS && wait)
            return TRY_FULL;
        if (account_tx(n, rc, len) != 0)
            return TRY_DONE;
        n->stats.tx_lent++;
        if (f->off.gso_type != OFFLOAD_GSO_NONE)
            n->stats.tx_gso++;
        return TRY_LENT;
    }
    if (f->n_more) {
        /* Several buffers by copy, its buffers as the segments. */
        struct nic_seg s[1 + NIC_RX_FRAGS_MAX];
        s[0] = (struct nic_seg){f->data, f->len};
        for (unsigned i = 0; i < f->n_more; i++)
            s[1 + i] = (struct nic_seg){f->more[i].data, f->more[i].len};
        struct nic_tx t = {s, 1u + f->n_more, nic_frame_len(f), NULL};
        return try_copy(n, &t, wait);
    }
    if (copy_is_cheaper(n, f) && (!(f->off.flags & OFFLOAD_NEEDS_CSUM) || (n->caps & NIC_CAP_TX_CSUM))) {
        struct nic_seg s = {f->data, f->len};
        struct nic_tx t = {&s, 1, f->len, (f->off.flags & OFFLOAD_NEEDS_CSUM) ? &f->off : NULL};
        return try_copy(n, &t, wait);
    }
    /* Finished in software: a GSO frame becomes many frames, which cannot wait as
     * one; what finds the ring full is lost, and TCP repairs it. */
    if (finish_in_software(n, f, transmit_segment, n))
        n->stats.tx_errors++;
    return TRY_DONE;
}

static void backlog_pop(struct backlog *b)
{
    b->head = (b->head + 1) % NIC_BACKLOG_MAX;
    b->count--;
}

/* Sends what waits, in order, until the ring is full again. */
static void backlog_drain(struct nic *n)
{
    struct backlog *b = &backlogs[n->index];
    while (b->count) {
        struct held *h = &b->q[b->head];
        if (!can_send(n)) {
            n->stats.tx_dropped++;
            nic_frame_release(&h->f);
            backlog_pop(b);
            continue;
        }
        enum try_result r = try_forward(n, &h->f, &h->phdr_done);
        if (r == TRY_FULL)
            break;
        if (r == TRY_DONE)
            nic_frame_release(&h->f);           /* copied (or refused): back home */
        backlog_pop(b);
    }
    if (b->count && n->ops->tx_wake)
        n->ops->tx_wake(n);
}

/* Takes a frame into the backlog behind the others; full: dropped. */
static enum nic_rx_result backlog_hold(struct nic *n, const struct nic_frame *f, bool phdr_done)
{
    struct backlog *b = &backlogs[n->index];
    if (b->count == NIC_BACKLOG_MAX) {
        n->stats.tx_dropped++;
        nic_event(n, NIC_EV_TX_RING_FULL);
        return NIC_RX_DONE;
    }
    b->q[(b->head + b->count) % NIC_BACKLOG_MAX] = (struct held){*f, phdr_done};
    b->count++;
    n->stats.tx_held++;
    if (n->ops->tx_wake)
        n->ops->tx_wake(n);
    return NIC_RX_LENT;
}

/* Gives back everything that waits (n closed: its frames will not be sent). */
static void backlog_release(struct nic *n)
{
    struct backlog *b = &backlogs[n->index];
    while (b->count) {
        n->stats.tx_dropped++;
        nic_frame_release(&b->q[b->head].f);
        backlog_pop(b);
    }
}

enum nic_rx_result nic_forward_frame(struct nic *n, struct nic_frame *f)
{
    if (!can_send(n)) {
        n->stats.tx_dropped++;
        return NIC_RX_DONE;
    }
    bool phdr_done = false;
    if (backlogs[n->index].count) {
        backlog_drain(n);
        if (backlogs[n->index].count) {         /* still waiting: this one goes behind */
            if (may_wait(f))
                return backlog_hold(n, f, false);
            n->stats.tx_dropped++;
            nic_event(n, NIC_EV_TX_RING_FULL);
            return NIC_RX_DONE;
        }
    }
    switch (try_forward(n, f, &phdr_done)) {
    case TRY_LENT:
        return NIC_RX_LENT;
    case TRY_FULL:
        return backlog_hold(n, f, phdr_done);
    default:
        return NIC_RX_DONE;
    }
}

int nic_attach(struct nic *n, bool (*rx)(struct nic *, struct nic_frame *),
               void (*link_changed)(struct nic *), void *upper)
{
    n->rx = rx;
    n->link_changed = link_changed;
    n->upper = upper;
    if (n->state == NIC_OPEN)
        return 0;
    int rc = n->ops->open ? n->ops->open(n) : 0;
    if (rc) {
        kprintf("%s: %s did not open: error %d\n", n->name, n->model, rc);
        return rc;
    }
    n->state = NIC_OPEN;
    n->tx_queued = n->tx_completed = 0;
    n->tx_progress_ms = 0;
    return 0;
}

int nic_close(struct nic *n)
{
    if (n->state != NIC_OPEN)
        return 0;
    if (!n->ops->close)
        return -ENOTSUP;
    backlog_release(n);
    n->ops->close(n);
    n->state = NIC_CLOSED;
    n->tx_completed = n->tx_queued;
    return 0;
}

int nic_set_mtu(struct nic *n, uint16_t mtu)
{
    unsigned max = n->max_mtu ? n->max_mtu : n->mtu;
    if (mtu < 68)
        return -EINVAL;
    if (mtu > max)
        return -EMSGSIZE;
    if (mtu == n->mtu)
        return 0;
    if (n->ops->set_mtu) {
        int rc = n->ops->set_mtu(n, mtu);
        if (rc)
            return rc;
    }
    n->mtu = mtu;
    return 0;
}

static int apply_rxmode(struct nic *n)
{
    return n->ops->set_rxmode ? n->ops->set_rxmode(n, &n->rxmode) : 0;
}

int nic_set_promisc(struct nic *n, bool on)
{
    if (n->rxmode.promisc == on)
        return 0;
    n->rxmode.promisc = on;
    return apply_rxmode(n);
}

/* Groups asked for beyond what the list holds: counted in n_mc past NIC_MC_MAX,
 * and then every multicast frame is taken (allmulti). */
int nic_mc_join(struct nic *n, const uint8_t mac[ETH_ADDR_LEN])
{
    struct nic_rxmode *m = &n->rxmode;
    unsigned listed = m->n_mc < NIC_MC_MAX ? m->n_mc : NIC_MC_MAX;
    for (unsigned i = 0; i < listed; i++)
        if (memcmp(m->mc[i], mac, ETH_ADDR_LEN) == 0)
            return 0;
    if (m->n_mc < NIC_MC_MAX)
        memcpy(m->mc[m->n_mc], mac, ETH_ADDR_LEN);
    m->n_mc++;
    m->allmulti = m->n_mc > NIC_MC_MAX;
    return apply_rxmode(n);
}

int nic_mc_leave(struct nic *n, const uint8_t mac[ETH_ADDR_LEN])
{
    struct nic_rxmode *m = &n->rxmode;
    unsigned listed = m->n_mc < NIC_MC_MAX ? m->n_mc : NIC_MC_MAX;
    for (unsigned i = 0; i < listed; i++) {
        if (memcmp(m->mc[i], mac, ETH_ADDR_LEN) != 0)
            continue;
        memmove(m->mc[i], m->mc[i + 1], (listed - i - 1) * ETH_ADDR_LEN);
        m->n_mc--;
        /* Past the list, the groups not listed are not known any more: allmulti
         * stays until the count is back within the list. */
        m->allmulti = m->n_mc > NIC_MC_MAX;
        return apply_rxmode(n);
    }
    if (m->n_mc > NIC_MC_MAX) {
        m->n_mc--;
        m->allmulti = m->n_mc > NIC_MC_MAX;
        return apply_rxmode(n);
    }
    return -ENOENT;
}

int nic_poll_all(int budget_per_nic)
{
    int total = 0;
    for (unsigned i = 0; i < n_nics; i++)
        if (nics[i]->state == NIC_OPEN)
            total += nics[i]->ops->poll(nics[i], budget_per_nic);
    /* Each poll took back finished transmissions: room for what waits. */
    for (unsigned i = 0; i < n_nics; i++)
        if (backlogs[i].count)
            backlog_drain(nics[i]);
    return total;
}

void nic_flush_all(void)
{
    for (unsigned i = 0; i < n_nics; i++)
        if (nics[i]->state == NIC_OPEN && nics[i]->ops->flush)
            nics[i]->ops->flush(nics[i]);
}

/* The watchdog: a NIC with transmissions pending and none completed for
 * NIC_TX_TIMEOUT_MS is stuck (a lost interrupt, a device that stopped); its driver
 * resets the ring, which gives back whatever was pending. */
void nic_tick(uint32_t now_ms)
{
    for (unsigned i = 0; i < n_nics; i++) {
        struct nic *n = nics[i];
        if (n->state != NIC_OPEN || n->tx_completed == n->tx_queued) {
            n->tx_progress_ms = 0;
            continue;
        }
        if (n->tx_progress_ms == 0) {
            n->tx_progress_ms = now_ms ? now_ms : 1;
            continue;
        }
        if ((uint32_t)(now_ms - n->tx_progress_ms) < NIC_TX_TIMEOUT_MS)
            continue;
        kprintf("%s: %llu transmissions pending for %u ms: resetting its transmit ring\n",
                n->name, (unsigned long long)(n->tx_queued - n->tx_completed),
                (unsigned)(now_ms - n->tx_progress_ms));
        if (n->ops->tx_timeout)
            n->ops->tx_timeout(n);
        n->tx_completed = n->tx_queued;
        n->tx_progress_ms = 0;
    }
}

#ifdef VMGATE_HOST_TEST
void nic_test_reset(void)
{
    memset(nics, 0, sizeof nics);
    memset(backlogs, 0, sizeof backlogs);
    n_nics = 0;
}
#endif
