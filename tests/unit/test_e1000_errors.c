/* Covers drivers/e1000_core.c (link, watchdog, reset) and drivers/e1000_stats.c (the
 * statistics registers as device counters). */
/* The e1000 when things go wrong, against the chip model: link changes by LSC (and
 * without interrupts), the transmit watchdog's ring reset giving lent frames back,
 * a device that stops answering reset and recovered, statistics registers whether
 * they clear on read (the SDM) or keep totals (QEMU), and close returning
 * everything. */
#include "unit.h"
#include "e1000_rig.h"

#include <string.h>

static unsigned recycled;
static void owner_recycle(struct nic *n, void *buf) { recycled++; }
static const struct nic_ops owner_ops = {.rx_recycle = owner_recycle};
static struct nic owner = {.name = "own", .ops = &owner_ops};
static uint8_t bufmem[8][2048];

static void lend_one(struct e1k_rig *r, int i)
{
    uint8_t *f = bufmem[i] + NIC_RX_HEADROOM;
    rig_frame(f, 600, (const uint8_t *)"\x52\x54\x00\x00\x00\x01", (uint8_t)i);
    struct nic_frame fr = {.data = f, .len = 600, .headroom = NIC_RX_HEADROOM, .owner = &owner, .buf = f};
    REQUIRE_EQ_INT(nic_forward_frame(&r->e.nic, &fr), NIC_RX_LENT);
}

static int receive_one(struct e1k_rig *r)
{
    static uint8_t f[200];
    rig_frame(f, sizeof f, rig_mac, 1);
    int rc = e1km_receive(&r->m, f, sizeof f);
    rig_pass(r);
    return rc;
}

TEST(e1000_link_changes_arrive_by_lsc)
{
    struct e1k_rig *r = rig_open(NULL);
    CHECK(r->e.nic.link_up);
    e1km_set_link(&r->m, false);
    CHECK(e1km_irq(&r->m));                          /* LSC is among the causes enabled */
    rig_pass(r);
    CHECK(!r->e.nic.link_up);
    CHECK_EQ_INT(r->e.nic.stats.link_changes, 1);
    CHECK_EQ_INT(r->link_calls, 1);
    e1km_set_link(&r->m, true);
    rig_pass(r);
    CHECK(r->e.nic.link_up);
    CHECK_EQ_INT(r->e.nic.stats.link_changes, 2);
    rig_free(r);
}

TEST(e1000_link_change_is_seen_without_an_interrupt_line)
{
    struct e1k_rig *r = rig_open(NULL);
    r->e.have_irq = false;
    e1km_set_link(&r->m, false);
    r->e.nic.ops->poll(&r->e.nic, 64);               /* the handler never runs */
    CHECK(!r->e.nic.link_up);
    /* With a line, a lost interrupt is made up for within E1K_ICR_POLLS polls. */
    r->e.have_irq = true;
    e1km_set_link(&r->m, true);
    int polls = 0;
    while (!r->e.nic.link_up && polls < 2000) {
        r->e.nic.ops->poll(&r->e.nic, 64);
        polls++;
    }
    CHECK(r->e.nic.link_up);
    CHECK(polls <= 1024);
    rig_free(r);
}

TEST(e1000_watchdog_resets_a_stuck_transmitter_and_gives_lent_frames_back)
{
    struct e1k_rig *r = rig_open(NULL);
    recycled = 0;
    r->m.tx_stalled = true;
    for (int i = 0; i < 3; i++)
        lend_one(r, i);
    rig_pass(r);
    CHECK_EQ_INT(r->m.n_wire, 0);
    nic_tick(1000);
    nic_tick(2000);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RESET], 0);
    nic_tick(3100);                                  /* 2.1 s without a completion */
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RESET], 1);
    CHECK_EQ_INT(recycled, 3);
    CHECK_EQ_INT(e1km_reg(&r->m, 0x3810), 0);        /* TDH */
    CHECK_EQ_INT(e1km_reg(&r->m, 0x3818), 0);        /* TDT */
    CHECK(e1km_reg(&r->m, 0x0400) & 0x2);            /* the transmitter back on */
    /* The device works again: new frames go, the stale ones never do. */
    r->m.tx_stalled = false;
    lend_one(r, 4);
    rig_pass(r);
    rig_pass(r);
    REQUIRE_EQ_INT(r->m.n_wire, 1);
    CHECK_EQ_INT(r->m.wire[0].data[14], (uint8_t)(4 + 14 * 7));
    CHECK_EQ_INT(recycled, 4);
    rig_free(r);
}

TEST(e1000_device_that_stops_answering_is_reset_and_recovered)
{
    struct e1k_rig *r = rig_open(NULL);
    recycled = 0;
    CHECK_EQ_INT(receive_one(r), 1);
    r->m.tx_stalled = true;
    lend_one(r, 0);
    r->m.gone = true;
    /* No interrupt comes from a device that is gone: ICR read now and then tells. */
    for (int i = 0; i < 1100 && !r->e.gone; i++)
        rig_pass(r);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_DEVICE_ERROR], 1);
    CHECK(!r->e.nic.link_up);
    CHECK(r->e.gone);
    CHECK_EQ_INT(recycled, 1);                       /* what it held went home */
    for (int i = 0; i < 3000; i++)
        rig_pass(r);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_DEVICE_ERROR], 1);   /* counted once */
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RESET], 0);
    r->m.gone = false;
    r->m.tx_stalled = false;
    unsigned resets = r->m.resets;
    for (int i = 0; i < 1100 && r->e.gone; i++)
        rig_pass(r);
    CHECK(!r->e.gone);
    CHECK_EQ_INT(r->m.resets, resets + 1);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RESET], 1);
    CHECK(r->e.nic.link_up);
    CHECK_EQ_INT(e1km_reg(&r->m, 0x5400), 0xe1005452u);   /* MAC programmed again */
    CHECK_EQ_INT(receive_one(r), 1);
    CHECK_EQ_INT(r->up_frames, 2);
    lend_one(r, 1);
    rig_pass(r);
    CHECK_EQ_INT(r->m.n_wire, 1);
    rig_free(r);
}

TEST(e1000_tx_timeout_on_a_device_gone_resets_all_of_it)
{
    struct e1k_rig *r = rig_open(NULL);
    recycled = 0;
    r->m.tx_stalled = true;
    lend_one(r, 0);
    r->e.nic.ops->flush(&r->e.nic);
    r->m.gone = true;
    r->e.nic.ops->tx_timeout(&r->e.nic);
    CHECK(r->e.gone);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_DEVICE_ERROR], 1);
    CHECK_EQ_INT(recycled, 1);
    r->m.gone = false;
    r->e.nic.ops->tx_timeout(&r->e.nic);
    CHECK(!r->e.gone);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RESET], 1);
    rig_free(r);
}

static uint64_t counter(struct e1k_rig *r, const char *name)
{
    struct nic_hw_counter hw[NIC_HW_COUNTERS_MAX];
    unsigned n = r->e.nic.ops->hw_counters(&r->e.nic, hw, NIC_HW_COUNTERS_MAX);
    for (unsigned i = 0; i < n; i++)
        if (strcmp(hw[i].name, name) == 0)
            return hw[i].value;
    return ~0ull;
}

static void counters_accumulate(bool qemu_stats)
{
    struct e1k_rig *r = rig_open(NULL);
    r->m.qemu_stats = qemu_stats;
    static uint8_t f[100];
    rig_frame(f, sizeof f, rig_mac, 1);
    for (int i = 0; i < 20; i++)
        e1km_receive(&r->m, f, sizeof f);            /* 15 stored, 5 missed */
    CHECK_EQ_INT(counter(r, "missed"), 5);
    CHECK_EQ_INT(counter(r, "missed"), 5);           /* read again: not added twice */
    CHECK_EQ_INT(counter(r, "good-rx"), 15);
    CHECK_EQ_INT(counter(r, "good-rx"), 15);
    rig_pass(r);
    for (int i = 0; i < 17; i++)
        e1km_receive(&r->m, f, sizeof f);            /* 15 more, 2 missed */
    CHECK_EQ_INT(counter(r, "missed"), 7);
    CHECK_EQ_INT(counter(r, "no-buffer"), 7);
    CHECK_EQ_INT(counter(r, "good-rx"), 30);
    /* Overruns became events once each, however the registers behave. */
    rig_pass(r);
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_RX_OVERRUN], 7);
    CHECK_EQ_INT(r->up_frames, 30);
    rig_free(r);
}

TEST(e1000_counters_accumulate_registers_that_clear_on_read)
{
    counters_accumulate(false);
}

TEST(e1000_counters_accumulate_registers_that_keep_totals_as_qemus_do)
{
    counters_accumulate(true);
}

TEST(e1000_close_stops_both_directions_and_returns_lent_frames)
{
    struct e1k_rig *r = rig_open(NULL);
    recycled = 0;
    r->m.tx_stalled = true;
    lend_one(r, 0);
    lend_one(r, 1);
    rig_pass(r);
    CHECK_EQ_INT(nic_close(&r->e.nic), 0);
    CHECK_EQ_INT(recycled, 2);
    CHECK_EQ_INT(e1km_reg(&r->m, 0x0100) & 0x2, 0);  /* RCTL.EN */
    CHECK_EQ_INT(e1km_reg(&r->m, 0x0400) & 0x2, 0);  /* TCTL.EN */
    CHECK_EQ_INT(e1km_reg(&r->m, 0x00d0), 0);        /* no interrupts */
    CHECK_EQ_INT(r->e.n_rx_free, r->e.n_rxbufs);
    static uint8_t f[100];
    rig_frame(f, sizeof f, rig_mac, 1);
    CHECK_EQ_INT(e1km_receive(&r->m, f, sizeof f), 0);
    /* Open again: receiving and sending as before. */
    r->m.tx_stalled = false;
    REQUIRE_EQ_INT(nic_attach(&r->e.nic, r->e.nic.rx, r->e.nic.link_changed, r), 0);
    CHECK_EQ_INT(receive_one(r), 1);
    CHECK_EQ_INT(r->up_frames, 1);
    lend_one(r, 2);
    rig_pass(r);
    CHECK_EQ_INT(r->m.n_wire, 1);
    rig_free(r);
}
