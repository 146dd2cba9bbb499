/* ChaCha20 (RFC 8439, section 2): the block function and its keystream. vmgate uses
 * it as the core of its random generator (net/rng.h), not to encrypt anything, so
 * there is no AEAD here; but the functions are the RFC's, byte for byte, and are
 * tested against its published vectors.
 *
 * The RFC's variant: a 256-bit key, a 32-bit block counter and a 96-bit nonce. */
#ifndef VMGATE_CHACHA20_H
#define VMGATE_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#define CHACHA20_KEY_LEN    32
#define CHACHA20_NONCE_LEN  12
#define CHACHA20_BLOCK_LEN  64

/* The 64-byte block for (key, counter, nonce) (RFC 8439 section 2.3): the state of
 * constants, key, counter and nonce after 20 rounds, added to itself as it began,
 * serialized little-endian. out may not overlap key or nonce. */
void chacha20_block(const uint8_t key[CHACHA20_KEY_LEN], uint32_t counter,
                    const uint8_t nonce[CHACHA20_NONCE_LEN], uint8_t out[CHACHA20_BLOCK_LEN]);

/* XORs buf[0, len) in place with the keystream that starts at block `counter`
 * (section 2.4): encryption and decryption alike, and the bare keystream when buf
 * holds zeros. The counter is 32 bits and wraps after 2^32 blocks (256 GiB), which
 * the RFC forbids reaching: callers keep len far below that. */
void chacha20_xor(const uint8_t key[CHACHA20_KEY_LEN], uint32_t counter,
                  const uint8_t nonce[CHACHA20_NONCE_LEN], uint8_t *buf, size_t len);

/* Overwrites len bytes at p with zeros in a way the compiler may not drop as a
 * dead store: for keys and key-derived state that must not outlive their use. */
void chacha20_wipe(void *p, size_t len);

#endif
