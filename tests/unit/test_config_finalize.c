/* config_finalize(): VirtualBox's defaults and their numbering, and the statements
 * that only the whole configuration and the NIC count can show to be wrong. */
#include "config_helpers.h"

#include <string.h>

static struct vmgate_config c;

static void check_nat(const char *file, int line, int nic, uint32_t net, uint8_t prefix)
{
    unit_check_int(false, file, line, "role", "CFG_NIC_NAT", c.nic[nic].role, CFG_NIC_NAT);
    unit_check_int(false, file, line, "addr", "net", c.nic[nic].addr, net);
    unit_check_int(false, file, line, "prefix", "prefix", c.nic[nic].prefix, prefix);
}
#define CHECK_NAT(nic, net, prefix) check_nat(__FILE__, __LINE__, (nic), (net), (prefix))

/* --- defaults ------------------------------------------------------------------------ */

TEST(config_fin_defaults_for_four_nics)
{
    CHECK_EQ_INT(parse_text(&c, ""), 0);
    finalize(&c, 4);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_EQ_INT(c.nic[0].role, CFG_NIC_WAN);
    CHECK(c.nic[0].dhcp_client);
    CHECK_NAT(1, IP4(10, 0, 2, 0), 24);
    CHECK_NAT(2, IP4(10, 0, 3, 0), 24);
    CHECK_NAT(3, IP4(10, 0, 4, 0), 24);
    for (int i = 1; i < 4; i++) {
        CHECK(c.nic[i].dhcp_server);
        CHECK(!c.nic[i].net_explicit);
    }
    for (int i = 4; i < CFG_MAX_NICS; i++)
        CHECK_EQ_INT(c.nic[i].role, CFG_NIC_UNSET);
}

TEST(config_fin_defaults_for_no_and_one_and_all_nics)
{
    CHECK_EQ_INT(parse_text(&c, ""), 0);
    finalize(&c, 0);
    for (int i = 0; i < CFG_MAX_NICS; i++)
        CHECK_EQ_INT(c.nic[i].role, CFG_NIC_UNSET);
    finalize(&c, 1);
    CHECK_EQ_INT(c.nic[0].role, CFG_NIC_WAN);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_UNSET);
    /* More NICs than the configuration can describe: the first eight count. */
    CHECK_EQ_INT(parse_text(&c, ""), 0);
    finalize(&c, 12);
    CHECK_NAT(7, IP4(10, 0, 8, 0), 24);
    CHECK_EQ_INT(cap.n, 0);
}

TEST(config_fin_default_keeps_mtu)
{
    CHECK_EQ_INT(parse_text(&c, "nic0 mtu 1400; nic1 mtu 9000"), 0);
    finalize(&c, 2);
    CHECK_EQ_INT(c.nic[0].role, CFG_NIC_WAN);
    CHECK_EQ_INT(c.nic[0].mtu, 1400);
    CHECK_NAT(1, IP4(10, 0, 2, 0), 24);
    CHECK_EQ_INT(c.nic[1].mtu, 9000);
}

TEST(config_fin_numbering_counts_only_nat_nics)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 intnet lab; nic2 hostonly 192.168.56.1/24; nic4 off"), 0);
    finalize(&c, 6);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_NAT(3, IP4(10, 0, 2, 0), 24);
    CHECK_NAT(5, IP4(10, 0, 3, 0), 24);
}

TEST(config_fin_numbering_includes_a_nat_nic0)
{
    CHECK_EQ_INT(parse_text(&c, "nic0 nat dhcp off; nic1 wan dhcp"), 0);
    finalize(&c, 3);
    CHECK_NAT(0, IP4(10, 0, 2, 0), 24);
    CHECK(!c.nic[0].dhcp_server);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_WAN);
    CHECK_NAT(2, IP4(10, 0, 3, 0), 24);
}

TEST(config_fin_numbering_skips_explicit_networks)
{
    /* nic2 takes 10.0.2.0/24 explicitly: nic1 (default) skips to 10.0.3.0/24 and
     * nic3 to 10.0.4.0/24. */
    CHECK_EQ_INT(parse_text(&c, "nic2 nat 10.0.2.0/24"), 0);
    finalize(&c, 4);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_NAT(1, IP4(10, 0, 3, 0), 24);
    CHECK_NAT(2, IP4(10, 0, 2, 0), 24);
    CHECK(c.nic[2].net_explicit);
    CHECK_NAT(3, IP4(10, 0, 4, 0), 24);
}

TEST(config_fin_numbering_skips_larger_and_other_networks)
{
    /* A /23 host-only network covers 10.0.2 and 10.0.3; the static WAN is in
     * 10.0.4; a declared (even unused) natnetwork holds 10.0.5. */
    CHECK_EQ_INT(parse_text(&c, "nic0 wan 10.0.4.10/24 gw 10.0.4.1; nic3 hostonly 10.0.2.1/23;"
                                "natnetwork spare 10.0.5.0/24"), 0);
    finalize(&c, 4);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_NAT(1, IP4(10, 0, 6, 0), 24);
    CHECK_NAT(2, IP4(10, 0, 7, 0), 24);
}

TEST(config_fin_numbering_runs_out)
{
    /* A host-only 10.0.0.0/16 leaves no 10.0.x.0/24 for a default NAT network. */
    CHECK_EQ_INT(parse_text(&c, "nic1 hostonly 10.0.0.1/16"), 0);
    finalize(&c, 3);
    CHECK_EQ_INT(cap.n, 1);
    CHECK_EQ_STR(cap.stmt[0], "nic2 nat");
    CHECK_EQ_STR(cap.why[0], "no free 10.0.x.0/24 for a default NAT network: nic2 is off");
    CHECK_EQ_INT(c.nic[2].role, CFG_NIC_OFF);
}

TEST(config_fin_is_idempotent)
{
    static struct vmgate_config once;

    CHECK_EQ_INT(parse_text(&c, "nic2 nat 10.0.2.0/24; natnetwork lab 10.0.9.0/24; nic3 natnet lab;"
                                "natpf nic1 ssh,tcp,,2222,10.0.3.15,22; dhcp nic4 host 52:54:00:00:00:01 10.0.4.20;"
                                "nic9 off; natpf nic0 bad,tcp,,1,,1"), 1);
    finalize(&c, 6);
    memcpy(&once, &c, sizeof c);
    capture_reset();
    finalize(&c, 6);
    CHECK_EQ_INT(cap.n, 0);
    CHECK(config_equal(&c, &once));
    CHECK_MEM(&c, &once, sizeof c);
}

/* --- NICs that are not there --------------------------------------------------------- */

TEST(config_fin_reports_absent_nics)
{
    CHECK_EQ_INT(parse_text(&c, "nic5 nat 10.0.9.0/24; nic5 mtu 9000; nic6 off; nic1 off"), 0);
    finalize(&c, 4);
    REQUIRE_EQ_INT(cap.n, 3);
    CHECK_EQ_STR(cap.stmt[0], "nic5 nat 10.0.9.0/24");
    CHECK_EQ_STR(cap.why[0], "nic5: no such NIC (found nic0..nic3)");
    CHECK_EQ_STR(cap.stmt[1], "nic5 mtu 9000");
    CHECK_EQ_STR(cap.why[1], "nic5: no such NIC (found nic0..nic3)");
    CHECK_EQ_STR(cap.stmt[2], "nic6 off");
    CHECK_EQ_INT(c.nic[5].role, CFG_NIC_UNSET);
    CHECK_EQ_INT(c.nic[5].mtu, 0);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_OFF);
}

TEST(config_fin_reports_absent_nics_with_no_nics)
{
    CHECK_EQ_INT(parse_text(&c, "nic0 wan dhcp"), 0);
    finalize(&c, 0);
    CHECK_ONE_ERROR("nic0 wan dhcp", "nic0: no such NIC (no NICs found)");
}

/* --- NAT Networks ---------------------------------------------------------------------- */

TEST(config_fin_natnet_ports_get_the_network)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24 dhcp off; nic2 natnet lab; nic3 natnet lab"), 0);
    finalize(&c, 4);
    CHECK_EQ_INT(cap.n, 0);
    for (int i = 2; i <= 3; i++) {
        CHECK_EQ_INT(c.nic[i].role, CFG_NIC_NATNET);
        CHECK_EQ_INT(c.nic[i].addr, IP4(10, 0, 5, 0));
        CHECK_EQ_INT(c.nic[i].prefix, 24);
        CHECK(!c.nic[i].dhcp_server);
    }
    CHECK_NAT(1, IP4(10, 0, 2, 0), 24);
}

TEST(config_fin_undeclared_natnet_falls_back_to_default)
{
    CHECK_EQ_INT(parse_text(&c, "nic2 natnet nowhere; nic2 mtu 1400"), 0);
    finalize(&c, 3);
    CHECK_ONE_ERROR("nic2 natnet nowhere", "no natnetwork 'nowhere'");
    CHECK_NAT(2, IP4(10, 0, 3, 0), 24);
    CHECK_EQ_INT(c.nic[2].mtu, 1400);
    CHECK_EQ_STR(c.nic[2].net_name, "");
}

/* --- overlapping networks ------------------------------------------------------------- */

TEST(config_fin_overlap_drops_the_later_nic)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 nat 10.0.5.0/24; nic2 hostonly 10.0.5.129/25"), 0);
    finalize(&c, 3);
    CHECK_ONE_ERROR("nic2 hostonly 10.0.5.129/25", "overlaps nic1's network 10.0.5.0/24");
    CHECK_NAT(1, IP4(10, 0, 5, 0), 24);
    CHECK_NAT(2, IP4(10, 0, 2, 0), 24);
    CHECK(!c.nic[2].net_explicit);
}

TEST(config_fin_overlap_with_static_wan_and_natnetwork)
{
    CHECK_EQ_INT(parse_text(&c, "nic0 wan 10.0.5.10/22 gw 10.0.4.1; nic1 nat 10.0.5.0/24;"
                                "natnetwork lab 172.16.0.0/16; nic2 natnet lab; nic3 nat 172.16.4.0/24"), 0);
    finalize(&c, 4);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_STR(cap.stmt[0], "nic1 nat 10.0.5.0/24");
    CHECK_EQ_STR(cap.why[0], "overlaps nic0's network 10.0.4.0/22");
    CHECK_EQ_STR(cap.stmt[1], "nic3 nat 172.16.4.0/24");
    CHECK_EQ_STR(cap.why[1], "overlaps nic2's network 172.16.0.0/16");
    /* Both fall back to defaults. */
    CHECK_NAT(1, IP4(10, 0, 2, 0), 24);
    CHECK_NAT(3, IP4(10, 0, 3, 0), 24);
}

TEST(config_fin_ports_of_one_natnetwork_do_not_overlap)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24; natnetwork lab2 10.0.5.0/25;"
                                "nic1 natnet lab; nic2 natnet lab; nic3 natnet lab2"), 0);
    finalize(&c, 4);
    CHECK_ONE_ERROR("nic3 natnet lab2", "overlaps nic1's network 10.0.5.0/24");
    CHECK_EQ_INT(c.nic[2].role, CFG_NIC_NATNET);
    CHECK_NAT(3, IP4(10, 0, 2, 0), 24);
}

/* --- natpf rules ------------------------------------------------------------------------ */

TEST(config_fin_natpf_on_nat_and_natnet_nics)
{
    CHECK_EQ_INT(parse_text(&c, "natpf nic1 ssh,tcp,,2222,,22; natpf nic1 web,tcp,,8080,10.0.2.15,80;"
                                "natnetwork lab 10.0.5.0/24; nic2 natnet lab; natpf nic2 a,tcp,,2223,,22;"
                                "natpf lab b,tcp,,2224,10.0.5.5,22"), 0);
    finalize(&c, 3);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_EQ_INT(c.n_natpf, 4);
}

TEST(config_fin_natpf_wrong_role_or_nic)
{
    static const struct cfg_natpf zero;

    CHECK_EQ_INT(parse_text(&c, "natpf nic0 a,tcp,,1001,,22; natpf nic1 b,tcp,,1002,,22;"
                                "natpf nic2 c,tcp,,1003,,22; natpf nic3 d,tcp,,1004,,22;"
                                "nic2 hostonly 192.168.56.1/24; nic3 intnet x; natpf nic5 e,tcp,,1005,,22"), 0);
    finalize(&c, 4);
    REQUIRE_EQ_INT(cap.n, 4);
    CHECK_EQ_STR(cap.stmt[0], "natpf nic0 a,tcp,,1001,,22");
    CHECK_EQ_STR(cap.why[0], "nic0 is not a NAT network");
    CHECK_EQ_STR(cap.stmt[1], "natpf nic2 c,tcp,,1003,,22");
    CHECK_EQ_STR(cap.why[1], "nic2 is not a NAT network");
    CHECK_EQ_STR(cap.why[2], "nic3 is not a NAT network");
    CHECK_EQ_STR(cap.stmt[3], "natpf nic5 e,tcp,,1005,,22");
    CHECK_EQ_STR(cap.why[3], "nic5: no such NIC (found nic0..nic3)");
    /* The survivor moved to the front; the freed slots are blank. */
    REQUIRE_EQ_INT(c.n_natpf, 1);
    CHECK_EQ_STR(c.natpf[0].name, "b");
    CHECK_MEM(&c.natpf[1], &zero, sizeof zero);
    CHECK_MEM(&c.natpf[4], &zero, sizeof zero);
}

TEST(config_fin_natpf_guest_address_checks)
{
    CHECK_EQ_INT(parse_text(&c, "natpf nic1 a,tcp,,1001,10.0.3.15,22; natpf nic1 b,tcp,,1002,10.0.2.2,22;"
                                "natpf nic1 c,tcp,,1003,10.0.2.3,22; natpf nic1 d,tcp,,1004,10.0.2.255,22;"
                                "natpf nic1 e,tcp,,1005,10.0.2.0,22; natpf nic1 f,tcp,,1006,10.0.2.4,22;"
                                "natpf nic1 ok,tcp,,1007,10.0.2.5,22"), 0);
    finalize(&c, 2);
    REQUIRE_EQ_INT(cap.n, 6);
    CHECK_EQ_STR(cap.why[0], "10.0.3.15 is not in nic1's network 10.0.2.0/24");
    CHECK_EQ_STR(cap.why[1], "10.0.2.2 is vmgate's own address on nic1");
    CHECK_EQ_STR(cap.why[2], "10.0.2.3 is vmgate's own address on nic1");
    CHECK_EQ_STR(cap.why[3], "10.0.2.255 is the network or broadcast address of nic1's network");
    CHECK_EQ_STR(cap.why[4], "10.0.2.0 is the network or broadcast address of nic1's network");
    /* NET+4 was a guest's until vmgate's TFTP server took it (issue 15). */
    CHECK_EQ_STR(cap.stmt[5], "natpf nic1 f,tcp,,1006,10.0.2.4,22");
    CHECK_EQ_STR(cap.why[5], "10.0.2.4 is vmgate's TFTP server on nic1 (NET+4, as in VirtualBox's NAT)");
    REQUIRE_EQ_INT(c.n_natpf, 1);
    CHECK_EQ_STR(c.natpf[0].name, "ok");
}

TEST(config_fin_net_plus_4_is_vmgates_on_nat_networks_only)
{
    /* On a NAT network, a NAT Network port and a NAT Network by name: refused, as
     * a rule's guest and as a reservation; on a host-only network .4 is a guest's
     * (vmgate serves TFTP there only at its own address). NET+2 and NET+3 of a
     * NAT Network are vmgate's as on a NAT network. */
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24; nic2 natnet lab; nic3 hostonly 192.168.56.1/24;"
                                "natpf nic1 a,tcp,,1001,10.0.2.4,22; natpf nic2 b,udp,,1002,10.0.5.4,69;"
                                "natpf lab c,tcp,,1003,10.0.5.4,22; natpf lab d,tcp,,1004,10.0.5.2,22;"
                                "natpf lab e,tcp,,1005,10.0.5.3,22; natpf nic2 f,tcp,,1006,10.0.5.3,22;"
                                "dhcp nic1 host 52:54:00:00:00:01 10.0.2.4;"
                                "dhcp nic2 host 52:54:00:00:00:02 10.0.5.4;"
                                "dhcp nic3 host 52:54:00:00:00:03 192.168.56.4;"
                                "natpf lab ok,tcp,,1007,10.0.5.5,22"), 0);
    finalize(&c, 4);
    REQUIRE_EQ_INT(cap.n, 8);
    CHECK_EQ_STR(cap.why[0], "10.0.2.4 is vmgate's TFTP server on nic1 (NET+4, as in VirtualBox's NAT)");
    CHECK_EQ_STR(cap.why[1], "10.0.5.4 is vmgate's TFTP server on nic2 (NET+4, as in VirtualBox's NAT)");
    CHECK_EQ_STR(cap.stmt[2], "natpf lab c,tcp,,1003,10.0.5.4,22");
    CHECK_EQ_STR(cap.why[2], "10.0.5.4 is vmgate's TFTP server on natnetwork lab (NET+4, as in VirtualBox's NAT)");
    CHECK_EQ_STR(cap.why[3], "10.0.5.2 is vmgate's own address on natnetwork lab");
    CHECK_EQ_STR(cap.why[4], "10.0.5.3 is vmgate's own address on natnetwork lab");
    CHECK_EQ_STR(cap.why[5], "10.0.5.3 is vmgate's own address on nic2");
    CHECK_EQ_STR(cap.stmt[6], "dhcp nic1 host 52:54:00:00:00:01 10.0.2.4");
    CHECK_EQ_STR(cap.why[6], "10.0.2.4 is vmgate's TFTP server on nic1 (NET+4, as in VirtualBox's NAT)");
    CHECK_EQ_STR(cap.stmt[7], "dhcp nic2 host 52:54:00:00:00:02 10.0.5.4");
    CHECK_EQ_STR(cap.why[7], "10.0.5.4 is vmgate's TFTP server on nic2 (NET+4, as in VirtualBox's NAT)");
    REQUIRE_EQ_INT(c.n_natpf, 1);
    CHECK_EQ_STR(c.natpf[0].name, "ok");
    REQUIRE_EQ_INT(c.n_hosts, 1);
    CHECK_EQ_INT(c.host[0].ip, IP4(192, 168, 56, 4));
}

TEST(config_fin_natpf_natnetwork_checks)
{
    CHECK_EQ_INT(parse_text(&c, "natpf nowhere a,tcp,,1001,10.0.5.5,22; natnetwork lab 10.0.5.0/24;"
                                "natpf lab b,tcp,,1002,10.0.6.5,22; natpf lab c,tcp,,1003,10.0.5.255,22;"
                                "natpf lab ok,tcp,,1004,10.0.5.5,22"), 0);
    finalize(&c, 2);
    REQUIRE_EQ_INT(cap.n, 3);
    CHECK_EQ_STR(cap.stmt[0], "natpf nowhere a,tcp,,1001,10.0.5.5,22");
    CHECK_EQ_STR(cap.why[0], "no natnetwork 'nowhere'");
    CHECK_EQ_STR(cap.stmt[1], "natpf lab b,tcp,,1002,10.0.6.5,22");
    CHECK_EQ_STR(cap.why[1], "guest IP 10.0.6.5 is not a guest address of natnetwork lab (10.0.5.0/24)");
    CHECK_EQ_STR(cap.why[2], "guest IP 10.0.5.255 is not a guest address of natnetwork lab (10.0.5.0/24)");
    REQUIRE_EQ_INT(c.n_natpf, 1);
    CHECK_EQ_STR(c.natpf[0].name, "ok");
}

/* --- DHCP reservations ------------------------------------------------------------------- */

TEST(config_fin_dhcp_hosts_on_dhcp_networks)
{
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 host 52:54:00:00:00:01 10.0.2.20;"
                                "nic2 hostonly 192.168.56.1/24; dhcp nic2 host 52:54:00:00:00:02 192.168.56.20;"
                                "natnetwork lab 10.0.5.0/24; nic3 natnet lab; dhcp nic3 host 52:54:00:00:00:03 10.0.5.20"), 0);
    finalize(&c, 4);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_EQ_INT(c.n_hosts, 3);
}

TEST(config_fin_dhcp_hosts_dropped)
{
    static const struct cfg_dhcp_host zero;

    CHECK_EQ_INT(parse_text(&c, "dhcp nic0 host 52:54:00:00:00:01 192.0.2.20;"
                                "dhcp nic1 host 52:54:00:00:00:02 10.0.3.20;"
                                "dhcp nic1 host 52:54:00:00:00:03 10.0.2.3;"
                                "nic2 hostonly 192.168.56.1/24; dhcp nic2 host 52:54:00:00:00:04 192.168.56.1;"
                                "nic3 off; dhcp nic3 host 52:54:00:00:00:05 10.0.4.20;"
                                "dhcp nic7 host 52:54:00:00:00:06 10.0.8.20;"
                                "dhcp nic1 host 52:54:00:00:00:07 10.0.2.15 name kept"), 0);
    finalize(&c, 4);
    REQUIRE_EQ_INT(cap.n, 6);
    CHECK_EQ_STR(cap.stmt[0], "dhcp nic0 host 52:54:00:00:00:01 192.0.2.20");
    CHECK_EQ_STR(cap.why[0], "nic0 has no DHCP server (it is wan)");
    CHECK_EQ_STR(cap.why[1], "10.0.3.20 is not in nic1's network 10.0.2.0/24");
    CHECK_EQ_STR(cap.why[2], "10.0.2.3 is vmgate's own address on nic1");
    CHECK_EQ_STR(cap.why[3], "192.168.56.1 is vmgate's own address on nic2");
    CHECK_EQ_STR(cap.why[4], "nic3 has no DHCP server (it is off)");
    CHECK_EQ_STR(cap.why[5], "nic7: no such NIC (found nic0..nic3)");
    REQUIRE_EQ_INT(c.n_hosts, 1);
    CHECK_EQ_STR(c.host[0].name, "kept");
    CHECK_MEM(&c.host[1], &zero, sizeof zero);
}

TEST(config_fin_without_error_callback)
{
    CHECK_EQ_INT(parse_text(&c, "nic5 off; natpf nic0 a,tcp,,1,,1; nic1 natnet x"), 0);
    config_finalize(&c, 2, NULL, NULL);
    CHECK_EQ_INT(c.n_natpf, 0);
    CHECK_NAT(1, IP4(10, 0, 2, 0), 24);
}
