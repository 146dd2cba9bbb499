/* `nat timeout NAME SECONDS` and `nat flows N`: the NAT engine's timeouts and table
 * size, refused below the IETF's floors (net/nat.h), written back by config_format. */
#include "config_helpers.h"
#include "net/nat.h"

#include "arch/cc.h"    /* vmgate_random32_cb */

#include <errno.h>

#include <string.h>

static struct vmgate_config c;

static int parse(struct vmgate_config *cfg, const char *text)
{
    return config_parse(cfg, text, strlen(text), NULL, NULL);
}

TEST(config_nat_timeouts_and_flows)
{
    config_init(&c);
    REQUIRE_EQ_INT(parse(&c, "nat timeout udp 600; nat timeout tcp-established 86400; "
                                    "nat timeout icmp 60; nat flows 131072"), 0);
    CHECK_EQ_INT(c.nat_timeout[NAT_TIMEOUT_UDP], 600);
    CHECK_EQ_INT(c.nat_timeout[NAT_TIMEOUT_TCP_ESTABLISHED], 86400);
    CHECK_EQ_INT(c.nat_timeout[NAT_TIMEOUT_ICMP], 60);
    CHECK_EQ_INT(c.nat_timeout[NAT_TIMEOUT_TCP_OPENING], 0);           /* default */
    CHECK_EQ_INT(c.nat_flows, 131072);
    /* Both transitory timeouts at once (RFC 7857 2.1 names two). */
    REQUIRE_EQ_INT(parse(&c, "nat timeout tcp-transitory 300"), 0);
    CHECK_EQ_INT(c.nat_timeout[NAT_TIMEOUT_TCP_OPENING], 300);
    CHECK_EQ_INT(c.nat_timeout[NAT_TIMEOUT_TCP_CLOSING], 300);
    REQUIRE_EQ_INT(parse(&c, "nat timeout tcp-closing 250"), 0);
    CHECK_EQ_INT(c.nat_timeout[NAT_TIMEOUT_TCP_CLOSING], 250);
}

TEST(config_nat_round_trip)
{
    char buf[4096];
    struct vmgate_config d;

    config_init(&c);
    REQUIRE_EQ_INT(parse(&c, "nat timeout udp-dns 10; nat flows 4096"), 0);
    REQUIRE(config_format(&c, 2, buf, sizeof buf) > 0);
    CHECK(strstr(buf, "nat timeout udp-dns 10\n") != NULL);
    CHECK(strstr(buf, "nat flows 4096\n") != NULL);
    config_init(&d);
    REQUIRE_EQ_INT(config_parse(&d, buf, strlen(buf), NULL, NULL), 0);
    CHECK(config_equal(&c, &d));
}

/* A value under its floor is refused, naming the range: the RFCs' MUSTs are not a
 * setting (RFC 5382 REQ-5, RFC 4787 REQ-5, RFC 5508 REQ-2). */
TEST(config_nat_refuses_below_the_floors)
{
    EXPECT_REJECT("", "nat timeout tcp-established 7439",
                  "nat timeout tcp-established must be 7440..604800 seconds (the IETF's floor: docs/NAT.md)");
    EXPECT_REJECT("", "nat timeout tcp-transitory 239",
                  "nat timeout tcp-transitory must be 240..604800 seconds (the IETF's floor: docs/NAT.md)");
    EXPECT_REJECT("", "nat timeout udp 119",
                  "nat timeout udp must be 120..604800 seconds (the IETF's floor: docs/NAT.md)");
    EXPECT_REJECT("", "nat timeout icmp 59",
                  "nat timeout icmp must be 60..604800 seconds (the IETF's floor: docs/NAT.md)");
    EXPECT_REJECT("", "nat timeout udp 604801",
                  "nat timeout udp must be 120..604800 seconds (the IETF's floor: docs/NAT.md)");
    EXPECT_REJECT("", "nat timeout tcp 300",
                  "tcp: no such timeout (tcp-established, tcp-transitory, tcp-opening, tcp-closing, "
                  "udp, udp-dns, icmp)");
    EXPECT_REJECT("", "nat timeout udp", "nat takes: timeout NAME SECONDS, or flows N");
    EXPECT_REJECT("", "nat flows 100", "nat flows must be 1024..4194304");
    EXPECT_REJECT("", "nat", "nat takes: timeout NAME SECONDS, or flows N");
}

/* What the engine does with them (nat_set_timeout: the same floors). */
TEST(config_nat_engine_timeouts)
{
    struct nat *nat = nat_create(16, vmgate_random32_cb, NULL);
    REQUIRE(nat != NULL);
    for (int t = 0; t < NAT_TIMEOUTS; t++) {
        uint32_t floor = nat_timeout_floor((enum nat_timeout)t);
        CHECK_EQ_INT(nat_get_timeout(nat, (enum nat_timeout)t), nat_timeout_default((enum nat_timeout)t));
        CHECK(nat_timeout_default((enum nat_timeout)t) >= floor);
        CHECK_EQ_INT(nat_set_timeout(nat, (enum nat_timeout)t, floor - 1), -EINVAL);
        CHECK_EQ_INT(nat_set_timeout(nat, (enum nat_timeout)t, floor), 0);
        CHECK_EQ_INT(nat_get_timeout(nat, (enum nat_timeout)t), floor);
    }
    CHECK_EQ_INT(nat_timeout_floor(NAT_TIMEOUT_TCP_ESTABLISHED), 7440);
    CHECK_EQ_INT(nat_timeout_floor(NAT_TIMEOUT_TCP_OPENING), 240);
    CHECK_EQ_INT(nat_timeout_floor(NAT_TIMEOUT_UDP), 120);
    CHECK_EQ_INT(nat_timeout_floor(NAT_TIMEOUT_ICMP), 60);
    nat_destroy(nat);
}
