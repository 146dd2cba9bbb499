/* The lwIP netif on top of a struct nic. */
#ifndef VMGATE_NICIF_H
#define VMGATE_NICIF_H

#include "lwip/netif.h"
#include "lwip/ip4_addr.h"
#include "../drivers/nic.h"

/* Adds a netif for the NIC with the given address (all zero for a DHCP client)
 * and brings it up; link state follows the NIC. Returns the netif or NULL. */
struct netif *nicif_add(struct nic *n, const ip4_addr_t *addr, const ip4_addr_t *mask,
                        const ip4_addr_t *gw);
/* The netif of a NIC, or NULL if it has none. */
struct netif *nicif_of(struct nic *n);
/* What nicif_add attached, for a layer that takes a NIC's receive over and hands
 * on what is the netif's (lwip-port/bridged_glue.c): its rx callback, its link
 * callback, and its linkoutput. */
bool nicif_rx_frame(struct nic *n, struct nic_frame *f);
void nicif_link(struct nic *n);
err_t nicif_output(struct netif *nif, struct pbuf *p);
/* The NIC behind a netif, or NULL if the netif is not a NIC's. */
struct nic *nicif_nic(struct netif *nif);

#ifdef VMGATE_HOST_TEST
/* Host tests: stops the NIC timer, between test cases. */
void nicif_test_reset(void);
#endif

#endif
