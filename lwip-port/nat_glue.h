/* The NAT engine (net/nat.c) inside lwIP: the IPv4 input hook, the WAN address,
 * the networks and rules from the configuration, and the console's `nat`. */
#ifndef VMGATE_NAT_GLUE_H
#define VMGATE_NAT_GLUE_H

#include "lwip/netif.h"
#include "../net/config.h"
#include "../net/nat.h"

/* Creates the engine: cfg's table size (`nat flows`, else the default, or what
 * fits) and timeouts (`nat timeout`); NULL: defaults. */
void nat_glue_init(const struct vmgate_config *cfg);
/* The WAN netif; its address (from DHCP or static) follows it from now on. */
void nat_glue_set_wan(struct netif *nif);
/* An internal network behind nif (addresses in host order); self: vmgate's own
 * address on a host-only network, else 0. */
void nat_glue_add_net(struct netif *nif, enum nat_net_kind kind, u32_t net_host, u8_t prefix, u32_t self);
/* Adds a configured port-forwarding rule for the network behind nif. */
int nat_glue_add_rule(const struct cfg_natpf *r, struct netif *nif);
/* Guest addresses for rules without one (the DHCP server answers). */
void nat_glue_set_guest_resolver(u32_t (*fn)(void *ctx, int iface), void *ctx);
/* From LWIP_HOOK_IP4_INPUT, after the hook checked the header and trimmed p to its
 * total length: NAT, reassembly first for fragments NAT handles, and what follows
 * NAT (hairpin, Time Exceeded, path MTU); p's mark (pktmark.h) says what has been
 * done already. 1 if the packet was consumed (freed or sent), 0 to carry on. */
int nat_glue_ip4_input(struct pbuf *p, struct netif *inp);
struct nat *nat_glue_engine(void);
/* The WAN netif's status changed (address from DHCP, ...). */
void nat_glue_wan_changed(struct netif *nif);
/* After nat_process() dropped the packet at ip (len bytes, as it arrived: a drop
 * never changes a packet) that arrived on inp: tells its sender when that is what
 * the IETF asks (RFC 5508 REQ-8: no room for its flow). */
void nat_glue_refused(struct netif *inp, const u8_t *ip, size_t len);
/* For the fast path: is NAT in charge of packets arriving on nif. */
int nat_glue_handles(const struct netif *nif);

#ifdef VMGATE_HOST_TEST
/* Host tests: back to the state before any call, between test cases. */
void nat_glue_test_reset(void);
#endif

#endif
