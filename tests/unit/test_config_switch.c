/* `nicN vlan access VID`, `nicN vlan trunk LIST [native VID]` and `switch NAME [aging
 * T] [fdb N] [port-fdb N]`: parsing, refusals naming the statement, what finalize
 * drops once roles are known, the text written back and config_equal. */
#include "config_helpers.h"

#include "net/switch.h"

#include <stdio.h>
#include <string.h>

static struct vmgate_config c, again;
static char text[32768];

#define CHECK_ROUND_TRIP(n) CONFIG_ROUND_TRIP(&c, (n))

TEST(config_vlan_forms)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 intnet lab; nic1 vlan access 10; nic2 intnet lab;"
                                "nic2 vlan trunk 10,20-22,4094 native 1; nic3 vlan trunk 5"), 0);
    CHECK_EQ_INT(c.nic[1].vlan.mode, CFG_VLAN_ACCESS);
    CHECK_EQ_INT(c.nic[1].vlan.pvid, 10);
    CHECK_EQ_INT(c.nic[2].vlan.mode, CFG_VLAN_TRUNK);
    CHECK_EQ_INT(c.nic[2].vlan.pvid, 1);
    CHECK(switch_vid_test(c.nic[2].vlan.tagged, 10));
    CHECK(!switch_vid_test(c.nic[2].vlan.tagged, 11));
    CHECK(!switch_vid_test(c.nic[2].vlan.tagged, 19));
    CHECK(switch_vid_test(c.nic[2].vlan.tagged, 20));
    CHECK(switch_vid_test(c.nic[2].vlan.tagged, 21));
    CHECK(switch_vid_test(c.nic[2].vlan.tagged, 22));
    CHECK(!switch_vid_test(c.nic[2].vlan.tagged, 23));
    CHECK(switch_vid_test(c.nic[2].vlan.tagged, 4094));
    CHECK(!switch_vid_test(c.nic[2].vlan.tagged, 1));
    CHECK_EQ_INT(c.nic[3].vlan.pvid, 0);
    /* A later vlan statement replaces the earlier one; a role statement keeps it. */
    CHECK_EQ_INT(parse_text(&c, "nic1 vlan trunk 7; nic1 vlan access 9; nic1 intnet x; nic1 natnet y"), 0);
    CHECK_EQ_INT(c.nic[1].vlan.mode, CFG_VLAN_ACCESS);
    CHECK_EQ_INT(c.nic[1].vlan.pvid, 9);
    CHECK(!switch_vid_test(c.nic[1].vlan.tagged, 7));
}

TEST(config_vlan_refusals)
{
    const char *base = "nic1 intnet lab";
    EXPECT_REJECT(base, "nic1 vlan", "vlan needs access VID, or trunk LIST [native VID]");
    EXPECT_REJECT(base, "nic1 vlan hybrid 3", "vlan needs access VID, or trunk LIST [native VID]");
    EXPECT_REJECT(base, "nic1 vlan access", "vlan access needs one VLAN ID");
    EXPECT_REJECT(base, "nic1 vlan access 1 2", "vlan access needs one VLAN ID");
    EXPECT_REJECT(base, "nic1 vlan access 0", "bad VLAN ID '0' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan access 4095", "bad VLAN ID '4095' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan access 010", "bad VLAN ID '010' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan access x", "bad VLAN ID 'x' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan trunk", "vlan trunk needs a list of VLANs (10,20-22) [native VID]");
    EXPECT_REJECT(base, "nic1 vlan trunk 10 native", "vlan trunk needs a list of VLANs (10,20-22) [native VID]");
    EXPECT_REJECT(base, "nic1 vlan trunk 10 natve 1", "unexpected 'natve' (native)");
    EXPECT_REJECT(base, "nic1 vlan trunk 10,,20", "bad VLAN ID '' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan trunk 10,", "bad VLAN ID '' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan trunk 20-10", "VLAN range 20-10 does not run upwards");
    EXPECT_REJECT(base, "nic1 vlan trunk 10-10", "VLAN range 10-10 does not run upwards");
    EXPECT_REJECT(base, "nic1 vlan trunk 10-20-30", "bad VLAN ID '20-30' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan trunk 10,5-12", "VLAN 10 listed twice");
    EXPECT_REJECT(base, "nic1 vlan trunk 0-3", "bad VLAN ID '0' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan trunk 4000-4095", "bad VLAN ID '4095' (1..4094)");
    EXPECT_REJECT(base, "nic1 vlan trunk 10,20 native 20", "native VLAN 20 is also in the tagged list");
    EXPECT_REJECT(base, "nic1 vlan trunk 10 native 0", "bad VLAN ID '0' (1..4094)");
    /* A refused statement leaves the earlier one. */
    CHECK_EQ_INT(parse_text(&c, "nic1 vlan access 5; nic1 vlan trunk 1,1"), 1);
    CHECK_EQ_INT(c.nic[1].vlan.mode, CFG_VLAN_ACCESS);
    CHECK_EQ_INT(c.nic[1].vlan.pvid, 5);
}

/* VLANs belong to switch ports: on any other NIC, and on NICs that are not there,
 * the statement is reported in its canonical form and forgotten. */
TEST(config_vlan_only_on_switch_ports)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork nn 10.0.9.0/24; nic1 nat; nic1 vlan access 3;"
                                "nic2 natnet nn; nic2 vlan trunk 3,2,4 native 1; nic3 intnet x;"
                                "nic3 vlan access 7; nic7 vlan trunk 8-9"), 0);
    finalize(&c, 4);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_STR(cap.stmt[0], "nic7 vlan trunk 8-9");
    CHECK_EQ_STR(cap.why[0], "nic7: no such NIC (found nic0..nic3)");
    CHECK_EQ_STR(cap.stmt[1], "nic1 vlan access 3");
    CHECK_EQ_STR(cap.why[1], "nic1 is not a switch port (it is nat; VLANs are for intnet and natnet)");
    CHECK_EQ_INT(c.nic[1].vlan.mode, CFG_VLAN_DEFAULT);
    CHECK_EQ_INT(c.nic[2].vlan.mode, CFG_VLAN_TRUNK);
    CHECK_EQ_INT(c.nic[3].vlan.pvid, 7);
    /* A port whose role is dropped loses its VLANs with it. */
    CHECK_EQ_INT(parse_text(&c, "nic1 natnet none; nic1 vlan access 3"), 0);
    finalize(&c, 2);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_STR(cap.stmt[1], "nic1 vlan access 3");
    CHECK_EQ_STR(cap.why[1], "nic1 is not a switch port (it is nat; VLANs are for intnet and natnet)");
}

TEST(config_vlan_round_trip)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork nn 10.0.9.0/24; nic1 intnet lab; nic1 vlan access 10;"
                                "nic2 intnet lab; nic2 vlan trunk 30,10,20,21,22,4094 native 1;"
                                "nic3 natnet nn; nic3 vlan trunk 7-9,11; nic4 intnet other"), 0);
    finalize(&c, 5);
    CHECK_EQ_INT(cap.n, 0);
    config_format(&c, 5, text, sizeof text);
    CHECK(strstr(text, "nic1 intnet lab\nnic1 vlan access 10\n") != NULL);
    CHECK(strstr(text, "nic2 vlan trunk 10,20-22,30,4094 native 1\n") != NULL);
    CHECK(strstr(text, "nic3 vlan trunk 7-9,11\n") != NULL);
    CHECK(strstr(text, "nic4 intnet other\nnic") == NULL || strstr(text, "nic4 vlan") == NULL);
    CHECK_ROUND_TRIP(5);
}

/* The longest list a statement can hold comes back in one statement. */
TEST(config_vlan_round_trip_long_list)
{
    char stmt[CFG_STMT_MAX];
    int at = snprintf(stmt, sizeof stmt, "nic1 vlan trunk 1");
    for (unsigned v = 3; at < (int)sizeof stmt - 6; v += 2)
        at += snprintf(stmt + at, sizeof stmt - (size_t)at, ",%u", v);
    CHECK_EQ_INT(parse_text(&c, "nic1 intnet lab"), 0);
    CHECK_EQ_INT(config_parse(&c, stmt, strlen(stmt), capture_error, NULL), 0);
    finalize(&c, 2);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_ROUND_TRIP(2);
}

TEST(config_vlan_equal)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 intnet lab; nic1 vlan trunk 10,20"), 0);
    CHECK_EQ_INT(parse_text(&again, "nic1 intnet lab; nic1 vlan trunk 20,10"), 0);
    CHECK(config_equal(&c, &again));
    CHECK_EQ_INT(parse_text(&again, "nic1 intnet lab; nic1 vlan trunk 10,20 native 1"), 0);
    CHECK(!config_equal(&c, &again));
    CHECK_EQ_INT(parse_text(&again, "nic1 intnet lab; nic1 vlan trunk 10,21"), 0);
    CHECK(!config_equal(&c, &again));
    CHECK_EQ_INT(parse_text(&again, "nic1 intnet lab"), 0);
    CHECK(!config_equal(&c, &again));
}

TEST(config_switch_settings)
{
    CHECK_EQ_INT(parse_text(&c, "switch lab aging 30; switch lab fdb 64 port-fdb 8; switch nn aging 5m"), 0);
    REQUIRE_EQ_INT(c.n_switches, 2);
    CHECK_EQ_STR(c.sw[0].name, "lab");
    CHECK_EQ_INT(c.sw[0].aging_s, 30);
    CHECK_EQ_INT(c.sw[0].fdb, 64);
    CHECK_EQ_INT(c.sw[0].port_fdb, 8);
    CHECK_EQ_INT(c.sw[1].aging_s, 300);
    const char *base = "switch lab fdb 64";
    EXPECT_REJECT(base, "switch lab", "switch needs NAME and aging T, fdb N or port-fdb N");
    EXPECT_REJECT(base, "switch lab aging", "switch needs NAME and aging T, fdb N or port-fdb N");
    EXPECT_REJECT(base, "switch lab fdb 64 aging", "aging needs a time (300, 5m)");
    EXPECT_REJECT(base, "switch nic1 aging 3", "'nic1' is a NIC; switch takes a network's name");
    EXPECT_REJECT(base, "switch la! aging 3", "bad network name 'la!' (letters, digits, '.', '_', '-')");
    EXPECT_REJECT(base, "switch lab aging 0", "aging must be 1s..1d ('0')");
    EXPECT_REJECT(base, "switch lab aging 2d", "aging must be 1s..1d ('2d')");
    EXPECT_REJECT(base, "switch lab fdb 15", "fdb must be 16..65536");
    EXPECT_REJECT(base, "switch lab fdb 65537", "fdb must be 16..65536");
    EXPECT_REJECT(base, "switch lab port-fdb 0", "port-fdb must be 1..65536");
    EXPECT_REJECT(base, "switch lab port-fdb 65", "port-fdb 65 is more than the table's 64 entries");
    EXPECT_REJECT(base, "switch x port-fdb 1025", "port-fdb 1025 is more than the table's 1024 entries");
    EXPECT_REJECT(base, "switch lab aging 3 aging 4", "'aging' given twice");
    EXPECT_REJECT(base, "switch lab ageing 3", "unexpected 'ageing' (aging, fdb, port-fdb)");
}

/* `switch NAME` must name an internal network that has a port, or a natnetwork. */
TEST(config_switch_needs_a_network)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork nn 10.0.9.0/24; nic1 intnet lab; switch lab aging 10;"
                                "switch nn fdb 32; switch gone aging 10 fdb 100; switch far aging 9"), 0);
    finalize(&c, 2);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_STR(cap.stmt[0], "switch gone aging 10 fdb 100");
    CHECK_EQ_STR(cap.why[0], "no internal network or natnetwork 'gone'");
    CHECK_EQ_STR(cap.stmt[1], "switch far aging 9");
    REQUIRE_EQ_INT(c.n_switches, 2);
    CHECK_EQ_STR(c.sw[1].name, "nn");
    CHECK_ROUND_TRIP(2);
    config_format(&c, 2, text, sizeof text);
    CHECK(strstr(text, "switch lab aging 10\nswitch nn fdb 32\n") != NULL);
}

/* `nicN bridged` joins the WAN's segment: it round-trips, takes no VLANs, and with
 * no WAN to join is refused and its NIC left off (a guest must not see a carrier
 * that leads nowhere). */
TEST(config_bridged)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 bridged; nic2 bridged; nic2 vlan access 5"), 0);
    finalize(&c, 3);
    CHECK_EQ_INT(c.nic[0].role, CFG_NIC_WAN);           /* the default WAN is joined */
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_BRIDGED);
    CHECK_EQ_INT(c.nic[2].role, CFG_NIC_BRIDGED);
    REQUIRE_EQ_INT(cap.n, 1);
    CHECK_EQ_STR(cap.why[0], "nic2 is not a switch port (it is bridged; VLANs are for intnet and natnet)");
    CHECK_ROUND_TRIP(3);
    config_format(&c, 3, text, sizeof text);
    CHECK(strstr(text, "nic1 bridged\nnic2 bridged\n") != NULL);

    config_init(&c);
    CHECK_EQ_INT(parse_text(&c, "nic0 nat; nic1 bridged"), 0);
    finalize(&c, 2);
    REQUIRE_EQ_INT(cap.n, 1);
    CHECK_EQ_STR(cap.stmt[0], "nic1 bridged");
    CHECK_EQ_STR(cap.why[0], "nic1: no WAN NIC to bridge to (say nicM wan ...)");
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_OFF);
}

/* The console names a NAT Network's services after the network, not after a NIC
 * (a network of tunnels alone has none: it printed "nic-1"). */
TEST(config_network_label)
{
    char label[CFG_LABEL_MAX];
    struct cfg_nic n = {.role = CFG_NIC_NATNET, .net_name = "lab"};
    cfg_network_label(&n, -1, label, sizeof label);
    CHECK_EQ_STR(label, "natnet lab");
    n.role = CFG_NIC_NAT;
    cfg_network_label(&n, 3, label, sizeof label);
    CHECK_EQ_STR(label, "nic3");
}
