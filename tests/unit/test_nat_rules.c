/* Port-forwarding rules: matching, the guest they lead to, their flows, and
 * nat_add_rule()/nat_del_rule()'s contract. */
#include "nat_fixture.h"

#include "net/nat_parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct fx_pkt p;

static struct nat_rule rule(const char *name, uint8_t proto, uint32_t host_ip, uint16_t host_port,
                            int iface, uint32_t guest_ip, uint16_t guest_port)
{
    struct nat_rule r = {.proto = proto, .host_ip = host_ip, .host_port = host_port,
                         .iface = iface, .guest_ip = guest_ip, .guest_port = guest_port};
    snprintf(r.name, sizeof r.name, "%s", name);
    return r;
}

TEST(nat_rule_tcp_any_host_ip)
{
    struct nat *nat = fx_nat(64);
    struct nat_rule r = rule("guestssh", NAT_PROTO_TCP, 0, 2222, IF_NAT1, GA, 22);
    struct nat_flow_info fi;

    REQUIRE_EQ_INT(nat_add_rule(nat, &r), 0);
    p.len = pb_tcp(p.b, R1, 50000, WAN_ADDR, 2222, NAT_TCP_SYN, 7, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_dport(p.b), 22);
    CHECK_EQ_INT(pb_src(p.b), R1);
    CHECK_EQ_INT(pb_sport(p.b), 50000);
    CHECK_CSUMS(&p);

    p.len = pb_tcp(p.b, GA, 22, R1, 50000, NAT_TCP_SYN | NAT_TCP_ACK, 90, 8, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_sport(p.b), 2222);
    CHECK_CSUMS(&p);

    p.len = pb_tcp(p.b, R1, 50000, WAN_ADDR, 2222, NAT_TCP_ACK, 8, 91, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 2), NAT_FORWARD);
    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GA, 22, 2, &fi));
    CHECK(fi.from_rule && fi.assured);
    CHECK_EQ_INT(fi.tcp_state, NAT_TCP_ESTABLISHED);
    CHECK_EQ_INT(fi.ext_port, 2222);
    CHECK_EQ_INT(fi.rem_addr, R1);

    /* A second client gets its own flow to the same guest port. */
    p.len = pb_tcp(p.b, R2, 50000, WAN_ADDR, 2222, NAT_TCP_SYN, 7, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 3), NAT_FORWARD);
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    /* An RST or a SYN+ACK cannot open a connection: dropped. */
    p.len = pb_tcp(p.b, IP4(198, 51, 100, 50), 1, WAN_ADDR, 2222, NAT_TCP_RST, 7, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 3), NAT_DROP_INVALID);
    p.len = pb_tcp(p.b, IP4(198, 51, 100, 50), 1, WAN_ADDR, 2222, NAT_TCP_SYN | NAT_TCP_ACK, 7, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 3), NAT_DROP_INVALID);
    /* Other ports are not the rule's: nobody's, dropped without an answer. */
    p.len = pb_tcp(p.b, R2, 50000, WAN_ADDR, 2223, NAT_TCP_SYN, 7, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 3), NAT_DROP_FILTERED);
    fx_done();
}

TEST(nat_rule_udp_specific_host_ip)
{
    struct nat *nat = fx_nat(64);
    struct nat_rule r1 = rule("dns", NAT_PROTO_UDP, WAN_ADDR, 5353, IF_NAT2, GC, 53);
    struct nat_rule r2 = rule("elsewhere", NAT_PROTO_UDP, IP4(192, 0, 2, 99), 6000, IF_NAT2, GC, 60);

    REQUIRE_EQ_INT(nat_add_rule(nat, &r1), 0);
    REQUIRE_EQ_INT(nat_add_rule(nat, &r2), 0);
    p.len = pb_udp(p.b, R1, 4444, WAN_ADDR, 5353, 20);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GC);
    CHECK_EQ_INT(pb_dport(p.b), 53);
    CHECK_CSUMS(&p);
    p.len = pb_udp(p.b, GC, 53, R1, 4444, 60);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_sport(p.b), 5353);
    CHECK_CSUMS(&p);
    /* A rule for an address that is not (now) the WAN's does not apply. */
    p.len = pb_udp(p.b, R1, 4444, WAN_ADDR, 6000, 20);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 2), NAT_DROP_FILTERED);
    /* Nor does a TCP packet to a UDP rule's port. */
    p.len = pb_tcp(p.b, R1, 4444, WAN_ADDR, 5353, NAT_TCP_SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 2), NAT_DROP_FILTERED);
    fx_done();
}

TEST(nat_rule_guest_from_resolver)
{
    struct nat *nat = fx_nat(64);
    struct nat_rule r = rule("web", NAT_PROTO_TCP, 0, 8080, IF_NAT1, 0, 80);

    REQUIRE_EQ_INT(nat_add_rule(nat, &r), 0);
    /* No resolver, or no lease yet: no guest to take it, and no answer either. */
    p.len = pb_tcp(p.b, R1, 50000, WAN_ADDR, 8080, NAT_TCP_SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_NO_GUEST);
    nat_set_guest_resolver(nat, fx_resolver, NULL);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_NO_GUEST);
    CHECK_EQ_INT(pb_dst(p.b), WAN_ADDR);
    /* A resolver answer outside the network, or vmgate's own, is no guest. */
    fx_resolved = GC;
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_NO_GUEST);
    fx_resolved = GW1;
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_NO_GUEST);
    CHECK_EQ_INT(nat_flow_count(nat), 0);

    fx_resolved = GB;
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GB);
    CHECK_EQ_INT(pb_dport(p.b), 80);
    CHECK_CSUMS(&p);
    /* The flow keeps its guest when the resolver's answer changes. */
    fx_resolved = GA;
    p.len = pb_tcp(p.b, R1, 50000, WAN_ADDR, 8080, NAT_TCP_ACK, 2, 5, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 2), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GB);
    fx_done();
}

TEST(nat_rule_delete_takes_its_flows)
{
    struct nat *nat = fx_nat(64);
    struct nat_rule r = rule("ssh", NAT_PROTO_TCP, 0, 2222, IF_NAT1, GA, 22);

    REQUIRE_EQ_INT(nat_add_rule(nat, &r), 0);
    p.len = pb_tcp(p.b, R1, 50000, WAN_ADDR, 2222, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_SYN, 1, 0, 0);      /* not the rule's */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(nat_flow_count(nat), 2);

    CHECK_EQ_INT(nat_del_rule(nat, "ssh"), 0);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_flushed, 1);
    CHECK(!fx_flow(nat, NAT_PROTO_TCP, GA, 22, 0, NULL));
    CHECK_EQ_INT(nat_del_rule(nat, "ssh"), -ENOENT);
    p.len = pb_tcp(p.b, R1, 50000, WAN_ADDR, 2222, NAT_TCP_ACK, 2, 1, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 1), NAT_DROP_FILTERED);
    /* The port is free for outbound flows again. */
    p.len = pb_tcp(p.b, GB, 2222, R2, 80, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 2222);
    /* And the name can be used again. */
    CHECK_EQ_INT(nat_add_rule(nat, &r), 0);
    fx_done();
}

TEST(nat_rule_add_contract)
{
    struct nat *nat = fx_nat(64);
    struct nat_rule r = rule("a", NAT_PROTO_TCP, 0, 2222, IF_NAT1, GA, 22), bad;
    char name[16];

    bad = r, bad.name[0] = '\0';
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, memset(bad.name, 'x', sizeof bad.name);
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, bad.proto = 1;
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, bad.host_port = 0;
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, bad.guest_port = 0;
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, bad.iface = IF_HO;                     /* not a NAT network */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, bad.iface = 9;                         /* no network at all */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, bad.guest_ip = GC;                     /* another network's guest */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, bad.guest_ip = DNS1;                   /* vmgate's own */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);
    bad = r, bad.guest_ip = IP4(10, 0, 2, 255);     /* broadcast */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EINVAL);

    REQUIRE_EQ_INT(nat_add_rule(nat, &r), 0);
    bad = r, bad.host_port = 3333;                  /* the name is taken */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EEXIST);
    bad = rule("b", NAT_PROTO_TCP, WAN_ADDR, 2222, IF_NAT1, GB, 22);    /* overlaps "any" */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EEXIST);
    bad = rule("b", NAT_PROTO_UDP, 0, 2222, IF_NAT1, GB, 22);           /* UDP is apart */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), 0);
    bad = rule("c", NAT_PROTO_TCP, IP4(192, 0, 2, 7), 4000, IF_NAT1, GB, 22);
    CHECK_EQ_INT(nat_add_rule(nat, &bad), 0);
    bad = rule("d", NAT_PROTO_TCP, IP4(192, 0, 2, 8), 4000, IF_NAT1, GB, 22);  /* other IP */
    CHECK_EQ_INT(nat_add_rule(nat, &bad), 0);
    bad = rule("e", NAT_PROTO_TCP, 0, 4000, IF_NAT1, GB, 22);
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -EEXIST);

    for (unsigned i = 4; i < NAT_MAX_RULES; i++) {
        snprintf(name, sizeof name, "r%u", i);
        bad = rule(name, NAT_PROTO_UDP, 0, (uint16_t)(10000 + i), IF_NAT1, 0, 1);
        REQUIRE_EQ_INT(nat_add_rule(nat, &bad), 0);
    }
    bad = rule("full", NAT_PROTO_UDP, 0, 9999, IF_NAT1, 0, 1);
    CHECK_EQ_INT(nat_add_rule(nat, &bad), -ENOSPC);
    fx_done();
}
