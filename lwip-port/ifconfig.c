/* The console's `ifconfig`: every NIC with its addresses and counters. */
#include "nicif.h"
#include "../drivers/nic.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

static void cmd_ifconfig(int argc, char **argv)
{
    for (unsigned i = 0; i < nic_count(); i++) {
        struct nic *n = nic_get(i);
        struct netif *nif = nicif_of(n);
        kprintf("%s: %s mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u (max %u) link %s%s%s%s\n",
                n->name, n->model, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
                n->mac[5], n->mtu, n->max_mtu ? n->max_mtu : n->mtu, n->link_up ? "up" : "down",
                n->admin_up ? "" : " (off)", n->state == NIC_OPEN ? "" : " closed",
                n->rxmode.promisc ? " promisc" : n->rxmode.allmulti ? " allmulti" : "");
        if (nif) {
            char a[16], m[16], g[16];
            kprintf("      inet %s netmask %s gateway %s\n",
                    ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof a),
                    ip4addr_ntoa_r(netif_ip4_netmask(nif), m, sizeof m),
                    ip4addr_ntoa_r(netif_ip4_gw(nif), g, sizeof g));
        }
        kprintf("      rx %llu packets %llu bytes %llu dropped %llu errors\n"
                "      tx %llu packets %llu bytes %llu dropped %llu errors, link changes %llu\n",
                (unsigned long long)n->stats.rx_packets, (unsigned long long)n->stats.rx_bytes,
                (unsigned long long)n->stats.rx_dropped, (unsigned long long)n->stats.rx_errors,
                (unsigned long long)n->stats.tx_packets, (unsigned long long)n->stats.tx_bytes,
                (unsigned long long)n->stats.tx_dropped, (unsigned long long)n->stats.tx_errors,
                (unsigned long long)n->stats.link_changes);
        if (n->stats.tx_held)
            kprintf("      backlog: %llu frames waited for a full transmit ring, %u waiting\n",
                    (unsigned long long)n->stats.tx_held, nic_backlog_len(n));
        if (n->caps || n->stats.tx_lent || n->stats.sw_segmented || n->stats.sw_csum)
            kprintf("      offload caps %#x: rx gso %llu csum-partial %llu, tx gso %llu lent %llu, "
                    "software segmented %llu checksummed %llu\n", (unsigned)n->caps,
                    (unsigned long long)n->stats.rx_gso, (unsigned long long)n->stats.rx_csum_partial,
                    (unsigned long long)n->stats.tx_gso, (unsigned long long)n->stats.tx_lent,
                    (unsigned long long)n->stats.sw_segmented, (unsigned long long)n->stats.sw_csum);
        bool any = false;
        for (int e = 0; e < NIC_EV_KINDS; e++)
            any |= n->stats.events[e] != 0;
        if (any) {
            /* What the driver saw (drivers/nic.h, enum nic_event_kind). */
            kprintf("      events:");
            for (int e = 0; e < NIC_EV_KINDS; e++)
                if (n->stats.events[e])
                    kprintf(" %s %llu", nic_event_name((enum nic_event_kind)e),
                            (unsigned long long)n->stats.events[e]);
            kprintf("\n");
        }
        if (n->ops->hw_counters) {
            struct nic_hw_counter hw[NIC_HW_COUNTERS_MAX];
            unsigned k = n->ops->hw_counters(n, hw, NIC_HW_COUNTERS_MAX);
            kprintf("      device counters:");
            for (unsigned j = 0; j < k; j++)
                kprintf(" %s %llu", hw[j].name, (unsigned long long)hw[j].value);
            kprintf("\n");
        }
        unsigned long long odd = 0;
        for (int c = OFFLOAD_CHECK_FINISHED; c < OFFLOAD_CHECKS; c++)
            odd += n->stats.rx_offload[c];
        if (odd) {
            /* What the guest's offload facts were worth (net/offload.h). */
            kprintf("      offload facts received:");
            for (int c = OFFLOAD_CHECK_FINISHED; c < OFFLOAD_CHECKS; c++)
                kprintf(" %s %llu", offload_check_name((enum offload_check)c),
                        (unsigned long long)n->stats.rx_offload[c]);
            kprintf("\n");
        }
    }
}
SHELL_COMMAND("ifconfig", "show NICs, addresses and counters", cmd_ifconfig);
