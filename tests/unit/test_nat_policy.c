/* The policy of nat.h, rule by rule: what passes untouched, what is dropped and
 * why (each reason counted once), and what is translated. */
#include "nat_fixture.h"

#include "net/nat_parse.h"

#include <errno.h>

static struct fx_pkt p;

static enum nat_verdict udp_from(struct nat *nat, int iface, uint32_t src, uint32_t dst)
{
    p.len = pb_udp(p.b, src, 1000, dst, 2000, 8);
    return fx_run(nat, &p, iface, 0);
}

TEST(nat_policy_isolation_between_networks)
{
    struct nat *nat = fx_nat(64);

    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, GC), NAT_DROP_ISOLATION);        /* NAT -> NAT */
    CHECK_DROP(nat, udp_from(nat, IF_NAT2, GC, GA), NAT_DROP_ISOLATION);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, GH), NAT_DROP_ISOLATION);        /* NAT -> host-only */
    CHECK_DROP(nat, udp_from(nat, IF_HO, GH, GA), NAT_DROP_ISOLATION);          /* host-only -> NAT */
    /* vmgate's addresses on other networks, and its WAN address. */
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, GW2), NAT_DROP_ISOLATION);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, HOSELF), NAT_DROP_ISOLATION);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, WAN_ADDR), NAT_DROP_ISOLATION);
    CHECK_DROP(nat, udp_from(nat, IF_HO, GH, WAN_ADDR), NAT_DROP_ISOLATION);
    CHECK_DROP(nat, udp_from(nat, IF_HO, GH, GW1), NAT_DROP_ISOLATION);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, IP4(10, 0, 3, 255)), NAT_DROP_ISOLATION);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, IP4(127, 0, 0, 1)), NAT_DROP_ISOLATION);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, IP4(0, 1, 2, 3)), NAT_DROP_ISOLATION);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(nat_get_stats(nat)->drops[NAT_DROP_ISOLATION], 12);
    fx_done();
}

TEST(nat_policy_host_only_networks_route_between_themselves)
{
    struct nat *nat = fx_nat(64);
    struct nat_net ho2 = {.iface = 4, .kind = NAT_NET_HOSTONLY, .net = IP4(192, 168, 57, 0),
                          .prefix = 24, .self = IP4(192, 168, 57, 1)};

    REQUIRE_EQ_INT(nat_add_net(nat, &ho2), 0);
    CHECK_EQ_INT(udp_from(nat, IF_HO, GH, IP4(192, 168, 57, 20)), NAT_PASS);
    CHECK_EQ_INT(pb_src(p.b), GH);
    /* ... but not into each other's vmgate address. */
    CHECK_DROP(nat, udp_from(nat, IF_HO, GH, IP4(192, 168, 57, 1)), NAT_DROP_ISOLATION);
    fx_done();
}

TEST(nat_policy_spoofed_sources)
{
    struct nat *nat = fx_nat(64);

    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GC, R1), NAT_DROP_SPOOFED);          /* other net */
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, IP4(8, 8, 8, 8), R1), NAT_DROP_SPOOFED);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GW1, R1), NAT_DROP_SPOOFED);         /* vmgate's */
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, DNS1, R1), NAT_DROP_SPOOFED);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, NET1, R1), NAT_DROP_SPOOFED);        /* network */
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, IP4(10, 0, 2, 255), R1), NAT_DROP_SPOOFED);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, 0, R1), NAT_DROP_SPOOFED);           /* 0 unicast */
    CHECK_DROP(nat, udp_from(nat, IF_HO, GA, R1), NAT_DROP_SPOOFED);
    CHECK_DROP(nat, udp_from(nat, IF_HO, HOSELF, R1), NAT_DROP_SPOOFED);
    /* Spoofed towards vmgate itself too: its answer would go to the forged source. */
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, IP4(8, 8, 8, 8), GW1), NAT_DROP_SPOOFED);
    /* From the WAN: internal sources and the WAN address itself. */
    CHECK_DROP(nat, udp_from(nat, IF_WAN, GA, WAN_ADDR), NAT_DROP_SPOOFED);
    CHECK_DROP(nat, udp_from(nat, IF_WAN, GH, WAN_ADDR), NAT_DROP_SPOOFED);
    CHECK_DROP(nat, udp_from(nat, IF_WAN, WAN_ADDR, WAN_ADDR), NAT_DROP_SPOOFED);
    CHECK_EQ_INT(nat_get_stats(nat)->drops[NAT_DROP_SPOOFED], 13);
    fx_done();
}

TEST(nat_policy_passes_broadcast_and_own_addresses)
{
    struct nat *nat = fx_nat(64);
    const struct nat_stats *s = nat_get_stats(nat);

    CHECK_EQ_INT(udp_from(nat, IF_NAT1, 0, 0xffffffffu), NAT_PASS);             /* DHCP discover */
    CHECK_EQ_INT(udp_from(nat, IF_NAT1, GA, IP4(10, 0, 2, 255)), NAT_PASS);
    CHECK_EQ_INT(udp_from(nat, IF_NAT1, GA, IP4(224, 0, 0, 251)), NAT_PASS);    /* mDNS */
    CHECK_EQ_INT(udp_from(nat, IF_NAT1, GA, GW1), NAT_PASS);
    CHECK_EQ_INT(udp_from(nat, IF_NAT1, GA, DNS1), NAT_PASS);
    CHECK_EQ_INT(udp_from(nat, IF_NAT1, GA, GB), NAT_PASS);                     /* same network */
    CHECK_EQ_INT(udp_from(nat, IF_HO, GH, HOSELF), NAT_PASS);
    CHECK_EQ_INT(udp_from(nat, IF_HO, 0, 0xffffffffu), NAT_PASS);
    CHECK_EQ_INT(udp_from(nat, IF_WAN, IP4(192, 0, 2, 1), 0xffffffffu), NAT_PASS);
    CHECK_EQ_INT(udp_from(nat, IF_WAN, 0, 0xffffffffu), NAT_PASS);
    CHECK_EQ_INT(udp_from(nat, 7, IP4(172, 16, 0, 5), R1), NAT_PASS);           /* intnet port */
    CHECK_EQ_INT(s->passed, 11);
    /* To the WAN address, for a socket of vmgate's: lwIP's. For nobody: dropped
     * without a word (nat_behave tests). */
    nat_set_port_filter(nat, fx_port_filter, NULL);
    fx_held[0] = 2000;                                  /* udp_from's destination port */
    CHECK_EQ_INT(udp_from(nat, IF_WAN, R1, WAN_ADDR), NAT_PASS);
    fx_held[0] = 0;
    CHECK_DROP(nat, udp_from(nat, IF_WAN, R1, WAN_ADDR), NAT_DROP_FILTERED);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_policy_host_only_routed_both_ways)
{
    struct nat *nat = fx_nat(64);

    CHECK_EQ_INT(udp_from(nat, IF_HO, GH, R1), NAT_PASS);
    CHECK_EQ_INT(pb_src(p.b), GH);
    CHECK_EQ_INT(udp_from(nat, IF_WAN, R1, GH), NAT_PASS);
    CHECK_EQ_INT(pb_dst(p.b), GH);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_policy_unsolicited_into_nat_network)
{
    struct nat *nat = fx_nat(64);

    CHECK_DROP(nat, udp_from(nat, IF_WAN, R1, GA), NAT_DROP_UNSOLICITED);
    CHECK_DROP(nat, udp_from(nat, IF_WAN, R1, GW2), NAT_DROP_UNSOLICITED);
    p.len = pb_tcp(p.b, R1, 80, GA, 40000, NAT_TCP_SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_UNSOLICITED);
    fx_done();
}

TEST(nat_policy_ttl)
{
    struct nat *nat = fx_nat(64);

    /* TTL 1: lwIP answers time exceeded from the gateway, so vmgate is hop 1. */
    p.len = pb_udp(p.b, GA, 33434, R1, 33435, 8);
    pb_set_ttl(p.b, 1);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_PASS);
    CHECK_EQ_INT(pb_src(p.b), GA);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    /* TTL 0 never travels: lwIP's decrement would wrap it to 255. */
    pb_set_ttl(p.b, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_MALFORMED);
    p.len = pb_udp(p.b, R1, 1, WAN_ADDR, 2, 8);
    pb_set_ttl(p.b, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_MALFORMED);
    /* TTL 2 goes out, TTL untouched (lwIP decrements it when forwarding). */
    p.len = pb_udp(p.b, GA, 33434, R1, 33435, 8);
    pb_set_ttl(p.b, 2);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(p.b[8], 2);
    CHECK_CSUMS(&p);
    /* An existing flow's TTL 1 packet is passed untranslated as well. */
    p.len = pb_udp(p.b, GA, 33434, R1, 33435, 8);
    pb_set_ttl(p.b, 1);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_PASS);
    CHECK_EQ_INT(pb_src(p.b), GA);
    fx_done();
}

TEST(nat_policy_no_wan_address)
{
    struct nat *nat = fx_nat(64);

    nat_set_wan(nat, IF_WAN, 0);
    CHECK_DROP(nat, udp_from(nat, IF_NAT1, GA, R1), NAT_DROP_NO_WAN);
    /* Still vmgate's own and local traffic. */
    CHECK_EQ_INT(udp_from(nat, IF_NAT1, GA, GW1), NAT_PASS);
    CHECK_EQ_INT(udp_from(nat, IF_WAN, R1, 0), NAT_PASS);
    nat_set_wan(nat, IF_WAN, WAN_ADDR);
    CHECK_EQ_INT(udp_from(nat, IF_NAT1, GA, R1), NAT_FORWARD);
    fx_done();
}

TEST(nat_policy_invalid_from_guest)
{
    struct nat *nat = fx_nat(64);

    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_RST, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_INVALID);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_SYN | NAT_TCP_FIN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_INVALID);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_SYN | NAT_TCP_ACK, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_INVALID);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_FIN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_INVALID);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REPLY, GA, R1, 1, 1, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_INVALID);
    p.len = pb_icmp_echo(p.b, 13, GA, R1, 1, 1, 12);                            /* timestamp */
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_INVALID);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    /* Within a flow, impossible flags are dropped too, and change nothing. */
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, NAT_TCP_SYN | NAT_TCP_RST, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_INVALID);
    CHECK_EQ_INT(pb_dst(p.b), WAN_ADDR);
    fx_done();
}

TEST(nat_policy_add_net_contract)
{
    struct nat *nat = fx_nat(64);
    struct nat_net n = {.iface = 5, .kind = NAT_NET_NAT, .net = IP4(10, 0, 4, 0), .prefix = 24};
    struct nat_net bad;

    bad = n, bad.prefix = 31;
    CHECK_EQ_INT(nat_add_net(nat, &bad), -EINVAL);
    bad = n, bad.prefix = 7;
    CHECK_EQ_INT(nat_add_net(nat, &bad), -EINVAL);
    bad = n, bad.net |= 1;                                      /* host bits */
    CHECK_EQ_INT(nat_add_net(nat, &bad), -EINVAL);
    bad = n, bad.self = IP4(10, 0, 5, 1);                       /* self outside */
    CHECK_EQ_INT(nat_add_net(nat, &bad), -EINVAL);
    bad = n, bad.net = IP4(10, 0, 0, 0), bad.prefix = 16;       /* overlaps 10.0.2/24 */
    CHECK_EQ_INT(nat_add_net(nat, &bad), -EINVAL);
    bad = n, bad.iface = IF_NAT1;
    CHECK_EQ_INT(nat_add_net(nat, &bad), -EEXIST);
    /* The same network on a second interface: ports of one NAT Network. */
    bad = n, bad.net = NET1;
    CHECK_EQ_INT(nat_add_net(nat, &bad), 0);
    CHECK_EQ_INT(udp_from(nat, 5, GB, GA), NAT_PASS);          /* not isolated from itself */
    CHECK_EQ_INT(udp_from(nat, 5, GB, R1), NAT_FORWARD);
    fx_done();
}
