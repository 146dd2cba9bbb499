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

#endif
