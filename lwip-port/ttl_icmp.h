/* Time Exceeded for ICMP queries whose TTL runs out at vmgate. lwIP's forwarder
 * sends Time Exceeded for an expiring packet of any protocol but ICMP (it never
 * answers ICMP with ICMP). RFC 1812 (4.3.2.7) forbids that only for ICMP error
 * messages; traceroute -I and Windows' tracert probe with echo requests, and a
 * router that stays silent shows up as "* * *" in their traces. */
#ifndef VMGATE_TTL_ICMP_H
#define VMGATE_TTL_ICMP_H

#include "lwip/netif.h"
#include "lwip/pbuf.h"

/* From the IPv4 input hook, after NAT let p through untouched: if p is an ICMP
 * query (not an error message, not a later fragment) with TTL 0 or 1 that lwIP
 * would forward (its destination is not vmgate's, not broadcast or multicast, and
 * has a route), sends Time Exceeded to its source (counted with lwIP's ICMP
 * counters, `stats`), frees p and returns 1. Else 0. */
int ttl_icmp_ip4_input(struct pbuf *p, struct netif *inp);

#endif
