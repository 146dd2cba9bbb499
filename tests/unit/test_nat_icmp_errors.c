/* ICMP errors about flows, both ways: from a remote or a router to a guest (port
 * unreachable, traceroute's time exceeded), from a guest to a remote (its own port
 * unreachable), with the quoted packet translated and every checksum right. */
#include "nat_fixture.h"

#include "net/bytes.h"
#include "net/nat_parse.h"

#include <string.h>

static struct fx_pkt p;
static uint8_t q[PB_MAX];

TEST(nat_icmp_port_unreachable_from_remote_about_udp)
{
    struct nat *nat = fx_nat(64);
    struct nat_flow_info fi;
    size_t qn;

    p.len = pb_udp(p.b, GA, 5000, R1, 53, 24);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    /* R1 quotes the datagram as it received it: the whole of it, here. */
    qn = p.len;
    memcpy(q, p.b, qn);
    p.len = pb_icmp_error(p.b, 3, 3, R1, WAN_ADDR, q, qn);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), R1);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_src(pb_inner(p.b)), GA);
    CHECK_EQ_INT(pb_sport(pb_inner(p.b)), 5000);
    CHECK_EQ_INT(pb_dst(pb_inner(p.b)), R1);
    CHECK_EQ_INT(pb_dport(pb_inner(p.b)), 53);
    CHECK_CSUMS(&p);
    /* The quote is now exactly what the guest sent. */
    p.len = pb_udp(q, GA, 5000, R1, 53, 24);
    CHECK_MEM(pb_inner(p.b), q, p.len);
    /* An error is not an answer: the flow stays unassured. */
    REQUIRE(fx_flow(nat, NAT_PROTO_UDP, GA, 5000, 1, &fi));
    CHECK(!fi.assured);
    CHECK_EQ_INT(fi.packets_in, 0);
    CHECK_EQ_INT(nat_get_stats(nat)->translated_in, 1);
    fx_done();
}

TEST(nat_icmp_time_exceeded_from_a_hop)
{
    struct nat *nat = fx_nat(64);
    uint16_t ext_b;

    /* traceroute over UDP from two guests with the same port: the second is moved. */
    p.len = pb_udp(p.b, GA, 33434, R1, 33435, 32);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_udp(p.b, GB, 33434, R1, 33435, 32);
    pb_set_ttl(p.b, 2);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    ext_b = pb_sport(p.b);
    CHECK(ext_b != 33434);
    /* A router quotes the header and 8 bytes (RFC 792). */
    memcpy(q, p.b, p.len);
    p.len = pb_icmp_error(p.b, 11, 0, HOP, WAN_ADDR, q, 28);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), HOP);
    CHECK_EQ_INT(pb_dst(p.b), GB);
    CHECK_EQ_INT(pb_src(pb_inner(p.b)), GB);
    CHECK_EQ_INT(pb_sport(pb_inner(p.b)), 33434);
    CHECK_CSUMS(&p);

    /* TCP, quoted with 8 bytes (no TCP checksum there) and then in full. */
    p.len = pb_tcp(p.b, GC, 41000, R1, 443, NAT_TCP_SYN, 5, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, 2), NAT_FORWARD);
    memcpy(q, p.b, p.len);
    p.len = pb_icmp_error(p.b, 11, 0, HOP, WAN_ADDR, q, 28);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 3), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GC);
    CHECK_EQ_INT(pb_src(pb_inner(p.b)), GC);
    CHECK_CSUMS(&p);
    p.len = pb_icmp_error(p.b, 11, 0, HOP, WAN_ADDR, q, 40);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 3), NAT_FORWARD);
    CHECK_CSUMS(&p);
    /* The quoted TCP checksum was updated as well: the quote is what C sent. */
    pb_tcp(q, GC, 41000, R1, 443, NAT_TCP_SYN, 5, 0, 0);
    CHECK_MEM(pb_inner(p.b), q, 40);
    fx_done();
}

TEST(nat_icmp_time_exceeded_about_an_echo)
{
    struct nat *nat = fx_nat(64);

    /* traceroute -I: B's echo collides with A's identifier and is moved. */
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R1, 900, 1, 40);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GB, R1, 900, 1, 40);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK(pb_sport(p.b) != 900);
    memcpy(q, p.b, p.len);
    p.len = pb_icmp_error(p.b, 11, 0, HOP, WAN_ADDR, q, 68);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GB);
    CHECK_EQ_INT(pb_src(pb_inner(p.b)), GB);
    CHECK_EQ_INT(pb_sport(pb_inner(p.b)), 900);
    CHECK_CSUMS(&p);
    fx_done();
}

TEST(nat_icmp_error_about_gre)
{
    struct nat *nat = fx_nat(64);

    p.len = pb_gre(p.b, GA, R1, 100);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    memcpy(q, p.b, p.len);
    p.len = pb_icmp_error(p.b, 3, 4, HOP, WAN_ADDR, q, 28);    /* fragmentation needed */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_src(pb_inner(p.b)), GA);
    CHECK_CSUMS(&p);
    fx_done();
}

TEST(nat_icmp_guest_port_unreachable_to_remote)
{
    struct nat *nat = fx_nat(64);
    struct nat_rule r = {.name = "syslog", .proto = NAT_PROTO_UDP, .host_port = 5514,
                         .iface = IF_NAT1, .guest_ip = GA, .guest_port = 514};
    size_t qn;

    REQUIRE_EQ_INT(nat_add_rule(nat, &r), 0);
    p.len = pb_udp(p.b, R1, 40001, WAN_ADDR, 5514, 30);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_FORWARD);
    /* A's port 514 is closed: A answers port unreachable, quoting what it got. */
    qn = p.len;
    memcpy(q, p.b, qn);
    p.len = pb_icmp_error(p.b, 3, 3, GA, R1, q, qn);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_dst(p.b), R1);
    CHECK_EQ_INT(pb_dst(pb_inner(p.b)), WAN_ADDR);
    CHECK_EQ_INT(pb_dport(pb_inner(p.b)), 5514);
    CHECK_CSUMS(&p);
    /* The quote is what R1 sent. */
    pb_udp(q, R1, 40001, WAN_ADDR, 5514, 30);
    CHECK_MEM(pb_inner(p.b), q, qn);

    /* Also for an ordinary outbound flow: A's reply came back to a closed port. */
    p.len = pb_udp(p.b, GA, 6000, R2, 123, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    p.len = pb_udp(p.b, R2, 123, WAN_ADDR, 6000, 10);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 3), NAT_FORWARD);
    memcpy(q, p.b, p.len);
    p.len = pb_icmp_error(p.b, 3, 3, GA, R2, q, 28);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 4), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_dst(pb_inner(p.b)), WAN_ADDR);
    CHECK_EQ_INT(pb_dport(pb_inner(p.b)), 6000);
    CHECK_CSUMS(&p);
    fx_done();
}

TEST(nat_icmp_errors_about_nothing)
{
    struct nat *nat = fx_nat(64);

    /* From the WAN about no flow: vmgate's own business (its own sockets). */
    pb_udp(q, WAN_ADDR, 7000, R1, 53, 0);
    p.len = pb_icmp_error(p.b, 3, 3, R1, WAN_ADDR, q, 28);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_PASS);
    /* An error about an error never belongs to a flow. */
    memcpy(q, p.b, p.len);
    p.len = pb_icmp_error(p.b, 3, 1, HOP, WAN_ADDR, q, 56);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_PASS);
    /* From a guest about no flow, or about another guest's flow: dropped. */
    pb_udp(q, R1, 53, GA, 7000, 0);
    p.len = pb_icmp_error(p.b, 3, 3, GA, R1, q, 28);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_INVALID);
    p.len = pb_udp(p.b, GA, 7000, R1, 53, 4);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_icmp_error(p.b, 3, 3, GB, R1, q, 28);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_INVALID);
    /* A quote cut inside its first 8 transport bytes: malformed, from anywhere. */
    pb_udp(q, WAN_ADDR, 7000, R1, 53, 0);
    p.len = pb_icmp_error(p.b, 3, 3, R1, WAN_ADDR, q, 27);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 0), NAT_DROP_MALFORMED);
    p.len = pb_icmp_error(p.b, 3, 3, GA, R1, q, 20);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 0), NAT_DROP_MALFORMED);
    fx_done();
}
