/* SipHash against the paper's published values, and the two-word fast form against
 * the general one. */
#include "net/siphash.h"
#include "unit.h"

static const struct siphash_key paper_key = {
    0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull,   /* bytes 00 .. 0f, little-endian */
};

TEST(siphash24_paper_vectors)
{
    uint8_t msg[15];

    for (unsigned i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    /* Appendix A of the paper: the 15-byte message 00 .. 0e. */
    CHECK_EQ_INT(siphash_bytes(&paper_key, msg, 15, 2, 4), 0xa129ca6149be45e5ull);
    /* The reference implementation's first test vector: the empty message. */
    CHECK_EQ_INT(siphash_bytes(&paper_key, msg, 0, 2, 4), 0x726fdb47dd0e0e31ull);
}

TEST(siphash13_two_words_equals_general_form)
{
    struct siphash_key k = {0x0123456789abcdefull, 0xfedcba9876543210ull};
    uint64_t words[][2] = {{0, 0}, {1, 2}, {0xffffffffffffffffull, 0x8000000000000001ull},
                           {0x0a00020fc6336407ull, 0x1f90005000000006ull}};

    for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++) {
        uint8_t b[16];
        for (unsigned j = 0; j < 8; j++) {
            b[j] = (uint8_t)(words[i][0] >> (8 * j));
            b[8 + j] = (uint8_t)(words[i][1] >> (8 * j));
        }
        CHECK_EQ_INT(siphash13_u64x2(&k, words[i][0], words[i][1]),
                     siphash_bytes(&k, b, 16, 1, 3));
    }
}

TEST(siphash13_depends_on_the_key)
{
    struct siphash_key a = {1, 2}, b = {1, 3};

    CHECK(siphash13_u64x2(&a, 42, 43) != siphash13_u64x2(&b, 42, 43));
    CHECK(siphash13_u64x2(&a, 42, 43) != siphash13_u64x2(&a, 43, 42));
}
