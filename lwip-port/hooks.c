/* The one IPv4 input hook lwIP calls, dispatching to vmgate's modules in order.
 * lwIP checks a packet's header only after this hook, and the modules here read
 * lengths and quote bytes: so the header is checked first, once, with the same
 * function the NAT parser and the fast path use (net/ip4.h), and the packet is
 * trimmed to its total length, so that nothing after it (link padding, a short
 * packet's claim of more than arrived) reaches reassembly or an ICMP quote. */
#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "alias.h"
#include "hooks.h"
#include "nat_glue.h"
#include "ttl_icmp.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include <string.h>

struct ip4_in_stats ip4_in_stats;

int vmgate_ip4_input_hook(struct pbuf *p, struct netif *inp)
{
    struct ip4_hdr_info h;
    enum ip4_check_result r = ip4_check(p->payload, p->len, p->tot_len, &h);
    if (r != IP4_OK) {
        ip4_in_stats.refused[r]++;
        IP_STATS_INC(ip.drop);
        pbuf_free(p);
        return 1;
    }
    if (h.tot_len < p->tot_len)
        pbuf_realloc(p, (u16_t)h.tot_len);
    if (alias_ip4_input(p, inp))
        return 1;
    if (nat_glue_ip4_input(p, inp))
        return 1;
    /* After NAT, whose policy (isolation, spoofing) has had its say. */
    return ttl_icmp_answer(p, inp, NULL);
}

static void cmd_ipin(int argc, char **argv)
{
    kprintf("ipin: IPv4 headers refused before lwIP:");
    for (int r = IP4_OK + 1; r < IP4_CHECK_RESULTS; r++)
        kprintf(" %s %llu", ip4_check_name((enum ip4_check_result)r), ip4_in_stats.refused[r]);
    kprintf("\n");
}
SHELL_COMMAND("ipin", "IPv4 input: headers refused before lwIP, by reason", cmd_ipin);

#ifdef VMGATE_HOST_TEST
void hooks_test_reset(void)
{
    memset(&ip4_in_stats, 0, sizeof ip4_in_stats);
}
#endif
