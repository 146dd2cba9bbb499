/* Glue between a NIC and lwIP: frames in go to netif->input (ethernet_input), frames
 * out come through linkoutput. Buffer rules at this boundary (lwIP's): a non-ERR_OK
 * return from netif->input leaves the pbuf with us, so we free it; linkoutput never
 * takes the pbuf, and nic_transmit() copies it. */
#include "nicif.h"
#include "../kernel/console.h"

#include "lwip/etharp.h"
#include "netif/ethernet.h"

#include <string.h>

static struct netif netifs[NIC_MAX];

static err_t nicif_linkoutput(struct netif *nif, struct pbuf *p)
{
    struct nic *n = nif->state;
    int rc = nic_transmit(n, p);
    if (rc == 0) {
        LINK_STATS_INC(link.xmit);
        return ERR_OK;
    }
    LINK_STATS_INC(link.drop);
    return ERR_IF;
}

static void nicif_rx(struct nic *n, struct pbuf *p)
{
    struct netif *nif = n->upper;
    LINK_STATS_INC(link.recv);
    if (nif->input(p, nif) != ERR_OK) {
        n->stats.rx_dropped++;
        pbuf_free(p);
    }
}

static void nicif_link_changed(struct nic *n)
{
    struct netif *nif = n->upper;
    if (n->link_up)
        netif_set_link_up(nif);
    else
        netif_set_link_down(nif);
}

static err_t nicif_init(struct netif *nif)
{
    struct nic *n = nif->state;
    nif->name[0] = 'n';
    nif->name[1] = (char)('0' + n->index);
    nif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(nif->hwaddr, n->mac, ETH_HWADDR_LEN);
    nif->mtu = n->mtu;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    nif->output = etharp_output;
    nif->linkoutput = nicif_linkoutput;
    return ERR_OK;
}

struct netif *nicif_add(struct nic *n, const ip4_addr_t *addr, const ip4_addr_t *mask,
                        const ip4_addr_t *gw)
{
    struct netif *nif = &netifs[n->index];
    if (!netif_add(nif, addr, mask, gw, n, nicif_init, ethernet_input))
        return NULL;
    n->upper = nif;
    n->rx = nicif_rx;
    n->link_changed = nicif_link_changed;
    netif_set_up(nif);
    if (n->link_up)
        netif_set_link_up(nif);
    return nif;
}

struct netif *nicif_of(struct nic *n)
{
    return n->upper;
}

struct nic *nicif_nic(struct netif *nif)
{
    if (nif < netifs || nif >= netifs + NIC_MAX)
        return NULL;
    return nif->state;
}
