/* Router solicitations and advertisements (net/ndp_ra.h): a solicitation that
 * QEMU's iPXE ROM sent (captured in the lab) parses and is answered with an
 * advertisement whose every field and checksum are checked against a checksum
 * written out separately (ref_csum.h); each rule of RFC 4861 6.1.1 drops a frame
 * that breaks it; truncation at every length is refused; the answer's delay, one
 * answer per solicitor, multicast spacing, the table and the token bucket. */
#include "unit.h"
#include "ref_csum.h"

#include "net/bytes.h"
#include "net/ndp_ra.h"

#include <string.h>

/* vmgate's MAC on the network, and its link-local address by modified EUI-64. */
static const uint8_t SELF[6] = {0x52, 0x54, 0x00, 0xc8, 0xdd, 0x61};
static const uint8_t SELF_LL[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0,
                                    0x50, 0x54, 0x00, 0xff, 0xfe, 0xc8, 0xdd, 0x61};

/* QEMU 7.2's pxe-virtio.rom (iPXE 1.0.0+git-20190125) at MAC 52:54:00:e9:2e:54:
 * to ff02::2 from fe80::5054:ff:fee9:2e54, hop limit 255, with its SLLAO, as the
 * lab's filter-dump recorded it. Its checksum (0x7c0b) is iPXE's. */
static const uint8_t IPXE_RS[70] = {
    0x33, 0x33, 0x00, 0x00, 0x00, 0x02, 0x52, 0x54, 0x00, 0xe9, 0x2e, 0x54, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff,
    0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x54, 0x00, 0xff, 0xfe, 0xe9, 0x2e, 0x54,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x85, 0x00, 0x7c, 0x0b, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x01, 0x52, 0x54, 0x00, 0xe9, 0x2e, 0x54,
};
static const uint8_t IPXE_MAC[6] = {0x52, 0x54, 0x00, 0xe9, 0x2e, 0x54};

/* The ICMPv6 checksum of the message in an Ethernet frame (the IPv6 header at 14),
 * by the reference sum: 0 when the stored one is right. */
static uint16_t ref_icmp6(const uint8_t *frame)
{
    uint8_t buf[600];
    size_t plen = get_be16(frame + 18);
    memcpy(buf, frame + 22, 32);                  /* source, destination */
    put_be32(buf + 32, (uint32_t)plen);
    buf[36] = buf[37] = buf[38] = 0;
    buf[39] = 58;
    memcpy(buf + 40, frame + 54, plen);
    return ref_csum(buf, 40 + plen);
}

/* Stores a correct checksum in the frame's ICMPv6 message (after an edit). */
static void fix_csum(uint8_t *frame)
{
    put_be16(frame + 56, 0);
    put_be16(frame + 56, ref_icmp6(frame));
}

/* A solicitation from mac at ip (NULL: ::), with or without an SLLAO, to ff02::2. */
static size_t make_rs(uint8_t *f, const uint8_t *mac, const uint8_t *ip, bool sllao)
{
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    memcpy(f + 6, mac, 6);
    if (ip)
        memcpy(f + 22, ip, 16);
    else
        memset(f + 22, 0, 16);
    memcpy(f + 64, mac, 6);
    size_t len = sizeof IPXE_RS;
    if (!sllao) {
        put_be16(f + 18, 8);
        len -= 8;
    }
    fix_csum(f);
    return len;
}

static enum ndp_rs_result parse(const uint8_t *f, size_t len)
{
    struct ndp_rs rs;
    return ndp_rs_parse(f, len, SELF, &rs);
}

TEST(ndp_rs_from_ipxe_parses)
{
    CHECK_EQ_INT(ref_icmp6(IPXE_RS), 0);
    struct ndp_rs rs;
    REQUIRE_EQ_INT(ndp_rs_parse(IPXE_RS, sizeof IPXE_RS, SELF, &rs), NDP_RS_OK);
    CHECK_MEM(rs.src_mac, IPXE_MAC, 6);
    CHECK_MEM(rs.src_ip, IPXE_RS + 22, 16);
    CHECK(!rs.unspecified);
    /* Link padding after the message is allowed. */
    uint8_t f[100] = {0};
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    CHECK_EQ_INT(parse(f, sizeof f), NDP_RS_OK);
}

TEST(ndp_link_local_is_modified_eui64)
{
    uint8_t ll[16];
    ndp_link_local(SELF, ll);
    CHECK_MEM(ll, SELF_LL, 16);
    /* iPXE's own address for its MAC, as it sent it. */
    ndp_link_local(IPXE_MAC, ll);
    CHECK_MEM(ll, IPXE_RS + 22, 16);
}

TEST(ndp_ra_is_a_router_of_lifetime_zero_with_no_prefix)
{
    uint8_t f[NDP_RA_FRAME_LEN + 4];
    CHECK_EQ_INT(ndp_ra_build(f, NDP_RA_FRAME_LEN - 1, SELF, IPXE_MAC, IPXE_RS + 22), 0);
    REQUIRE_EQ_INT(ndp_ra_build(f, sizeof f, SELF, IPXE_MAC, IPXE_RS + 22), NDP_RA_FRAME_LEN);
    CHECK_MEM(f, IPXE_MAC, 6);
    CHECK_MEM(f + 6, SELF, 6);
    CHECK_EQ_INT(get_be16(f + 12), 0x86dd);
    CHECK_EQ_INT(get_be32(f + 14), 0x60000000u);  /* version 6, class 0, no flow label */
    CHECK_EQ_INT(get_be16(f + 18), 24);           /* RA header 16 + SLLAO 8 */
    CHECK_EQ_INT(f[20], 58);
    CHECK_EQ_INT(f[21], 255);
    CHECK_MEM(f + 22, SELF_LL, 16);
    CHECK_MEM(f + 38, IPXE_RS + 22, 16);
    const uint8_t *ra = f + 54;
    CHECK_EQ_INT(ra[0], 134);
    CHECK_EQ_INT(ra[1], 0);
    CHECK_EQ_INT(ref_icmp6(f), 0);
    CHECK_EQ_INT(ra[4], 0);                       /* cur hop limit: unspecified */
    CHECK_EQ_INT(ra[5], 0);                       /* M = 0, O = 0 */
    CHECK_EQ_INT(get_be16(ra + 6), 0);            /* router lifetime: not a default router */
    CHECK_EQ_INT(get_be32(ra + 8), 0);            /* reachable time */
    CHECK_EQ_INT(get_be32(ra + 12), 0);           /* retransmission timer */
    CHECK_EQ_INT(ra[16], 1);                      /* SLLAO, 8 bytes, vmgate's MAC */
    CHECK_EQ_INT(ra[17], 1);
    CHECK_MEM(ra + 18, SELF, 6);
}

TEST(ndp_rs_truncated_at_every_length_is_refused)
{
    for (size_t len = 0; len < sizeof IPXE_RS; len++) {
        enum ndp_rs_result r = parse(IPXE_RS, len);
        if (r == NDP_RS_OK) {
            CHECK(!"a truncated solicitation was taken");
            break;
        }
        if (len >= 14)
            CHECK_EQ_INT(r, NDP_RS_TRUNCATED);
    }
    /* A payload length beyond the frame. */
    uint8_t f[80];
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    put_be16(f + 18, 17);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_TRUNCATED);
    /* A payload too short for the ICMPv6 header (4 bytes, type 133). */
    put_be16(f + 18, 4);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_TRUNCATED);
}

TEST(ndp_rs_breaking_a_rule_is_dropped_by_reason)
{
    uint8_t f[NDP_RS_MAX_FRAME + 8];
    /* Hop limit 254: it came through a router. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[21] = 254;
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_HOP_LIMIT);
    /* One bit off anywhere in the message or the addresses: the checksum. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[60] ^= 0x01;
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_BAD_CHECKSUM);
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[37] ^= 0x80;
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_BAD_CHECKSUM);
    /* Code 1, with a right checksum. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[55] = 1;
    fix_csum(f);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_BAD_HEADER);
    /* IP version 4 in an IPv6 frame. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[14] = 0x40;
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_BAD_HEADER);
    /* An option of length 0, and one that runs past the message. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[63] = 0;
    fix_csum(f);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_BAD_OPTION);
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[63] = 2;
    fix_csum(f);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_BAD_OPTION);
    /* An SLLAO of 16 bytes (Ethernet's is 8). */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    memset(f + 70, 0, 8);
    put_be16(f + 18, 24);
    f[63] = 2;
    fix_csum(f);
    CHECK_EQ_INT(parse(f, 78), NDP_RS_BAD_OPTION);
    /* An unknown option of 8 bytes is skipped. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    memcpy(f + 70, "\x20\x01\x00\x00\x00\x00\x00\x00", 8);
    put_be16(f + 18, 24);
    fix_csum(f);
    CHECK_EQ_INT(parse(f, 78), NDP_RS_OK);
    /* From :: with an SLLAO: not allowed (RFC 4861 4.1); without one, fine. */
    size_t len = make_rs(f, IPXE_MAC, NULL, true);
    CHECK_EQ_INT(parse(f, len), NDP_RS_BAD_OPTION);
    len = make_rs(f, IPXE_MAC, NULL, false);
    CHECK_EQ_INT(parse(f, len), NDP_RS_OK);
    /* A multicast source address, a multicast source MAC. */
    static const uint8_t mcast_ip[16] = {0xff, 0x02, [15] = 1};
    len = make_rs(f, IPXE_MAC, mcast_ip, false);
    CHECK_EQ_INT(parse(f, len), NDP_RS_BAD_SOURCE);
    static const uint8_t mcast_mac[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
    len = make_rs(f, mcast_mac, IPXE_RS + 22, false);
    CHECK_EQ_INT(parse(f, len), NDP_RS_BAD_SOURCE);
    /* Longer than any solicitation. */
    memset(f, 0, sizeof f);
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    CHECK_EQ_INT(parse(f, NDP_RS_MAX_FRAME + 1), NDP_RS_TOO_LONG);
    CHECK_EQ_INT(parse(f, NDP_RS_MAX_FRAME), NDP_RS_OK);
}

TEST(ndp_rs_not_for_this_router_is_other)
{
    uint8_t f[80];
    /* To ff02::2 but not at its MAC. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[5] = 0x01;
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_OTHER);
    /* To vmgate's link-local at vmgate's MAC: a unicast solicitation, taken. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    memcpy(f, SELF, 6);
    memcpy(f + 38, SELF_LL, 16);
    fix_csum(f);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_OK);
    /* To another link-local address. */
    f[53] ^= 1;
    fix_csum(f);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_OTHER);
    /* A neighbour solicitation (135), UDP, another ethertype. */
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[54] = 135;
    fix_csum(f);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_OTHER);
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    f[20] = 17;
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_OTHER);
    memcpy(f, IPXE_RS, sizeof IPXE_RS);
    put_be16(f + 12, 0x0800);
    CHECK_EQ_INT(parse(f, sizeof IPXE_RS), NDP_RS_NOT_IPV6);
}

TEST(ndp_ra_answers_the_solicitor_after_a_random_delay)
{
    struct ndp_ra_net n;
    ndp_ra_init(&n, SELF, 1000);
    uint8_t out[NDP_RA_FRAME_LEN];
    CHECK_EQ_INT(ndp_ra_next_due(&n, 1000), -1);
    CHECK_EQ_INT(ndp_ra_input(&n, IPXE_RS, sizeof IPXE_RS, 1000, 123), NDP_RS_OK);
    CHECK_EQ_INT(ndp_ra_next_due(&n, 1000), 123);
    CHECK_EQ_INT(ndp_ra_take_due(&n, 1122, out, sizeof out), 0);
    /* iPXE asks again 0.25 s later: the one answer stands, its delay from the first. */
    CHECK_EQ_INT(ndp_ra_input(&n, IPXE_RS, sizeof IPXE_RS, 1100, 0), NDP_RS_OK);
    CHECK_EQ_INT(n.stats.coalesced, 1);
    CHECK_EQ_INT(ndp_ra_next_due(&n, 1100), 23);
    REQUIRE_EQ_INT(ndp_ra_take_due(&n, 1123, out, sizeof out), NDP_RA_FRAME_LEN);
    CHECK_MEM(out, IPXE_MAC, 6);                   /* unicast, to the solicitor */
    CHECK_MEM(out + 38, IPXE_RS + 22, 16);
    CHECK_EQ_INT(ref_icmp6(out), 0);
    CHECK_EQ_INT(ndp_ra_take_due(&n, 1123, out, sizeof out), 0);
    CHECK_EQ_INT(ndp_ra_next_due(&n, 1123), -1);
    CHECK_EQ_INT(n.stats.answered, 1);
    CHECK_EQ_INT(n.stats.frames[NDP_RS_OK], 2);
    /* The delay is at most MAX_RA_DELAY_TIME, whatever the random number. */
    CHECK_EQ_INT(ndp_ra_input(&n, IPXE_RS, sizeof IPXE_RS, 2000, 0xffffffffu), NDP_RS_OK);
    int32_t d = ndp_ra_next_due(&n, 2000);
    CHECK(d >= 0 && d <= NDP_RA_MAX_DELAY_MS);
    /* A dropped frame is counted and schedules nothing more. */
    uint8_t bad[80];
    memcpy(bad, IPXE_RS, sizeof IPXE_RS);
    bad[21] = 1;
    CHECK_EQ_INT(ndp_ra_input(&n, bad, sizeof IPXE_RS, 2000, 0), NDP_RS_HOP_LIMIT);
    CHECK_EQ_INT(n.stats.frames[NDP_RS_HOP_LIMIT], 1);
    CHECK_EQ_INT(ndp_ra_next_due(&n, 2000), d);
}

TEST(ndp_ra_to_solicitors_without_address_goes_to_all_nodes_3s_apart)
{
    struct ndp_ra_net n;
    ndp_ra_init(&n, SELF, 0);
    uint8_t f[80], out[NDP_RA_FRAME_LEN];
    static const uint8_t other[6] = {0x52, 0x54, 0, 1, 2, 3};
    size_t len = make_rs(f, IPXE_MAC, NULL, false);
    CHECK_EQ_INT(ndp_ra_input(&n, f, len, 100, 50), NDP_RS_OK);
    /* Another host from :: shares the all-nodes answer. */
    size_t len2 = make_rs(f + 0, other, NULL, false);
    CHECK_EQ_INT(ndp_ra_input(&n, f, len2, 120, 0), NDP_RS_OK);
    CHECK_EQ_INT(n.stats.coalesced, 1);
    REQUIRE_EQ_INT(ndp_ra_take_due(&n, 150, out, sizeof out), NDP_RA_FRAME_LEN);
    static const uint8_t mac_all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
    static const uint8_t ip_all_nodes[16] = {0xff, 0x02, [15] = 1};
    CHECK_MEM(out, mac_all_nodes, 6);
    CHECK_MEM(out + 38, ip_all_nodes, 16);
    CHECK_EQ_INT(ref_icmp6(out), 0);
    /* The next multicast one waits until 3 s after that one. */
    CHECK_EQ_INT(ndp_ra_input(&n, f, len2, 1000, 0), NDP_RS_OK);
    CHECK_EQ_INT(ndp_ra_next_due(&n, 1000), 2150);
    CHECK_EQ_INT(ndp_ra_take_due(&n, 3149, out, sizeof out), 0);
    CHECK_EQ_INT(ndp_ra_take_due(&n, 3150, out, sizeof out), NDP_RA_FRAME_LEN);
    /* A unicast answer is not held back by the multicast spacing. */
    CHECK_EQ_INT(ndp_ra_input(&n, IPXE_RS, sizeof IPXE_RS, 3200, 0), NDP_RS_OK);
    CHECK_EQ_INT(ndp_ra_take_due(&n, 3200, out, sizeof out), NDP_RA_FRAME_LEN);
    (void)len;
}

/* A solicitation from host number i (its own MAC and link-local address). */
static size_t rs_from(uint8_t *f, unsigned i)
{
    uint8_t mac[6] = {0x52, 0x54, 0x00, 0x77, (uint8_t)(i >> 8), (uint8_t)i}, ip[16];
    ndp_link_local(mac, ip);
    return make_rs(f, mac, ip, true);
}

TEST(ndp_ra_table_and_bucket_bound_the_answers)
{
    struct ndp_ra_net n;
    ndp_ra_init(&n, SELF, 0);
    uint8_t f[80], out[NDP_RA_FRAME_LEN];
    /* Eight solicitors waiting fill the table; the ninth is dropped. */
    for (unsigned i = 0; i < NDP_RA_PENDING; i++)
        CHECK_EQ_INT(ndp_ra_input(&n, f, rs_from(f, i), 0, 400), NDP_RS_OK);
    CHECK_EQ_INT(ndp_ra_input(&n, f, rs_from(f, 100), 0, 400), NDP_RS_OK);
    CHECK_EQ_INT(n.stats.table_full, 1);
    unsigned sent = 0;
    while (ndp_ra_take_due(&n, 400, out, sizeof out))
        sent++;
    CHECK_EQ_INT(sent, NDP_RA_PENDING);
    /* Eight went at t = 0 and the bucket gives one more per 250 ms: by 400, one. */
    CHECK_EQ_INT(ndp_ra_input(&n, f, rs_from(f, 200), 400, 0), NDP_RS_OK);
    CHECK_EQ_INT(ndp_ra_take_due(&n, 400, out, sizeof out), NDP_RA_FRAME_LEN);
    CHECK_EQ_INT(ndp_ra_input(&n, f, rs_from(f, 201), 450, 0), NDP_RS_OK);
    CHECK_EQ_INT(n.stats.rate_limited, 1);
    CHECK_EQ_INT(ndp_ra_input(&n, f, rs_from(f, 202), 499, 0), NDP_RS_OK);
    CHECK_EQ_INT(n.stats.rate_limited, 2);
    CHECK_EQ_INT(ndp_ra_next_due(&n, 499), -1);
    CHECK_EQ_INT(ndp_ra_input(&n, f, rs_from(f, 203), 500, 0), NDP_RS_OK);
    CHECK_EQ_INT(n.stats.rate_limited, 2);
    CHECK_EQ_INT(ndp_ra_take_due(&n, 500, out, sizeof out), NDP_RA_FRAME_LEN);
    /* After a quiet while the bucket is full again, and no fuller. */
    while (ndp_ra_take_due(&n, 100000, out, sizeof out))
        ;
    unsigned ok = 0;
    for (unsigned i = 0; i < NDP_RA_BURST + 2; i++) {
        ndp_ra_input(&n, f, rs_from(f, 300 + i), 100000, 0);
        ok += ndp_ra_take_due(&n, 100000, out, sizeof out) != 0;
    }
    CHECK_EQ_INT(ok, NDP_RA_BURST);
}

TEST(ndp_ra_clock_wraps)
{
    struct ndp_ra_net n;
    uint32_t t = 0xffffff00u;
    ndp_ra_init(&n, SELF, t);
    uint8_t out[NDP_RA_FRAME_LEN];
    CHECK_EQ_INT(ndp_ra_input(&n, IPXE_RS, sizeof IPXE_RS, t, 500), NDP_RS_OK);
    CHECK_EQ_INT(ndp_ra_next_due(&n, t), 500);
    CHECK_EQ_INT(ndp_ra_take_due(&n, t + 499, out, sizeof out), 0);
    CHECK_EQ_INT(ndp_ra_take_due(&n, t + 500, out, sizeof out), NDP_RA_FRAME_LEN);
    CHECK_EQ_INT(ndp_ra_next_due(&n, t + 500), -1);
}
