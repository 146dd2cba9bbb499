/* Bridged mode (lwip-port/bridged_glue.c) over the real NIC core, lwIP, NAT glue
 * and fake NICs: a bridged NIC's guest and the WAN segment exchange frames both
 * ways (its DHCP broadcast goes out of the WAN, the WAN's answer to its MAC comes
 * back, lent), vmgate's own WAN traffic and NAT keep their path and never cross the
 * switch, lwIP's broadcasts reach the bridged guests, a bridged guest pings vmgate's
 * WAN address, and a NAT guest's packet to a bridged guest's WAN address is switched
 * to it rather than lost on the WAN. */
#include "glue_fixture.h"
#include "unit.h"

#include "lwip-port/bridged_glue.h"
#include "lwip-port/fastpath.h"
#include "lwip-port/nicif.h"
#include "lwip-port/switch_glue.h"
#include "net/bytes.h"

#include "lwip/etharp.h"
#include "lwip/sys.h"

#include <string.h>

static struct fake_nic pa;
static const uint8_t G1[6] = {0x52, 0x54, 0x00, 0, 0, 0x31};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#define G1_ADDR IP4(203, 0, 113, 50)
/* The switch's ports, in the order bridged_glue_setup adds them. */
enum { UPLINK, HOST, GUESTS };

static uint8_t frame[1600], pkt[1600];

static ip4_addr_t ip4(uint32_t h)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(h));
    return a;
}

/* gf_setup's WAN (nic0) and NAT network (nic1), and nic2 bridged onto the WAN. */
static struct eth_switch *bridged(void)
{
    gf_setup(0, 0, true);
    gf_fake_register(&pa, 0x20, NIC_CAP_TX_SG);
    struct nic *ports[] = {&pa.nic};
    REQUIRE_EQ_INT(bridged_glue_setup(&gf_wan.nic, ports, 1), 0);
    fastpath_attach_all();
    gf_fake_clear(&pa);
    gf_clear_sent();
    struct switch_glue *g = switch_glue_find("nic0");
    REQUIRE(g != NULL);
    return switch_glue_switch(g);
}

static void done(void)
{
    gf_fake_clear(&pa);
    switch_glue_test_reset();
    bridged_glue_test_reset();
    gf_teardown();
}

static uint32_t eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type,
                    const uint8_t *payload, size_t plen)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put_be16(f + 12, type);
    memcpy(f + 14, payload, plen);
    return (uint32_t)(14 + plen);
}

TEST(glue_bridged_guest_and_wan_segment_exchange_frames)
{
    struct eth_switch *sw = bridged();
    CHECK(gf_wan.nic.rxmode.promisc);
    CHECK(pa.nic.rxmode.promisc);
    CHECK(nicif_of(&gf_wan.nic) == gf_wan.nif);         /* the WAN keeps its netif */
    /* The guest's DHCP discover: a broadcast, out of the WAN as it was sent. */
    size_t plen = pb_udp(pkt, 0, 68, 0xffffffffu, 67, 300);
    uint32_t len = eth(frame, BCAST, G1, 0x0800, pkt, plen);
    gf_receive_frame(&pa, frame, len, NULL);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    CHECK_EQ_INT(gf_wan.sent[0].len, len);
    CHECK_MEM(gf_wan.sent[0].b, frame, len);
    CHECK_EQ_INT(gf_lan.n_sent, 0);                     /* never onto the NAT network */
    CHECK_EQ_INT(switch_fdb_lookup(sw, 1, G1, sys_now()), GUESTS);
    /* The server's offer, unicast to the guest's MAC, comes back lent. */
    plen = pb_udp(pkt, GF_WAN_GW, 67, G1_ADDR, 68, 600);
    len = eth(frame, G1, GF_MAC_GW, 0x0800, pkt, plen);
    CHECK_EQ_INT(gf_receive_frame(&gf_wan, frame, len, NULL), NIC_RX_LENT);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK(pa.sent[0].lent);
    CHECK_MEM(pa.sent[0].b, frame, len);
    CHECK_EQ_INT(switch_fdb_lookup(sw, 1, GF_MAC_GW, sys_now()), UPLINK);
    /* The WAN's broadcast reaches the guest and vmgate both (ARP for vmgate's
     * address: lwIP answers it on the WAN). */
    static const uint8_t arp_hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    uint8_t arp[46] = {0};
    memcpy(arp, arp_hdr, 8);
    memcpy(arp + 8, GF_MAC_GW, 6);
    put_be32(arp + 14, GF_WAN_GW);
    put_be32(arp + 24, GF_WAN_ADDR);
    gf_clear_sent();
    gf_fake_clear(&pa);
    len = eth(frame, BCAST, GF_MAC_GW, 0x0806, arp, sizeof arp);
    gf_receive_frame(&gf_wan, frame, len, NULL);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK_MEM(pa.sent[0].b, frame, len);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);                   /* lwIP's ARP reply, to the gateway */
    CHECK_MEM(gf_wan.sent[0].b, GF_MAC_GW, 6);
    CHECK_EQ_INT(get_be16(gf_wan.sent[0].b + 12), 0x0806);
    CHECK_EQ_INT(sw->port[HOST].stats.rx_frames, 0);    /* unicast to the WAN: not switched */
    done();
}

TEST(glue_bridged_nat_keeps_its_path)
{
    struct eth_switch *sw = bridged();
    /* A NAT guest's datagram out, and the answer back: the fast path both ways. */
    size_t plen = pb_udp(pkt, GF_GUEST, 5000, GF_REMOTE, 53, 200);
    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, plen, NULL);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    CHECK_MEM(gf_wan.sent[0].b, GF_MAC_GW, 6);
    CHECK_EQ_INT(pb_src(gf_ip(&gf_wan.sent[0])), GF_WAN_ADDR);
    uint16_t port = pb_sport(gf_ip(&gf_wan.sent[0]));
    plen = pb_udp(pkt, GF_REMOTE, 53, GF_WAN_ADDR, port, 200);
    gf_receive(&gf_wan, GF_MAC_GW, pkt, plen, NULL);
    REQUIRE_EQ_INT(gf_lan.n_sent, 1);
    CHECK_EQ_INT(pb_dst(gf_ip(&gf_lan.sent[0])), GF_GUEST);
    CHECK(fastpath_stats.forwarded >= 2);
    CHECK_EQ_INT(pa.n_sent, 0);
    CHECK_EQ_INT(sw->port[UPLINK].stats.rx_frames, 0);
    CHECK_EQ_INT(sw->port[HOST].stats.rx_frames, 0);
    /* `fastpath off`: the same exchange through lwIP, still not switched. */
    fastpath_detach_all();
    CHECK(gf_wan.nic.fastpath != NULL);                 /* the bridge's hook stays */
    gf_clear_sent();
    plen = pb_udp(pkt, GF_REMOTE, 53, GF_WAN_ADDR, port, 200);
    gf_receive(&gf_wan, GF_MAC_GW, pkt, plen, NULL);
    REQUIRE_EQ_INT(gf_lan.n_sent, 1);
    CHECK_EQ_INT(pb_dst(gf_ip(&gf_lan.sent[0])), GF_GUEST);
    CHECK_EQ_INT(sw->port[UPLINK].stats.rx_frames, 0);
    done();
}

TEST(glue_bridged_lwip_broadcasts_reach_guests_and_a_guest_pings_vmgate)
{
    struct eth_switch *sw = bridged();
    /* vmgate's own ARP request on the WAN: the segment's guests hear it too. */
    ip4_addr_t who = ip4(IP4(203, 0, 113, 77));
    REQUIRE_EQ_INT(etharp_request(gf_wan.nif, &who), ERR_OK);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK_MEM(pa.sent[0].b, BCAST, 6);
    CHECK_MEM(pa.sent[0].b, gf_wan.sent[0].b, gf_wan.sent[0].len);
    /* The guest pings vmgate's WAN address: the echo reply goes to it alone. */
    gf_clear_sent();
    gf_fake_clear(&pa);
    ip4_addr_t g1 = ip4(G1_ADDR);
    struct eth_addr m;
    memcpy(m.addr, G1, 6);
    REQUIRE_EQ_INT(etharp_add_static_entry(&g1, &m), ERR_OK);
    size_t plen = pb_icmp_echo(pkt, 8, G1_ADDR, GF_WAN_ADDR, 7, 1, 56);
    uint32_t len = eth(frame, gf_wan.nic.mac, G1, 0x0800, pkt, plen);
    gf_receive_frame(&pa, frame, len, NULL);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK_MEM(pa.sent[0].b, G1, 6);
    CHECK_EQ_INT(pb_dst(pa.sent[0].b + 14), G1_ADDR);
    CHECK_EQ_INT(pa.sent[0].b[14 + 20], 0);            /* echo reply */
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    CHECK_EQ_INT(sw->port[HOST].stats.tx_frames, 1);
    etharp_remove_static_entry(&g1);
    done();
}

TEST(glue_bridged_nat_guest_reaches_a_bridged_guest)
{
    bridged();
    /* The bridged guest is known on its port (it spoke once) and by ARP. */
    uint8_t any[46] = {0};
    uint32_t len = eth(frame, BCAST, G1, 0x88b5, any, sizeof any);
    gf_receive_frame(&pa, frame, len, NULL);
    gf_clear_sent();
    ip4_addr_t g1 = ip4(G1_ADDR);
    struct eth_addr m;
    memcpy(m.addr, G1, 6);
    REQUIRE_EQ_INT(etharp_add_static_entry(&g1, &m), ERR_OK);
    /* A NAT guest's datagram to the bridged guest's address on the WAN subnet. */
    size_t plen = pb_udp(pkt, GF_GUEST, 6000, G1_ADDR, 7000, 700);
    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, plen, NULL);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK_MEM(pa.sent[0].b, G1, 6);
    CHECK_MEM(pa.sent[0].b + 6, gf_wan.nic.mac, 6);
    CHECK_EQ_INT(pb_src(pa.sent[0].b + 14), GF_WAN_ADDR);   /* NATed as to any WAN host */
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    etharp_remove_static_entry(&g1);
    done();
}
