/* SipHash, written from the paper's description (section 2): four 64-bit words of
 * state initialised from the key and four constants, an ARX round, the message
 * absorbed one little-endian word at a time with its length in the last byte of
 * the final word, and 0xff folded in before the finalization rounds. */
#include "siphash.h"

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
    return x << b | x >> (64 - b);
}

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip_state *s)
{
    s->v0 += s->v1; s->v1 = rotl64(s->v1, 13); s->v1 ^= s->v0; s->v0 = rotl64(s->v0, 32);
    s->v2 += s->v3; s->v3 = rotl64(s->v3, 16); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = rotl64(s->v3, 21); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = rotl64(s->v1, 17); s->v1 ^= s->v2; s->v2 = rotl64(s->v2, 32);
}

static inline void sip_init(struct sip_state *s, const struct siphash_key *key)
{
    /* "somepseudorandomlygeneratedbytes", as the paper's initialisation constants. */
    s->v0 = key->k0 ^ 0x736f6d6570736575ull;
    s->v1 = key->k1 ^ 0x646f72616e646f6dull;
    s->v2 = key->k0 ^ 0x6c7967656e657261ull;
    s->v3 = key->k1 ^ 0x7465646279746573ull;
}

static inline void sip_absorb(struct sip_state *s, uint64_t m, unsigned c)
{
    s->v3 ^= m;
    for (unsigned i = 0; i < c; i++)
        sip_round(s);
    s->v0 ^= m;
}

static inline uint64_t sip_finish(struct sip_state *s, unsigned d)
{
    s->v2 ^= 0xff;
    for (unsigned i = 0; i < d; i++)
        sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static uint64_t load_le64(const uint8_t *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

/* Contract in siphash.h. */
uint64_t siphash_bytes(const struct siphash_key *key, const uint8_t *msg, size_t len,
                       unsigned c, unsigned d)
{
    struct sip_state s;
    size_t full = len & ~(size_t)7;

    sip_init(&s, key);
    for (size_t i = 0; i < full; i += 8)
        sip_absorb(&s, load_le64(msg + i, 8), c);
    /* The last word: the remaining bytes, and the length's low byte on top. */
    sip_absorb(&s, load_le64(msg + full, len - full) | (uint64_t)(len & 0xff) << 56, c);
    return sip_finish(&s, d);
}

/* Contract in siphash.h. */
uint64_t siphash13_u64x2(const struct siphash_key *key, uint64_t a, uint64_t b)
{
    struct sip_state s;

    sip_init(&s, key);
    sip_absorb(&s, a, 1);
    sip_absorb(&s, b, 1);
    sip_absorb(&s, (uint64_t)16 << 56, 1);
    return sip_finish(&s, 3);
}
