/* The NAT tests' fixture (see nat_fixture.h). */
#include "nat_fixture.h"

#include "arch/cc.h"    /* vmgate_random32_cb: the seeded host generator */

#include <string.h>

static struct nat *fx;
static uint64_t drops_before[NAT_DROP_REASONS];
uint32_t fx_resolved;
uint16_t fx_held[8];

struct nat *fx_nat(unsigned max_flows)
{
    static const struct nat_net nets[] = {
        {.iface = IF_NAT1, .kind = NAT_NET_NAT, .net = NET1, .prefix = 24},
        {.iface = IF_NAT2, .kind = NAT_NET_NAT, .net = NET2, .prefix = 24},
        {.iface = IF_HO, .kind = NAT_NET_HOSTONLY, .net = HONET, .prefix = 24, .self = HOSELF},
    };

    fx_done();
    fx = nat_create(max_flows, vmgate_random32_cb, NULL);
    REQUIRE(fx != NULL);
    for (unsigned i = 0; i < sizeof nets / sizeof nets[0]; i++)
        REQUIRE_EQ_INT(nat_add_net(fx, &nets[i]), 0);
    nat_set_wan(fx, IF_WAN, WAN_ADDR);
    fx_resolved = 0;
    memset(fx_held, 0, sizeof fx_held);
    return fx;
}

void fx_done(void)
{
    nat_destroy(fx);
    fx = NULL;
}

enum nat_verdict fx_run(struct nat *nat, struct fx_pkt *p, int iface, uint32_t now_ms)
{
    const struct nat_stats *s = nat_get_stats(nat);

    memcpy(drops_before, s->drops, sizeof drops_before);
    return nat_process(nat, p->b, p->len, iface, now_ms);
}

void fx_check_csums(const char *file, int line, const struct fx_pkt *p)
{
    const char *what;

    if (!pb_csums_ok(p->b, p->len, &what))
        unit_fail(false, file, line, "%s differs from a full recomputation", what);
}

void fx_check_drop(const char *file, int line, struct nat *nat, const char *expr,
                   enum nat_verdict v, enum nat_drop_reason reason)
{
    const struct nat_stats *s = nat_get_stats(nat);

    if (v != NAT_DROP) {
        unit_fail(false, file, line, "%s: verdict %d, expected NAT_DROP (%s)", expr, v,
                  nat_drop_reason_name(reason));
        return;
    }
    if (nat_last_drop(nat) != reason)
        unit_fail(false, file, line, "%s: dropped as %s, expected %s", expr,
                  nat_drop_reason_name(nat_last_drop(nat)), nat_drop_reason_name(reason));
    for (unsigned i = 0; i < NAT_DROP_REASONS; i++) {
        uint64_t want = drops_before[i] + (i == (unsigned)reason);
        if (s->drops[i] != want)
            unit_fail(false, file, line, "%s: counter %s is %llu, expected %llu", expr,
                      nat_drop_reason_name((enum nat_drop_reason)i),
                      (unsigned long long)s->drops[i], (unsigned long long)want);
    }
}

struct flow_search {
    uint8_t proto;
    uint32_t addr;
    uint16_t port;
    unsigned found;
    struct nat_flow_info info;
};

static void flow_visit(void *ctx, const struct nat_flow_info *f)
{
    struct flow_search *s = ctx;

    if (f->proto == s->proto && f->int_addr == s->addr && f->int_port == s->port) {
        s->found++;
        s->info = *f;
    }
}

bool fx_flow(struct nat *nat, uint8_t proto, uint32_t int_addr, uint16_t int_port,
             uint32_t now, struct nat_flow_info *out)
{
    struct flow_search s = {.proto = proto, .addr = int_addr, .port = int_port};

    nat_foreach_flow(nat, now, flow_visit, &s);
    if (s.found != 1)
        return false;
    if (out)
        *out = s.info;
    return true;
}

uint32_t fx_resolver(void *ctx, int iface)
{
    (void)ctx;
    (void)iface;
    return fx_resolved;
}

bool fx_port_filter(void *ctx, uint8_t proto, uint16_t port)
{
    (void)ctx;
    (void)proto;
    for (unsigned i = 0; i < 8 && fx_held[i]; i++)
        if (fx_held[i] == port)
            return true;
    return false;
}
