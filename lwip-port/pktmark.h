/* What vmgate has already decided about one packet, carried with the packet: in
 * the two pbuf flag bits lwIP 2.1 leaves free (it uses 0x01-0x20). State about a
 * packet never travels through a global: a global set around a call into lwIP is
 * wrong as soon as lwIP handles another packet in that call (a queued ARP
 * packet, a reassembled datagram, an ICMP error it sends) and invisible to
 * whoever reads it later.
 *
 * The marks are exclusive; each names what the IPv4 input hook still has to do:
 *  - NAT_DONE: the NAT engine has seen the packet already (the fast path ran it,
 *    or the hook translated a rebuilt packet before feeding it to lwIP again):
 *    the hook leaves it alone.
 *  - NAT_BACK: as NAT_DONE, and the engine translated it: it may have to leave by
 *    the interface it came in on (a hairpin), which lwIP's forwarder never does,
 *    so the hook forwards it back itself when its route says so.
 *  - ALIAS: it was sent to a service alias (alias.h) whose destination has been
 *    rewritten to the netif's address; the service's receive callback asks. */
#ifndef VMGATE_PKTMARK_H
#define VMGATE_PKTMARK_H

#include "lwip/pbuf.h"

#define PKT_MARK_MASK      0xc0u
#define PKT_MARK_NONE      0x00u
#define PKT_MARK_NAT_DONE  0x40u
#define PKT_MARK_NAT_BACK  0x80u
#define PKT_MARK_ALIAS     0xc0u

_Static_assert(((PBUF_FLAG_PUSH | PBUF_FLAG_IS_CUSTOM | PBUF_FLAG_MCASTLOOP | PBUF_FLAG_LLBCAST |
                 PBUF_FLAG_LLMCAST | PBUF_FLAG_TCP_FIN) & PKT_MARK_MASK) == 0,
               "lwIP uses a pbuf flag bit that vmgate's packet marks use");

static inline unsigned pkt_mark(const struct pbuf *p)
{
    return p->flags & PKT_MARK_MASK;
}

static inline void pkt_mark_set(struct pbuf *p, unsigned mark)
{
    p->flags = (u8_t)((p->flags & ~PKT_MARK_MASK) | (mark & PKT_MARK_MASK));
}

#endif
