/* What the switch does with a frame's buffers and offload facts (net/switch.h,
 * BUFFERS): lending to the last port only, GSO frames whole only where they may be
 * taken and cut for everyone else, partial checksums completed for ports that
 * cannot, nothing offloaded leaving tagged, MTUs, re-entry. */
#include "switch_fixture.h"
#include "unit.h"

#include "net/bytes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint8_t A[6], B[6];

static void two_stations(unsigned ports, uint32_t caps)
{
    sfx_mac(A, 1);
    sfx_mac(B, 2);
    sfx_setup(ports, caps, NULL);
    sfx_send(1, SFX_BCAST, B, 0);                   /* B behind port 1 */
    sfx_clear();
}

/* A lendable unicast frame may be taken by its one port; a frame that is not
 * lendable never is. */
TEST(switch_frames_lending)
{
    uint8_t f[128];
    two_stations(3, 0);
    sfx_port[1].take = true;
    uint32_t len = sfx_frame(f, B, A, -1, 46);
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, true, NULL, 1), SWITCH_TAKEN);
    CHECK(sfx_port[1].sent[0].may_take);
    sfx_clear();
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, false, NULL, 1), SWITCH_SENT);
    CHECK(!sfx_port[1].sent[0].may_take);
    sfx_teardown();
}

/* Flooded, only the last port may take the frame; the others copy first. */
TEST(switch_frames_flood_lends_to_the_last_only)
{
    uint8_t f[128];
    two_stations(4, 0);
    for (int i = 0; i < 4; i++)
        sfx_port[i].take = true;
    uint32_t len = sfx_frame(f, SFX_BCAST, A, -1, 46);
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, true, NULL, 1), SWITCH_TAKEN);
    CHECK(!sfx_port[1].sent[0].may_take);
    CHECK(!sfx_port[2].sent[0].may_take);
    CHECK(sfx_port[3].sent[0].may_take);
    sfx_teardown();
}

/* A GSO frame goes whole to a port that takes GSO and may take it. */
TEST(switch_frames_gso_whole_where_taken)
{
    static uint8_t f[70000];
    struct offload o;
    two_stations(2, SWITCH_CAP_GSO_TCP4 | SWITCH_CAP_CSUM);
    sfx_port[1].take = true;
    uint32_t len = sfx_tcp(f, B, A, 60000, true, 1448, &o);
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, true, &o, 1), SWITCH_TAKEN);
    REQUIRE_EQ_INT(sfx_port[1].n_sent, 1);
    CHECK_EQ_INT(sfx_port[1].sent[0].len, len);
    CHECK_EQ_INT(sfx_port[1].sent[0].off.gso_type, OFFLOAD_GSO_TCPV4);
    CHECK_EQ_INT(sfx_sw.port[1].stats.tx_segmented, 0);
    sfx_teardown();
}

static void check_segments(const struct sfx_port *p, unsigned n, int tag, uint32_t payload)
{
    REQUIRE_EQ_INT(p->n_sent, n);
    uint32_t total = 0;
    for (unsigned k = 0; k < n; k++) {
        const struct sfx_sent *s = &p->sent[k];
        CHECK(sfx_tcp_valid(s->b, s->len));
        CHECK_EQ_INT(sfx_tag_of(s), tag);
        CHECK_EQ_INT(s->off.gso_type, OFFLOAD_GSO_NONE);
        CHECK_EQ_INT(s->off.flags & OFFLOAD_NEEDS_CSUM, 0);
        CHECK(!s->may_take);
        total += s->len - (tag >= 0 ? 18 : 14) - 40;
    }
    CHECK_EQ_INT(total, payload);
}

/* Not lendable, or to a port without GSO: cut into finished segments. */
TEST(switch_frames_gso_cut_for_ports_that_cannot_take_it)
{
    static uint8_t f[70000];
    struct offload o;
    two_stations(2, 0);
    uint32_t len = sfx_tcp(f, B, A, 10000, true, 1448, &o);
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, true, &o, 1), SWITCH_SENT);
    check_segments(&sfx_port[1], 7, -1, 10000);
    CHECK_EQ_INT(sfx_sw.port[1].stats.tx_segmented, 1);
    CHECK_EQ_INT(sfx_sw.port[1].stats.tx_frames, 7);
    sfx_teardown();

    two_stations(2, SWITCH_CAP_GSO_TCP4 | SWITCH_CAP_CSUM);
    len = sfx_tcp(f, B, A, 10000, true, 1448, &o);
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, false, &o, 1), SWITCH_SENT);
    check_segments(&sfx_port[1], 7, -1, 10000);
    sfx_teardown();

    /* ECN only where the port takes it. */
    two_stations(2, SWITCH_CAP_GSO_TCP4 | SWITCH_CAP_CSUM);
    sfx_port[1].take = true;
    len = sfx_tcp(f, B, A, 10000, true, 1448, &o);
    o.gso_type |= OFFLOAD_GSO_ECN;
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, true, &o, 1), SWITCH_SENT);
    CHECK_EQ_INT(sfx_port[1].n_sent, 7);
    sfx_teardown();
}

/* A flooded GSO frame: cut for all but the last port, which takes it whole. */
TEST(switch_frames_gso_flood)
{
    static uint8_t f[70000];
    struct offload o;
    sfx_mac(A, 1);
    sfx_mac(B, 2);
    sfx_setup(3, SWITCH_CAP_GSO_TCP4 | SWITCH_CAP_CSUM, NULL);
    sfx_port[2].take = true;
    uint32_t len = sfx_tcp(f, B, A, 5000, true, 1000, &o);
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, true, &o, 1), SWITCH_TAKEN);
    check_segments(&sfx_port[1], 5, -1, 5000);
    REQUIRE_EQ_INT(sfx_port[2].n_sent, 1);
    CHECK_EQ_INT(sfx_port[2].sent[0].off.gso_type, OFFLOAD_GSO_TCPV4);
    sfx_teardown();
}

/* A GSO frame to a trunk that tags it: cut, each segment tagged. */
TEST(switch_frames_gso_to_a_tagged_port_is_cut)
{
    static uint8_t f[70000];
    struct offload o;
    two_stations(2, SWITCH_CAP_GSO_TCP4 | SWITCH_CAP_CSUM);
    sfx_port[1].take = true;
    struct switch_vlan t;
    memset(&t, 0, sizeof t);
    t.mode = SWITCH_TRUNK;
    switch_vid_set(t.tagged, 1);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 1, &t), 0);
    uint32_t len = sfx_tcp(f, SFX_BCAST, A, 3000, true, 1448, &o);
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, true, &o, 1), SWITCH_SENT);
    check_segments(&sfx_port[1], 3, 1, 3000);
    sfx_teardown();
}

/* A partial checksum stays partial for a port that completes it, and is completed
 * for one that does not, or that sends the frame tagged. */
TEST(switch_frames_partial_checksums)
{
    uint8_t f[1600];
    struct offload o;
    two_stations(2, SWITCH_CAP_CSUM);
    uint32_t len = sfx_tcp(f, B, A, 1000, true, 0, &o);
    sfx_in_ex(0, f, len, -1, false, &o, 1);
    REQUIRE_EQ_INT(sfx_port[1].n_sent, 1);
    CHECK_EQ_INT(sfx_port[1].sent[0].off.flags & OFFLOAD_NEEDS_CSUM, OFFLOAD_NEEDS_CSUM);
    CHECK(!sfx_tcp_valid(sfx_port[1].sent[0].b, sfx_port[1].sent[0].len));
    sfx_teardown();

    two_stations(3, 0);
    sfx_port[2].take = true;
    len = sfx_tcp(f, SFX_BCAST, A, 1000, true, 0, &o);
    sfx_in_ex(0, f, len, -1, true, &o, 1);
    for (int p = 1; p <= 2; p++) {
        REQUIRE_EQ_INT(sfx_port[p].n_sent, 1);
        CHECK(sfx_tcp_valid(sfx_port[p].sent[0].b, sfx_port[p].sent[0].len));
        CHECK_EQ_INT(sfx_port[p].sent[0].off.flags & OFFLOAD_NEEDS_CSUM, 0);
    }
    sfx_teardown();

    two_stations(2, SWITCH_CAP_CSUM);
    struct switch_vlan t;
    memset(&t, 0, sizeof t);
    t.mode = SWITCH_TRUNK;
    switch_vid_set(t.tagged, 1);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 1, &t), 0);
    len = sfx_tcp(f, SFX_BCAST, A, 1000, true, 0, &o);
    sfx_in_ex(0, f, len, -1, false, &o, 1);
    REQUIRE_EQ_INT(sfx_port[1].n_sent, 1);
    CHECK_EQ_INT(sfx_tag_of(&sfx_port[1].sent[0]), 1);
    CHECK(sfx_tcp_valid(sfx_port[1].sent[0].b, sfx_port[1].sent[0].len));
    sfx_teardown();
}

/* Offload facts on a tagged frame or on one spread over buffers are not trusted. */
TEST(switch_frames_offload_facts_refused)
{
    uint8_t f[1700];
    struct offload o;
    two_stations(3, SWITCH_CAP_CSUM);
    struct switch_vlan t;
    memset(&t, 0, sizeof t);
    t.mode = SWITCH_TRUNK;
    t.pvid = 1;
    switch_vid_set(t.tagged, 5);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 0, &t), 0);
    uint32_t len = sfx_tcp(f + 4, B, A, 1000, true, 0, &o) + 4;
    memmove(f, f + 4, 12);
    put_be16(f + 12, 0x8100);
    put_be16(f + 14, 5);
    sfx_in_ex(0, f, len, -1, false, &o, 1);
    CHECK_EQ_INT(sfx_sw.port[0].stats.drops[SWITCH_DROP_OFFLOAD], 1);
    len = sfx_tcp(f, B, A, 1000, true, 0, &o);
    struct switch_seg more = {f + 100, len - 100};
    struct switch_frame fr = {.data = f, .len = 100, .n_more = 1, .more = &more, .off = o};
    switch_input(&sfx_sw, 0, &fr, 1);
    CHECK_EQ_INT(sfx_sw.port[0].stats.drops[SWITCH_DROP_OFFLOAD], 2);
    CHECK_EQ_INT(sfx_sent_mask(), 0);
    /* Facts that do not fit the frame: the port gets nothing. */
    len = sfx_tcp(f, SFX_BCAST, A, 1000, true, 1000, &o);
    o.gso_size = 0;
    sfx_in_ex(1, f, len, -1, false, &o, 1);
    CHECK_EQ_INT(sfx_sw.port[2].stats.drops[SWITCH_DROP_OFFLOAD], 1);
    sfx_teardown();
}

/* A frame longer than a port's MTU is not sent there, and is counted there. */
TEST(switch_frames_mtu)
{
    uint8_t f[1600];
    two_stations(3, 0);
    sfx_sw.port[2].mtu = 1000;
    uint32_t len = sfx_frame(f, SFX_BCAST, A, -1, 1001);
    sfx_in(0, f, len, 1);
    CHECK_EQ_INT(sfx_sent_mask(), 0x2);
    CHECK_EQ_INT(sfx_sw.port[2].stats.drops[SWITCH_DROP_MTU], 1);
    len = sfx_frame(f, SFX_BCAST, A, -1, 1000);
    sfx_in(0, f, len, 1);
    CHECK_EQ_INT(sfx_port[2].n_sent, 1);
    /* A tag is not counted against the MTU. */
    struct switch_vlan t;
    memset(&t, 0, sizeof t);
    t.mode = SWITCH_TRUNK;
    switch_vid_set(t.tagged, 1);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 2, &t), 0);
    sfx_in(0, f, len, 1);
    CHECK_EQ_INT(sfx_port[2].n_sent, 2);
    CHECK_EQ_INT(sfx_port[2].sent[1].len, len + 4);
    sfx_teardown();
}

/* A port's transmit may hand a frame back in (lwIP answering ARP from within its
 * input): that works, up to SWITCH_NEST_MAX deep. */
static int reentries;

static void reenter(struct sfx_port *p)
{
    uint8_t f[128], src[6];
    sfx_mac(src, 50 + (unsigned)reentries);
    reentries++;
    uint32_t len = sfx_frame(f, SFX_BCAST, src, -1, 46);
    struct switch_frame fr = {.data = f, .len = len};
    switch_input(&sfx_sw, (unsigned)p->index, &fr, 1);
}

TEST(switch_frames_reentry_bounded)
{
    two_stations(2, 0);
    reentries = 0;
    sfx_port[0].hook = reenter;
    sfx_port[1].hook = reenter;
    sfx_send(0, SFX_BCAST, A, 1);
    /* Depth 1 sends to 1, which re-enters (2), which sends to 0, which re-enters
     * (3), which sends to 1, whose re-entry is one too deep. */
    CHECK_EQ_INT(reentries, SWITCH_NEST_MAX);
    CHECK_EQ_INT(sfx_sw.port[1].stats.drops[SWITCH_DROP_NESTED], 1);
    sfx_teardown();
}

/* Runts and impossible buffer counts. */
TEST(switch_frames_runts)
{
    uint8_t f[64] = {0};
    two_stations(2, 0);
    sfx_mac(f + 6, 1);
    sfx_in(0, f, 0, 1);
    sfx_in(0, f, 13, 1);
    struct switch_seg more[SWITCH_SEGS_MAX + 1];
    for (unsigned i = 0; i <= SWITCH_SEGS_MAX; i++)
        more[i] = (struct switch_seg){f, 1};
    struct switch_frame fr = {.data = f, .len = 14, .n_more = SWITCH_SEGS_MAX + 1, .more = more};
    switch_input(&sfx_sw, 0, &fr, 1);
    CHECK_EQ_INT(sfx_sw.port[0].stats.drops[SWITCH_DROP_RUNT], 3);
    CHECK_EQ_INT(sfx_sent_mask(), 0);
    CHECK_EQ_INT(switch_input(&sfx_sw, 7, &fr, 1), SWITCH_SENT);   /* no such port */
    sfx_teardown();
}
