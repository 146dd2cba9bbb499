/* The DNS relay on lwIP: a UDP socket on port 53 for guests and one towards the
 * upstream resolvers, around the pure relay in net/dnsrelay.c.
 *
 * Where guests reach it: on a NAT network at NET + 3 only (a service alias, so that
 * every answer can come from .3; queries to vmgate's .2 are dropped), on a host-only
 * network at vmgate's own address there. Never on the WAN: vmgate is no open
 * resolver. Over UDP here; TCP to port 53 (what a guest tries after a TC answer)
 * at the same addresses is spliced to the first upstream server (dnstcp.h).
 *
 * Upstream servers, first that applies: the configuration's global `dns`
 * statement; the static WAN's `dns`; what the WAN's DHCP lease gave (lwIP's
 * dns_getserver()). They are re-read when the WAN's address changes and every
 * second (a DHCP renewal may change them without changing the address). While the
 * WAN has no address there is no server, and guests get SERVFAIL at once. */
#ifndef VMGATE_DNSRELAY_GLUE_H
#define VMGATE_DNSRELAY_GLUE_H

#include "../net/config.h"
#include "lwip/netif.h"

#include <stdint.h>

#define DNSRELAY_GLUE_TICK_MS      250     /* retry and expiry resolution */
#define DNSRELAY_GLUE_REFRESH_TICKS 4      /* servers re-read every second */
#define DNSRELAY_GLUE_MAX_IFACES   CFG_MAX_NICS
/* The upstream socket's port is drawn from the dynamic range (RFC 6335). */
#define DNSRELAY_GLUE_PORT_MIN     49152
#define DNSRELAY_GLUE_PORT_DRAWS   16

/* Creates the sockets and the timer and notes where upstream servers come from.
 * cfg must stay valid (the appliance's configuration does). Call once, after
 * lwip_init() and before the other functions. Returns 0 or -ENOMEM. */
int dnsrelay_glue_init(const struct vmgate_config *cfg);

/* Serves guests on nif: at its network's .3 if nat_network (adding the service
 * alias; nif's frames must pass through alias_netif_input, as appliance.c and
 * bridge.c arrange, for the alias to answer ARP), else at nif's own address.
 * Returns 0, or -ENOSPC when no room is left (for the interface or its alias). */
int dnsrelay_glue_attach(struct netif *nif, int nat_network);

/* The WAN is wan and its address may have changed (call once when the WAN is set
 * up, then from its status callback): binds the upstream socket to it, draws a new
 * upstream port if the address changed, and re-reads the upstream servers. */
void dnsrelay_glue_wan_changed(struct netif *wan);

/* Copies up to max upstream servers (host byte order, in the order tried) to out;
 * returns how many. */
unsigned dnsrelay_glue_servers(uint32_t *out, unsigned max);

/* The upstream socket's local port on the WAN address, for the NAT engine's port
 * filter: NAT must never hand that port to a guest's flow. */
uint16_t dnsrelay_glue_upstream_port(void);

#endif
