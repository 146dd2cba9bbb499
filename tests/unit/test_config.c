/* The configuration parser on valid input: every statement's forms, how statements
 * are separated, whitespace and comments, bounded (not NUL-terminated) text, and
 * which statement wins when two say different things. Rejections are in
 * test_config_errors.c, config_finalize() in test_config_finalize.c. */
#include "config_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vmgate_config c;

/* --- nicN ... -------------------------------------------------------------------- */

TEST(config_wan_dhcp)
{
    CHECK_EQ_INT(parse_text(&c, "nic0 wan dhcp"), 0);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_EQ_INT(c.nic[0].role, CFG_NIC_WAN);
    CHECK(c.nic[0].dhcp_client);
    CHECK_EQ_INT(c.nic[0].addr, 0);
}

TEST(config_wan_static_with_gw_and_dns)
{
    CHECK_EQ_INT(parse_text(&c, "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns 192.0.2.53,198.51.100.1,8.8.4.4"), 0);
    CHECK_EQ_INT(c.nic[0].role, CFG_NIC_WAN);
    CHECK(!c.nic[0].dhcp_client);
    CHECK_EQ_INT(c.nic[0].addr, IP4(192, 0, 2, 2));
    CHECK_EQ_INT(c.nic[0].prefix, 24);
    CHECK_EQ_INT(c.nic[0].gw, IP4(192, 0, 2, 1));
    CHECK_EQ_INT(c.nic[0].n_dns, 3);
    CHECK_EQ_INT(c.nic[0].dns[0], IP4(192, 0, 2, 53));
    CHECK_EQ_INT(c.nic[0].dns[1], IP4(198, 51, 100, 1));
    CHECK_EQ_INT(c.nic[0].dns[2], IP4(8, 8, 4, 4));
}

TEST(config_wan_static_dns_before_gw_and_without_dns)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 wan 10.9.0.5/16 dns 10.9.0.1 gw 10.9.255.254"), 0);
    CHECK_EQ_INT(c.nic[1].gw, IP4(10, 9, 255, 254));
    CHECK_EQ_INT(c.nic[1].n_dns, 1);
    CHECK_EQ_INT(parse_text(&c, "nic0 wan 192.0.2.2/24 gw 192.0.2.1"), 0);
    CHECK_EQ_INT(c.nic[0].n_dns, 0);
}

TEST(config_wan_static_small_subnets)
{
    /* /31 has no network or broadcast address; on /32 the gateway is off-subnet. */
    CHECK_EQ_INT(parse_text(&c, "nic0 wan 192.0.2.0/31 gw 192.0.2.1"), 0);
    CHECK_EQ_INT(c.nic[0].prefix, 31);
    CHECK_EQ_INT(parse_text(&c, "nic0 wan 203.0.113.7/32 gw 169.254.169.254"), 0);
    CHECK_EQ_INT(c.nic[0].gw, IP4(169, 254, 169, 254));
}

TEST(config_nat_forms)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 nat"), 0);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_NAT);
    CHECK(!c.nic[1].net_explicit);
    CHECK(c.nic[1].dhcp_server);

    CHECK_EQ_INT(parse_text(&c, "nic2 nat 10.0.3.0/24"), 0);
    CHECK(c.nic[2].net_explicit);
    CHECK_EQ_INT(c.nic[2].addr, IP4(10, 0, 3, 0));
    CHECK_EQ_INT(c.nic[2].prefix, 24);
    CHECK(c.nic[2].dhcp_server);

    CHECK_EQ_INT(parse_text(&c, "nic3 nat dhcp off"), 0);
    CHECK(!c.nic[3].net_explicit);
    CHECK(!c.nic[3].dhcp_server);

    CHECK_EQ_INT(parse_text(&c, "nic4 nat 172.16.0.0/12 dhcp on"), 0);
    CHECK_EQ_INT(c.nic[4].prefix, 12);
    CHECK(c.nic[4].dhcp_server);

    /* The bounds: /8 and /27 (room for .2, .3 and a pool from .15). */
    CHECK_EQ_INT(parse_text(&c, "nic1 nat 10.0.0.0/8; nic2 nat 192.168.7.224/27"), 0);
}

TEST(config_natnet_and_natnetwork)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24\nnic2 natnet lab\n"
                                "natnetwork quiet-net.2 192.168.15.0/24 dhcp off"), 0);
    CHECK_EQ_INT(c.nic[2].role, CFG_NIC_NATNET);
    CHECK_EQ_STR(c.nic[2].net_name, "lab");
    REQUIRE_EQ_INT(c.n_natnets, 2);
    CHECK_EQ_STR(c.natnet[0].name, "lab");
    CHECK_EQ_INT(c.natnet[0].net, IP4(10, 0, 5, 0));
    CHECK_EQ_INT(c.natnet[0].prefix, 24);
    CHECK(c.natnet[0].dhcp_server);
    CHECK_EQ_STR(c.natnet[1].name, "quiet-net.2");
    CHECK(!c.natnet[1].dhcp_server);
}

TEST(config_natnetwork_redefined_in_place)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork a 10.1.0.0/16; natnetwork b 10.2.0.0/16;"
                                "natnetwork a 10.3.0.0/24 dhcp off"), 0);
    REQUIRE_EQ_INT(c.n_natnets, 2);
    CHECK_EQ_STR(c.natnet[0].name, "a");
    CHECK_EQ_INT(c.natnet[0].net, IP4(10, 3, 0, 0));
    CHECK_EQ_INT(c.natnet[0].prefix, 24);
    CHECK(!c.natnet[0].dhcp_server);
}

TEST(config_natnetwork_names_that_look_like_nics_but_are_not)
{
    /* Only "nic" followed by digits alone is reserved for NICs. */
    CHECK_EQ_INT(parse_text(&c, "natnetwork nicole 10.7.0.0/16; natnetwork nic 10.8.0.0/16;"
                                "natnetwork nic1a 10.9.0.0/16"), 0);
    CHECK_EQ_INT(c.n_natnets, 3);
}

TEST(config_hostonly_forms)
{
    CHECK_EQ_INT(parse_text(&c, "nic3 hostonly 192.168.56.1/24"), 0);
    CHECK_EQ_INT(c.nic[3].role, CFG_NIC_HOSTONLY);
    CHECK_EQ_INT(c.nic[3].addr, IP4(192, 168, 56, 1));
    CHECK_EQ_INT(c.nic[3].prefix, 24);
    CHECK(c.nic[3].net_explicit);
    CHECK(c.nic[3].dhcp_server);
    CHECK_EQ_INT(parse_text(&c, "nic3 hostonly 192.168.56.254/24 dhcp off"), 0);
    CHECK(!c.nic[3].dhcp_server);
    CHECK_EQ_INT(parse_text(&c, "nic3 hostonly 192.168.56.2/30"), 0);
}

TEST(config_intnet_and_off)
{
    CHECK_EQ_INT(parse_text(&c, "nic4 intnet lab_1; nic5 off"), 0);
    CHECK_EQ_INT(c.nic[4].role, CFG_NIC_INTNET);
    CHECK_EQ_STR(c.nic[4].net_name, "lab_1");
    CHECK_EQ_INT(c.nic[5].role, CFG_NIC_OFF);
}

TEST(config_names_up_to_31_characters)
{
    CHECK_EQ_INT(parse_text(&c, "nic4 intnet abcdefghijklmnopqrstuvwxyz01234"), 0);
    CHECK_EQ_STR(c.nic[4].net_name, "abcdefghijklmnopqrstuvwxyz01234");
}

TEST(config_mtu_keeps_role_and_role_keeps_mtu)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 hostonly 192.168.56.1/24; nic1 mtu 9000"), 0);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_HOSTONLY);
    CHECK_EQ_INT(c.nic[1].mtu, 9000);
    CHECK_EQ_INT(parse_text(&c, "nic1 mtu 68; nic1 nat"), 0);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_NAT);
    CHECK_EQ_INT(c.nic[1].mtu, 68);
    CHECK_EQ_INT(parse_text(&c, "nic7 mtu 1500"), 0);
    CHECK_EQ_INT(c.nic[7].role, CFG_NIC_UNSET);
    CHECK_EQ_INT(c.nic[7].mtu, 1500);
}

TEST(config_later_role_replaces_earlier_wholly)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 wan 192.0.2.2/24 gw 192.0.2.1 dns 192.0.2.1; nic1 intnet x;"
                                "nic1 nat"), 0);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_NAT);
    CHECK_EQ_INT(c.nic[1].addr, 0);
    CHECK_EQ_INT(c.nic[1].gw, 0);
    CHECK_EQ_INT(c.nic[1].n_dns, 0);
    CHECK_EQ_STR(c.nic[1].net_name, "");
    CHECK(!c.nic[1].net_explicit);
    CHECK_EQ_INT(parse_text(&c, "nic2 nat 10.0.9.0/24 dhcp off; nic2 off; nic2 nat"), 0);
    CHECK(c.nic[2].dhcp_server);
    CHECK(!c.nic[2].net_explicit);
}

/* --- natpf ---------------------------------------------------------------------- */

TEST(config_natpf_nic_rule_with_empty_addresses)
{
    CHECK_EQ_INT(parse_text(&c, "natpf nic1 guestssh,tcp,,2222,,22"), 0);
    REQUIRE_EQ_INT(c.n_natpf, 1);
    CHECK_EQ_STR(c.natpf[0].name, "guestssh");
    CHECK_EQ_INT(c.natpf[0].proto, 6);
    CHECK_EQ_INT(c.natpf[0].nic, 1);
    CHECK_EQ_STR(c.natpf[0].natnet, "");
    CHECK_EQ_INT(c.natpf[0].host_ip, 0);
    CHECK_EQ_INT(c.natpf[0].host_port, 2222);
    CHECK_EQ_INT(c.natpf[0].guest_ip, 0);
    CHECK_EQ_INT(c.natpf[0].guest_port, 22);
}

TEST(config_natpf_nic_rule_with_addresses)
{
    CHECK_EQ_INT(parse_text(&c, "natpf nic2 dns,udp,192.0.2.2,5353,10.0.3.15,53;"
                                "natpf nic2 web,tcp,0.0.0.0,1,,65535"), 0);
    REQUIRE_EQ_INT(c.n_natpf, 2);
    CHECK_EQ_INT(c.natpf[0].proto, 17);
    CHECK_EQ_INT(c.natpf[0].host_ip, IP4(192, 0, 2, 2));
    CHECK_EQ_INT(c.natpf[0].guest_ip, IP4(10, 0, 3, 15));
    CHECK_EQ_INT(c.natpf[1].host_ip, 0);
    CHECK_EQ_INT(c.natpf[1].host_port, 1);
    CHECK_EQ_INT(c.natpf[1].guest_port, 65535);
}

TEST(config_natpf_natnetwork_both_forms)
{
    CHECK_EQ_INT(parse_text(&c, "natpf lab ssh,tcp,,1022,192.168.15.5,22;"
                                "natpf lab http:tcp:[]:8080:[192.168.15.6]:80;"
                                "natpf lab dns:udp:[192.0.2.2]:53:192.168.15.7:53;"
                                "natpf lab bare:tcp::2022:192.168.15.8:22"), 0);
    REQUIRE_EQ_INT(c.n_natpf, 4);
    CHECK_EQ_INT(c.natpf[0].nic, -1);
    CHECK_EQ_STR(c.natpf[0].natnet, "lab");
    CHECK_EQ_INT(c.natpf[0].guest_ip, IP4(192, 168, 15, 5));
    CHECK_EQ_STR(c.natpf[1].name, "http");
    CHECK_EQ_INT(c.natpf[1].host_ip, 0);
    CHECK_EQ_INT(c.natpf[1].host_port, 8080);
    CHECK_EQ_INT(c.natpf[1].guest_ip, IP4(192, 168, 15, 6));
    CHECK_EQ_INT(c.natpf[1].guest_port, 80);
    CHECK_EQ_INT(c.natpf[2].proto, 17);
    CHECK_EQ_INT(c.natpf[2].host_ip, IP4(192, 0, 2, 2));
    CHECK_EQ_INT(c.natpf[3].host_ip, 0);
    CHECK_EQ_INT(c.natpf[3].guest_ip, IP4(192, 168, 15, 8));
}

TEST(config_natpf_same_name_under_other_owners)
{
    CHECK_EQ_INT(parse_text(&c, "natpf nic1 ssh,tcp,,2222,,22; natpf nic2 ssh,tcp,,2223,,22;"
                                "natpf lab ssh,tcp,,2224,10.0.5.5,22"), 0);
    CHECK_EQ_INT(c.n_natpf, 3);
}

TEST(config_natpf_host_ports_that_do_not_clash)
{
    /* Another protocol, or two distinct host addresses, is another listener. */
    CHECK_EQ_INT(parse_text(&c, "natpf nic1 a,tcp,,2222,,22; natpf nic1 b,udp,,2222,,22;"
                                "natpf nic1 c,tcp,192.0.2.2,8080,,80; natpf nic1 d,tcp,192.0.2.3,8080,,80"), 0);
    CHECK_EQ_INT(c.n_natpf, 4);
}

TEST(config_natpf_up_to_the_limit)
{
    char text[CFG_MAX_NATPF * 40];
    size_t o = 0;

    for (int i = 0; i < CFG_MAX_NATPF; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "natpf nic1 r%d,tcp,,%d,,22\n", i, 1000 + i);
    CHECK_EQ_INT(parse_text(&c, text), 0);
    CHECK_EQ_INT(c.n_natpf, CFG_MAX_NATPF);
}

/* --- dhcp, dns, hostname ------------------------------------------------------------ */

TEST(config_dhcp_host_forms)
{
    static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    static const uint8_t mac2[6] = { 0x02, 0xab, 0xcd, 0xef, 0x00, 0xff };

    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name vm1;"
                                "dhcp nic1 host 02-AB-cd-EF-00-ff 10.0.2.21"), 0);
    REQUIRE_EQ_INT(c.n_hosts, 2);
    CHECK_EQ_INT(c.host[0].nic, 1);
    CHECK_MEM(c.host[0].mac, mac1, 6);
    CHECK_EQ_INT(c.host[0].ip, IP4(10, 0, 2, 20));
    CHECK_EQ_STR(c.host[0].name, "vm1");
    CHECK_MEM(c.host[1].mac, mac2, 6);
    CHECK_EQ_STR(c.host[1].name, "");
}

TEST(config_dhcp_host_same_mac_replaces)
{
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name vm1;"
                                "dhcp nic1 host 52:54:00:00:00:01 10.0.2.30;"
                                "dhcp nic1 host 52:54:00:12:34:56 10.0.2.40"), 0);
    REQUIRE_EQ_INT(c.n_hosts, 2);
    CHECK_EQ_INT(c.host[0].ip, IP4(10, 0, 2, 40));
    CHECK_EQ_STR(c.host[0].name, "");
    /* The same MAC on another NIC is another reservation. */
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20;"
                                "dhcp nic2 host 52:54:00:12:34:56 10.0.3.20"), 0);
    CHECK_EQ_INT(c.n_hosts, 2);
}

TEST(config_dns_and_hostname)
{
    CHECK_EQ_INT(parse_text(&c, "dns 192.0.2.53 198.51.100.53 203.0.113.53; hostname vmgate-1.lab"), 0);
    REQUIRE_EQ_INT(c.n_dns, 3);
    CHECK_EQ_INT(c.dns[0], IP4(192, 0, 2, 53));
    CHECK_EQ_INT(c.dns[2], IP4(203, 0, 113, 53));
    CHECK_EQ_STR(c.hostname, "vmgate-1.lab");
    CHECK_EQ_INT(parse_text(&c, "dns 192.0.2.53 198.51.100.53; dns 203.0.113.53; hostname a; hostname b"), 0);
    CHECK_EQ_INT(c.n_dns, 1);
    CHECK_EQ_INT(c.dns[0], IP4(203, 0, 113, 53));
    CHECK_EQ_INT(c.dns[1], 0);
    CHECK_EQ_STR(c.hostname, "b");
}

/* --- the text around statements ---------------------------------------------------- */

TEST(config_semicolons_and_newlines_separate)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 off;nic2 off\nnic3 off\r\nnic4 off;\n;;\n\nnic5 off"), 0);
    for (int i = 1; i <= 5; i++)
        CHECK_EQ_INT(c.nic[i].role, CFG_NIC_OFF);
}

TEST(config_comments_run_to_end_of_line)
{
    CHECK_EQ_INT(parse_text(&c, "# vmgate.conf\n"
                                "nic1 off # nic2 off; nic3 off\n"
                                "   # indented comment ; nic4 off\n"
                                "nic5 off#no space before\n"
                                "#\n"
                                "nic6 off # last line, no newline"), 0);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_OFF);
    CHECK_EQ_INT(c.nic[2].role, CFG_NIC_UNSET);
    CHECK_EQ_INT(c.nic[3].role, CFG_NIC_UNSET);
    CHECK_EQ_INT(c.nic[4].role, CFG_NIC_UNSET);
    CHECK_EQ_INT(c.nic[5].role, CFG_NIC_OFF);
    CHECK_EQ_INT(c.nic[6].role, CFG_NIC_OFF);
}

TEST(config_whitespace_oddities)
{
    CHECK_EQ_INT(parse_text(&c, "   \t nic1 \t  nat\t10.0.7.0/24   dhcp\t\toff \t \r\n"
                                "\t\t\r\n \r \t ;  ; \t\n"
                                "natpf\tnic1\tssh,tcp,,2222,,22\r"), 0);
    CHECK_EQ_INT(c.nic[1].addr, IP4(10, 0, 7, 0));
    CHECK(!c.nic[1].dhcp_server);
    CHECK_EQ_INT(c.n_natpf, 1);
}

TEST(config_empty_input)
{
    config_init(&c);
    CHECK_EQ_INT(config_parse(&c, NULL, 0, capture_error, NULL), 0);
    CHECK_EQ_INT(config_parse(&c, "", 0, NULL, NULL), 0);
    CHECK_EQ_INT(parse_text(&c, " \t\r\n;;# only a comment"), 0);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_EQ_INT(c.nic[0].role, CFG_NIC_UNSET);
}

TEST(config_reads_exactly_len_bytes)
{
    /* The buffer goes on past len with text that would change the meaning; it is a
     * heap block of exactly the buffer's size, so reading past it is also caught. */
    static const char src[] = "nic1 nat 10.0.2.0/24;nic2 off;nic3 mtu 1500";
    size_t cut = strlen("nic1 nat 10.0.2.0/24;nic2 off;nic3 mtu 15");
    char *buf = malloc(sizeof src - 1);

    memcpy(buf, src, sizeof src - 1);
    config_init(&c);
    capture_reset();
    CHECK_EQ_INT(config_parse(&c, buf, cut, capture_error, NULL), 1);
    CHECK_ONE_ERROR("nic3 mtu 15", "mtu must be 68..9000");
    CHECK_EQ_INT(c.nic[2].role, CFG_NIC_OFF);
    CHECK_EQ_INT(c.nic[3].mtu, 0);

    /* Cut inside a word: "10.0.2.0/2" is a different (and here invalid) prefix. */
    config_init(&c);
    capture_reset();
    CHECK_EQ_INT(config_parse(&c, buf, strlen("nic1 nat 10.0.2.0/2"), capture_error, NULL), 1);
    CHECK_ONE_ERROR("nic1 nat 10.0.2.0/2", "NAT network prefix must be 8..27");

    /* The whole buffer, with no NUL anywhere. */
    config_init(&c);
    CHECK_EQ_INT(config_parse(&c, buf, sizeof src - 1, NULL, NULL), 0);
    CHECK_EQ_INT(c.nic[3].mtu, 1500);
    free(buf);
}

TEST(config_errors_do_not_stop_the_rest)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 off\nbogus\nnic2 off; nic9 off; nic3 off"), 2);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_STR(cap.stmt[0], "bogus");
    CHECK_EQ_STR(cap.why[0], "unknown statement");
    CHECK_EQ_STR(cap.stmt[1], "nic9 off");
    CHECK_EQ_STR(cap.why[1], "nic9: no such NIC (nic0..nic7)");
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_OFF);
    CHECK_EQ_INT(c.nic[2].role, CFG_NIC_OFF);
    CHECK_EQ_INT(c.nic[3].role, CFG_NIC_OFF);
}

TEST(config_error_reports_the_trimmed_statement)
{
    CHECK_EQ_INT(parse_text(&c, "nic1 off;  \t nic9  \t off \r\n"), 1);
    CHECK_ONE_ERROR("nic9  \t off", "nic9: no such NIC (nic0..nic7)");
    CHECK_EQ_INT(parse_text(&c, "   natpf nic1 bad   # why it is bad"), 1);
    CHECK_ONE_ERROR("natpf nic1 bad",
                    "bad rule: expected name,proto,hostip,hostport,guestip,guestport");
}

TEST(config_no_error_callback)
{
    config_init(&c);
    CHECK_EQ_INT(config_parse(&c, "bogus; nic1 off; nic9 off", 25, NULL, NULL), 2);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_OFF);
}

TEST(config_parse_layers_sources)
{
    /* A file, then the command line: the second call adds to and overrides the first. */
    static const char file[] = "nic1 nat 10.0.2.0/24\nnatpf nic1 ssh,tcp,,2222,,22\n";
    static const char cmdline[] = "nic1 nat 10.0.8.0/24; natpf nic1 ssh,tcp,,2223,,22; nic2 off";

    CHECK_EQ_INT(parse_text(&c, file), 0);
    CHECK_EQ_INT(config_parse(&c, cmdline, strlen(cmdline), capture_error, NULL), 1);
    CHECK_ONE_ERROR("natpf nic1 ssh,tcp,,2223,,22", "duplicate natpf rule name 'ssh'");
    CHECK_EQ_INT(c.nic[1].addr, IP4(10, 0, 8, 0));
    CHECK_EQ_INT(c.nic[2].role, CFG_NIC_OFF);
}
