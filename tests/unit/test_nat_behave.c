/* The IETF's NAT requirements, one test per requirement that code can show
 * (docs/NAT.md lists them all, with the test that shows each): RFC 4787 (UDP),
 * RFC 5382 (TCP), RFC 5508 (ICMP) and RFC 7857 (updates). Timers are shown at
 * their floor and just past it with the settable clock. */
#include "nat_fixture.h"

#include "net/nat_parse.h"
#include "net/bytes.h"

#include <errno.h>
#include <string.h>

#define S(x) ((uint32_t)(x) * 1000u)
#define SYN NAT_TCP_SYN
#define ACK NAT_TCP_ACK

static struct fx_pkt p;

static uint16_t udp_out(struct nat *nat, uint32_t guest, uint16_t port, uint32_t rem,
                        uint16_t rport, uint32_t now)
{
    p.len = pb_udp(p.b, guest, port, rem, rport, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, (guest & 0xffffff00u) == NET2 ? IF_NAT2 : IF_NAT1, now),
                   NAT_FORWARD);
    return pb_sport(p.b);
}

/* RFC 4787 REQ-1 (MUST), REQ-11 (MUST: deterministic): a guest socket keeps one
 * external port whoever it talks to, also when its own port was taken and it got
 * another: the second destination gets that same other port. */
TEST(behave_4787_req1_eim_holds_after_a_collision)
{
    struct nat *nat = fx_nat(64);

    CHECK_EQ_INT(udp_out(nat, GC, 40000, R1, 443, 0), 40000);
    uint16_t e = udp_out(nat, GA, 40000, R1, 80, 1);
    CHECK(e != 40000);
    CHECK_EQ_INT(udp_out(nat, GA, 40000, R2, 80, 2), e);
    CHECK_EQ_INT(udp_out(nat, GA, 40000, R2, 8080, 3), e);
    /* Replies from each reach the socket. */
    p.len = pb_udp(p.b, R2, 8080, WAN_ADDR, e, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 4), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_dport(p.b), 40000);
    fx_done();
}

/* RFC 4787 REQ-3 (MUST NOT overload) and REQ-3a (RECOMMENDED: keep the range). */
TEST(behave_4787_req3_ports_not_overloaded_and_range_kept)
{
    struct nat *nat = fx_nat(64);

    CHECK_EQ_INT(udp_out(nat, GA, 700, R1, 2049, 0), 700);
    uint16_t low = udp_out(nat, GB, 700, R2, 2049, 0);      /* another remote: still not 700 */
    CHECK(low != 700 && low >= 512 && low < 1024);
    CHECK_EQ_INT(udp_out(nat, GA, 40000, R1, 9, 0), 40000);
    uint16_t high = udp_out(nat, GB, 40000, R2, 9, 0);
    CHECK(high != 40000 && high >= 1024);
    fx_done();
}

static bool held_5000_5001(void *ctx, uint8_t proto, uint16_t port)
{
    (void)ctx;
    (void)proto;
    return port == 5000 || port == 5001;
}

/* RFC 4787 REQ-4 (RECOMMENDED): a port that must change keeps its parity (RTP on
 * an even port, RTCP on the next odd one). */
TEST(behave_4787_req4_parity_kept)
{
    for (unsigned seed = 1; seed < 40; seed++) {
        struct nat *nat = fx_nat(64);
        unit_random_seed(seed);
        nat_set_port_filter(nat, held_5000_5001, NULL);
        uint16_t even = udp_out(nat, GA, 5000, R1, 9, 0), odd = udp_out(nat, GA, 5001, R1, 9, 0);
        CHECK(even != 5000 && even % 2 == 0);
        CHECK(odd != 5001 && odd % 2 == 1);
        fx_done();
    }
}

/* RFC 4787 REQ-5 (MUST: >= 2 min) with the timeout set to its floor, and REQ-5b
 * (MAY: configurable). */
TEST(behave_4787_req5_udp_mapping_at_its_floor)
{
    struct nat *nat = fx_nat(16);

    REQUIRE_EQ_INT(nat_set_timeout(nat, NAT_TIMEOUT_UDP, 119), -EINVAL);
    REQUIRE_EQ_INT(nat_set_timeout(nat, NAT_TIMEOUT_UDP, 120), 0);
    udp_out(nat, GA, 5000, R1, 9, 0);
    nat_expire(nat, S(120) - 1);
    CHECK_EQ_INT(nat_mapping_count(nat), 1);
    nat_expire(nat, S(120));
    CHECK_EQ_INT(nat_mapping_count(nat), 0);
    fx_done();
}

/* RFC 4787 REQ-8 (RECOMMENDED: endpoint-independent filtering, chosen for the
 * transparency peer-to-peer guests need) and RFC 7857 6 (filtering per protocol:
 * a TCP mapping admits no UDP). */
TEST(behave_4787_req8_endpoint_independent_filtering_per_protocol)
{
    struct nat *nat = fx_nat(64);

    udp_out(nat, GA, 5000, R1, 53, 0);
    p.len = pb_udp(p.b, R2, 7777, WAN_ADDR, 5000, 8);             /* never contacted */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    p.len = pb_tcp(p.b, GA, 6000, R1, 80, SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    p.len = pb_udp(p.b, R2, 7777, WAN_ADDR, 6000, 8);             /* UDP to a TCP mapping */
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 3), NAT_DROP_FILTERED);
    fx_done();
}

/* RFC 4787 REQ-9 and 9a (MUST): hairpinning to another guest's mapping, the packet
 * carrying the sender's external address and port; the answer takes the way
 * back. RFC 5382 REQ-8 and 8a: the same for TCP. */
TEST(behave_4787_req9_hairpin_to_a_mapping)
{
    struct nat *nat = fx_nat(64);
    uint16_t e_a = udp_out(nat, GA, 5000, R1, 3478, 0);         /* both asked a STUN server */
    uint16_t e_c = udp_out(nat, GC, 6000, R1, 3478, 0);

    p.len = pb_udp(p.b, GC, 6000, WAN_ADDR, e_a, 20);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_sport(p.b), e_c);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_dport(p.b), 5000);
    CHECK_CSUMS(&p);
    p.len = pb_udp(p.b, GA, 5000, WAN_ADDR, e_c, 20);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_sport(p.b), e_a);
    CHECK_EQ_INT(pb_dst(p.b), GC);
    CHECK_EQ_INT(pb_dport(p.b), 6000);
    CHECK_EQ_INT(nat_get_stats(nat)->hairpinned, 2);
    fx_done();

    /* TCP: GA listens on its mapping's port (after connecting out from it). */
    nat = fx_nat(64);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, GC, 41000, WAN_ADDR, 40000, SYN, 500, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_sport(p.b), 41000);
    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 41000, SYN | ACK, 900, 501, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GC);
    CHECK_EQ_INT(pb_sport(p.b), 40000);
    fx_done();
}

/* RFC 4787 REQ-12 (MUST): no ICMP message ends a mapping; RFC 5382 REQ-10 (MUST)
 * nor a TCP connection; RFC 5508 REQ-6 (MUST NOT refresh). */
TEST(behave_4787_req12_icmp_ends_nothing)
{
    struct nat *nat = fx_nat(16);
    struct nat_flow_info fi;
    uint8_t inner[PB_MAX];

    udp_out(nat, GA, 5000, R1, 9, 0);
    size_t ilen = pb_udp(inner, WAN_ADDR, 5000, R1, 9, 8);
    p.len = pb_icmp_error(p.b, 3, 3, R1, WAN_ADDR, inner, ilen);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(100)), NAT_FORWARD);
    REQUIRE(fx_flow(nat, NAT_PROTO_UDP, GA, 5000, S(100), &fi));
    CHECK_EQ_INT(fi.expires_in_ms, S(200));                     /* not refreshed either */

    p.len = pb_tcp(p.b, GA, 40000, R1, 80, SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, S(100)), NAT_FORWARD);
    ilen = pb_tcp(inner, WAN_ADDR, 40000, R1, 80, SYN, 1, 0, 0);
    p.len = pb_icmp_error(p.b, 3, 1, HOP, WAN_ADDR, inner, ilen);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(101)), NAT_FORWARD);
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, S(101), &fi));
    CHECK_EQ_INT(fi.tcp_state, NAT_TCP_SYN_SENT);
    fx_done();
}

/* RFC 5382 REQ-1 (MUST): EIM for TCP. */
TEST(behave_5382_req1_eim_tcp)
{
    struct nat *nat = fx_nat(64);

    p.len = pb_tcp(p.b, GC, 40000, R1, 443, SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    uint16_t e = pb_sport(p.b);
    p.len = pb_tcp(p.b, GA, 40000, R2, 443, SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), e);
    fx_done();
}

/* RFC 5382 REQ-4 and 4a (MUST): an unsolicited SYN is dropped without an answer
 * (lwIP would send an RST); vmgate's own listening sockets still get theirs. */
TEST(behave_5382_req4_unsolicited_syn_dropped_silently)
{
    struct nat *nat = fx_nat(16);

    p.len = pb_tcp(p.b, R1, 7000, WAN_ADDR, 40123, SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_FILTERED);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    nat_set_port_filter(nat, fx_port_filter, NULL);
    fx_held[0] = 40123;
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_PASS);
    fx_done();
}

/* RFC 5382 REQ-2a (MUST): simultaneous open, the peer's SYN first. That first SYN
 * is dropped unanswered (REQ-4); the guest's SYN makes the flow, and the peer's
 * retransmitted SYN then meets it. */
TEST(behave_5382_req2a_simultaneous_open)
{
    struct nat *nat = fx_nat(16);
    struct nat_flow_info fi;

    p.len = pb_tcp(p.b, R1, 7000, WAN_ADDR, 40000, SYN, 5000, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_FILTERED);
    p.len = pb_tcp(p.b, GA, 40000, R1, 7000, SYN, 1000, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, S(2)), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 40000);
    p.len = pb_tcp(p.b, R1, 7000, WAN_ADDR, 40000, SYN, 5000, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(3)), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    p.len = pb_tcp(p.b, GA, 40000, R1, 7000, SYN | ACK, 1000, 5001, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, S(4)), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 7000, WAN_ADDR, 40000, SYN | ACK, 5000, 1001, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(4)), NAT_FORWARD);
    p.len = pb_tcp(p.b, GA, 40000, R1, 7000, ACK, 1001, 5001, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, S(5)), NAT_FORWARD);
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, S(5), &fi));
    CHECK_EQ_INT(fi.tcp_state, NAT_TCP_ESTABLISHED);
    fx_done();
}

/* RFC 5382 REQ-3 with EIF: a new peer's SYN reaches a guest socket's mapping; a
 * bare ACK or data without a connection does not (no flow is opened by one). */
TEST(behave_5382_req3_eif_opens_only_by_syn)
{
    struct nat *nat = fx_nat(16);

    p.len = pb_tcp(p.b, GA, 40000, R1, 80, SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, R2, 9000, WAN_ADDR, 40000, ACK, 7, 7, 100);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 1), NAT_DROP_FILTERED);
    p.len = pb_tcp(p.b, R2, 9000, WAN_ADDR, 40000, SYN, 7, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 2), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    fx_done();
}

/* A host that learned a guest's external port cannot fill the table with flows
 * to it: at most 64 unanswered inbound flows per mapping (RFC 7857 13's risk). */
TEST(behave_eif_unanswered_inbound_flows_are_bounded)
{
    struct nat *nat = fx_nat(1024);
    unsigned opened = 0, filtered = 0;

    udp_out(nat, GA, 5000, R1, 9, 0);
    for (unsigned i = 0; i < 200; i++) {
        p.len = pb_udp(p.b, R2, (uint16_t)(1000 + i), WAN_ADDR, 5000, 8);
        if (fx_run(nat, &p, IF_WAN, i) == NAT_FORWARD)
            opened++;
        else
            filtered += nat_last_drop(nat) == NAT_DROP_FILTERED;
    }
    CHECK_EQ_INT(opened, 64);
    CHECK_EQ_INT(filtered, 136);
    /* The guest answers one: room for one more. */
    p.len = pb_udp(p.b, GA, 5000, R2, 1000, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 300), NAT_FORWARD);
    p.len = pb_udp(p.b, R2, 2000, WAN_ADDR, 5000, 8);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 301), NAT_FORWARD);
    fx_done();
}

/* RFC 5508 REQ-1a (SHOULD): query identifiers mapped independently of the remote. */
TEST(behave_5508_req1a_icmp_id_endpoint_independent)
{
    struct nat *nat = fx_nat(64);

    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GC, R1, 77, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 0), NAT_FORWARD);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R1, 77, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    uint16_t id = pb_sport(p.b);
    CHECK(id != 77);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R2, 77, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), id);
    fx_done();
}

/* RFC 5508 REQ-2 (MUST: >= 60 s) at the floor. */
TEST(behave_5508_req2_icmp_query_60s)
{
    struct nat *nat = fx_nat(16);

    REQUIRE_EQ_INT(nat_set_timeout(nat, NAT_TIMEOUT_ICMP, 59), -EINVAL);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R1, 5, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    nat_expire(nat, S(60) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(60));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

/* RFC 5508 REQ-7 and 7a (MUST): an ICMP error about a hairpinned packet goes back
 * through both mappings to the packet's sender, its quote reverted. */
TEST(behave_5508_req7_hairpinned_icmp_error)
{
    struct nat *nat = fx_nat(64);
    uint8_t inner[PB_MAX];
    uint16_t e_a = udp_out(nat, GA, 5000, R1, 3478, 0);
    uint16_t e_c = udp_out(nat, GC, 6000, R1, 3478, 0);

    /* GC's datagram reaches GA as from WAN:e_c; GA's port is closed. */
    p.len = pb_udp(p.b, GC, 6000, WAN_ADDR, e_a, 20);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 1), NAT_FORWARD);
    size_t ilen = pb_udp(inner, WAN_ADDR, e_c, GA, 5000, 20);
    p.len = pb_icmp_error(p.b, 3, 3, GA, WAN_ADDR, inner, ilen);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_dst(p.b), GC);
    const uint8_t *q = pb_inner(p.b);
    CHECK_EQ_INT(get_be32(q + 12), GC);                         /* REQ-7a: = outer dst */
    CHECK_EQ_INT(get_be16(q + 20), 6000);
    CHECK_EQ_INT(get_be32(q + 16), WAN_ADDR);
    CHECK_EQ_INT(get_be16(q + 22), e_a);
    CHECK_CSUMS(&p);
    fx_done();
}

/* A flood of new flows from one guest keeps neither another guest's established
 * connection nor its new flows from working (nat_table.h, Shares). */
TEST(behave_flood_from_one_guest_spares_the_others)
{
    struct nat *nat = fx_nat(1024);
    struct nat_flow_info fi;
    unsigned a_refused = 0;

    p.len = pb_tcp(p.b, GC, 40000, R1, 22, SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 22, WAN_ADDR, 40000, SYN | ACK, 9, 2, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, GC, 40000, R1, 22, ACK, 2, 10, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 0), NAT_FORWARD);

    /* GA: 5000 new UDP flows, every other one answered (so some are not
     * candidates: answered UDP goes second), and TCP connections completed. */
    for (unsigned i = 0; i < 5000; i++) {
        uint16_t port = (uint16_t)(10000 + i);
        p.len = pb_udp(p.b, GA, port, R2 + (i % 5), 9, 8);
        if (fx_run(nat, &p, IF_NAT1, 1 + i) != NAT_FORWARD) {
            a_refused++;
            continue;
        }
        if (i % 2) {
            uint16_t e = pb_sport(p.b);
            p.len = pb_udp(p.b, R2 + (i % 5), 9, WAN_ADDR, e, 8);
            fx_run(nat, &p, IF_WAN, 1 + i);
        }
    }
    CHECK(nat_flow_count(nat) <= 1024);
    unsigned a_flows = 0;
    for (uint16_t port = 10000; port < 15000; port++)
        a_flows += fx_flow(nat, NAT_PROTO_UDP, GA, port, 6000, NULL);
    CHECK(a_flows <= 768);                                      /* 3/4 of the table */
    CHECK(nat_get_stats(nat)->flows_evicted > 0);
    /* GC's connection is there, and goes on. */
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GC, 40000, 6000, &fi));
    CHECK_EQ_INT(fi.tcp_state, NAT_TCP_ESTABLISHED);
    p.len = pb_tcp(p.b, R1, 22, WAN_ADDR, 40000, ACK, 10, 2, 100);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 6000), NAT_FORWARD);
    /* And its new flows are made. */
    for (uint16_t port = 50000; port < 50100; port++) {
        p.len = pb_udp(p.b, GC, port, R1, 9, 8);
        CHECK_EQ_INT(fx_run(nat, &p, IF_NAT2, 6001), NAT_FORWARD);
    }
    p.len = pb_tcp(p.b, GC, 41000, R1, 80, SYN, 1, 0, 0);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT2, 6002), NAT_FORWARD);
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GC, 40000, 6002, &fi));
    (void)a_refused;
    fx_done();
}

/* RFC 5508 7.3 (SHOULD NOT forward ICMP with source routing options, outer or
 * quoted); vmgate routes no source-routed packet at all (RFC 7126). */
TEST(behave_5508_source_routed_packets_dropped)
{
    struct nat *nat = fx_nat(16);
    uint8_t lsrr[8] = {1, 131, 7, 4, 0, 0, 0, 0};
    uint8_t inner[PB_MAX];
    uint8_t udp[8] = {0x13, 0x88, 0, 9, 0, 8, 0, 0};

    p.len = pb_ip(p.b, 17, GA, R1, 8, udp, 8);
    memcpy(p.b + 20, lsrr, 8);
    pb_fix_ip_csum(p.b);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_SOURCE_ROUTE);
    /* A record-route option alone is no reason. */
    lsrr[1] = 7;
    p.len = pb_ip(p.b, 17, GA, R1, 8, udp, 8);
    memcpy(p.b + 20, lsrr, 8);
    pb_fix_ip_csum(p.b);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    /* In a quote. */
    size_t ilen = pb_ip(inner, 17, WAN_ADDR, R1, 8, udp, 8);
    lsrr[1] = 137;
    memcpy(inner + 20, lsrr, 8);
    pb_fix_ip_csum(inner);
    p.len = pb_icmp_error(p.b, 3, 3, R1, WAN_ADDR, inner, ilen);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 1), NAT_DROP_SOURCE_ROUTE);
    fx_done();
}

/* RFC 4787 REQ-7 (MUST): a WAN network that overlaps a guests' network is found
 * (the glue says so on the console, with the fix). */
TEST(behave_4787_req7_wan_overlap_found)
{
    struct nat *nat = fx_nat(16);

    CHECK_EQ_INT(nat_wan_overlap(nat, IP4(203, 0, 113, 0), 24), -1);
    CHECK_EQ_INT(nat_wan_overlap(nat, IP4(10, 0, 2, 0), 24), IF_NAT1);
    CHECK_EQ_INT(nat_wan_overlap(nat, IP4(10, 0, 0, 0), 8), IF_NAT1);
    CHECK_EQ_INT(nat_wan_overlap(nat, IP4(10, 0, 3, 128), 25), IF_NAT2);
    CHECK_EQ_INT(nat_wan_overlap(nat, IP4(192, 168, 56, 0), 24), IF_HO);
    fx_done();
}
