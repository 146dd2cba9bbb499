/* The learning switch (net/switch.h): learning, flooding, never back out of the
 * ingress port, aging at its boundary, the FDB's bounds and refusal policy, MAC
 * moves, endpoint ports, counters. */
#include "switch_fixture.h"
#include "unit.h"

#include "arch/cc.h"

#include <errno.h>

#define S(x) ((uint32_t)(x) * 1000u)

static uint8_t A[6], B[6], C[6], D[6];

static void macs(void)
{
    sfx_mac(A, 1);
    sfx_mac(B, 2);
    sfx_mac(C, 3);
    sfx_mac(D, 4);
}

/* An unknown destination floods to every other port; once the destination has
 * spoken, its frames go only where it was learned. */
TEST(switch_learns_and_stops_flooding)
{
    macs();
    sfx_setup(4, 0, NULL);
    CHECK_EQ_INT(sfx_send(0, B, A, 0), SWITCH_SENT);
    CHECK_EQ_INT(sfx_sent_mask(), 0xe);                     /* 1, 2, 3; never 0 */
    CHECK_EQ_INT(sfx_sw.stats.flooded_unknown, 1);
    CHECK_EQ_INT(sfx_sw.port[0].stats.rx_flooded, 1);
    CHECK_EQ_INT(sfx_sw.port[1].stats.tx_flooded, 1);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, 0), 0);
    sfx_clear();
    sfx_send(1, A, B, 10);                                  /* B answers A: known */
    CHECK_EQ_INT(sfx_sent_mask(), 0x1);
    REQUIRE_EQ_INT(sfx_port[0].n_sent, 1);
    CHECK_EQ_INT(sfx_port[0].sent[0].len, 60);
    CHECK_EQ_INT(sfx_sw.stats.unicast, 1);
    sfx_clear();
    sfx_send(0, B, A, 20);
    CHECK_EQ_INT(sfx_sent_mask(), 0x2);
    CHECK_EQ_INT(switch_fdb_foreach(&sfx_sw, 20, NULL, NULL), 2);
    CHECK_EQ_INT(sfx_sw.port[0].stats.rx_frames, 2);
    CHECK_EQ_INT(sfx_sw.port[0].stats.rx_bytes, 120);
    CHECK_EQ_INT(sfx_sw.port[1].stats.tx_frames, 2);
    CHECK_EQ_INT(sfx_sw.port[1].stats.tx_bytes, 120);
    sfx_teardown();
}

/* Broadcast and multicast go to every other port, known or not. */
TEST(switch_floods_broadcast_and_multicast)
{
    static const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    macs();
    sfx_setup(3, 0, NULL);
    sfx_send(1, A, B, 0);
    sfx_send(0, B, A, 0);
    sfx_clear();
    sfx_send(0, SFX_BCAST, A, 1);
    CHECK_EQ_INT(sfx_sent_mask(), 0x6);
    sfx_clear();
    sfx_send(2, mc, C, 1);
    CHECK_EQ_INT(sfx_sent_mask(), 0x3);
    CHECK_EQ_INT(sfx_sw.stats.flooded_broadcast, 1);
    CHECK_EQ_INT(sfx_sw.stats.flooded_multicast, 1);
    sfx_teardown();
}

/* A destination learned on the ingress port is on the segment the frame came
 * from: nothing is sent, and the drop is counted. */
TEST(switch_never_sends_back_out_of_the_ingress_port)
{
    macs();
    sfx_setup(3, 0, NULL);
    sfx_send(0, SFX_BCAST, B, 0);                           /* B behind port 0 */
    sfx_clear();
    sfx_send(0, B, A, 1);                                   /* A, also behind port 0 */
    CHECK_EQ_INT(sfx_sent_mask(), 0);
    CHECK_EQ_INT(sfx_sw.port[0].stats.drops[SWITCH_DROP_SAME_PORT], 1);
    sfx_teardown();
}

/* 802.1Q's default ageing, 300 s, exactly: alive at 300 s less 1 ms after the last
 * frame, gone at 300 s, whether or not switch_expire ran; a frame refreshes. */
TEST(switch_aging_at_the_boundary)
{
    macs();
    sfx_setup(3, 0, NULL);
    CHECK_EQ_INT(sfx_sw.aging_ms, S(300));
    sfx_send(1, SFX_BCAST, B, S(10));
    sfx_send(1, SFX_BCAST, B, S(20));                       /* refreshed at 20 s */
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, B, S(320) - 1), 1);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, B, S(320)), -1);
    CHECK_EQ_INT(sfx_sw.fdb_count, 0);                      /* found expired: removed */
    CHECK_EQ_INT(sfx_sw.stats.expired, 1);

    /* By the sweep. */
    sfx_send(1, SFX_BCAST, B, S(400));
    switch_expire(&sfx_sw, S(700) - 1);
    CHECK_EQ_INT(sfx_sw.fdb_count, 1);
    switch_expire(&sfx_sw, S(700));
    CHECK_EQ_INT(sfx_sw.fdb_count, 0);
    CHECK_EQ_INT(sfx_sw.port[1].fdb_count, 0);

    /* A frame to an aged-out station floods again. */
    sfx_send(1, SFX_BCAST, B, S(800));
    sfx_clear();
    sfx_send(0, B, A, S(1100));
    CHECK_EQ_INT(sfx_sent_mask(), 0x6);
    sfx_teardown();
}

/* The aging time is settable, within limits, and applies to what is learned. */
TEST(switch_aging_settable)
{
    macs();
    struct switch_limits lim = {0, 0, S(10)};
    sfx_setup(2, 0, &lim);
    sfx_send(0, SFX_BCAST, A, 0);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, S(10) - 1), 0);
    CHECK_EQ_INT(switch_set_aging(&sfx_sw, S(60)), 0);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, S(59)), 0);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, S(60)), -1);
    CHECK_EQ_INT(switch_set_aging(&sfx_sw, 999), -EINVAL);
    CHECK_EQ_INT(switch_set_aging(&sfx_sw, SWITCH_AGING_MAX_MS + 1), -EINVAL);
    sfx_teardown();
}

/* The clock may wrap: ages are differences. */
TEST(switch_aging_across_clock_wrap)
{
    macs();
    sfx_setup(2, 0, NULL);
    sfx_send(0, SFX_BCAST, A, 0xffffffffu - S(100));
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, S(199)), 0);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, S(200)), -1);
    sfx_teardown();
}

/* Limits are checked when the switch is made. */
TEST(switch_init_checks_limits)
{
    struct eth_switch sw;
    struct switch_limits bad[] = {
        {SWITCH_FDB_MIN - 1, 0, 0}, {SWITCH_FDB_LIMIT + 1, 0, 0}, {64, 65, 0},
        {0, 0, SWITCH_AGING_MIN_MS - 1}, {0, 0, SWITCH_AGING_MAX_MS + 1},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(switch_init(&sw, "x", &bad[i], vmgate_random32_cb, NULL), -EINVAL);
    REQUIRE_EQ_INT(switch_init(&sw, "x", NULL, vmgate_random32_cb, NULL), 0);
    CHECK_EQ_INT(sw.fdb_max, SWITCH_FDB_DEFAULT);
    CHECK_EQ_INT(sw.port_fdb_max, SWITCH_PORT_FDB_DEFAULT);
    CHECK_EQ_INT(sw.aging_ms, SWITCH_AGING_DEFAULT_MS);
    switch_free(&sw);
}

/* A port at its limit learns no more: the new sources' frames are still forwarded
 * (flooded, being unknown), frames to them flood, the refusal is counted; the other
 * ports still learn, so their stations stay unicast. */
TEST(switch_port_limit_refuses_new_macs)
{
    macs();
    struct switch_limits lim = {64, 4, 0};
    sfx_setup(3, 0, &lim);
    uint8_t m[6];
    for (unsigned i = 0; i < 10; i++) {
        sfx_mac(m, 100 + i);
        sfx_send(0, SFX_BCAST, m, i);
    }
    CHECK_EQ_INT(sfx_sw.port[0].fdb_count, 4);
    CHECK_EQ_INT(sfx_sw.port[0].stats.refused, 6);
    CHECK_EQ_INT(sfx_sw.stats.refused_port, 6);
    CHECK_EQ_INT(sfx_sw.port[0].stats.learned, 4);
    /* The first four stay; the refused ones are unknown. */
    sfx_mac(m, 100);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, m, 20), 0);
    sfx_mac(m, 109);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, m, 20), -1);
    sfx_clear();
    sfx_send(1, m, B, 21);
    CHECK_EQ_INT(sfx_sent_mask(), 0x5);                     /* flooded */
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, B, 21), 1);  /* port 1 still learns */
    sfx_clear();
    sfx_send(0, B, m, 22);                                  /* refused source, known dst */
    CHECK_EQ_INT(sfx_sent_mask(), 0x2);
    sfx_teardown();
}

/* The whole table full: refusal, counted on the switch; aging frees slots. */
TEST(switch_table_full_refuses_until_aged)
{
    macs();
    struct switch_limits lim = {16, 16, S(30)};
    sfx_setup(4, 0, &lim);
    uint8_t m[6];
    for (unsigned i = 0; i < 16; i++) {
        sfx_mac(m, 200 + i);
        sfx_send(i % 3, SFX_BCAST, m, 0);
    }
    REQUIRE_EQ_INT(sfx_sw.fdb_count, 16);           /* no chain of 9 among 16 keys */
    sfx_send(3, SFX_BCAST, D, S(1));
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, D, S(1)), -1);
    CHECK_EQ_INT(sfx_sw.stats.refused_full, 1);
    CHECK_EQ_INT(sfx_sw.port[3].stats.refused, 1);
    CHECK_EQ_INT(sfx_sw.fdb_count, 16);
    sfx_clear();
    sfx_send(0, D, A, S(2));                        /* to the refused one: flooded */
    CHECK_EQ_INT(sfx_sent_mask(), 0xe);
    /* Thirty seconds on the old ones are expired; their slots are free once the
     * sweep has run (or a learning walk met them in its own chain). */
    switch_expire(&sfx_sw, S(30));
    CHECK_EQ_INT(sfx_sw.fdb_count, 0);
    sfx_send(3, SFX_BCAST, D, S(30));
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, D, S(30)), 3);
    CHECK_EQ_INT(sfx_sw.fdb_count, 1);
    sfx_teardown();
}

/* Flooding random sources from one port (MAC flooding) cannot take the others'
 * entries: their unicast still goes only where it belongs. */
TEST(switch_mac_flood_from_one_port_keeps_others_unicast)
{
    macs();
    sfx_setup(3, 0, NULL);
    sfx_send(1, SFX_BCAST, B, 0);
    sfx_send(2, SFX_BCAST, C, 0);
    uint8_t m[6];
    for (unsigned i = 0; i < 5000; i++) {
        sfx_mac(m, 1000 + i);
        sfx_send(0, SFX_BCAST, m, 1);
    }
    CHECK_EQ_INT(sfx_sw.port[0].fdb_count, SWITCH_PORT_FDB_DEFAULT);
    CHECK(sfx_sw.fdb_count <= SWITCH_FDB_DEFAULT);
    sfx_clear();
    sfx_send(1, C, B, 2);
    CHECK_EQ_INT(sfx_sent_mask(), 0x4);
    sfx_teardown();
}

/* A MAC seen on another port moves there, counted; frames follow it. */
TEST(switch_mac_moves)
{
    macs();
    sfx_setup(3, 0, NULL);
    sfx_send(0, SFX_BCAST, A, 0);
    sfx_send(2, SFX_BCAST, A, 1);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, 1), 2);
    CHECK_EQ_INT(sfx_sw.stats.moved, 1);
    CHECK_EQ_INT(sfx_sw.port[2].stats.moved_in, 1);
    CHECK_EQ_INT(sfx_sw.port[0].fdb_count, 0);
    CHECK_EQ_INT(sfx_sw.port[2].fdb_count, 1);
    CHECK_EQ_INT(sfx_sw.fdb_count, 1);
    sfx_clear();
    sfx_send(1, A, B, 2);
    CHECK_EQ_INT(sfx_sent_mask(), 0x4);
    sfx_teardown();
}

/* A move to a port at its limit removes the entry: kept, it would send the MAC's
 * frames to the port it left. */
TEST(switch_mac_move_to_a_full_port_forgets_it)
{
    macs();
    struct switch_limits lim = {64, 1, 0};
    sfx_setup(3, 0, &lim);
    sfx_send(0, SFX_BCAST, A, 0);
    sfx_send(2, SFX_BCAST, C, 0);                           /* port 2 now full */
    sfx_send(2, SFX_BCAST, A, 1);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, 1), -1);
    CHECK_EQ_INT(sfx_sw.port[0].fdb_count, 0);
    CHECK_EQ_INT(sfx_sw.port[2].stats.refused, 1);
    CHECK_EQ_INT(sfx_sw.stats.moved, 1);
    sfx_clear();
    sfx_send(1, A, B, 2);
    CHECK_EQ_INT(sfx_sent_mask(), 0x5);                     /* unknown: flooded */
    sfx_teardown();
}

/* Chains are bounded: keys whose buckets are full are refused, not walked. With a
 * 16-entry table of 16 buckets, 16 keys leave some chains empty, so some were
 * placed; no chain is ever longer than SWITCH_CHAIN_MAX. */
TEST(switch_chains_bounded)
{
    struct switch_limits lim = {16, 16, 0};
    sfx_setup(2, 0, &lim);
    uint8_t m[6];
    for (unsigned i = 0; i < 2000; i++) {
        sfx_mac(m, 3000 + i);
        sfx_send(0, SFX_BCAST, m, 0);
        switch_expire(&sfx_sw, 0);
    }
    for (uint32_t b = 0; b <= sfx_sw.mask; b++) {
        unsigned n = 0;
        for (uint32_t i = sfx_sw.bucket[b]; i != UINT32_MAX; i = sfx_sw.fdb[i].next)
            n++;
        CHECK(n <= SWITCH_CHAIN_MAX);
    }
    CHECK_EQ_INT(sfx_sw.fdb_count, 16);
    sfx_teardown();
}

/* Sources no station sends from are dropped before anything learns them. */
TEST(switch_drops_bad_sources)
{
    static const uint8_t zero[6] = {0};
    static const uint8_t mc[6] = {0x01, 0, 0x5e, 0, 0, 1};
    macs();
    sfx_setup(2, 0, NULL);
    sfx_send(0, B, mc, 0);
    sfx_send(0, B, SFX_BCAST, 0);
    sfx_send(0, B, zero, 0);
    CHECK_EQ_INT(sfx_sw.port[0].stats.drops[SWITCH_DROP_SRC_MAC], 3);
    CHECK_EQ_INT(sfx_sent_mask(), 0);
    CHECK_EQ_INT(sfx_sw.fdb_count, 0);
    sfx_teardown();
}

/* The IEEE's link-local group is learned from but never forwarded. */
TEST(switch_does_not_forward_link_local)
{
    static const uint8_t stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0};
    static const uint8_t lldp[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e};
    static const uint8_t not_ll[6] = {0x01, 0x80, 0xc2, 0, 0, 0x10};
    macs();
    sfx_setup(2, 0, NULL);
    sfx_send(0, stp, A, 0);
    sfx_send(0, lldp, A, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0);
    CHECK_EQ_INT(sfx_sw.port[0].stats.drops[SWITCH_DROP_LINK_LOCAL], 2);
    sfx_send(0, not_ll, A, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x2);
    sfx_teardown();
}

/* An endpoint port (vmgate's router) gets unicast for its own MAC without
 * learning, broadcasts, but never unknown unicast; nobody else may claim its MAC. */
TEST(switch_endpoint_port)
{
    static const uint8_t R[6] = {0x02, 0x52, 0x54, 0, 0, 0x99};
    macs();
    sfx_setup(2, 0, NULL);
    int r = sfx_add_endpoint(R, 0);
    REQUIRE_EQ_INT(r, 2);
    sfx_send(0, R, A, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x4);
    sfx_clear();
    sfx_send(0, B, A, 0);                                   /* unknown unicast */
    CHECK_EQ_INT(sfx_sent_mask(), 0x2);
    sfx_clear();
    sfx_send(0, SFX_BCAST, A, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x6);
    sfx_clear();
    sfx_send(2, A, R, 0);                                   /* from the router: known A */
    CHECK_EQ_INT(sfx_sent_mask(), 0x1);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, R, 0), -1);  /* never learned */
    sfx_clear();
    sfx_send(1, A, R, 0);                                   /* port 1 claims R */
    CHECK_EQ_INT(sfx_sent_mask(), 0);
    CHECK_EQ_INT(sfx_sw.port[1].stats.drops[SWITCH_DROP_SRC_OWN], 1);
    /* A second endpoint with the same MAC, or a multicast one, is refused. */
    struct switch_port_conf c = {"x", sfx_sw.port[0].transmit, NULL, 0, 0, R};
    CHECK_EQ_INT(switch_add_port(&sfx_sw, &c), -EINVAL);
    c.mac = SFX_BCAST;
    CHECK_EQ_INT(switch_add_port(&sfx_sw, &c), -EINVAL);
    sfx_teardown();
}

/* A port that is down gets nothing and forgets what it learned; frames from it are
 * dropped. */
TEST(switch_port_down)
{
    macs();
    sfx_setup(3, 0, NULL);
    sfx_send(1, SFX_BCAST, B, 0);
    switch_port_set_up(&sfx_sw, 1, false);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, B, 0), -1);
    CHECK_EQ_INT(sfx_sw.stats.flushed, 1);
    sfx_clear();
    sfx_send(0, SFX_BCAST, A, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x4);
    sfx_send(1, SFX_BCAST, B, 0);
    CHECK_EQ_INT(sfx_sw.port[1].stats.drops[SWITCH_DROP_PORT_DOWN], 1);
    switch_port_set_up(&sfx_sw, 1, true);
    sfx_clear();
    sfx_send(0, SFX_BCAST, A, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x6);
    sfx_teardown();
}

/* A transmit that fails is counted on its port; the others still get the frame. */
TEST(switch_counts_transmit_failures)
{
    macs();
    sfx_setup(3, 0, NULL);
    sfx_port[1].fail = -ENOBUFS;
    sfx_send(0, SFX_BCAST, A, 0);
    CHECK_EQ_INT(sfx_sw.port[1].stats.drops[SWITCH_DROP_TX], 1);
    CHECK_EQ_INT(sfx_sw.port[1].stats.tx_frames, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x4);
    sfx_teardown();
}

/* At most SWITCH_PORTS_MAX ports. */
TEST(switch_port_count_bounded)
{
    struct eth_switch sw;
    REQUIRE_EQ_INT(switch_init(&sw, "x", NULL, vmgate_random32_cb, NULL), 0);
    struct switch_port_conf c = {"p", sfx_sw.port[0].transmit, NULL, 0, 0, NULL};
    c.transmit = NULL;
    CHECK_EQ_INT(switch_add_port(&sw, &c), -EINVAL);
    sfx_setup(1, 0, NULL);
    c.transmit = sfx_sw.port[0].transmit;
    for (int i = 0; i < SWITCH_PORTS_MAX; i++)
        CHECK_EQ_INT(switch_add_port(&sw, &c), i);
    CHECK_EQ_INT(switch_add_port(&sw, &c), -ENOSPC);
    switch_free(&sw);
    sfx_teardown();
}
