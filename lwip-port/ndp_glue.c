/* Router solicitations answered on the guest networks: contract in ndp_glue.h. */
#include "ndp_glue.h"
#include "../kernel/console.h"
#include "../kernel/shell.h"

#include "lwip/opt.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct ndp_net {
    struct netif *nif;
    char label[16];
    bool timer_armed;
    struct ndp_ra_net ra;
};

static struct ndp_net nets[NDP_GLUE_MAX_NETS];

static struct ndp_net *find(const struct netif *nif)
{
    for (unsigned i = 0; i < NDP_GLUE_MAX_NETS; i++)
        if (nets[i].nif == nif)
            return &nets[i];
    return NULL;
}

static void arm(struct ndp_net *n);

/* The network's timer: sends every answer that is due, then waits for the next. */
static void due(void *arg)
{
    struct ndp_net *n = arg;
    n->timer_armed = false;
    uint8_t frame[NDP_RA_FRAME_LEN];
    size_t len;
    while ((len = ndp_ra_take_due(&n->ra, sys_now(), frame, sizeof frame)) != 0) {
        struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
        if (!q) {
            LINK_STATS_INC(link.memerr);
            continue;                   /* this answer is lost; a solicitor asks again */
        }
        memcpy(q->payload, frame, len);
        if (n->nif->linkoutput(n->nif, q) != ERR_OK)
            LINK_STATS_INC(link.err);
        pbuf_free(q);
    }
    arm(n);
}

/* Sets the timer to the earliest pending answer, if any. */
static void arm(struct ndp_net *n)
{
    if (n->timer_armed) {
        sys_untimeout(due, n);
        n->timer_armed = false;
    }
    int32_t wait = ndp_ra_next_due(&n->ra, sys_now());
    if (wait < 0)
        return;
    sys_timeout((u32_t)wait, due, n);
    n->timer_armed = true;
}

int ndp_glue_attach(struct netif *nif, const char *label)
{
    if (find(nif))
        return -EEXIST;
    struct ndp_net *n = find(NULL);
    if (!n)
        return -ENOSPC;
    memset(n, 0, sizeof *n);
    n->nif = nif;
    snprintf(n->label, sizeof n->label, "%s", label);
    ndp_ra_init(&n->ra, nif->hwaddr, sys_now());
    uint8_t ll[16];
    ndp_link_local(nif->hwaddr, ll);
    /* fe80:0:0:0 and the identifier's leading zero groups are one run of zeros,
     * written "::" (RFC 5952); the identifier always has ff:fe in it. */
    char text[40];
    size_t at = (size_t)snprintf(text, sizeof text, "fe80:");
    bool started = false;
    for (unsigned g = 4; g < 8; g++) {
        unsigned v = (unsigned)ll[2 * g] << 8 | ll[2 * g + 1];
        if (!v && !started)
            continue;
        at += (size_t)snprintf(text + at, sizeof text - at, ":%x", v);
        started = true;
    }
    kprintf("%s: IPv6 router solicitations answered from %s (not a default router, "
            "no prefixes, no DHCPv6)\n", n->label, text);
    return 0;
}

void ndp_glue_detach(struct netif *nif)
{
    struct ndp_net *n = nif ? find(nif) : NULL;
    if (!n)
        return;
    if (n->timer_armed)
        sys_untimeout(due, n);
    memset(n, 0, sizeof *n);
}

int ndp_glue_eth_input(struct pbuf *p, struct netif *nif)
{
    struct ndp_net *n = find(nif);
    if (!n || p->len < 14)
        return ERR_VAL;
    const u8_t *eth = p->payload;
    if ((eth[12] << 8 | eth[13]) != NDP_ETHERTYPE_IPV6)
        return ERR_VAL;
    /* A solicitation is one small frame; the parser needs its bytes in one piece. */
    u8_t buf[NDP_RS_MAX_FRAME];
    size_t len = p->tot_len;
    const u8_t *frame = p->payload;
    if (p->len < p->tot_len) {
        if (len > sizeof buf)
            len = sizeof buf + 1;       /* too long: the parser says so unread */
        else
            pbuf_copy_partial(p, buf, (u16_t)len, 0);
        frame = buf;
    }
    enum ndp_rs_result r = ndp_ra_input(&n->ra, frame, len, sys_now(), LWIP_RAND());
    pbuf_free(p);
    if (r == NDP_RS_OK)
        arm(n);
    return ERR_OK;
}

const struct ndp_ra_stats *ndp_glue_stats(const struct netif *nif)
{
    const struct ndp_net *n = find(nif);
    return n ? &n->ra.stats : NULL;
}

void ndp_glue_print(void)
{
    unsigned shown = 0;
    for (unsigned i = 0; i < NDP_GLUE_MAX_NETS; i++) {
        const struct ndp_net *n = &nets[i];
        if (!n->nif)
            continue;
        const struct ndp_ra_stats *s = &n->ra.stats;
        kprintf("%s: solicitations %llu, answered %llu, coalesced %llu, rate-limited %llu, "
                "table full %llu\n", n->label, s->frames[NDP_RS_OK], s->answered, s->coalesced,
                s->rate_limited, s->table_full);
        kprintf("  dropped:");
        for (int r = NDP_RS_OTHER; r < NDP_RS_RESULTS; r++)
            kprintf("%s %s %llu", r == NDP_RS_OTHER ? "" : ",", ndp_rs_result_name((enum ndp_rs_result)r),
                    s->frames[r]);
        kprintf("\n");
        shown++;
    }
    if (!shown)
        kprintf("ndp: no network answers router solicitations\n");
}

static void cmd_ndp(int argc, char **argv)
{
    ndp_glue_print();
}
SHELL_COMMAND("ndp", "IPv6 router solicitations answered on each guest network, and drops", cmd_ndp);

#ifdef VMGATE_HOST_TEST
void ndp_glue_test_reset(void)
{
    for (unsigned i = 0; i < NDP_GLUE_MAX_NETS; i++)
        if (nets[i].nif)
            ndp_glue_detach(nets[i].nif);
}
#endif
