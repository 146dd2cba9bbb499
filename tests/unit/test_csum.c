/* The Internet checksum helpers (net/csum.c): RFC 1071 sums and RFC 1624
 * incremental updates, checked against recomputation from scratch. */
#include "unit.h"
#include "net/csum.h"
#include "net/bytes.h"
#include "pkt_builder.h"

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
