/* The flow table through the engine: timeouts of UDP, ICMP and other protocols,
 * expiry, the eviction policy when full, flushing, and a clock that wraps. */
#include "nat_fixture.h"

#include "net/nat_parse.h"
#include "net/nat_table.h"
#include "net/siphash.h"

#include "arch/cc.h"

#define S(x) ((uint32_t)(x) * 1000u)

static struct fx_pkt p;

/* UDP from a guest to R1:4000 (the guest's network decides the interface), and
 * R1's answer to an external port. */
static enum nat_verdict udp_out(struct nat *nat, uint32_t guest, uint16_t port, uint32_t now)
{
    p.len = pb_udp(p.b, guest, port, R1, 4000, 8);
    return fx_run(nat, &p, (guest & 0xffffff00u) == NET2 ? IF_NAT2 : IF_NAT1, now);
}

static enum nat_verdict udp_in(struct nat *nat, uint16_t ext_port, uint32_t now)
{
    p.len = pb_udp(p.b, R1, 4000, WAN_ADDR, ext_port, 8);
    return fx_run(nat, &p, IF_WAN, now);
}

/* RFC 4787 REQ-5 and 5c: a UDP mapping lives at least 2 minutes, 5 by default,
 * answered or not. */
TEST(nat_table_udp_300s_answered_or_not)
{
    struct nat *nat = fx_nat(16);

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    /* More datagrams from the guest alone keep it at 300 s from the last. */
    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, S(20)), NAT_FORWARD);
    nat_expire(nat, S(320) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(320));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(nat_mapping_count(nat), 0);
    /* The mapping went with its last flow: the port is nobody's. */
    CHECK_DROP(nat, udp_in(nat, 5000, S(321)), NAT_DROP_FILTERED);
    fx_done();
}

/* RFC 4787 REQ-6 (outbound refreshes, MUST) and REQ-6a (inbound may): inbound
 * traffic refreshes a flow the guest has answered, never one it has not, so a
 * host that learned a guest's port cannot keep a flow to it open alone. */
TEST(nat_table_udp_inbound_refreshes_only_answered_flows)
{
    struct nat *nat = fx_nat(16);
    struct nat_flow_info fi;

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_in(nat, 5000, S(1)), NAT_FORWARD);
    REQUIRE(fx_flow(nat, NAT_PROTO_UDP, GA, 5000, S(1), &fi));
    CHECK(fi.assured);
    CHECK_EQ_INT(fi.expires_in_ms, S(300));
    REQUIRE_EQ_INT(udp_in(nat, 5000, S(200)), NAT_FORWARD);        /* answered: restarts */
    nat_expire(nat, S(500) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(500));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();

    /* R2 reaches the mapping without being asked (endpoint-independent filter):
     * its own flow, unanswered, whose time does not move with R2's datagrams. */
    nat = fx_nat(16);
    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    p.len = pb_udp(p.b, R2, 9, WAN_ADDR, 5000, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(10)), NAT_FORWARD);
    CHECK_EQ_INT(pb_dst(p.b), GA);
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    p.len = pb_udp(p.b, R2, 9, WAN_ADDR, 5000, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(200)), NAT_FORWARD);
    nat_expire(nat, S(300));                                       /* GA's own flow */
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(310));                                       /* R2's, from 10 s */
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

/* RFC 4787 REQ-5a: a shorter timer for a well-known destination port: a guest's
 * own DNS query is one datagram each way. */
TEST(nat_table_udp_to_dns_30s)
{
    struct nat *nat = fx_nat(16);

    p.len = pb_udp(p.b, GA, 5000, R1, 53, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_udp(p.b, GA, 5001, R1, 5353, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    nat_expire(nat, S(30) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    nat_expire(nat, S(30));
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK(fx_flow(nat, NAT_PROTO_UDP, GA, 5001, S(30), NULL));
    fx_done();
}

/* RFC 5508 REQ-2: an ICMP query mapping lives at least 60 s. Other protocols (no
 * RFC): 30 s until answered, 600 s after. */
TEST(nat_table_icmp_and_other_timeouts)
{
    struct nat *nat = fx_nat(16);

    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REQUEST, GA, R1, 5, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_icmp_echo(p.b, NAT_ICMP_ECHO_REPLY, R1, WAN_ADDR, 5, 1, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 10), NAT_FORWARD);
    p.len = pb_gre(p.b, GA, R1, 8);                             /* unanswered: 30 s */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 20), NAT_FORWARD);
    p.len = pb_gre(p.b, GB, R2, 8);                             /* answered: 600 s */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 20), NAT_FORWARD);
    p.len = pb_gre(p.b, R2, WAN_ADDR, 8);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 20), NAT_FORWARD);
    CHECK_EQ_INT(nat_flow_count(nat), 3);

    nat_expire(nat, S(30) + 19);
    CHECK_EQ_INT(nat_flow_count(nat), 3);
    nat_expire(nat, S(30) + 20);                                /* the unanswered GRE */
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    nat_expire(nat, S(60) + 9);                                 /* the echo, from its reply */
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    nat_expire(nat, S(60) + 10);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK(fx_flow(nat, 47, GB, 0, S(60) + 10, NULL));
    nat_expire(nat, S(600) + 19);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(600) + 20);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_expired, 3);
    fx_done();
}

/* Shares (nat_table.h): no interface holds more than 3/4 of the table; past that
 * it recycles its own oldest candidate, even with flows free. */
TEST(nat_table_share_cap_recycles_the_interfaces_own)
{
    struct nat *nat = fx_nat(8);
    const struct nat_stats *s = nat_get_stats(nat);

    for (uint16_t port = 1001; port <= 1006; port++)
        REQUIRE_EQ_INT(udp_out(nat, GA, port, port), NAT_FORWARD);
    CHECK_EQ_INT(nat_flow_count(nat), 6);
    REQUIRE_EQ_INT(udp_out(nat, GA, 1007, 1007), NAT_FORWARD);
    CHECK_EQ_INT(s->flows_evicted, 1);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, GA, 1001, 1007, NULL));
    CHECK_EQ_INT(nat_flow_count(nat), 6);
    /* The other interface gets the two left. */
    REQUIRE_EQ_INT(udp_out(nat, GC, 2001, 2000), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GC, 2002, 2000), NAT_FORWARD);
    CHECK_EQ_INT(nat_flow_count(nat), 8);
    CHECK_EQ_INT(s->flows_evicted, 1);
    fx_done();
}

/* Full: an interface under its fair share takes the oldest candidate of the one
 * holding the most; one at or over its share recycles its own. */
TEST(nat_table_full_takes_from_the_biggest)
{
    struct nat *nat = fx_nat(8);
    const struct nat_stats *s = nat_get_stats(nat);

    for (uint16_t port = 1001; port <= 1006; port++)
        REQUIRE_EQ_INT(udp_out(nat, GA, port, port), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GC, 2001, 2000), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GC, 2002, 2001), NAT_FORWARD);
    /* GC has 2 of a share of 4: GA's oldest goes. */
    REQUIRE_EQ_INT(udp_out(nat, GC, 2003, 2002), NAT_FORWARD);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, GA, 1001, 2002, NULL));
    REQUIRE_EQ_INT(udp_out(nat, GC, 2004, 2003), NAT_FORWARD);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, GA, 1002, 2003, NULL));
    CHECK_EQ_INT(s->flows_evicted, 2);
    /* GC at its share of 4 now recycles its own. */
    REQUIRE_EQ_INT(udp_out(nat, GC, 2005, 2004), NAT_FORWARD);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, GC, 2001, 2004, NULL));
    CHECK(fx_flow(nat, NAT_PROTO_UDP, GA, 1003, 2004, NULL));
    CHECK_EQ_INT(s->flows_evicted, 3);
    /* Answered flows go only after unanswered ones: GA's 1003 answered, so 1004
     * goes when GC takes from GA again. */
    REQUIRE_EQ_INT(udp_in(nat, 1003, 2005), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GB, 3000, 2006), NAT_FORWARD);     /* GA's own network */
    CHECK(fx_flow(nat, NAT_PROTO_UDP, GA, 1003, 2006, NULL));
    CHECK_EQ_INT(nat_flow_count(nat), 8);
    fx_done();
}

/* Established TCP connections are never pushed out: when nothing else can go,
 * new flows are refused, and a flow whose time is up is reused. */
TEST(nat_table_full_of_established_refuses_then_reuses_expired)
{
    struct nat *nat = fx_nat(4);
    const struct nat_stats *s = nat_get_stats(nat);

    for (uint16_t i = 0; i < 4; i++) {
        uint32_t guest = i < 2 ? GA : GC;
        int iface = i < 2 ? IF_NAT1 : IF_NAT2;
        uint16_t port = (uint16_t)(40000 + i);
        p.len = pb_tcp(p.b, guest, port, R1, 80, NAT_TCP_SYN, 1, 0, 0);
        REQUIRE_EQ_INT(fx_run(nat, &p, iface, i), NAT_FORWARD);
        p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, port, NAT_TCP_SYN | NAT_TCP_ACK, 9, 2, 0);
        REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, i), NAT_FORWARD);
        p.len = pb_tcp(p.b, guest, port, R1, 80, NAT_TCP_ACK, 2, 10, 0);
        REQUIRE_EQ_INT(fx_run(nat, &p, iface, i), NAT_FORWARD);
    }
    CHECK_DROP(nat, udp_out(nat, GB, 3000, 10), NAT_DROP_TABLE_FULL);
    p.len = pb_tcp(p.b, GC, 3000, R2, 80, NAT_TCP_SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT2, 10), NAT_DROP_TABLE_FULL);
    CHECK_EQ_INT(s->flows_evicted, 0);
    /* Established connections keep working meanwhile. */
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40001, NAT_TCP_ACK, 10, 2, 100);
    CHECK_EQ_INT(fx_run(nat, &p, IF_WAN, 11), NAT_FORWARD);
    /* The first connection's time comes (no nat_expire() call): it is reused. */
    CHECK_EQ_INT(udp_out(nat, GB, 3000, S(7440)), NAT_FORWARD);
    CHECK_EQ_INT(s->flows_expired, 1);
    CHECK(!fx_flow(nat, NAT_PROTO_TCP, GA, 40000, S(7440), NULL));
    fx_done();
}

TEST(nat_table_closing_tcp_is_evictable)
{
    struct nat *nat = fx_nat(2);

    for (uint16_t port = 40000; port < 40002; port++) {
        p.len = pb_tcp(p.b, GA, port, R1, 80, NAT_TCP_SYN, 1, 0, 0);
        REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
        p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, port, NAT_TCP_SYN | NAT_TCP_ACK, 9, 2, 0);
        REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_FORWARD);
        p.len = pb_tcp(p.b, GA, port, R1, 80, NAT_TCP_ACK, 2, 10, 0);
        REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    }
    CHECK_DROP(nat, udp_out(nat, GB, 3000, 1), NAT_DROP_TABLE_FULL);
    /* The second connection is reset: over, so it makes room. */
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40001, NAT_TCP_RST, 10, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 2), NAT_FORWARD);
    CHECK_EQ_INT(udp_out(nat, GB, 3000, 3), NAT_FORWARD);
    CHECK(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, 3, NULL));
    CHECK(!fx_flow(nat, NAT_PROTO_TCP, GA, 40001, 3, NULL));
    fx_done();
}

TEST(nat_table_wan_change_flushes)
{
    struct nat *nat = fx_nat(16);
    const struct nat_stats *s = nat_get_stats(nat);

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GC, 5000, 0), NAT_FORWARD);
    nat_set_wan(nat, IF_WAN, WAN_ADDR);                         /* unchanged: nothing */
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    nat_set_wan(nat, IF_WAN, IP4(203, 0, 113, 99));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(s->flows_flushed, 2);
    CHECK_EQ_INT(udp_in(nat, 5000, 1), NAT_PASS);               /* old address: nothing */
    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 2), NAT_FORWARD);
    CHECK_EQ_INT(pb_src(p.b), IP4(203, 0, 113, 99));
    fx_done();
}

TEST(nat_table_many_flows_and_bulk_expiry)
{
    struct nat *nat = fx_nat(10000);
    unsigned created = 0;

    /* 5000 DNS queries (30 s) from each of two networks. */
    for (unsigned i = 0; i < 10000; i++) {
        bool one = i % 2 == 0;
        uint32_t guest = (one ? NET1 : NET2) + 16 + (i / 2 % 200);
        p.len = pb_udp(p.b, guest, (uint16_t)(10000 + i / 400), R1 + (i % 7), 53, 0);
        created += fx_run(nat, &p, one ? IF_NAT1 : IF_NAT2, i) == NAT_FORWARD;
    }
    CHECK_EQ_INT(created, 10000);
    CHECK_EQ_INT(nat_flow_count(nat), 10000);
    /* All full, each network at its share: one more recycles its own oldest. */
    p.len = pb_udp(p.b, GA, 9, R1, 53, 0);
    CHECK_EQ_INT(fx_run(nat, &p, IF_NAT1, 10000), NAT_FORWARD);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_evicted, 1);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, NET1 + 16, 10000, 10000, NULL) ||
          fx_flow(nat, NAT_PROTO_UDP, GA, 9, 10000, NULL));
    nat_expire(nat, S(30) + 4999);
    CHECK_EQ_INT(nat_flow_count(nat), 5001);
    nat_expire(nat, S(31) + 10000);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(nat_mapping_count(nat), 0);
    fx_done();
}

TEST(nat_table_clock_wraps)
{
    struct nat *nat = fx_nat(16);
    uint32_t t0 = 0xffffffffu - S(10);

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, t0), NAT_FORWARD);
    nat_expire(nat, t0 + S(299));                               /* past the wrap */
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK_EQ_INT(udp_in(nat, 5000, t0 + S(299)), NAT_FORWARD);
    nat_expire(nat, t0 + S(299) + S(300) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, t0 + S(299) + S(300));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_table_create_limits_and_names)
{
    struct nat *nat = nat_create(0, vmgate_random32_cb, NULL);

    CHECK(nat == NULL);
    nat_destroy(NULL);
    CHECK(nat_create((1u << 22) + 1, vmgate_random32_cb, NULL) == NULL);
    CHECK_EQ_STR(nat_drop_reason_name(NAT_DROP_MALFORMED), "malformed");
    CHECK_EQ_STR(nat_drop_reason_name(NAT_DROP_INVALID), "invalid");
    CHECK_EQ_STR(nat_drop_reason_name(NAT_DROP_REASONS), "unknown");
    for (int r = 0; r < NAT_DROP_REASONS; r++)
        CHECK(nat_drop_reason_name((enum nat_drop_reason)r) != NULL);
}

TEST(nat_table_expire_after_a_long_silence)
{
    struct nat *nat = fx_nat(16);

    /* No nat_expire() for longer than a turn of the wheel (about 2.3 h). */
    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_ACK, 1, 1, 0);      /* picked up: 240 s */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, S(5000)), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, NAT_TCP_ACK, 1, 1, 0); /* assured: 2 h 4 min */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(5000)), NAT_FORWARD);
    nat_expire(nat, S(5000) + S(7440) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, S(5000), NULL));
    nat_expire(nat, S(5000) + S(7440));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_table_busy_flow_survives_many_turns)
{
    struct nat *nat = fx_nat(16);
    uint32_t t;

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    /* A datagram every 200 s for 10 hours, nat_expire() every second of it. */
    for (t = 0; t < S(36000); t += S(1)) {
        if (t % S(200) == 0)
            REQUIRE_EQ_INT(udp_out(nat, GA, 5000, t), NAT_FORWARD);
        nat_expire(nat, t);
        REQUIRE_EQ_INT(nat_flow_count(nat), 1);
    }
    /* Then silence: gone 300 s after the last one. */
    nat_expire(nat, S(35800) + S(300) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(35800) + S(300));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_table_shorter_timeout_expires_on_time)
{
    struct nat *nat = fx_nat(16);

    /* Established (2 h 4 min), then reset: 240 s from the RST, through nat_expire(). */
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, NAT_TCP_SYN | NAT_TCP_ACK, 9, 2, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_ACK, 2, 10, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, NAT_TCP_RST, 10, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(100)), NAT_FORWARD);
    nat_expire(nat, S(340) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(340));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_table_expiry_is_exact_for_many_flows)
{
    enum { N = 2000 };
    struct nat *nat = fx_nat(N);
    static uint32_t last[N];
    unsigned next_new = 0, next_refresh = 0;

    /* Flow i (a DNS query, 30 s) opens at i * 37 ms; every third is refreshed 20 s
     * later. Packets go in time order, nat_expire() runs every 777 ms, and after
     * each the count must be exactly the flows whose last packet is less than 30 s
     * old. The flows come from two networks, so neither reaches its share cap. */
    for (uint32_t now = 0; now < 200000; now += 777) {
        unsigned live = 0;
        for (;;) {
            uint32_t t_new = next_new < N ? next_new * 37 : UINT32_MAX;
            uint32_t t_ref = next_refresh < N ? next_refresh * 37 + S(20) : UINT32_MAX;
            unsigned i = t_new <= t_ref ? next_new : next_refresh;
            uint32_t t = t_new <= t_ref ? t_new : t_ref;
            if (t > now)
                break;
            p.len = pb_udp(p.b, (i % 2 ? NET2 : NET1) + 16 + i % 200, (uint16_t)(2000 + i), R1, 53, 8);
            REQUIRE_EQ_INT(fx_run(nat, &p, i % 2 ? IF_NAT2 : IF_NAT1, t), NAT_FORWARD);
            last[i] = t;
            if (t_new <= t_ref)
                next_new++;
            else
                next_refresh += 3;
        }
        nat_expire(nat, now);
        for (unsigned i = 0; i < next_new; i++)
            live += now < last[i] + S(30);
        REQUIRE_EQ_INT(nat_flow_count(nat), live);
    }
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_created, N);
    fx_done();
}

/* The table alone, with a key the test knows, so that it can make keys collide as
 * an attacker who knew the key could: the chain stops at NAT_CHAIN_MAX. */
TEST(nat_table_chains_are_bounded)
{
    static struct nat_table t;
    struct nat_stats stats = {0};
    struct siphash_key key = {0x1111, 0x2222};
    unsigned inserted = 0, refused = 0;

    REQUIRE_EQ_INT(nat_table_init(&t, 64, &key, &stats), 0);
    for (uint32_t a = 1; inserted + refused < NAT_CHAIN_MAX + 4 && a < 1000000; a++) {
        /* Out key (6, a, 1, R1, 80): keep those that land in bucket 0. */
        uint64_t w0 = (uint64_t)a << 32 | R1;
        uint64_t w1 = (uint64_t)1 << 48 | (uint64_t)80 << 32 | 6;
        struct nat_flow *f;
        if ((siphash13_u64x2(&key, w0, w1) & t.mask) != 0)
            continue;
        f = nat_table_get(&t, 0, 1);
        REQUIRE(f != NULL);
        *f = (struct nat_flow){.proto = 6, .int_addr = a, .int_port = 1, .rem_addr = R1,
                               .rem_port = 80, .ext_addr = WAN_ADDR, .ext_port = (uint16_t)a};
        if (nat_table_insert(&t, f, NAT_TIMER_TCP_OPENING, 0) == 0)
            inserted++;
        else
            refused++;
    }
    CHECK_EQ_INT(inserted, NAT_CHAIN_MAX);
    CHECK_EQ_INT(refused, 4);
    CHECK_EQ_INT(t.count, NAT_CHAIN_MAX);
    CHECK_EQ_INT(stats.flows_created, NAT_CHAIN_MAX);
    nat_table_flush(&t);
    CHECK_EQ_INT(t.count, 0);
    nat_table_free(&t);
}
