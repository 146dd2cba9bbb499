/* `tunnel NAME udp [sport=P] [dest=ADDR] [dport=P]`, `tunnel NAME vxlan vni=N
 * remote=ADDR[,ADDR...] [dport=P] [sport=P]` and `NAME intnet|natnet NET`:
 * VirtualBox's defaults, refusals naming the statement, a redefinition keeping the
 * attachment, finalize dropping a natnet that does not exist, the text written back
 * and config_equal. */
#include "config_helpers.h"

#include <stdio.h>
#include <string.h>

static struct vmgate_config c, again;
static char text[32768], text2[32768];

TEST(config_tunnel_defaults_and_settings)
{
    CHECK_EQ_INT(parse_text(&c, "tunnel t0 udp; tunnel t1 udp sport=5000 dest=192.168.60.1 dport=6000;"
                                "tunnel t2 udp dport=7 sport=9"), 0);
    REQUIRE_EQ_INT(c.n_tunnels, 3);
    CHECK_EQ_STR(c.tunnel[0].name, "t0");
    CHECK_EQ_INT(c.tunnel[0].sport, 4444);
    CHECK_EQ_INT(c.tunnel[0].dest, IP4(127, 0, 0, 1));
    CHECK_EQ_INT(c.tunnel[0].dport, 4445);
    CHECK_EQ_INT(c.tunnel[0].role, CFG_NIC_UNSET);
    CHECK_EQ_INT(c.tunnel[1].sport, 5000);
    CHECK_EQ_INT(c.tunnel[1].dest, IP4(192, 168, 60, 1));
    CHECK_EQ_INT(c.tunnel[1].dport, 6000);
    CHECK_EQ_INT(c.tunnel[2].sport, 9);
    CHECK_EQ_INT(c.tunnel[2].dport, 7);
    CHECK_EQ_INT(c.tunnel[2].dest, IP4(127, 0, 0, 1));
}

TEST(config_tunnel_attachment)
{
    CHECK_EQ_INT(parse_text(&c, "tunnel t0 udp; t0 intnet lab; tunnel t1 udp sport=1; t1 natnet nn;"
                                "t1 intnet x; t1 natnet nn"), 0);
    CHECK_EQ_INT(c.tunnel[0].role, CFG_NIC_INTNET);
    CHECK_EQ_STR(c.tunnel[0].net_name, "lab");
    CHECK_EQ_INT(c.tunnel[1].role, CFG_NIC_NATNET);
    CHECK_EQ_STR(c.tunnel[1].net_name, "nn");
    /* Redefined: new endpoints, the same attachment. */
    CHECK_EQ_INT(parse_text(&c, "tunnel t0 udp; t0 intnet lab; tunnel t0 udp sport=77"), 0);
    REQUIRE_EQ_INT(c.n_tunnels, 1);
    CHECK_EQ_INT(c.tunnel[0].sport, 77);
    CHECK_EQ_INT(c.tunnel[0].role, CFG_NIC_INTNET);
    CHECK_EQ_STR(c.tunnel[0].net_name, "lab");
}

TEST(config_tunnel_refusals)
{
    const char *base = "tunnel t0 udp; tunnel t9 udp sport=9";
    EXPECT_REJECT(base, "tunnel t1", "tunnel needs NAME udp|vxlan [KEY=VALUE ...]");
    EXPECT_REJECT(base, "tunnel t1 gre", "unknown tunnel type 'gre' (udp, vxlan)");
    EXPECT_REJECT(base, "tunnel nic1 udp", "'nic1' cannot name a tunnel");
    EXPECT_REJECT(base, "tunnel nicely udp", "'nicely' cannot name a tunnel");
    EXPECT_REJECT(base, "tunnel switch udp", "'switch' cannot name a tunnel");
    EXPECT_REJECT(base, "tunnel a/b udp", "bad tunnel name 'a/b' (letters, digits, '.', '_', '-')");
    EXPECT_REJECT(base, "tunnel t1 udp sport=0", "sport must be a port 1..65535 ('0')");
    EXPECT_REJECT(base, "tunnel t1 udp sport=65536", "sport must be a port 1..65535 ('65536')");
    EXPECT_REJECT(base, "tunnel t1 udp dport=x", "dport must be a port 1..65535 ('x')");
    EXPECT_REJECT(base, "tunnel t1 udp dest=1.2.3", "dest must be an IPv4 address ('1.2.3')");
    EXPECT_REJECT(base, "tunnel t1 udp dest=0.0.0.0", "dest must be one host's address");
    EXPECT_REJECT(base, "tunnel t1 udp dest=239.1.1.1", "dest must be one host's address");
    EXPECT_REJECT(base, "tunnel t1 udp dest=255.255.255.255", "dest must be one host's address");
    EXPECT_REJECT(base, "tunnel t1 udp sport=5 sport=6", "'sport' given twice");
    EXPECT_REJECT(base, "tunnel t1 udp port=5", "unexpected 'port=5' (sport=PORT, dest=ADDR, dport=PORT, mss=clamp|off)");
    EXPECT_REJECT(base, "tunnel t1 udp sport", "unexpected 'sport' (sport=PORT, dest=ADDR, dport=PORT, mss=clamp|off)");
    EXPECT_REJECT(base, "tunnel t1 udp", "sport 4444 is tunnel t0's already");
    EXPECT_REJECT(base, "tunnel t0 udp sport=9", "sport 9 is tunnel t9's already");
    EXPECT_REJECT(base, "t0", "tunnel t0: missing setting (intnet NET, natnet NET, vlan ...)");
    EXPECT_REJECT(base, "t0 bridged", "tunnel t0: unknown setting 'bridged' (intnet, natnet, vlan)");
    EXPECT_REJECT(base, "t0 vlan access 4095", "bad VLAN ID '4095' (1..4094)");
    EXPECT_REJECT(base, "t0 vlan trunk", "vlan trunk needs a list of VLANs (10,20-22) [native VID]");
    EXPECT_REJECT(base, "t0 intnet", "intnet needs one network name");
    EXPECT_REJECT(base, "t0 natnet a b", "natnet needs one network name");
    EXPECT_REJECT(base, "t0 natnet nic2", "'nic2' is a NIC, not a network");
    EXPECT_REJECT(base, "t1 intnet lab", "unknown statement");
    /* The same local port again for the same tunnel is its redefinition. */
    CHECK_EQ_INT(parse_text(&c, "tunnel t0 udp sport=9; tunnel t0 udp sport=9 dport=1"), 0);
}

/* A natnet that is not declared leaves the tunnel unattached; an intnet needs no
 * declaration, and `switch NAME` may name an internal network whose only port is a
 * tunnel. */
TEST(config_tunnel_finalize)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork nn 10.0.9.0/24; tunnel t0 udp; t0 natnet gone;"
                                "tunnel t1 udp sport=1; t1 natnet nn; tunnel t2 udp sport=2; t2 intnet lab;"
                                "switch lab aging 10"), 0);
    finalize(&c, 2);
    REQUIRE_EQ_INT(cap.n, 1);
    CHECK_EQ_STR(cap.stmt[0], "t0 natnet gone");
    CHECK_EQ_STR(cap.why[0], "no natnetwork 'gone'");
    CHECK_EQ_INT(c.tunnel[0].role, CFG_NIC_UNSET);
    CHECK_EQ_INT(c.tunnel[1].role, CFG_NIC_NATNET);
    REQUIRE_EQ_INT(c.n_switches, 1);
}

/* A tunnel port's VLANs, as a NIC port's: kept when the tunnel is redefined,
 * dropped with a tunnel attached nowhere. */
TEST(config_tunnel_vlans)
{
    CHECK_EQ_INT(parse_text(&c, "tunnel t0 udp; t0 intnet lab; t0 vlan trunk 10,20 native 1;"
                                "tunnel t0 udp sport=9; tunnel t1 udp; t1 vlan access 5"), 0);
    CHECK_EQ_INT(c.tunnel[0].vlan.mode, CFG_VLAN_TRUNK);
    CHECK_EQ_INT(c.tunnel[0].vlan.pvid, 1);
    CHECK_EQ_INT(c.tunnel[1].vlan.mode, CFG_VLAN_ACCESS);
    finalize(&c, 1);
    REQUIRE_EQ_INT(cap.n, 1);
    CHECK_EQ_STR(cap.stmt[0], "t1 vlan access 5");
    CHECK_EQ_STR(cap.why[0], "tunnel t1 is attached to no network");
    CHECK_EQ_INT(c.tunnel[1].vlan.mode, CFG_VLAN_DEFAULT);
    config_format(&c, 1, text, sizeof text);
    CHECK(strstr(text, "t0 intnet lab\nt0 vlan trunk 10,20 native 1\n") != NULL);
    CHECK_EQ_INT(parse_text(&again, "tunnel t0 udp sport=9; t0 intnet lab; t0 vlan trunk 10,20;"
                                    "tunnel t1 udp"), 0);
    finalize(&again, 1);
    CHECK(!config_equal(&c, &again));
}

TEST(config_tunnel_round_trip)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork nn 10.0.9.0/24; tunnel t0 udp; t0 natnet nn;"
                                "tunnel far udp sport=5000 dest=10.1.2.3 dport=6000; far intnet lab;"
                                "far vlan trunk 7-9,3 native 2; tunnel idle udp sport=7"), 0);
    finalize(&c, 2);
    CHECK_EQ_INT(cap.n, 0);
    int len = config_format(&c, 2, text, sizeof text);
    CHECK(strstr(text, "tunnel t0 udp sport=4444 dest=127.0.0.1 dport=4445\nt0 natnet nn\n") != NULL);
    CHECK(strstr(text, "tunnel far udp sport=5000 dest=10.1.2.3 dport=6000\nfar intnet lab\n") != NULL);
    CHECK(strstr(text, "tunnel idle udp sport=7 dest=127.0.0.1 dport=4445\n") != NULL);
    config_init(&again);
    capture_reset();
    CHECK_EQ_INT(config_parse(&again, text, (size_t)len, capture_error, NULL), 0);
    finalize(&again, 2);
    CHECK_EQ_INT(cap.n, 0);
    CHECK(config_equal(&c, &again));
    unit_check_mem(false, __FILE__, __LINE__, "c", "again", &c, &again, sizeof c);
    config_format(&again, 2, text2, sizeof text2);
    CHECK_EQ_STR(text, text2);
    /* Each field counts. */
    CHECK_EQ_INT(parse_text(&again, "natnetwork nn 10.0.9.0/24; tunnel t0 udp; t0 intnet nn;"
                                    "tunnel far udp sport=5000 dest=10.1.2.3 dport=6000; far intnet lab;"
                                    "far vlan trunk 7-9,3 native 2; tunnel idle udp sport=7"), 0);
    finalize(&again, 2);
    CHECK(!config_equal(&c, &again));
    CHECK_EQ_INT(parse_text(&again, "natnetwork nn 10.0.9.0/24; tunnel t0 udp; t0 natnet nn;"
                                    "tunnel far udp sport=5000 dest=10.1.2.4 dport=6000; far intnet lab;"
                                    "far vlan trunk 7-9,3 native 2; tunnel idle udp sport=7"), 0);
    finalize(&again, 2);
    CHECK(!config_equal(&c, &again));
}

TEST(config_tunnel_vxlan_settings)
{
    CHECK_EQ_INT(parse_text(&c, "tunnel vx vxlan vni=42 remote=10.0.0.1; vx intnet seg;"
                                "tunnel v2 vxlan remote=10.0.0.2,10.0.0.3,192.168.1.9 vni=16777215 "
                                "dport=8472 sport=5000; tunnel v3 vxlan vni=1 remote=1.2.3.4 sport=4790"), 0);
    REQUIRE_EQ_INT(c.n_tunnels, 3);
    CHECK_EQ_INT(c.tunnel[0].kind, CFG_TUNNEL_VXLAN);
    CHECK_EQ_INT(c.tunnel[0].vni, 42);
    CHECK_EQ_INT(c.tunnel[0].sport, 4789);
    CHECK_EQ_INT(c.tunnel[0].dport, 4789);
    CHECK_EQ_INT(c.tunnel[0].dest, 0);
    REQUIRE_EQ_INT(c.tunnel[0].n_remotes, 1);
    CHECK_EQ_INT(c.tunnel[0].remote[0], IP4(10, 0, 0, 1));
    CHECK_EQ_INT(c.tunnel[0].role, CFG_NIC_INTNET);
    CHECK_EQ_INT(c.tunnel[1].vni, 16777215);
    CHECK_EQ_INT(c.tunnel[1].dport, 8472);
    CHECK_EQ_INT(c.tunnel[1].sport, 5000);
    REQUIRE_EQ_INT(c.tunnel[1].n_remotes, 3);
    CHECK_EQ_INT(c.tunnel[1].remote[2], IP4(192, 168, 1, 9));
    CHECK_EQ_INT(c.tunnel[2].vni, 1);
    CHECK_EQ_INT(c.tunnel[2].sport, 4790);
    CHECK_EQ_INT(parse_text(&c, "tunnel u udp; tunnel vx vxlan vni=5 remote=10.0.0.1;"
                                "tunnel vx vxlan vni=5 remote=1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,"
                                "5.5.5.5,6.6.6.6,7.7.7.7,8.8.8.8"), 0);
    CHECK_EQ_INT(c.tunnel[0].kind, CFG_TUNNEL_UDP);
    CHECK_EQ_INT(c.tunnel[1].n_remotes, 8);
}

TEST(config_tunnel_vxlan_refusals)
{
    const char *base = "tunnel vx vxlan vni=42 remote=10.0.0.1";
    EXPECT_REJECT(base, "tunnel v1 vxlan", "tunnel v1 vxlan needs vni=N");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=3 sport=1", "tunnel v1 vxlan needs remote=ADDR[,ADDR...]");
    EXPECT_REJECT(base, "tunnel v1 vxlan remote=1.2.3.4 sport=1", "tunnel v1 vxlan needs vni=N");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=0 remote=1.2.3.4", "vni must be 1..16777215 ('0')");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=16777216 remote=1.2.3.4", "vni must be 1..16777215 ('16777216')");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=x remote=1.2.3.4", "vni must be 1..16777215 ('x')");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 vni=2 remote=1.2.3.4", "'vni' given twice");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.2.3.4 remote=1.2.3.5", "'remote' given twice");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.2.3.4 dest=1.2.3.4",
                  "unexpected 'dest=1.2.3.4' (vni=N, remote=ADDR[,ADDR...], dport=PORT, sport=PORT, mss=clamp|off)");
    EXPECT_REJECT(base, "tunnel u udp sport=1 vni=4",
                  "unexpected 'vni=4' (sport=PORT, dest=ADDR, dport=PORT, mss=clamp|off)");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=", "remote must be IPv4 addresses joined by ',' ('')");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.2.3.4,", "remote must be IPv4 addresses joined by ',' ('1.2.3.4,')");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.2.3.4,,1.2.3.5", "remote must be IPv4 addresses joined by ',' ('1.2.3.4,,1.2.3.5')");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.2.3", "remote must be IPv4 addresses joined by ',' ('1.2.3')");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.2.3.4,239.0.0.1", "remote 239.0.0.1 is not one host's address");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=0.0.0.0", "remote 0.0.0.0 is not one host's address");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.2.3.4,1.2.3.4", "remote 1.2.3.4 given twice");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,6.6.6.6,"
                        "7.7.7.7,8.8.8.8,9.9.9.9", "too many remotes (max 8)");
    EXPECT_REJECT(base, "tunnel v1 vxlan vni=1 remote=1.2.3.4", "sport 4789 is tunnel vx's already");
}

TEST(config_tunnel_vxlan_round_trip)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork nn 10.0.9.0/24; tunnel vx vxlan vni=42 remote=10.1.0.2,10.1.0.3;"
                                "vx intnet seg; vx vlan access 7; tunnel v2 vxlan vni=9 remote=10.2.0.1 sport=9000 "
                                "dport=8472; v2 natnet nn; tunnel u udp; u intnet seg"), 0);
    finalize(&c, 2);
    CHECK_EQ_INT(cap.n, 0);
    int len = config_format(&c, 2, text, sizeof text);
    CHECK(strstr(text, "tunnel vx vxlan vni=42 remote=10.1.0.2,10.1.0.3 dport=4789 sport=4789\n"
                       "vx intnet seg\nvx vlan access 7\n") != NULL);
    CHECK(strstr(text, "tunnel v2 vxlan vni=9 remote=10.2.0.1 dport=8472 sport=9000\nv2 natnet nn\n") != NULL);
    config_init(&again);
    capture_reset();
    CHECK_EQ_INT(config_parse(&again, text, (size_t)len, capture_error, NULL), 0);
    finalize(&again, 2);
    CHECK_EQ_INT(cap.n, 0);
    CHECK(config_equal(&c, &again));
    unit_check_mem(false, __FILE__, __LINE__, "c", "again", &c, &again, sizeof c);
    config_format(&again, 2, text2, sizeof text2);
    CHECK_EQ_STR(text, text2);
    /* The VNI, a remote, the remotes' order, their number each count. */
    static const char *const other[] = {
        "tunnel vx vxlan vni=43 remote=10.1.0.2,10.1.0.3",
        "tunnel vx vxlan vni=42 remote=10.1.0.2,10.1.0.4",
        "tunnel vx vxlan vni=42 remote=10.1.0.3,10.1.0.2",
        "tunnel vx vxlan vni=42 remote=10.1.0.2",
    };
    for (unsigned i = 0; i < sizeof other / sizeof other[0]; i++) {
        char t[512];
        snprintf(t, sizeof t, "natnetwork nn 10.0.9.0/24; %s; vx intnet seg; vx vlan access 7;"
                              "tunnel v2 vxlan vni=9 remote=10.2.0.1 sport=9000 dport=8472; v2 natnet nn;"
                              "tunnel u udp; u intnet seg", other[i]);
        CHECK_EQ_INT(parse_text(&again, t), 0);
        finalize(&again, 2);
        CHECK(!config_equal(&c, &again));
    }
}

/* mss=off keeps TCP SYNs as they are (the default clamps them: net/tcp_mss.h);
 * it round-trips, counts in config_equal, and anything but clamp or off is refused. */
TEST(config_tunnel_mss)
{
    CHECK_EQ_INT(parse_text(&c, "tunnel t0 udp mss=off; tunnel v0 vxlan vni=5 remote=10.0.0.1 mss=off;"
                                "tunnel t1 udp sport=9 mss=clamp"), 0);
    CHECK(c.tunnel[0].mss_off);
    CHECK(c.tunnel[1].mss_off);
    CHECK(!c.tunnel[2].mss_off);
    finalize(&c, 2);
    int len = config_format(&c, 2, text, sizeof text);
    CHECK(strstr(text, "tunnel t0 udp sport=4444 dest=127.0.0.1 dport=4445 mss=off\n") != NULL);
    CHECK(strstr(text, "tunnel v0 vxlan vni=5 remote=10.0.0.1 dport=4789 sport=4789 mss=off\n") != NULL);
    CHECK(strstr(text, "tunnel t1 udp sport=9 dest=127.0.0.1 dport=4445\n") != NULL);
    config_init(&again);
    capture_reset();
    CHECK_EQ_INT(config_parse(&again, text, (size_t)len, capture_error, NULL), 0);
    finalize(&again, 2);
    CHECK(config_equal(&c, &again));
    again.tunnel[0].mss_off = false;
    CHECK(!config_equal(&c, &again));
    EXPECT_REJECT("", "tunnel t0 udp mss=1400", "mss must be clamp or off ('1400')");
    EXPECT_REJECT("", "tunnel t0 udp mss=off mss=clamp", "'mss' given twice");
}
