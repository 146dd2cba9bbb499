/* Path MTU discovery at a router (RFC 1191, RFC 1812 4.2.2.5 and 5.2.7.1): a packet
 * too big for the next link that may not be fragmented (Don't Fragment set) is
 * dropped, and its sender is told the next hop's MTU by ICMP "fragmentation needed",
 * so that it sends smaller packets. Without the MTU in that message a sender falls
 * back to guessing (Linux to 552 bytes); without the message at all the connection
 * hangs, a PMTU black hole.
 *
 * Behind NAT the message must go to the sender as it sent the packet, quoting what
 * it sent, not the translated packet: the glue keeps the quote (net/icmp_err.h)
 * before NAT rewrites the packet. Pure: packets are bytes. */
#ifndef VMGATE_PMTU_H
#define VMGATE_PMTU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offload.h"

/* The size of the largest IP packet the packet at ip (iplen readable bytes, with
 * the offload facts off, or NULL) puts on the next link: its length, or for a TCP/IPv4
 * GSO frame, one segment's (its IP and TCP headers and gso_size bytes), since the
 * next device cuts it so. */
size_t pmtu_wire_len(const uint8_t *ip, size_t iplen, const struct offload *off);

/* True if the packet at ip, putting wire_len bytes on a link of mtu, must be
 * refused with "fragmentation needed": too big, and Don't Fragment set. (Too big
 * without DF: the router fragments it.) */
bool pmtu_must_refuse(const uint8_t *ip, size_t wire_len, uint16_t mtu);

#endif
