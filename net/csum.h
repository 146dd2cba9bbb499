/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 * Every 16-bit quantity here is the numeric value of a big-endian field as
 * get_be16() reads it, and results are stored back with put_be16(). */
#ifndef VMGATE_CSUM_H
#define VMGATE_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds len bytes (as big-endian 16-bit words, an odd last byte padded with zero)
 * to a running 32-bit one's complement sum. */
uint32_t csum_partial(uint32_t sum, const uint8_t *data, size_t len);
/* Folds a running sum to 16 bits (not complemented). */
uint16_t csum_fold(uint32_t sum);
/* The checksum to store for data whose running sum is `sum`: ~fold(sum). */
static inline uint16_t csum_finish(uint32_t sum) { return (uint16_t)~csum_fold(sum); }

/* RFC 1624 eqn. 3: the new checksum after a 16-bit field changes from old to new:
 * HC' = ~(~HC + ~m + m'). For UDP, where 0 means "no checksum", the caller must
 * leave a 0 checksum alone and store a computed 0 as 0xffff (RFC 768). */
uint16_t csum_update16(uint16_t check, uint16_t old, uint16_t new_);
/* The same for a 32-bit field (an IPv4 address), as two 16-bit halves. */
uint16_t csum_update32(uint16_t check, uint32_t old, uint32_t new_);

/* A router's hop on the IPv4 header at ip: the TTL one less, the header checksum
 * updated for it. The caller has checked that the TTL is above 1. */
void csum_ip4_ttl_dec(uint8_t *ip);

#endif
