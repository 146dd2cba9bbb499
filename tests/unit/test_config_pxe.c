/* `pxe OWNER [bios F] [efi F] [ipxe F] [http F|URL]`, `pxe OWNER off` and
 * `dhcp nicN host MAC IP [name NAME] [boot FILE]`: parsing, what finalize drops
 * once the networks are known, the text written back and config_equal. */
#include "config_helpers.h"

#include <stdio.h>
#include <string.h>

static struct vmgate_config c, again;
static char text[32768];

#define CHECK_ROUND_TRIP(n) CONFIG_ROUND_TRIP(&c, (n))

TEST(config_pxe_forms)
{
    CHECK_EQ_INT(parse_text(&c, "pxe nic1 bios pxelinux.0 efi debian/grubx64.efi ipxe boot.ipxe "
                                "http http://10.0.2.2/ipxe.efi"), 0);
    CHECK(!c.nic[1].pxe.off);
    CHECK_EQ_STR(c.nic[1].pxe.bios, "pxelinux.0");
    CHECK_EQ_STR(c.nic[1].pxe.efi, "debian/grubx64.efi");
    CHECK_EQ_STR(c.nic[1].pxe.ipxe, "boot.ipxe");
    CHECK_EQ_STR(c.nic[1].pxe.http, "http://10.0.2.2/ipxe.efi");
    /* Any order, any subset; ipxe and http take URLs, http a file name too. */
    CHECK_EQ_INT(parse_text(&c, "pxe nic2 http ipxe.efi ipxe https://boot.example/menu.ipxe"), 0);
    CHECK_EQ_STR(c.nic[2].pxe.http, "ipxe.efi");
    CHECK_EQ_STR(c.nic[2].pxe.ipxe, "https://boot.example/menu.ipxe");
    CHECK_EQ_STR(c.nic[2].pxe.bios, "");
    /* A natnetwork by name; `pxe OWNER` alone is on with the defaults. */
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24; pxe lab off; pxe nic3"), 0);
    CHECK(c.natnet[0].pxe.off);
    CHECK(!c.nic[3].pxe.off);
    /* The longest name: 127 characters. */
    char stmt[300], name[CFG_FILE_MAX];
    memset(name, 'f', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(stmt, sizeof stmt, "pxe nic1 efi %s", name);
    CHECK_EQ_INT(parse_text(&c, stmt), 0);
    CHECK_EQ_STR(c.nic[1].pxe.efi, name);
}

TEST(config_pxe_accumulates_off_forgets_and_settings_survive_roles)
{
    CHECK_EQ_INT(parse_text(&c, "pxe nic1 bios a.0; nic1 nat 10.0.9.0/24; pxe nic1 efi b.efi;"
                                "nic1 hostonly 192.168.56.1/24"), 0);
    CHECK_EQ_STR(c.nic[1].pxe.bios, "a.0");
    CHECK_EQ_STR(c.nic[1].pxe.efi, "b.efi");
    CHECK_EQ_INT(parse_text(&c, "pxe nic1 bios a.0; pxe nic1 bios c.0"), 0);
    CHECK_EQ_STR(c.nic[1].pxe.bios, "c.0");
    /* off forgets the files; a later statement turns PXE on again. */
    CHECK_EQ_INT(parse_text(&c, "pxe nic1 bios a.0 efi b.efi; pxe nic1 off"), 0);
    CHECK(c.nic[1].pxe.off);
    CHECK_EQ_STR(c.nic[1].pxe.bios, "");
    CHECK_EQ_STR(c.nic[1].pxe.efi, "");
    CHECK_EQ_INT(parse_text(&c, "pxe nic1 off; pxe nic1 ipxe x.ipxe"), 0);
    CHECK(!c.nic[1].pxe.off);
    CHECK_EQ_STR(c.nic[1].pxe.ipxe, "x.ipxe");
    /* A natnetwork redefined keeps its PXE settings. */
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24; pxe lab bios lab.0;"
                                "natnetwork lab 10.0.6.0/24"), 0);
    CHECK_EQ_STR(c.natnet[0].pxe.bios, "lab.0");
}

TEST(config_pxe_rejected)
{
    EXPECT_REJECT("", "pxe", "pxe needs OWNER [bios F] [efi F] [ipxe F] [http F], or OWNER off");
    EXPECT_REJECT("", "pxe nic9 bios a", "nic9: no such NIC (nic0..nic7)");
    EXPECT_REJECT("", "pxe lab bios a", "no natnetwork 'lab' declared before");
    EXPECT_REJECT("", "pxe nic1 menu a", "unexpected 'menu' (bios, efi, ipxe, http, or off alone)");
    EXPECT_REJECT("", "pxe nic1 off now", "unexpected 'off' (bios, efi, ipxe, http, or off alone)");
    EXPECT_REJECT("", "pxe nic1 bios", "bios needs a file name");
    EXPECT_REJECT("", "pxe nic1 bios a bios b", "'bios' given twice");
    EXPECT_REJECT("", "pxe nic1 bios /pxelinux.0",
                  "bios: '/pxelinux.0' is not a relative path of the boot files (no leading /, "
                  "no . or .. parts, no \\)");
    EXPECT_REJECT("", "pxe nic1 efi ../boot.efi",
                  "efi: '../boot.efi' is not a relative path of the boot files (no leading /, "
                  "no . or .. parts, no \\)");
    EXPECT_REJECT("", "pxe nic1 efi a/./b.efi",
                  "efi: 'a/./b.efi' is not a relative path of the boot files (no leading /, "
                  "no . or .. parts, no \\)");
    EXPECT_REJECT("", "pxe nic1 efi a//b.efi",
                  "efi: 'a//b.efi' is not a relative path of the boot files (no leading /, "
                  "no . or .. parts, no \\)");
    EXPECT_REJECT("", "pxe nic1 efi efi\\boot.efi",
                  "efi: 'efi\\boot.efi' is not a relative path of the boot files (no leading /, "
                  "no . or .. parts, no \\)");
    EXPECT_REJECT("", "pxe nic1 ipxe dir/",
                  "ipxe: 'dir/' is not a relative path of the boot files (no leading /, "
                  "no . or .. parts, no \\)");
    EXPECT_REJECT("", "pxe nic1 bios http://10.0.2.2/pxelinux.0",
                  "bios is fetched by TFTP: give a file name, not a URL");
    EXPECT_REJECT("", "pxe nic1 efi https://a/b.efi",
                  "efi is fetched by TFTP: give a file name, not a URL");
    EXPECT_REJECT("", "pxe nic1 http http://", "http: 'http://' names no server");
    char stmt[300], name[CFG_FILE_MAX + 1];
    memset(name, 'f', sizeof name - 1);
    name[sizeof name - 1] = '\0';                   /* 128 characters */
    snprintf(stmt, sizeof stmt, "pxe nic1 efi %s", name);
    EXPECT_REJECT("", stmt, "efi: name too long (max 127 characters)");
    /* A statement applies wholly or not at all: a good file before a bad one is
     * not kept (EXPECT_REJECT compares the whole configuration). */
    EXPECT_REJECT("pxe nic1 bios old.0", "pxe nic1 bios new.0 efi /x",
                  "efi: '/x' is not a relative path of the boot files (no leading /, "
                  "no . or .. parts, no \\)");
    EXPECT_REJECT("pxe nic1 off", "pxe nic1 bios new.0 bios x", "'bios' given twice");
}

TEST(config_pxe_host_boot)
{
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 boot special/lpxelinux.0"), 0);
    CHECK_EQ_STR(c.host[0].boot, "special/lpxelinux.0");
    CHECK_EQ_STR(c.host[0].name, "");
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 boot x.0 name vm1;"
                                "dhcp nic1 host 52:54:00:12:34:57 10.0.2.21 name vm2 boot http://a/b"), 0);
    CHECK_EQ_STR(c.host[0].boot, "x.0");
    CHECK_EQ_STR(c.host[0].name, "vm1");
    CHECK_EQ_STR(c.host[1].boot, "http://a/b");
    /* A reservation again for the same MAC replaces the whole of it. */
    CHECK_EQ_INT(parse_text(&c, "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 boot x.0;"
                                "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name vm1"), 0);
    CHECK_EQ_INT(c.n_hosts, 1);
    CHECK_EQ_STR(c.host[0].boot, "");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 boot",
                  "dhcp host needs MAC IP [name NAME] [boot FILE]");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 boot a boot b", "'boot' given twice");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name a name b", "'name' given twice");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 boot /a",
                  "boot: '/a' is not a relative path of the boot files (no leading /, "
                  "no . or .. parts, no \\)");
    EXPECT_REJECT("", "dhcp nic1 host 52:54:00:12:34:56 10.0.2.20 name vm1 boot x.0 extra",
                  "dhcp host needs MAC IP [name NAME] [boot FILE]");
}

TEST(config_pxe_finalize_drops_settings_of_networks_without_dhcp)
{
    /* nic0 is the WAN, nic2 serves no DHCP, nic5 is absent, nic3 is an internal
     * network: their settings go, each reported as its own statement. */
    CHECK_EQ_INT(parse_text(&c, "pxe nic0 bios a.0; nic2 nat dhcp off; pxe nic2 off; nic3 intnet x;"
                                "pxe nic3 efi b.efi; pxe nic5 ipxe c.ipxe; pxe nic1 bios d.0"), 0);
    finalize(&c, 4);
    REQUIRE_EQ_INT(cap.n, 4);
    CHECK_EQ_STR(cap.stmt[0], "pxe nic5 ipxe c.ipxe");
    CHECK_EQ_STR(cap.why[0], "nic5: no such NIC (found nic0..nic3)");
    CHECK_EQ_STR(cap.stmt[1], "pxe nic0 bios a.0");
    CHECK_EQ_STR(cap.why[1], "nic0 serves no DHCP (wan)");
    CHECK_EQ_STR(cap.stmt[2], "pxe nic2 off");
    CHECK_EQ_STR(cap.why[2], "nic2 serves no DHCP (nat dhcp off)");
    CHECK_EQ_STR(cap.stmt[3], "pxe nic3 efi b.efi");
    CHECK_EQ_STR(cap.why[3], "nic3 serves no DHCP (intnet)");
    CHECK_EQ_STR(c.nic[0].pxe.bios, "");
    CHECK(!c.nic[2].pxe.off);
    CHECK_EQ_STR(c.nic[1].pxe.bios, "d.0");
    CHECK_ROUND_TRIP(4);
}

TEST(config_pxe_finalize_natnetworks)
{
    /* Ports take their network's policy; a port's own differing one is reported;
     * a natnetwork without DHCP loses its policy. */
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24; pxe lab bios lab.0 ipxe lab.ipxe;"
                                "natnetwork dark 10.0.6.0/24 dhcp off; pxe dark efi x.efi;"
                                "nic1 natnet lab; nic2 natnet lab; pxe nic2 bios own.0;"
                                "nic3 natnet dark"), 0);
    finalize(&c, 4);
    REQUIRE_EQ_INT(cap.n, 2);
    CHECK_EQ_STR(cap.stmt[0], "pxe dark efi x.efi");
    CHECK_EQ_STR(cap.why[0], "the natnetwork serves no DHCP (dhcp off)");
    CHECK_EQ_STR(cap.stmt[1], "pxe nic2 bios own.0");
    CHECK_EQ_STR(cap.why[1], "nic2 is a port of NAT Network lab: say pxe lab ...");
    CHECK_EQ_STR(c.nic[1].pxe.bios, "lab.0");
    CHECK_EQ_STR(c.nic[2].pxe.bios, "lab.0");
    CHECK_EQ_STR(c.nic[2].pxe.ipxe, "lab.ipxe");
    CHECK_EQ_STR(c.nic[3].pxe.efi, "");
    CHECK_ROUND_TRIP(4);
}

TEST(config_pxe_format_round_trips)
{
    CHECK_EQ_INT(parse_text(&c, "natnetwork lab 10.0.5.0/24; pxe lab off; nic1 nat;"
                                "pxe nic1 bios pxelinux.0 efi ipxe.efi ipxe boot.ipxe; nic2 natnet lab;"
                                "nic3 hostonly 192.168.56.1/24; pxe nic3 http http://192.168.56.1/x.efi;"
                                "dhcp nic1 host 52:54:00:00:00:01 10.0.2.20 name vm1 boot vm1/boot.0;"
                                "dhcp nic3 host 52:54:00:00:00:02 192.168.56.20 boot b.0"), 0);
    finalize(&c, 4);
    CHECK_EQ_INT(cap.n, 0);
    config_format(&c, 4, text, sizeof text);
    CHECK(strstr(text, "\npxe lab off\n") != NULL);
    CHECK(strstr(text, "\npxe nic1 bios pxelinux.0 efi ipxe.efi ipxe boot.ipxe\n") != NULL);
    CHECK(strstr(text, "\npxe nic3 http http://192.168.56.1/x.efi\n") != NULL);
    CHECK(strstr(text, "host 52:54:00:00:00:01 10.0.2.20 name vm1 boot vm1/boot.0\n") != NULL);
    CHECK(strstr(text, "pxe nic2") == NULL);        /* a port's is its network's */
    CHECK_ROUND_TRIP(4);
}

TEST(config_pxe_format_splits_what_does_not_fit_one_statement)
{
    /* Four names of 127 characters on one natnetwork: one statement would be
     * longer than the parser takes, so each file gets its own. */
    static char big[32768];
    char name[CFG_FILE_MAX];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    size_t o = (size_t)snprintf(big, sizeof big, "natnetwork natnetwork-name-of-31-character 10.0.5.0/24;"
                                                 "nic1 natnet natnetwork-name-of-31-character;");
    static const char *const keys[] = { "bios", "efi", "ipxe", "http" };
    for (int k = 0; k < 4; k++)
        o += (size_t)snprintf(big + o, sizeof big - o, "pxe natnetwork-name-of-31-character %s %s;",
                              keys[k], name);
    for (int i = 0; i < CFG_MAX_HOSTS; i++)
        o += (size_t)snprintf(big + o, sizeof big - o,
                              "dhcp nic1 host 02:00:00:00:00:%02x 10.0.5.%d name host-name-of-31-characters-x%03d "
                              "boot %s\n", i, 100 + i, i, name);
    CHECK_EQ_INT(parse_text(&c, big), 0);
    finalize(&c, 2);
    CHECK_EQ_INT(cap.n, 0);
    CHECK_EQ_STR(c.nic[1].pxe.http, name);
    config_format(&c, 2, text, sizeof text);
    CHECK(strstr(text, "pxe natnetwork-name-of-31-character bios nnn") != NULL);
    CHECK(strstr(text, "pxe natnetwork-name-of-31-character http nnn") != NULL);
    CHECK_ROUND_TRIP(2);
}

TEST(config_pxe_equal_sees_pxe_and_boot)
{
    static const char base[] = "natnetwork n 10.9.0.0/16; pxe n bios a.0; pxe nic1 efi b.efi;"
                               "dhcp nic1 host 52:54:00:00:00:01 10.0.2.20 boot c.0";
    parse_text(&c, base);
    parse_text(&again, base);
    CHECK(config_equal(&c, &again));
    again.natnet[0].pxe.bios[0] = 'x';
    CHECK(!config_equal(&c, &again));
    parse_text(&again, base);
    again.nic[1].pxe.off = true;
    CHECK(!config_equal(&c, &again));
    parse_text(&again, base);
    again.nic[1].pxe.http[0] = 'h';
    CHECK(!config_equal(&c, &again));
    parse_text(&again, base);
    again.host[0].boot[0] = 'd';
    CHECK(!config_equal(&c, &again));
}
