/* ChaCha20, written from RFC 8439's description: a 4x4 matrix of 32-bit words
 * (four constants, eight key words, the counter, three nonce words), ten double
 * rounds of quarter rounds on its columns and then its diagonals, the initial state
 * added back, the result serialized little-endian (sections 2.1-2.3). */
#include "chacha20.h"

#include <string.h>

static inline uint32_t rotl32(uint32_t x, unsigned b)
{
    return x << b | x >> (32 - b);
}

static inline uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The quarter round on words a, b, c, d of the state (section 2.1). */
#define QR(x, a, b, c, d)                                          \
    do {                                                           \
        x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 16);       \
        x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 12);       \
        x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 8);        \
        x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 7);        \
    } while (0)

/* Contract in chacha20.h. */
void chacha20_wipe(void *p, size_t len)
{
    volatile uint8_t *v = p;
    while (len--)
        *v++ = 0;
}

/* Contract in chacha20.h. */
void chacha20_block(const uint8_t key[CHACHA20_KEY_LEN], uint32_t counter,
                    const uint8_t nonce[CHACHA20_NONCE_LEN], uint8_t out[CHACHA20_BLOCK_LEN])
{
    uint32_t s[16], x[16];

    /* "expand 32-byte k" as four little-endian words. */
    s[0] = 0x61707865;
    s[1] = 0x3320646e;
    s[2] = 0x79622d32;
    s[3] = 0x6b206574;
    for (unsigned i = 0; i < 8; i++)
        s[4 + i] = get_le32(key + 4 * i);
    s[12] = counter;
    for (unsigned i = 0; i < 3; i++)
        s[13 + i] = get_le32(nonce + 4 * i);

    memcpy(x, s, sizeof x);
    for (unsigned i = 0; i < 10; i++) {
        QR(x, 0, 4, 8, 12);
        QR(x, 1, 5, 9, 13);
        QR(x, 2, 6, 10, 14);
        QR(x, 3, 7, 11, 15);
        QR(x, 0, 5, 10, 15);
        QR(x, 1, 6, 11, 12);
        QR(x, 2, 7, 8, 13);
        QR(x, 3, 4, 9, 14);
    }
    for (unsigned i = 0; i < 16; i++)
        put_le32(out + 4 * i, x[i] + s[i]);
    /* Both arrays hold the key, or words from which it follows: do not leave them
     * on the stack for whoever runs there next. */
    chacha20_wipe(s, sizeof s);
    chacha20_wipe(x, sizeof x);
}

/* Contract in chacha20.h. */
void chacha20_xor(const uint8_t key[CHACHA20_KEY_LEN], uint32_t counter,
                  const uint8_t nonce[CHACHA20_NONCE_LEN], uint8_t *buf, size_t len)
{
    uint8_t ks[CHACHA20_BLOCK_LEN];

    while (len) {
        size_t n = len < sizeof ks ? len : sizeof ks;
        chacha20_block(key, counter++, nonce, ks);
        for (size_t i = 0; i < n; i++)
            buf[i] ^= ks[i];
        buf += n;
        len -= n;
    }
    chacha20_wipe(ks, sizeof ks);
}
