/* The Internet checksum helpers (net/csum.c): RFC 1071 sums and RFC 1624
 * incremental updates, checked against recomputation from scratch, and (further
 * down) against two computations that share nothing with net/csum.c: the plain
 * RFC 1071 loop of ref_csum.c and lwIP's own inet_chksum / inet_chksum_pseudo, over
 * random lengths (odd ones too) at unaligned addresses. */
#include "unit.h"
#include "net/csum.h"
#include "net/bytes.h"
#include "net/offload.h"
#include "pkt_builder.h"
#include "ref_csum.h"

#include "lwip/def.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/pbuf.h"

#include <string.h>

static uint16_t full(const uint8_t *d, size_t len)
{
    return csum_finish(csum_partial(0, d, len));
}

TEST(csum_rfc1071_example)
{
    /* RFC 1071 section 3's example words: 0001 f203 f4f5 f6f7 sum to 0xddf2. */
    const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    CHECK_EQ_INT(csum_fold(csum_partial(0, d, sizeof d)), 0xddf2);
    CHECK_EQ_INT(full(d, sizeof d), (uint16_t)~0xddf2);
}

TEST(csum_odd_length_pads_with_zero)
{
    const uint8_t odd[] = { 0x12, 0x34, 0x56 }, even[] = { 0x12, 0x34, 0x56, 0x00 };
    CHECK_EQ_INT(full(odd, 3), full(even, 4));
}

TEST(csum_a_header_with_its_checksum_folds_to_ffff)
{
    uint8_t ip[20] = { 0x45, 0, 0, 84, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0, 10, 0, 2, 15, 192, 168, 60, 1 };
    put_be16(ip + 10, full(ip, 20));
    CHECK_EQ_INT(csum_fold(csum_partial(0, ip, 20)), 0xffff);
}

/* xorshift, so the sweep is the same every run */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

TEST(csum_update_matches_recomputation)
{
    uint8_t d[64];
    int mismatches = 0;
    for (int round = 0; round < 20000; round++) {
        for (size_t i = 0; i < sizeof d; i++)
            d[i] = (uint8_t)rnd();
        /* Bias some rounds towards all-ones and all-zero words, where one's
         * complement arithmetic has its two zeros. */
        if (round % 7 == 0)
            memset(d, 0xff, 20);
        if (round % 11 == 0)
            memset(d + 20, 0, 20);
        put_be16(d + 10, 0);
        uint16_t check = full(d, sizeof d);
        put_be16(d + 10, check);
        size_t at = (rnd() % 15) * 2 + 12;      /* a 16- or 32-bit field after the checksum */
        if (rnd() & 1) {
            uint16_t old = get_be16(d + at), new_ = (uint16_t)rnd();
            put_be16(d + at, new_);
            check = csum_update16(check, old, new_);
        } else {
            uint32_t old = get_be32(d + at), new_ = rnd();
            put_be32(d + at, new_);
            check = csum_update32(check, old, new_);
        }
        put_be16(d + 10, 0);
        if (check != full(d, sizeof d))
            mismatches++;
    }
    CHECK_EQ_INT(mismatches, 0);
}

TEST(csum_update_of_an_unchanged_field_keeps_the_checksum)
{
    CHECK_EQ_INT(csum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
    CHECK_EQ_INT(csum_update32(0x0000, 0x0a00020f, 0x0a00020f), 0x0000);
}

TEST(csum_ip4_ttl_dec_keeps_the_header_checksum)
{
    uint8_t pkt[PB_MAX];
    pb_udp(pkt, IP4(10, 0, 2, 15), 1, IP4(198, 51, 100, 7), 2, 8);
    for (int ttl = 64; ttl > 1; ttl--) {
        csum_ip4_ttl_dec(pkt);
        CHECK_EQ_INT(pkt[8], ttl - 1);
        CHECK_EQ_INT(csum_fold(csum_partial(0, pkt, 20)), 0xffff);
    }
}

/* --- against independent computations ------------------------------------------- */

/* lwIP's checksums come back as the 16 bits to store in the packet as they lie in
 * memory (network order); this reads them as the number get_be16() would. */
static uint16_t lwip_value(u16_t stored)
{
    return lwip_ntohs(stored);
}

/* Fills p with one of a few kinds of data: random, or biased towards the words where
 * one's complement arithmetic has its corner cases (all ones, all zero, carries). */
static void fill(uint8_t *p, size_t len, unsigned kind)
{
    for (size_t i = 0; i < len; i++) {
        switch (kind % 5) {
        case 0: p[i] = 0xff; break;
        case 1: p[i] = 0; break;
        case 2: p[i] = (rnd() & 3) ? 0xff : (uint8_t)rnd(); break;
        default: p[i] = (uint8_t)rnd(); break;
        }
    }
}

TEST(csum_partial_agrees_with_rfc1071_loop_and_lwip)
{
    static uint8_t buf[2100];
    int wrong_ref = 0, wrong_lwip = 0;

    for (int round = 0; round < 6000; round++) {
        size_t len = rnd() % 2049;              /* 0 .. 2048, odd and even */
        size_t off = rnd() % 8;                 /* unaligned starts */
        uint8_t *p = buf + off;

        if (round < 64)
            len = (size_t)round;                /* every short length */
        fill(p, len, (unsigned)round);
        uint16_t ours = csum_finish(csum_partial(0, p, len));
        uint16_t ref = ref_csum(p, len);
        uint16_t lw = lwip_value(inet_chksum(p, (u16_t)len));
        if (ours != ref && wrong_ref++ < 3)
            CHECK_EQ_INT(ours, ref);
        if (ours != lw && wrong_lwip++ < 3)
            CHECK_EQ_INT(ours, lw);
    }
    CHECK_EQ_INT(wrong_ref, 0);
    CHECK_EQ_INT(wrong_lwip, 0);
}

TEST(csum_partial_resumes_a_sum_at_an_even_split)
{
    static uint8_t buf[1600];
    int wrong = 0;

    for (int round = 0; round < 3000; round++) {
        size_t len = rnd() % 1501, at = (rnd() % (len / 2 + 1)) * 2;
        uint8_t *p = buf + rnd() % 8;

        fill(p, len, (unsigned)round);
        uint32_t sum = csum_partial(csum_partial(0, p, at), p + at, len - at);
        if (csum_finish(sum) != ref_csum(p, len))
            wrong++;
    }
    CHECK_EQ_INT(wrong, 0);
}

/* A pbuf chain of PBUF_REF pieces over seg (len bytes), cut at random places (odd
 * lengths and odd addresses included), for lwIP to sum as it sums received data. */
static struct pbuf *ref_chain(uint8_t *seg, size_t len)
{
    struct pbuf *head = NULL;
    size_t done = 0;

    while (done < len || !head) {
        size_t piece = len - done;
        if (piece > 1 && (rnd() & 1))
            piece = 1 + rnd() % (piece - 1);
        struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)piece, PBUF_REF);
        REQUIRE(q != NULL);
        q->payload = seg + done;
        if (head)
            pbuf_cat(head, q);
        else
            head = q;
        done += piece;
    }
    return head;
}

TEST(csum_transport_checksums_agree_with_lwip_pseudo_and_rfc1071_loop)
{
    static uint8_t buf[1600];
    int wrong_lwip = 0, wrong_ours = 0;

    for (int round = 0; round < 3000; round++) {
        uint8_t proto = (rnd() & 1) ? 6 : 17;
        size_t field = proto == 6 ? 16 : 6;
        size_t len = 20 + rnd() % 1461;         /* TCP/UDP header and 0 .. 1460 more */
        uint8_t *seg = buf + rnd() % 8;
        uint32_t src = rnd(), dst = rnd();
        ip4_addr_t s4, d4;

        fill(seg, len, (unsigned)round);
        put_be16(seg + field, 0);
        uint16_t ref = ref_csum_pseudo(src, dst, proto, seg, len);

        ip4_addr_set_u32(&s4, lwip_htonl(src));
        ip4_addr_set_u32(&d4, lwip_htonl(dst));
        struct pbuf *p = ref_chain(seg, len);
        uint16_t lw = lwip_value(inet_chksum_pseudo(p, proto, (u16_t)len, &s4, &d4));
        pbuf_free(p);
        if (lw != ref && wrong_lwip++ < 3)
            CHECK_EQ_INT(lw, ref);

        /* The engine's way, as a device completes an offloaded checksum: the field
         * holds the pseudo-header's folded sum, offload_csum_complete adds the rest. */
        uint8_t pseudo[12];
        put_be32(pseudo, src);
        put_be32(pseudo + 4, dst);
        pseudo[8] = 0;
        pseudo[9] = proto;
        put_be16(pseudo + 10, (uint16_t)len);
        put_be16(seg + field, (uint16_t)~ref_csum(pseudo, sizeof pseudo));
        struct offload o = { .flags = OFFLOAD_NEEDS_CSUM, .csum_start = 0,
                             .csum_offset = (uint16_t)field };
        REQUIRE_EQ_INT(offload_csum_complete(seg, len, &o), 0);
        if (get_be16(seg + field) != ref && wrong_ours++ < 3)
            CHECK_EQ_INT(get_be16(seg + field), ref);
    }
    CHECK_EQ_INT(wrong_lwip, 0);
    CHECK_EQ_INT(wrong_ours, 0);
}

/* Gives the 16- or 32-bit field at d + at a new value (now and then all ones or all
 * zero) and returns the checksum the engine's incremental update makes of check. */
static uint16_t update_field(uint8_t *d, size_t at, bool wide, uint16_t check)
{
    if (wide) {
        uint32_t old = get_be32(d + at), new_ = (rnd() & 7) ? rnd() : (rnd() & 1 ? 0 : 0xffffffffu);
        put_be32(d + at, new_);
        return csum_update32(check, old, new_);
    }
    uint16_t old = get_be16(d + at), new_ = (rnd() & 7) ? (uint16_t)rnd() : (rnd() & 1 ? 0 : 0xffff);
    put_be16(d + at, new_);
    return csum_update16(check, old, new_);
}

TEST(csum_updates_agree_with_rfc1071_recomputation)
{
    static uint8_t buf[1600];
    int wrong = 0, not_zero = 0;

    for (int round = 0; round < 20000; round++) {
        size_t len = 24 + rnd() % 1477;         /* odd and even */
        uint8_t *d = buf + rnd() % 8;
        size_t check_at = 2 + (rnd() % 10) * 2;

        /* Bytes 0 and 1 stay non-zero and untouched: data that is all zero is the one
         * input where an update (+0) and a recomputation (-0, 0xffff) write the two
         * zeros differently, and no header is all zero (IPv4's version, the
         * pseudo-header's protocol). */
        fill(d, len, (unsigned)round);
        d[0] |= 1;
        put_be16(d + check_at, 0);
        uint16_t check = ref_csum(d, len);
        /* One to four fields change (a NAT rewrites an address and a port, or both
         * addresses and both ports), each 16-bit aligned as header fields are. */
        for (int n = 1 + rnd() % 4; n > 0; n--) {
            bool wide = rnd() & 1;
            size_t at = 2 + (rnd() % ((len - 6) / 2)) * 2;
            if (at < check_at + 2 && at + (wide ? 4 : 2) > check_at)
                continue;                       /* not the checksum field itself */
            check = update_field(d, at, wide, check);
        }
        put_be16(d + check_at, check);
        if (ref_csum(d, len) != 0)
            not_zero++;
        put_be16(d + check_at, 0);
        if (check != ref_csum(d, len) && wrong++ < 3)
            CHECK_EQ_INT(check, ref_csum(d, len));
    }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(not_zero, 0);
}

TEST(csum_ip4_ttl_dec_agrees_with_rfc1071_and_lwip)
{
    uint8_t buf[64 + 8];
    int wrong = 0;

    for (int round = 0; round < 20000; round++) {
        uint8_t *ip = buf + rnd() % 8;
        size_t ihl = 5 + rnd() % 11;            /* 20 .. 60 bytes, options included */
        fill(ip, ihl * 4, (unsigned)round);
        ip[0] = (uint8_t)(0x40 | ihl);
        ip[8] = (uint8_t)(2 + rnd() % 254);     /* a TTL above 1, as the caller checks */
        uint8_t ttl = ip[8];
        put_be16(ip + 10, 0);
        put_be16(ip + 10, ref_csum(ip, ihl * 4));

        csum_ip4_ttl_dec(ip);
        uint16_t got = get_be16(ip + 10);
        bool ok = ip[8] == ttl - 1 && ref_csum(ip, ihl * 4) == 0 &&
                  inet_chksum(ip, (u16_t)(ihl * 4)) == 0;
        put_be16(ip + 10, 0);
        ok = ok && got == ref_csum(ip, ihl * 4);
        if (!ok && wrong++ < 3)
            CHECK_EQ_INT(got, ref_csum(ip, ihl * 4));
    }
    CHECK_EQ_INT(wrong, 0);
}
