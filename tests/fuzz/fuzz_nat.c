/* Fuzz target: the NAT engine. The input is a sequence of records, each a packet
 * (or a configuration change) for one interface after a step of the clock, run
 * through two engines set up alike: engine A takes every packet the way the fast
 * path will (nat_translate_existing() first, nat_process() when it declines),
 * engine B through nat_process() alone. Besides the sanitizers (every packet sits
 * in a buffer of exactly its length), it aborts when an invariant breaks:
 *  - both engines give the same verdict, drop reason, bytes and flow count (the
 *    fast path is the slow path's first step, never a different answer);
 *  - nat_flow_count() <= capacity; the table's counters add up;
 *  - PASS and DROP leave the packet untouched; a drop reason is a real one;
 *  - FORWARD leaves a correct IP header checksum, and correct transport
 *    checksums wherever they were correct before (a partial one: the folded
 *    pseudo-header sum of the new addresses); an outbound packet leaves from
 *    the WAN address, an inbound one goes to a guest host of a NAT network;
 *  - every nat_process() call is counted once in the statistics;
 *  - the console's view (nat_foreach_flow) agrees with nat_flow_count() and shows
 *    only flows between a NAT guest and the WAN address, with timeouts in range.
 *
 * Input: [capacity][record]...: the engines hold 1 + capacity % 32 flows (small,
 * so that eviction and refusal are reached).
 * Record: [ctl][step][len_hi][len_lo][len bytes]
 *   ctl bits 0-2: interface (0 WAN, 1-2 NAT, 3 host-only, 4-7 none of them);
 *   bit 3: fix the IP header checksum first; bit 4: fix the transport checksum
 *   first (so that mutated packets get past the checks and into the flow code);
 *   bit 5: call nat_expire() after; bits 6-7 = 1: the packet's TCP/UDP checksum is
 *   partial (NAT_CSUM_PARTIAL: checksum offload), = 3: a configuration change
 *   chosen by the first payload byte instead of a packet.
 *   step: the clock moves by step ms (< 128), (step - 127) s (< 224), or
 *   (step - 223) * 5 min, so every timeout is reachable. */
#include "fuzz_port.h"
#include "net/bytes.h"
#include "net/csum.h"
#include "net/nat.h"

#include "arch/cc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAPACITY_MAX 32
#define PKT_MAX  2048
#define TIMEOUT_MAX (7200u * 1000u)

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define WAN_ADDR  IP4(203, 0, 113, 2)
#define WAN_OTHER IP4(203, 0, 113, 9)

static const struct nat_net nets[] = {
    {.iface = 1, .kind = NAT_NET_NAT, .net = IP4(10, 0, 2, 0), .prefix = 24},
    {.iface = 2, .kind = NAT_NET_NAT, .net = IP4(10, 0, 3, 0), .prefix = 24},
    {.iface = 3, .kind = NAT_NET_HOSTONLY, .net = IP4(192, 168, 56, 0), .prefix = 24,
     .self = IP4(192, 168, 56, 1)},
};

static const struct nat_rule rules[] = {
    {.name = "ssh", .proto = 6, .host_port = 2222, .iface = 1, .guest_ip = IP4(10, 0, 2, 15),
     .guest_port = 22},
    {.name = "dns", .proto = 17, .host_ip = WAN_ADDR, .host_port = 5353, .iface = 2,
     .guest_ip = IP4(10, 0, 3, 15), .guest_port = 53},
    {.name = "web", .proto = 6, .host_port = 8080, .iface = 1, .guest_ip = 0, .guest_port = 80},
};

static uint32_t resolved = IP4(10, 0, 2, 16);
static unsigned filter_mode;            /* 0: off, 1: a few ports, 2: every port */
static unsigned capacity;

static uint32_t resolver(void *ctx, int iface)
{
    (void)ctx;
    (void)iface;
    return resolved;
}

static bool port_filter(void *ctx, uint8_t proto, uint16_t port)
{
    (void)ctx;
    (void)proto;
    if (filter_mode == 2)
        return true;
    return filter_mode == 1 && (port == 53 || port == 67 || port == 69 || (port & 0xff) == 0x11);
}

static void fail(const char *what, unsigned record)
{
    fprintf(stderr, "fuzz_nat: invariant broken at record %u: %s\n", record, what);
    abort();
}

struct engine {
    struct nat *nat;
    uint64_t calls;             /* nat_process() calls */
    uint64_t fast;              /* packets the fast path translated */
};

static void engine_setup(struct engine *e)
{
    fuzz_random_seed(1);
    e->nat = nat_create(capacity, vmgate_random32_cb, NULL);
    e->calls = e->fast = 0;
    if (!e->nat)
        abort();
    for (unsigned i = 0; i < sizeof nets / sizeof nets[0]; i++)
        if (nat_add_net(e->nat, &nets[i]) != 0)
            abort();
    for (unsigned i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (nat_add_rule(e->nat, &rules[i]) != 0)
            abort();
    nat_set_wan(e->nat, 0, WAN_ADDR);
    nat_set_guest_resolver(e->nat, resolver, NULL);
    nat_set_port_filter(e->nat, port_filter, NULL);
}

/* --- checksums, computed from scratch -------------------------------------------- */

static size_t hlen_of(const uint8_t *p) { return (size_t)(p[0] & 0x0f) * 4; }

static bool ip_header_sane(const uint8_t *p, size_t len)
{
    return len >= 20 && p[0] >> 4 == 4 && hlen_of(p) >= 20 && get_be16(p + 2) >= hlen_of(p) &&
           get_be16(p + 2) <= len;
}

static uint16_t ip_csum(const uint8_t *p)
{
    uint32_t sum = csum_partial(0, p, 10);
    return csum_finish(csum_partial(sum, p + 12, hlen_of(p) - 12));
}

/* Where the transport checksum of a sane header is, or 0 if it is not there. */
static size_t l4_csum_off(const uint8_t *p)
{
    size_t hl = hlen_of(p), tot = get_be16(p + 2);
    size_t off = p[9] == 6 ? 16 : p[9] == 17 ? 6 : p[9] == 1 ? 2 : 0;

    if (!off || (get_be16(p + 6) & 0x3fff) || tot < hl + off + 2)
        return 0;
    return hl + off;
}

static uint16_t l4_csum(const uint8_t *p)
{
    size_t hl = hlen_of(p), tot = get_be16(p + 2), at = l4_csum_off(p);
    uint32_t sum = 0;
    uint16_t c;

    if (p[9] != 1) {
        uint8_t ph[12];
        memcpy(ph, p + 12, 8);
        ph[8] = 0;
        ph[9] = p[9];
        put_be16(ph + 10, (uint16_t)(tot - hl));
        sum = csum_partial(0, ph, sizeof ph);
    }
    sum = csum_partial(sum, p + hl, at - hl);
    sum = csum_partial(sum, p + at + 2, tot - at - 2);
    c = csum_finish(sum);
    return (p[9] == 17 && c == 0) ? 0xffff : c;
}

/* The folded pseudo-header sum a partial TCP/UDP checksum holds (offload). */
static uint16_t pseudo_fold(const uint8_t *p)
{
    uint8_t ph[12];

    memcpy(ph, p + 12, 8);
    ph[8] = 0;
    ph[9] = p[9];
    put_be16(ph + 10, (uint16_t)(get_be16(p + 2) - hlen_of(p)));
    return csum_fold(csum_partial(0, ph, sizeof ph));
}

static bool is_tcp_udp(const uint8_t *p)
{
    return p[9] == 6 || p[9] == 17;
}

/* True if the transport checksum is there and right (a UDP 0, "none", counts). */
static bool l4_csum_ok(const uint8_t *p)
{
    size_t at = l4_csum_off(p);

    if (!at)
        return false;
    if (p[9] == 17 && get_be16(p + at) == 0)
        return true;
    return get_be16(p + at) == l4_csum(p);
}

/* --- one record ------------------------------------------------------------------ */

static bool in_nat_host(uint32_t a)
{
    for (unsigned i = 0; i < 2; i++) {
        uint32_t net = nets[i].net;
        if ((a & 0xffffff00u) == net && a != net && a != (net | 0xff) && a != net + 2 &&
            a != net + 3)
            return true;
    }
    return false;
}

static enum nat_verdict run(struct engine *e, bool fast_first, uint8_t *pkt, size_t len,
                            int iface, uint32_t now, unsigned flags, unsigned record)
{
    enum nat_verdict v;

    /* Both engines see the same random numbers for the same record. */
    fuzz_random_seed(record + 2);
    if (fast_first) {
        v = nat_translate_existing(e->nat, pkt, len, iface, now, flags);
        if (v == NAT_FORWARD) {
            e->fast++;
            return v;
        }
        if (v != NAT_PASS)
            fail("the fast path dropped", record);
    }
    e->calls++;
    return flags ? nat_process_ex(e->nat, pkt, len, iface, now, flags)
                 : nat_process(e->nat, pkt, len, iface, now);
}

static void check_engine(const struct engine *e, unsigned record)
{
    const struct nat_stats *s = nat_get_stats(e->nat);
    uint64_t counted = s->translated_out + s->translated_in + s->hairpinned + s->passed, live;

    for (unsigned r = 0; r < NAT_DROP_REASONS; r++)
        counted += s->drops[r];
    /* The fast path's translations are counted too, without a nat_process() call. */
    if (counted != e->calls + e->fast)
        fail("a packet counted twice or not at all", record);
    live = s->flows_created - s->flows_expired - s->flows_evicted - s->flows_flushed;
    if (nat_flow_count(e->nat) > capacity || live != nat_flow_count(e->nat))
        fail("flow count beyond capacity or counters that do not add up", record);
}

struct view {
    unsigned n;
    bool bad;
};

static void view_flow(void *ctx, const struct nat_flow_info *f)
{
    struct view *v = ctx;

    v->n++;
    if (!in_nat_host(f->int_addr) || (f->ext_addr != WAN_ADDR && f->ext_addr != WAN_OTHER) ||
        f->expires_in_ms > TIMEOUT_MAX || (f->iface != 1 && f->iface != 2) ||
        (f->proto != 6 && f->tcp_state != NAT_TCP_NONE) ||
        (f->proto == 6 && (f->tcp_state == NAT_TCP_NONE || f->tcp_state > NAT_TCP_CLOSE)))
        v->bad = true;
}

/* The console's view against the engine's own count and the policy. */
static void check_view(const struct engine *e, uint32_t now, unsigned record)
{
    struct view v = {0};

    nat_foreach_flow(e->nat, now, view_flow, &v);
    if (v.n != nat_flow_count(e->nat) || v.bad)
        fail("the console's view of the flows is wrong", record);
}

static void config_change(struct engine *a, struct engine *b, uint8_t what)
{
    struct engine *e[2] = {a, b};

    for (unsigned i = 0; i < 2; i++) {
        struct nat *nat = e[i]->nat;
        switch (what % 6) {
        case 0: nat_set_wan(nat, 0, WAN_OTHER); break;
        case 1: nat_set_wan(nat, 0, WAN_ADDR); break;
        case 2: nat_set_wan(nat, 0, 0); break;
        case 3:
            if (nat_del_rule(nat, rules[what / 6 % 3].name) != 0)
                (void)nat_add_rule(nat, &rules[what / 6 % 3]);
            break;
        case 4: filter_mode = (filter_mode + 1) % 3; break;
        case 5: resolved = (what & 0x40) ? 0 : IP4(10, 0, 2, (what & 0x3f) + 4); break;
        }
        /* The toggles are shared: apply them once. */
        if (what % 6 >= 4)
            break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct engine a, b;
    uint32_t now = 0;
    unsigned record = 0;

    if (size < 1)
        return 0;
    capacity = 1 + data[0] % CAPACITY_MAX;
    data++, size--;
    filter_mode = 0;
    resolved = IP4(10, 0, 2, 16);
    engine_setup(&a);
    engine_setup(&b);
    if (nat_flow_count(a.nat) != 0)
        abort();

    while (size >= 4) {
        uint8_t ctl = data[0], step = data[1];
        size_t len = (size_t)get_be16(data + 2);
        int iface = ctl & 7;
        unsigned flags = (ctl >> 6) == 1 ? NAT_CSUM_PARTIAL : 0;
        bool partial;
        uint8_t *pa, *pb, *orig;
        enum nat_verdict va, vb;

        data += 4, size -= 4;
        if (len > size)
            len = size;
        if (len > PKT_MAX)
            len = PKT_MAX;
        now += step < 128 ? step : step < 224 ? (step - 127u) * 1000u : (step - 223u) * 300000u;
        record++;

        if ((ctl >> 6) == 3) {
            if (len)
                config_change(&a, &b, data[0]);
            data += len, size -= len;
            continue;
        }

        pa = malloc(len ? len : 1);
        pb = malloc(len ? len : 1);
        orig = malloc(len ? len : 1);
        memcpy(orig, data, len);
        data += len, size -= len;
        if ((ctl & 0x08) && len >= 20 && hlen_of(orig) >= 20 && hlen_of(orig) <= len)
            put_be16(orig + 10, ip_csum(orig));
        partial = flags && ip_header_sane(orig, len) && is_tcp_udp(orig) && l4_csum_off(orig);
        if ((ctl & 0x10) && ip_header_sane(orig, len) && l4_csum_off(orig)) {
            put_be16(orig + l4_csum_off(orig), partial ? pseudo_fold(orig) : l4_csum(orig));
            if (ctl & 0x08)
                put_be16(orig + 10, ip_csum(orig));
        }
        memcpy(pa, orig, len);
        memcpy(pb, orig, len);

        va = run(&a, true, pa, len, iface, now, flags, record);
        vb = run(&b, false, pb, len, iface, now, flags, record);
        if (va != vb || memcmp(pa, pb, len) != 0)
            fail("the fast path and nat_process() disagree", record);
        if (va == NAT_DROP && nat_last_drop(a.nat) != nat_last_drop(b.nat))
            fail("the engines dropped for different reasons", record);
        if (nat_flow_count(a.nat) != nat_flow_count(b.nat))
            fail("the engines hold different flows", record);

        if (va != NAT_FORWARD) {
            if (memcmp(pa, orig, len) != 0)
                fail("a packet not forwarded was changed", record);
            if (va == NAT_DROP && ((unsigned)nat_last_drop(a.nat) >= NAT_DROP_REASONS ||
                                   strcmp(nat_drop_reason_name(nat_last_drop(a.nat)), "unknown") == 0))
                fail("a drop reason out of range or without a name", record);
        } else {
            size_t tot = get_be16(pa + 2);
            if (!ip_header_sane(pa, len) || ip_csum(pa) != get_be16(pa + 10))
                fail("forwarded with a wrong IP header checksum", record);
            if (partial) {
                size_t at = l4_csum_off(orig);
                if (get_be16(orig + at) == pseudo_fold(orig) && get_be16(pa + at) != pseudo_fold(pa))
                    fail("forwarded with a partial checksum broken by translation", record);
            } else if (l4_csum_ok(orig) && !l4_csum_ok(pa)) {
                fail("forwarded with a transport checksum broken by translation", record);
            }
            if (memcmp(pa + tot, orig + tot, len - tot) != 0)
                fail("bytes after the IP total length were written", record);
            if (iface == 0 && !in_nat_host(get_be32(pa + 16)))
                fail("an inbound translation to something not a NAT guest", record);
            if (iface != 0 && get_be32(pa + 12) != WAN_ADDR && get_be32(pa + 12) != WAN_OTHER)
                fail("an outbound translation not from the WAN address", record);
        }
        free(pa);
        free(pb);
        free(orig);

        if (ctl & 0x20) {
            nat_expire(a.nat, now);
            nat_expire(b.nat, now);
            if (nat_flow_count(a.nat) != nat_flow_count(b.nat))
                fail("the engines expire differently", record);
            check_view(&a, now, record);
        }
        check_engine(&a, record);
        check_engine(&b, record);
    }
    nat_destroy(a.nat);
    nat_destroy(b.nat);
    return 0;
}
