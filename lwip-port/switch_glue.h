/* The switches of internal networks and NAT Networks (net/switch.h) with their ports:
 * NICs, and on a NAT Network vmgate's own router, an lwIP netif.
 *
 * NIC ports. A NIC becomes a port by nic_attach (this glue is the layer above it) in
 * promiscuous mode, with the switch as its fast path: every frame the NIC core has
 * checked goes straight into switch_input() in the poll loop, offload facts and all,
 * and a frame switched to another NIC goes out by nic_forward_frame(), its receive
 * buffer lent to that NIC's transmit ring (a 64 KiB GSO frame crosses whole between
 * two guests whose NICs have TSO). Frames between guests of one segment never touch
 * lwIP. The port's link follows the NIC's carrier.
 *
 * The router port (NAT Networks). vmgate's address on the network is an lwIP netif
 * that is an endpoint port of the switch (net/switch.h, PORTS): it receives
 * broadcasts, multicasts and unicast to its MAC, never guests' unicast to each
 * other. What lwIP sends on the netif enters the switch as a frame from that port.
 * The fast path (lwip-port/fastpath.c) sees the router's frames before lwIP does, as
 * it sees a NIC's, and sends into the switch from the router port: a NAT Network's
 * guests reach the WAN, and the WAN them, without lwIP for flows NAT knows.
 * Everything that attaches to a network's netif today (DHCP server, DNS relay at .3,
 * NAT, TFTP at .4, HTTP) attaches to this one. It sits in VLAN 1, untagged: a port in
 * another VLAN does not reach it.
 *
 * Other ports (UDP tunnels: lwip-port/tunnel_glue.c) join a switch by name through
 * switch_glue_find() and switch_glue_add_port(), and hand their frames to
 * switch_glue_input(). */
#ifndef VMGATE_SWITCH_GLUE_H
#define VMGATE_SWITCH_GLUE_H

#include "lwip/netif.h"
#include "lwip/ip4_addr.h"
#include "../drivers/nic.h"
#include "../net/config.h"
#include "../net/switch.h"

#define SWITCH_GLUE_MAX CFG_MAX_SWITCHES

struct switch_glue;

/* Makes the switch of network `name` ("intnet" or "natnet" as kind, for the
 * console) with the limits of its `switch NAME ...` statement (settings may be
 * NULL). NULL when there is no room or memory (said on the console). */
struct switch_glue *switch_glue_create(const char *name, const char *kind,
                                       const struct cfg_switch *settings);
/* Makes nic a port, with the VLANs of its `nicN vlan` statement. 0 or a negative
 * errno (said on the console; the NIC is then left closed). */
int switch_glue_add_nic(struct switch_glue *g, struct nic *n, const struct cfg_vlan *vlan);
/* Makes nic a port as switch_glue_add_nic does, but leaves its frames to whoever
 * has it attached (the bridged WAN, whose netif stays lwIP's: lwip-port/
 * bridged_glue.c), which hands them to switch_glue_nic_input() and sets the port's
 * link by switch_glue_port_up(). The port's index, or a negative errno. */
int switch_glue_add_shared_nic(struct switch_glue *g, struct nic *n, const struct cfg_vlan *vlan);
/* A frame from a NIC port (its buffers may be lent on when lendable): NIC_RX_LENT
 * when a port took them. */
enum nic_rx_result switch_glue_nic_input(struct switch_glue *g, unsigned port, struct nic_frame *f,
                                         bool lendable);
void switch_glue_port_up(struct switch_glue *g, unsigned port, bool up);
/* A frame for an endpoint's netif: its bytes, all its buffers, copied into a pool
 * pbuf (the tail of a short frame zeroed) marked with pbuf_flags (lwip-port/
 * pktmark.h) and handed to nif->input. SWITCH_SENT, or -ENOMEM. */
int switch_glue_to_netif(struct netif *nif, const struct switch_frame *f, uint8_t pbuf_flags);
/* What lwIP sends on an endpoint port's netif, into the switch from that port
 * (copied: p stays the caller's). ERR_IF when too long, or when re-entered. */
err_t switch_glue_output(struct switch_glue *g, unsigned port, struct pbuf *p);

/* Adds vmgate's router port: a netif with addr/mask, whose MAC is derived from
 * mac_seed (a port NIC's MAC, made locally administered), MTU the smallest of the
 * NIC ports'. Returns the netif, up, or NULL. At most one per switch. */
struct netif *switch_glue_add_router(struct switch_glue *g, const ip4_addr_t *addr,
                                     const ip4_addr_t *mask, const uint8_t mac_seed[6]);

/* Adds any other port (a tunnel): its index, or switch_add_port()'s error. */
int switch_glue_add_port(struct switch_glue *g, const struct switch_port_conf *c);
/* A port's VLANs from its configuration (NULL: access in VLAN 1): 0 or -EINVAL. */
int switch_glue_set_vlan(struct switch_glue *g, unsigned port, const struct cfg_vlan *vlan);
/* A frame from port `port`, now (switch_input with lwIP's clock). */
enum switch_result switch_glue_input(struct switch_glue *g, unsigned port, struct switch_frame *f);

/* The fast path's transmit of a forwarded frame (its Ethernet header rewritten, the
 * router's MAC as source) into a NAT Network's switch from its router port, lent on
 * where f->owner allows. */
enum nic_rx_result switch_glue_router_forward(struct netif *router, struct nic_frame *f);

/* The switch of network `name`, or NULL. */
struct switch_glue *switch_glue_find(const char *name);
/* The clock switch_input() is to be given (lwIP's sys_now()). */
uint32_t switch_glue_now(void);
/* The router netif of a switch, or NULL; whether a netif is one. */
struct netif *switch_glue_router(struct switch_glue *g);
bool switch_glue_is_router(const struct netif *nif);

/* The switch behind a glue (the console, host tests). */
struct eth_switch *switch_glue_switch(struct switch_glue *g);

#ifdef VMGATE_HOST_TEST
/* Host tests: removes every switch and its netif, between test cases. */
void switch_glue_test_reset(void);
#endif

#endif
