/* Contract in icmp_err.h. */
#include "icmp_err.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/ip4.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip.h"
#include "lwip/stats.h"
#include "lwip/sys.h"

#include <string.h>

/* A sender learns from the first error; a window of packets in flight draws a
 * few dozen, traceroute three per hop. */
#define ICMP_ERR_PER_SEC 200

struct icmp_err_stats icmp_err_stats;

static struct {
    u32_t window_start;
    unsigned in_window;
} rate;

static const struct {
    u8_t type, code;
    const char *name;
} kinds[ICMP_ERR_KINDS] = {
    [ICMP_ERR_FRAG_NEEDED]  = {ICMP_TYPE_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, "fragmentation-needed"},
    [ICMP_ERR_TTL_EXCEEDED] = {ICMP_TYPE_TIME_EXCEEDED, ICMP_CODE_TTL, "time-exceeded"},
    [ICMP_ERR_PROHIBITED]   = {ICMP_TYPE_DEST_UNREACH, ICMP_CODE_PROHIBITED, "prohibited"},
};

static int rate_allows(void)
{
    u32_t now = sys_now();
    if (now - rate.window_start >= 1000) {
        rate.window_start = now;
        rate.in_window = 0;
    }
    if (rate.in_window >= ICMP_ERR_PER_SEC)
        return 0;
    rate.in_window++;
    return 1;
}

void icmp_err_send(enum icmp_err_kind kind, u32_t rest, const struct icmp_quote *q)
{
    uint32_t src;
    if (!icmp_quote_answerable(q, &src)) {
        icmp_err_stats.not_answered++;
        return;
    }
    ip4_addr_t to;
    ip4_addr_set_u32(&to, lwip_htonl(src));
    struct netif *out = ip4_route(&to);
    if (!out || ip4_addr_isbroadcast(&to, out) || ip4_addr_isany_val(*netif_ip4_addr(out))) {
        icmp_err_stats.no_route++;
        return;
    }
    if (!rate_allows()) {
        icmp_err_stats.limited++;
        return;
    }
    struct pbuf *m = pbuf_alloc(PBUF_IP, (u16_t)(ICMP_ERR_HDR_LEN + q->len), PBUF_RAM);
    if (!m) {
        icmp_err_stats.no_route++;
        return;
    }
    icmp_error_build(m->payload, kinds[kind].type, kinds[kind].code, rest, q);
    icmp_err_stats.sent[kind]++;
    ICMP_STATS_INC(icmp.xmit);
    /* With the DS field of the packet it is about (RFC 5508 7.7), the ECN bits
     * left out. */
    ip4_output_if(m, netif_ip4_addr(out), &to, ICMP_TTL, q->b[1] & 0xfc, IP_PROTO_ICMP, out);
    pbuf_free(m);
}

static void cmd_icmp(int argc, char **argv)
{
    kprintf("icmp errors sent:");
    for (int k = 0; k < ICMP_ERR_KINDS; k++)
        kprintf(" %s %llu", kinds[k].name, icmp_err_stats.sent[k]);
    kprintf("; rate-limited %llu, not answered %llu (ICMP errors, later fragments, no host), "
            "no route %llu; limit %d/s\n", icmp_err_stats.limited, icmp_err_stats.not_answered,
            icmp_err_stats.no_route, ICMP_ERR_PER_SEC);
}
SHELL_COMMAND("icmp", "ICMP errors vmgate sent (path MTU, time exceeded) and why not", cmd_icmp);

#ifdef VMGATE_HOST_TEST
void icmp_err_test_reset(void)
{
    memset(&icmp_err_stats, 0, sizeof icmp_err_stats);
    rate.window_start = 0;
    rate.in_window = 0;
}
#endif
