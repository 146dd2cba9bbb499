/* Software checksum completion and TCP segmentation (net/offload.c). */
#include "unit.h"
#include "net/offload.h"
#include "net/bytes.h"
#include "net/csum.h"
#include "ref_csum.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ETH 14

/* An Ethernet + IPv4 + TCP (20-byte header) frame with `payload` bytes of a pattern,
 * correct checksums, and the given TCP flags. Returns its length. */
static size_t build_tcp4(uint8_t *f, size_t payload, uint8_t flags)
{
    memset(f, 0, ETH);
    f[0] = 0x52; f[6] = 0x54;
    put_be16(f + 12, 0x0800);
    uint8_t *ip = f + ETH;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(20 + 20 + payload));
    put_be16(ip + 4, 0x1234);
    put_be16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    put_be32(ip + 12, 0x0a00020f);
    put_be32(ip + 16, 0xc0a83c01);
    put_be16(ip + 10, csum_finish(csum_partial(0, ip, 20)));
    uint8_t *tcp = ip + 20;
    memset(tcp, 0, 20);
    put_be16(tcp, 40000);
    put_be16(tcp + 2, 80);
    put_be32(tcp + 4, 0xfffff000);           /* wraps during a long segment run */
    put_be32(tcp + 8, 1);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put_be16(tcp + 14, 65535);
    for (size_t i = 0; i < payload; i++)
        tcp[20 + i] = (uint8_t)(i * 7 + 3);
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0; pseudo[9] = 6;
    put_be16(pseudo + 10, (uint16_t)(20 + payload));
    uint32_t sum = csum_partial(0, pseudo, 12);
    put_be16(tcp + 16, csum_finish(csum_partial(sum, tcp, 20 + payload)));
    return ETH + 40 + payload;
}

/* Checked with ref_csum.c's plain loop, not the engine's csum_partial. */
static int tcp4_valid(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + ETH, *tcp = ip + 20;
    if (ref_csum(ip, 20) != 0)
        return 0;
    return ref_csum_pseudo(get_be32(ip + 12), get_be32(ip + 16), 6, tcp, len - ETH - 20) == 0;
}

TEST(offload_csum_complete_restores_a_full_checksum)
{
    uint8_t f[1600], want[1600];
    size_t len = build_tcp4(f, 1000, 0x18);
    memcpy(want, f, len);
    /* What a sender with checksum offload hands over: the pseudo-header sum only. */
    uint8_t *ip = f + ETH;
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0; pseudo[9] = 6;
    put_be16(pseudo + 10, 1020);
    put_be16(ip + 20 + 16, csum_fold(csum_partial(0, pseudo, 12)));
    struct offload o = { .flags = OFFLOAD_NEEDS_CSUM, .csum_start = ETH + 20, .csum_offset = 16 };
    CHECK_EQ_INT(offload_csum_complete(f, len, &o), 0);
    CHECK_MEM(f, want, len);
}

TEST(offload_csum_complete_refuses_offsets_outside_the_frame)
{
    uint8_t f[100];
    size_t len = build_tcp4(f, 10, 0);
    struct offload o = { .csum_start = (uint16_t)len, .csum_offset = 0 };
    CHECK_EQ_INT(offload_csum_complete(f, len, &o), -EINVAL);
    o.csum_start = (uint16_t)(len - 1);
    CHECK_EQ_INT(offload_csum_complete(f, len, &o), -EINVAL);
    o.csum_start = ETH + 20;
    o.csum_offset = 0xffff;
    CHECK_EQ_INT(offload_csum_complete(f, len, &o), -EINVAL);
}

struct collected {
    uint8_t data[70000];
    size_t payload;
    int count;
    int bad;
    uint32_t first_seq;
};

static int collect(void *ctx, uint8_t *seg, size_t len)
{
    struct collected *c = ctx;
    const uint8_t *ip = seg + ETH, *tcp = ip + 20;
    if (!tcp4_valid(seg, len) || get_be16(ip + 2) != len - ETH)
        c->bad++;
    if (get_be16(ip + 4) != (uint16_t)(0x1234 + c->count))
        c->bad++;
    if (get_be32(tcp + 4) != c->first_seq + (uint32_t)c->payload)
        c->bad++;
    memcpy(c->data + c->payload, tcp + 20, len - ETH - 40);
    c->payload += len - ETH - 40;
    c->count++;
    return 0;
}

TEST(offload_tcp4_segment_cuts_a_gso_frame_into_valid_segments)
{
    static uint8_t f[70000], out[2000];
    static struct collected c;
    memset(&c, 0, sizeof c);
    size_t payload = 60000;
    size_t len = build_tcp4(f, payload, 0x80 | 0x18 | 0x01);   /* CWR PSH ACK FIN */
    c.first_seq = 0xfffff000;
    struct offload o = { .flags = OFFLOAD_NEEDS_CSUM, .gso_type = OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN,
                         .hdr_len = ETH + 40, .gso_size = 1448, .csum_start = ETH + 20, .csum_offset = 16 };
    CHECK_EQ_INT(offload_tcp4_segment(f, len, &o, out, sizeof out, collect, &c), 0);
    CHECK_EQ_INT(c.count, (int)((payload + 1447) / 1448));
    CHECK_EQ_INT(c.bad, 0);
    CHECK_EQ_INT(c.payload, payload);
    CHECK_MEM(c.data, f + ETH + 40, payload);
}

static int flags_of_segments(void *ctx, uint8_t *seg, size_t len)
{
    uint8_t *flags = ctx;
    flags[flags[0] + 1] = seg[ETH + 20 + 13];
    flags[0]++;
    return 0;
}

TEST(offload_tcp4_segment_keeps_fin_psh_for_the_last_and_cwr_for_the_first)
{
    uint8_t f[5000], out[2000], flags[8] = {0};
    size_t len = build_tcp4(f, 3000, 0x80 | 0x10 | 0x08 | 0x01);
    struct offload o = { .gso_type = OFFLOAD_GSO_TCPV4, .gso_size = 1000 };
    CHECK_EQ_INT(offload_tcp4_segment(f, len, &o, out, sizeof out, flags_of_segments, flags), 0);
    CHECK_EQ_INT(flags[0], 3);
    CHECK_EQ_INT(flags[1], 0x80 | 0x10);
    CHECK_EQ_INT(flags[2], 0x10);
    CHECK_EQ_INT(flags[3], 0x10 | 0x08 | 0x01);
}

static int stop_at_second(void *ctx, uint8_t *seg, size_t len)
{
    int *n = ctx;
    return ++*n == 2 ? -ENOBUFS : 0;
}

TEST(offload_tcp4_segment_stops_when_emit_fails)
{
    uint8_t f[5000], out[2000];
    int n = 0;
    size_t len = build_tcp4(f, 4000, 0x10);
    struct offload o = { .gso_type = OFFLOAD_GSO_TCPV4, .gso_size = 1000 };
    CHECK_EQ_INT(offload_tcp4_segment(f, len, &o, out, sizeof out, stop_at_second, &n), -ENOBUFS);
    CHECK_EQ_INT(n, 2);
}

static int count_only(void *ctx, uint8_t *seg, size_t len)
{
    (*(int *)ctx)++;
    return 0;
}

TEST(offload_tcp4_segment_refuses_what_it_cannot_cut)
{
    uint8_t f[3000], out[2000];
    int n = 0;
    size_t len = build_tcp4(f, 2000, 0x10);
    struct offload o = { .gso_type = OFFLOAD_GSO_TCPV4, .gso_size = 1000 };
    CHECK_EQ_INT(offload_tcp4_segment(f, len, &o, out, 500, count_only, &n), -EINVAL);
    o.gso_size = 0;
    CHECK_EQ_INT(offload_tcp4_segment(f, len, &o, out, sizeof out, count_only, &n), -EINVAL);
    o.gso_size = 1000;
    f[ETH + 9] = 17;                            /* not TCP */
    CHECK_EQ_INT(offload_tcp4_segment(f, len, &o, out, sizeof out, count_only, &n), -EINVAL);
    f[ETH + 9] = 6;
    f[ETH + 20 + 12] = 0xf0;                    /* TCP header longer than the frame */
    CHECK_EQ_INT(offload_tcp4_segment(f, 80, &o, out, sizeof out, count_only, &n), -EINVAL);
    put_be16(f + 12, 0x86dd);
    CHECK_EQ_INT(offload_tcp4_segment(f, len, &o, out, sizeof out, count_only, &n), -EINVAL);
    CHECK_EQ_INT(n, 0);
}

TEST(offload_never_reads_past_a_truncated_frame)
{
    uint8_t f[3000], out[3000];
    size_t full = build_tcp4(f, 2500, 0x18);
    struct offload o = { .flags = OFFLOAD_NEEDS_CSUM, .gso_type = OFFLOAD_GSO_TCPV4, .gso_size = 700,
                         .csum_start = ETH + 20, .csum_offset = 16 };
    for (size_t len = 0; len <= full; len++) {
        /* A heap copy of exactly len bytes, so ASan sees any read beyond it. */
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, f, len);
        int n = 0;
        offload_tcp4_segment(copy, len, &o, out, sizeof out, count_only, &n);
        offload_csum_complete(copy, len, &o);
        free(copy);
    }
    CHECK(1);
}

/* --- offload_rx_check: a guest's offload facts against its frame ------------------- */

static const struct offload_limits lim_tso = {.mtu = 1500, .gso_tcp4 = 1, .gso_ecn = 1};

/* A TCP frame as a guest with checksum offload hands it over: the TCP checksum
 * field holds the folded pseudo-header sum, csum_start/offset point at it. */
static size_t build_partial_tcp4(uint8_t *f, size_t payload, struct offload *o)
{
    size_t len = build_tcp4(f, payload, 0x10);
    uint8_t pseudo[12];
    memcpy(pseudo, f + ETH + 12, 8);
    pseudo[8] = 0; pseudo[9] = 6;
    put_be16(pseudo + 10, (uint16_t)(20 + payload));
    put_be16(f + ETH + 20 + 16, csum_fold(csum_partial(0, pseudo, 12)));
    *o = (struct offload){.flags = OFFLOAD_NEEDS_CSUM, .csum_start = ETH + 20, .csum_offset = 16};
    return len;
}

TEST(offload_check_keeps_a_partial_checksum_where_it_belongs)
{
    uint8_t f[2000];
    struct offload o;
    uint32_t len = (uint32_t)build_partial_tcp4(f, 100, &o);

    o.hdr_len = 9999;                                  /* a hint from the guest: not trusted */
    o.flags |= 0xf0;                                   /* flags nobody defined */
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_OK);
    CHECK_EQ_INT(o.flags, OFFLOAD_NEEDS_CSUM);
    CHECK_EQ_INT(o.hdr_len, ETH + 20 + 18);
    CHECK_EQ_INT(len, ETH + 40 + 100);
    /* Link padding after the packet is cut off: it would be summed in. */
    len = ETH + 40 + 100 + 6;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_OK);
    CHECK_EQ_INT(len, ETH + 40 + 100);
}

/* Today's fast path checked only csum_start: a guest could aim the next device's
 * checksum write at the ports NAT has just rewritten. */
TEST(offload_check_finishes_a_wrong_csum_offset_in_software)
{
    uint8_t f[2000], want[2000];
    struct offload o;
    uint32_t len = (uint32_t)build_partial_tcp4(f, 100, &o);

    o.csum_offset = 0;                                 /* the source port */
    memcpy(want, f, len);
    struct offload w = o;
    REQUIRE_EQ_INT(offload_csum_complete(want, len, &w), 0);
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_FINISHED);
    CHECK(!(o.flags & OFFLOAD_NEEDS_CSUM));            /* no device writes there later */
    CHECK_MEM(f, want, len);                           /* what the guest asked, done now */

    /* UDP's offset on a TCP packet, and TCP's on UDP. */
    len = (uint32_t)build_partial_tcp4(f, 100, &o);
    o.csum_offset = 6;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_FINISHED);
    /* csum_start not at the transport header. */
    len = (uint32_t)build_partial_tcp4(f, 100, &o);
    o.csum_start = ETH + 4;
    o.csum_offset = 8;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_FINISHED);
    /* Not IPv4 (an IPv6 frame's TCP checksum): finished, never forwarded partial. */
    len = (uint32_t)build_partial_tcp4(f, 100, &o);
    put_be16(f + 12, 0x86dd);
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_FINISHED);
}

TEST(offload_check_refuses_a_checksum_outside_the_frame)
{
    uint8_t f[2000];
    struct offload o;
    uint32_t len = (uint32_t)build_partial_tcp4(f, 100, &o);

    o.csum_offset = (uint16_t)(len - o.csum_start - 1);   /* the field's 2nd byte past the end */
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_CSUM_RANGE);
    o.csum_start = 4;                                  /* inside the Ethernet header */
    o.csum_offset = 0;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_CSUM_RANGE);
    o.csum_start = 0xfff0;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_CSUM_RANGE);
}

static uint32_t gso_frame(uint8_t *f, struct offload *o, size_t payload, uint16_t gso_size)
{
    uint32_t len = (uint32_t)build_partial_tcp4(f, payload, o);
    o->gso_type = OFFLOAD_GSO_TCPV4;
    o->gso_size = gso_size;
    return len;
}

TEST(offload_check_gso_frames)
{
    static uint8_t f[70000];
    struct offload o;
    uint32_t len = gso_frame(f, &o, 60000, 1448);

    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_OK);
    CHECK_EQ_INT(o.hdr_len, ETH + 40);
    o.gso_type = OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_OK);

    /* gso_size 1 would make 60,000 segments: refused, as is anything under the floor. */
    len = gso_frame(f, &o, 60000, 1);
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_SIZE);
    len = gso_frame(f, &o, 60000, OFFLOAD_GSO_MIN_SIZE - 1);
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_SIZE);
    len = gso_frame(f, &o, 60000, OFFLOAD_GSO_MIN_SIZE);
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_CHECK_OK);
    /* Segments bigger than the link carries. */
    len = gso_frame(f, &o, 60000, 1461);
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_SIZE);

    /* A type the NIC did not take on, or unknown, or without the checksum. */
    struct offload_limits no_tso = {.mtu = 1500};
    len = gso_frame(f, &o, 60000, 1448);
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &no_tso), OFFLOAD_BAD_GSO_TYPE);
    struct offload_limits no_ecn = {.mtu = 1500, .gso_tcp4 = 1};
    o.gso_type = OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &no_ecn), OFFLOAD_BAD_GSO_TYPE);
    o.gso_type = OFFLOAD_GSO_TCPV6;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_TYPE);
    o.gso_type = OFFLOAD_GSO_UDP;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_TYPE);
    o.gso_type = 0x42;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_TYPE);
    len = gso_frame(f, &o, 60000, 1448);
    o.flags = 0;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_FRAME);
    len = gso_frame(f, &o, 60000, 1448);
    o.csum_offset = 6;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_FRAME);
}

/* TCP segmentation asked for a UDP packet: the type is not the packet's protocol. */
TEST(offload_check_refuses_a_gso_type_that_is_not_the_protocol)
{
    static uint8_t f[70000];
    struct offload o;
    uint32_t len = gso_frame(f, &o, 3000, 1448);

    f[ETH + 9] = 17;
    put_be16(f + ETH + 10, 0);
    put_be16(f + ETH + 10, csum_finish(csum_partial(0, f + ETH, 20)));
    o.csum_offset = 6;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_TYPE);
    o.csum_offset = 16;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_TYPE);
    /* A fragment, or a bad IP header, is no GSO frame at all. */
    len = gso_frame(f, &o, 3000, 1448);
    f[ETH + 6] |= 0x20;
    CHECK_EQ_INT(offload_rx_check(f, &len, &o, &lim_tso), OFFLOAD_BAD_GSO_FRAME);
}
