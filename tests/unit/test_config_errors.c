/* Every way the parser rejects a statement: each check asserts the exact reason,
 * that the reported statement is the trimmed text, and (EXPECT_REJECT) that the
 * configuration is byte-for-byte unchanged, i.e. statements apply atomically. */
#include "config_helpers.h"

#include <stdio.h>
#include <string.h>

static struct vmgate_config c;

/* --- the statement as a whole ---------------------------------------------------- */

TEST(config_err_unknown_statements)
{
    EXPECT_REJECT("", "bogus", "unknown statement");
    EXPECT_REJECT("", "nic", "unknown statement");
    EXPECT_REJECT("", "NIC1 nat", "unknown statement");
    EXPECT_REJECT("", "Hostname x", "unknown statement");
    EXPECT_REJECT("", "tftp nic1 on", "unknown statement");
}

TEST(config_err_bad_nic_names)
{
    EXPECT_REJECT("", "nic9 off", "nic9: no such NIC (nic0..nic7)");
    EXPECT_REJECT("", "nic8 nat", "nic8: no such NIC (nic0..nic7)");
    EXPECT_REJECT("", "nic01 off", "nic01: no such NIC (nic0..nic7)");
    EXPECT_REJECT("", "nic99999999999999999999 off",
                  "nic99999999999999999999: no such NIC (nic0..nic7)");
    EXPECT_REJECT("", "nicx off", "bad NIC name 'nicx' (nic0..nic7)");
    EXPECT_REJECT("", "nic-1 off", "bad NIC name 'nic-1' (nic0..nic7)");
    EXPECT_REJECT("", "nic1", "nic1: missing setting (wan, nat, natnet, hostonly, intnet, bridged, off, mtu, vlan)");
    EXPECT_REJECT("", "nic1 bridge", "nic1: unknown setting 'bridge'");
    /* Bridged onto the WAN, never onto a host interface named as VirtualBox does. */
    EXPECT_REJECT("", "nic1 bridged eth0", "unexpected 'eth0'");
    EXPECT_REJECT("", "nic1 off now", "unexpected 'now'");
}

TEST(config_err_invalid_characters)
{
    static const char nul_inside[] = "nic1\0off";

    /* The reported text shows what is not printable as '?'. */
    EXPECT_REJECT_AS("", "nic1 off\x01", "nic1 off?", "invalid character (byte 0x01)");
    EXPECT_REJECT_AS("", "hostname caf\xc3\xa9", "hostname caf??", "invalid character (byte 0xc3)");
    EXPECT_REJECT_AS("", "nic1\voff", "nic1?off", "invalid character (byte 0x0b)");
    EXPECT_REJECT_AS("", "nic1 off\x7f", "nic1 off?", "invalid character (byte 0x7f)");
    EXPECT_REJECT_AS("", "nic1\x80off", "nic1?off", "invalid character (byte 0x80)");
    config_init(&c);
    capture_reset();
    CHECK_EQ_INT(config_parse(&c, nul_inside, sizeof nul_inside - 1, capture_error, NULL), 1);
    CHECK_ONE_ERROR("nic1?off", "invalid character (byte 0x00)");
    /* Bytes that are not ASCII are fine inside comments. */
    CHECK_EQ_INT(parse_text(&c, "nic1 off # caf\xc3\xa9 \x01\xff"), 0);
}

TEST(config_err_statement_too_long)
{
    char text[700], stmt[CFG_STMT_MAX];

    /* 600 characters of valid-looking words: too long whatever they say. */
    memset(text, 0, sizeof text);
    strcpy(text, "hostname");
    for (size_t i = strlen(text); i < 600; i++)
        text[i] = (i % 2) ? ' ' : 'a';
    memcpy(stmt, text, CFG_STMT_MAX - 4);
    memcpy(stmt + CFG_STMT_MAX - 4, "...", 4);
    CHECK_EQ_INT(parse_text(&c, text), 1);
    CHECK_ONE_ERROR(stmt, "statement too long (max 511 characters)");

    /* 511 characters is the longest statement: padding with blanks inside is fine. */
    memset(text, 0, sizeof text);
    memset(text, ' ', 511);
    memcpy(text, "nic1", 4);
    memcpy(text + 508, "off", 3);
    CHECK_EQ_INT(parse_text(&c, text), 0);
    CHECK_EQ_INT(c.nic[1].role, CFG_NIC_OFF);
    /* One more is too long. */
    memset(text, ' ', 512);
    memcpy(text, "nic1", 4);
    memcpy(text + 509, "off", 3);
    CHECK_EQ_INT(parse_text(&c, text), 1);
}

TEST(config_err_too_many_words)
{
    EXPECT_REJECT("", "dns 1.1.1.1 1.1.1.2 1.1.1.3 a b c d e f g h i j k l m n", "too many words");
}

/* --- numbers and addresses ------------------------------------------------------- */

TEST(config_err_bad_addresses)
{
    EXPECT_REJECT("", "nic1 nat 10.0.2.300/24", "bad address '10.0.2.300'");
    EXPECT_REJECT("", "nic1 nat 10.0.2/24", "bad address '10.0.2'");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0.0/24", "bad address '10.0.2.0.0'");
    EXPECT_REJECT("", "nic1 nat +10.0.2.0/24", "bad address '+10.0.2.0'");
    EXPECT_REJECT("", "nic1 nat 10..2.0/24", "bad address '10..2.0'");
    EXPECT_REJECT("", "nic1 nat .10.0.2.0/24", "bad address '.10.0.2.0'");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0./24", "bad address '10.0.2.0.'");
    EXPECT_REJECT("", "nic1 nat 010.0.2.0/24", "bad address '010.0.2.0'");
    EXPECT_REJECT("", "nic1 nat 10.0.2.00/24", "bad address '10.0.2.00'");
    EXPECT_REJECT("", "nic1 nat 10.0.2.-0/24", "bad address '10.0.2.-0'");
    EXPECT_REJECT("", "nic1 nat 0x0a.0.2.0/24", "bad address '0x0a.0.2.0'");
    EXPECT_REJECT("", "nic1 nat 10.0.2.4294967296/24", "bad address '10.0.2.4294967296'");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0 /24", "missing /PREFIX in '10.0.2.0'");
    EXPECT_REJECT("", "nic1 nat /24", "bad address ''");
    EXPECT_REJECT("", "nic1 nat 1234567890123456789/8", "bad address '1234567890123456789'");
    EXPECT_REJECT("", "dns 10.0.2.256", "bad address '10.0.2.256'");
    EXPECT_REJECT("", "dns ::1", "bad address '::1'");
}

TEST(config_err_bad_prefixes)
{
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/33", "prefix must be 0..32");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/", "prefix must be 0..32");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/-1", "prefix must be 0..32");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/024", "prefix must be 0..32");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/24/24", "prefix must be 0..32");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/255.255.255.0", "prefix must be 0..32");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0", "missing /PREFIX in '10.0.2.0'");
}

TEST(config_err_mtu)
{
    EXPECT_REJECT("", "nic1 mtu 67", "mtu must be 68..9000");
    EXPECT_REJECT("", "nic1 mtu 9001", "mtu must be 68..9000");
    EXPECT_REJECT("", "nic1 mtu 01500", "mtu must be 68..9000");
    EXPECT_REJECT("", "nic1 mtu 1500x", "mtu must be 68..9000");
    EXPECT_REJECT("", "nic1 mtu -1500", "mtu must be 68..9000");
    EXPECT_REJECT("", "nic1 mtu 99999999999999999999", "mtu must be 68..9000");
    EXPECT_REJECT("", "nic1 mtu", "mtu needs one number");
    EXPECT_REJECT("", "nic1 mtu 1500 1500", "mtu needs one number");
    /* A rejected MTU keeps the old one and the role. */
    EXPECT_REJECT("nic1 hostonly 192.168.56.1/24; nic1 mtu 1400", "nic1 mtu 0", "mtu must be 68..9000");
}

/* --- roles ------------------------------------------------------------------------- */

TEST(config_err_wan)
{
    EXPECT_REJECT("", "nic0 wan", "wan needs dhcp or ADDR/PREFIX gw GW");
    EXPECT_REJECT("", "nic0 wan dhcp now", "unexpected 'now'");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24", "a static WAN needs gw GW");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw", "gw needs an address");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns", "dns needs an address");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.1 gw 192.0.2.3", "'gw' given twice");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 dns 1.1.1.1 gw 192.0.2.1 dns 1.0.0.1", "'dns' given twice");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.1 via x", "unexpected 'via'");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2 gw 192.0.2.1", "missing /PREFIX in '192.0.2.2'");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24x gw 192.0.2.1", "prefix must be 0..32");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/0 gw 192.0.2.1", "WAN prefix must be 1..32");
    EXPECT_REJECT("", "nic0 wan 192.0.2.0/24 gw 192.0.2.1", "192.0.2.0 is the network address of its /24");
    EXPECT_REJECT("", "nic0 wan 192.0.2.255/24 gw 192.0.2.1", "192.0.2.255 is the broadcast address of its /24");
    EXPECT_REJECT("", "nic0 wan 127.0.0.2/8 gw 127.0.0.1", "127.0.0.2 is not a unicast host address");
    EXPECT_REJECT("", "nic0 wan 224.0.0.2/24 gw 224.0.0.1", "224.0.0.2 is not a unicast host address");
    EXPECT_REJECT("", "nic0 wan 0.1.2.3/8 gw 0.1.2.1", "0.1.2.3 is not a unicast host address");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 198.51.100.1", "gateway 198.51.100.1 is not in 192.0.2.2/24");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.2", "gateway 192.0.2.2 is the WAN address itself");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.255",
                  "gateway 192.0.2.255 is not a host address of 192.0.2.2/24");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 255.255.255.255", "255.255.255.255 is not a unicast host address");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns 1.1.1.1,1.0.0.1,8.8.8.8,8.8.4.4",
                  "too many dns servers (max 3)");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns 1.1.1.1,", "bad address ''");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns ,1.1.1.1", "bad address ''");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns 1.1.1.1,,1.0.0.1", "bad address ''");
    EXPECT_REJECT("", "nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns 0.0.0.0", "0.0.0.0 is not a unicast host address");
    /* A rejected role statement leaves the previous role whole. */
    EXPECT_REJECT("nic0 wan 192.0.2.2/24 gw 192.0.2.1 dns 192.0.2.1", "nic0 wan 198.51.100.2/24 gw 198.51.100.1 dns x",
                  "bad address 'x'");
}

TEST(config_err_nat)
{
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/28", "NAT network prefix must be 8..27");
    EXPECT_REJECT("", "nic1 nat 10.0.0.0/7", "NAT network prefix must be 8..27");
    EXPECT_REJECT("", "nic1 nat 0.0.0.0/0", "NAT network prefix must be 8..27");
    EXPECT_REJECT("", "nic1 nat 10.0.2.5/24", "10.0.2.5/24 is not a network address (10.0.2.0/24 is)");
    EXPECT_REJECT("", "nic1 nat 127.0.0.0/8", "127.0.0.0/8 is not a unicast network");
    EXPECT_REJECT("", "nic1 nat 0.0.0.0/8", "0.0.0.0/8 is not a unicast network");
    EXPECT_REJECT("", "nic1 nat 224.0.0.0/8", "224.0.0.0/8 is not a unicast network");
    EXPECT_REJECT("", "nic1 nat 240.0.0.0/8", "240.0.0.0/8 is not a unicast network");
    EXPECT_REJECT("", "nic1 nat dhcp", "dhcp must be followed by on or off");
    EXPECT_REJECT("", "nic1 nat dhcp maybe", "dhcp must be followed by on or off");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/24 dhcp off on", "unexpected 'on'");
    EXPECT_REJECT("", "nic1 nat 10.0.2.0/24 10.0.3.0/24", "unexpected '10.0.3.0/24'");
    EXPECT_REJECT("", "nic1 nat dhcp off 10.0.2.0/24", "unexpected '10.0.2.0/24'");
    EXPECT_REJECT("", "nic1 nat lab", "missing /PREFIX in 'lab'");
}

TEST(config_err_hostonly)
{
    EXPECT_REJECT("", "nic3 hostonly", "hostonly needs ADDR/PREFIX (vmgate's own address)");
    EXPECT_REJECT("", "nic3 hostonly dhcp off", "hostonly needs ADDR/PREFIX (vmgate's own address)");
    EXPECT_REJECT("", "nic3 hostonly 192.168.56.0/24", "192.168.56.0 is the network address of its /24");
    EXPECT_REJECT("", "nic3 hostonly 192.168.56.255/24", "192.168.56.255 is the broadcast address of its /24");
    EXPECT_REJECT("", "nic3 hostonly 192.168.56.1/31", "host-only prefix must be 8..30");
    EXPECT_REJECT("", "nic3 hostonly 192.168.56.1/7", "host-only prefix must be 8..30");
    EXPECT_REJECT("", "nic3 hostonly 127.0.0.1/8", "127.0.0.1 is not a unicast host address");
    EXPECT_REJECT("", "nic3 hostonly 192.168.56.1/24 dhcp", "dhcp must be followed by on or off");
    EXPECT_REJECT("", "nic3 hostonly 192.168.56.1/24 nat", "unexpected 'nat'");
}

TEST(config_err_named_ports)
{
    EXPECT_REJECT("", "nic2 natnet", "missing network name");
    EXPECT_REJECT("", "nic2 intnet", "missing network name");
    EXPECT_REJECT("", "nic2 intnet lab extra", "unexpected 'extra'");
    EXPECT_REJECT("", "nic2 intnet abcdefghijklmnopqrstuvwxyz012345",
                  "network name too long (max 31 characters)");
    EXPECT_REJECT("", "nic2 intnet lab!", "bad network name 'lab!' (letters, digits, '.', '_', '-')");
    EXPECT_REJECT("", "nic2 intnet a,b", "bad network name 'a,b' (letters, digits, '.', '_', '-')");
    EXPECT_REJECT("", "nic2 natnet nic3", "'nic3' is a NIC, not a natnetwork");
}

TEST(config_err_natnetwork)
{
    char text[1024];
    size_t o = 0;

    EXPECT_REJECT("", "natnetwork", "natnetwork needs NAME NET/PREFIX");
    EXPECT_REJECT("", "natnetwork lab", "natnetwork needs NAME NET/PREFIX");
    EXPECT_REJECT("", "natnetwork nic1 10.0.5.0/24", "'nic1' is a NIC name and cannot name a natnetwork");
    EXPECT_REJECT("", "natnetwork la:b 10.0.5.0/24",
                  "bad natnetwork name 'la:b' (letters, digits, '.', '_', '-')");
    EXPECT_REJECT("", "natnetwork lab 10.0.5.1/24", "10.0.5.1/24 is not a network address (10.0.5.0/24 is)");
    EXPECT_REJECT("", "natnetwork lab 10.0.5.0/30", "NAT network prefix must be 8..27");
    EXPECT_REJECT("", "natnetwork lab 10.0.5.0/24 dhcp", "dhcp must be followed by on or off");
    EXPECT_REJECT("", "natnetwork lab 10.0.5.0/24 extra", "unexpected 'extra'");
    /* A failed redefinition keeps the old one. */
    EXPECT_REJECT("natnetwork lab 10.0.5.0/24", "natnetwork lab 10.0.6.0/33", "prefix must be 0..32");

    for (int i = 0; i < CFG_MAX_NATNETS; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "natnetwork n%d 10.%d.0.0/16\n", i, 10 + i);
    EXPECT_REJECT(text, "natnetwork one-more 10.99.0.0/16", "too many natnetworks (max 8)");
    /* Redefining one when the table is full is fine. */
    CHECK_EQ_INT(parse_text(&c, text), 0);
    CHECK_EQ_INT(config_parse(&c, "natnetwork n3 10.98.0.0/16", 26, capture_error, NULL), 0);
    CHECK_EQ_INT(c.natnet[3].net, IP4(10, 98, 0, 0));
}

/* --- natpf ------------------------------------------------------------------------- */

TEST(config_err_natpf_shape)
{
    EXPECT_REJECT("", "natpf", "natpf needs nicN or a natnetwork, then one rule");
    EXPECT_REJECT("", "natpf nic1", "natpf needs nicN or a natnetwork, then one rule");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,2222,,22 extra", "natpf needs nicN or a natnetwork, then one rule");
    EXPECT_REJECT("", "natpf nic9 ssh,tcp,,2222,,22", "nic9: no such NIC (nic0..nic7)");
    EXPECT_REJECT("", "natpf la$b ssh,tcp,,2222,10.0.5.5,22",
                  "bad natnetwork name 'la$b' (letters, digits, '.', '_', '-')");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,2222,22",
                  "bad rule: expected name,proto,hostip,hostport,guestip,guestport");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,2222,,22,",
                  "bad rule: expected name,proto,hostip,hostport,guestip,guestport");
    EXPECT_REJECT("", "natpf nic1 ssh", "bad rule: expected name,proto,hostip,hostport,guestip,guestport");
    EXPECT_REJECT("", "natpf lab ssh:tcp:[]:2222:[10.0.5.5]",
                  "bad rule: expected name:proto:[hostip]:hostport:[guestip]:guestport");
    EXPECT_REJECT("", "natpf lab ssh:tcp:[::1]:2222:[10.0.5.5]:22",
                  "bad rule: expected name:proto:[hostip]:hostport:[guestip]:guestport");
    EXPECT_REJECT("", "natpf nic1 ssh:tcp:[]:2222:[10.0.2.15]:22",
                  "the name:proto:[hostip]:hostport:[guestip]:guestport form is for natnetworks; "
                  "use name,proto,hostip,hostport,guestip,guestport");
}

TEST(config_err_natpf_fields)
{
    EXPECT_REJECT("", "natpf nic1 ,tcp,,2222,,22", "missing rule name");
    EXPECT_REJECT("", "natpf nic1 a.very.long.rule.name.over.31.chars,tcp,,2222,,22",
                  "rule name too long (max 31 characters)");
    EXPECT_REJECT("", "natpf nic1 s/h,tcp,,2222,,22", "bad rule name 's/h' (letters, digits, '.', '_', '-')");
    EXPECT_REJECT("", "natpf nic1 ssh,TCP,,2222,,22", "bad protocol 'TCP' (tcp or udp)");
    EXPECT_REJECT("", "natpf nic1 ping,icmp,,1,,1", "bad protocol 'icmp' (tcp or udp)");
    EXPECT_REJECT("", "natpf nic1 ssh,,,2222,,22", "bad protocol '' (tcp or udp)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,0,,22", "bad host port '0' (1..65535)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,65536,,22", "bad host port '65536' (1..65535)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,,,22", "bad host port '' (1..65535)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,+22,,22", "bad host port '+22' (1..65535)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,022,,22", "bad host port '022' (1..65535)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,2222,,0", "bad guest port '0' (1..65535)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,2222,,65536", "bad guest port '65536' (1..65535)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,2222,,22x", "bad guest port '22x' (1..65535)");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,1.2.3,2222,,22", "bad host IP '1.2.3'");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,[1.2.3.4],2222,,22", "bad host IP '[1.2.3.4]'");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,2222,10.0.2.300,22", "bad guest IP '10.0.2.300'");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,224.0.0.1,2222,,22", "host IP 224.0.0.1 is not a unicast host address");
    EXPECT_REJECT("", "natpf nic1 ssh,tcp,,2222,127.0.0.1,22", "guest IP 127.0.0.1 is not a unicast host address");
    EXPECT_REJECT("", "natpf lab ssh:tcp:[1.2.3.4:2222:[10.0.5.5]:22", "bad host IP '[1.2.3.4'");
    EXPECT_REJECT("", "natpf lab ssh:tcp:[1234567890123456789]:2222:[10.0.5.5]:22",
                  "bad host IP '[1234567890123456789]'");
    EXPECT_REJECT("", "natpf lab ssh:tcp:[]:2222:[10.0.5.5.]:22", "bad guest IP '10.0.5.5.'");
}

TEST(config_err_natpf_natnetwork_needs_guest_ip)
{
    EXPECT_REJECT("", "natpf lab ssh,tcp,,2222,,22", "a natnetwork rule needs a guest IP");
    EXPECT_REJECT("", "natpf lab ssh:tcp:[]:2222:[]:22", "a natnetwork rule needs a guest IP");
    EXPECT_REJECT("", "natpf lab ssh,tcp,,2222,0.0.0.0,22", "a natnetwork rule needs a guest IP");
}

TEST(config_err_natpf_duplicates)
{
    EXPECT_REJECT("natpf nic1 ssh,tcp,,2222,,22", "natpf nic1 ssh,udp,,5000,,22",
                  "duplicate natpf rule name 'ssh'");
    EXPECT_REJECT("natpf lab ssh,tcp,,2222,10.0.5.5,22", "natpf lab ssh:udp:[]:5000:[10.0.5.5]:22",
                  "duplicate natpf rule name 'ssh'");
    EXPECT_REJECT("natpf nic1 ssh,tcp,,2222,,22", "natpf nic2 other,tcp,,2222,,22",
                  "tcp port 2222 on any address is already forwarded by rule 'ssh'");
    EXPECT_REJECT("natpf nic1 ssh,tcp,192.0.2.2,2222,,22", "natpf nic2 other,tcp,,2222,,22",
                  "tcp port 2222 on any address is already forwarded by rule 'ssh'");
    EXPECT_REJECT("natpf nic1 ssh,udp,,2222,,22", "natpf lab other,udp,192.0.2.2,2222,10.0.5.5,22",
                  "udp port 2222 on 192.0.2.2 is already forwarded by rule 'ssh'");
}

TEST(config_err_natpf_too_many)
{
    char text[CFG_MAX_NATPF * 40];
    size_t o = 0;

    for (int i = 0; i < CFG_MAX_NATPF; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "natpf nic1 r%d,tcp,,%d,,22\n", i, 1000 + i);
    EXPECT_REJECT(text, "natpf nic1 last,tcp,,9999,,22", "too many natpf rules (max 64)");
}

/* --- dhcp, dns, hostname ------------------------------------------------------------ */

TEST(config_err_dhcp_host_shape)
{
    EXPECT_REJECT("", "dhcp", "dhcp needs nicN host MAC IP, or OWNER lease|domain|pool ...");
    EXPECT_REJECT("", "dhcp nic9 host 52:54:00:12:34:56 10.0.2.20", "nic9: no such NIC (nic0..nic7)");
    EXPECT_REJECT("natnetwork lab 10.0.5.0/24", "dhcp lab host 52:54:00:12:34:56 10.0.5.20",
                  "dhcp host takes a NIC (a reservation on any port of a NAT Network is the network's)");
    EXPECT_REJECT("", "dhcp nic1", "dhcp needs nicN host MAC IP, or OWNER lease|domain|pool ...");
    EXPECT_REJECT("", "dhcp nic1 range 10.0.2.15 10.0.2.99", "unexpected 'range' (lease, domain, pool or host)");
    EXPECT_REJECT("", "dhcp nic1 host", "dhcp host needs MAC IP [name NAME] [boot FILE]");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56", "dhcp host needs MAC IP [name NAME] [boot FILE]");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name", "dhcp host needs MAC IP [name NAME] [boot FILE]");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 label vm1", "unexpected 'label' (name, boot)");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name vm1 x", "dhcp host needs MAC IP [name NAME] [boot FILE]");
}

TEST(config_err_dhcp_host_bad_macs)
{
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34 10.0.2.20", "bad MAC '52:54:00:12:34' (aa:bb:cc:dd:ee:ff)");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56:78 10.0.2.20",
                  "bad MAC '52:54:00:12:34:56:78' (aa:bb:cc:dd:ee:ff)");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:5g 10.0.2.20", "bad MAC '52:54:00:12:34:5g' (aa:bb:cc:dd:ee:ff)");
    EXPECT_REJECT("", "dhcp nic1 host 52-54:00:12:34:56 10.0.2.20", "bad MAC '52-54:00:12:34:56' (aa:bb:cc:dd:ee:ff)");
    EXPECT_REJECT("", "dhcp nic1 host 52.54.00.12.34.56 10.0.2.20", "bad MAC '52.54.00.12.34.56' (aa:bb:cc:dd:ee:ff)");
    EXPECT_REJECT("", "dhcp nic1 host 5:54:00:12:34:56:7 10.0.2.20", "bad MAC '5:54:00:12:34:56:7' (aa:bb:cc:dd:ee:ff)");
    EXPECT_REJECT("", "dhcp nic1 host 525400123456 10.0.2.20", "bad MAC '525400123456' (aa:bb:cc:dd:ee:ff)");
    EXPECT_REJECT("", "dhcp nic1 host 01:00:5e:00:00:01 10.0.2.20", "01:00:5e:00:00:01 is a multicast MAC");
    EXPECT_REJECT("", "dhcp nic1 host ff:ff:ff:ff:ff:ff 10.0.2.20", "ff:ff:ff:ff:ff:ff is a multicast MAC");
    EXPECT_REJECT("", "dhcp nic1 host 00:00:00:00:00:00 10.0.2.20", "00:00:00:00:00:00 is not a NIC's MAC");
}

TEST(config_err_dhcp_host_values)
{
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2", "bad address '10.0.2'");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 0.0.0.0", "0.0.0.0 is not a unicast host address");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name vm_1", "bad host name 'vm_1'");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name -vm", "bad host name '-vm'");
    EXPECT_REJECT("dhcp nic1 host 52:54:00:12:34:56 10.0.2.20", "dhcp nic1 host 52:54:00:00:00:01 10.0.2.20",
                  "10.0.2.20 is already reserved on nic1 for 52:54:00:12:34:56");
    /* Replacing a MAC's reservation must not take another MAC's address either. */
    EXPECT_REJECT("dhcp nic1 host 52:54:00:12:34:56 10.0.2.20; dhcp nic1 host 52:54:00:00:00:01 10.0.2.21",
                  "dhcp nic1 host 52:54:00:00:00:01 10.0.2.20",
                  "10.0.2.20 is already reserved on nic1 for 52:54:00:12:34:56");
}

TEST(config_err_dhcp_host_too_many)
{
    char text[CFG_MAX_HOSTS * 64];
    size_t o = 0;

    for (int i = 0; i < CFG_MAX_HOSTS; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "dhcp nic1 host 52:54:00:00:00:%02x 10.0.2.%d\n",
                              i, 100 + i);
    EXPECT_REJECT(text, "dhcp nic1 host 52:54:00:00:01:00 10.0.2.200", "too many dhcp hosts (max 64)");
    /* A replacement needs no new slot. */
    CHECK_EQ_INT(parse_text(&c, text), 0);
    CHECK_EQ_INT(config_parse(&c, "dhcp nic1 host 52:54:00:00:00:00 10.0.2.201", 43, capture_error, NULL), 0);
}

TEST(config_err_dns)
{
    EXPECT_REJECT("", "dns", "dns needs at least one address");
    EXPECT_REJECT("", "dns 1.1.1.1 1.0.0.1 8.8.8.8 8.8.4.4", "too many dns servers (max 3)");
    EXPECT_REJECT("", "dns 1.1.1.1,1.0.0.1", "bad address '1.1.1.1,1.0.0.1'");
    EXPECT_REJECT("", "dns 255.255.255.255", "255.255.255.255 is not a unicast host address");
    EXPECT_REJECT("dns 192.0.2.53", "dns 192.0.2.54 bad", "bad address 'bad'");
}

TEST(config_err_hostname)
{
    EXPECT_REJECT("", "hostname", "hostname needs one name");
    EXPECT_REJECT("", "hostname a b", "hostname needs one name");
    EXPECT_REJECT("", "hostname -gate", "bad host name '-gate'");
    EXPECT_REJECT("", "hostname gate-", "bad host name 'gate-'");
    EXPECT_REJECT("", "hostname gate.-lab", "bad host name 'gate.-lab'");
    EXPECT_REJECT("", "hostname gate..lab", "bad host name 'gate..lab'");
    EXPECT_REJECT("", "hostname .gate", "bad host name '.gate'");
    EXPECT_REJECT("", "hostname gate.", "bad host name 'gate.'");
    EXPECT_REJECT("", "hostname under_score", "bad host name 'under_score'");
    EXPECT_REJECT("", "hostname abcdefghijklmnopqrstuvwxyz012345", "host name too long (max 31 characters)");
    EXPECT_REJECT("hostname keep", "hostname bad!", "bad host name 'bad!'");
}
