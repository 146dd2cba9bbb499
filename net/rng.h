/* A cryptographic random generator on ChaCha20 (net/chacha20.h), in the
 * "fast-key-erasure" style (Bernstein, "Fast-key-erasure random-number generators",
 * 2017): each refill runs ChaCha20 under the current key into a buffer, replaces
 * the key at once with the buffer's first 32 bytes and hands out the rest, wiping
 * each byte as it goes. Whoever reads the generator's memory later learns the next
 * outputs at most, never an earlier one: the key that made them is gone and the
 * bytes handed out are zeros.
 *
 * Pure: it is seeded and fed by its caller (the kernel's kernel/random.c, the host
 * tests' port), never reads hardware. Not reentrant: one caller at a time, and no
 * interrupt handler.
 *
 * net/ modules do not call a generator directly: they take a source in the shape
 * of rng_u32_fn with its context when they are created, so that tests can hand
 * them a seeded or counting one and the kernel hands them its own. */
#ifndef VMGATE_RNG_H
#define VMGATE_RNG_H

#include <stddef.h>
#include <stdint.h>

#define RNG_KEY_LEN  32
#define RNG_BUF_LEN  256     /* one refill: 4 ChaCha20 blocks, 32 bytes of them the next key */

struct rng {
    uint8_t key[RNG_KEY_LEN];
    /* buf[RNG_BUF_LEN - avail, RNG_BUF_LEN) is output not yet handed out; the bytes
     * before it are zero (the next key's copy and everything handed out). */
    uint8_t buf[RNG_BUF_LEN];
    size_t avail;
};

/* A random source as net/ modules take it: 32 uniformly random bits per call. */
typedef uint32_t (*rng_u32_fn)(void *ctx);

/* Starts r with seed as its key: 32 bytes of uniformly random key material, or a
 * fixed value in tests (the same seed gives the same outputs). Raw entropy that
 * is not uniform goes in through rng_mix(), which conditions it. */
void rng_init(struct rng *r, const uint8_t seed[RNG_KEY_LEN]);

/* Folds len bytes at data into r's key (rng.c argues why this keeps whatever
 * entropy the old key and the data had, up to 256 bits, and why data an attacker
 * chose cannot weaken it), and discards buffered output, so every later output
 * depends on data. Any len, 0 included. */
void rng_mix(struct rng *r, const void *data, size_t len);

/* Fills out[0, len) with random bytes. */
void rng_bytes(struct rng *r, void *out, size_t len);

/* 32 random bits. */
uint32_t rng_u32(struct rng *r);

/* Uniform in [0, upper) without modulo bias; 0 when upper is 0. */
uint32_t rng_uniform(struct rng *r, uint32_t upper);

/* rng_u32() in the shape of rng_u32_fn; ctx is the struct rng. */
uint32_t rng_u32_cb(void *ctx);

/* Uniform in [0, upper) from any rng_u32_fn source, without modulo bias (a draw
 * that would bias the result is drawn again; with upper <= 2^31 at most every
 * second draw is, so the expected number of calls is under 2); 0 when upper is 0. */
uint32_t rng_uniform_from(rng_u32_fn fn, void *ctx, uint32_t upper);

/* Erases r's key and buffer. r must be initialized again before use. */
void rng_wipe(struct rng *r);

#endif
