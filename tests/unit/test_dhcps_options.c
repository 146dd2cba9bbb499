/* Tests of what the DHCP server puts in its replies and where it sends them: the
 * parameter request list, the client's size limit, the broadcast flag, relays and
 * option 82, host-only networks, and the boot hook left for PXE. */
#include "unit.h"
#include "dhcps_helpers.h"

#include <string.h>

static struct dhcps_config cfg;
static struct cmsg m;
static struct dhcps_reply r;
static struct dhcp_msg reply;

/* Where option code starts in the reply's options field (End included), or -1. */
static long opt_pos(const struct dhcps_reply *rep, uint8_t code)
{
    size_t i = DHCP_OPTIONS_OFF;
    while (i < rep->len) {
        if (rep->buf[i] == code)
            return (long)i;
        if (rep->buf[i] == DHCP_OPT_END)
            return -1;
        if (rep->buf[i] == DHCP_OPT_PAD) {
            i++;
            continue;
        }
        if (i + 1 >= rep->len)
            return -1;
        i += 2 + (size_t)rep->buf[i + 1];
    }
    return -1;
}

TEST(dhcps_parameter_request_list_is_honoured_in_order)
{
    test_nat_config(&cfg);
    strcpy(cfg.domain, "lab.example");
    struct dhcps *s = test_server(&cfg, 0);
    uint8_t prl[] = { 28, 6, 1, 28, 99 };     /* a repeat and an unknown code */
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_opt(&m, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_BROADCAST));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_DNS));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_SUBNET_MASK));
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_ROUTER));
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_DOMAIN_NAME));
    CHECK(!dhcp_msg_has(&reply, 99));
    CHECK(opt_pos(&r, DHCP_OPT_BROADCAST) < opt_pos(&r, DHCP_OPT_DNS));
    /* Always there, whatever the list says. */
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_SERVER_ID));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_LEASE_TIME));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_T1));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_T2));
    /* Each option once: the parser would have joined repeats into 8 bytes. */
    size_t n;
    dhcp_msg_opt(&reply, DHCP_OPT_BROADCAST, &n);
    CHECK_EQ_INT(n, 4);
    dhcps_destroy(s);
}

TEST(dhcps_without_a_request_list_sends_all_it_has)
{
    test_nat_config(&cfg);
    strcpy(cfg.domain, "lab.example");
    cfg.dns[1] = IP4(10, 0, 2, 4);
    cfg.n_dns = 2;
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_ROUTER));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_BROADCAST));
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_HOST_NAME));     /* no reservation, no name */
    size_t n;
    const uint8_t *v = dhcp_msg_opt(&reply, DHCP_OPT_DNS, &n);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(n, 8);
    CHECK_MEM(v, "\x0a\x00\x02\x03\x0a\x00\x02\x04", 8);
    v = dhcp_msg_opt(&reply, DHCP_OPT_DOMAIN_NAME, &n);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(n, 11);
    CHECK_MEM(v, "lab.example", 11);
    dhcps_destroy(s);
}

/* Option 26: a link whose MTU is not Ethernet's 1500 says so, when asked or when
 * the client asks nothing in particular; a 1500 link says nothing. */
TEST(dhcps_interface_mtu)
{
    test_nat_config(&cfg);
    cfg.mtu = 1400;
    struct dhcps *s = test_server(&cfg, 0);
    size_t n;
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    const uint8_t *v = dhcp_msg_opt(&reply, DHCP_OPT_MTU, &n);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(n, 2);
    CHECK_MEM(v, "\x05\x78", 2);
    cmsg_begin(&m, DHCPDISCOVER, 2, 2);
    cmsg_opt(&m, DHCP_OPT_PARAM_REQUEST, "\x01\x03", 2);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_MTU));           /* not asked for */
    dhcps_destroy(s);

    cfg.mtu = 0;
    s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 3, 3);
    cmsg_opt(&m, DHCP_OPT_PARAM_REQUEST, "\x1a", 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_MTU));
    dhcps_destroy(s);
}

/* A host-only network: vmgate's own address is server, router and DNS. */
TEST(dhcps_hostonly_network)
{
    memset(&cfg, 0, sizeof cfg);
    cfg.net = IP4(192, 168, 56, 0);
    cfg.prefix = 24;
    cfg.server_ip = cfg.router = cfg.dns[0] = IP4(192, 168, 56, 1);
    cfg.n_dns = 1;
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.yiaddr, IP4(192, 168, 56, 15));
    uint32_t v;
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_ROUTER, &v));
    CHECK_EQ_INT(v, IP4(192, 168, 56, 1));
    CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_SERVER_ID, &v));
    CHECK_EQ_INT(v, IP4(192, 168, 56, 1));
    dhcps_destroy(s);
}

/* Everything at its longest: a 135-byte client id, a 63-character domain and
 * host name, 254 bytes of relay information. */
static void build_big_discover(uint16_t max_size)
{
    uint8_t id[DHCPS_CLIENT_ID_MAX], relay[256];
    uint8_t prl[] = { 1, 3, 6, 12, 15, 28 };
    memset(id, 0x11, sizeof id);
    id[0] = 255;
    for (size_t i = 0; i < sizeof relay; i += 2) {      /* sub-options of 0 bytes */
        relay[i] = 1;
        relay[i + 1] = 0;
    }
    cmsg_begin(&m, DHCPDISCOVER, 9, 1);
    cmsg_giaddr(&m, IP4(10, 0, 2, 1));
    cmsg_opt(&m, DHCP_OPT_CLIENT_ID, id, sizeof id);
    cmsg_opt(&m, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    cmsg_opt(&m, DHCP_OPT_RELAY_AGENT, relay, 254);
    if (max_size)
        cmsg_opt_u16(&m, DHCP_OPT_MAX_MSG_SIZE, max_size);
    cmsg_end(&m);
}

static struct dhcps *big_server(void)
{
    test_nat_config(&cfg);
    memset(cfg.domain, 'd', DHCPS_DOMAIN_MAX - 1);
    test_mac(cfg.hosts[0].mac, 9);
    cfg.hosts[0].ip = IP4(10, 0, 2, 99);
    memset(cfg.hosts[0].name, 'h', DHCPS_NAME_MAX - 1);
    cfg.n_hosts = 1;
    return test_server(&cfg, 0);
}

TEST(dhcps_reply_fits_the_default_576)
{
    struct dhcps *s = big_server();
    build_big_discover(0);
    REQUIRE_EQ_INT(test_send(s, &m, false, 0, &r, &reply), DHCPOFFER);
    CHECK(r.len <= DHCP_MIN_IP_DATAGRAM - DHCP_IP_UDP_HLEN);
    /* What every reply needs, and the relay's option, are there; optional ones
     * gave way. */
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_SERVER_ID));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_LEASE_TIME));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_SUBNET_MASK));
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_RELAY_AGENT));
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_DOMAIN_NAME));
    /* A limit below 576 is taken as 576. */
    build_big_discover(300);
    REQUIRE_EQ_INT(test_send(s, &m, false, 0, &r, &reply), DHCPOFFER);
    CHECK(r.len <= DHCP_MIN_IP_DATAGRAM - DHCP_IP_UDP_HLEN);
    CHECK(r.len >= 400);
    dhcps_destroy(s);
}

TEST(dhcps_reply_uses_a_larger_client_limit)
{
    struct dhcps *s = big_server();
    build_big_discover(1500);
    REQUIRE_EQ_INT(test_send(s, &m, false, 0, &r, &reply), DHCPOFFER);
    CHECK(r.len > DHCP_MIN_IP_DATAGRAM - DHCP_IP_UDP_HLEN);
    CHECK(r.len <= 1500 - DHCP_IP_UDP_HLEN);
    size_t n;
    CHECK(dhcp_msg_opt(&reply, DHCP_OPT_DOMAIN_NAME, &n) != NULL);
    CHECK_EQ_INT(n, 63);
    CHECK(dhcp_msg_opt(&reply, DHCP_OPT_HOST_NAME, &n) != NULL);
    CHECK_EQ_INT(n, 63);
    CHECK(dhcp_msg_opt(&reply, DHCP_OPT_CLIENT_ID, &n) != NULL);
    CHECK_EQ_INT(n, DHCPS_CLIENT_ID_MAX);
    CHECK(dhcp_msg_has(&reply, DHCP_OPT_ROUTER));
    /* A limit beyond one Ethernet frame is cut to DHCPS_REPLY_MAX. */
    build_big_discover(9000);
    REQUIRE_EQ_INT(test_send(s, &m, false, 0, &r, &reply), DHCPOFFER);
    CHECK(r.len <= DHCPS_REPLY_MAX);
    dhcps_destroy(s);
}

TEST(dhcps_broadcast_flag_is_echoed)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_flags(&m, DHCP_FLAG_BROADCAST);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.flags, DHCP_FLAG_BROADCAST);
    CHECK(r.broadcast);
    CHECK_EQ_INT(r.dst_ip, BCAST);
    /* Without the flag the reply goes to broadcast too (dhcps.h says why). */
    cmsg_begin(&m, DHCPDISCOVER, 2, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.flags, 0);
    CHECK(r.broadcast);
    dhcps_destroy(s);
}

/* A client in SELECTING with a stray ciaddr from elsewhere: its ACK cannot be
 * unicast there (the network's interface has no route), so it is broadcast. */
TEST(dhcps_unicast_only_within_the_network)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPREQUEST, 1, 1);
    cmsg_ciaddr(&m, IP4(172, 16, 0, 9));
    cmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, NAT_GW);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 15));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPACK);
    CHECK(r.broadcast);
    CHECK_EQ_INT(r.dst_ip, BCAST);
    dhcps_destroy(s);
}

TEST(dhcps_relay_gets_the_reply_and_option_82_back)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    uint8_t relay[] = { 1, 3, 'p', 'o', 'r', 2, 2, 'i', 'd' };
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_giaddr(&m, IP4(10, 0, 2, 1));
    cmsg_opt(&m, DHCP_OPT_RELAY_AGENT, relay, sizeof relay);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, false, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(r.dst_ip, IP4(10, 0, 2, 1));
    CHECK_EQ_INT(r.dst_port, DHCP_SERVER_PORT);
    CHECK(!r.broadcast);
    CHECK_EQ_INT(reply.hdr.giaddr, IP4(10, 0, 2, 1));
    size_t n;
    const uint8_t *v = dhcp_msg_opt(&reply, DHCP_OPT_RELAY_AGENT, &n);
    REQUIRE(v != NULL);
    CHECK_EQ_INT(n, sizeof relay);
    CHECK_MEM(v, relay, sizeof relay);
    /* Last before End (RFC 3046 2.2). */
    long at = opt_pos(&r, DHCP_OPT_RELAY_AGENT);
    REQUIRE(at > 0);
    CHECK_EQ_INT(r.buf[at + 2 + (long)sizeof relay], DHCP_OPT_END);

    /* A NAK through the relay: to the relay, asking it to broadcast. */
    cmsg_begin(&m, DHCPREQUEST, 1, 2);
    cmsg_giaddr(&m, IP4(10, 0, 2, 1));
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 9, 9, 9));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, false, 0, &r, &reply), DHCPNAK);
    CHECK_EQ_INT(r.dst_ip, IP4(10, 0, 2, 1));
    CHECK_EQ_INT(r.dst_port, DHCP_SERVER_PORT);
    CHECK_EQ_INT(reply.hdr.flags & DHCP_FLAG_BROADCAST, DHCP_FLAG_BROADCAST);
    dhcps_destroy(s);
}

TEST(dhcps_relay_from_another_network_is_dropped)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_giaddr(&m, IP4(10, 0, 3, 1));
    cmsg_end(&m);
    CHECK_EQ_INT(test_send(s, &m, false, 0, &r, &reply), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->drops[DHCPS_DROP_FOREIGN], 1);
    CHECK_EQ_INT(dhcps_lease_count(s), 0);
    dhcps_destroy(s);
}

/* The boot hook: what PXE will use. Here a stand-in that answers clients of
 * architecture 0 (BIOS) with a file name and next-server. */
static unsigned hook_calls;
static uint32_t hook_yiaddr;

static void boot_hook(void *ctx, const struct dhcp_msg *req, uint32_t yiaddr, struct dhcps_boot *boot)
{
    size_t n;
    const uint8_t *arch = dhcp_msg_opt(req, DHCP_OPT_CLIENT_ARCH, &n);
    hook_calls++;
    hook_yiaddr = yiaddr;
    CHECK(ctx == &cfg);
    CHECK_EQ_INT(boot->opts_len, 0);
    if (!arch || n != 2 || arch[0] || arch[1])
        return;
    boot->siaddr = IP4(10, 0, 2, 4);
    memcpy(boot->file, "pxelinux.0", 10);
    static const uint8_t opts[] = { DHCP_OPT_TFTP_SERVER, 8, '1', '0', '.', '0', '.', '2', '.', '4' };
    memcpy(boot->opts, opts, sizeof opts);
    boot->opts_len = sizeof opts;
}

TEST(dhcps_boot_hook_fills_the_reply)
{
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    dhcps_set_boot_hook(s, boot_hook, &cfg);
    hook_calls = 0;
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_opt(&m, DHCP_OPT_CLIENT_ARCH, "\0\0", 2);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(hook_calls, 1);
    CHECK_EQ_INT(hook_yiaddr, IP4(10, 0, 2, 15));
    CHECK_EQ_INT(reply.hdr.siaddr, IP4(10, 0, 2, 4));
    CHECK_MEM(reply.hdr.file, "pxelinux.0", 11);
    size_t n;
    const uint8_t *v = dhcp_msg_opt(&reply, DHCP_OPT_TFTP_SERVER, &n);
    REQUIRE(v != NULL);
    CHECK_MEM(v, "10.0.2.4", 8);
    /* Other clients get nothing extra; NAKs do not ask the hook. */
    cmsg_begin(&m, DHCPDISCOVER, 2, 1);
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
    CHECK_EQ_INT(reply.hdr.siaddr, 0);
    CHECK_EQ_INT(reply.hdr.file[0], 0);
    CHECK(!dhcp_msg_has(&reply, DHCP_OPT_TFTP_SERVER));
    cmsg_begin(&m, DHCPREQUEST, 2, 1);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(1, 2, 3, 4));
    cmsg_end(&m);
    REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPNAK);
    CHECK_EQ_INT(hook_calls, 2);
    dhcps_destroy(s);
}

/* Boot options that are malformed or do not fit are left out; the reply stands. */
static void bad_boot_hook(void *ctx, const struct dhcp_msg *req, uint32_t yiaddr, struct dhcps_boot *boot)
{
    memset(boot->opts, 0x42, sizeof boot->opts);
    boot->opts_len = *(size_t *)ctx;
}

TEST(dhcps_boot_hook_cannot_break_the_reply)
{
    static size_t lens[] = { 3, DHCPS_BOOT_OPTS_MAX, DHCPS_BOOT_OPTS_MAX + 1000 };
    test_nat_config(&cfg);
    struct dhcps *s = test_server(&cfg, 0);
    for (unsigned i = 0; i < 3; i++) {
        dhcps_set_boot_hook(s, bad_boot_hook, &lens[i]);
        cmsg_begin(&m, DHCPDISCOVER, 1, 1);
        cmsg_end(&m);
        REQUIRE_EQ_INT(test_send(s, &m, true, 0, &r, &reply), DHCPOFFER);
        CHECK(!dhcp_msg_has(&reply, 0x42));
    }
    dhcps_destroy(s);
}
