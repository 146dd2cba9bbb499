/* Service aliases: extra IPv4 addresses on a netif that answer ARP and ping and
 * deliver a chosen UDP and TCP port to vmgate's own sockets, without being the
 * netif's address. A NAT network's DNS relay lives at .3 and its TFTP server also at
 * .4 while vmgate is .2 (VirtualBox's layout); lwIP has one address per netif, so .3
 * and .4 are aliases. */
#ifndef VMGATE_ALIAS_H
#define VMGATE_ALIAS_H

#include "lwip/netif.h"
#include "lwip/pbuf.h"

#include <stdbool.h>

#define ALIAS_MAX 16

/* Adds addr (network byte order, as in ip4_addr_t) on nif; UDP datagrams to
 * addr:udp_port and TCP segments to addr:tcp_port (0: none) are delivered as if
 * sent to the netif's own address. With a TCP port, nif->output is wrapped so that
 * segments from the netif's address and that port leave from addr (at most one
 * alias with a TCP port per netif; call after the netif's output is set). */
int alias_add(struct netif *nif, const ip4_addr_t *addr, u16_t udp_port, u16_t tcp_port);
/* As alias_add, and UDP datagrams to addr on ports lo..hi (0, 0: none) are
 * delivered too: a service whose exchanges move to ports of their own (TFTP, whose
 * transfers each have one: tftp_glue.h). No UDP port may be delivered by two
 * aliases of one netif. Returns 0, -ENOSPC, -EEXIST (a port is taken, or a second
 * TCP port on nif), -EINVAL (lo > hi). */
int alias_add_udp_range(struct netif *nif, const ip4_addr_t *addr, u16_t udp_port, u16_t lo,
                        u16_t hi, u16_t tcp_port);
/* netif->input for netifs that may carry aliases: answers ARP for them, passes the
 * rest to ethernet_input. */
err_t alias_netif_input(struct pbuf *p, struct netif *nif);
/* From the IPv4 input hook: handles packets addressed to an alias. Returns 1 if it
 * consumed (and freed) p, 0 to let lwIP carry on (with the destination rewritten). */
int alias_ip4_input(struct pbuf *p, struct netif *inp);
/* Whether p, received on nif, was sent to nif's alias for udp_port (stored in *addr
 * if addr is not NULL) before alias_ip4_input() rewrote its destination: the
 * packet carries the mark (pktmark.h). For a service's receive callback, where
 * the rewrite makes "to .3" and "to .2" look alike. */
bool alias_packet_was_for(const struct pbuf *p, const struct netif *nif, u16_t udp_port,
                          ip4_addr_t *addr);
/* Is addr (network byte order) one of the aliases, on any netif? */
bool alias_is_address(u32_t addr);

#ifdef VMGATE_HOST_TEST
/* Host tests: back to the state before any call, between test cases. */
void alias_test_reset(void);
#endif

#endif
