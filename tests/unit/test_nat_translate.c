/* Translation through flows: each protocol out and back in, with every checksum
 * compared against a full recomputation. */
#include "nat_fixture.h"

#include "net/bytes.h"
#include "net/csum.h"
#include "net/nat_parse.h"
#include "net/offload.h"

#include <string.h>

static struct fx_pkt p;

TEST(nat_tcp_out_and_in)
{
    struct nat *nat = fx_nat(64);
    struct nat_flow_info fi;

    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_SYN, 100, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_sport(p.b), 40000);                 /* preserved */
    CHECK_EQ_INT(pb_dst(p.b), R1);
    CHECK_EQ_INT(pb_dport(p.b), 80);
    CHECK_CSUMS(&p);

    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, NAT_TCP_SYN | NAT_TCP_ACK, 500, 101, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 10), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), R1);
    CHECK_EQ_INT(pb_sport(p.b), 80);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_dport(p.b), 40000);
    CHECK_CSUMS(&p);

    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_ACK, 101, 501, 300);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 20), NAT_FORWARD);
    CHECK_CSUMS(&p);

    REQUIRE(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, 20, &fi));
    CHECK_EQ_INT(fi.iface, IF_NAT1);
    CHECK_EQ_INT(fi.ext_addr, WAN_ADDR);
    CHECK_EQ_INT(fi.ext_port, 40000);
    CHECK_EQ_INT(fi.rem_addr, R1);
    CHECK_EQ_INT(fi.rem_port, 80);
    CHECK_EQ_INT(fi.tcp_state, NAT_TCP_ESTABLISHED);
    CHECK(fi.assured && !fi.from_rule);
    CHECK_EQ_INT(fi.packets_out, 2);
    CHECK_EQ_INT(fi.packets_in, 1);
    CHECK_EQ_INT(fi.expires_in_ms, 7440u * 1000);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK_EQ_INT(nat_get_stats(nat)->translated_out, 2);
    CHECK_EQ_INT(nat_get_stats(nat)->translated_in, 1);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_created, 1);
    fx_done();
}

TEST(nat_udp_out_and_in)
{
    struct nat *nat = fx_nat(64);

    p.len = pb_udp(p.b, GA, 5353, R1, 53, 30);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_sport(p.b), 5353);
    CHECK_CSUMS(&p);

    p.len = pb_udp(p.b, R1, 53, WAN_ADDR, 5353, 100);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 5), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_dport(p.b), 5353);
    CHECK_CSUMS(&p);

    /* A datagram without a checksum keeps having none. */
    p.len = pb_udp_nocsum(p.b, GA, 5353, R1, 53, 30);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 6), NAT_FORWARD);
    CHECK_EQ_INT(pb_l4_csum_field(p.b), 0);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_CSUMS(&p);

    /* From another remote port: not this flow, but the guest socket's mapping
     * takes it (endpoint-independent filtering): a flow of its own. */
    p.len = pb_udp(p.b, R1, 54, WAN_ADDR, 5353, 10);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 7), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_dport(p.b), 5353);
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    CHECK_EQ_INT(nat_mapping_count(nat), 1);
    /* To a port no mapping has: dropped without an answer. */
    p.len = pb_udp(p.b, R1, 54, WAN_ADDR, 5354, 10);
    CHECK_DROP(nat, fx_run(nat, &p, IF_WAN, 8), NAT_DROP_FILTERED);
    fx_done();
}

TEST(nat_icmp_echo_out_and_in)
{
    struct nat *nat = fx_nat(64);
    struct nat_flow_info fi;

    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R1, 0x1f00, 1, 56);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_sport(p.b), 0x1f00);
    CHECK_CSUMS(&p);

    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REPLY, R1, WAN_ADDR, 0x1f00, 1, 56);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(pb_dport(p.b), 0x1f00);
    CHECK_CSUMS(&p);
    REQUIRE(fx_flow(nat, NAT_PROTO_ICMP, GA, 0x1f00, 1, &fi));
    CHECK_EQ_INT(fi.rem_port, 0);
    CHECK(fi.assured);

    /* Pings of vmgate itself, and echo replies nobody asked for, are lwIP's. */
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, R1, WAN_ADDR, 0x1f00, 2, 56);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 2), NAT_PASS);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REPLY, R2, WAN_ADDR, 0x1f00, 1, 56);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 2), NAT_PASS);
    fx_done();
}

TEST(nat_icmp_echo_id_collision_allocates)
{
    struct nat *nat = fx_nat(64);
    uint16_t id_b;

    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R1, 1, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 1);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GB, R1, 1, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    id_b = pb_sport(p.b);
    CHECK(id_b != 1);
    CHECK_CSUMS(&p);

    /* Each reply reaches its own guest with its own identifier. */
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REPLY, R1, WAN_ADDR, id_b, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GB);
    CHECK_EQ_INT(pb_dport(p.b), 1);
    CHECK_CSUMS(&p);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REPLY, R1, WAN_ADDR, 1, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    fx_done();
}

TEST(nat_gre_by_address_and_second_guest_refused)
{
    struct nat *nat = fx_nat(64);
    struct nat_flow_info fi;

    p.len = pb_gre(p.b, GA, R1, 60);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_CSUMS(&p);

    p.len = pb_gre(p.b, R1, WAN_ADDR, 60);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 1), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_CSUMS(&p);
    REQUIRE(fx_flow(nat, 47, GA, 0, 1, &fi));
    CHECK(fi.assured);
    CHECK_EQ_INT(fi.expires_in_ms, 600000);

    /* B's GRE to the same remote could not be told apart on the way back. */
    p.len = pb_gre(p.b, GB, R1, 60);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 2), NAT_DROP_NO_PORT);
    /* To another remote it can. And ESP is another protocol. */
    p.len = pb_gre(p.b, GB, R2, 60);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    p.len = pb_ip(p.b, 50, GB, R1, 0, "\0\0\0\1\0\0\0\1", 8);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT1, 2), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_CSUMS(&p);
    p.len = pb_ip(p.b, 50, R1, WAN_ADDR, 0, "\0\0\0\2\0\0\0\1", 8);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 3), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GB);

    /* GRE from a remote nobody talks GRE with: not NAT's. */
    p.len = pb_gre(p.b, IP4(198, 51, 100, 99), WAN_ADDR, 60);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 3), NAT_PASS);
    fx_done();
}

TEST(nat_ip_options_survive_translation)
{
    struct nat *nat = fx_nat(64);
    uint8_t u[12] = {0x13, 0x88, 0x00, 0x35, 0x00, 0x0c, 0, 0, 1, 2, 3, 4};
    int c;

    p.len = pb_ip(p.b, 17, GA, R1, 8, u, sizeof u);
    c = pb_l4_csum_of(p.b, p.len);
    p.b[28 + 6] = (uint8_t)(c >> 8);
    p.b[28 + 7] = (uint8_t)c;
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), WAN_ADDR);
    CHECK_EQ_INT(pb_sport(p.b), 5000);
    CHECK_CSUMS(&p);
    fx_done();
}

/* Makes pkt's TCP/UDP checksum partial, as a sender using checksum offload leaves
 * it: the folded pseudo-header sum (length included), not complemented. */
static void make_partial(struct fx_pkt *q)
{
    uint8_t *l4 = q->b + 20, pseudo[12];
    size_t at = q->b[9] == 6 ? 16 : 6;

    memcpy(pseudo, q->b + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = q->b[9];
    put_be16(pseudo + 10, (uint16_t)(q->len - 20));
    put_be16(l4 + at, csum_fold(csum_partial(0, pseudo, sizeof pseudo)));
}

/* What the device does with a partial checksum: sum from the transport header to
 * the end, the field included, and store the complement (offload_csum_complete). */
static void complete(struct fx_pkt *q)
{
    struct offload o = {.flags = OFFLOAD_NEEDS_CSUM, .csum_start = 20,
                        .csum_offset = q->b[9] == 6 ? 16 : 6};
    REQUIRE_EQ_INT(offload_csum_complete(q->b, q->len, &o), 0);
}

TEST(nat_partial_checksums_follow_the_address_only)
{
    struct nat *nat = fx_nat(512);

    for (unsigned round = 0; round < 200; round++) {
        uint16_t port = (uint16_t)(1024 + round * 97);
        /* Out, from a port that collides, so the port changes too. */
        if (round == 0) {
            p.len = pb_tcp(p.b, GB, 40000, R1, 80, NAT_TCP_SYN, 1, 0, 0);
            REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
        }
        p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_ACK, round, 1, 100 + round);
        make_partial(&p);
        REQUIRE_EQ_INT(nat_process_ex(nat, p.b, p.len, IF_NAT1, round, NAT_CSUM_PARTIAL),
                       NAT_FORWARD);
        REQUIRE(pb_sport(p.b) != 40000);
        complete(&p);
        CHECK_CSUMS(&p);

        /* In, UDP, of an existing flow. */
        p.len = pb_udp(p.b, GC, port, R2, 53, round);
        REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT2, round), NAT_FORWARD);
        p.len = pb_udp(p.b, R2, 53, WAN_ADDR, pb_sport(p.b), 30 + round);
        make_partial(&p);
        REQUIRE_EQ_INT(nat_process_ex(nat, p.b, p.len, IF_WAN, round, NAT_CSUM_PARTIAL),
                       NAT_FORWARD);
        CHECK_EQ_INT(pb_dst(p.b), GC);
        complete(&p);
        CHECK_CSUMS(&p);
    }
    /* The flag means nothing to other protocols. */
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R1, 5, 1, 8);
    REQUIRE_EQ_INT(nat_process_ex(nat, p.b, p.len, IF_NAT1, 300, NAT_CSUM_PARTIAL), NAT_FORWARD);
    CHECK_CSUMS(&p);
    fx_done();
}
