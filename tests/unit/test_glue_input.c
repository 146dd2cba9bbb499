/* The IPv4 input hook and what it hands on (lwip-port/hooks.c, nat_glue.c,
 * ttl_icmp.c, alias.c): headers checked before reassembly, ICMP quotes of what
 * arrived, the marks a packet carries instead of globals. */
#include "glue_fixture.h"
#include "unit.h"
#include "ref_csum.h"

#include "net/bytes.h"
#include "net/ip4.h"
#include "lwip-port/alias.h"
#include "lwip-port/hooks.h"
#include "lwip-port/icmp_err.h"
#include "lwip-port/nat_glue.h"

#include "lwip/etharp.h"
#include "lwip/stats.h"
#include "lwip/udp.h"

#include <string.h>

static uint8_t pkt[PB_MAX];

static unsigned reass_held(void)
{
    return lwip_stats.memp[MEMP_REASSDATA]->used;
}

/* The first fragment of a UDP datagram from the guest: 400 bytes of a 1000-byte
 * datagram (MF set). */
static size_t first_fragment(void)
{
    size_t len = pb_udp(pkt, GF_GUEST, 5000, GF_REMOTE, 53, 980);
    pb_set_frag(pkt, 0x2000);
    put_be16(pkt + 2, 400);
    pb_fix_ip_csum(pkt);
    (void)len;
    return 400;
}

/* Today's hook handed this to ip4_reass, which took the total length on trust:
 * a datagram whose first 400 bytes claim 1000 would be waited for, then
 * reassembled with bytes that never arrived. */
TEST(glue_fragment_claiming_more_than_arrived_is_dropped_before_reassembly)
{
    gf_setup(0, 0, true);
    size_t len = first_fragment();
    put_be16(pkt + 2, 1000);                           /* claims more than arrives */
    pb_fix_ip_csum(pkt);

    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL);
    CHECK_EQ_INT(ip4_in_stats.refused[IP4_BAD_TOTLEN], 1);
    CHECK_EQ_INT(reass_held(), 0);
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    gf_teardown();
}

TEST(glue_fragment_with_a_bad_header_checksum_is_dropped_before_reassembly)
{
    gf_setup(0, 0, true);
    size_t len = first_fragment();
    pkt[10] ^= 0x5a;

    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL);
    CHECK_EQ_INT(ip4_in_stats.refused[IP4_BAD_CSUM], 1);
    CHECK_EQ_INT(reass_held(), 0);
    gf_teardown();
}

/* The good case: two fragments become one datagram, translated and sent. */
TEST(glue_fragments_are_reassembled_and_translated)
{
    gf_setup(0, 0, true);
    uint8_t whole[PB_MAX], frag[PB_MAX];
    size_t len = pb_udp(whole, GF_GUEST, 5000, GF_REMOTE, 53, 980);   /* 1008 bytes */

    /* 20 + 400 bytes, then 20 + 588. */
    memcpy(frag, whole, 420);
    put_be16(frag + 2, 420);
    pb_set_frag(frag, 0x2000);
    pb_fix_ip_csum(frag);
    gf_receive(&gf_lan, GF_MAC_GUEST, frag, 420, NULL);
    CHECK_EQ_INT(reass_held(), 1);
    memcpy(frag, whole, 20);
    memcpy(frag + 20, whole + 420, len - 420);
    put_be16(frag + 2, (uint16_t)(20 + len - 420));
    pb_set_frag(frag, 400 / 8);
    pb_fix_ip_csum(frag);
    gf_receive(&gf_lan, GF_MAC_GUEST, frag, 20 + len - 420, NULL);
    CHECK_EQ_INT(reass_held(), 0);

    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    const uint8_t *ip = gf_ip(&gf_wan.sent[0]);
    CHECK_EQ_INT(get_be16(ip + 2), len);
    CHECK_EQ_INT(get_be32(ip + 12), GF_WAN_ADDR);
    const char *what;
    CHECK(pb_csums_ok(ip, len, &what));
    CHECK_MEM(ip + 28, whole + 28, len - 28);
    gf_teardown();
}

/* The Time Exceeded the LAN NIC sent to the guest, or NULL. */
static const uint8_t *time_exceeded_to_guest(void)
{
    for (unsigned i = 0; i < gf_lan.n_sent; i++) {
        const uint8_t *ip = gf_ip(&gf_lan.sent[i]);
        if (get_be16(gf_lan.sent[i].b + 12) == 0x0800 && ip[9] == 1 && ip[20] == 11 &&
            get_be32(ip + 16) == GF_GUEST)
            return ip;
    }
    return NULL;
}

/* A 22-byte packet in a frame padded to 60 bytes with what an earlier frame left:
 * the quote is the 22 bytes that are the packet (lwIP's own copies 28). */
TEST(glue_time_exceeded_quotes_only_what_arrived)
{
    gf_setup(0, 0, true);
    uint8_t frame[60];
    size_t len = pb_ip(pkt, 99, GF_GUEST, GF_REMOTE, 0, "hi", 2);
    pb_set_ttl(pkt, 1);
    memset(frame, 0xa5, sizeof frame);
    memcpy(frame, gf_lan.nic.mac, 6);
    memcpy(frame + 6, GF_MAC_GUEST, 6);
    put_be16(frame + 12, 0x0800);
    memcpy(frame + 14, pkt, len);

    gf_receive_frame(&gf_lan, frame, sizeof frame, NULL);
    const uint8_t *ip = time_exceeded_to_guest();
    REQUIRE(ip != NULL);
    CHECK_EQ_INT(get_be16(ip + 2), 20 + 8 + 22);
    CHECK_MEM(ip + 28, pkt, 22);
    CHECK_EQ_INT(get_be32(ip + 12), GF_NAT_SELF);
    CHECK_EQ_INT(ref_csum(ip + 20, 8 + 22), 0);
    CHECK_EQ_INT(icmp_err_stats.sent[ICMP_ERR_TTL_EXCEEDED], 1);
    gf_teardown();
}

/* With IP options the quote still reaches the ports (lwIP's fixed 28 bytes would
 * stop inside the options). */
TEST(glue_time_exceeded_quote_holds_the_ports_after_options)
{
    gf_setup(0, 0, true);
    uint8_t udp[8 + 20];
    put_be16(udp, 33434);
    put_be16(udp + 2, 33435);
    put_be16(udp + 4, sizeof udp);
    put_be16(udp + 6, 0);
    memset(udp + 8, 0, 20);
    size_t len = pb_ip(pkt, 17, GF_GUEST, GF_REMOTE, 4, udp, sizeof udp);
    pb_set_ttl(pkt, 1);

    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL);
    const uint8_t *ip = time_exceeded_to_guest();
    REQUIRE(ip != NULL);
    CHECK_EQ_INT(get_be16(ip + 2), 20 + 8 + 24 + 8);
    CHECK_EQ_INT(get_be16(ip + 28 + 24), 33434);
    CHECK_EQ_INT(get_be16(ip + 28 + 26), 33435);
    gf_teardown();
}

/* An ICMP error whose TTL runs out is dropped unanswered (RFC 1812 4.3.2.7). */
TEST(glue_no_time_exceeded_about_an_icmp_error)
{
    gf_setup(0, 0, true);
    uint8_t inner[PB_MAX];
    size_t ilen = pb_udp(inner, GF_REMOTE, 53, GF_GUEST, 5000, 8);
    size_t len = pb_icmp_error(pkt, 3, 3, GF_GUEST, GF_REMOTE, inner, ilen);
    pb_set_ttl(pkt, 1);

    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL);
    CHECK(time_exceeded_to_guest() == NULL);
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    gf_teardown();
}

/* --- the alias mark ------------------------------------------------------------ */

static struct {
    unsigned n;
    bool via_alias[4];
    ip4_addr_t alias[4];
} got;

static void dns_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                     u16_t port)
{
    if (got.n < 4) {
        got.via_alias[got.n] = alias_packet_was_for(p, ip_current_input_netif(), 53,
                                                    &got.alias[got.n]);
        got.n++;
    }
    pbuf_free(p);
}

TEST(glue_alias_mark_travels_with_the_packet)
{
    gf_setup(0, 0, true);
    memset(&got, 0, sizeof got);
    struct udp_pcb *pcb = udp_new();
    REQUIRE(pcb != NULL);
    REQUIRE_EQ_INT(udp_bind(pcb, IP_ANY_TYPE, 53), ERR_OK);
    udp_recv(pcb, dns_recv, NULL);

    size_t len = pb_udp(pkt, GF_GUEST, 5000, GF_NAT_DNS, 53, 30);     /* to .3 */
    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL);
    len = pb_udp(pkt, GF_GUEST, 5001, GF_NAT_SELF, 53, 30);           /* to .2 */
    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL);
    len = pb_udp(pkt, GF_GUEST, 5002, GF_NAT_DNS, 53, 30);            /* .3 again */
    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL);

    REQUIRE_EQ_INT(got.n, 3);
    CHECK(got.via_alias[0]);
    CHECK_EQ_INT(lwip_ntohl(ip4_addr_get_u32(&got.alias[0])), GF_NAT_DNS);
    CHECK(!got.via_alias[1]);
    CHECK(got.via_alias[2]);
    udp_remove(pcb);
    gf_teardown();
}

/* --- a hairpin the fast path cannot finish (the neighbour's MAC unknown) ------- */

#define GUEST_B IP4(10, 0, 2, 16)
static const uint8_t MAC_B[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x16};

/* Guest A reaches guest B's forwarded port by the WAN address. B's MAC is not
 * known yet: the fast path hands the translated packet to lwIP marked NAT_BACK,
 * the hook forwards it back out of the LAN (lwIP's forwarder would not), ARP asks
 * for B, and the packet leaves when B answers. */
TEST(glue_hairpin_back_out_of_its_interface_through_lwip)
{
    gf_setup(0, 0, true);
    struct cfg_natpf r = {.name = "web", .proto = 6, .nic = 1, .host_port = 8080,
                          .guest_ip = GUEST_B, .guest_port = 80};
    REQUIRE_EQ_INT(nat_glue_add_rule(&r, gf_lan.nif), 0);

    size_t len = pb_tcp(pkt, GF_GUEST, 40000, GF_WAN_ADDR, 8080, 0x02, 100, 0, 0);
    CHECK_EQ_INT(gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL), NIC_RX_DONE);
    REQUIRE_EQ_INT(gf_lan.n_sent, 1);                  /* who has 10.0.2.16? */
    const uint8_t *arp = gf_lan.sent[0].b;
    CHECK_EQ_INT(get_be16(arp + 12), 0x0806);
    CHECK_EQ_INT(get_be32(arp + 14 + 24), GUEST_B);
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

    REQUIRE_EQ_INT(gf_lan.n_sent, 1);
    const uint8_t *ip = gf_ip(&gf_lan.sent[0]);
    CHECK_MEM(gf_lan.sent[0].b, MAC_B, 6);
    CHECK_EQ_INT(get_be32(ip + 12), GF_WAN_ADDR);
    CHECK_EQ_INT(get_be32(ip + 16), GUEST_B);
    CHECK_EQ_INT(get_be16(ip + 22), 80);
    CHECK_EQ_INT(ip[8], 63);                           /* one hop */
    const char *what;
    CHECK(pb_csums_ok(ip, get_be16(ip + 2), &what));
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    gf_teardown();
}

/* --- RFC 5508 REQ-8: no flow can be made ------------------------------------- */

static bool every_port(void *ctx, uint8_t proto, uint16_t port)
{
    (void)ctx;
    (void)proto;
    (void)port;
    return true;
}

/* A guest whose new flow finds no external port is told at once (ICMP
 * destination unreachable, administratively prohibited), quoting its packet as
 * it sent it; the fast path and lwIP's path alike. */
TEST(glue_no_room_for_a_flow_is_answered_prohibited)
{
    for (int fast = 0; fast < 2; fast++) {
        gf_setup(0, 0, fast);
        nat_set_port_filter(nat_glue_engine(), every_port, NULL);
        size_t len = pb_udp(pkt, GF_GUEST, 5000, GF_REMOTE, 53, 20);
        gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, NULL);
        CHECK_EQ_INT(gf_wan.n_sent, 0);
        const uint8_t *ip = NULL;
        for (unsigned i = 0; i < gf_lan.n_sent; i++) {
            const uint8_t *q = gf_ip(&gf_lan.sent[i]);
            if (get_be16(gf_lan.sent[i].b + 12) == 0x0800 && q[9] == 1 && q[20] == 3)
                ip = q;
        }
        REQUIRE(ip != NULL);
        CHECK_EQ_INT(ip[21], 13);
        CHECK_EQ_INT(get_be32(ip + 16), GF_GUEST);
        CHECK_MEM(ip + 28, pkt, 28);
        CHECK_EQ_INT(ref_csum(ip + 20, get_be16(ip + 2) - 20), 0);
        CHECK_EQ_INT(icmp_err_stats.sent[ICMP_ERR_PROHIBITED], 1);
        gf_teardown();
    }
}
