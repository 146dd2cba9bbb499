/* ICMP error messages a router sends about a packet it cannot deliver (RFC 792,
 * RFC 1812 4.3.2): which packets may be answered at all, the quote of the
 * offending packet, and the message. Pure: packets are bytes; the glue
 * (lwip-port/icmp_err.c) sends.
 *
 * The quote holds only bytes that arrived: the header and up to 8 bytes after it,
 * never past the packet's total length nor past what the buffer held. lwIP's own
 * errors copy a fixed 28 bytes from wherever the packet starts, so a short packet
 * would be answered with bytes of an earlier frame; vmgate builds its own. */
#ifndef VMGATE_ICMP_ERR_H
#define VMGATE_ICMP_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ICMP_ERR_HDR_LEN 8
/* The IP header (options included) and the first 8 bytes after it (RFC 792):
 * enough for the sender to find its socket. */
#define ICMP_QUOTE_MAX (60 + 8)

#define ICMP_TYPE_DEST_UNREACH   3
#define ICMP_TYPE_TIME_EXCEEDED 11
#define ICMP_CODE_FRAG_NEEDED    4      /* with type 3: fragmentation needed and DF set */
#define ICMP_CODE_PROHIBITED    13      /* with type 3: communication administratively
                                           prohibited (RFC 1812 5.2.7.1) */
#define ICMP_CODE_TTL            0      /* with type 11: TTL exceeded in transit */

struct icmp_quote {
    uint8_t b[ICMP_QUOTE_MAX];
    uint8_t len;                        /* 0: nothing kept (not an IPv4 packet) */
};

/* Keeps the quote of the IPv4 packet at ip, of which len bytes arrived and are
 * readable: its header and up to 8 bytes after it, within both len and the
 * packet's total length. Keeps nothing (len 0) for what is not an IPv4 header
 * that fits in len. */
void icmp_quote_save(struct icmp_quote *q, const uint8_t *ip, size_t len);

/* True if the quoted packet may be answered with an ICMP error (RFC 1812
 * 4.3.2.7): not itself an ICMP error, not a later fragment, from a source that is
 * one host (not 0.0.0.0, 127/8, multicast, class E or the limited broadcast).
 * Its source (host order) goes to *src. A source that is a subnet's broadcast
 * address can only be told by the glue, which knows the subnets. */
bool icmp_quote_answerable(const struct icmp_quote *q, uint32_t *src);

/* Writes the ICMP error of type and code, with `rest` as the header's second
 * word (the next-hop MTU for "fragmentation needed", else 0) and q's quote, at out
 * (ICMP_ERR_HDR_LEN + ICMP_QUOTE_MAX bytes), checksum included. Returns its
 * length: ICMP_ERR_HDR_LEN + q->len. */
size_t icmp_error_build(uint8_t *out, uint8_t type, uint8_t code, uint32_t rest,
                        const struct icmp_quote *q);

#endif
