/* The NIC core: registration, statistics, and delivery. Statistics are counted
 * here, not in each driver, so every card reports the same way. */
#include "nic.h"
#include "../kernel/console.h"

#include "lwip/pbuf.h"

#include <errno.h>
#include <stdio.h>

static struct nic *nics[NIC_MAX];
static unsigned n_nics;

int nic_register(struct nic *n)
{
    if (n_nics == NIC_MAX) {
        kprintf("nic: more than %d NICs; ignoring %s\n", NIC_MAX, n->model);
        return -ENOSPC;
    }
    n->index = n_nics;
    snprintf(n->name, sizeof n->name, "nic%u", n_nics);
    n->admin_up = true;
    nics[n_nics++] = n;
    kprintf("%s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s\n", n->name, n->model,
            n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5],
            n->link_up ? "up" : "down");
    return 0;
}

unsigned nic_count(void) { return n_nics; }

struct nic *nic_get(unsigned index)
{
    return index < n_nics ? nics[index] : NULL;
}

void nic_input(struct nic *n, struct pbuf *p)
{
    n->stats.rx_packets++;
    n->stats.rx_bytes += p->tot_len;
    if (!n->admin_up || !n->rx) {
        n->stats.rx_dropped++;
        pbuf_free(p);
        return;
    }
    n->rx(n, p);
}

void nic_set_link(struct nic *n, bool up)
{
    if (n->link_up == up)
        return;
    n->link_up = up;
    n->stats.link_changes++;
    kprintf("%s: link %s\n", n->name, up ? "up" : "down");
    if (n->link_changed)
        n->link_changed(n);
}

int nic_transmit(struct nic *n, struct pbuf *p)
{
    if (!n->admin_up || !n->link_up) {
        n->stats.tx_dropped++;
        return -ENETDOWN;
    }
    int rc = n->ops->transmit(n, p);
    if (rc) {
        n->stats.tx_dropped++;
        return rc;
    }
    n->stats.tx_packets++;
    n->stats.tx_bytes += p->tot_len;
    return 0;
}

int nic_poll_all(int budget_per_nic)
{
    int total = 0;
    for (unsigned i = 0; i < n_nics; i++)
        total += nics[i]->ops->poll(nics[i], budget_per_nic);
    return total;
}
