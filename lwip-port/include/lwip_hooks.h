/* lwIP hooks: where vmgate's own modules plug into lwIP's IPv4 path. */
#ifndef VMGATE_LWIP_HOOKS_H
#define VMGATE_LWIP_HOOKS_H

struct pbuf;
struct netif;

/* Every IPv4 packet, before lwIP looks at it: service aliases (the DNS relay's .3),
 * then NAT. Returns nonzero if the packet was consumed. */
int vmgate_ip4_input_hook(struct pbuf *p, struct netif *inp);
/* The kernel, and the host unit tests of the glue (tests/unit/unit.mk); the fuzz
 * targets drive the modules directly, without the hook. */
#if defined(VMGATE_KERNEL) || defined(VMGATE_UNIT_GLUE)
#define LWIP_HOOK_IP4_INPUT(p, inp) vmgate_ip4_input_hook((p), (inp))
#endif

/* A frame of an ethertype lwIP does not handle (p->payload at its Ethernet header):
 * IPv6, since lwIP is built without it, whose router solicitations on a guest
 * network are answered (lwip-port/ndp_glue.h). Returns 0 (ERR_OK) if it took and
 * freed the frame; otherwise lwIP drops it as before. Where the IPv4 hook is. */
int ndp_glue_eth_input(struct pbuf *p, struct netif *nif);
#if defined(VMGATE_KERNEL) || defined(VMGATE_UNIT_GLUE)
#define LWIP_HOOK_UNKNOWN_ETH_PROTOCOL(p, nif) ndp_glue_eth_input((p), (nif))
#endif

/* TCP initial sequence numbers (RFC 6528): without this hook lwIP's are a counter
 * plus its tick count, which anyone who sees one connection can predict. The host
 * tests keep lwIP's, which are reproducible. (IPv4 only: ip_addr_t is struct ip4_addr.) */
struct ip4_addr;
#ifdef VMGATE_KERNEL
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) vmgate_tcp_isn((lip), (lport), (rip), (rport))
#endif
unsigned int vmgate_tcp_isn(const struct ip4_addr *local_ip, unsigned short local_port,
                            const struct ip4_addr *remote_ip, unsigned short remote_port);

#endif
