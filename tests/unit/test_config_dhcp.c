/* `dhcp OWNER [lease T] [domain NAME] [pool FIRST LAST]`: what a network's DHCP
 * server hands out beyond VirtualBox's layout. Parsing, the checks finalize makes
 * once the networks are known, and the text written back. */
#include "config_helpers.h"

#include <string.h>

static struct vmgate_config c;
static char text[8192];

TEST(config_dhcp_opts_forms)
{
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 lease 3600"), 0);
    CHECK_EQ_INT(c.nic[1].dhcp.lease_s, 3600);
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 lease 90m; dhcp nic2 lease 12h; dhcp nic3 lease 7d; dhcp nic4 lease 60s"), 0);
    CHECK_EQ_INT(c.nic[1].dhcp.lease_s, 5400);
    CHECK_EQ_INT(c.nic[2].dhcp.lease_s, 43200);
    CHECK_EQ_INT(c.nic[3].dhcp.lease_s, 604800);
    CHECK_EQ_INT(c.nic[4].dhcp.lease_s, 60);
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 domain lab.example pool 10.0.2.100 10.0.2.199 lease 366d"), 0);
    CHECK_EQ_STR(c.nic[1].dhcp.domain, "lab.example");
    CHECK_EQ_INT(c.nic[1].dhcp.pool_first, IP4(10, 0, 2, 100));
    CHECK_EQ_INT(c.nic[1].dhcp.pool_last, IP4(10, 0, 2, 199));
    CHECK_EQ_INT(c.nic[1].dhcp.lease_s, 366u * 86400u);
    /* One address is a pool too. */
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 pool 10.0.2.50 10.0.2.50"), 0);
    CHECK_EQ_INT(c.nic[1].dhcp.pool_first, c.nic[1].dhcp.pool_last);
}

TEST(config_dhcp_opts_accumulate_and_survive_role_statements)
{
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 lease 1h; nic1 nat 10.0.9.0/24; dhcp nic1 domain a.test;"
                                "nic1 nat 10.0.8.0/24; dhcp nic1 lease 2h"), 0);
    CHECK_EQ_INT(c.nic[1].addr, IP4(10, 0, 8, 0));
    CHECK_EQ_INT(c.nic[1].dhcp.lease_s, 7200);
    CHECK_EQ_STR(c.nic[1].dhcp.domain, "a.test");
    /* A natnetwork redefined keeps its settings too. */
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24; dhcp lab domain lab.test pool 10.0.5.30 10.0.5.40;"
                                "natnetwork lab 10.0.5.0/24"), 0);
    CHECK_EQ_STR(c.natnet[0].dhcp.domain, "lab.test");
    CHECK_EQ_INT(c.natnet[0].dhcp.pool_first, IP4(10, 0, 5, 30));
}

TEST(config_dhcp_opts_rejected)
{
    EXPECT_REJECT("", "dhcp nic1 lease", "lease needs a time (3600, 90m, 12h, 7d)");
    EXPECT_REJECT("", "dhcp nic1 lease 59", "lease must be 60s..366d ('59')");
    EXPECT_REJECT("", "dhcp nic1 lease 1m1", "lease must be 60s..366d ('1m1')");
    EXPECT_REJECT("", "dhcp nic1 lease 367d", "lease must be 60s..366d ('367d')");
    EXPECT_REJECT("", "dhcp nic1 lease 1w", "lease must be 60s..366d ('1w')");
    EXPECT_REJECT("", "dhcp nic1 lease 060", "lease must be 60s..366d ('060')");
    EXPECT_REJECT("", "dhcp nic1 lease 99999999999d", "lease must be 60s..366d ('99999999999d')");
    EXPECT_REJECT("", "dhcp nic1 lease 1h lease 2h", "'lease' given twice");
    EXPECT_REJECT("", "dhcp nic1 domain", "domain needs a domain name");
    EXPECT_REJECT("", "dhcp nic1 domain -lab.test", "bad domain '-lab.test'");
    EXPECT_REJECT("", "dhcp nic1 domain lab..test", "bad domain 'lab..test'");
    EXPECT_REJECT("", "dhcp nic1 domain lab_test", "bad domain 'lab_test'");
    EXPECT_REJECT("", "dhcp nic1 domain "
                      "a234567890123456789012345678901234567890123456789012345678901234.test",
                  "domain too long (max 63 characters)");
    EXPECT_REJECT("", "dhcp nic1 domain "
                      "a234567890123456789012345678901234567890123456789012345678901234",
                  "domain too long (max 63 characters)");
    EXPECT_REJECT("", "dhcp nic1 pool 10.0.2.20", "pool needs FIRST LAST");
    EXPECT_REJECT("", "dhcp nic1 pool 10.0.2.30 10.0.2.20", "pool 10.0.2.30..10.0.2.20 runs backwards");
    EXPECT_REJECT("", "dhcp nic1 pool 10.0.2.30 224.0.0.1", "224.0.0.1 is not a unicast host address");
    EXPECT_REJECT("", "dhcp nic1 lease 1h bogus", "unexpected 'bogus' (lease, domain, pool)");
    EXPECT_REJECT("", "dhcp nic1 lease 1h host 52:54:00:00:00:01 10.0.2.20",
                  "unexpected 'host' (lease, domain, pool)");
    EXPECT_REJECT("", "dhcp lab lease 1h", "no natnetwork 'lab' declared before");
    /* A failed statement leaves earlier settings as they were (EXPECT_REJECT checks
     * the whole configuration against the base). */
    EXPECT_REJECT("dhcp nic1 lease 1h", "dhcp nic1 domain x.test lease 5", "lease must be 60s..366d ('5')");
}

/* A 63-character label fits. */
TEST(config_dhcp_opts_longest_label)
{
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 domain "
                                "a23456789012345678901234567890123456789012345678901234567890123"), 0);
    CHECK_EQ_INT(strlen(c.nic[1].dhcp.domain), 63);
}

TEST(config_dhcp_opts_finalize_keeps_good_ones)
{
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 lease 1h pool 10.0.2.100 10.0.2.110;"
                                "nic2 hostonly 192.168.56.1/24; dhcp nic2 domain ho.test pool 192.168.56.1 192.168.56.254;"
                                "natnetwork lab 10.0.5.0/24; dhcp lab lease 2h domain lab.test;"
                                "nic3 natnet lab; nic4 natnet lab"), 0);
    finalize(&c, 5);
    CHECK_EQ_INT(cap.n, 0);
    /* A defaulted NAT gets its settings with its number. */
    CHECK_EQ_INT(c.nic[1].addr, IP4(10, 0, 2, 0));
    CHECK_EQ_INT(c.nic[1].dhcp.pool_first, IP4(10, 0, 2, 100));
    CHECK_EQ_STR(c.nic[2].dhcp.domain, "ho.test");
    /* Every port of a NAT Network carries the network's settings. */
    for (int i = 3; i <= 4; i++) {
        CHECK_EQ_INT(c.nic[i].dhcp.lease_s, 7200);
        CHECK_EQ_STR(c.nic[i].dhcp.domain, "lab.test");
    }
}

TEST(config_dhcp_opts_finalize_drops)
{
    CHECK_EQ_INT(parse_text(&c, "dhcp nic0 lease 1h;"
                                "dhcp nic1 lease 1h pool 10.0.3.20 10.0.3.30;"
                                "nic2 nat dhcp off; dhcp nic2 domain off.test;"
                                "natnetwork lab 10.0.5.0/24; dhcp lab pool 10.0.5.0 10.0.5.10 lease 2h;"
                                "natnetwork quiet 10.0.6.0/24 dhcp off; dhcp quiet lease 2h;"
                                "nic3 natnet lab; dhcp nic3 domain mine.test;"
                                "nic4 intnet wire; dhcp nic4 lease 5m;"
                                "nic5 hostonly 192.168.56.1/24; dhcp nic5 pool 192.168.56.200 192.168.56.255;"
                                "dhcp nic7 lease 1h"), 0);
    finalize(&c, 6);
    REQUIRE_EQ_INT(cap.n, 9);
    CHECK_EQ_STR(cap.stmt[0], "dhcp nic7 lease 3600");
    CHECK_EQ_STR(cap.why[0], "nic7: no such NIC (found nic0..nic5)");
    CHECK_EQ_STR(cap.stmt[1], "dhcp lab pool 10.0.5.0 10.0.5.10");
    CHECK_EQ_STR(cap.why[1], "pool holds the network or broadcast address of 10.0.5.0/24");
    CHECK_EQ_STR(cap.stmt[2], "dhcp quiet lease 7200");
    CHECK_EQ_STR(cap.why[2], "the natnetwork serves no DHCP (dhcp off)");
    CHECK_EQ_STR(cap.stmt[3], "dhcp nic3 domain mine.test");
    CHECK_EQ_STR(cap.why[3], "nic3 is a port of NAT Network lab: say dhcp lab ...");
    CHECK_EQ_STR(cap.stmt[4], "dhcp nic0 lease 3600");
    CHECK_EQ_STR(cap.why[4], "nic0 serves no DHCP (wan)");
    CHECK_EQ_STR(cap.stmt[5], "dhcp nic1 pool 10.0.3.20 10.0.3.30");
    CHECK_EQ_STR(cap.why[5], "pool is not inside 10.0.2.0/24");
    CHECK_EQ_STR(cap.stmt[6], "dhcp nic2 domain off.test");
    CHECK_EQ_STR(cap.why[6], "nic2 serves no DHCP (nat dhcp off)");
    CHECK_EQ_STR(cap.stmt[7], "dhcp nic4 lease 300");
    CHECK_EQ_STR(cap.why[7], "nic4 serves no DHCP (intnet)");
    CHECK_EQ_STR(cap.stmt[8], "dhcp nic5 pool 192.168.56.200 192.168.56.255");
    CHECK_EQ_STR(cap.why[8], "pool holds the network or broadcast address of 192.168.56.0/24");
    /* What was good stays: nic1's lease, lab's lease (its ports have it). */
    CHECK_EQ_INT(c.nic[1].dhcp.lease_s, 3600);
    CHECK_EQ_INT(c.nic[1].dhcp.pool_first, 0);
    CHECK_EQ_INT(c.nic[3].dhcp.lease_s, 7200);
    CHECK_EQ_STR(c.nic[3].dhcp.domain, "");
    CHECK_EQ_INT(c.nic[0].dhcp.lease_s, 0);
    /* Idempotent: nothing more to say the second time. */
    capture_reset();
    finalize(&c, 6);
    CHECK_EQ_INT(cap.n, 0);
}

TEST(config_dhcp_opts_format_round_trip)
{
    static struct vmgate_config again;

    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24; dhcp lab domain lab.test;"
                                "nic1 nat; dhcp nic1 lease 90m pool 10.0.2.100 10.0.2.120;"
                                "nic2 natnet lab; nic3 natnet lab"), 0);
    finalize(&c, 4);
    CHECK_EQ_INT(cap.n, 0);
    config_format(&c, 4, text, sizeof text);
    CHECK_EQ_STR(text,
        "natnetwork lab 10.0.5.0/24\n"
        "dhcp lab domain lab.test\n"
        "nic0 wan dhcp\n"
        "nic1 nat  # 10.0.2.0/24\n"
        "dhcp nic1 lease 5400 pool 10.0.2.100 10.0.2.120\n"
        "nic2 natnet lab\n"
        "nic3 natnet lab\n");
    CHECK_EQ_INT(parse_text(&again, text), 0);
    finalize(&again, 4);
    CHECK_EQ_INT(cap.n, 0);
    CHECK(config_equal(&again, &c));
    /* A changed setting is a different configuration. */
    again.nic[1].dhcp.lease_s++;
    CHECK(!config_equal(&again, &c));
}
