/* TCP MSS clamping for tunnel ports (RFC 879's option, RFC 6691's arithmetic): a
 * SYN or SYN-ACK that crosses a tunnel has its MSS option lowered so that the
 * segments the two ends then send fit the underlay whole once encapsulated. A
 * tunnel's frame of 1514 bytes is an outer packet of 1542 (UDP) or 1564 (VXLAN)
 * bytes, fragmented on an underlay of MTU 1500; with the MSS lowered, TCP — most
 * of what crosses — never is, and fragments stay for what cannot be told to be
 * smaller (UDP, ICMP, a guest that ignores the option). Guests keep their MTU of
 * 1500 (README.md, MTU, says why).
 *
 * Pure: a frame's bytes in, the same bytes changed in place. Only a frame that is
 * well formed as far as the option is read is changed: Ethernet (untagged or with
 * one 802.1Q tag), IPv4 without fragmentation (offset 0, MF clear), TCP with SYN
 * set and an MSS option of length 4 inside its header; anything else is left as
 * it is, byte for byte. The TCP checksum is updated for the change (RFC 1624), so
 * a segment that was right stays right and one that was wrong stays wrong. */
#ifndef VMGATE_TCP_MSS_H
#define VMGATE_TCP_MSS_H

#include <stddef.h>
#include <stdint.h>

/* The most a peer should be told across a tunnel whose outer packets may be `mtu`
 * bytes with `overhead` bytes of headers before the inner Ethernet frame (28 for
 * UDP, 36 for VXLAN: IPv4 20, UDP 8, VXLAN 8): mtu - overhead - 14 - 20 - 20
 * (inner Ethernet, IPv4, TCP), less 4 for a tagged frame. At least 536 (RFC 879's
 * default), whatever the underlay. */
uint16_t tcp_mss_limit(uint16_t mtu, unsigned overhead, int tagged);

/* The MSS clamp of one frame: if frame (len bytes) is a TCP SYN whose MSS option
 * exceeds the limit for its form (tagged or not: limit_untagged, or 4 less), the
 * option is set to that limit. Returns the MSS the frame asked for when it lowered
 * it, 0 when it left the frame alone. */
unsigned tcp_mss_clamp(uint8_t *frame, size_t len, uint16_t limit_untagged);
/* Whether frame is a SYN with an MSS option tcp_mss_clamp() would read: the cheap
 * question a caller asks before it works out the limit (a route lookup). */
int tcp_mss_present(const uint8_t *frame, size_t len);

#endif
