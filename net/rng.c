/* The fast-key-erasure generator (see rng.h) and its mixing step.
 *
 * Output: a refill is the ChaCha20 keystream of the current key, nonce zero, blocks
 * 0-3. Its first 32 bytes become the key; the other 224 are the output, handed out
 * from the front and zeroed as they go. Since every refill has a fresh key, the
 * fixed nonce and counters never repeat under one key.
 *
 * Mixing (rng_mix): the data is cut into 32-byte chunks c_0 .. c_{n-1} (the last
 * one zero-padded; there is always at least one), and for each
 *
 *     key = first 32 bytes of ChaCha20_block(key XOR c_i, counter i, nonce N)
 *
 * with N = "mix\0" followed by the data's length as 8 little-endian bytes. Why this
 * is sound:
 *  - Separation: output blocks use nonce zero, N never is ("mix" in its first
 *    word), so a mixing step never evaluates the block function on an input that
 *    also made output, and the length in N with the index in the counter make the
 *    chunking injective (data "ab" and "ab\0" pad alike but differ in N).
 *  - A secret key stays secret: if the old key is uniform to an attacker, so is
 *    key XOR c_i whatever c_i is, even chosen by the attacker, and the block
 *    function under a uniform key is a PRF, so the new key is uniform to them too.
 *    (Strictly, chosen c_i are related keys; ChaCha20 has no known related-key
 *    weakness, and what the kernel mixes comes from its own sources anyway.)
 *  - Entropy in the data goes into the key: when the old key is known (at boot it
 *    is zero), the new key is a function of c_i alone. Treating the block function,
 *    as a function of its key at a fixed counter and nonce, as a random function
 *    (the assumption under ChaCha-based key derivation such as HChaCha), its output
 *    carries the min-entropy of c_i up to 256 bits, less a negligible collision
 *    loss; each chunk is a fresh evaluation (its own counter), so entropy spread
 *    over many chunks accumulates in the key, up to 256 bits.
 *  - Backtracking: the new key is 32 of the 64 bytes of a block whose input state
 *    was added back in (RFC 8439's feed-forward); it does not give the old key back.
 * So rng_mix conditions raw, unevenly distributed samples (timing jitter) as well
 * as full-entropy bytes (RDSEED, virtio-rng), and mixing never weakens the state. */
#include "rng.h"
#include "chacha20.h"

#include <string.h>

static const uint8_t output_nonce[CHACHA20_NONCE_LEN];   /* all zero */

/* Runs one refill: the key is replaced, RNG_BUF_LEN - RNG_KEY_LEN bytes are ready. */
static void refill(struct rng *r)
{
    memset(r->buf, 0, sizeof r->buf);
    chacha20_xor(r->key, 0, output_nonce, r->buf, sizeof r->buf);
    memcpy(r->key, r->buf, RNG_KEY_LEN);
    chacha20_wipe(r->buf, RNG_KEY_LEN);
    r->avail = RNG_BUF_LEN - RNG_KEY_LEN;
}

/* Contract in rng.h. */
void rng_init(struct rng *r, const uint8_t seed[RNG_KEY_LEN])
{
    memcpy(r->key, seed, RNG_KEY_LEN);
    chacha20_wipe(r->buf, sizeof r->buf);
    r->avail = 0;
}

/* Contract in rng.h; the construction and its argument are at the top of the file. */
void rng_mix(struct rng *r, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint8_t nonce[CHACHA20_NONCE_LEN] = {'m', 'i', 'x', 0};
    uint8_t k[RNG_KEY_LEN], block[CHACHA20_BLOCK_LEN];
    size_t done = 0;
    uint32_t index = 0;

    for (unsigned i = 0; i < 8; i++)
        nonce[4 + i] = (uint8_t)((uint64_t)len >> (8 * i));
    do {
        size_t n = len - done < RNG_KEY_LEN ? len - done : RNG_KEY_LEN;
        memcpy(k, r->key, RNG_KEY_LEN);
        for (size_t i = 0; i < n; i++)
            k[i] ^= p[done + i];
        chacha20_block(k, index++, nonce, block);
        memcpy(r->key, block, RNG_KEY_LEN);
        done += n;
    } while (done < len);
    chacha20_wipe(k, sizeof k);
    chacha20_wipe(block, sizeof block);
    /* Output made under the old key must not be handed out after the mix. */
    chacha20_wipe(r->buf, sizeof r->buf);
    r->avail = 0;
}

/* Contract in rng.h. */
void rng_bytes(struct rng *r, void *out, size_t len)
{
    uint8_t *o = out;

    while (len) {
        if (r->avail == 0)
            refill(r);
        size_t n = len < r->avail ? len : r->avail;
        uint8_t *src = r->buf + RNG_BUF_LEN - r->avail;
        memcpy(o, src, n);
        chacha20_wipe(src, n);
        r->avail -= n;
        o += n;
        len -= n;
    }
}

/* Contract in rng.h. */
uint32_t rng_u32(struct rng *r)
{
    uint8_t b[4];

    rng_bytes(r, b, sizeof b);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Contract in rng.h. */
uint32_t rng_u32_cb(void *ctx)
{
    return rng_u32(ctx);
}

/* Contract in rng.h. Lemire's multiply-and-shift: the high half of x * upper is in
 * [0, upper); a low half below 2^32 mod upper marks one of the draws that would make
 * some results more likely than others, and those are drawn again. */
uint32_t rng_uniform_from(rng_u32_fn fn, void *ctx, uint32_t upper)
{
    if (upper == 0)
        return 0;
    uint64_t m = (uint64_t)fn(ctx) * upper;
    if ((uint32_t)m < upper) {
        uint32_t threshold = (uint32_t)-upper % upper;     /* 2^32 mod upper */
        while ((uint32_t)m < threshold)
            m = (uint64_t)fn(ctx) * upper;
    }
    return (uint32_t)(m >> 32);
}

/* Contract in rng.h. */
uint32_t rng_uniform(struct rng *r, uint32_t upper)
{
    return rng_uniform_from(rng_u32_cb, r, upper);
}

/* Contract in rng.h. */
void rng_wipe(struct rng *r)
{
    chacha20_wipe(r, sizeof *r);
}
