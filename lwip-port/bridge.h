/* An Ethernet switch across NICs (lwIP's bridgeif), with an optional IP interface of
 * its own: a NAT Network whose guests sit behind several of vmgate's NICs is one
 * broadcast domain with vmgate at .2 on the bridge. */
#ifndef VMGATE_BRIDGE_H
#define VMGATE_BRIDGE_H

#include "lwip/netif.h"
#include "../drivers/nic.h"

#define BRIDGE_MAX_PORTS 8

/* Creates a bridge over the given NICs (each gets a port netif without an address)
 * and returns the bridge's own netif, with addr/mask (may be 0 for a pure L2
 * switch). NULL on failure. */
struct netif *bridge_create(const char *name, struct nic **ports, unsigned n_ports,
                            const ip4_addr_t *addr, const ip4_addr_t *mask);

#endif
