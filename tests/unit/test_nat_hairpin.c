/* Hairpin NAT (nat.h, Hairpin): a guest that connects to a forwarding rule's port
 * on the WAN address reaches the rule's guest through two flows, and that guest's
 * answers come back through the same two. */
#include "nat_fixture.h"

#include "net/nat_parse.h"

#include <stdio.h>
#include <string.h>

static struct fx_pkt p;

static void add_rule(struct nat *nat, const char *name, uint8_t proto, uint16_t host_port,
                     int iface, uint32_t guest_ip, uint16_t guest_port)
{
    struct nat_rule r = {.proto = proto, .host_port = host_port, .iface = iface,
                         .guest_ip = guest_ip, .guest_port = guest_port};
    snprintf(r.name, sizeof r.name, "%s", name);
    REQUIRE_EQ_INT(nat_add_rule(nat, &r), 0);
}

/* The packet as it must leave: from (src, sport) to (dst, dport), checksums right. */
static void check_tuple(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
    CHECK_EQ_INT(pb_src(p.b), src);
    CHECK_EQ_INT(pb_sport(p.b), sport);
    CHECK_EQ_INT(pb_dst(p.b), dst);
    CHECK_EQ_INT(pb_dport(p.b), dport);
    CHECK_CSUMS(&p);
}

/* A TCP connection from A (first NAT network) to C's web server (second NAT network)
 * by the WAN address, through the handshake and a data segment on the fast path's
 * entry. */
TEST(nat_hairpin_tcp_across_networks)
{
    struct nat *nat = fx_nat(64);
    struct nat_flow_info fa, fc;

    add_rule(nat, "web", NAT_PROTO_TCP, 8080, IF_NAT2, GC, 80);
    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8080, NAT_TCP_SYN, 100, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    check_tuple(WAN_ADDR, 40000, GC, 80);

    p.len = pb_tcp(p.b, GC, 80, WAN_ADDR, 40000, NAT_TCP_SYN | NAT_TCP_ACK, 900, 101, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 1), NAT_FORWARD);
    check_tuple(WAN_ADDR, 8080, GA, 40000);

    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8080, NAT_TCP_ACK, 101, 901, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    check_tuple(WAN_ADDR, 40000, GC, 80);

    /* Data of the established connection, both ways. */
    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8080, NAT_TCP_ACK, 101, 901, 500);
    REQUIRE_EQ_INT(nat_process_ex(nat, p.b, p.len, IF_NAT1, 3, 0), NAT_FORWARD);
    check_tuple(WAN_ADDR, 40000, GC, 80);
    p.len = pb_tcp(p.b, GC, 80, WAN_ADDR, 40000, NAT_TCP_ACK, 901, 601, 1200);
    REQUIRE_EQ_INT(nat_process_ex(nat, p.b, p.len, IF_NAT2, 3, 0), NAT_FORWARD);
    check_tuple(WAN_ADDR, 8080, GA, 40000);

    CHECK_EQ_INT(nat_flow_count(nat), 2);
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, 3, &fa));
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GC, 80, 3, &fc));
    CHECK_EQ_INT(fa.rem_addr, WAN_ADDR);
    CHECK_EQ_INT(fa.rem_port, 8080);
    CHECK(!fa.from_rule && fa.assured);
    CHECK_EQ_INT(fa.tcp_state, NAT_TCP_ESTABLISHED);
    CHECK(fc.from_rule && fc.assured);
    CHECK_EQ_INT(fc.rem_addr, WAN_ADDR);
    CHECK_EQ_INT(fc.rem_port, 40000);
    CHECK_EQ_INT(fc.tcp_state, NAT_TCP_ESTABLISHED);
    CHECK_EQ_INT(nat_get_stats(nat)->hairpinned, 5);
    /* Each packet counted once, as hairpinned. */
    CHECK_EQ_INT(nat_get_stats(nat)->translated_out, 0);
    CHECK_EQ_INT(nat_get_stats(nat)->translated_in, 0);

    /* An outside client of the same rule is unaffected. */
    p.len = pb_tcp(p.b, R1, 40000, WAN_ADDR, 8080, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 4), NAT_FORWARD);
    check_tuple(R1, 40000, GC, 80);
    fx_done();
}

/* Both guests on one network: the rule's guest sees the WAN address as its peer,
 * so its answers come to vmgate, not straight to the sender (who would not know
 * them). */
TEST(nat_hairpin_same_network)
{
    struct nat *nat = fx_nat(64);

    add_rule(nat, "web", NAT_PROTO_TCP, 8080, IF_NAT1, GB, 80);
    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8080, NAT_TCP_SYN, 100, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    check_tuple(WAN_ADDR, 40000, GB, 80);
    p.len = pb_tcp(p.b, GB, 80, WAN_ADDR, 40000, NAT_TCP_SYN | NAT_TCP_ACK, 900, 101, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 1), NAT_FORWARD);
    check_tuple(WAN_ADDR, 8080, GA, 40000);
    /* A guest may reach its own forwarded service the same way. */
    add_rule(nat, "self", NAT_PROTO_TCP, 2222, IF_NAT1, GA, 22);
    p.len = pb_tcp(p.b, GA, 41000, WAN_ADDR, 2222, NAT_TCP_SYN, 100, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    check_tuple(WAN_ADDR, 41000, GA, 22);
    p.len = pb_tcp(p.b, GA, 22, WAN_ADDR, 41000, NAT_TCP_SYN | NAT_TCP_ACK, 900, 101, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 3), NAT_FORWARD);
    check_tuple(WAN_ADDR, 2222, GA, 41000);
    fx_done();
}

/* UDP, with the sender using the rule's host port as its own source port: the
 * sender's flow cannot keep it (the rule owns it), so the two flows stay apart. */
TEST(nat_hairpin_udp_source_port_is_rule_port)
{
    struct nat *nat = fx_nat(64);
    struct nat_flow_info fa;

    add_rule(nat, "game", NAT_PROTO_UDP, 7777, IF_NAT2, GC, 7777);
    p.len = pb_udp(p.b, GA, 7777, WAN_ADDR, 7777, 40);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    REQUIRE(fx_flow(nat, NAT_PROTO_UDP, GA, 7777, 0, &fa));
    CHECK(fa.ext_port != 7777);
    check_tuple(WAN_ADDR, fa.ext_port, GC, 7777);

    p.len = pb_udp(p.b, GC, 7777, WAN_ADDR, fa.ext_port, 40);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 1), NAT_FORWARD);
    check_tuple(WAN_ADDR, 7777, GA, 7777);
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    fx_done();
}

/* What does not hairpin: ports no rule or mapping has, host-only networks, a rule
 * without a guest (and then no flow is left behind), a deleted rule's connection.
 * An echo request to the WAN address is vmgate's own to answer. */
TEST(nat_hairpin_refusals)
{
    struct nat *nat = fx_nat(64);

    add_rule(nat, "web", NAT_PROTO_TCP, 8080, IF_NAT2, GC, 80);
    add_rule(nat, "any", NAT_PROTO_TCP, 8081, IF_NAT2, 0, 80);

    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8082, NAT_TCP_SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_ISOLATION);
    p.len = pb_udp(p.b, GA, 40000, WAN_ADDR, 8080, 8);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_ISOLATION);
    p.len = pb_icmp_echo(p.b, 8, GA, WAN_ADDR, 8080, 1, 8);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_PASS);
    p.len = pb_tcp(p.b, GH, 40000, WAN_ADDR, 8080, NAT_TCP_SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_HO, 0), NAT_DROP_ISOLATION);
    /* A TTL that would end at vmgate is not hairpinned: dropped, as every other
     * packet from a guest to the WAN address. */
    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8080, NAT_TCP_SYN, 1, 0, 0);
    pb_set_ttl(p.b, 1);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_ISOLATION);

    /* No resolver, so no guest for "any". */
    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8081, NAT_TCP_SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_NO_GUEST);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    nat_set_guest_resolver(nat, fx_resolver, NULL);
    fx_resolved = GC;
    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8081, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 1), NAT_FORWARD);
    check_tuple(WAN_ADDR, 40000, GC, 80);
    CHECK_EQ_INT(nat_flow_count(nat), 2);

    /* The rule goes, and with it its flow: the sender's next segment finds only
     * its own flow, which leads nowhere now. */
    REQUIRE_EQ_INT(nat_del_rule(nat, "any"), 0);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    p.len = pb_tcp(p.b, GA, 40000, WAN_ADDR, 8081, NAT_TCP_ACK, 2, 1, 10);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 2), NAT_DROP_ISOLATION);
    fx_done();
}
