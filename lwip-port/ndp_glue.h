/* IPv6 router solicitations answered on the guest networks (net/ndp_ra.h): vmgate
 * has no IPv6 stack (lwipopts.h: LWIP_IPV6 0), so IPv6 frames reach lwIP's
 * ethernet_input as an unknown ethertype, and its LWIP_HOOK_UNKNOWN_ETH_PROTOCOL
 * (lwip_hooks.h) hands them here. On an attached netif (a NAT network, a NAT
 * Network's bridge, a host-only network) every IPv6 frame is taken: a valid
 * solicitation gets its advertisement after the RFC's random delay (one lwIP
 * timeout per network), everything else is dropped and counted by kind. On any
 * other netif (the WAN) nothing changes: lwIP drops the frame as before.
 *
 * The console command `ndp` shows each network's counters. */
#ifndef VMGATE_NDP_GLUE_H
#define VMGATE_NDP_GLUE_H

#include "../net/ndp_ra.h"

#include "lwip/netif.h"
#include "lwip/pbuf.h"

#define NDP_GLUE_MAX_NETS 8

/* Answers solicitations on nif, a guest network named label on the console (at
 * most 15 characters kept). Returns 0, -EEXIST (attached already) or -ENOSPC. */
int ndp_glue_attach(struct netif *nif, const char *label);

/* Stops answering on nif (its pending answers are dropped, its timer stopped);
 * nothing happens if it is not attached. Call before netif_remove(nif). */
void ndp_glue_detach(struct netif *nif);

/* lwIP's hook for a frame of an ethertype it does not handle (p->payload at the
 * Ethernet header). Returns 0 (ERR_OK) when the frame was taken and freed, nonzero
 * when lwIP keeps it (and drops it, as it did without the hook). */
int ndp_glue_eth_input(struct pbuf *p, struct netif *nif);

/* The counters of nif's network, or NULL when it is not attached. */
const struct ndp_ra_stats *ndp_glue_stats(const struct netif *nif);

/* The console's `ndp`: per network, the solicitations, the answers, and what was
 * dropped by reason. */
void ndp_glue_print(void);

#ifdef VMGATE_HOST_TEST
/* Detaches every network (the glue fixture's teardown). */
void ndp_glue_test_reset(void);
#endif

#endif
