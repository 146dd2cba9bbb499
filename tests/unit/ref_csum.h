/* The Internet checksum written out plainly for tests, as RFC 1071 section 4.1's
 * example computes it: adjacent bytes paired into 16-bit words (the first byte high),
 * an odd last byte paired with a zero, the words added into a 32-bit accumulator, the
 * carries folded back in at the end, the result complemented. It shares no code with
 * net/csum.c, so checking the engine (or a packet it made) against it checks one
 * computation against another. */
#ifndef VMGATE_REF_CSUM_H
#define VMGATE_REF_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* The checksum of len bytes at p (at most 128 KiB, so the accumulator cannot
 * overflow): the value to store in a checksum field that was 0 while summing, or 0
 * when summing data that holds a correct checksum. */
uint16_t ref_csum(const void *p, size_t len);

/* The TCP or UDP checksum over the IPv4 pseudo-header (src, dst, zero, proto, len)
 * and the len bytes of the transport segment at l4, whose checksum field must be 0
 * (or hold the checksum, to get 0). Addresses in host byte order. */
uint16_t ref_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, const void *l4, size_t len);

#endif
