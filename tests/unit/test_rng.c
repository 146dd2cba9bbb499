/* The ChaCha20 generator: known answers of the construction (its first output is
 * RFC 8439's appendix A.1 keystream for the all-zero key), determinism, key
 * erasure, mixing, and uniform() without bias. */
#include "net/chacha20.h"
#include "net/rng.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static const uint8_t zero_seed[RNG_KEY_LEN];
static const uint8_t zero_nonce[CHACHA20_NONCE_LEN];

/* RFC 8439 A.1 test vectors 1 and 2: the keystream of the all-zero key and nonce,
 * blocks 0 and 1. */
static const char a1_1[] =
    "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
    "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586";
static const char a1_2[] =
    "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
    "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f";

/* Seeded with zeros, the first refill is the zero key's keystream: its first 32
 * bytes (A.1 #1's first half) become the key, and the output starts with A.1 #1's
 * second half, then A.1 #2. */
TEST(rng_known_answer_from_rfc8439_a1)
{
    struct rng r;
    uint8_t b1[64], b2[64], out[96];

    unhex(a1_1, b1);
    unhex(a1_2, b2);
    rng_init(&r, zero_seed);
    rng_bytes(&r, out, sizeof out);
    CHECK_MEM(out, b1 + 32, 32);
    CHECK_MEM(out + 32, b2, 64);
    CHECK_MEM(r.key, b1, 32);
}

/* The second refill runs under the key the first one left (A.1 #1's first half):
 * output bytes 224.. are that key's block 0 from byte 32 on. The hex is the same
 * thing computed with an independent ChaCha20 (Python's cryptography, OpenSSL). */
TEST(rng_known_answer_second_refill)
{
    struct rng r;
    uint8_t skip[RNG_BUF_LEN - RNG_KEY_LEN], out[32], key[32], block[64], want[32];

    rng_init(&r, zero_seed);
    rng_bytes(&r, skip, sizeof skip);
    CHECK_EQ_INT(r.avail, 0);
    rng_bytes(&r, out, sizeof out);
    unhex(a1_1, block);
    memcpy(key, block, 32);
    chacha20_block(key, 0, zero_nonce, block);
    CHECK_MEM(out, block + 32, 32);
    unhex("afbdad2845b93cdbb2fe6463d2fe162adae0f6e676f0494218f5ce0596e79f5c", want);
    CHECK_MEM(out, want, 32);
}

/* rng_mix's construction (rng.c), frozen: from the zero key, mixing bytes 00..27
 * (two chunks, the second one padded) gives this key and then this output, as an
 * independent implementation of the construction computes them. */
TEST(rng_mix_known_answer)
{
    struct rng r;
    uint8_t data[40], want_key[32], want_out[32], out[32];

    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    unhex("ad524ccfc903aed84e8dd545c3a50748f7f1f300f4047a193b55416ea2244a33", want_key);
    unhex("d4e7c19ccef79afa12f2e4e057e04c74e3cdb206dd233e4e84e7e4a8efc1f173", want_out);
    rng_init(&r, zero_seed);
    rng_mix(&r, data, sizeof data);
    CHECK_MEM(r.key, want_key, 32);
    rng_bytes(&r, out, sizeof out);
    CHECK_MEM(out, want_out, 32);
}

/* The same seed gives the same stream, however it is read. */
TEST(rng_same_seed_same_stream_in_any_pieces)
{
    struct rng a, b;
    uint8_t seed[RNG_KEY_LEN], x[1000], y[1000];

    for (unsigned i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)(7 * i + 1);
    rng_init(&a, seed);
    rng_init(&b, seed);
    rng_bytes(&a, x, sizeof x);
    for (size_t off = 0, step = 1; off < sizeof y; off += step, step = step * 3 % 257 + 1)
        rng_bytes(&b, y + off, off + step <= sizeof y ? step : sizeof y - off);
    CHECK_MEM(x, y, sizeof x);
}

TEST(rng_different_seeds_differ)
{
    struct rng a, b;
    uint8_t s1[RNG_KEY_LEN] = {0}, s2[RNG_KEY_LEN] = {0}, x[64], y[64];

    s2[31] = 1;                                  /* one bit apart */
    rng_init(&a, s1);
    rng_init(&b, s2);
    rng_bytes(&a, x, sizeof x);
    rng_bytes(&b, y, sizeof y);
    CHECK(memcmp(x, y, sizeof x) != 0);
}

static bool contains(const void *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp((const uint8_t *)hay + i, needle, m) == 0)
            return true;
    return false;
}

/* After output, neither the key that made it nor the bytes handed out are anywhere
 * in the generator's memory: the key changed on the refill, and what was handed out
 * reads as zeros. */
TEST(rng_erases_the_key_and_what_it_handed_out)
{
    struct rng r;
    uint8_t seed[RNG_KEY_LEN], out[20];

    for (unsigned i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)(0xa0 + i);
    rng_init(&r, seed);
    rng_bytes(&r, out, sizeof out);
    CHECK(memcmp(r.key, seed, RNG_KEY_LEN) != 0);
    CHECK(!contains(&r, sizeof r, seed, RNG_KEY_LEN));
    CHECK(!contains(&r, sizeof r, out, sizeof out));
    for (size_t i = 0; i < RNG_BUF_LEN - r.avail; i++)
        CHECK_EQ_INT(r.buf[i], 0);

    /* And on the next refill the key moves on again. */
    uint8_t key1[RNG_KEY_LEN], rest[RNG_BUF_LEN];
    memcpy(key1, r.key, sizeof key1);
    rng_bytes(&r, rest, r.avail + 1);
    CHECK(!contains(&r, sizeof r, key1, sizeof key1));
    CHECK(!contains(&r, sizeof r, rest, r.avail > 8 ? 8 : r.avail));
}

/* Mixing changes the key, drops buffered output and makes every later output
 * depend on the data; each byte of the data counts, and so does its length. */
TEST(rng_mix_changes_all_later_output)
{
    struct rng a, b, c;
    uint8_t seed[RNG_KEY_LEN] = {1}, x[64], y[64], z[64];

    rng_init(&a, seed);
    rng_init(&b, seed);
    rng_bytes(&a, x, 8);                          /* buffered output exists now */
    rng_bytes(&b, y, 8);
    rng_mix(&a, "entropy", 7);
    CHECK_EQ_INT(a.avail, 0);
    for (size_t i = 0; i < RNG_BUF_LEN; i++)
        CHECK_EQ_INT(a.buf[i], 0);
    rng_bytes(&a, x, sizeof x);
    rng_bytes(&b, y, sizeof y);
    CHECK(memcmp(x, y, sizeof x) != 0);           /* differs from not mixing */

    rng_init(&c, seed);                           /* the same mix, the same output */
    rng_bytes(&c, z, 8);
    rng_mix(&c, "entropy", 7);
    rng_bytes(&c, z, sizeof z);
    CHECK_MEM(z, x, sizeof x);

    /* "ab" and "ab\0" pad to the same chunk: the length tells them apart; an empty
     * mix still moves the key; and the last byte of a long input counts. */
    struct rng p, q;
    rng_init(&p, seed);
    rng_init(&q, seed);
    rng_mix(&p, "ab", 2);
    rng_mix(&q, "ab\0", 3);
    CHECK(memcmp(p.key, q.key, RNG_KEY_LEN) != 0);
    rng_init(&p, seed);
    rng_mix(&p, NULL, 0);
    CHECK(memcmp(p.key, seed, RNG_KEY_LEN) != 0);
    uint8_t long1[100] = {0}, long2[100] = {0};
    long2[99] = 1;
    rng_init(&p, seed);
    rng_init(&q, seed);
    rng_mix(&p, long1, sizeof long1);
    rng_mix(&q, long2, sizeof long2);
    CHECK(memcmp(p.key, q.key, RNG_KEY_LEN) != 0);
}

TEST(rng_u32_is_four_bytes_little_endian)
{
    struct rng a, b;
    uint8_t bytes[4];

    rng_init(&a, zero_seed);
    rng_init(&b, zero_seed);
    rng_bytes(&a, bytes, 4);
    CHECK_EQ_INT(rng_u32(&b), (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 |
                                  (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24);
    CHECK_EQ_INT(rng_u32_cb(&a), rng_u32(&b));
}

TEST(rng_uniform_stays_in_bounds)
{
    static const uint32_t uppers[] = {1, 2, 3, 7, 1000, 64512, 0x80000000u, 0x80000001u,
                                      0xffffffffu};
    struct rng r;

    rng_init(&r, zero_seed);
    CHECK_EQ_INT(rng_uniform(&r, 0), 0);
    for (unsigned i = 0; i < sizeof uppers / sizeof uppers[0]; i++)
        for (unsigned k = 0; k < 2000; k++) {
            uint32_t v = rng_uniform(&r, uppers[i]);
            if (v >= uppers[i]) {
                CHECK(v < uppers[i]);
                break;
            }
        }
}

/* A scripted source: returns script[i] on its i-th call and counts the calls. */
struct script {
    const uint32_t *v;
    unsigned n, calls;
};

static uint32_t scripted(void *ctx)
{
    struct script *s = ctx;
    return s->v[s->calls++ % s->n];
}

/* The draws that would bias the result are the ones whose low half of x * upper is
 * below 2^32 mod upper; those are drawn again, the others used as they are. */
TEST(rng_uniform_redraws_exactly_the_biased_draws)
{
    /* upper 3: 2^32 mod 3 = 1, so only x = 0 (low half 0) is redrawn. */
    static const uint32_t three[] = {0, 0x80000000u};
    struct script s = {three, 2, 0};
    CHECK_EQ_INT(rng_uniform_from(scripted, &s, 3), 1);
    CHECK_EQ_INT(s.calls, 2);

    /* upper 2^31 + 1: 2^32 mod upper = 2^31 - 1. x = 1 gives low half 2^31 + 1
     * (kept: 0); x = 2 gives low half 2 (redrawn); x = 0xffffffff gives the last
     * value, upper - 1. */
    static const uint32_t big[] = {2, 1};
    s = (struct script){big, 2, 0};
    CHECK_EQ_INT(rng_uniform_from(scripted, &s, 0x80000001u), 0);
    CHECK_EQ_INT(s.calls, 2);
    static const uint32_t top[] = {0xffffffffu};
    s = (struct script){top, 1, 0};
    CHECK_EQ_INT(rng_uniform_from(scripted, &s, 0x80000001u), 0x80000000u);
    CHECK_EQ_INT(s.calls, 1);

    /* A power of two never redraws: the top bits are the answer. */
    static const uint32_t pow2[] = {0x00000000u, 0xc0000000u};
    s = (struct script){pow2, 2, 0};
    CHECK_EQ_INT(rng_uniform_from(scripted, &s, 4), 0);
    CHECK_EQ_INT(rng_uniform_from(scripted, &s, 4), 3);
    CHECK_EQ_INT(s.calls, 2);
}

/* Roughly flat: 6 buckets, 60000 draws, each within 5% of 10000 (a 6-sigma band
 * for a binomial with p = 1/6: the seed is fixed, so this is not flaky). */
TEST(rng_uniform_is_flat)
{
    struct rng r;
    unsigned count[6] = {0};

    rng_init(&r, zero_seed);
    for (unsigned i = 0; i < 60000; i++)
        count[rng_uniform(&r, 6)]++;
    for (unsigned i = 0; i < 6; i++)
        CHECK(count[i] > 9500 && count[i] < 10500);
}

TEST(rng_wipe_clears_everything)
{
    struct rng r;
    uint8_t seed[RNG_KEY_LEN], out[3], zero[sizeof r] = {0};

    memset(seed, 0x5a, sizeof seed);
    rng_init(&r, seed);
    rng_bytes(&r, out, sizeof out);
    rng_wipe(&r);
    CHECK_MEM(&r, zero, sizeof r);
}
