/* config_format(): the running configuration written back as statements, the
 * round trip parse(format(x)) == x, snprintf-style truncation, and config_equal(). */
#include "config_helpers.h"

#include <stdio.h>
#include <string.h>

static struct vmgate_config c, again;
static char text[16384];

#define CHECK_ROUND_TRIP(n) CONFIG_ROUND_TRIP(&c, (n))

TEST(config_fmt_defaults)
{
    int len;

    parse_text(&c, "");
    finalize(&c, 4);
    len = config_format(&c, 4, text, sizeof text);
    CHECK_EQ_INT(len, strlen(text));
    CHECK_EQ_STR(text, "nic0 wan dhcp\n"
                       "nic1 nat  # 10.0.2.0/24\n"
                       "nic2 nat  # 10.0.3.0/24\n"
                       "nic3 nat  # 10.0.4.0/24\n");
    CHECK_ROUND_TRIP(4);
}

TEST(config_fmt_everything)
{
    static const char conf[] =
        "hostname gate\n"
        "dns 192.0.2.53 198.51.100.53\n"
        "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns 192.0.2.1,192.0.2.2\n"
        "nic1 nat 10.0.2.0/24\n"
        "nic2 nat dhcp off\n"
        "nic3 hostonly 192.168.56.1/24 dhcp off\n"
        "nic4 intnet lab\n"
        "nic5 off\n"
        "natnetwork shared 10.0.5.0/24 dhcp off\n"
        "natnetwork spare 10.0.6.0/24\n"
        "nic6 natnet shared\n"
        "nic7 mtu 9000\n"
        "nic1 mtu 1400\n"
        "natpf nic1 guestssh,tcp,,2222,,22\n"
        "natpf nic2 dns,udp,192.0.2.2,5353,10.0.3.15,53\n"
        "natpf shared web:tcp:[]:8080:[10.0.5.5]:80\n"
        "dhcp nic1 host 52-54-00-12-34-56 10.0.2.20 name vm1\n"
        "dhcp nic3 host 52:54:00:AB:CD:EF 192.168.56.20\n";

    CHECK_EQ_INT(parse_text(&c, conf), 0);
    finalize(&c, 8);
    CHECK_EQ_INT(cap.n, 0);
    config_format(&c, 8, text, sizeof text);
    CHECK_EQ_STR(text,
        "hostname gate\n"
        "dns 192.0.2.53 198.51.100.53\n"
        "natnetwork shared 10.0.5.0/24 dhcp off\n"
        "natnetwork spare 10.0.6.0/24\n"
        "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns 192.0.2.1,192.0.2.2\n"
        "nic1 nat 10.0.2.0/24\n"
        "nic1 mtu 1400\n"
        "nic2 nat dhcp off  # 10.0.3.0/24\n"
        "nic3 hostonly 192.168.56.1/24 dhcp off\n"
        "nic4 intnet lab\n"
        "nic5 off\n"
        "nic6 natnet shared\n"
        "nic7 nat  # 10.0.4.0/24\n"
        "nic7 mtu 9000\n"
        "natpf nic1 guestssh,tcp,,2222,,22\n"
        "natpf nic2 dns,udp,192.0.2.2,5353,10.0.3.15,53\n"
        "natpf shared web,tcp,,8080,10.0.5.5,80\n"
        "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name vm1\n"
        "dhcp nic3 host 52:54:00:ab:cd:ef 192.168.56.20\n");
    CHECK_ROUND_TRIP(8);
}

TEST(config_fmt_round_trip_after_drops)
{
    /* Whatever finalize dropped or defaulted must come back the same way. */
    CHECK_EQ_INT(parse_text(&c, "nic1 hostonly 10.0.0.1/16; nic2 nat; nic3 natnet none;"
                                "nic4 nat 10.0.1.0/24; natpf nic2 x,tcp,,1,,1; nic6 off; nic1 mtu 576"), 0);
    finalize(&c, 5);
    CHECK(cap.n >= 3);
    CHECK_ROUND_TRIP(5);
}

TEST(config_fmt_round_trip_at_the_limits)
{
    static char big[CFG_MAX_NATPF * 128 + CFG_MAX_HOSTS * 128];
    size_t o = 0;

    for (int i = 0; i < CFG_MAX_NATPF; i++)
        o += (size_t)snprintf(big + o, sizeof big - o,
                              "natpf nic%d rule-name-of-31-characters-x%03d,udp,203.0.113.%d,%d,10.0.%d.200,%d\n",
                              1 + i % 7, i, i + 1, 60000 + i, 2 + i % 7, 65535 - i);
    for (int i = 0; i < CFG_MAX_HOSTS; i++)
        o += (size_t)snprintf(big + o, sizeof big - o,
                              "dhcp nic%d host 02:00:00:00:00:%02x 10.0.%d.%d name host-name-of-31-characters-x%03d\n",
                              1 + i % 7, i, 2 + i % 7, 100 + i, i);
    CHECK_EQ_INT(parse_text(&c, big), 0);
    CHECK_EQ_INT(c.n_natpf, CFG_MAX_NATPF);
    CHECK_EQ_INT(c.n_hosts, CFG_MAX_HOSTS);
    CHECK_EQ_INT(strlen(c.natpf[0].name), CFG_NAME_MAX - 1);
    CHECK_EQ_INT(strlen(c.host[0].name), CFG_NAME_MAX - 1);
    finalize(&c, 8);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_ROUND_TRIP(8);
}

TEST(config_fmt_truncates_like_snprintf)
{
    char small[20];
    int full;

    parse_text(&c, "");
    finalize(&c, 4);
    full = config_format(&c, 4, text, sizeof text);
    memset(small, 'x', sizeof small);
    CHECK_EQ_INT(config_format(&c, 4, small, sizeof small), full);
    CHECK_EQ_INT(strlen(small), sizeof small - 1);
    CHECK_MEM(small, text, sizeof small - 1);
    CHECK_EQ_INT(config_format(&c, 4, NULL, 0), full);
    small[0] = 'x';
    CHECK_EQ_INT(config_format(&c, 4, small, 1), full);
    CHECK_EQ_INT(small[0], '\0');
}

TEST(config_fmt_unfinalized_and_fewer_nics)
{
    /* Before finalize: only what was said. NICs at or past n_nics are left out. */
    CHECK_EQ_INT(parse_text(&c, "nic1 mtu 1500; nic3 off"), 0);
    config_format(&c, 8, text, sizeof text);
    CHECK_EQ_STR(text, "nic1 mtu 1500\nnic3 off\n");
    config_format(&c, 2, text, sizeof text);
    CHECK_EQ_STR(text, "nic1 mtu 1500\n");
    config_init(&c);
    CHECK_EQ_INT(config_format(&c, 8, text, sizeof text), 0);
    CHECK_EQ_STR(text, "");
}

TEST(config_fmt_more_nics_than_possible)
{
    static char text8[sizeof text];

    parse_text(&c, "");
    finalize(&c, 8);
    config_format(&c, 8, text8, sizeof text8);
    config_format(&c, 12, text, sizeof text);
    CHECK_EQ_STR(text, text8);
}

TEST(config_equal_sees_every_part)
{
    static const char base[] = "hostname a; dns 192.0.2.1; natnetwork n 10.9.0.0/16;"
                               "dhcp nic1 host 52:54:00:00:00:01 10.0.2.20; natpf nic1 r,tcp,,1,,1";

    parse_text(&c, base);
    parse_text(&again, base);
    CHECK(config_equal(&c, &again));
    again.hostname[0] = 'b';
    CHECK(!config_equal(&c, &again));
    parse_text(&again, base);
    again.dns[0]++;
    CHECK(!config_equal(&c, &again));
    parse_text(&again, base);
    again.natnet[0].prefix++;
    CHECK(!config_equal(&c, &again));
    parse_text(&again, base);
    again.host[0].mac[5]++;
    CHECK(!config_equal(&c, &again));
    parse_text(&again, base);
    again.natpf[0].guest_port++;
    CHECK(!config_equal(&c, &again));
    parse_text(&again, base);
    again.nic[1].role = CFG_NIC_OFF;
    CHECK(!config_equal(&c, &again));
}

TEST(config_equal_compares_what_is_in_use)
{
    parse_text(&c, "natpf nic1 a,tcp,,1,,1; natpf nic1 b,tcp,,2,,2");
    parse_text(&again, "natpf nic1 a,tcp,,1,,1");
    CHECK(!config_equal(&c, &again));
    /* A stale slot beyond the count does not matter. */
    c.n_natpf = 1;
    CHECK(config_equal(&c, &again));
    again.nic[3].mtu = 1500;
    CHECK(!config_equal(&c, &again));
}

TEST(config_ip4_str_and_role_names)
{
    char buf[16];

    CHECK_EQ_STR(cfg_ip4_str(IP4(10, 0, 2, 15), buf), "10.0.2.15");
    CHECK_EQ_STR(cfg_ip4_str(0xffffffffu, buf), "255.255.255.255");
    CHECK_EQ_STR(cfg_ip4_str(0, buf), "0.0.0.0");
    CHECK_EQ_STR(cfg_role_name(CFG_NIC_HOSTONLY), "hostonly");
    CHECK_EQ_STR(cfg_role_name(CFG_NIC_UNSET), "unset");
    CHECK_EQ_STR(cfg_role_name((enum cfg_nic_role)42), "unset");
}
