/* The TFTP server's lwIP glue (lwip-port/tftp_glue.c) on the host build, through
 * the glue fixture's NAT network (frames in through the NIC core and the IPv4
 * hook, frames out of the fake NIC): a transfer from its own port with the root's
 * bytes lent to lwIP (PBUF_REF), also when ARP holds the packets; only the served
 * addresses, networks and netifs answered; the NET+4 alias answered from .4; the
 * timer; ports and PCBs given back; the console command. */
#include "glue_fixture.h"
#include "console_capture.h"
#include "tftp_harness.h"
#include "unit.h"

#include "lwip-port/alias.h"
#include "lwip-port/tftp_glue.h"
#include "net/bytes.h"

#include "lwip/stats.h"
#include "lwip/udp.h"
#include "lwip/timeouts.h"

#include <errno.h>
#include <string.h>

#define NAT_TFTP IP4(10, 0, 2, 4)
#define GUEST_B  IP4(10, 0, 2, 16)

static const uint8_t MAC_B[6] = {0x52, 0x54, 0x00, 0xbb, 0xbb, 0xbb};
static struct th_root root;
static uint8_t file[5000];

static ip4_addr_t a4(uint32_t host)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(host));
    return a;
}

static unsigned pcbs_used(void)
{
    return lwip_stats.memp[MEMP_UDP_PCB]->used;
}

/* The fixture, a root with one file, and the server on the LAN at addrs. */
static void setup(const uint32_t *addrs, unsigned n, bool mappable)
{
    gf_setup(0, 0, false);
    th_root_init(&root);
    root.mappable = mappable;
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i * 29 + (i >> 8));
    th_root_add(&root, "pxelinux.0", file, sizeof file);
    ip4_addr_t a[TFTP_GLUE_MAX_ADDRS];
    for (unsigned i = 0; i < n; i++)
        a[i] = a4(addrs[i]);
    REQUIRE_EQ_INT(tftp_glue_attach(gf_lan.nif, a, n, &root.root, 0), 0);
}

static void teardown(void)
{
    tftp_glue_detach(gf_lan.nif);
    CHECK_EQ_INT(root.open_handles, 0);
    gf_teardown();
}

/* A UDP datagram carrying msg from src:sport to dst:dport, in a frame from mac
 * (UDP checksum 0: none). */
static void send_udp(const uint8_t *mac, uint32_t src, uint16_t sport, uint32_t dst,
                     uint16_t dport, const void *msg, size_t len)
{
    uint8_t udp[PB_MAX], pkt[PB_MAX];
    put_be16(udp, sport);
    put_be16(udp + 2, dport);
    put_be16(udp + 4, (uint16_t)(8 + len));
    put_be16(udp + 6, 0);
    memcpy(udp + 8, msg, len);
    size_t plen = pb_ip(pkt, 17, src, dst, 0, udp, 8 + len);
    gf_receive(&gf_lan, mac, pkt, plen, NULL);
}

static void rrq(uint32_t src, uint16_t sport, uint32_t dst, const char *name, const char *opt,
                const char *val)
{
    uint8_t b[128];
    size_t n = opt ? th_build_request(b, TFTP_RRQ, name, "octet", opt, val, NULL)
                   : th_build_request(b, TFTP_RRQ, name, "octet", NULL);
    send_udp(src == GUEST_B ? MAC_B : GF_MAC_GUEST, src, sport, dst, 69, b, n);
}

static void ack(uint32_t src, uint16_t sport, uint16_t dport, uint16_t block)
{
    uint8_t a[4];
    tftp_put_header(a, TFTP_ACK, block);
    send_udp(src == GUEST_B ? MAC_B : GF_MAC_GUEST, src, sport, GF_NAT_SELF, dport, a, 4);
}

/* A UDP datagram the LAN NIC sent: addresses, ports and payload. */
struct got {
    uint32_t src, dst;
    uint16_t sport, dport;
    const uint8_t *data;
    size_t len;
};

static bool udp_sent(unsigned k, struct got *o)
{
    if (k >= gf_lan.n_sent)
        return false;
    const struct gf_sent *s = &gf_lan.sent[k];
    if (s->len < 14 + 28 || get_be16(s->b + 12) != 0x0800)
        return false;
    const uint8_t *ip = gf_ip(s);
    if (ip[9] != 17)
        return false;
    const char *what;
    CHECK(pb_csums_ok(ip, get_be16(ip + 2), &what));
    o->src = get_be32(ip + 12);
    o->dst = get_be32(ip + 16);
    o->sport = get_be16(ip + 20);
    o->dport = get_be16(ip + 22);
    o->data = ip + 28;
    o->len = get_be16(ip + 24) - 8u;
    return true;
}

/* A whole transfer: OACK from a port of the dynamic range, blocks of 1468 (the
 * fixture's MTU of 1500 less 32) from the root's own bytes, the port and the PCB
 * given back at the end. */
TEST(glue_tftp_serves_a_file_from_a_port_of_its_own)
{
    uint32_t self = GF_NAT_SELF;
    setup(&self, 1, true);
    unsigned pcbs = pcbs_used();
    rrq(GF_GUEST, 2000, GF_NAT_SELF, "pxelinux.0", "blksize", "1468");
    struct got o;
    REQUIRE(udp_sent(0, &o));
    CHECK_EQ_INT(o.src, GF_NAT_SELF);
    CHECK_EQ_INT(o.dst, GF_GUEST);
    CHECK_EQ_INT(o.dport, 2000);
    CHECK(o.sport >= TFTP_GLUE_PORT_MIN);
    CHECK_EQ_INT(get_be16(o.data), TFTP_OACK);
    CHECK_EQ_INT(pcbs_used(), pcbs + 1);
    uint16_t port = o.sport;
    gf_clear_sent();

    ack(GF_GUEST, 2000, port, 0);
    for (uint16_t b = 1; b <= 4; b++) {
        REQUIRE(udp_sent(0, &o));
        CHECK_EQ_INT(o.sport, port);
        CHECK_EQ_INT(get_be16(o.data + 2), b);
        size_t want = b < 4 ? 1468 : sizeof file - 3 * 1468;
        REQUIRE_EQ_INT(o.len, 4 + want);
        CHECK_MEM(o.data + 4, file + (b - 1) * 1468, want);
        gf_clear_sent();
        ack(GF_GUEST, 2000, port, b);
    }
    CHECK_EQ_INT(gf_lan.n_sent, 0);
    const struct tftp_stats *st = tftp_glue_stats();
    REQUIRE(st != NULL);
    CHECK_EQ_INT(st->completed, 1);
    CHECK_EQ_INT(st->zero_copy, 4);
    CHECK_EQ_INT(pcbs_used(), pcbs);
    teardown();
}

/* The transfer port the glue opened (the one UDP PCB in the dynamic range). */
static uint16_t transfer_port(void)
{
    for (struct udp_pcb *p = udp_pcbs; p; p = p->next)
        if (p->local_port >= TFTP_GLUE_PORT_MIN)
            return p->local_port;
    return 0;
}

/* Blocks read into the server's one buffer, then held by ARP until the guest
 * answers: lwIP copied each PBUF_REF payload before queueing it, so every block
 * comes out with its own bytes, not the last one read. (ARP holds 3 packets per
 * neighbour: the OACK and a window of 2.) */
TEST(glue_tftp_blocks_held_by_arp_keep_their_bytes)
{
    uint32_t self = GF_NAT_SELF;
    setup(&self, 1, false);
    rrq(GUEST_B, 2100, GF_NAT_SELF, "pxelinux.0", "windowsize", "2");
    CHECK_EQ_INT(gf_lan.n_sent, 1);                    /* who has 10.0.2.16? */
    CHECK_EQ_INT(get_be16(gf_lan.sent[0].b + 12), 0x0806);
    uint16_t port = transfer_port();
    REQUIRE(port != 0);
    ack(GUEST_B, 2100, port, 0);                       /* blind: the OACK is still held */
    CHECK_EQ_INT(tftp_glue_stats()->blocks, 2);
    gf_clear_sent();

    uint8_t reply[42];
    memcpy(reply, gf_lan.nic.mac, 6);
    memcpy(reply + 6, MAC_B, 6);
    put_be16(reply + 12, 0x0806);
    uint8_t *a = reply + 14;
    put_be16(a, 1);
    put_be16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, 2);
    memcpy(a + 8, MAC_B, 6);
    put_be32(a + 14, GUEST_B);
    memcpy(a + 18, gf_lan.nic.mac, 6);
    put_be32(a + 24, GF_NAT_SELF);
    gf_receive_frame(&gf_lan, reply, sizeof reply, NULL);

    struct got o;
    unsigned blocks = 0, oacks = 0;
    for (unsigned k = 0; k < gf_lan.n_sent; k++) {
        if (!udp_sent(k, &o))
            continue;
        CHECK_EQ_INT(o.sport, port);
        if (get_be16(o.data) == TFTP_OACK) {
            oacks++;
            continue;
        }
        uint16_t blk = get_be16(o.data + 2);
        REQUIRE(blk >= 1 && blk <= 2);
        CHECK_EQ_INT(o.len, 4 + 512);
        CHECK_MEM(o.data + 4, file + (blk - 1) * 512, 512);
        blocks++;
    }
    CHECK_EQ_INT(oacks, 1);
    CHECK_EQ_INT(blocks, 2);
    CHECK_EQ_INT(tftp_glue_stats()->zero_copy, 0);
    teardown();
}

/* Only the addresses given: the netif's own address is not served when it is not
 * in the list; the WAN is never served; a source outside the LAN is dropped. */
TEST(glue_tftp_answers_only_where_it_serves)
{
    uint32_t only = NAT_TFTP;
    setup(&only, 1, true);
    rrq(GF_GUEST, 2200, GF_NAT_SELF, "pxelinux.0", NULL, NULL);
    CHECK_EQ_INT(gf_lan.n_sent, 0);
    CHECK_EQ_INT(tftp_glue_counters()->wrong_address, 1);

    rrq(IP4(10, 0, 3, 7), 2201, GF_NAT_SELF, "pxelinux.0", NULL, NULL);
    CHECK_EQ_INT(gf_lan.n_sent, 0);

    /* From the WAN's gateway to the WAN address, port 69. */
    uint8_t b[64], udp[PB_MAX], pkt[PB_MAX];
    size_t n = th_build_request(b, TFTP_RRQ, "pxelinux.0", "octet", NULL);
    put_be16(udp, 2202);
    put_be16(udp + 2, 69);
    put_be16(udp + 4, (uint16_t)(8 + n));
    put_be16(udp + 6, 0);
    memcpy(udp + 8, b, n);
    size_t plen = pb_ip(pkt, 17, GF_WAN_GW, GF_WAN_ADDR, 0, udp, 8 + n);
    gf_receive(&gf_wan, GF_MAC_GW, pkt, plen, NULL);
    struct got o;
    for (unsigned k = 0; k < gf_wan.n_sent; k++) {
        const uint8_t *ip = gf_ip(&gf_wan.sent[k]);
        CHECK(!(ip[9] == 17 && get_be16(ip + 20) == 69));
    }
    (void)o;
    CHECK_EQ_INT(tftp_glue_stats()->requests, 0);      /* nothing reached the server */
    teardown();
}

/* NET+4 as a service alias for port 69: the request is answered from .4 (EDK2
 * takes replies only from the server it asked). */
TEST(glue_tftp_answers_from_the_alias_it_was_asked_at)
{
    uint32_t addrs[] = {GF_NAT_SELF, NAT_TFTP};
    setup(addrs, 2, true);
    ip4_addr_t four = a4(NAT_TFTP);
    REQUIRE_EQ_INT(alias_add(gf_lan.nif, &four, 69, 0), 0);
    rrq(GF_GUEST, 2300, NAT_TFTP, "pxelinux.0", "tsize", "0");
    struct got o;
    REQUIRE(udp_sent(0, &o));
    CHECK_EQ_INT(o.src, NAT_TFTP);
    CHECK_EQ_INT(get_be16(o.data), TFTP_OACK);
    gf_clear_sent();
    rrq(GF_GUEST, 2301, GF_NAT_SELF, "pxelinux.0", "tsize", "0");
    REQUIRE(udp_sent(0, &o));
    CHECK_EQ_INT(o.src, GF_NAT_SELF);
    teardown();
}

/* A whole transfer at .4 once the alias also delivers the transfer ports (as
 * pxe_glue.c adds it): the ACKs to .4's transfer port reach the session and every
 * DATA leaves from .4. With port 69 alone, the first ACK is dropped at the alias
 * and the guest never gets block 1. */
TEST(glue_tftp_a_whole_transfer_at_the_alias)
{
    uint32_t addrs[] = {GF_NAT_SELF, NAT_TFTP};
    setup(addrs, 2, true);
    ip4_addr_t four = a4(NAT_TFTP);
    REQUIRE_EQ_INT(alias_add_udp_range(gf_lan.nif, &four, 69, TFTP_GLUE_PORT_MIN, 65535, 0), 0);
    rrq(GF_GUEST, 2500, NAT_TFTP, "pxelinux.0", "blksize", "1468");
    struct got o;
    REQUIRE(udp_sent(0, &o));
    CHECK_EQ_INT(o.src, NAT_TFTP);
    CHECK_EQ_INT(get_be16(o.data), TFTP_OACK);
    uint16_t port = o.sport;
    gf_clear_sent();
    for (uint16_t b = 0; b <= 4; b++) {
        uint8_t a[4];
        tftp_put_header(a, TFTP_ACK, b);
        send_udp(GF_MAC_GUEST, GF_GUEST, 2500, NAT_TFTP, port, a, 4);
        if (b == 4)
            break;
        REQUIRE(udp_sent(0, &o));
        CHECK_EQ_INT(o.src, NAT_TFTP);
        CHECK_EQ_INT(o.sport, port);
        CHECK_EQ_INT(get_be16(o.data), TFTP_DATA);
        CHECK_EQ_INT(get_be16(o.data + 2), b + 1);
        size_t want = b < 3 ? 1468 : sizeof file - 3 * 1468;
        REQUIRE_EQ_INT(o.len, 4 + want);
        CHECK_MEM(o.data + 4, file + b * 1468, want);
        gf_clear_sent();
    }
    CHECK_EQ_INT(tftp_glue_stats()->completed, 1);
    /* Another port of .4 below the range is still the alias's drop. */
    uint8_t junk[4] = {0};
    send_udp(GF_MAC_GUEST, GF_GUEST, 2500, NAT_TFTP, 4000, junk, 4);
    CHECK_EQ_INT(gf_lan.n_sent, 0);
    teardown();
}

/* An alias's ports are its own: another alias of the netif may not take one. */
TEST(glue_alias_ports_do_not_overlap)
{
    gf_setup(0, 0, false);
    ip4_addr_t four = a4(NAT_TFTP), five = a4(IP4(10, 0, 2, 5));
    REQUIRE_EQ_INT(alias_add_udp_range(gf_lan.nif, &four, 69, 49152, 65535, 0), 0);
    CHECK_EQ_INT(alias_add(gf_lan.nif, &five, 69, 0), -EEXIST);
    CHECK_EQ_INT(alias_add(gf_lan.nif, &five, 50000, 0), -EEXIST);
    CHECK_EQ_INT(alias_add_udp_range(gf_lan.nif, &five, 70, 40000, 49152, 0), -EEXIST);
    CHECK_EQ_INT(alias_add_udp_range(gf_lan.nif, &five, 70, 2, 1, 0), -EINVAL);
    CHECK_EQ_INT(alias_add_udp_range(gf_lan.nif, &five, 70, 40000, 49151, 0), 0);
    gf_teardown();
}

/* The retransmission timer runs through lwIP's timeouts; a silent client's session
 * ends after its retries and gives its PCB back. */
TEST(glue_tftp_timer_retransmits_then_gives_up)
{
    uint32_t self = GF_NAT_SELF;
    setup(&self, 1, true);
    unsigned pcbs = pcbs_used();
    rrq(GF_GUEST, 2400, GF_NAT_SELF, "pxelinux.0", NULL, NULL);
    CHECK_EQ_INT(gf_lan.n_sent, 1);
    gf_clear_sent();
    unit_clock_advance_ms(999);
    sys_check_timeouts();
    CHECK_EQ_INT(gf_lan.n_sent, 0);
    unit_clock_advance_ms(1);
    sys_check_timeouts();
    struct got o;
    REQUIRE(udp_sent(0, &o));
    CHECK_EQ_INT(get_be16(o.data), TFTP_DATA);
    CHECK_EQ_INT(get_be16(o.data + 2), 1);
    for (int i = 0; i < 40; i++) {
        unit_clock_advance_ms(1000);
        sys_check_timeouts();
    }
    const struct tftp_stats *st = tftp_glue_stats();
    CHECK_EQ_INT(st->ends[TFTP_END_TIMEOUT], 1);
    CHECK_EQ_INT(pcbs_used(), pcbs);
    teardown();
}

/* Detaching ends the netif's transfers and, being the last, closes port 69. */
TEST(glue_tftp_detach_gives_everything_back)
{
    uint32_t self = GF_NAT_SELF;
    unsigned before = pcbs_used();
    setup(&self, 1, true);
    rrq(GF_GUEST, 2500, GF_NAT_SELF, "pxelinux.0", NULL, NULL);
    rrq(GF_GUEST, 2501, GF_NAT_SELF, "pxelinux.0", NULL, NULL);
    CHECK_EQ_INT(pcbs_used(), before + 3);
    ip4_addr_t a = a4(GF_NAT_SELF);
    CHECK_EQ_INT(tftp_glue_attach(gf_lan.nif, &a, 1, &root.root, 0), -EEXIST);
    CHECK_EQ_INT(tftp_glue_attach(gf_wan.nif, &a, 0, &root.root, 0), -EINVAL);
    CHECK_EQ_INT(tftp_glue_attach(gf_wan.nif, &a, 1, NULL, 0), -EINVAL);
    tftp_glue_detach(gf_lan.nif);
    CHECK_EQ_INT(pcbs_used(), before);
    CHECK(tftp_glue_stats() == NULL);
    CHECK_EQ_INT(root.open_handles, 0);
    tftp_glue_detach(gf_lan.nif);                       /* again: nothing */
    gf_teardown();
}

/* The console: where it serves, the root's files, transfers and counters. */
TEST(glue_tftp_console_command)
{
    uint32_t addrs[] = {GF_NAT_SELF, NAT_TFTP};
    setup(addrs, 2, true);
    rrq(GF_GUEST, 2600, GF_NAT_SELF, "pxelinux.0", NULL, NULL);
    rrq(GF_GUEST, 2601, GF_NAT_SELF, "missing", NULL, NULL);
    unit_console_clear();
    tftp_glue_print(false);
    const char *out = unit_console();
    CHECK(strstr(out, "10.0.2.2 10.0.2.4, blocks up to 1468 bytes, from test root") != NULL);
    CHECK(strstr(out, "pxelinux.0") != NULL);
    CHECK(strstr(out, "1 file(s), 5000 bytes") != NULL);
    CHECK(strstr(out, "not found 1") != NULL);
    CHECK(strstr(out, "10.0.2.15:2600") != NULL);
    CHECK(strstr(out, "glue: not served 0") != NULL);
    if (!strstr(out, "10.0.2.15:2600"))
        unit_fail(false, __FILE__, __LINE__, "console:\n%s", out);
    teardown();
}
