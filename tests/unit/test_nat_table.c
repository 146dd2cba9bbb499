/* The flow table through the engine: timeouts of UDP, ICMP and other protocols,
 * expiry, the eviction policy when full, flushing, and a clock that wraps. */
#include "nat_fixture.h"

#include "net/nat_parse.h"
#include "net/nat_table.h"
#include "net/siphash.h"

#include "arch/cc.h"

#define S(x) ((uint32_t)(x) * 1000u)

static struct fx_pkt p;

static enum nat_verdict udp_out(struct nat *nat, uint32_t guest, uint16_t port, uint32_t now)
{
    p.len = pb_udp(p.b, guest, port, R1, 53, 8);
    return fx_run(nat, &p, guest == GC ? IF_NAT2 : IF_NAT1, now);
}

static enum nat_verdict udp_in(struct nat *nat, uint16_t ext_port, uint32_t now)
{
    p.len = pb_udp(p.b, R1, 53, WAN_ADDR, ext_port, 8);
    return fx_run(nat, &p, IF_WAN, now);
}

TEST(nat_table_udp_unreplied_30s)
{
    struct nat *nat = fx_nat(16);

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    /* More datagrams from the guest alone keep it at 30 s from the last. */
    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, S(20)), NAT_FORWARD);
    nat_expire(nat, S(50) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(50));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(udp_in(nat, 5000, S(51)), NAT_PASS);
    fx_done();
}

TEST(nat_table_udp_assured_180s)
{
    struct nat *nat = fx_nat(16);
    struct nat_flow_info fi;

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_in(nat, 5000, S(1)), NAT_FORWARD);
    REQUIRE(fx_flow(nat, NAT_PROTO_UDP, GA, 5000, S(1), &fi));
    CHECK(fi.assured);
    CHECK_EQ_INT(fi.expires_in_ms, S(180));
    nat_expire(nat, S(100));
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    /* Once assured, a guest-only datagram still restarts the longer timeout. */
    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, S(100)), NAT_FORWARD);
    nat_expire(nat, S(181));
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(280) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(280));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

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

    nat_expire(nat, S(30) + 9);
    CHECK_EQ_INT(nat_flow_count(nat), 3);
    nat_expire(nat, S(30) + 10);                                /* the echo */
    CHECK_EQ_INT(nat_flow_count(nat), 2);
    nat_expire(nat, S(30) + 20);                                /* the unanswered GRE */
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK(fx_flow(nat, 47, GB, 0, S(30) + 20, NULL));
    nat_expire(nat, S(600) + 19);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(600) + 20);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_expired, 3);
    fx_done();
}

TEST(nat_table_full_early_drops_oldest_unassured)
{
    struct nat *nat = fx_nat(4);
    const struct nat_stats *s = nat_get_stats(nat);

    /* Two assured flows and two unanswered ones. */
    REQUIRE_EQ_INT(udp_out(nat, GA, 1001, 0), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_in(nat, 1001, 1), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GA, 1002, 2), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GA, 1003, 3), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GA, 1004, 4), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_in(nat, 1004, 5), NAT_FORWARD);
    /* Full: the fifth evicts the oldest unanswered (1002), then the next (1003). */
    REQUIRE_EQ_INT(udp_out(nat, GA, 1005, 6), NAT_FORWARD);
    CHECK_EQ_INT(s->flows_evicted, 1);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, GA, 1002, 6, NULL));
    CHECK(fx_flow(nat, NAT_PROTO_UDP, GA, 1003, 6, NULL));
    REQUIRE_EQ_INT(udp_out(nat, GA, 1006, 7), NAT_FORWARD);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, GA, 1003, 7, NULL));
    /* Answered ones are not candidates: 1005 goes before 1001 or 1004 would. */
    REQUIRE_EQ_INT(udp_in(nat, 1006, 8), NAT_FORWARD);
    REQUIRE_EQ_INT(udp_out(nat, GA, 1007, 9), NAT_FORWARD);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, GA, 1005, 9, NULL));
    CHECK(fx_flow(nat, NAT_PROTO_UDP, GA, 1001, 9, NULL));
    CHECK(fx_flow(nat, NAT_PROTO_UDP, GA, 1004, 9, NULL));
    CHECK_EQ_INT(s->flows_evicted, 3);
    CHECK_EQ_INT(nat_flow_count(nat), 4);
    fx_done();
}

TEST(nat_table_full_of_assured_refuses_then_reuses_expired)
{
    struct nat *nat = fx_nat(4);
    const struct nat_stats *s = nat_get_stats(nat);

    for (uint16_t i = 0; i < 4; i++) {
        REQUIRE_EQ_INT(udp_out(nat, GA, (uint16_t)(2000 + i), i), NAT_FORWARD);
        REQUIRE_EQ_INT(udp_in(nat, (uint16_t)(2000 + i), i), NAT_FORWARD);
    }
    CHECK_DROP(nat, udp_out(nat, GB, 3000, 10), NAT_DROP_TABLE_FULL);
    p.len = pb_tcp(p.b, GB, 3000, R2, 80, NAT_TCP_SYN, 1, 0, 0);
    CHECK_DROP(nat, fx_run(nat, &p, IF_NAT1, 10), NAT_DROP_TABLE_FULL);
    CHECK_EQ_INT(s->flows_evicted, 0);
    /* Established connections keep working meanwhile. */
    CHECK_EQ_INT(udp_in(nat, 2001, 11), NAT_FORWARD);
    /* The first flow's time comes (no nat_expire() call): it is reused. */
    CHECK_EQ_INT(udp_out(nat, GB, 3000, S(180)), NAT_FORWARD);
    CHECK_EQ_INT(s->flows_expired, 1);
    CHECK(!fx_flow(nat, NAT_PROTO_UDP, GA, 2000, S(180), NULL));
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

    for (unsigned i = 0; i < 10000; i++) {
        uint32_t guest = NET1 + 16 + (i % 200);
        p.len = pb_udp(p.b, guest, (uint16_t)(10000 + i / 200), R1 + (i % 7), 53, 0);
        created += fx_run(nat, &p, IF_NAT1, i) == NAT_FORWARD;
    }
    CHECK_EQ_INT(created, 10000);
    CHECK_EQ_INT(nat_flow_count(nat), 10000);
    /* All full and unassured: one more evicts the oldest. */
    CHECK_EQ_INT(udp_out(nat, GA, 9, 10000), NAT_FORWARD);
    CHECK_EQ_INT(nat_get_stats(nat)->flows_evicted, 1);
    nat_expire(nat, S(30) + 4999);
    CHECK_EQ_INT(nat_flow_count(nat), 5001);
    nat_expire(nat, S(31) + 10000);
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_table_clock_wraps)
{
    struct nat *nat = fx_nat(16);
    uint32_t t0 = 0xffffffffu - S(10);

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, t0), NAT_FORWARD);
    nat_expire(nat, t0 + S(29));                                /* past the wrap */
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK_EQ_INT(udp_in(nat, 5000, t0 + S(29)), NAT_FORWARD);
    nat_expire(nat, t0 + S(29) + S(180) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, t0 + S(29) + S(180));
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
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_ACK, 1, 1, 0);      /* picked up: 60 s */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, S(5000)), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, NAT_TCP_ACK, 1, 1, 0); /* assured: 2 h */
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(5000)), NAT_FORWARD);
    nat_expire(nat, S(5000) + S(7200) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    CHECK(fx_flow(nat, NAT_PROTO_TCP, GA, 40000, S(5000), NULL));
    nat_expire(nat, S(5000) + S(7200));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_table_busy_flow_survives_many_turns)
{
    struct nat *nat = fx_nat(16);
    uint32_t t;

    REQUIRE_EQ_INT(udp_out(nat, GA, 5000, 0), NAT_FORWARD);
    /* A datagram every 20 s for 10 hours, nat_expire() every second of it. */
    for (t = 0; t < S(36000); t += S(1)) {
        if (t % S(20) == 0)
            REQUIRE_EQ_INT(udp_out(nat, GA, 5000, t), NAT_FORWARD);
        nat_expire(nat, t);
        REQUIRE_EQ_INT(nat_flow_count(nat), 1);
    }
    /* Then silence: gone 30 s after the last one. */
    nat_expire(nat, S(35980) + S(30) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(35980) + S(30));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_table_shorter_timeout_expires_on_time)
{
    struct nat *nat = fx_nat(16);

    /* Established (2 h), then reset: 10 s from the RST, through nat_expire(). */
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_SYN, 1, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, NAT_TCP_SYN | NAT_TCP_ACK, 9, 2, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, GA, 40000, R1, 80, NAT_TCP_ACK, 2, 10, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_NAT1, 0), NAT_FORWARD);
    p.len = pb_tcp(p.b, R1, 80, WAN_ADDR, 40000, NAT_TCP_RST, 10, 0, 0);
    REQUIRE_EQ_INT(fx_run(nat, &p, IF_WAN, S(100)), NAT_FORWARD);
    nat_expire(nat, S(110) - 1);
    CHECK_EQ_INT(nat_flow_count(nat), 1);
    nat_expire(nat, S(110));
    CHECK_EQ_INT(nat_flow_count(nat), 0);
    fx_done();
}

TEST(nat_table_expiry_is_exact_for_many_flows)
{
    enum { N = 2000 };
    struct nat *nat = fx_nat(N);
    static uint32_t last[N];
    unsigned next_new = 0, next_refresh = 0;

    /* Flow i opens at i * 37 ms; every third is refreshed 20 s later. Packets go
     * in time order, nat_expire() runs every 777 ms, and after each the count
     * must be exactly the flows whose last packet is less than 30 s old. */
    for (uint32_t now = 0; now < 200000; now += 777) {
        unsigned live = 0;
        for (;;) {
            uint32_t t_new = next_new < N ? next_new * 37 : UINT32_MAX;
            uint32_t t_ref = next_refresh < N ? next_refresh * 37 + S(20) : UINT32_MAX;
            unsigned i = t_new <= t_ref ? next_new : next_refresh;
            uint32_t t = t_new <= t_ref ? t_new : t_ref;
            if (t > now)
                break;
            REQUIRE_EQ_INT(udp_out(nat, NET1 + 16 + i % 200, (uint16_t)(2000 + i), t), NAT_FORWARD);
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
        f = nat_table_get(&t, 0);
        REQUIRE(f != NULL);
        *f = (struct nat_flow){.proto = 6, .int_addr = a, .int_port = 1, .rem_addr = R1,
                               .rem_port = 80, .ext_addr = WAN_ADDR, .ext_port = (uint16_t)a};
        if (nat_table_insert(&t, f, NAT_TIMER_TCP_SYN_SENT, 0) == 0)
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
