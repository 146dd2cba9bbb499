/* Covers drivers/e1000_core.c (open, poll, receive ring) and drivers/e1000_filter.c
 * (RCTL and the multicast table for a receive mode). */
/* The e1000's receive side against the chip model: the ring wraps and is refilled,
 * the FCS is trimmed, jumbo frames arrive whole over several buffers, a frame is
 * not taken before its last descriptor is done, lent buffers come back, bad frames
 * and overruns are counted, and the receive filters (promiscuous, multicast table)
 * are set without needless RCTL writes. */
#include "unit.h"
#include "e1000_rig.h"

#include <string.h>

static uint8_t frame[20000];

/* A frame of len bytes to our MAC arrives and one pass of the loop runs. */
static int arrive(struct e1k_rig *r, uint32_t len, uint8_t seed)
{
    rig_frame(frame, len, rig_mac, seed);
    int rc = e1km_receive(&r->m, frame, len);
    rig_pass(r);
    return rc;
}

TEST(e1000_rx_delivers_frames_intact_and_the_ring_wraps)
{
    struct e1k_rig *r = rig_open(NULL);
    CHECK_EQ_INT(e1k_rx_posted(&r->e), 15);                 /* 16 descriptors, one kept empty */
    CHECK_EQ_INT(e1km_reg(&r->m, 0x2818), 15);              /* RDT */
    for (int i = 0; i < 50; i++) {
        uint32_t len = 60 + (uint32_t)i * 29;
        REQUIRE_EQ_INT(arrive(r, len, (uint8_t)i), 1);
        REQUIRE_EQ_INT(r->up_frames, i + 1);
        CHECK_EQ_INT(r->up_last_len, len);                  /* FCS trimmed */
        CHECK_MEM(r->up_last, frame, len);
        CHECK_EQ_INT(r->up_last_more, 0);
    }
    CHECK_EQ_INT(e1k_rx_posted(&r->e), 15);
    CHECK_EQ_INT(r->e.nic.stats.rx_packets, 50);
    CHECK_EQ_INT(r->e.nic.stats.rx_dropped, 0);
    CHECK_EQ_INT(e1km_reg(&r->m, 0x2810), 50 % 16);         /* RDH went round three times */
    rig_free(r);
}

TEST(e1000_rx_overrun_is_counted_and_the_ring_recovers)
{
    struct e1k_rig *r = rig_open(NULL);
    int stored = 0, missed = 0;
    for (int i = 0; i < 20; i++) {
        rig_frame(frame, 100, rig_mac, (uint8_t)i);
        int rc = e1km_receive(&r->m, frame, 100);
        stored += rc == 1;
        missed += rc == -1;
    }
    CHECK_EQ_INT(stored, 15);
    CHECK_EQ_INT(missed, 5);
    rig_pass(r);
    CHECK_EQ_INT(r->up_frames, 15);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RX_OVERRUN], 5);
    CHECK_EQ_INT(r->e.nic.stats.rx_dropped, 5);
    struct nic_hw_counter hw[NIC_HW_COUNTERS_MAX];
    unsigned n = r->e.nic.ops->hw_counters(&r->e.nic, hw, NIC_HW_COUNTERS_MAX);
    CHECK_EQ_INT(n, 18);                /* the chip's 16, then the tail writes */
    CHECK_EQ_STR(hw[16].name, "tdt-writes");
    CHECK_EQ_STR(hw[17].name, "rdt-writes");
    CHECK(hw[17].value > 0);            /* the ring was refilled after the overrun */
    CHECK_EQ_STR(hw[0].name, "missed");
    CHECK_EQ_INT(hw[0].value, 5);
    CHECK_EQ_INT(hw[1].value, 5);                           /* no-buffer */
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RX_OVERRUN], 5);   /* not counted twice */
    CHECK_EQ_INT(arrive(r, 100, 99), 1);
    CHECK_EQ_INT(r->up_frames, 16);
    rig_free(r);
}

TEST(e1000_rx_jumbo_frames_arrive_whole_over_chained_buffers)
{
    struct e1k_rig *r = rig_open(NULL);
    unsigned writes = r->m.rctl_writes;
    /* Without LPE the chip drops a long frame (and counts it). */
    CHECK_EQ_INT(arrive(r, 2000, 1), 0);
    CHECK_EQ_INT(r->up_frames, 0);
    CHECK_EQ_INT(nic_set_mtu(&r->e.nic, 9000), 0);
    CHECK_EQ_INT(r->m.rctl_writes, writes + 1);
    CHECK(e1km_reg(&r->m, 0x0100) & 0x20);                  /* LPE */
    CHECK_EQ_INT(arrive(r, 9014, 2), 1);
    CHECK_EQ_INT(r->up_frames, 1);
    CHECK_EQ_INT(r->up_last_len, 9014);
    CHECK_EQ_INT(r->up_last_more, 4);                       /* five 2 KiB buffers */
    CHECK_MEM(r->up_last, frame, 9014);
    /* The FCS alone in a last buffer, and split over two: both trimmed right. */
    CHECK_EQ_INT(arrive(r, 4094, 3), 1);
    CHECK_EQ_INT(r->up_last_len, 4094);
    CHECK_EQ_INT(r->up_last_more, 1);
    CHECK_MEM(r->up_last, frame, 4094);
    CHECK_EQ_INT(arrive(r, 4092, 4), 1);
    CHECK_EQ_INT(r->up_last_len, 4092);
    CHECK_EQ_INT(r->up_last_more, 1);
    CHECK_EQ_INT(e1k_rx_posted(&r->e), 15);                 /* every buffer came back */
    /* Setting the same MTU class again writes nothing. */
    CHECK_EQ_INT(nic_set_mtu(&r->e.nic, 8000), 0);
    CHECK_EQ_INT(r->m.rctl_writes, writes + 1);
    struct nic_hw_counter hw[NIC_HW_COUNTERS_MAX];
    r->e.nic.ops->hw_counters(&r->e.nic, hw, NIC_HW_COUNTERS_MAX);
    CHECK_EQ_STR(hw[7].name, "oversize");
    CHECK_EQ_INT(hw[7].value, 1);
    rig_free(r);
}

TEST(e1000_rx_frame_is_taken_only_once_its_last_buffer_is_done)
{
    struct e1k_rig *r = rig_open(NULL);
    nic_set_mtu(&r->e.nic, 9000);
    r->m.hold_eop = true;
    rig_frame(frame, 5000, rig_mac, 7);
    REQUIRE_EQ_INT(e1km_receive(&r->m, frame, 5000), 1);
    rig_pass(r);
    CHECK_EQ_INT(r->up_frames, 0);
    r->m.hold_eop = false;
    e1km_release_eop(&r->m);
    rig_pass(r);
    CHECK_EQ_INT(r->up_frames, 1);
    CHECK_EQ_INT(r->up_last_len, 5000);
    CHECK_MEM(r->up_last, frame, 5000);
    rig_free(r);
}

TEST(e1000_rx_bad_frames_are_dropped_and_their_buffers_reused)
{
    struct e1k_rig *r = rig_open(NULL);
    rig_frame(frame, 200, rig_mac, 1);
    REQUIRE_EQ_INT(e1km_receive(&r->m, frame, 200), 1);
    r->e.rx_ring[0].errors = 0x01;                          /* CRC error */
    rig_pass(r);
    CHECK_EQ_INT(r->up_frames, 0);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RX_ERROR], 1);
    CHECK_EQ_INT(r->e.nic.stats.rx_errors, 1);
    /* A length no chip would write. */
    REQUIRE_EQ_INT(e1km_receive(&r->m, frame, 200), 1);
    r->e.rx_ring[1].length = 3;
    rig_pass(r);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RX_ERROR], 2);
    CHECK_EQ_INT(e1k_rx_posted(&r->e), 15);
    CHECK_EQ_INT(arrive(r, 200, 2), 1);
    CHECK_EQ_INT(r->up_frames, 1);
    rig_free(r);
}

/* A fast path that keeps every frame, as one that lends it to another NIC does. */
static struct nic_frame kept[64];
static unsigned n_kept;
static enum nic_rx_result keep(struct nic *n, struct nic_frame *f, bool *handled)
{
    *handled = true;
    if (n_kept == 64) {
        *handled = false;
        return NIC_RX_DONE;
    }
    kept[n_kept++] = *f;
    return NIC_RX_LENT;
}

TEST(e1000_rx_lent_buffers_come_back_and_the_ring_stays_full)
{
    struct e1k_rig *r = rig_open(NULL);                     /* 32 buffers for 16 descriptors */
    n_kept = 0;
    r->e.nic.fastpath = keep;
    for (int i = 0; i < 17; i++)
        REQUIRE_EQ_INT(arrive(r, 300, (uint8_t)i), 1);
    CHECK_EQ_INT(n_kept, 17);
    CHECK_EQ_INT(kept[0].headroom, NIC_RX_HEADROOM);
    CHECK(kept[0].owner == &r->e.nic);
    CHECK_EQ_INT(e1k_rx_posted(&r->e), 15);                 /* 17 lent, 15 posted: all 32 */
    /* With every buffer out, frames still land in the 15 posted, then the ring is empty. */
    for (int i = 0; i < 15; i++)
        REQUIRE_EQ_INT(arrive(r, 300, (uint8_t)i), 1);
    CHECK_EQ_INT(e1k_rx_posted(&r->e), 0);
    CHECK_EQ_INT(arrive(r, 300, 1), -1);
    for (unsigned i = 0; i < n_kept; i++)
        nic_frame_release(&kept[i]);
    n_kept = 0;
    r->e.nic.fastpath = NULL;
    rig_pass(r);
    CHECK_EQ_INT(e1k_rx_posted(&r->e), 15);
    CHECK_EQ_INT(r->e.n_rx_free, 17);
    CHECK_EQ_INT(arrive(r, 300, 5), 1);
    CHECK_EQ_INT(r->up_frames, 1);
    rig_free(r);
}

static const uint8_t other_mac[6] = {0x52, 0x54, 0x00, 0x99, 0x99, 0x99};
static const uint8_t mdns[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
static const uint8_t other_group[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

static int arrive_to(struct e1k_rig *r, const uint8_t dst[6])
{
    rig_frame(frame, 100, dst, 9);
    int rc = e1km_receive(&r->m, frame, 100);
    rig_pass(r);
    return rc;
}

TEST(e1000_rx_filters_promiscuous_and_multicast_without_needless_rctl_writes)
{
    struct e1k_rig *r = rig_open(NULL);
    CHECK_EQ_INT(r->m.rctl_writes, 1);                      /* open */
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_EQ_INT(arrive_to(r, bcast), 1);
    CHECK_EQ_INT(arrive_to(r, other_mac), 0);
    CHECK_EQ_INT(arrive_to(r, mdns), 0);
    /* A bridge port: every frame. */
    CHECK_EQ_INT(nic_set_promisc(&r->e.nic, true), 0);
    CHECK_EQ_INT(r->m.rctl_writes, 2);
    CHECK_EQ_INT(arrive_to(r, other_mac), 1);
    CHECK_EQ_INT(arrive_to(r, mdns), 1);
    CHECK_EQ_INT(nic_set_promisc(&r->e.nic, false), 0);
    CHECK_EQ_INT(r->m.rctl_writes, 3);
    /* A group joined: its bit in the table, RCTL untouched. */
    CHECK_EQ_INT(nic_mc_join(&r->e.nic, mdns), 0);
    CHECK_EQ_INT(r->m.rctl_writes, 3);
    CHECK_EQ_INT(e1k_mta_hash(mdns), 0xfb0);
    CHECK_EQ_INT(arrive_to(r, mdns), 1);
    CHECK_EQ_INT(arrive_to(r, other_group), 0);
    CHECK_EQ_INT(nic_mc_leave(&r->e.nic, mdns), 0);
    CHECK_EQ_INT(arrive_to(r, mdns), 0);
    CHECK_EQ_INT(r->m.rctl_writes, 3);
    CHECK_EQ_INT(r->up_frames, 4);
    rig_free(r);
}

TEST(e1000_rx_mode_set_while_closed_is_written_once_at_open)
{
    nic_test_reset();
    struct e1k_rig *r = rig_new(NULL);
    REQUIRE_EQ_INT(e1k_setup(&r->e, "Intel test chip"), 0);
    REQUIRE_EQ_INT(nic_register(&r->e.nic), 0);
    CHECK_EQ_INT(nic_set_promisc(&r->e.nic, true), 0);
    CHECK_EQ_INT(nic_set_mtu(&r->e.nic, 9000), 0);
    CHECK_EQ_INT(r->m.rctl_writes, 0);
    REQUIRE_EQ_INT(nic_attach(&r->e.nic, NULL, NULL, r), 0);
    CHECK_EQ_INT(r->m.rctl_writes, 1);
    uint32_t rctl = e1km_reg(&r->m, 0x0100);
    CHECK_EQ_INT(rctl & (0x02 | 0x08 | 0x10 | 0x20 | 0x8000), 0x02 | 0x08 | 0x10 | 0x20 | 0x8000);
    rig_free(r);
}

TEST(e1000_mta_hash_takes_address_bits_47_to_36)
{
    static const uint8_t a[6] = {0x01, 0x00, 0x5e, 0x7f, 0xab, 0xcd};
    CHECK_EQ_INT(e1k_mta_hash(a), 0xcda);
    struct nic_rxmode m = {.n_mc = 1};
    memcpy(m.mc[0], a, 6);
    uint32_t mta[E1K_MTA_WORDS];
    e1k_mta_for(&m, mta);
    CHECK_EQ_INT(mta[0xcda >> 5], 1u << (0xcda & 31));
}
