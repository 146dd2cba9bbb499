/* 802.1Q VLANs on the switch (net/switch.h, VLANS): access and trunk ports, tags
 * pushed, popped and rewritten as each port needs, no frame ever leaving its VLAN,
 * malformed and foreign tags dropped and counted. */
#include "switch_fixture.h"
#include "unit.h"

#include "net/bytes.h"

#include <errno.h>
#include <string.h>

static uint8_t A[6], B[6], C[6];

static struct switch_vlan access(uint16_t vid)
{
    struct switch_vlan v;
    memset(&v, 0, sizeof v);
    v.mode = SWITCH_ACCESS;
    v.pvid = vid;
    return v;
}

/* A trunk carrying a and b tagged (0: none) with native VLAN native (0: none). */
static struct switch_vlan trunk(uint16_t a, uint16_t b, uint16_t native)
{
    struct switch_vlan v;
    memset(&v, 0, sizeof v);
    v.mode = SWITCH_TRUNK;
    v.pvid = native;
    if (a)
        switch_vid_set(v.tagged, a);
    if (b)
        switch_vid_set(v.tagged, b);
    return v;
}

/* Ports: 0 and 1 access 10, 2 access 20, 3 trunk 10,20 native 1, 4 access 1. */
static void lab(void)
{
    sfx_mac(A, 1);
    sfx_mac(B, 2);
    sfx_mac(C, 3);
    sfx_setup(5, 0, NULL);
    struct switch_vlan v10 = access(10), v20 = access(20), t = trunk(10, 20, 1);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 0, &v10), 0);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 1, &v10), 0);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 2, &v20), 0);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 3, &t), 0);
}

/* A broadcast stays in its VLAN: from VLAN 10's access port to the other one
 * untagged and to the trunk tagged 10; nothing reaches VLAN 20 or VLAN 1. */
TEST(switch_vlan_access_isolation_and_trunk_tagging)
{
    uint8_t f[128];
    lab();
    uint32_t len = sfx_frame(f, SFX_BCAST, A, -1, 46);
    sfx_in(0, f, len, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x0a);
    REQUIRE_EQ_INT(sfx_port[1].n_sent, 1);
    CHECK_EQ_INT(sfx_port[1].sent[0].len, len);
    CHECK_MEM(sfx_port[1].sent[0].b, f, len);
    REQUIRE_EQ_INT(sfx_port[3].n_sent, 1);
    CHECK_EQ_INT(sfx_port[3].sent[0].len, len + 4);
    CHECK_EQ_INT(sfx_tag_of(&sfx_port[3].sent[0]), 10);
    uint8_t want[132];
    uint32_t wlen = sfx_frame(want, SFX_BCAST, A, 10, 46);
    CHECK_MEM(sfx_port[3].sent[0].b, want, wlen);
    sfx_clear();
    len = sfx_frame(f, SFX_BCAST, C, -1, 46);
    sfx_in(2, f, len, 0);                                   /* VLAN 20 */
    CHECK_EQ_INT(sfx_sent_mask(), 0x08);
    CHECK_EQ_INT(sfx_tag_of(&sfx_port[3].sent[0]), 20);
    sfx_teardown();
}

/* Unicast across VLANs never happens, even to a MAC learned in another VLAN: the
 * FDB is per VLAN, so the frame is unknown in its own and floods there only. */
TEST(switch_vlan_unicast_never_crosses)
{
    uint8_t f[128];
    lab();
    sfx_send(2, SFX_BCAST, B, 0);                           /* B learned in VLAN 20 */
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 20, B, 0), 2);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 10, B, 0), -1);
    sfx_clear();
    uint32_t len = sfx_frame(f, B, A, -1, 46);
    sfx_in(0, f, len, 1);                                   /* A in VLAN 10 to B */
    CHECK_EQ_INT(sfx_sent_mask(), 0x0a);
    CHECK_EQ_INT(sfx_tag_of(&sfx_port[3].sent[0]), 10);
    sfx_teardown();
}

/* The same MAC in two VLANs is two stations (independent learning). */
TEST(switch_vlan_same_mac_in_two_vlans)
{
    uint8_t f[132];
    lab();
    sfx_send(0, SFX_BCAST, A, 0);                           /* A in VLAN 10 on 0 */
    uint32_t len = sfx_frame(f, SFX_BCAST, A, 20, 46);
    sfx_in(3, f, len, 0);                                   /* A in VLAN 20 on the trunk */
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 10, A, 0), 0);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 20, A, 0), 3);
    CHECK_EQ_INT(sfx_sw.stats.moved, 0);
    sfx_clear();
    sfx_send(2, A, C, 1);                                   /* VLAN 20: to the trunk */
    CHECK_EQ_INT(sfx_sent_mask(), 0x08);
    CHECK_EQ_INT(sfx_tag_of(&sfx_port[3].sent[0]), 20);
    sfx_clear();
    sfx_send(1, A, B, 1);                                   /* VLAN 10: to port 0 */
    CHECK_EQ_INT(sfx_sent_mask(), 0x01);
    sfx_teardown();
}

/* From the trunk: a tagged frame leaves the access ports of its VLAN untagged, as
 * the frame without its tag; untagged ones belong to the native VLAN. */
TEST(switch_vlan_trunk_ingress_pops_tags)
{
    uint8_t f[132], want[128];
    lab();
    uint32_t len = sfx_frame(f, SFX_BCAST, C, 20, 46);
    sfx_in(3, f, len, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x04);
    uint32_t wlen = sfx_frame(want, SFX_BCAST, C, -1, 46);
    REQUIRE_EQ_INT(sfx_port[2].sent[0].len, wlen);
    CHECK_MEM(sfx_port[2].sent[0].b, want, wlen);
    sfx_clear();
    len = sfx_frame(f, SFX_BCAST, C, -1, 46);
    sfx_in(3, f, len, 0);                                   /* native: VLAN 1 */
    CHECK_EQ_INT(sfx_sent_mask(), 0x10);
    CHECK_EQ_INT(sfx_tag_of(&sfx_port[4].sent[0]), -1);
    sfx_clear();
    len = sfx_frame(f, SFX_BCAST, C, 1, 46);                /* native, tagged: accepted */
    sfx_in(3, f, len, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x10);
    CHECK_EQ_INT(sfx_port[4].sent[0].len, wlen);
    sfx_teardown();
}

/* One frame to ports needing different forms: each gets its own. */
TEST(switch_vlan_trunk_to_trunk_keeps_the_priority)
{
    uint8_t f[132];
    lab();
    struct switch_vlan t2 = trunk(10, 30, 0);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 4, &t2), 0);
    uint32_t len = sfx_frame(f, SFX_BCAST, C, 0xa000 | 10, 46);      /* PCP 5 */
    sfx_in(3, f, len, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x13);
    REQUIRE_EQ_INT(sfx_port[4].n_sent, 1);
    CHECK_EQ_INT(get_be16(sfx_port[4].sent[0].b + 14), 0xa000 | 10);
    CHECK_EQ_INT(sfx_port[0].sent[0].len, len - 4);
    CHECK_EQ_INT(sfx_port[1].sent[0].len, len - 4);
    sfx_teardown();
}

/* Frames a port may not carry are dropped and counted: a tagged frame on an access
 * port, a tag the trunk does not carry, an untagged frame on a trunk without a
 * native VLAN. */
TEST(switch_vlan_foreign_frames_dropped)
{
    uint8_t f[132];
    lab();
    uint32_t len = sfx_frame(f, SFX_BCAST, A, 20, 46);
    sfx_in(0, f, len, 0);
    len = sfx_frame(f, SFX_BCAST, A, 10, 46);               /* even its own VLAN */
    sfx_in(0, f, len, 0);
    CHECK_EQ_INT(sfx_sw.port[0].stats.drops[SWITCH_DROP_NOT_MEMBER], 2);
    len = sfx_frame(f, SFX_BCAST, C, 30, 46);
    sfx_in(3, f, len, 0);
    CHECK_EQ_INT(sfx_sw.port[3].stats.drops[SWITCH_DROP_NOT_MEMBER], 1);
    struct switch_vlan t = trunk(10, 20, 0);
    REQUIRE_EQ_INT(switch_set_vlan(&sfx_sw, 3, &t), 0);
    len = sfx_frame(f, SFX_BCAST, C, -1, 46);
    sfx_in(3, f, len, 0);
    CHECK_EQ_INT(sfx_sw.port[3].stats.drops[SWITCH_DROP_UNTAGGED], 1);
    CHECK_EQ_INT(sfx_sent_mask(), 0);
    CHECK_EQ_INT(sfx_sw.fdb_count, 0);                      /* nothing learned from them */
    sfx_teardown();
}

/* A priority tag (VLAN 0) belongs to the port's VLAN: on an access port the frame
 * is taken and leaves the others untagged, or tagged with its VLAN (the priority
 * kept) where a trunk carries it. */
TEST(switch_vlan_priority_tag)
{
    uint8_t f[132], want[128];
    lab();
    uint32_t len = sfx_frame(f, SFX_BCAST, A, 0x6000, 46);  /* PCP 3, VLAN 0 */
    sfx_in(0, f, len, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x0a);
    uint32_t wlen = sfx_frame(want, SFX_BCAST, A, -1, 46);
    CHECK_EQ_INT(sfx_port[1].sent[0].len, wlen);
    CHECK_MEM(sfx_port[1].sent[0].b, want, wlen);
    CHECK_EQ_INT(get_be16(sfx_port[3].sent[0].b + 14), 0x6000 | 10);
    sfx_teardown();
}

/* VLAN ID 4095 and a tag cut short are malformed. */
TEST(switch_vlan_malformed_tags)
{
    uint8_t f[132];
    lab();
    uint32_t len = sfx_frame(f, SFX_BCAST, C, 0x0fff, 46);
    sfx_in(3, f, len, 0);
    sfx_in(3, f, 16, 0);                                    /* TPID and half a TCI */
    sfx_in(3, f, 17, 0);
    CHECK_EQ_INT(sfx_sw.port[3].stats.drops[SWITCH_DROP_BAD_TAG], 3);
    sfx_in(3, f, 13, 0);
    CHECK_EQ_INT(sfx_sw.port[3].stats.drops[SWITCH_DROP_RUNT], 1);
    len = sfx_frame(f, SFX_BCAST, C, 20, 46);
    sfx_in(3, f, 18, 0);                                    /* a bare tag is whole */
    CHECK_EQ_INT(sfx_sw.port[3].stats.drops[SWITCH_DROP_BAD_TAG], 3);
    CHECK_EQ_INT(sfx_sent_mask(), 0x04);
    sfx_teardown();
}

/* 802.1ad (0x88a8) outside is not our tag: the frame is switched untagged, the
 * bytes untouched; with 0x8100 twice only the outer one is the switch's. */
TEST(switch_vlan_double_tags)
{
    uint8_t f[140];
    lab();
    uint32_t len = sfx_frame(f, SFX_BCAST, A, -1, 46);
    put_be16(f + 12, 0x88a8);
    sfx_in(0, f, len, 0);
    REQUIRE_EQ_INT(sfx_port[1].n_sent, 1);
    CHECK_MEM(sfx_port[1].sent[0].b, f, len);
    sfx_clear();
    /* 0x8100 20, then 0x8100 77 inside: to VLAN 20's access port with the inner tag. */
    len = sfx_frame(f, SFX_BCAST, C, 77, 46);
    memmove(f + 16, f + 12, len - 12);
    put_be16(f + 12, 0x8100);
    put_be16(f + 14, 20);
    len += 4;
    sfx_in(3, f, len, 0);
    CHECK_EQ_INT(sfx_sent_mask(), 0x04);
    CHECK_EQ_INT(sfx_tag_of(&sfx_port[2].sent[0]), 77);
    CHECK_EQ_INT(sfx_port[2].sent[0].len, len - 4);
    sfx_teardown();
}

/* With no headroom the tag goes into a copy of the frame; a lendable frame then
 * cannot be lent (the bytes are not the caller's any more). */
TEST(switch_vlan_push_without_headroom)
{
    uint8_t f[128], want[132];
    lab();
    sfx_port[3].take = true;
    uint32_t len = sfx_frame(f, SFX_BCAST, C, -1, 46);
    CHECK_EQ_INT(sfx_in_ex(2, f, len, 0, true, NULL, 0), SWITCH_SENT);
    REQUIRE_EQ_INT(sfx_port[3].n_sent, 1);
    CHECK(!sfx_port[3].sent[0].may_take);
    uint32_t wlen = sfx_frame(want, SFX_BCAST, C, 20, 46);
    CHECK_EQ_INT(sfx_port[3].sent[0].len, wlen);
    CHECK_MEM(sfx_port[3].sent[0].b, want, wlen);
    /* With headroom the frame is tagged in place and lent. */
    sfx_clear();
    CHECK_EQ_INT(sfx_in_ex(2, f, len, 4, true, NULL, 1), SWITCH_TAKEN);
    CHECK(sfx_port[3].sent[0].may_take);
    CHECK_MEM(sfx_port[3].sent[0].b, want, wlen);
    sfx_teardown();
}

/* A frame spread over buffers keeps its further buffers when its tag is pushed or
 * popped (only the first holds the header). */
TEST(switch_vlan_frames_over_several_buffers)
{
    uint8_t f[1600], head[64 + 16], want[1604];
    lab();
    uint32_t len = sfx_frame(f, SFX_BCAST, C, 20, 1000);
    memcpy(head + 16, f, 64);
    struct switch_seg more[2] = {{f + 64, 500}, {f + 564, len - 564}};
    struct switch_frame fr = {.data = head + 16, .len = 64, .headroom = 16, .n_more = 2, .more = more};
    CHECK_EQ_INT(switch_input(&sfx_sw, 3, &fr, 0), SWITCH_SENT);
    REQUIRE_EQ_INT(sfx_port[2].n_sent, 1);
    uint32_t wlen = sfx_frame(want, SFX_BCAST, C, -1, 1000);
    REQUIRE_EQ_INT(sfx_port[2].sent[0].len, wlen);
    CHECK_MEM(sfx_port[2].sent[0].b, want, wlen);
    sfx_teardown();
}

/* switch_set_vlan refuses what struct switch_vlan does not allow. */
TEST(switch_vlan_set_checks)
{
    lab();
    struct switch_vlan v = access(0);
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 0, &v), -EINVAL);
    v = access(4095);
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 0, &v), -EINVAL);
    v = trunk(0, 0, 0);
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 0, &v), -EINVAL);
    v = trunk(10, 0, 10);
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 0, &v), -EINVAL);
    v = trunk(10, 0, 4095);
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 0, &v), -EINVAL);
    v = trunk(10, 0, 0);
    switch_vid_set(v.tagged, 4095);
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 0, &v), -EINVAL);
    v = trunk(0, 0, 7);                                     /* native only: fine */
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 0, &v), 0);
    v = access(10);
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 99, &v), -EINVAL);
    /* A port's entries go when its VLANs change. */
    sfx_send(1, SFX_BCAST, B, 0);
    CHECK_EQ_INT(sfx_sw.port[1].fdb_count, 1);
    v = access(30);
    CHECK_EQ_INT(switch_set_vlan(&sfx_sw, 1, &v), 0);
    CHECK_EQ_INT(sfx_sw.port[1].fdb_count, 0);
    sfx_teardown();
}

TEST(switch_vlan_format)
{
    char buf[64];
    struct switch_vlan v = access(10);
    switch_vlan_format(&v, buf, sizeof buf);
    CHECK_EQ_STR(buf, "access 10");
    v = trunk(10, 0, 1);
    for (unsigned i = 20; i <= 22; i++)
        switch_vid_set(v.tagged, i);
    switch_vid_set(v.tagged, 4094);
    switch_vlan_format(&v, buf, sizeof buf);
    CHECK_EQ_STR(buf, "trunk 10,20-22,4094 native 1");
    v = trunk(0, 0, 5);
    switch_vlan_format(&v, buf, sizeof buf);
    CHECK_EQ_STR(buf, "trunk native 5");
    v = trunk(10, 0, 1);
    CHECK_EQ_INT(switch_vlan_format(&v, buf, 8), (int)strlen("trunk 10 native 1"));
    CHECK_EQ_STR(buf, "trunk 1");
}
