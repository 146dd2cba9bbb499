/* Fuzz target: the NAT engine. The input is a sequence of records, each a packet
 * (or a configuration change) for one interface after a step of the clock, run
 * through the entry the product calls: nat_process_ex() with the packet's offload
 * facts (the fast path) or nat_process() (lwIP's path). Besides the sanitizers
 * (every packet sits in a buffer of exactly its length), it aborts when the
 * engine disagrees with a reference model of what NAT must do, kept here apart
 * from the engine's code:
 *  - the mappings: the model remembers, from the engine's own translations, which
 *    external address and port each guest tuple was given and when it last had
 *    traffic. A guest tuple translated again must get the same external port as
 *    long as its flow lives; a flow may not vanish before the model's floor for
 *    its protocol (MODEL_LIFE_*) unless an eviction or flush was counted; an
 *    inbound translation must deliver to exactly the guest tuple of the mapping
 *    (or a forwarding rule's guest) it arrived for;
 *  - the table as the console shows it (nat_foreach_flow): no two flows share an
 *    inbound key (proto, external and remote address and port) or an outbound one;
 *    every translation is of a flow that is there, with the ports it used; the
 *    count agrees with nat_flow_count(), <= capacity; the counters add up;
 *  - the policy, judged from addresses alone: nothing from the WAN with a source
 *    inside a NAT network, and nothing from the WAN to a NAT network's address,
 *    gets through; no packet from one NAT network is translated into another;
 *  - PASS and DROP leave the packet untouched; a drop reason is a real one;
 *  - FORWARD leaves a correct IP header checksum, and correct transport
 *    checksums wherever they were correct before (a partial one: the folded
 *    pseudo-header sum of the new addresses); an outbound packet leaves from
 *    the WAN address, an inbound one goes to a guest host of a NAT network;
 *  - every call is counted once in the statistics.
 *
 * Input: [capacity][record]...: the engine holds 1 + capacity % 32 flows (small,
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

#include "arch/cc.h"    /* vmgate_random32_cb: the host port's seeded generator */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAPACITY_MAX 32
#define PKT_MAX  2048
#define TIMEOUT_MAX (7440u * 1000u)

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
    uint64_t calls;             /* nat_process() / nat_process_ex() calls */
};

static void engine_setup(struct engine *e)
{
    fuzz_random_seed(1);
    e->nat = nat_create(capacity, vmgate_random32_cb, NULL);
    e->calls = 0;
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

/* --- the reference model -------------------------------------------------------- */

/* The shortest a flow may live after the guest's last packet (an RST aside, which
 * never gives time), whatever its state: the floors of the IETF's requirements
 * (RFC 5382 REQ-5: TCP's transitory 4 minutes; RFC 4787 REQ-5: UDP's 2 minutes,
 * less for a well-known port, REQ-5a; RFC 5508 REQ-2: ICMP's 60 s), 30 s for
 * other protocols. */
#define MODEL_LIFE_TCP   (240u * 1000u)
#define MODEL_LIFE_UDP   (120u * 1000u)
#define MODEL_LIFE_DNS   (10u * 1000u)
#define MODEL_LIFE_ICMP  (60u * 1000u)
#define MODEL_LIFE_OTHER (30u * 1000u)
#define MODEL_MAX 256

/* A packet's tuple as the model reads it, with its own parser: only what a
 * mapping is keyed by. */
struct mtuple {
    uint8_t proto;
    uint32_t src, dst;
    uint16_t sport, dport;
    bool icmp_error;
};

static bool model_parse(const uint8_t *p, size_t len, struct mtuple *t)
{
    size_t hl, tot;

    if (!ip_header_sane(p, len))
        return false;
    hl = hlen_of(p);
    tot = get_be16(p + 2);
    memset(t, 0, sizeof *t);
    t->proto = p[9];
    t->src = get_be32(p + 12);
    t->dst = get_be32(p + 16);
    if (get_be16(p + 6) & 0x3fff)
        return false;
    if (t->proto == 6 || t->proto == 17) {
        if (tot < hl + 4)
            return false;
        t->sport = get_be16(p + hl);
        t->dport = get_be16(p + hl + 2);
    } else if (t->proto == 1) {
        if (tot < hl + 8)
            return false;
        uint8_t type = p[hl];
        if (type == 8)
            t->sport = get_be16(p + hl + 4);
        else if (type == 0)
            t->dport = get_be16(p + hl + 4);
        else
            t->icmp_error = type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }
    return true;
}

/* What the model knows of one mapping, learned from a translation. */
struct mmap {
    bool used;
    uint8_t proto;
    uint32_t int_addr, rem_addr;
    uint16_t int_port, rem_port, ext_port;
    uint32_t last;              /* clock of its last translated packet */
    uint64_t removals;          /* evictions + flushes counted at that time */
};

static struct mmap model[MODEL_MAX];

static uint64_t removals(const struct nat *nat)
{
    const struct nat_stats *s = nat_get_stats(nat);
    return s->flows_evicted + s->flows_flushed;
}

static struct mmap *model_find_out(uint8_t proto, uint32_t ia, uint16_t ip_, uint32_t ra,
                                   uint16_t rp)
{
    for (unsigned i = 0; i < MODEL_MAX; i++)
        if (model[i].used && model[i].proto == proto && model[i].int_addr == ia &&
            model[i].int_port == ip_ && model[i].rem_addr == ra && model[i].rem_port == rp)
            return &model[i];
    return NULL;
}

static struct mmap *model_find_in(uint8_t proto, uint32_t ra, uint16_t rp, uint16_t ext)
{
    for (unsigned i = 0; i < MODEL_MAX; i++)
        if (model[i].used && model[i].proto == proto && model[i].rem_addr == ra &&
            model[i].rem_port == rp && model[i].ext_port == ext)
            return &model[i];
    return NULL;
}

static struct mmap *model_slot(void)
{
    unsigned oldest = 0;
    for (unsigned i = 0; i < MODEL_MAX; i++) {
        if (!model[i].used)
            return &model[i];
        if ((int32_t)(model[i].last - model[oldest].last) < 0)
            oldest = i;
    }
    return &model[oldest];
}

static uint32_t model_life(uint8_t proto, uint16_t rem_port)
{
    switch (proto) {
    case 6:  return MODEL_LIFE_TCP;
    case 17: return rem_port == 53 ? MODEL_LIFE_DNS : MODEL_LIFE_UDP;
    case 1:  return MODEL_LIFE_ICMP;
    default: return MODEL_LIFE_OTHER;
    }
}

/* The table as the console shows it. */
#define VIEW_MAX (CAPACITY_MAX + 1)
static struct nat_flow_info view[VIEW_MAX];
static unsigned view_n;
static bool view_bad;

static void view_flow(void *ctx, const struct nat_flow_info *f)
{
    (void)ctx;
    if (view_n == VIEW_MAX) {
        view_bad = true;
        return;
    }
    view[view_n++] = *f;
    if (!in_nat_host(f->int_addr) || (f->ext_addr != WAN_ADDR && f->ext_addr != WAN_OTHER) ||
        f->expires_in_ms > TIMEOUT_MAX || (f->iface != 1 && f->iface != 2) ||
        (f->proto != 6 && f->tcp_state != NAT_TCP_NONE) ||
        (f->proto == 6 && (f->tcp_state == NAT_TCP_NONE || f->tcp_state > NAT_TCP_CLOSE)))
        view_bad = true;
}

static void view_read(const struct engine *e, uint32_t now, unsigned record)
{
    view_n = 0;
    view_bad = false;
    nat_foreach_flow(e->nat, now, view_flow, NULL);
    if (view_bad || view_n != nat_flow_count(e->nat))
        fail("the console's view of the flows is wrong", record);
    /* Expired flows may linger until a lookup or nat_expire() removes them; they
     * translate nothing, so only live ones count here. */
    for (unsigned i = 0; i < view_n; i++)
        for (unsigned k = i + 1; k < view_n; k++) {
            const struct nat_flow_info *a = &view[i], *b = &view[k];
            if (!a->expires_in_ms || !b->expires_in_ms || a->proto != b->proto || a->rem_addr != b->rem_addr || a->rem_port != b->rem_port)
                continue;
            if (a->ext_addr == b->ext_addr && a->ext_port == b->ext_port)
                fail("two flows share an inbound key", record);
            if (a->int_addr == b->int_addr && a->int_port == b->int_port)
                fail("two flows share an outbound key", record);
        }
}

static const struct nat_flow_info *view_out(uint8_t proto, uint32_t ia, uint16_t ip_,
                                            uint32_t ra, uint16_t rp)
{
    for (unsigned i = 0; i < view_n; i++)
        if (view[i].expires_in_ms && view[i].proto == proto && view[i].int_addr == ia &&
            view[i].int_port == ip_ && view[i].rem_addr == ra && view[i].rem_port == rp)
            return &view[i];
    return NULL;
}

/* Before a packet: every mapping the model knows that is younger than its floor
 * is still in the table, unless something was evicted or flushed since. */
static void model_check_alive(const struct engine *e, uint32_t now, unsigned record)
{
    uint64_t r = removals(e->nat);
    for (unsigned i = 0; i < MODEL_MAX; i++) {
        struct mmap *m = &model[i];
        if (!m->used)
            continue;
        if (now - m->last >= model_life(m->proto, m->rem_port) || m->removals != r) {
            if (!view_out(m->proto, m->int_addr, m->int_port, m->rem_addr, m->rem_port))
                m->used = false;         /* gone, and allowed to be */
            continue;
        }
        const struct nat_flow_info *f = view_out(m->proto, m->int_addr, m->int_port, m->rem_addr,
                                                 m->rem_port);
        if (!f)
            fail("a flow vanished before its time", record);
        if (f->ext_port != m->ext_port)
            fail("a live flow changed its external port", record);
    }
}

/* After a translation: it must be of a flow in the table, consistent with what the
 * model learned before; the model learns it. */
static void model_after_forward(const struct engine *e, int iface, const uint8_t *orig,
                                const uint8_t *out, size_t len, uint32_t now, unsigned record)
{
    struct mtuple a, b;

    if (!model_parse(orig, len, &a) || !model_parse(out, len, &b) || a.icmp_error ||
        (a.proto == 1 && a.sport == 0 && a.dport == 0))
        return;
    if (iface != 0 && a.dst == WAN_ADDR)
        return;                                         /* hairpin: two flows, unit-tested */
    view_read(e, now, record);
    if (iface != 0) {
        /* Outbound: (guest, remote) -> (WAN address, external port). */
        const struct nat_flow_info *f = view_out(a.proto, a.src, a.sport, a.dst, a.dport);
        if (!f || f->ext_addr != b.src || f->ext_port != b.sport)
            fail("an outbound translation not of a flow in the table", record);
        struct mmap *m = model_find_out(a.proto, a.src, a.sport, a.dst, a.dport);
        if (m && m->ext_port != b.sport && now - m->last < model_life(a.proto, a.dport) &&
            m->removals == removals(e->nat))
            fail("a guest tuple got another external port while its flow lived", record);
        /* An RST gives a flow no time (RFC 7857 7.1): the floor runs from before it. */
        bool rst = a.proto == 6 && (orig[hlen_of(orig) + 13] & 0x04);
        if (m && rst) {
            m->ext_port = b.sport;
            return;
        }
        if (!m)
            m = model_slot();
        *m = (struct mmap){true, a.proto, a.src, a.dst, a.sport, a.dport, b.sport, now,
                           removals(e->nat)};
        return;
    }
    /* Inbound: (remote) -> (WAN address, external port) delivered to a guest. */
    uint16_t ext = a.dport;
    uint16_t to_port = b.dport;
    struct mmap *m = model_find_in(a.proto, a.src, a.sport, ext);
    if (m && (m->int_addr != b.dst || m->int_port != to_port)) {
        const struct nat_flow_info *f = view_out(m->proto, m->int_addr, m->int_port, m->rem_addr,
                                                 m->rem_port);
        if (f && f->ext_port == ext)
            fail("an inbound packet delivered to another guest than its mapping's", record);
    }
    bool found = false;
    for (unsigned i = 0; i < view_n && !found; i++)
        found = view[i].expires_in_ms && view[i].proto == a.proto && view[i].rem_addr == a.src &&
                view[i].rem_port == a.sport && view[i].ext_port == ext &&
                view[i].int_addr == b.dst && view[i].int_port == to_port;
    if (!found)
        fail("an inbound translation not of a flow in the table", record);
    /* Inbound packets need not refresh (RFC 4787 REQ-6a is a MAY): the model's
     * floor runs from the guest's last packet. */
}

/* Judged from addresses alone (nat.h's policy), for a packet the engine passed
 * or translated. */
static void policy_check(int iface, const uint8_t *orig, size_t len, enum nat_verdict v,
                         unsigned record)
{
    struct mtuple a;

    if (v == NAT_DROP || !ip_header_sane(orig, len))
        return;
    a.src = get_be32(orig + 12);
    a.dst = get_be32(orig + 16);
    /* Broadcasts and multicasts are lwIP's, never forwarded. */
    bool group = a.dst == 0xffffffffu || (a.dst >> 28) == 0xe;
    if (iface == 0 && in_nat_host(a.src) && (v == NAT_FORWARD || !group))
        fail("a packet from the WAN with a NAT guest's source got through", record);
    if (iface == 0 && (((a.dst & 0xffffff00u) == nets[0].net) || ((a.dst & 0xffffff00u) == nets[1].net)))
        fail("a packet from the WAN to a NAT network got through", record);
    if (v == NAT_FORWARD && (iface == 1 || iface == 2)) {
        uint32_t other = nets[iface == 1 ? 1 : 0].net;
        if ((a.dst & 0xffffff00u) == other)
            fail("a packet translated from one NAT network into another", record);
    }
}

static enum nat_verdict run(struct engine *e, uint8_t *pkt, size_t len, int iface, uint32_t now,
                            unsigned flags, unsigned record)
{
    fuzz_random_seed(record + 2);
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
    if (counted != e->calls)
        fail("a packet counted twice or not at all", record);
    live = s->flows_created - s->flows_expired - s->flows_evicted - s->flows_flushed;
    if (nat_flow_count(e->nat) > capacity || live != nat_flow_count(e->nat))
        fail("flow count beyond capacity or counters that do not add up", record);
}

static void config_change(struct engine *e, uint8_t what)
{
    struct nat *nat = e->nat;
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct engine e;
    uint32_t now = 0;
    unsigned record = 0;

    if (size < 1)
        return 0;
    capacity = 1 + data[0] % CAPACITY_MAX;
    data++, size--;
    filter_mode = 0;
    resolved = IP4(10, 0, 2, 16);
    memset(model, 0, sizeof model);
    engine_setup(&e);
    if (nat_flow_count(e.nat) != 0)
        abort();

    while (size >= 4) {
        uint8_t ctl = data[0], step = data[1];
        size_t len = (size_t)get_be16(data + 2);
        int iface = ctl & 7;
        unsigned flags = (ctl >> 6) == 1 ? NAT_CSUM_PARTIAL : 0;
        bool partial;
        uint8_t *pa, *orig;
        enum nat_verdict v;

        data += 4, size -= 4;
        if (len > size)
            len = size;
        if (len > PKT_MAX)
            len = PKT_MAX;
        now += step < 128 ? step : step < 224 ? (step - 127u) * 1000u : (step - 223u) * 300000u;
        record++;

        if ((ctl >> 6) == 3) {
            if (len)
                config_change(&e, data[0]);
            data += len, size -= len;
            continue;
        }

        pa = malloc(len ? len : 1);
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

        view_read(&e, now, record);
        model_check_alive(&e, now, record);
        v = run(&e, pa, len, iface, now, flags, record);
        policy_check(iface, orig, len, v, record);

        if (v != NAT_FORWARD) {
            if (memcmp(pa, orig, len) != 0)
                fail("a packet not forwarded was changed", record);
            if (v == NAT_DROP && ((unsigned)nat_last_drop(e.nat) >= NAT_DROP_REASONS ||
                                  strcmp(nat_drop_reason_name(nat_last_drop(e.nat)), "unknown") == 0))
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
            model_after_forward(&e, iface, orig, pa, len, now, record);
        }
        free(pa);
        free(orig);

        if (ctl & 0x20)
            nat_expire(e.nat, now);
        check_engine(&e, record);
    }
    view_read(&e, now, record);
    nat_destroy(e.nat);
    return 0;
}
