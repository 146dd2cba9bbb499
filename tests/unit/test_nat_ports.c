/* External port choice: preservation, allocation on collision, the port filter,
 * forwarding rules' host ports, the privileged range, and running out. */
#include "nat_fixture.h"

#include "net/nat_parse.h"

static struct fx_pkt p;

/* RFC 4787 REQ-1, RFC 5382 REQ-1: one external port per guest socket, whatever
 * it talks to; and an external port belongs to one socket only (no overlapping,
 * RFC 7857 3), so another guest's same port gets another one, towards anyone. */
TEST(nat_port_mapping_is_endpoint_independent)
{
    struct nat *nat = fx_nat(64);
    uint16_t c_port;

    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 40000);
    p.len = pb_tcp(p.b, GA, 40000, R2, 80, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 40000);
    p.len = pb_tcp(p.b, GC, 40000, R1, 443, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 0), NAT_FORWARD);
    c_port = pb_sport(p.b);
    CHECK(c_port != 40000 && c_port >= 1024);
    p.len = pb_tcp(p.b, GC, 40000, R2, 22, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), c_port);
    CHECK_EQ_INT(nat_flow_count(nat), 4);
    CHECK_EQ_INT(nat_mapping_count(nat), 2);
    /* The mapping is per protocol (RFC 7857 5): UDP 40000 is a mapping of its own. */
    p.len = pb_udp(p.b, GC, 40000, R1, 4000, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 40000);
    CHECK_EQ_INT(nat_mapping_count(nat), 3);
    fx_done();
}

TEST(nat_port_collision_allocates_and_both_get_replies)
{
    struct nat *nat = fx_nat(64);
    uint16_t pb_port;

    p.len = pb_udp(p.b, GA, 5000, R1, 53, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 5000);
    /* B, on the same network, with the same port to the same remote and port. */
    p.len = pb_udp(p.b, GB, 5000, R1, 53, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    pb_port = pb_sport(p.b);
    CHECK(pb_port != 5000 && pb_port >= 1024);
    CHECK_CSUMS(&p);
    /* C, on the other network: the same again. */
    p.len = pb_udp(p.b, GC, 5000, R1, 53, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 0), NAT_FORWARD);
    CHECK(pb_sport(p.b) != 5000 && pb_sport(p.b) != pb_port);

    p.len = pb_udp(p.b, R1, 53, WAN_ADDR, pb_port, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GB);
    CHECK_EQ_INT(pb_dport(p.b), 5000);
    CHECK_CSUMS(&p);
    p.len = pb_udp(p.b, R1, 53, WAN_ADDR, 5000, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    fx_done();
}

TEST(nat_port_filter_is_honoured)
{
    struct nat *nat = fx_nat(64);

    nat_set_port_filter(nat, fx_port_filter, NULL);
    fx_held[0] = 53;
    fx_held[1] = 5000;
    p.len = pb_udp(p.b, GA, 5000, R1, 53, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK(pb_sport(p.b) != 5000);
    p.len = pb_udp(p.b, GA, 5001, R1, 53, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 5001);
    fx_done();
}

/* Claims every port whose low byte is not 174: about 250 candidates left. */
static bool only_174(void *ctx, uint8_t proto, uint16_t port)
{
    (void)ctx;
    (void)proto;
    return (port & 0xff) != 174;
}

TEST(nat_port_rule_host_ports_never_allocated)
{
    struct nat *nat = fx_nat(4096);
    struct nat_rule r = {.name = "ssh", .proto = NAT_PROTO_TCP, .host_port = 2222,
                         .iface = IF_NAT1, .guest_ip = GA, .guest_port = 22};
    unsigned got_2222 = 0, no_port = 0, ok = 0;

    REQUIRE_EQ_INT(nat_add_rule(nat, &r), 0);
    /* A guest's own port 2222 is not kept: it is the rule's. */
    p.len = pb_tcp(p.b, GB, 2222, R1, 80, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK(pb_sport(p.b) != 2222);

    /* 2222 = 8 * 256 + 174: every other port of that low byte is handed out, then
     * no more; 2222 never. */
    nat_set_port_filter(nat, only_174, NULL);
    for (unsigned i = 0; i < 300; i++) {
        p.len = pb_tcp(p.b, GB, (uint16_t)(3000 + i), R1, 80, NAT_TCP_SYN, 1, 0, 0);
        switch (fx_run(nat, &p, IF_NAT1, 0)) {
        case NAT_FORWARD:
            ok++;
            got_2222 += pb_sport(p.b) == 2222;
            CHECK_EQ_INT(pb_sport(p.b) & 0xff, 174);
            break;
        case NAT_DROP:
            no_port += nat_last_drop(nat) == NAT_DROP_NO_PORT;
            break;
        default:
            CHECK(0);
        }
    }
    CHECK_EQ_INT(got_2222, 0);
    CHECK_EQ_INT(ok, (65536 - 1024) / 256 - 1);         /* 1198 .. 65454, without 2222 */
    CHECK_EQ_INT(ok + no_port, 300);
    fx_done();
}

TEST(nat_port_privileged_stays_privileged)
{
    struct nat *nat = fx_nat(64);

    p.len = pb_tcp(p.b, GA, 700, R1, 2049, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 700);
    p.len = pb_tcp(p.b, GB, 700, R1, 2049, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK(pb_sport(p.b) >= 512 && pb_sport(p.b) < 1024 && pb_sport(p.b) != 700);
    /* Port 0 is never kept. */
    p.len = pb_udp(p.b, GA, 0, R1, 9, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK(pb_sport(p.b) >= 1024);
    fx_done();
}

static bool all_ports(void *ctx, uint8_t proto, uint16_t port)
{
    (void)ctx;
    (void)proto;
    (void)port;
    return true;
}

TEST(nat_port_none_free)
{
    struct nat *nat = fx_nat(64);

    nat_set_port_filter(nat, all_ports, NULL);
    p.len = pb_udp(p.b, GA, 5000, R1, 53, 10);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_NO_PORT);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R1, 3, 1, 8);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_NO_PORT);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}
