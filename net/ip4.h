/* IPv4 facts every part of vmgate needs the same way: the prefix mask, and the one
 * check of an untrusted IPv4 header that the NAT parser, the fast path, the
 * fragment path and the ICMP error paths all apply before they believe a length
 * or an offset in it. Pure: packets are bytes. */
#ifndef VMGATE_IP4_H
#define VMGATE_IP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP4_HDR_MIN 20
#define IP4_HDR_MAX 60
#define IP4_FLAG_DF      0x4000
#define IP4_FLAG_MF      0x2000
#define IP4_OFFSET_MASK  0x1fff
#define IP4_FRAG_MASK    (IP4_FLAG_MF | IP4_OFFSET_MASK)

/* The netmask of a prefix length 0..32, host order. */
static inline uint32_t ip4_prefix_mask(unsigned prefix)
{
    return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

/* ip4_check's result: the header is good, or why it was refused. */
enum ip4_check_result {
    IP4_OK = 0,
    IP4_BAD_SHORT,              /* fewer than 20 readable bytes */
    IP4_BAD_VERSION,            /* not version 4 */
    IP4_BAD_HLEN,               /* IHL under 5, or the header beyond what was readable */
    IP4_BAD_TOTLEN,             /* total length under the header, or beyond what arrived */
    IP4_BAD_CSUM,               /* header checksum wrong */
    IP4_CHECK_RESULTS
};

/* What a checked header says. */
struct ip4_hdr_info {
    size_t hlen;                /* header bytes, options included */
    size_t tot_len;             /* the packet ends here; later bytes are link padding */
    uint16_t frag;              /* flags and offset (IP4_FLAG_*, IP4_OFFSET_MASK) */
    uint8_t ttl, proto;
};

/* Checks the IPv4 header at ip, of which hdr_avail bytes are contiguous and readable
 * and pkt_avail bytes of the packet arrived in all (pkt_avail >= hdr_avail; equal
 * for a packet in one buffer): version 4, IHL >= 5 with the header inside
 * hdr_avail, total length between the header and pkt_avail, header checksum.
 * Fills *info (when not NULL) and returns IP4_OK, or what is wrong. */
enum ip4_check_result ip4_check(const uint8_t *ip, size_t hdr_avail, size_t pkt_avail, struct ip4_hdr_info *info);

/* Whether the options of a header (hlen bytes, checked) ask for source routing
 * (LSRR 131, SSRR 137): routing a guest's packet the way its sender chose. */
bool ip4_has_source_route(const uint8_t *ip, size_t hlen);

/* The counters' name of a refusal ("short", "version", ...). */
const char *ip4_check_name(enum ip4_check_result r);

#endif
