/* The NAT engine's rewrite layer: changes an address or a port of a parsed packet
 * in place and keeps every checksum that covers it right, incrementally (RFC
 * 1624), never by summing the packet again. Pure and table-free, so a fast path
 * can use it on a packet it parsed itself.
 *
 * `encl` is the checksum of a message that encloses the bytes being changed: the
 * ICMP checksum of an error whose quote is rewritten. Every 16-bit word changed
 * under it (addresses, ports, the quote's own checksums) is folded into it as
 * well. NULL when there is none.
 *
 * A partial transport checksum (l4->csum_partial: checksum offload, the field
 * holding the pseudo-header sum that the device or the receiver completes) follows
 * address changes only, since the pseudo-header is all it holds yet, and is not
 * complemented. Offload applies to a packet's own TCP or UDP checksum, never to a
 * quote. */
#ifndef VMGATE_NAT_REWRITE_H
#define VMGATE_NAT_REWRITE_H

#include "nat_parse.h"

/* Sets the source address (and, where l4 has a source port, the port) to addr and
 * port, updating the IP header checksum and the transport checksum (the pseudo-
 * header covers the address, the transport header the port; a UDP checksum of 0
 * stays 0 and a computed 0 is stored as 0xffff). Updates ip->src and l4->sport. */
void nat_rewrite_src(struct nat_ip *ip, struct nat_l4 *l4, uint32_t addr, uint16_t port,
                     uint8_t *encl);
/* The same for the destination address and port. */
void nat_rewrite_dst(struct nat_ip *ip, struct nat_l4 *l4, uint32_t addr, uint16_t port,
                     uint8_t *encl);

#endif
