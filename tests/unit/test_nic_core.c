/* The NIC core (drivers/nic.c) under a fake driver and a fake layer above, without
 * lwIP: state, frames spread over several receive buffers, lending rules, the
 * checksum form a TSO device wants, receive filters, MTU limits, events and the
 * transmit watchdog. */
#include "unit.h"

#include "drivers/nic.h"
#include "net/bytes.h"
#include "net/csum.h"
#include "net/offload.h"

#include <errno.h>
#include <string.h>

/* --- the fake driver ------------------------------------------------------ */

struct fake {
    struct nic nic;
    unsigned opened, closed, timeouts, mtu_calls, rxmode_calls;
    struct nic_rxmode last_mode;
    int transmit_rc;
    unsigned tx_copies, tx_lent, last_n_seg;
    uint8_t last_tx[10000];
    uint32_t last_tx_len;
    unsigned recycled;
    void *recycled_bufs[16];
    int room;                         /* > 0: ring slots left, then -ENOBUFS; 0: no limit */
    bool ring_full;
    unsigned wakes;                   /* tx_wake calls */
    uint8_t order[256];               /* byte 20 of each frame sent, in order */
    unsigned n_order;
};

static int f_open(struct nic *n) { ((struct fake *)n->priv)->opened++; return 0; }
static void f_close(struct nic *n) { ((struct fake *)n->priv)->closed++; }
static int f_poll(struct nic *n, int budget) { return 0; }

/* A ring of f->room slots when set: full once they are used. */
static int f_ring(struct fake *f, const uint8_t *frame)
{
    if (f->ring_full)
        return -ENOBUFS;
    if (f->room && --f->room == 0)
        f->ring_full = true;
    if (f->n_order < sizeof f->order)
        f->order[f->n_order++] = frame[20];
    return 0;
}

static int f_transmit(struct nic *n, const struct nic_tx *t)
{
    struct fake *f = n->priv;
    if (f->transmit_rc)
        return f->transmit_rc;
    if (f_ring(f, t->seg[0].data))
        return -ENOBUFS;
    uint32_t at = 0;
    for (unsigned i = 0; i < t->n_seg; i++) {
        memcpy(f->last_tx + at, t->seg[i].data, t->seg[i].len);
        at += t->seg[i].len;
    }
    f->last_tx_len = at;
    f->last_n_seg = t->n_seg;
    f->tx_copies++;
    return 0;
}

static int f_transmit_frame(struct nic *n, struct nic_frame *fr)
{
    struct fake *f = n->priv;
    if (f->transmit_rc)
        return f->transmit_rc;
    if (f_ring(f, fr->data))
        return -ENOBUFS;
    memcpy(f->last_tx, fr->data, fr->len);
    f->last_tx_len = fr->len;
    f->tx_lent++;
    return 0;
}

static void f_recycle(struct nic *n, void *buf)
{
    struct fake *f = n->priv;
    if (f->recycled < 16)
        f->recycled_bufs[f->recycled] = buf;
    f->recycled++;
}

static int f_set_rxmode(struct nic *n, const struct nic_rxmode *m)
{
    struct fake *f = n->priv;
    f->rxmode_calls++;
    f->last_mode = *m;
    return 0;
}

static void f_tx_wake(struct nic *n) { ((struct fake *)n->priv)->wakes++; }

static int f_set_mtu(struct nic *n, uint16_t mtu) { ((struct fake *)n->priv)->mtu_calls++; return 0; }
static void f_tx_timeout(struct nic *n)
{
    ((struct fake *)n->priv)->timeouts++;
    nic_event(n, NIC_EV_RESET);
}

static const struct nic_ops fake_ops = {
    .open = f_open, .close = f_close, .transmit = f_transmit, .transmit_frame = f_transmit_frame,
    .rx_recycle = f_recycle, .poll = f_poll, .set_rxmode = f_set_rxmode, .set_mtu = f_set_mtu,
    .tx_timeout = f_tx_timeout, .tx_wake = f_tx_wake,
};
static const struct nic_ops bare_ops = {.transmit = f_transmit, .poll = f_poll};

/* --- the fake layer above ------------------------------------------------- */

static uint8_t up_bytes[20000];
static uint32_t up_len;
static unsigned up_frames;
static bool up_accepts = true;

static bool up_rx(struct nic *n, struct nic_frame *fr)
{
    up_frames++;
    up_len = nic_frame_len(fr);
    memcpy(up_bytes, fr->data, fr->len);
    uint32_t at = fr->len;
    for (unsigned i = 0; i < fr->n_more; i++) {
        memcpy(up_bytes + at, fr->more[i].data, fr->more[i].len);
        at += fr->more[i].len;
    }
    return up_accepts;
}

static struct fake fa, fb;

static void setup_fake(struct fake *f, const struct nic_ops *ops, uint32_t caps, uint16_t headroom)
{
    memset(f, 0, sizeof *f);
    f->nic.model = "fake";
    f->nic.mtu = 1500;
    f->nic.max_mtu = 9000;
    f->nic.link_up = true;
    f->nic.caps = caps;
    f->nic.tx_headroom = headroom;
    f->nic.ops = ops;
    f->nic.priv = f;
    REQUIRE_EQ_INT(nic_register(&f->nic), 0);
}

static void setup(void)
{
    nic_test_reset();
    up_len = up_frames = 0;
    up_accepts = true;
    setup_fake(&fa, &fake_ops, 0, 0);
    setup_fake(&fb, &fake_ops, 0, 0);
}

/* A frame of len bytes: Ethernet to fa's MAC, IPv4 type, then a pattern. */
static uint8_t rxmem[4][20000];
static uint8_t smallmem[NIC_BACKLOG_MAX + 8][128];
static void fill(uint8_t *b, uint32_t len, uint8_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        b[i] = (uint8_t)(seed + i * 13);
    put_be16(b + 12, 0x0800);
}

static struct nic_frame frame_of(struct nic *owner, uint8_t *data, uint32_t len, uint16_t headroom)
{
    return (struct nic_frame){.data = data, .len = len, .headroom = headroom, .owner = owner,
                              .buf = data};
}

TEST(nic_closed_until_attached_and_drops_what_it_receives)
{
    setup();
    CHECK_EQ_INT(fa.nic.state, NIC_CLOSED);
    fill(rxmem[0], 100, 1);
    struct nic_frame f = frame_of(&fa.nic, rxmem[0], 100, 0);
    CHECK_EQ_INT(nic_receive(&fa.nic, &f), NIC_RX_DONE);
    CHECK_EQ_INT(fa.nic.stats.rx_dropped, 1);
    CHECK_EQ_INT(up_frames, 0);
    CHECK_EQ_INT(nic_attach(&fa.nic, up_rx, NULL, NULL), 0);
    CHECK_EQ_INT(fa.nic.state, NIC_OPEN);
    CHECK_EQ_INT(fa.opened, 1);
    CHECK_EQ_INT(nic_attach(&fa.nic, up_rx, NULL, NULL), 0);   /* attached again: opened once */
    CHECK_EQ_INT(fa.opened, 1);
    f = frame_of(&fa.nic, rxmem[0], 100, 0);
    nic_receive(&fa.nic, &f);
    CHECK_EQ_INT(up_frames, 1);
    CHECK_EQ_INT(nic_close(&fa.nic), 0);
    CHECK_EQ_INT(fa.closed, 1);
    CHECK_EQ_INT(fa.nic.state, NIC_CLOSED);
    nic_test_reset();
}

TEST(nic_without_close_stays_open)
{
    nic_test_reset();
    setup_fake(&fa, &bare_ops, 0, 0);
    CHECK_EQ_INT(nic_attach(&fa.nic, up_rx, NULL, NULL), 0);
    CHECK_EQ_INT(nic_close(&fa.nic), -ENOTSUP);
    CHECK_EQ_INT(fa.nic.state, NIC_OPEN);
    nic_test_reset();
}

TEST(nic_frame_over_several_buffers_reaches_the_layer_above_whole)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    uint8_t whole[3000];
    fill(whole, sizeof whole, 5);
    memcpy(rxmem[0], whole, 1000);
    memcpy(rxmem[1], whole + 1000, 1000);
    memcpy(rxmem[2], whole + 2000, 1000);
    fa.nic.mtu = 3000;
    struct nic_frame f = frame_of(&fa.nic, rxmem[0], 1000, 0);
    f.n_more = 2;
    f.more[0] = (struct nic_rxfrag){rxmem[1], 1000, rxmem[1]};
    f.more[1] = (struct nic_rxfrag){rxmem[2], 1000, rxmem[2]};
    CHECK_EQ_INT(nic_frame_len(&f), 3000);
    CHECK_EQ_INT(nic_receive(&fa.nic, &f), NIC_RX_DONE);
    CHECK_EQ_INT(up_frames, 1);
    CHECK_EQ_INT(up_len, 3000);
    CHECK_MEM(up_bytes, whole, 3000);
    CHECK_EQ_INT(fa.nic.stats.rx_bytes, 3000);
    nic_test_reset();
}

TEST(nic_frame_over_buffers_with_offload_facts_is_refused)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    fill(rxmem[0], 500, 1);
    struct nic_frame f = frame_of(&fa.nic, rxmem[0], 500, 0);
    f.n_more = 1;
    f.more[0] = (struct nic_rxfrag){rxmem[1], 500, rxmem[1]};
    f.off.flags = OFFLOAD_NEEDS_CSUM;
    f.off.csum_start = 34;
    f.off.csum_offset = 16;
    nic_receive(&fa.nic, &f);
    CHECK_EQ_INT(up_frames, 0);
    CHECK_EQ_INT(fa.nic.stats.rx_dropped, 1);
    CHECK_EQ_INT(fa.nic.stats.rx_offload[OFFLOAD_BAD_CSUM_RANGE], 1);
    nic_test_reset();
}

TEST(nic_frames_longer_than_the_mtu_are_dropped_and_counted)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    fill(rxmem[0], 1518, 1);                      /* 1500 + header + a VLAN tag: taken */
    struct nic_frame f = frame_of(&fa.nic, rxmem[0], 1518, 0);
    nic_receive(&fa.nic, &f);
    CHECK_EQ_INT(up_frames, 1);
    f = frame_of(&fa.nic, rxmem[0], 1519, 0);
    nic_receive(&fa.nic, &f);
    CHECK_EQ_INT(up_frames, 1);
    CHECK_EQ_INT(fa.nic.stats.events[NIC_EV_RX_OVERSIZE], 1);
    CHECK_EQ_INT(fa.nic.stats.rx_errors, 1);
    fa.nic.mtu = 1400;                            /* a lower MTU still takes full frames */
    f = frame_of(&fa.nic, rxmem[0], 1518, 0);
    nic_receive(&fa.nic, &f);
    CHECK_EQ_INT(up_frames, 2);
    f = frame_of(&fa.nic, rxmem[0], 1000, 0);  /* too many buffers */
    f.n_more = NIC_RX_FRAGS_MAX + 1;
    nic_receive(&fa.nic, &f);
    CHECK_EQ_INT(fa.nic.stats.events[NIC_EV_RX_OVERSIZE], 2);
    nic_test_reset();
}

TEST(nic_layer_above_refusing_a_frame_counts_it_dropped)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    up_accepts = false;
    fill(rxmem[0], 100, 1);
    struct nic_frame f = frame_of(&fa.nic, rxmem[0], 100, 0);
    nic_receive(&fa.nic, &f);
    CHECK_EQ_INT(fa.nic.stats.rx_dropped, 1);
    nic_test_reset();
}

TEST(nic_forward_lends_only_with_the_headroom_the_target_needs)
{
    setup();
    fb.nic.tx_headroom = 12;
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    nic_attach(&fb.nic, up_rx, NULL, NULL);
    fill(rxmem[0] + 16, 600, 3);
    struct nic_frame f = frame_of(&fa.nic, rxmem[0] + 16, 600, 8);
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_DONE);   /* 8 < 12: copied */
    CHECK_EQ_INT(fb.tx_copies, 1);
    CHECK_EQ_INT(fb.tx_lent, 0);
    f = frame_of(&fa.nic, rxmem[0] + 16, 600, 16);
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_LENT);
    CHECK_EQ_INT(fb.tx_lent, 1);
    CHECK_EQ_INT(fb.nic.stats.tx_lent, 1);
    CHECK_EQ_INT(fb.nic.tx_queued, 2);
    nic_frame_release(&f);
    CHECK_EQ_INT(fa.recycled, 1);
    nic_test_reset();
}

TEST(nic_forward_copies_small_frames_it_could_lend)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    nic_attach(&fb.nic, up_rx, NULL, NULL);
    fill(rxmem[0] + 16, NIC_COPYBREAK, 3);
    struct nic_frame f = frame_of(&fa.nic, rxmem[0] + 16, NIC_COPYBREAK, 16);
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_DONE);
    CHECK_EQ_INT(fb.tx_copies, 1);
    CHECK_MEM(fb.last_tx, rxmem[0] + 16, NIC_COPYBREAK);
    f = frame_of(&fa.nic, rxmem[0] + 16, NIC_COPYBREAK + 1, 16);
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_LENT);
    nic_frame_release(&f);
    nic_test_reset();
}

TEST(nic_forward_of_a_spread_frame_copies_it_by_segments_without_sg)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    nic_attach(&fb.nic, up_rx, NULL, NULL);
    uint8_t whole[1400];
    fill(whole, sizeof whole, 9);
    memcpy(rxmem[0] + 16, whole, 600);
    memcpy(rxmem[1], whole + 600, 800);
    struct nic_frame f = frame_of(&fa.nic, rxmem[0] + 16, 600, 16);
    f.n_more = 1;
    f.more[0] = (struct nic_rxfrag){rxmem[1], 800, rxmem[1]};
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_DONE);
    CHECK_EQ_INT(fb.tx_copies, 1);
    CHECK_EQ_INT(fb.last_n_seg, 2);
    CHECK_EQ_INT(fb.last_tx_len, 1400);
    CHECK_MEM(fb.last_tx, whole, 1400);
    /* With scatter-gather the same frame is lent, every buffer coming home. */
    fb.nic.caps |= NIC_CAP_TX_SG;
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_LENT);
    nic_frame_release(&f);
    CHECK_EQ_INT(fa.recycled, 2);
    CHECK(fa.recycled_bufs[0] == rxmem[0] + 16);
    CHECK(fa.recycled_bufs[1] == rxmem[1]);
    nic_test_reset();
}

TEST(nic_transmit_refused_when_down_off_or_full)
{
    setup();
    uint8_t b[60];
    fill(b, sizeof b, 1);
    struct nic_seg s = {b, sizeof b};
    struct nic_tx t = {&s, 1, sizeof b, NULL};
    CHECK_EQ_INT(nic_transmit(&fa.nic, &t), -ENETDOWN);            /* closed */
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    CHECK_EQ_INT(nic_transmit(&fa.nic, &t), 0);
    nic_set_link(&fa.nic, false);
    CHECK_EQ_INT(nic_transmit(&fa.nic, &t), -ENETDOWN);            /* no carrier */
    nic_set_link(&fa.nic, true);
    CHECK_EQ_INT(fa.nic.stats.link_changes, 2);
    fa.transmit_rc = -ENOBUFS;
    CHECK_EQ_INT(nic_transmit(&fa.nic, &t), -ENOBUFS);
    CHECK_EQ_INT(fa.nic.stats.events[NIC_EV_TX_RING_FULL], 1);
    CHECK_EQ_INT(fa.nic.stats.tx_dropped, 3);
    CHECK_EQ_INT(fa.nic.stats.tx_packets, 1);
    fa.transmit_rc = 0;
    t.n_seg = NIC_TX_SEGS_MAX + 1;
    CHECK_EQ_INT(nic_transmit(&fa.nic, &t), -EMSGSIZE);
    nic_test_reset();
}

TEST(nic_mtu_within_the_drivers_limit)
{
    setup();
    CHECK_EQ_INT(nic_set_mtu(&fa.nic, 9001), -EMSGSIZE);
    CHECK_EQ_INT(nic_set_mtu(&fa.nic, 67), -EINVAL);
    CHECK_EQ_INT(fa.nic.mtu, 1500);
    CHECK_EQ_INT(nic_set_mtu(&fa.nic, 9000), 0);
    CHECK_EQ_INT(fa.nic.mtu, 9000);
    CHECK_EQ_INT(fa.mtu_calls, 1);
    CHECK_EQ_INT(nic_set_mtu(&fa.nic, 9000), 0);                   /* unchanged: no call */
    CHECK_EQ_INT(fa.mtu_calls, 1);
    nic_test_reset();
}

TEST(nic_receive_filters_promisc_and_multicast_list)
{
    setup();
    CHECK_EQ_INT(nic_set_promisc(&fa.nic, true), 0);
    CHECK(fa.last_mode.promisc);
    CHECK_EQ_INT(nic_set_promisc(&fa.nic, true), 0);               /* no change, no call */
    CHECK_EQ_INT(fa.rxmode_calls, 1);
    uint8_t mc[NIC_MC_MAX + 2][6];
    for (unsigned i = 0; i < NIC_MC_MAX + 2; i++) {
        memcpy(mc[i], "\x01\x00\x5e\x00\x00", 5);
        mc[i][5] = (uint8_t)i;
    }
    for (unsigned i = 0; i < NIC_MC_MAX; i++)
        CHECK_EQ_INT(nic_mc_join(&fa.nic, mc[i]), 0);
    CHECK_EQ_INT(fa.last_mode.n_mc, NIC_MC_MAX);
    CHECK(!fa.last_mode.allmulti);
    CHECK_EQ_INT(nic_mc_join(&fa.nic, mc[0]), 0);                  /* already listed */
    CHECK_EQ_INT(fa.last_mode.n_mc, NIC_MC_MAX);
    CHECK_EQ_INT(nic_mc_join(&fa.nic, mc[NIC_MC_MAX]), 0);         /* one too many */
    CHECK(fa.last_mode.allmulti);
    CHECK_EQ_INT(nic_mc_leave(&fa.nic, mc[3]), 0);
    CHECK(!fa.last_mode.allmulti);
    CHECK_EQ_INT(fa.last_mode.n_mc, NIC_MC_MAX);
    CHECK_MEM(fa.last_mode.mc[3], mc[4], 6);                    /* the list closed up */
    CHECK_EQ_INT(nic_mc_leave(&fa.nic, mc[3]), -ENOENT);
    nic_test_reset();
}

TEST(nic_driver_events_count_in_the_totals)
{
    setup();
    nic_event(&fa.nic, NIC_EV_RX_ERROR);
    nic_event(&fa.nic, NIC_EV_RX_OVERRUN);
    nic_event(&fa.nic, NIC_EV_TX_NO_CARRIER);
    nic_event(&fa.nic, NIC_EV_DEVICE_ERROR);
    nic_event(&fa.nic, NIC_EV_KINDS);                              /* out of range: nothing */
    CHECK_EQ_INT(fa.nic.stats.rx_errors, 1);
    CHECK_EQ_INT(fa.nic.stats.rx_dropped, 1);
    CHECK_EQ_INT(fa.nic.stats.tx_errors, 1);
    CHECK_EQ_INT(fa.nic.stats.events[NIC_EV_DEVICE_ERROR], 1);
    CHECK_EQ_STR(nic_event_name(NIC_EV_TX_NO_CARRIER), "tx-no-carrier");
    nic_test_reset();
}

TEST(nic_watchdog_resets_a_ring_that_stopped_completing)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    uint8_t b[60];
    fill(b, sizeof b, 1);
    struct nic_seg s = {b, sizeof b};
    struct nic_tx t = {&s, 1, sizeof b, NULL};
    nic_tick(1000);                                                /* nothing pending */
    nic_tick(5000);
    CHECK_EQ_INT(fa.timeouts, 0);
    nic_transmit(&fa.nic, &t);
    nic_tick(6000);                                                /* pending: the clock starts */
    nic_tick(7000);
    nic_tx_done(&fa.nic, 1);                                       /* progress */
    nic_transmit(&fa.nic, &t);
    nic_tick(7500);
    nic_tick(9000);                                                /* 1.5 s: not yet */
    CHECK_EQ_INT(fa.timeouts, 0);
    nic_tick(9600);                                                /* 2.1 s without progress */
    CHECK_EQ_INT(fa.timeouts, 1);
    CHECK_EQ_INT(fa.nic.stats.events[NIC_EV_RESET], 1);
    CHECK_EQ_INT(fa.nic.tx_completed, fa.nic.tx_queued);
    nic_tick(20000);
    CHECK_EQ_INT(fa.timeouts, 1);
    nic_test_reset();
}

/* --- the backlog ------------------------------------------------------------ */

/* A small frame from fa (copied on forwarding), numbered by its byte 20. */
static struct nic_frame numbered(unsigned k)
{
    fill(smallmem[k], 100, (uint8_t)k);
    smallmem[k][20] = (uint8_t)k;
    return frame_of(&fa.nic, smallmem[k], 100, 16);
}

TEST(nic_backlog_holds_frames_a_full_ring_refuses_and_sends_them_in_order)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    nic_attach(&fb.nic, up_rx, NULL, NULL);
    fb.room = 2;
    for (unsigned k = 0; k < 5; k++) {
        struct nic_frame f = numbered(k);
        enum nic_rx_result r = nic_forward_frame(&fb.nic, &f);
        /* Two fit the ring and are copied; three wait, holding their buffers. */
        CHECK_EQ_INT(r, k < 2 ? NIC_RX_DONE : NIC_RX_LENT);
    }
    CHECK_EQ_INT(nic_backlog_len(&fb.nic), 3);
    CHECK_EQ_INT(fb.nic.stats.tx_held, 3);
    CHECK_EQ_INT(fb.nic.stats.tx_dropped, 0);
    CHECK_EQ_INT(fb.nic.stats.events[NIC_EV_TX_RING_FULL], 0);
    CHECK(fb.wakes >= 1);                                   /* asked for a completion */
    CHECK_EQ_INT(fa.recycled, 0);
    nic_poll_all(8);                                        /* still full: nothing moves */
    CHECK_EQ_INT(nic_backlog_len(&fb.nic), 3);
    fb.ring_full = false;                                   /* the device finished some */
    fb.room = 2;
    nic_poll_all(8);
    CHECK_EQ_INT(nic_backlog_len(&fb.nic), 1);
    CHECK_EQ_INT(fa.recycled, 2);                           /* copied: their buffers home */
    CHECK(fa.recycled_bufs[0] == smallmem[2] && fa.recycled_bufs[1] == smallmem[3]);
    /* A new frame goes behind the one still waiting, not ahead of it. */
    struct nic_frame f = numbered(5);
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_LENT);
    fb.ring_full = false;
    fb.room = 0;
    nic_poll_all(8);
    CHECK_EQ_INT(nic_backlog_len(&fb.nic), 0);
    CHECK_EQ_INT(fb.n_order, 6);
    for (unsigned k = 0; k < 6; k++)
        CHECK_EQ_INT(fb.order[k], k);
    CHECK_EQ_INT(fa.recycled, 4);
    CHECK_EQ_INT(fb.nic.stats.tx_packets, 6);
    CHECK_EQ_INT(fb.nic.stats.tx_dropped, 0);
    nic_test_reset();
}

TEST(nic_backlog_bounded_then_drops_and_counts)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    nic_attach(&fb.nic, up_rx, NULL, NULL);
    fb.ring_full = true;
    for (unsigned k = 0; k < NIC_BACKLOG_MAX; k++) {
        struct nic_frame f = numbered(k);
        CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_LENT);
    }
    struct nic_frame f = numbered(NIC_BACKLOG_MAX);
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_DONE);     /* the caller keeps it */
    CHECK_EQ_INT(fb.nic.stats.tx_dropped, 1);
    CHECK_EQ_INT(fb.nic.stats.events[NIC_EV_TX_RING_FULL], 1);
    CHECK_EQ_INT(nic_backlog_len(&fb.nic), NIC_BACKLOG_MAX);
    /* A frame whose buffer cannot wait (no owner to give it back to) is dropped. */
    fb.ring_full = false;
    fb.room = 1;
    struct nic_frame g = numbered(NIC_BACKLOG_MAX + 1);
    g.owner = NULL;
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &g), NIC_RX_DONE);
    CHECK_EQ_INT(fb.nic.stats.tx_dropped, 2);
    CHECK_EQ_INT(nic_backlog_len(&fb.nic), NIC_BACKLOG_MAX - 1);   /* one went out first */
    /* The cable pulled: what waits is given back and counted. */
    nic_set_link(&fb.nic, false);
    nic_poll_all(8);
    CHECK_EQ_INT(nic_backlog_len(&fb.nic), 0);
    CHECK_EQ_INT(fa.recycled, NIC_BACKLOG_MAX);
    CHECK_EQ_INT(fb.nic.stats.tx_dropped, 2 + NIC_BACKLOG_MAX - 1);
    nic_test_reset();
}

TEST(nic_backlog_given_back_on_close_and_lent_frames_wait_too)
{
    setup();
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    nic_attach(&fb.nic, up_rx, NULL, NULL);
    fb.ring_full = true;
    fill(rxmem[0] + 16, 1000, 7);                          /* lent when it goes */
    struct nic_frame big = frame_of(&fa.nic, rxmem[0] + 16, 1000, 16);
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &big), NIC_RX_LENT);
    fb.ring_full = false;
    nic_poll_all(8);
    CHECK_EQ_INT(fb.tx_lent, 1);
    CHECK_EQ_INT(fa.recycled, 0);                          /* in the ring now, not home */
    CHECK_EQ_INT(fb.nic.stats.tx_lent, 1);
    fb.ring_full = true;
    struct nic_frame f = numbered(1);
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_LENT);
    CHECK_EQ_INT(nic_close(&fb.nic), 0);
    CHECK_EQ_INT(nic_backlog_len(&fb.nic), 0);
    CHECK_EQ_INT(fa.recycled, 1);
    CHECK(fa.recycled_bufs[0] == smallmem[1]);
    nic_test_reset();
}

/* The pseudo-header sum of a TCP/IPv4 packet, folded, not complemented. */
static uint16_t phdr(const uint8_t *ip, uint16_t l4len)
{
    uint8_t p[12];
    memcpy(p, ip + 12, 8);
    p[8] = 0;
    p[9] = 6;
    put_be16(p + 10, l4len);
    return csum_fold(csum_partial(0, p, sizeof p));
}

TEST(offload_phdr_drop_len_leaves_the_sum_without_the_length)
{
    uint8_t fr[14 + 20 + 20 + 3000];
    memset(fr, 0, sizeof fr);
    put_be16(fr + 12, 0x0800);
    uint8_t *ip = fr + 14;
    ip[0] = 0x45;
    put_be16(ip + 2, 20 + 20 + 3000);
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x02\x0f\xc6\x33\x64\x07", 8);
    struct offload o = {.flags = OFFLOAD_NEEDS_CSUM, .gso_type = OFFLOAD_GSO_TCPV4,
                        .gso_size = 1448, .csum_start = 34, .csum_offset = 16};
    put_be16(fr + 34 + 16, phdr(ip, 3020));
    CHECK_EQ_INT(offload_phdr_drop_len(fr, sizeof fr, &o), 0);
    uint16_t got = get_be16(fr + 34 + 16), want = phdr(ip, 0);
    /* 0 and 0xffff are the same sum in one's complement. */
    CHECK(got == want || (uint16_t)(got + 1) == (uint16_t)(want + 1) ||
          (got == 0xffff && want == 0) || (got == 0 && want == 0xffff));
    /* Adding a segment's length back, as the device does, gives that segment's sum. */
    CHECK_EQ_INT(csum_fold((uint32_t)got + 1468), phdr(ip, 1468));
    o.csum_start = (uint16_t)(sizeof fr);                         /* field outside */
    CHECK_EQ_INT(offload_phdr_drop_len(fr, sizeof fr, &o), -EINVAL);
}

TEST(nic_forward_gives_a_nolen_tso_device_its_checksum_form)
{
    setup();
    fb.nic.caps = NIC_CAP_TX_CSUM | NIC_CAP_TX_TSO4 | NIC_CAP_TX_TSO_PHDR_NOLEN;
    nic_attach(&fa.nic, up_rx, NULL, NULL);
    nic_attach(&fb.nic, up_rx, NULL, NULL);
    uint8_t *fr = rxmem[0] + 16;
    uint32_t len = 14 + 20 + 20 + 4000;
    memset(fr, 0, len);
    put_be16(fr + 12, 0x0800);
    uint8_t *ip = fr + 14;
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(len - 14));
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x02\x0f\xc6\x33\x64\x07", 8);
    put_be16(ip + 10, csum_finish(csum_partial(0, ip, 20)));
    fr[34 + 12] = 5 << 4;
    put_be16(fr + 34 + 16, phdr(ip, (uint16_t)(len - 34)));
    struct nic_frame f = frame_of(&fa.nic, fr, len, 16);
    f.off = (struct offload){.flags = OFFLOAD_NEEDS_CSUM, .gso_type = OFFLOAD_GSO_TCPV4,
                             .gso_size = 1448, .hdr_len = 54, .csum_start = 34, .csum_offset = 16};
    /* The ring is full at first: the frame waits, and its checksum is converted
     * once however often it is tried. */
    fb.ring_full = true;
    CHECK_EQ_INT(nic_forward_frame(&fb.nic, &f), NIC_RX_LENT);
    nic_poll_all(8);
    nic_poll_all(8);
    fb.ring_full = false;
    nic_poll_all(8);
    CHECK_EQ_INT(fb.tx_lent, 1);
    CHECK_EQ_INT(csum_fold((uint32_t)get_be16(fb.last_tx + 34 + 16) + 1468), phdr(ip, 1468));
    nic_frame_release(&f);
    nic_test_reset();
}
