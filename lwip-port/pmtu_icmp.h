/* Path MTU discovery for what vmgate forwards (net/pmtu.h says why): "fragmentation
 * needed" with the next hop's MTU, to the sender as it sent the packet. lwIP's own
 * forwarder sends that message without the MTU, and after NAT would send it to the
 * translated source, vmgate itself: a black hole for the guest. */
#ifndef VMGATE_PMTU_ICMP_H
#define VMGATE_PMTU_ICMP_H

#include "../net/pmtu.h"
#include "../net/icmp_err.h"

#include "lwip/netif.h"
#include "lwip/pbuf.h"

/* Sends the message for the packet quoted by q to q's source, from vmgate's
 * address on the way back, unless q is no packet to answer (an ICMP error, a later
 * fragment, a source that is no host) or the rate limit is reached. */
void pmtu_icmp_send(const struct icmp_quote *q, u16_t mtu);

/* From the IPv4 input hook, after NAT: if p (as translated; q its quote from before)
 * is one lwIP will forward (not vmgate's, TTL above 1, a route) onto a link it is
 * too big for with DF set, answers it, frees p and returns 1. Else 0. */
int pmtu_icmp_check(struct pbuf *p, const struct icmp_quote *q);

#endif
