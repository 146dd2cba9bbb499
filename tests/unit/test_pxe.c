/* The DHCP PXE policy (net/pxe.h): each client kind and the file it gets, iPXE,
 * HTTP Boot, per-host files, NAME.pxe present and absent, defaults that need their
 * file, off, malformed option 93, and the whole path through the DHCP server
 * (the options reach the reply, and fit a 576-byte one). Requests are the ones
 * the real clients send (reference/README.md: iPXE, edk2's PXE and HTTP Boot). */
#include "unit.h"
#include "dhcps_helpers.h"
#include "net/pxe.h"

#include <stdio.h>
#include <string.h>

static struct pxe_policy pol;
static struct cmsg m;
static struct dhcp_msg req;
static struct dhcps_boot boot;
static char name[PXE_URL_MAX];

/* The root the policy asks: the files named here exist. */
static const char *root_files[8];

static bool fake_exists(void *ctx, const char *path)
{
    (void)ctx;
    for (unsigned i = 0; i < 8 && root_files[i]; i++)
        if (strcmp(root_files[i], path) == 0)
            return true;
    return false;
}

static void setup(void)
{
    memset(&pol, 0, sizeof pol);
    memset(root_files, 0, sizeof root_files);
    pol.server_ip = NAT_GW;
    pol.exists = fake_exists;
}

static void arch_opt(uint16_t arch)
{
    uint8_t v[2] = { (uint8_t)(arch >> 8), (uint8_t)arch };
    cmsg_opt(&m, DHCP_OPT_CLIENT_ARCH, v, 2);
}

static void vendor_opt(const char *s)
{
    cmsg_opt(&m, DHCP_OPT_VENDOR_CLASS, s, strlen(s));
}

/* The requests of the clients the lab boots. */
static void begin(uint8_t n)
{
    cmsg_begin(&m, DHCPDISCOVER, n, 0x77);
}

static void ipxe_bios(uint8_t n)
{
    begin(n);
    arch_opt(PXE_ARCH_BIOS);
    vendor_opt("PXEClient:Arch:00000:UNDI:002001");
    cmsg_opt(&m, DHCP_OPT_USER_CLASS, "iPXE", 4);
    uint8_t encap[] = { 0xb1, 0x05, 0x01, 0x10, 0xec, 0x80, 0x00 };
    cmsg_opt(&m, PXE_OPT_IPXE_ENCAP, encap, sizeof encap);
}

static void edk2_pxe(uint8_t n, uint16_t arch)
{
    begin(n);
    vendor_opt("PXEClient:Arch:00007:UNDI:003000");
    arch_opt(arch);
}

static void edk2_http(uint8_t n)
{
    begin(n);
    vendor_opt("HTTPClient:Arch:00016:UNDI:003001");
    arch_opt(16);
}

/* Ends the message, parses it and decides. */
static enum pxe_choice decide(void)
{
    cmsg_end(&m);
    REQUIRE_EQ_INT(dhcp_msg_parse(&req, m.buf, m.len), 0);
    memset(&boot, 0, sizeof boot);
    memset(name, 0, sizeof name);
    return pxe_decide(&pol, &req, &boot, name);
}

/* The value of option code in the boot block, or NULL. */
static const uint8_t *boot_opt(uint8_t code, size_t *len)
{
    for (size_t i = 0; i + 2 <= boot.opts_len; i += 2 + (size_t)boot.opts[i + 1]) {
        if (boot.opts[i] == code) {
            *len = boot.opts[i + 1];
            return boot.opts + i + 2;
        }
    }
    *len = 0;
    return NULL;
}

static bool boot_opt_is(uint8_t code, const char *s)
{
    size_t len;
    const uint8_t *v = boot_opt(code, &len);
    return v && len == strlen(s) && memcmp(v, s, len) == 0;
}

/* siaddr, the file field and options 66 and 67 all give the server and file. */
static void check_boots(const char *file)
{
    CHECK_EQ_INT(boot.siaddr, NAT_GW);
    CHECK_EQ_STR((const char *)boot.file, file);
    CHECK_EQ_STR(name, file);
    CHECK(boot_opt_is(DHCP_OPT_BOOTFILE, file));
    CHECK(boot_opt_is(DHCP_OPT_TFTP_SERVER, "10.0.2.2"));
}

static void check_nothing(void)
{
    static const struct dhcps_boot empty;
    CHECK_MEM(&boot, &empty, sizeof boot);
    CHECK_EQ_STR(name, "");
}

TEST(pxe_bios_client_gets_the_bios_file_and_the_pxeclient_echo)
{
    setup();
    strcpy(pol.bios, "pxelinux.0");
    strcpy(pol.efi, "grubx64.efi");
    begin(1);
    vendor_opt("PXEClient:Arch:00000:UNDI:002001");
    arch_opt(PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    check_boots("pxelinux.0");
    CHECK(boot_opt_is(DHCP_OPT_VENDOR_CLASS, "PXEClient"));
    /* Option 43: PXE_DISCOVERY_CONTROL = 8 (use the file, no discovery), End. */
    size_t len;
    const uint8_t *v = boot_opt(PXE_OPT_VENDOR, &len);
    static const uint8_t want[] = { 6, 1, 8, 255 };
    REQUIRE(v != NULL);
    CHECK_EQ_INT(len, 4);
    CHECK_MEM(v, want, 4);
    CHECK_EQ_INT(pol.stats.kind[PXE_KIND_BIOS], 1);
    CHECK_EQ_INT(pol.stats.chose[PXE_CHOSE_KIND], 1);
}

TEST(pxe_a_pxeclient_without_option_93_is_bios)
{
    setup();
    strcpy(pol.bios, "old.0");
    begin(1);
    vendor_opt("PXEClient");
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    check_boots("old.0");
}

TEST(pxe_efi_architectures_6_7_and_9_get_the_efi_file)
{
    static const uint16_t archs[] = { 6, 7, 9 };
    for (unsigned i = 0; i < 3; i++) {
        setup();
        strcpy(pol.bios, "pxelinux.0");
        strcpy(pol.efi, "ipxe.efi");
        edk2_pxe(2, archs[i]);
        CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
        check_boots("ipxe.efi");
        CHECK(boot_opt_is(DHCP_OPT_VENDOR_CLASS, "PXEClient"));
        CHECK(boot_opt(PXE_OPT_VENDOR, &(size_t){0}) != NULL);
        CHECK_EQ_INT(pol.stats.kind[PXE_KIND_EFI], 1);
    }
}

TEST(pxe_other_architectures_get_nothing)
{
    static const uint16_t archs[] = { 1, 2, 10, 11, 15, 16, 0xffff };
    for (unsigned i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        setup();
        strcpy(pol.bios, "pxelinux.0");
        strcpy(pol.efi, "bootx64.efi");
        edk2_pxe(2, archs[i]);
        CHECK_EQ_INT(decide(), PXE_CHOSE_NOTHING);
        check_nothing();
        CHECK_EQ_INT(pol.stats.kind[PXE_KIND_OTHER], 1);
    }
}

TEST(pxe_option_93_of_a_wrong_length_is_no_architecture)
{
    /* Odd lengths and an empty option: not a list of 16-bit types. A PXEClient
     * sending one gets nothing rather than a guess. */
    static const uint8_t bad[][3] = { { 0 }, { 0, 0, 0 }, { 0, 7, 0 } };
    static const size_t lens[] = { 1, 3, 3 };
    for (unsigned i = 0; i < 3; i++) {
        setup();
        strcpy(pol.bios, "pxelinux.0");
        strcpy(pol.efi, "bootx64.efi");
        begin(3);
        vendor_opt("PXEClient:Arch:00000:UNDI:002001");
        cmsg_opt(&m, DHCP_OPT_CLIENT_ARCH, bad[i], lens[i]);
        CHECK_EQ_INT(decide(), PXE_CHOSE_NOTHING);
        check_nothing();
    }
    setup();
    strcpy(pol.bios, "pxelinux.0");
    begin(3);
    vendor_opt("PXEClient");
    cmsg_opt(&m, DHCP_OPT_CLIENT_ARCH, "", 0);
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOTHING);
    /* A longer list is read by its first (preferred) type. */
    setup();
    strcpy(pol.efi, "bootx64.efi");
    begin(3);
    uint8_t list[] = { 0, 7, 0, 0 };
    cmsg_opt(&m, DHCP_OPT_CLIENT_ARCH, list, 4);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    check_boots("bootx64.efi");
    /* Not a PXEClient: no echo, no option 43. */
    CHECK(boot_opt(DHCP_OPT_VENDOR_CLASS, &(size_t){0}) == NULL);
    CHECK(boot_opt(PXE_OPT_VENDOR, &(size_t){0}) == NULL);
}

TEST(pxe_ipxe_gets_the_ipxe_file_not_the_firmware_file)
{
    setup();
    strcpy(pol.bios, "undionly.kpxe");
    strcpy(pol.ipxe, "boot.ipxe");
    ipxe_bios(4);
    CHECK_EQ_INT(decide(), PXE_CHOSE_IPXE);
    check_boots("boot.ipxe");
    CHECK(boot_opt_is(DHCP_OPT_VENDOR_CLASS, "PXEClient"));
    CHECK_EQ_INT(pol.stats.ipxe, 1);
    /* Option 175 alone, or 77 in RFC 3004's length-prefixed form, is iPXE too. */
    begin(4);
    arch_opt(PXE_ARCH_EFI_BC);
    cmsg_opt(&m, PXE_OPT_IPXE_ENCAP, "", 0);
    CHECK_EQ_INT(decide(), PXE_CHOSE_IPXE);
    CHECK_EQ_STR(name, "boot.ipxe");
    begin(4);
    arch_opt(PXE_ARCH_EFI_BC);
    cmsg_opt(&m, DHCP_OPT_USER_CLASS, "\x03" "abc" "\x04" "iPXE", 9);
    CHECK_EQ_INT(decide(), PXE_CHOSE_IPXE);
    /* Other user classes are not. */
    begin(4);
    arch_opt(PXE_ARCH_BIOS);
    cmsg_opt(&m, DHCP_OPT_USER_CLASS, "iPXE2", 5);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "undionly.kpxe");
}

TEST(pxe_ipxe_without_an_ipxe_file_gets_the_firmware_file)
{
    setup();
    strcpy(pol.bios, "pxelinux.0");
    ipxe_bios(4);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    check_boots("pxelinux.0");
    /* ... unless the default script is there. */
    root_files[0] = "boot.ipxe";
    ipxe_bios(4);
    CHECK_EQ_INT(decide(), PXE_CHOSE_IPXE);
    CHECK_EQ_STR(name, "boot.ipxe");
}

TEST(pxe_an_ipxe_url_is_handed_out_as_it_is)
{
    setup();
    strcpy(pol.ipxe, "http://10.0.2.2/menu.ipxe");
    ipxe_bios(4);
    CHECK_EQ_INT(decide(), PXE_CHOSE_IPXE);
    check_boots("http://10.0.2.2/menu.ipxe");
}

TEST(pxe_http_boot_client_gets_a_url_and_the_httpclient_echo)
{
    setup();
    strcpy(pol.http, "ipxe.efi");
    strcpy(pol.efi, "other.efi");
    edk2_http(5);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR((const char *)boot.file, "http://10.0.2.2/ipxe.efi");
    CHECK(boot_opt_is(DHCP_OPT_BOOTFILE, "http://10.0.2.2/ipxe.efi"));
    CHECK(boot_opt_is(DHCP_OPT_VENDOR_CLASS, "HTTPClient"));
    CHECK(boot_opt(PXE_OPT_VENDOR, &(size_t){0}) == NULL);
    CHECK_EQ_INT(boot.siaddr, NAT_GW);
    CHECK_EQ_INT(pol.stats.kind[PXE_KIND_HTTP], 1);
    /* A URL setting is given as it is. */
    strcpy(pol.http, "https://boot.example/x64/shim.efi");
    edk2_http(5);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "https://boot.example/x64/shim.efi");
    /* Without http, the efi file over HTTP. */
    pol.http[0] = '\0';
    edk2_http(5);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "http://10.0.2.2/other.efi");
    /* With neither, and no default file: nothing. */
    pol.efi[0] = '\0';
    edk2_http(5);
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOTHING);
    check_nothing();
}

TEST(pxe_a_url_longer_than_the_file_field_goes_in_option_67_only)
{
    setup();
    memset(pol.http, 'a', PXE_NAME_MAX - 1);        /* 127 characters */
    pol.http[PXE_NAME_MAX - 1] = '\0';
    edk2_http(5);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_INT(boot.file[0], 0);
    size_t len;
    const uint8_t *v = boot_opt(DHCP_OPT_BOOTFILE, &len);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(len, strlen("http://10.0.2.2/") + 127);
    CHECK_MEM(v, "http://10.0.2.2/aaa", 19);
}

TEST(pxe_per_host_boot_file_wins_over_the_architecture)
{
    setup();
    strcpy(pol.bios, "pxelinux.0");
    strcpy(pol.ipxe, "boot.ipxe");
    test_mac(pol.hosts[0].mac, 6);
    strcpy(pol.hosts[0].boot, "special/lpxelinux.0");
    strcpy(pol.hosts[0].name, "vm6");
    root_files[0] = "vm6.pxe";                       /* boot wins over NAME.pxe too */
    pol.n_hosts = 1;
    edk2_pxe(6, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_HOST_BOOT);
    check_boots("special/lpxelinux.0");
    /* Another MAC gets the network's file. */
    edk2_pxe(7, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "pxelinux.0");
    /* iPXE on that host still gets its script: no loop. */
    ipxe_bios(6);
    CHECK_EQ_INT(decide(), PXE_CHOSE_IPXE);
    /* An HTTP client on that host gets the file as a URL. */
    edk2_http(6);
    CHECK_EQ_INT(decide(), PXE_CHOSE_HOST_BOOT);
    CHECK_EQ_STR(name, "http://10.0.2.2/special/lpxelinux.0");
}

TEST(pxe_name_pxe_when_the_file_exists)
{
    setup();
    strcpy(pol.bios, "pxelinux.0");
    test_mac(pol.hosts[0].mac, 8);
    strcpy(pol.hosts[0].name, "vm8");
    pol.n_hosts = 1;
    /* Absent: the architecture's file. */
    edk2_pxe(8, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "pxelinux.0");
    /* Present: NAME.pxe, for BIOS and EFI alike. */
    root_files[0] = "vm8.pxe";
    edk2_pxe(8, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_HOST_NAME);
    check_boots("vm8.pxe");
    edk2_pxe(8, PXE_ARCH_EFI_X64);
    CHECK_EQ_INT(decide(), PXE_CHOSE_HOST_NAME);
    CHECK_EQ_STR(name, "vm8.pxe");
    /* Not for HTTP Boot (with nothing else for it, nothing). */
    edk2_http(8);
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOTHING);
    /* A host without a name has no NAME.pxe. */
    pol.hosts[0].name[0] = '\0';
    edk2_pxe(8, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "pxelinux.0");
    CHECK_EQ_INT(pol.stats.chose[PXE_CHOSE_HOST_NAME], 2);
}

TEST(pxe_defaults_are_offered_only_when_their_files_exist)
{
    setup();
    edk2_pxe(9, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOTHING);
    check_nothing();
    root_files[0] = PXE_DEFAULT_BIOS;
    root_files[1] = PXE_DEFAULT_EFI;
    edk2_pxe(9, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    check_boots("pxelinux.0");
    edk2_pxe(9, PXE_ARCH_EFI_X64);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "bootx64.efi");
    edk2_http(9);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "http://10.0.2.2/bootx64.efi");
    /* No root at all: nothing exists. */
    pol.exists = NULL;
    edk2_pxe(9, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOTHING);
    /* A configured name is offered without asking the root. */
    strcpy(pol.bios, "missing.0");
    edk2_pxe(9, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_KIND);
    CHECK_EQ_STR(name, "missing.0");
}

TEST(pxe_off_and_plain_clients_get_nothing)
{
    setup();
    strcpy(pol.bios, "pxelinux.0");
    test_mac(pol.hosts[0].mac, 10);
    strcpy(pol.hosts[0].boot, "mine.0");
    pol.n_hosts = 1;
    /* An operating system's client: no 60, 77, 93 or 175. */
    begin(10);
    cmsg_opt(&m, DHCP_OPT_HOST_NAME, "linux", 5);
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOT_BOOT);
    check_nothing();
    /* A vendor class that is neither PXE nor HTTP is no boot client either. */
    begin(10);
    vendor_opt("udhcp 1.35.0");
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOT_BOOT);
    check_nothing();
    pol.off = true;
    ipxe_bios(10);
    CHECK_EQ_INT(decide(), PXE_CHOSE_OFF);
    check_nothing();
    edk2_pxe(10, PXE_ARCH_BIOS);
    CHECK_EQ_INT(decide(), PXE_CHOSE_OFF);
    check_nothing();
    CHECK_EQ_INT(pol.stats.chose[PXE_CHOSE_OFF], 2);
    CHECK_EQ_INT(pol.stats.chose[PXE_CHOSE_NOT_BOOT], 2);
}

TEST(pxe_the_vendor_class_must_be_a_prefix)
{
    setup();
    strcpy(pol.bios, "pxelinux.0");
    begin(11);
    vendor_opt("PXEClien");                  /* one letter short */
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOT_BOOT);
    begin(11);
    vendor_opt("xPXEClient");
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOT_BOOT);
    begin(11);
    vendor_opt("HTTPClien");
    CHECK_EQ_INT(decide(), PXE_CHOSE_NOT_BOOT);
}

/* --- through the DHCP server ----------------------------------------------------- */

static struct dhcps_config dcfg;
static struct dhcps_reply r;
static struct dhcp_msg reply;

TEST(pxe_hook_puts_the_boot_fields_in_offers_and_acks)
{
    setup();
    strcpy(pol.ipxe, "boot.ipxe");
    test_nat_config(&dcfg);
    struct dhcps *s = test_server(&dcfg, 0);
    dhcps_set_boot_hook(s, pxe_boot_hook, &pol);
    ipxe_bios(12);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.siaddr, NAT_GW);
    CHECK_EQ_STR((const char *)reply.hdr.file, "boot.ipxe");
    size_t len;
    const uint8_t *v = dhcp_msg_opt(&reply, DHCP_OPT_VENDOR_CLASS, &len);
    CHECK(v && len == 9 && memcmp(v, "PXEClient", 9) == 0);
    v = dhcp_msg_opt(&reply, DHCP_OPT_BOOTFILE, &len);
    CHECK(v && len == 9 && memcmp(v, "boot.ipxe", 9) == 0);
    v = dhcp_msg_opt(&reply, DHCP_OPT_TFTP_SERVER, &len);
    CHECK(v && len == 8 && memcmp(v, "10.0.2.2", 8) == 0);
    CHECK(dhcp_msg_has(&reply, PXE_OPT_VENDOR));
    uint32_t ip = reply.hdr.yiaddr;

    ipxe_bios(12);
    m.buf[DHCP_OPTIONS_OFF + 2] = DHCPREQUEST;      /* option 53's value */
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, NAT_GW);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, ip);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPACK);
    CHECK_EQ_INT(reply.hdr.siaddr, NAT_GW);
    CHECK_EQ_STR((const char *)reply.hdr.file, "boot.ipxe");
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_BOOTFILE));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_VENDOR_CLASS));
    dhcps_destroy(s);
}

TEST(pxe_options_fit_a_576_byte_reply_with_the_longest_names)
{
    /* The longest file, every standard parameter asked for, a domain, a client id
     * and relay-less: the reply stays within the 548 bytes after IP and UDP, with
     * the PXE options in it. */
    setup();
    memset(pol.efi, 'e', PXE_NAME_MAX - 1);
    pol.efi[PXE_NAME_MAX - 1] = '\0';
    test_nat_config(&dcfg);
    memset(dcfg.domain, 'd', DHCPS_DOMAIN_MAX - 1);
    dcfg.mtu = 9000;
    struct dhcps *s = test_server(&dcfg, 0);
    dhcps_set_boot_hook(s, pxe_boot_hook, &pol);
    edk2_pxe(13, PXE_ARCH_EFI_X64);
    uint8_t prl[] = { 1, 3, 6, 12, 15, 26, 28, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133,
                      134, 135 };
    cmsg_opt(&m, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    uint8_t id[19] = { 0 };                         /* a UUID-style client id */
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id, sizeof id);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK(r.len <= DHCP_MIN_IP_DATAGRAM - DHCP_IP_UDP_HLEN);
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_BOOTFILE));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_VENDOR_CLASS));
    CHECK(dhcp_msg_has(&reply, PXE_OPT_VENDOR));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_DOMAIN_NAME));
    CHECK_EQ_STR((const char *)reply.hdr.file, pol.efi);
    dhcps_destroy(s);
}

TEST(pxe_hook_leaves_a_plain_client_alone)
{
    setup();
    strcpy(pol.bios, "pxelinux.0");
    test_nat_config(&dcfg);
    struct dhcps *s = test_server(&dcfg, 0);
    dhcps_set_boot_hook(s, pxe_boot_hook, &pol);
    begin(14);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.siaddr, 0);
    CHECK_EQ_INT(reply.hdr.file[0], 0);
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_BOOTFILE));
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_VENDOR_CLASS));
    dhcps_destroy(s);
}

TEST(pxe_names_of_kinds_and_choices)
{
    CHECK_EQ_STR(pxe_kind_name(PXE_KIND_EFI), "efi");
    CHECK_EQ_STR(pxe_kind_name(PXE_KINDS), "?");
    CHECK_EQ_STR(pxe_choice_name(PXE_CHOSE_HOST_NAME), "NAME.pxe");
    CHECK_EQ_STR(pxe_choice_name(PXE_CHOICES), "?");
    CHECK(pxe_is_url("http://a"));
    CHECK(pxe_is_url("https://a/b"));
    CHECK(!pxe_is_url("http://"));
    CHECK(!pxe_is_url("tftp://a/b"));
    CHECK(!pxe_is_url("pxelinux.0"));
}
