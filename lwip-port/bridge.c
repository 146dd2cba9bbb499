/* Bridges on lwIP's bridgeif. Each member NIC gets a netif with no address whose
 * input bridgeif takes over; frames for the bridge's MAC, and broadcasts, go up to
 * the bridge netif (through alias_netif_input, so service aliases answer ARP there),
 * the rest is switched between the ports by the learned forwarding database. */
#include "bridge.h"
#include "nicif.h"
#include "alias.h"
#include "../kernel/console.h"

#include "netif/bridgeif.h"
#include "lwip/mem.h"

#include <string.h>

#define BRIDGE_MAX 4
#define BRIDGE_FDB_DYNAMIC 256

static struct netif bridges[BRIDGE_MAX];
static netif_linkoutput_fn bridgeif_linkoutput[BRIDGE_MAX];
static unsigned n_bridges;

/* Frames the bridge's own stack sends. bridgeif never sends a frame out of the port
 * whose index is in p->if_idx (the port it arrived on), and lwIP answers an echo
 * request in the very pbuf that brought it, marked with that port: the reply would
 * never reach the asker. What vmgate itself sends arrived on no port. */
static err_t bridge_linkoutput(struct netif *br, struct pbuf *p)
{
    p->if_idx = NETIF_NO_INDEX;
    return bridgeif_linkoutput[br - bridges](br, p);
}

struct netif *bridge_create(const char *name, struct nic **ports, unsigned n_ports,
                            const ip4_addr_t *addr, const ip4_addr_t *mask)
{
    if (n_bridges == BRIDGE_MAX || n_ports == 0 || n_ports > BRIDGE_MAX_PORTS) {
        kprintf("bridge %s: too many bridges or ports\n", name);
        return NULL;
    }
    /* The bridge's MAC: the first port's, made locally administered, so it is
     * stable across boots and distinct from every NIC's own. */
    bridgeif_initdata_t init;
    memset(&init, 0, sizeof init);
    memcpy(init.ethaddr.addr, ports[0]->mac, 6);
    init.ethaddr.addr[0] = (u8_t)((init.ethaddr.addr[0] | 0x02) & 0xfe);
    init.ethaddr.addr[5] ^= 0x80;
    init.max_ports = (u8_t)n_ports;
    init.max_fdb_dynamic_entries = BRIDGE_FDB_DYNAMIC;
    init.max_fdb_static_entries = 4;

    struct netif *br = &bridges[n_bridges];
    ip4_addr_t gw;
    ip4_addr_set_zero(&gw);
    if (!netif_add(br, addr, mask, &gw, &init, bridgeif_init, alias_netif_input)) {
        kprintf("bridge %s: cannot create\n", name);
        return NULL;
    }
    bridgeif_linkoutput[n_bridges] = br->linkoutput;
    br->linkoutput = bridge_linkoutput;
    n_bridges++;
    ip4_addr_t none;
    ip4_addr_set_zero(&none);
    for (unsigned i = 0; i < n_ports; i++) {
        struct netif *port = nicif_add(ports[i], &none, &none, &none);
        if (!port || bridgeif_add_port(br, port) != ERR_OK) {
            kprintf("bridge %s: cannot add %s\n", name, ports[i]->name);
            continue;
        }
        /* A switch port takes every frame: those for the guests behind the other
         * ports are not addressed to this NIC's MAC, and a NIC that filters by
         * address (e1000, PCnet) would drop them. */
        if (nic_set_promisc(ports[i], true) != 0)
            kprintf("bridge %s: %s cannot receive every frame; guests behind it may not be "
                    "reached\n", name, ports[i]->name);
    }
    /* What crosses the bridge must fit every port. */
    br->mtu = ports[0]->mtu;
    for (unsigned i = 1; i < n_ports; i++)
        if (ports[i]->mtu < br->mtu)
            br->mtu = ports[i]->mtu;
    netif_set_up(br);
    netif_set_link_up(br);
    kprintf("bridge %s: %u ports, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", name, n_ports,
            br->hwaddr[0], br->hwaddr[1], br->hwaddr[2], br->hwaddr[3], br->hwaddr[4], br->hwaddr[5]);
    return br;
}
