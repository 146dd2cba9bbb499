/* Time Exceeded for packets whose TTL runs out at vmgate, built by vmgate itself.
 * lwIP's forwarder answers an expiring packet of any protocol but ICMP (it never
 * answers ICMP with ICMP; RFC 1812 4.3.2.7 forbids that only for ICMP error
 * messages, and traceroute -I and Windows' tracert probe with echo requests), and
 * its message quotes a fixed 28 bytes from the packet's start: IP options instead
 * of the ports, or bytes past the end of a short packet. So every expiring packet
 * that lwIP would forward is answered here, with a quote of what arrived. */
#ifndef VMGATE_TTL_ICMP_H
#define VMGATE_TTL_ICMP_H

#include "../net/icmp_err.h"

#include "lwip/netif.h"
#include "lwip/pbuf.h"

/* From the IPv4 input hook, after NAT had its say (p's header checked and its
 * length trimmed by the hook): if p has TTL 0 or 1 and lwIP would forward it (its
 * destination is not vmgate's, not broadcast or multicast, and has a route), sends
 * Time Exceeded to its source unless p is an ICMP error or a later fragment
 * (icmp_err.h counts those), frees p and returns 1. Else 0. The message quotes q,
 * the packet as it arrived, when NAT has rewritten p since (NULL: quote p). */
int ttl_icmp_answer(struct pbuf *p, struct netif *inp, const struct icmp_quote *q);

#endif
