/* Bridged mode: the WAN NIC's segment extended to the guests of the bridged NICs
 * (the contract and why in bridged_glue.h). This file sits between the WAN NIC and
 * its netif: it takes the NIC's receive and fast path hooks and the netif's
 * linkoutput, and sends on to nicif.c's and fastpath.c's what is vmgate's. */
#include "bridged_glue.h"
#include "fastpath.h"
#include "nicif.h"
#include "switch_glue.h"
#include "../kernel/console.h"

#include "lwip/netif.h"
#include "lwip/pbuf.h"

#include <errno.h>
#include <string.h>

/* The one bridged segment (configuration, set once at boot). */
static struct {
    struct switch_glue *g;
    struct nic *wan;
    struct netif *nif;
    unsigned uplink, host;              /* the WAN NIC's port, the endpoint's */
} br;

static bool for_vmgate(const struct nic_frame *f)
{
    return f->len >= 6 && memcmp(f->data, br.nif->hwaddr, 6) == 0;
}

/* Whether a frame that vmgate sends to dst must cross the switch: a group address
 * (the guests are on the segment too), or a station learned behind a bridged NIC. */
static bool via_switch(const uint8_t *dst)
{
    if (dst[0] & 1)
        return true;
    int port = switch_fdb_lookup(switch_glue_switch(br.g), SWITCH_VID_DEFAULT, dst, switch_glue_now());
    return port >= 0 && (unsigned)port != br.uplink && (unsigned)port != br.host;
}

/* The WAN NIC's fast path hook. */
static enum nic_rx_result wan_fast(struct nic *n, struct nic_frame *f, bool *handled)
{
    if (for_vmgate(f))                  /* not handled: the core hands it to wan_rx */
        return fastpath_enabled() ? fastpath_input(n, f, handled) : NIC_RX_DONE;
    *handled = true;
    return switch_glue_nic_input(br.g, br.uplink, f, f->owner != NULL);
}

/* The WAN NIC's rx callback: what the fast path did not take, finished in
 * software, or spread over buffers. */
static bool wan_rx(struct nic *n, struct nic_frame *f)
{
    if (for_vmgate(f))
        return nicif_rx_frame(n, f);
    switch_glue_nic_input(br.g, br.uplink, f, false);
    return true;
}

static void wan_link(struct nic *n)
{
    nicif_link(n);
    switch_glue_port_up(br.g, br.uplink, n->link_up && n->admin_up);
}

/* The endpoint port: a frame of the segment for vmgate (a broadcast, or a guest's
 * frame to vmgate's WAN MAC) into the WAN netif, as lwIP's slow path. */
static int host_tx(struct switch_port *p, struct switch_frame *f, bool may_take)
{
    (void)p;
    (void)may_take;
    return switch_glue_to_netif(br.nif, f, 0);
}

static err_t wan_linkoutput(struct netif *nif, struct pbuf *p)
{
    if (p->len >= 6 && via_switch(p->payload))
        return switch_glue_output(br.g, br.host, p);
    return nicif_output(nif, p);
}

enum nic_rx_result bridged_glue_forward(struct nic *out, struct nic_frame *f)
{
    if (!br.g || out != br.wan || !via_switch(f->data))
        return nic_forward_frame(out, f);
    return switch_glue_nic_input(br.g, br.host, f, f->owner != NULL);
}

int bridged_glue_setup(struct nic *wan, struct nic *const *ports, unsigned n)
{
    struct netif *nif = nicif_of(wan);
    if (br.g || !nif) {
        kprintf("bridged: %s has no interface to bridge to\n", wan->name);
        return -ENODEV;
    }
    struct switch_glue *g = switch_glue_create(wan->name, "bridged", NULL);
    if (!g)
        return -ENOMEM;
    int up = switch_glue_add_shared_nic(g, wan, NULL);
    if (up < 0)
        return up;
    struct switch_port_conf host = {.name = "vmgate", .transmit = host_tx, .mac = nif->hwaddr};
    int h = switch_glue_add_port(g, &host);
    if (h < 0) {
        kprintf("bridged: no port for vmgate's own address (error %d)\n", h);
        switch_glue_port_up(g, (unsigned)up, false);
        return h;
    }
    br.g = g;
    br.wan = wan;
    br.nif = nif;
    br.uplink = (unsigned)up;
    br.host = (unsigned)h;
    nic_attach(wan, wan_rx, wan_link, nif);     /* open already: swaps the callbacks */
    wan->fastpath = wan_fast;
    nif->linkoutput = wan_linkoutput;
    unsigned joined = 0;
    for (unsigned i = 0; i < n; i++)
        if (switch_glue_add_nic(g, ports[i], NULL) == 0) {
            kprintf("%s: bridged to %s's segment\n", ports[i]->name, wan->name);
            joined++;
        }
    kprintf("bridged %s: %u NICs on its segment; vmgate keeps its own address there\n", wan->name, joined);
    return 0;
}

#ifdef VMGATE_HOST_TEST
void bridged_glue_test_reset(void)
{
    memset(&br, 0, sizeof br);
}
#endif
