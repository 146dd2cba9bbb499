/* Tests of the DHCP server's lwIP glue (lwip-port/dhcps_glue.c) on the host lwIP
 * build: real Ethernet frames go in through ethernet_input, and the frames lwIP
 * sends are captured. They check what only the glue can get wrong: a DISCOVER
 * from 0.0.0.0 to 255.255.255.255 reaches the server of the netif it came in on,
 * the reply leaves on that netif from the server's address, the WAN gets no
 * answer, unicast replies go to the client, the timer expires offers, and the
 * console command and the NAT resolver see the leases.
 *
 * The glue is included here whole, to reach its state; the console is captured
 * (console_capture.h). */
#include "lwip-port/dhcps_glue.c"

#include "unit.h"
#include "console_capture.h"
#include "dhcp_cmsg.h"
#include "net/bytes.h"

#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip4.h"
#include "netif/ethernet.h"

#include <stdarg.h>

/* --- test interfaces ------------------------------------------------------------------ */

#define MAX_SENT 8

static struct {
    struct netif *nif;
    uint8_t frame[1600];
    size_t len;
} sent[MAX_SENT];
static unsigned n_sent;

static err_t capture(struct netif *nif, struct pbuf *p)
{
    if (n_sent < MAX_SENT) {
        sent[n_sent].nif = nif;
        sent[n_sent].len = pbuf_copy_partial(p, sent[n_sent].frame, sizeof sent[n_sent].frame, 0);
        n_sent++;
    }
    return ERR_OK;
}

static err_t test_if_init(struct netif *nif)
{
    nif->name[0] = 't';
    nif->name[1] = 'e';
    nif->hwaddr_len = 6;
    memcpy(nif->hwaddr, "\x02\x00\x00\x00\x00", 5);
    nif->hwaddr[5] = (u8_t)(uintptr_t)nif->state;
    nif->mtu = 1500;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    nif->output = etharp_output;
    nif->linkoutput = capture;
    return ERR_OK;
}

static struct netif nat1, nat2, wan;

static void add_if(struct netif *nif, uint32_t addr, uint8_t n)
{
    ip4_addr_t a, m, g;
    ip4_addr_set_u32(&a, lwip_htonl(addr));
    ip4_addr_set_u32(&m, lwip_htonl(0xffffff00u));
    ip4_addr_set_zero(&g);
    REQUIRE(netif_add(nif, &a, &m, &g, (void *)(uintptr_t)n, test_if_init, ethernet_input) != NULL);
    netif_set_up(nif);
    netif_set_link_up(nif);
}

static struct vmgate_config vcfg;

static void nat_nic(struct cfg_nic *c, uint32_t net)
{
    memset(c, 0, sizeof *c);
    c->role = CFG_NIC_NAT;
    c->addr = net;
    c->prefix = 24;
    c->dhcp_server = true;
}

/* Three interfaces: NAT networks on nic1 (10.0.2.0/24, with a reservation) and
 * nic2 (10.0.3.0/24), and a WAN without a server. */
static void setup(void)
{
    memset(&vcfg, 0, sizeof vcfg);
    nat_nic(&vcfg.nic[1], IP4(10, 0, 2, 0));
    nat_nic(&vcfg.nic[2], IP4(10, 0, 3, 0));
    vcfg.host[0].nic = 1;
    test_mac(vcfg.host[0].mac, 9);
    vcfg.host[0].ip = IP4(10, 0, 2, 20);
    strcpy(vcfg.host[0].name, "vm1");
    vcfg.host[1].nic = 2;                       /* another NIC's: not nic1's business */
    test_mac(vcfg.host[1].mac, 8);
    vcfg.host[1].ip = IP4(10, 0, 3, 20);
    vcfg.n_hosts = 2;
    add_if(&wan, IP4(192, 0, 2, 2), 0);
    add_if(&nat1, IP4(10, 0, 2, 2), 1);
    add_if(&nat2, IP4(10, 0, 3, 2), 2);
    REQUIRE_EQ_INT(dhcps_glue_attach(&nat1, &vcfg.nic[1], &vcfg, 1), 0);
    REQUIRE_EQ_INT(dhcps_glue_attach(&nat2, &vcfg.nic[2], &vcfg, 2), 0);
    n_sent = 0;
    unit_console_clear();
    memset(&glue_stats, 0, sizeof glue_stats);
}

static void teardown(void)
{
    dhcps_glue_detach(&nat1);
    dhcps_glue_detach(&nat2);
    netif_remove(&nat1);
    netif_remove(&nat2);
    netif_remove(&wan);
}

/* Wraps a DHCP message in UDP, IPv4 and Ethernet and feeds it to nif. */
static void inject(struct netif *nif, const struct cmsg *m, uint32_t src, uint32_t dst,
                   const uint8_t *dst_mac)
{
    size_t ip_len = 20 + 8 + m->len;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(14 + ip_len), PBUF_POOL);
    REQUIRE(p != NULL);
    static uint8_t f[1600];
    memset(f, 0, sizeof f);
    memcpy(f, dst_mac, 6);
    test_mac(f + 6, m->buf[33]);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(ip_len >> 8);
    ip[3] = (uint8_t)ip_len;
    ip[8] = 64;
    ip[9] = 17;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    u16_t sum = inet_chksum(ip, 20);
    memcpy(ip + 10, &sum, 2);
    uint8_t *udp = ip + 20;
    udp[1] = 68;
    udp[3] = 67;
    udp[4] = (uint8_t)((8 + m->len) >> 8);
    udp[5] = (uint8_t)(8 + m->len);
    memcpy(udp + 8, m->buf, m->len);
    pbuf_take(p, f, (u16_t)(14 + ip_len));
    if (nif->input(p, nif) != ERR_OK)
        pbuf_free(p);
}

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The DHCP reply in captured frame i, with its IP addresses; fails the test if the
 * frame is not IPv4/UDP 67 -> 68 or its payload does not parse. */
static struct dhcp_msg got;

static void sent_reply(unsigned i, uint32_t *src, uint32_t *dst)
{
    REQUIRE(i < n_sent);
    const uint8_t *f = sent[i].frame;
    REQUIRE(sent[i].len > 14 + 28 + DHCP_OPTIONS_OFF);
    REQUIRE_EQ_INT(get_be16(f + 12), 0x0800);
    const uint8_t *ip = f + 14;
    REQUIRE_EQ_INT(ip[9], 17);
    *src = get_be32(ip + 12);
    *dst = get_be32(ip + 16);
    const uint8_t *udp = ip + 20;
    CHECK_EQ_INT(get_be16(udp), 67);
    CHECK_EQ_INT(get_be16(udp + 2), 68);
    size_t len = get_be16(udp + 4) - 8u;
    REQUIRE_EQ_INT(dhcp_msg_parse(&got, udp + 8, len), 0);
}

static struct cmsg m;

TEST(dhcps_glue_answers_a_discover_from_nowhere_on_its_netif)
{
    setup();
    cmsg_begin(&m, DHCPDISCOVER, 1, 77);
    cmsg_end(&m);
    inject(&nat2, &m, 0, 0xffffffffu, bcast_mac);
    REQUIRE_EQ_INT(n_sent, 1);
    CHECK(sent[0].nif == &nat2);
    CHECK_MEM(sent[0].frame, bcast_mac, 6);
    CHECK_MEM(sent[0].frame + 6, nat2.hwaddr, 6);
    uint32_t src, dst;
    sent_reply(0, &src, &dst);
    CHECK_EQ_INT(src, IP4(10, 0, 3, 2));
    CHECK_EQ_INT(dst, 0xffffffffu);
    CHECK_EQ_INT(got.type, DHCPOFFER);
    CHECK_EQ_INT(got.hdr.yiaddr, IP4(10, 0, 3, 15));
    CHECK_EQ_INT(got.hdr.xid, 77);

    /* The other NAT network answers with its own pool and address. */
    cmsg_begin(&m, DHCPDISCOVER, 1, 78);
    cmsg_end(&m);
    inject(&nat1, &m, 0, 0xffffffffu, bcast_mac);
    REQUIRE_EQ_INT(n_sent, 2);
    CHECK(sent[1].nif == &nat1);
    sent_reply(1, &src, &dst);
    CHECK_EQ_INT(src, IP4(10, 0, 2, 2));
    CHECK_EQ_INT(got.hdr.yiaddr, IP4(10, 0, 2, 15));
    teardown();
}

TEST(dhcps_glue_is_silent_on_the_wan)
{
    setup();
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    inject(&wan, &m, 0, 0xffffffffu, bcast_mac);
    CHECK_EQ_INT(n_sent, 0);
    CHECK_EQ_INT(glue_stats.no_server, 1);
    teardown();
}

TEST(dhcps_glue_applies_its_own_nics_reservations)
{
    setup();
    cmsg_begin(&m, DHCPDISCOVER, 9, 1);
    cmsg_end(&m);
    inject(&nat1, &m, 0, 0xffffffffu, bcast_mac);
    uint32_t src, dst;
    sent_reply(0, &src, &dst);
    CHECK_EQ_INT(got.hdr.yiaddr, IP4(10, 0, 2, 20));
    size_t n;
    const uint8_t *name = dhcp_msg_opt(&got, DHCP_OPT_HOST_NAME, &n);
    REQUIRE(name != NULL);
    CHECK_MEM(name, "vm1", 3);
    /* nic2's reservation is for nic2 only. */
    cmsg_begin(&m, DHCPDISCOVER, 8, 2);
    cmsg_end(&m);
    inject(&nat1, &m, 0, 0xffffffffu, bcast_mac);
    sent_reply(1, &src, &dst);
    CHECK_EQ_INT(got.hdr.yiaddr, IP4(10, 0, 2, 15));
    teardown();
}

/* A bound client renews by unicast; the ACK goes back by unicast to its address
 * and MAC. Then the NAT resolver and the console see the lease. */
TEST(dhcps_glue_renewal_and_lease_views)
{
    setup();
    cmsg_begin(&m, DHCPREQUEST, 1, 5);
    cmsg_opt_ip(&m, DHCP_OPT_REQUESTED_IP, IP4(10, 0, 2, 15));
    cmsg_opt(&m, DHCP_OPT_HOST_NAME, "guest1", 6);
    cmsg_end(&m);
    inject(&nat1, &m, 0, 0xffffffffu, bcast_mac);
    uint32_t src, dst;
    sent_reply(0, &src, &dst);
    REQUIRE_EQ_INT(got.type, DHCPACK);
    CHECK_EQ_INT(dhcps_glue_first_lease(NULL, nat1.num), IP4(10, 0, 2, 15));
    CHECK_EQ_INT(dhcps_glue_first_lease(NULL, nat2.num), 0);
    CHECK_EQ_INT(dhcps_glue_first_lease(NULL, wan.num), 0);
    CHECK(dhcps_glue_server(nat1.num) != NULL);
    CHECK(dhcps_glue_server(wan.num) == NULL);

    /* The client answers ARP for its address, as it would; here a static entry. */
    ip4_addr_t client;
    struct eth_addr client_mac;
    ip4_addr_set_u32(&client, lwip_htonl(IP4(10, 0, 2, 15)));
    test_mac(client_mac.addr, 1);
    REQUIRE_EQ_INT(etharp_add_static_entry(&client, &client_mac), ERR_OK);
    cmsg_begin(&m, DHCPREQUEST, 1, 6);
    cmsg_ciaddr(&m, IP4(10, 0, 2, 15));
    cmsg_end(&m);
    inject(&nat1, &m, IP4(10, 0, 2, 15), IP4(10, 0, 2, 2), nat1.hwaddr);
    REQUIRE_EQ_INT(n_sent, 2);
    CHECK(sent[1].nif == &nat1);
    CHECK_MEM(sent[1].frame, client_mac.addr, 6);
    sent_reply(1, &src, &dst);
    CHECK_EQ_INT(got.type, DHCPACK);
    CHECK_EQ_INT(src, IP4(10, 0, 2, 2));
    CHECK_EQ_INT(dst, IP4(10, 0, 2, 15));
    etharp_remove_static_entry(&client);

    unit_console_clear();
    cmd_leases(1, NULL);
    CHECK(strstr(unit_console(), "nic1 10.0.2.0/24 server 10.0.2.2") != NULL);
    CHECK(strstr(unit_console(), "10.0.2.15") != NULL);
    CHECK(strstr(unit_console(), "52:54:00:00:00:01") != NULL);
    CHECK(strstr(unit_console(), "guest1") != NULL);
    CHECK(strstr(unit_console(), "bound") != NULL);
    CHECK(strstr(unit_console(), "nic2 10.0.3.0/24") != NULL);
    teardown();
}

/* The glue's timer runs the servers' expiry. */
TEST(dhcps_glue_timer_expires_offers)
{
    setup();
    cmsg_begin(&m, DHCPDISCOVER, 1, 1);
    cmsg_end(&m);
    inject(&nat1, &m, 0, 0xffffffffu, bcast_mac);
    struct dhcps *s = dhcps_glue_server(nat1.num);
    REQUIRE(s != NULL);
    CHECK_EQ_INT(dhcps_lease_count(s), 1);
    for (unsigned i = 0; i < 62; i++) {
        unit_clock_advance_ms(1000);
        sys_check_timeouts();
    }
    CHECK_EQ_INT(dhcps_lease_count(s), 0);
    CHECK_EQ_INT(dhcps_get_stats(s)->offers_expired, 1);
    teardown();
}

TEST(dhcps_glue_refuses_what_it_cannot_serve)
{
    setup();
    CHECK_EQ_INT(dhcps_glue_attach(&nat1, &vcfg.nic[1], &vcfg, 1), -EEXIST);
    struct cfg_nic wan_cfg = { .role = CFG_NIC_WAN, .dhcp_client = true };
    CHECK_EQ_INT(dhcps_glue_attach(&wan, &wan_cfg, &vcfg, 0), -EINVAL);
    struct cfg_nic tiny = { .role = CFG_NIC_HOSTONLY, .addr = IP4(192, 168, 9, 1), .prefix = 29 };
    CHECK_EQ_INT(dhcps_glue_attach(&wan, &tiny, &vcfg, 0), -EINVAL);
    teardown();
    /* Detaching a netif without a server is harmless. */
    dhcps_glue_detach(&wan);
}
