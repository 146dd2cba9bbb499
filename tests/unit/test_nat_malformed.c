/* Malformed, truncated and fragmented packets through nat_process() from every
 * side: each dropped with its reason counted, nothing read or written outside the
 * packet, and whatever is forwarded still carries correct checksums. */
#include "nat_fixture.h"

#include "net/bytes.h"
#include "net/nat_parse.h"

#include <stdlib.h>
#include <string.h>

static struct fx_pkt p;
static uint8_t q[PB_MAX];

TEST(nat_malformed_ip_headers_dropped_and_counted)
{
    struct nat *nat = fx_nat(16);
    const int ifaces[] = {IF_WAN, IF_NAT1, IF_HO, 9};

    for (unsigned i = 0; i < sizeof ifaces / sizeof ifaces[0]; i++) {
        int ifc = ifaces[i];
        p.len = pb_udp(p.b, GA, 1, R1, 2, 8);
        p.len = 19;                                             /* header cut */
        CHECK_DROP(nat, fx_run(nat, &p, ifc, 0), NAT_DROP_MALFORMED);
        p.len = 0;
        CHECK_DROP(nat, fx_run(nat, &p, ifc, 0), NAT_DROP_MALFORMED);
        p.len = pb_udp(p.b, GA, 1, R1, 2, 8);
        p.b[0] = 0x44;                                          /* IHL < 5 */
        pb_fix_ip_csum(p.b);
        CHECK_DROP(nat, fx_run(nat, &p, ifc, 0), NAT_DROP_MALFORMED);
        p.b[0] = 0x45;
        put_be16(p.b + 2, (uint16_t)(p.len + 1));               /* total length > len */
        pb_fix_ip_csum(p.b);
        CHECK_DROP(nat, fx_run(nat, &p, ifc, 0), NAT_DROP_MALFORMED);
        put_be16(p.b + 2, 16);                                  /* total length < IHL*4 */
        pb_fix_ip_csum(p.b);
        CHECK_DROP(nat, fx_run(nat, &p, ifc, 0), NAT_DROP_MALFORMED);
        p.len = pb_udp(p.b, GA, 1, R1, 2, 8);
        p.b[11] ^= 0x40;                                        /* header checksum */
        CHECK_DROP(nat, fx_run(nat, &p, ifc, 0), NAT_DROP_MALFORMED);
        p.len = pb_udp(p.b, GA, 1, R1, 2, 8);
        p.b[0] = 0x65;                                          /* not IPv4 */
        CHECK_DROP(nat, fx_run(nat, &p, ifc, 0), NAT_DROP_MALFORMED);
    }
    CHECK_EQ_INT(nat_get_stats(nat)->drops[NAT_DROP_MALFORMED], 4 * 7);
    fx_done();
}

TEST(nat_malformed_transport_headers_dropped)
{
    struct nat *nat = fx_nat(16);
    uint8_t t[40] = {0};

    p.len = pb_ip(p.b, 6, GA, R1, 0, t, 12);                    /* TCP cut */
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_MALFORMED);
    p.len = pb_ip(p.b, 17, GA, R1, 0, t, 4);                    /* UDP cut */
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_MALFORMED);
    t[0] = 8;
    p.len = pb_ip(p.b, 1, GA, R1, 0, t, 6);                     /* ICMP cut */
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_MALFORMED);
    p.len = pb_ip(p.b, 6, R1, WAN_ADDR, 0, t, 19);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_MALFORMED);
    /* ICMP errors whose quote is cut short, both ways. */
    pb_tcp(q, WAN_ADDR, 40000, R1, 80, NAT_TCP_SYN, 1, 0, 0);
    p.len = pb_icmp_error(p.b, 11, 0, HOP, WAN_ADDR, q, 24);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_MALFORMED);
    pb_tcp(q, R1, 80, GA, 40000, NAT_TCP_SYN, 1, 0, 0);
    p.len = pb_icmp_error(p.b, 3, 3, GA, R1, q, 12);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_MALFORMED);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_malformed_fragments_dropped)
{
    struct nat *nat = fx_nat(16);

    p.len = pb_udp(p.b, GA, 1, R1, 2, 8);
    pb_set_frag(p.b, 0x2000);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_FRAGMENT);
    pb_set_frag(p.b, 0x0010);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_FRAGMENT);
    p.len = pb_udp(p.b, R1, 2, WAN_ADDR, 1, 8);
    pb_set_frag(p.b, 0x2000);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_FRAGMENT);
    CHECK_EQ_INT(nat_get_stats(nat)->drops[NAT_DROP_FRAGMENT], 3);
    fx_done();
}

/* The packets of a small session, both ways, plus ICMP errors and odd headers:
 * what the property test cuts up. */
struct sample {
    uint8_t b[PB_MAX];
    size_t len;
    int iface;
};

static unsigned samples_build(struct sample *s)
{
    unsigned n = 0;
    size_t qn;

#define ADD(expr, ifc) (s[n].len = (expr), s[n].iface = (ifc), n++)
    ADD(pb_tcp(s[n].b, GA, 40000, R1, 80, NAT_TCP_SYN, 1, 0, 0), IF_NAT1);
    ADD(pb_tcp(s[n].b, R1, 80, WAN_ADDR, 40000, NAT_TCP_SYN | NAT_TCP_ACK, 9, 2, 0), IF_WAN);
    ADD(pb_tcp(s[n].b, GA, 40000, R1, 80, NAT_TCP_ACK, 2, 10, 30), IF_NAT1);
    ADD(pb_udp(s[n].b, GA, 5000, R1, 53, 20), IF_NAT1);
    ADD(pb_udp(s[n].b, R1, 53, WAN_ADDR, 5000, 20), IF_WAN);
    ADD(pb_icmp_echo(s[n].b, 8, GC, R1, 7, 1, 16), IF_NAT2);
    ADD(pb_icmp_echo(s[n].b, 0, R1, WAN_ADDR, 7, 1, 16), IF_WAN);
    ADD(pb_gre(s[n].b, GB, R2, 24), IF_NAT1);
    ADD(pb_gre(s[n].b, R2, WAN_ADDR, 24), IF_WAN);
    ADD(pb_tcp(s[n].b, R1, 999, WAN_ADDR, 2222, NAT_TCP_SYN, 1, 0, 0), IF_WAN);
    ADD(pb_udp(s[n].b, GH, 1, R1, 2, 4), IF_HO);
    qn = pb_udp(q, WAN_ADDR, 5000, R1, 53, 20);
    ADD(pb_icmp_error(s[n].b, 3, 3, R1, WAN_ADDR, q, qn), IF_WAN);
    qn = pb_tcp(q, WAN_ADDR, 40000, R1, 80, NAT_TCP_ACK, 2, 10, 0);
    ADD(pb_icmp_error(s[n].b, 11, 0, HOP, WAN_ADDR, q, 28), IF_WAN);
    qn = pb_icmp_echo(q, 8, WAN_ADDR, R1, 7, 1, 0);
    ADD(pb_icmp_error(s[n].b, 11, 0, HOP, WAN_ADDR, q, qn), IF_WAN);
    qn = pb_udp(q, R1, 53, GA, 5000, 4);
    ADD(pb_icmp_error(s[n].b, 3, 3, GA, R1, q, qn), IF_NAT1);
    ADD(pb_ip(s[n].b, 6, GA, R1, 40, NULL, 0), IF_NAT1);
#undef ADD
    return n;
}

/* Runs pk (len bytes) in a buffer of exactly len bytes, so AddressSanitizer sees
 * any access past it, and checks what a forward leaves: a correct IP header
 * checksum always (the engine checks it on the way in), and correct transport
 * checksums whenever they were correct before (a cut packet's were not). */
static void run_exact(struct nat *nat, const uint8_t *pk, size_t len, int iface, uint32_t now)
{
    uint8_t *copy = malloc(len ? len : 1);
    const char *what;
    bool was_ok;

    memcpy(copy, pk, len);
    was_ok = len >= 20 && len >= (size_t)(pk[0] & 0x0f) * 4 && get_be16(pk + 2) <= len &&
             pb_csums_ok(pk, len, &what);
    if (nat_process(nat, copy, len, iface, now) == NAT_FORWARD) {
        if (get_be16(copy + 10) != pb_ip_csum_of(copy))
            unit_fail(false, __FILE__, __LINE__, "forwarded a %zu-byte cut with a wrong "
                      "IP header checksum", len);
        if (was_ok && !pb_csums_ok(copy, len, &what))
            unit_fail(false, __FILE__, __LINE__, "forwarded a %zu-byte cut with a wrong %s",
                      len, what);
    }
    free(copy);
}

TEST(nat_malformed_every_truncation_never_escapes)
{
    static struct sample s[20];
    unsigned n = samples_build(s);
    struct nat *nat = fx_nat(64);
    struct nat_rule r = {.name = "ssh", .proto = NAT_PROTO_TCP, .host_port = 2222,
                         .iface = IF_NAT1, .guest_ip = GA, .guest_port = 22};
    uint32_t now = 0;

    REQUIRE_EQ_INT(nat_add_rule(nat, &r), 0);
    /* First whole, so that flows exist and the cut-up packets reach the flow code. */
    for (unsigned i = 0; i < n; i++)
        run_exact(nat, s[i].b, s[i].len, s[i].iface, now);
    CHECK(nat_flow_count(nat) >= 5);
    for (unsigned i = 0; i < n; i++) {
        for (size_t l = 0; l <= s[i].len; l++) {
            uint8_t cut[PB_MAX];
            size_t hl = (size_t)(s[i].b[0] & 0x0f) * 4;
            /* As cut, on its own interface and on every other. */
            for (int ifc = 0; ifc <= IF_HO; ifc++)
                run_exact(nat, s[i].b, l, ifc, now++);
            /* With the total length (and header checksum) made to agree, so that
             * the transport and quote checks are what stops it. */
            if (l >= hl) {
                memcpy(cut, s[i].b, l);
                put_be16(cut + 2, (uint16_t)l);
                pb_fix_ip_csum(cut);
                run_exact(nat, cut, l, s[i].iface, now++);
            }
        }
    }
    CHECK(nat_flow_count(nat) <= 64);
    fx_done();
}
