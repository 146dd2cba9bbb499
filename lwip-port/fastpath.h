/* The forwarding fast path: frames of known flows go from one NIC to another in the
 * poll loop, without lwIP (see fastpath.c). */
#ifndef VMGATE_FASTPATH_H
#define VMGATE_FASTPATH_H

#include "../drivers/nic.h"
#include "lwip/arch.h"

struct fastpath_stats {
    unsigned long long forwarded, to_lwip, dropped, not_taken, too_big;
};

extern struct fastpath_stats fastpath_stats;

/* nic->fastpath for NICs whose netif routes (WAN, NAT and host-only networks). */
enum nic_rx_result fastpath_input(struct nic *n, struct nic_frame *f, bool *handled);
/* The same for a frame that reached a NAT Network's router port (router, its
 * netif): when the fast path does not finish it, to_lwip(ctx, f) hands it to that
 * netif with f->pbuf_flags set. Returns at once, not handled, when the fast path is
 * off. f is lent on only if f->owner is set. */
struct netif;
enum nic_rx_result fastpath_router_input(struct netif *router, struct nic_frame *f,
                                         void (*to_lwip)(void *ctx, struct nic_frame *f), void *ctx,
                                         bool *handled);
/* Attaches the fast path to every NIC that can use it; `fastpath on|off` on the
 * console does the same at run time. */
void fastpath_attach_all(void);
void fastpath_detach_all(void);
/* Whether the fast path is on (the boot's fastpath_attach_all, `fastpath on`). */
bool fastpath_enabled(void);

/* Is dst (network order) vmgate itself (an interface address, a subnet broadcast,
 * a service alias) or a broadcast or multicast group? */
int vmgate_ip4_is_local_or_group(u32_t dst_n);

#ifdef VMGATE_HOST_TEST
/* Host tests: back to the state before any call, between test cases. */
void fastpath_test_reset(void);
#endif

#endif
