/* The DHCP server on lwIP: one pure server (net/dhcps.h) per NAT or host-only
 * network, all fed by one UDP PCB on port 67 that dispatches by the netif a
 * datagram arrived on. DISCOVERs from 0.0.0.0 to 255.255.255.255 reach the PCB
 * without help: ip4_input accepts a limited broadcast on any netif that is up with
 * an address, and skips its source check for 0.0.0.0 because LWIP_DHCP makes
 * IP_ACCEPT_LINK_LAYER_ADDRESSING 1. Datagrams to port 67 on other netifs (the
 * WAN) are dropped and counted: vmgate serves only its own networks. The IPv4
 * input hook runs before all this: whatever sits there (NAT) must let through
 * datagrams from 0.0.0.0 and to 255.255.255.255, port 67, on the networks
 * vmgate serves. */
#ifndef VMGATE_DHCPS_GLUE_H
#define VMGATE_DHCPS_GLUE_H

#include "../net/config.h"
#include "../net/dhcps.h"

#include "lwip/netif.h"

#include <stdint.h>

/* Starts the DHCP server of NIC nic_index, whose lwIP interface is nif, from its
 * configuration: a NAT network (server and router .2, DNS .3, pool from .15) or a
 * host-only network (vmgate's own address is server, router and DNS; pool from
 * .15, skipping that address); reservations are cfg's `dhcp nicN host` entries
 * for this NIC. The first call opens the PCB and the once-a-second expiry timer.
 * Returns 0, -EINVAL (another role, or a network the server refuses), -EEXIST
 * (nif has one already), -ENOSPC (CFG_MAX_NICS servers) or -ENOMEM. */
int dhcps_glue_attach(struct netif *nif, const struct cfg_nic *nic_cfg,
                      const struct vmgate_config *cfg, int nic_index);

/* Stops nif's server and forgets its leases; the last one out closes the PCB and
 * the timer. Nothing happens if nif has none. */
void dhcps_glue_detach(struct netif *nif);

/* The NAT engine's guest resolver (nat_set_guest_resolver in net/nat.h): the
 * lowest bound address on the network of the netif whose netif->num is iface, or
 * 0 if there is none or no server there. ctx is unused. */
uint32_t dhcps_glue_first_lease(void *ctx, int iface);

/* The server on the netif whose netif->num is iface, or NULL: for modules that
 * add to it later (the PXE policy sets its boot hook). */
struct dhcps *dhcps_glue_server(int iface);

#endif
