/* Canned IPv4 packets for tests, with every checksum computed from scratch, and
 * the checks that a packet's checksums are what a full recomputation gives.
 * Builders write into buf (PB_MAX bytes is always enough) and return the packet's
 * length. Addresses and ports are in host byte order. Packets leave with TTL 64,
 * DF clear, no options, IP ID 0x1234. */
#ifndef VMGATE_PKT_BUILDER_H
#define VMGATE_PKT_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX 1600

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* An IPv4 header and payload: the general form the others use. opt_len bytes of
 * options (a multiple of 4, at most 40; filled with NOPs then an end marker). */
size_t pb_ip(uint8_t *buf, uint8_t proto, uint32_t src, uint32_t dst, size_t opt_len,
             const void *payload, size_t plen);

/* TCP with a 20-byte header and window 65535. */
size_t pb_tcp(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
              uint8_t flags, uint32_t seq, uint32_t ack, size_t plen);
/* TCP with the window field win and optlen bytes of options (padded with zeros to a
 * multiple of 4, at most 40). */
size_t pb_tcp_win(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                  uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                  const uint8_t *opts, size_t optlen, size_t plen);
size_t pb_udp(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
              size_t plen);
/* UDP with the checksum left 0 ("none"). */
size_t pb_udp_nocsum(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                     size_t plen);
/* type 8 (request) or 0 (reply). */
size_t pb_icmp_echo(uint8_t *buf, uint8_t type, uint32_t src, uint32_t dst, uint16_t id,
                    uint16_t seq, size_t plen);
/* GRE (RFC 2784) without checksum, carrying plen bytes of "IPv4". */
size_t pb_gre(uint8_t *buf, uint32_t src, uint32_t dst, size_t plen);
/* An ICMP error (type, code) from src to dst quoting the first qlen bytes of the
 * packet at quoted (qlen is cut to the packet's length). */
size_t pb_icmp_error(uint8_t *buf, uint8_t type, uint8_t code, uint32_t src, uint32_t dst,
                     const uint8_t *quoted, size_t qlen);

/* Payload bytes are a pattern: byte i is (i * 7 + 3) & 0xff. */

/* Field changes that keep the IP header checksum right. */
void pb_set_ttl(uint8_t *pkt, uint8_t ttl);
void pb_set_frag(uint8_t *pkt, uint16_t flags_and_offset);
/* Recomputes the IP header checksum after a test changed the header. */
void pb_fix_ip_csum(uint8_t *pkt);

/* Field access. */
uint32_t pb_src(const uint8_t *pkt);
uint32_t pb_dst(const uint8_t *pkt);
uint16_t pb_sport(const uint8_t *pkt);       /* TCP/UDP source port, ICMP echo id */
uint16_t pb_dport(const uint8_t *pkt);       /* TCP/UDP destination port, ICMP echo id */
const uint8_t *pb_l4(const uint8_t *pkt);
/* The packet an ICMP error quotes. */
const uint8_t *pb_inner(const uint8_t *pkt);

/* The checksums a full recomputation gives (the field itself counted as 0). For
 * UDP a computed 0 is 0xffff; for ICMP the whole message to the IP total length.
 * For a transport header, len_limit bounds how much of the packet exists (a
 * quote is cut short): -1 if the transport part is not wholly there. */
uint16_t pb_ip_csum_of(const uint8_t *pkt);
int pb_l4_csum_of(const uint8_t *pkt, size_t avail);
uint16_t pb_l4_csum_field(const uint8_t *pkt);

/* True when every checksum in pkt (len bytes) is what a full recomputation gives:
 * the IP header's, the transport's (a UDP 0 is accepted as "none"), and for an
 * ICMP error the quoted IP header's and, when the quote holds the whole quoted
 * packet, its transport checksum. On a mismatch, *what names it. */
bool pb_csums_ok(const uint8_t *pkt, size_t len, const char **what);

#endif
