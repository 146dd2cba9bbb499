/* VXLAN (net/vxlan.h): the RFC 7348 header written and read, reserved bits ignored,
 * the I bit and the VNI required, only configured remotes accepted, lengths
 * bounded; head-end replication to every remote for flooded and unknown frames, to
 * the learned remote for a known unicast MAC; learning aged and bounded. */
#include "unit.h"

#include "net/vxlan.h"

#include <errno.h>
#include <string.h>

#define R1 0x0a000001u              /* 10.0.0.1 */
#define R2 0x0a000002u
#define R3 0x0a000003u

static struct vxlan vx;
static uint8_t dg[VXLAN_HLEN + VXLAN_FRAME_MAX + 8];

/* A datagram: header with flags and vni, a frame dst <- src of len bytes in all. */
static size_t make(uint8_t flags, uint32_t vni, uint8_t src_last, const uint8_t *dst, size_t frame_len)
{
    memset(dg, 0, sizeof dg);
    dg[0] = flags;
    dg[4] = (uint8_t)(vni >> 16);
    dg[5] = (uint8_t)(vni >> 8);
    dg[6] = (uint8_t)vni;
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(dg + 8, dst ? dst : bcast, 6);
    const uint8_t src[6] = {0x02, 0, 0, 0, 0, src_last};
    memcpy(dg + 14, src, 6);
    return VXLAN_HLEN + frame_len;
}

static void init3(void)
{
    const uint32_t r[3] = {R1, R2, R3};
    vxlan_init(&vx, 42, 4789, 4789, r, 3);
}

TEST(vxlan_header_encap)
{
    init3();
    vxlan_init(&vx, 0x123456, 4789, 4789, (const uint32_t[]){R1}, 1);
    static uint8_t a[60], b[20], out[200];
    memset(a, 0xaa, sizeof a);
    memset(b, 0xbb, sizeof b);
    struct switch_seg more[1] = {{b, sizeof b}};
    struct switch_frame f = {.data = a, .len = sizeof a, .more = more, .n_more = 1};
    REQUIRE_EQ_INT(vxlan_encap(&vx, &f, out, sizeof out), 88);
    /* RFC 7348 5: flags 0x08, 24 reserved bits, the VNI, 8 reserved bits. */
    static const uint8_t hdr[8] = {0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0};
    CHECK(memcmp(out, hdr, 8) == 0);
    CHECK(memcmp(out + 8, a, sizeof a) == 0);
    CHECK(memcmp(out + 68, b, sizeof b) == 0);
    CHECK_EQ_INT(vxlan_encap(&vx, &f, out, 87), -EMSGSIZE);
    CHECK_EQ_INT(vxlan_encap(&vx, &f, out, 4), -EMSGSIZE);
    f.off.gso_type = OFFLOAD_GSO_TCPV4;
    CHECK_EQ_INT(vxlan_encap(&vx, &f, out, sizeof out), -EINVAL);
    CHECK_EQ_INT(vx.stats.drops[VXLAN_DROP_TX_OVERSIZE], 2);
    CHECK_EQ_INT(vx.stats.drops[VXLAN_DROP_TX_OFFLOAD], 1);
}

TEST(vxlan_decap_checks)
{
    init3();
    size_t n = make(0x08, 42, 1, NULL, 60);
    CHECK_EQ_INT(vxlan_decap(&vx, R2, dg, n, 0), VXLAN_HLEN);
    CHECK_EQ_INT(vx.stats.rx_datagrams, 1);
    CHECK_EQ_INT(vx.stats.rx_bytes, 60);
    /* Reserved bits set: ignored (RFC 7348 5). */
    n = make(0xff, 42, 1, NULL, 60);
    dg[1] = dg[2] = dg[3] = dg[7] = 0xff;
    CHECK_EQ_INT(vxlan_decap(&vx, R2, dg, n, 0), VXLAN_HLEN);
    /* No I bit, another VNI, a wrong remote (checked first), runts, oversize. */
    n = make(0xf7, 42, 1, NULL, 60);
    CHECK_EQ_INT(vxlan_decap(&vx, R2, dg, n, 0), -EINVAL);
    CHECK_EQ_INT(vx.stats.drops[VXLAN_DROP_FLAGS], 1);
    n = make(0x08, 43, 1, NULL, 60);
    CHECK_EQ_INT(vxlan_decap(&vx, R2, dg, n, 0), -ENOENT);
    n = make(0x08, 42 | 0x1000000u, 1, NULL, 60);
    CHECK_EQ_INT(vxlan_decap(&vx, R2, dg, n, 0), VXLAN_HLEN);
    n = make(0x08, 42 << 8, 1, NULL, 60);
    CHECK_EQ_INT(vxlan_decap(&vx, R2, dg, n, 0), -ENOENT);
    CHECK_EQ_INT(vx.stats.drops[VXLAN_DROP_VNI], 2);
    n = make(0x08, 42, 1, NULL, 60);
    CHECK_EQ_INT(vxlan_decap(&vx, 0x0a000009u, dg, 3, 0), -EPERM);
    CHECK_EQ_INT(vx.stats.drops[VXLAN_DROP_REMOTE], 1);
    CHECK_EQ_INT(vx.stats.last_bad_ip, 0x0a000009u);
    CHECK_EQ_INT(vx.stats.drops[VXLAN_DROP_RUNT], 0);
    CHECK_EQ_INT(vxlan_decap(&vx, R1, dg, VXLAN_HLEN + SWITCH_ETH_HLEN - 1, 0), -EINVAL);
    CHECK_EQ_INT(vxlan_decap(&vx, R1, dg, 0, 0), -EINVAL);
    CHECK_EQ_INT(vx.stats.drops[VXLAN_DROP_RUNT], 2);
    CHECK_EQ_INT(vxlan_decap(&vx, R1, dg, VXLAN_HLEN + SWITCH_ETH_HLEN, 0), VXLAN_HLEN);
    n = make(0x08, 42, 1, NULL, VXLAN_FRAME_MAX);
    CHECK_EQ_INT(vxlan_decap(&vx, R1, dg, n, 0), VXLAN_HLEN);
    CHECK_EQ_INT(vxlan_decap(&vx, R1, dg, n + 1, 0), -EMSGSIZE);
    CHECK_EQ_INT(vx.stats.drops[VXLAN_DROP_OVERSIZE], 1);
    CHECK_EQ_INT(vx.stats.rx_datagrams, 5);
    CHECK_EQ_STR(vxlan_drop_name(VXLAN_DROP_REMOTE), "wrong-remote");
    CHECK_EQ_STR(vxlan_drop_name(VXLAN_DROPS), "?");
}

TEST(vxlan_replication_and_learning)
{
    init3();
    uint32_t to[VXLAN_REMOTES];
    const uint8_t m5[6] = {0x02, 0, 0, 0, 0, 5}, mcast[6] = {0x01, 0, 0x5e, 0, 0, 1};
    const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    /* Unknown unicast, broadcast, multicast: every remote. */
    REQUIRE_EQ_INT(vxlan_targets(&vx, m5, 0, to), 3);
    CHECK(to[0] == R1 && to[1] == R2 && to[2] == R3);
    CHECK_EQ_INT(vxlan_targets(&vx, bcast, 0, to), 3);
    /* m5 seen behind R3: unicast to it goes to R3 alone; flooding stays flooding. */
    size_t n = make(0x08, 42, 5, NULL, 60);
    CHECK_EQ_INT(vxlan_decap(&vx, R3, dg, n, 1000), VXLAN_HLEN);
    REQUIRE_EQ_INT(vxlan_targets(&vx, m5, 1000, to), 1);
    CHECK_EQ_INT(to[0], R3);
    CHECK_EQ_INT(vxlan_targets(&vx, mcast, 1000, to), 3);
    CHECK_EQ_INT(vxlan_targets(&vx, bcast, 1000, to), 3);
    CHECK_EQ_INT(vx.stats.tx_unicast, 1);
    CHECK_EQ_INT(vx.stats.tx_flooded, 4);
    /* It moves behind R1. */
    CHECK_EQ_INT(vxlan_decap(&vx, R1, dg, n, 2000), VXLAN_HLEN);
    REQUIRE_EQ_INT(vxlan_targets(&vx, m5, 2000, to), 1);
    CHECK_EQ_INT(to[0], R1);
    CHECK_EQ_INT(vxlan_vtep_count(&vx, 2000), 1);
    /* A multicast source is not learned. */
    n = make(0x08, 42, 7, NULL, 60);
    dg[14] = 0x03;
    CHECK_EQ_INT(vxlan_decap(&vx, R2, dg, n, 2000), VXLAN_HLEN);
    CHECK_EQ_INT(vxlan_vtep_count(&vx, 2000), 1);
    /* Aged: flooded again. */
    CHECK_EQ_INT(vxlan_targets(&vx, m5, 2000 + VXLAN_AGING_MS - 1, to), 1);
    CHECK_EQ_INT(vxlan_targets(&vx, m5, 2000 + VXLAN_AGING_MS, to), 3);
    CHECK_EQ_INT(vxlan_vtep_count(&vx, 2000 + VXLAN_AGING_MS), 0);
}

TEST(vxlan_learning_bounded)
{
    init3();
    uint32_t to[VXLAN_REMOTES];
    /* One more MAC than the table holds, each a millisecond later: the first
     * (oldest) gives way, the rest stay. */
    for (unsigned i = 0; i <= VXLAN_VTEPS; i++) {
        size_t n = make(0x08, 42, (uint8_t)i, NULL, 60);
        CHECK_EQ_INT(vxlan_decap(&vx, R2, dg, n, 10 + i), VXLAN_HLEN);
    }
    CHECK_EQ_INT(vxlan_vtep_count(&vx, 100), VXLAN_VTEPS);
    CHECK_EQ_INT(vx.stats.vtep_evictions, 1);
    const uint8_t m0[6] = {0x02, 0, 0, 0, 0, 0}, m1[6] = {0x02, 0, 0, 0, 0, 1};
    const uint8_t mlast[6] = {0x02, 0, 0, 0, 0, VXLAN_VTEPS};
    CHECK_EQ_INT(vxlan_targets(&vx, m0, 100, to), 3);
    CHECK_EQ_INT(vxlan_targets(&vx, m1, 100, to), 1);
    CHECK_EQ_INT(vxlan_targets(&vx, mlast, 100, to), 1);
    /* Across the millisecond counter's wrap. */
    init3();
    size_t n = make(0x08, 42, 9, NULL, 60);
    CHECK_EQ_INT(vxlan_decap(&vx, R1, dg, n, 0xfffffff0u), VXLAN_HLEN);
    const uint8_t m9[6] = {0x02, 0, 0, 0, 0, 9};
    CHECK_EQ_INT(vxlan_targets(&vx, m9, 0x10, to), 1);
}
