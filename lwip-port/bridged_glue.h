/* Bridged mode (`nicN bridged`, VirtualBox's bridged adapter): the guests behind
 * nicN are stations on the WAN NIC's own segment. They take their addresses from
 * whatever serves that segment (its DHCP server), and vmgate keeps its own WAN
 * address beside them.
 *
 * The WAN NIC becomes a port of a switch (net/switch.h) named after it, kind
 * "bridged", whose other ports are the bridged NICs and an endpoint port for
 * vmgate's WAN netif (its MAC the WAN NIC's). The WAN netif stays on the WAN NIC
 * (lwip-port/nicif.c) and the fast path keeps its frames:
 *  - a frame from the WAN addressed to vmgate's WAN MAC goes where it went without
 *    the bridge (the NAT fast path, or lwIP), never through the switch: NAT costs
 *    one compare more;
 *  - every other frame from the WAN (unicast to a guest, broadcast, multicast)
 *    enters the switch, which floods broadcasts and multicasts to the guests and to
 *    the endpoint port (lwIP sees them as before);
 *  - what lwIP sends on the WAN goes out of the WAN NIC directly, unless it is a
 *    broadcast or multicast or its destination was learned behind a bridged NIC:
 *    then it enters the switch from the endpoint port;
 *  - the fast path's frames for the WAN (bridged_glue_forward) likewise: a NAT
 *    guest reaches a bridged guest's WAN address.
 * The WAN NIC is put in promiscuous mode (guests' unicast is not addressed to it).
 * One bridged segment: the first WAN NIC's. Configuration checks (a WAN must
 * exist) are config_finalize's. */
#ifndef VMGATE_BRIDGED_GLUE_H
#define VMGATE_BRIDGED_GLUE_H

#include "../drivers/nic.h"

/* Bridges ports[0..n-1] onto wan's segment; wan already has its netif
 * (nicif_add). 0 or a negative errno (said on the console). */
int bridged_glue_setup(struct nic *wan, struct nic *const *ports, unsigned n);
/* The fast path's transmit of a forwarded frame on NIC out: through the bridge when
 * out is the bridged WAN and the frame's destination is behind a bridged NIC, else
 * nic_forward_frame(out, f). */
enum nic_rx_result bridged_glue_forward(struct nic *out, struct nic_frame *f);

#ifdef VMGATE_HOST_TEST
void bridged_glue_test_reset(void);
#endif

#endif
