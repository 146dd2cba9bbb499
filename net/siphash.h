/* SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
 * hash for tables whose keys come from the network. With a secret random key, a
 * sender who chooses the keys (addresses, ports) cannot predict which bucket they
 * land in, so cannot make chains long on purpose.
 *
 * SipHash-c-d does c compression rounds per 8-byte word and d finalization rounds.
 * The tables use SipHash-1-3, the variant chosen for hash tables by several
 * language runtimes: plenty against an attacker who never sees the hash values. */
#ifndef VMGATE_SIPHASH_H
#define VMGATE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
    uint64_t k0, k1;
};

/* SipHash-c-d of len bytes at msg, as the paper defines it (little-endian words).
 * The general form, for tests and for keys that are not two words. */
uint64_t siphash_bytes(const struct siphash_key *key, const uint8_t *msg, size_t len,
                       unsigned c, unsigned d);

/* SipHash-1-3 of the 16-byte message whose little-endian words are a and b: the
 * same value as siphash_bytes(key, those 16 bytes, 16, 1, 3), without the bytes. */
uint64_t siphash13_u64x2(const struct siphash_key *key, uint64_t a, uint64_t b);

#endif
