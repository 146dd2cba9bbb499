/* The NAT engine's randomness comes from the source nat_create() was given, and
 * only from it: its hash key and the ports it picks on a collision. */
#include "nat_fixture.h"

/* A source that counts its calls and always answers `value`. */
struct counting {
    unsigned calls;
    uint32_t value;
};

static uint32_t counting_random(void *ctx)
{
    struct counting *c = ctx;
    c->calls++;
    return c->value;
}

static struct nat *engine(struct counting *c)
{
    static const struct nat_net net1 = {.iface = IF_NAT1, .kind = NAT_NET_NAT, .net = NET1,
                                        .prefix = 24};
    struct nat *nat = nat_create(64, counting_random, c);

    REQUIRE(nat != NULL);
    REQUIRE_EQ_INT(nat_add_net(nat, &net1), 0);
    nat_set_wan(nat, IF_WAN, WAN_ADDR);
    return nat;
}

TEST(nat_draws_its_hash_key_from_the_callback)
{
    struct counting c = {0, 0x01234567};
    struct nat *nat = engine(&c);

    CHECK_EQ_INT(c.calls, 4);                     /* two 64-bit SipHash key words */
    nat_destroy(nat);
}

/* A kept port costs no draw; a collision draws the start of the probe walk from
 * the callback: 2^31 + 1 lands in the middle of 1024..65535, so the port is 33280.
 * (Not 2^31 itself: that is one of the draws rng_uniform_from() rejects, and a
 * constant source would then be asked forever.) */
TEST(nat_picks_colliding_ports_from_the_callback)
{
    struct counting c = {0, 0x80000001u};
    struct nat *nat = engine(&c);
    struct fx_pkt p;

    c.calls = 0;
    p.len = pb_udp(p.b, GA, 5000, R1, 53, 10);
    REQUIRE_EQ_INT(nat_process(nat, p.b, p.len, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(pb_sport(p.b), 5000);
    CHECK_EQ_INT(c.calls, 0);

    p.len = pb_udp(p.b, GB, 5000, R1, 53, 10);
    REQUIRE_EQ_INT(nat_process(nat, p.b, p.len, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(c.calls, 1);
    CHECK_EQ_INT(pb_sport(p.b), 1024 + (64512 / 2));

    /* Another answer, another port: the choice is the callback's, nobody else's. */
    c.value = 0x40000001u;
    p.len = pb_udp(p.b, IP4(10, 0, 2, 17), 5000, R1, 53, 10);
    REQUIRE_EQ_INT(nat_process(nat, p.b, p.len, IF_NAT1, 0), NAT_FORWARD);
    CHECK_EQ_INT(c.calls, 2);
    CHECK_EQ_INT(pb_sport(p.b), 1024 + (64512 / 4));
    nat_destroy(nat);
}
