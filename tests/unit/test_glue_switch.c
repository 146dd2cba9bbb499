/* The switch glue (lwip-port/switch_glue.c) and the tunnel glue over the real NIC
 * core, lwIP and fake NICs: NIC ports take frames through the fast path hook and
 * lend them to each other, vmgate's router port answers ARP and ping as a netif
 * of its own and sees nothing of guests' unicast to each other, an internal
 * network has no router, the NICs' own netif lookups see no netif behind a port,
 * `fastpath off` leaves the ports switching; and a UDP tunnel's datagrams from its
 * peer on the WAN become frames on the segment, others' are dropped, and frames
 * for the far side leave as datagrams to the peer. */
#include "glue_fixture.h"
#include "unit.h"

#include "lwip-port/fastpath.h"
#include "lwip-port/nat_glue.h"
#include "lwip-port/nicif.h"
#include "lwip-port/switch_glue.h"
#include "lwip-port/tunnel_glue.h"
#include "net/bytes.h"

#include "lwip/etharp.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"

#include <stdlib.h>
#include <string.h>

static struct fake_nic pa, pb;
static const uint8_t G1[6] = {0x52, 0x54, 0x00, 0, 0, 0x01};
static const uint8_t G2[6] = {0x52, 0x54, 0x00, 0, 0, 0x02};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static ip4_addr_t ip4(uint32_t h)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(h));
    return a;
}

/* gf_setup's WAN and NAT NICs, then two port NICs (nic2, nic3) on a switch. */
static struct switch_glue *two_ports(const char *kind, bool router)
{
    gf_setup(0, 0, true);
    gf_fake_register(&pa, 0x20, NIC_CAP_TX_SG);
    gf_fake_register(&pb, 0x21, NIC_CAP_TX_SG);
    struct switch_glue *g = switch_glue_create("lab", kind, NULL);
    REQUIRE(g != NULL);
    REQUIRE_EQ_INT(switch_glue_add_nic(g, &pa.nic, NULL), 0);
    REQUIRE_EQ_INT(switch_glue_add_nic(g, &pb.nic, NULL), 0);
    if (router) {
        ip4_addr_t a = ip4(IP4(10, 0, 9, 2)), m = ip4(0xffffff00u);
        REQUIRE(switch_glue_add_router(g, &a, &m, pa.nic.mac) != NULL);
    }
    fastpath_attach_all();
    gf_fake_clear(&pa);
    gf_fake_clear(&pb);
    return g;
}

static void done(void)
{
    gf_fake_clear(&pa);
    gf_fake_clear(&pb);
    tunnel_glue_test_reset();
    switch_glue_test_reset();
    gf_teardown();
}

static uint32_t eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type, uint32_t plen)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put_be16(f + 12, type);
    for (uint32_t i = 0; i < plen; i++)
        f[14 + i] = (uint8_t)i;
    return 14 + plen;
}

static uint32_t arp_request(uint8_t *f, const uint8_t *src, uint32_t sip, uint32_t tip)
{
    eth(f, BCAST, src, 0x0806, 0);
    static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    memcpy(f + 14, hdr, 8);
    memcpy(f + 22, src, 6);
    put_be32(f + 28, sip);
    memset(f + 32, 0, 6);
    put_be32(f + 38, tip);
    memset(f + 42, 0, 18);
    return 60;
}

TEST(glue_switch_guests_lend_frames_to_each_other)
{
    static uint8_t f[700];
    struct switch_glue *g = two_ports("natnet", true);
    CHECK(nicif_of(&pa.nic) == NULL);
    CHECK(pa.nic.rxmode.promisc);
    /* G2 behind pb announces itself; then G1's 600-byte frame to it is lent. */
    uint32_t len = eth(f, BCAST, G2, 0x88b5, 46);
    gf_receive_frame(&pb, f, len, NULL);
    CHECK_EQ_INT(pa.n_sent, 1);
    gf_fake_clear(&pa);
    len = eth(f, G2, G1, 0x88b5, 600);
    CHECK_EQ_INT(gf_receive_frame(&pa, f, len, NULL), NIC_RX_LENT);
    REQUIRE_EQ_INT(pb.n_sent, 1);
    CHECK(pb.sent[0].lent);
    CHECK_MEM(pb.sent[0].b, f, len);
    /* The router saw none of it: its port sent nothing in, lwIP's counters. */
    struct eth_switch *sw = switch_glue_switch(g);
    CHECK_EQ_INT(sw->port[2].stats.tx_frames, 1);   /* only G2's broadcast */
    /* A small frame goes by copy (NIC_COPYBREAK), still switched. */
    len = eth(f, G2, G1, 0x88b5, 46);
    CHECK_EQ_INT(gf_receive_frame(&pa, f, len, NULL), NIC_RX_DONE);
    REQUIRE_EQ_INT(pb.n_sent, 2);
    CHECK(!pb.sent[1].lent);
    /* `fastpath off` detaches lwIP's fast path only; the ports keep switching. */
    fastpath_detach_all();
    CHECK(pa.nic.fastpath != NULL);
    len = eth(f, G2, G1, 0x88b5, 600);
    CHECK_EQ_INT(gf_receive_frame(&pa, f, len, NULL), NIC_RX_LENT);
    CHECK_EQ_INT(pb.n_sent, 3);
    CHECK_EQ_INT(switch_fdb_lookup(sw, 1, G1, sys_now()), 0);
    CHECK_EQ_INT(switch_fdb_lookup(sw, 1, G2, sys_now()), 1);
    done();
}

TEST(glue_switch_router_answers_arp_and_ping)
{
    uint8_t f[PB_MAX + 14], ip[PB_MAX];
    struct switch_glue *g = two_ports("natnet", true);
    struct netif *r = switch_glue_router(g);
    REQUIRE(r != NULL);
    CHECK(switch_glue_is_router(r));
    CHECK(!switch_glue_is_router(gf_wan.nif));
    uint32_t len = arp_request(f, G1, IP4(10, 0, 9, 15), IP4(10, 0, 9, 2));
    gf_receive_frame(&pa, f, len, NULL);
    /* The request is flooded to pb too; the reply comes back out of pa only. */
    CHECK_EQ_INT(pb.n_sent, 1);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    const uint8_t *rep = pa.sent[0].b;
    CHECK_MEM(rep, G1, 6);
    CHECK_MEM(rep + 6, r->hwaddr, 6);
    CHECK_EQ_INT(get_be16(rep + 12), 0x0806);
    CHECK_EQ_INT(get_be16(rep + 20), 2);
    CHECK_EQ_INT(get_be32(rep + 28), IP4(10, 0, 9, 2));
    gf_fake_clear(&pa);
    gf_fake_clear(&pb);
    size_t iplen = pb_icmp_echo(ip, 8, IP4(10, 0, 9, 15), IP4(10, 0, 9, 2), 7, 1, 56);
    memcpy(f, r->hwaddr, 6);
    memcpy(f + 6, G1, 6);
    put_be16(f + 12, 0x0800);
    memcpy(f + 14, ip, iplen);
    gf_receive_frame(&pa, f, (uint32_t)(14 + iplen), NULL);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK_EQ_INT(pb.n_sent, 0);                      /* unicast to the router, not flooded */
    CHECK_EQ_INT(gf_ip(&pa.sent[0])[20], 0);         /* echo reply */
    CHECK_EQ_INT(pb_dst(gf_ip(&pa.sent[0])), IP4(10, 0, 9, 15));
    done();
}

TEST(glue_switch_internal_network_has_no_router)
{
    uint8_t f[64];
    struct switch_glue *g = two_ports("intnet", false);
    CHECK(switch_glue_router(g) == NULL);
    CHECK(switch_glue_find("lab") == g);
    CHECK(switch_glue_find("other") == NULL);
    uint32_t len = arp_request(f, G1, IP4(10, 0, 9, 15), IP4(10, 0, 9, 2));
    gf_receive_frame(&pa, f, len, NULL);
    CHECK_EQ_INT(pb.n_sent, 1);
    CHECK_EQ_INT(pa.n_sent, 0);                      /* nobody answers */
    /* Link down on pb: its port goes down, floods stop reaching it. */
    nic_set_link(&pb.nic, false);
    gf_receive_frame(&pa, f, len, NULL);
    CHECK_EQ_INT(pb.n_sent, 1);
    CHECK(!switch_glue_switch(g)->port[1].up);
    done();
}

/* A tunnel on the WAN (nic0 at 203.0.113.2) whose peer is the WAN's gateway. */
TEST(glue_switch_tunnel_port)
{
    uint8_t ip[PB_MAX], f[64];
    struct switch_glue *g = two_ports("intnet", false);
    struct cfg_tunnel t = {.name = "t0", .sport = 4444, .dest = GF_WAN_GW, .dport = 4445,
                           .role = CFG_NIC_INTNET, .net_name = "lab"};
    REQUIRE_EQ_INT(tunnel_glue_attach(&t, g), 0);
    /* A broadcast frame from the peer, as a datagram: on both NIC ports. */
    uint32_t flen = eth(f, BCAST, G1, 0x88b5, 46);
    static uint8_t udp[8 + 60];
    put_be16(udp, 4445);
    put_be16(udp + 2, 4444);
    put_be16(udp + 4, sizeof udp);
    put_be16(udp + 6, 0);                            /* no checksum */
    memcpy(udp + 8, f, flen);
    size_t iplen = pb_ip(ip, 17, GF_WAN_GW, GF_WAN_ADDR, 0, udp, sizeof udp);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    CHECK_EQ_INT(pa.n_sent, 1);
    CHECK_EQ_INT(pb.n_sent, 1);
    REQUIRE(pa.n_sent == 1);
    CHECK_MEM(pa.sent[0].b, f, flen);
    /* The same from another source port: dropped, nowhere. */
    put_be16(udp, 4446);
    iplen = pb_ip(ip, 17, GF_WAN_GW, GF_WAN_ADDR, 0, udp, sizeof udp);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    CHECK_EQ_INT(pa.n_sent, 1);
    /* G2 on pa answers G1: one datagram to the peer, the frame its payload. */
    gf_clear_sent();
    gf_fake_clear(&pa);
    gf_fake_clear(&pb);
    flen = eth(f, G1, G2, 0x88b5, 46);
    gf_receive_frame(&pa, f, flen, NULL);
    CHECK_EQ_INT(pb.n_sent, 0);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    const uint8_t *out = gf_ip(&gf_wan.sent[0]);
    CHECK_EQ_INT(pb_dst(out), GF_WAN_GW);
    CHECK_EQ_INT(pb_sport(out), 4444);
    CHECK_EQ_INT(pb_dport(out), 4445);
    CHECK_EQ_INT(get_be16(out + 24), 8 + flen);
    CHECK_MEM(out + 28, f, flen);
    CHECK_EQ_INT(switch_fdb_lookup(switch_glue_switch(g), 1, G1, sys_now()), 2);
    done();
}

/* A tunnel that is a trunk (VLAN 10 tagged): its tagged datagram reaches only the
 * NIC port in VLAN 10, untagged; that port's answer leaves the tunnel tagged. */
TEST(glue_switch_tunnel_trunk)
{
    uint8_t ip[PB_MAX], f[64];
    struct switch_glue *g = two_ports("intnet", false);
    struct cfg_vlan ten = {.mode = CFG_VLAN_ACCESS, .pvid = 10};
    REQUIRE_EQ_INT(switch_glue_set_vlan(g, 0, &ten), 0);
    struct cfg_tunnel t = {.name = "t0", .sport = 4444, .dest = GF_WAN_GW, .dport = 4445,
                           .role = CFG_NIC_INTNET, .net_name = "lab",
                           .vlan = {.mode = CFG_VLAN_TRUNK}};
    t.vlan.tagged[0] = 1u << 10;
    REQUIRE_EQ_INT(tunnel_glue_attach(&t, g), 0);
    static uint8_t udp[8 + 64];
    memcpy(f, BCAST, 6);
    memcpy(f + 6, G1, 6);
    put_be16(f + 12, 0x8100);
    put_be16(f + 14, 10);
    put_be16(f + 16, 0x88b5);
    memset(f + 18, 0x5a, 46);
    put_be16(udp, 4445);
    put_be16(udp + 2, 4444);
    put_be16(udp + 4, sizeof udp);
    put_be16(udp + 6, 0);
    memcpy(udp + 8, f, 64);
    size_t iplen = pb_ip(ip, 17, GF_WAN_GW, GF_WAN_ADDR, 0, udp, sizeof udp);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    CHECK_EQ_INT(pb.n_sent, 0);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK_EQ_INT(pa.sent[0].len, 60);
    CHECK_EQ_INT(get_be16(pa.sent[0].b + 12), 0x88b5);
    gf_clear_sent();
    uint32_t flen = eth(f, G1, G2, 0x88b5, 46);
    gf_receive_frame(&pa, f, flen, NULL);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    const uint8_t *out = gf_ip(&gf_wan.sent[0]) + 28;
    CHECK_EQ_INT(get_be16(out + 12), 0x8100);
    CHECK_EQ_INT(get_be16(out + 14) & 0xfff, 10);
    CHECK_EQ_INT(get_be16(out + 16), 0x88b5);
    done();
}

/* A VXLAN tunnel on the WAN with two remotes (the gateway and one beyond it): a
 * broadcast goes to both (head-end replication) as RFC 7348 datagrams; a frame
 * from a remote enters the switch and teaches where its source is, so the answer
 * goes to that remote alone; a datagram from no remote is dropped. */
TEST(glue_switch_vxlan_port)
{
    uint8_t ip[PB_MAX], f[64];
    struct switch_glue *g = two_ports("intnet", false);
    struct cfg_tunnel t = {.name = "vx", .kind = CFG_TUNNEL_VXLAN, .vni = 42, .sport = 4789,
                           .dport = 4789, .remote = {GF_WAN_GW, IP4(198, 51, 100, 7)}, .n_remotes = 2,
                           .role = CFG_NIC_INTNET, .net_name = "lab"};
    REQUIRE_EQ_INT(tunnel_glue_attach(&t, g), 0);
    gf_clear_sent();
    uint32_t flen = eth(f, BCAST, G2, 0x88b5, 46);
    gf_receive_frame(&pa, f, flen, NULL);
    REQUIRE_EQ_INT(gf_wan.n_sent, 2);
    static const uint8_t hdr[8] = {0x08, 0, 0, 0, 0, 0, 42, 0};
    for (unsigned i = 0; i < 2; i++) {
        const uint8_t *out = gf_ip(&gf_wan.sent[i]);
        CHECK_EQ_INT(pb_dst(out), i ? IP4(198, 51, 100, 7) : GF_WAN_GW);
        CHECK_EQ_INT(pb_sport(out), 4789);
        CHECK_EQ_INT(pb_dport(out), 4789);
        CHECK_EQ_INT(get_be16(out + 24), 8 + 8 + flen);
        CHECK_MEM(out + 28, hdr, 8);
        CHECK_MEM(out + 36, f, flen);
    }
    /* From the second remote, any source port: G1's broadcast on both NIC ports. */
    gf_fake_clear(&pa);
    gf_fake_clear(&pb);
    static uint8_t udp[8 + 8 + 60];
    flen = eth(f, BCAST, G1, 0x88b5, 46);
    put_be16(udp, 40000);
    put_be16(udp + 2, 4789);
    put_be16(udp + 4, sizeof udp);
    put_be16(udp + 6, 0);                            /* no checksum */
    memcpy(udp + 8, hdr, 8);
    memcpy(udp + 16, f, flen);
    size_t iplen = pb_ip(ip, 17, IP4(198, 51, 100, 7), GF_WAN_ADDR, 0, udp, sizeof udp);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    CHECK_EQ_INT(pa.n_sent, 1);
    CHECK_EQ_INT(pb.n_sent, 1);
    REQUIRE(pa.n_sent == 1);
    CHECK_MEM(pa.sent[0].b, f, flen);
    /* G2 answers G1: one datagram, to the remote G1 is behind. */
    gf_clear_sent();
    flen = eth(f, G1, G2, 0x88b5, 46);
    gf_receive_frame(&pa, f, flen, NULL);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    CHECK_EQ_INT(pb_dst(gf_ip(&gf_wan.sent[0])), IP4(198, 51, 100, 7));
    /* Another VNI, and a sender that is no remote: dropped, nowhere. */
    gf_fake_clear(&pa);
    udp[8 + 6] = 43;
    iplen = pb_ip(ip, 17, IP4(198, 51, 100, 7), GF_WAN_ADDR, 0, udp, sizeof udp);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    udp[8 + 6] = 42;
    iplen = pb_ip(ip, 17, IP4(198, 51, 100, 8), GF_WAN_ADDR, 0, udp, sizeof udp);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    CHECK_EQ_INT(pa.n_sent, 0);
    /* A non-zero outer UDP checksum, right: accepted (lwIP checks it); wrong: not. */
    iplen = pb_ip(ip, 17, IP4(198, 51, 100, 7), GF_WAN_ADDR, 0, udp, sizeof udp);
    int sum = pb_l4_csum_of(ip, iplen);
    REQUIRE(sum > 0);
    put_be16(ip + 26, (uint16_t)sum);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    CHECK_EQ_INT(pa.n_sent, 1);
    put_be16(ip + 26, (uint16_t)(sum ^ 0x0101));
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    CHECK_EQ_INT(pa.n_sent, 1);
    done();
}

/* A VXLAN remote learned for a MAC is forgotten when the segment's FDB forgets the
 * MAC (`switch NAME aging`), not after VXLAN's own default: a guest that moved to
 * another vmgate is then reached by flooding again. */
TEST(glue_switch_vxlan_ages_with_the_switch)
{
    uint8_t ip[PB_MAX], f[64];
    gf_setup(0, 0, true);
    gf_fake_register(&pa, 0x20, NIC_CAP_TX_SG);
    struct cfg_switch set = {.name = "lab", .aging_s = 10};
    struct switch_glue *g = switch_glue_create("lab", "intnet", &set);
    REQUIRE(g != NULL);
    REQUIRE_EQ_INT(switch_glue_add_nic(g, &pa.nic, NULL), 0);
    struct cfg_tunnel t = {.name = "vx", .kind = CFG_TUNNEL_VXLAN, .vni = 42, .sport = 4789,
                           .dport = 4789, .remote = {GF_WAN_GW, IP4(198, 51, 100, 7)}, .n_remotes = 2,
                           .role = CFG_NIC_INTNET, .net_name = "lab"};
    REQUIRE_EQ_INT(tunnel_glue_attach(&t, g), 0);
    fastpath_attach_all();
    static const uint8_t hdr[8] = {0x08, 0, 0, 0, 0, 0, 42, 0};
    static uint8_t udp[8 + 8 + 60];
    uint32_t flen = eth(f, BCAST, G1, 0x88b5, 46);
    put_be16(udp, 40000);
    put_be16(udp + 2, 4789);
    put_be16(udp + 4, sizeof udp);
    memcpy(udp + 8, hdr, 8);
    memcpy(udp + 16, f, flen);
    size_t iplen = pb_ip(ip, 17, IP4(198, 51, 100, 7), GF_WAN_ADDR, 0, udp, sizeof udp);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    /* Within the aging time, the answer to G1 goes to its remote alone... */
    unit_clock_advance_ms(9000);
    gf_clear_sent();
    flen = eth(f, G1, G2, 0x88b5, 46);
    gf_receive_frame(&pa, f, flen, NULL);
    CHECK_EQ_INT(gf_wan.n_sent, 1);
    /* ... and once both tables forgot G1, to both remotes. */
    unit_clock_advance_ms(10001);
    gf_clear_sent();
    gf_receive_frame(&pa, f, flen, NULL);
    CHECK_EQ_INT(gf_wan.n_sent, 2);
    done();
}

/* A NAT Network's guests reach the WAN by the fast path, as a NAT network's do: a
 * guest's datagram to the router's MAC is translated and leaves by the WAN NIC with
 * the guest's receive buffer lent on, the answer is switched to the guest lent
 * again, and lwIP sees neither; with `fastpath off` the same exchange goes through
 * lwIP. */
TEST(glue_switch_natnet_guests_take_the_fast_path)
{
    uint8_t f[PB_MAX + 14], ip[PB_MAX];
    struct switch_glue *g = two_ports("natnet", true);
    struct netif *r = switch_glue_router(g);
    nat_glue_add_net(r, NAT_NET_NAT, IP4(10, 0, 9, 0), 24, 0);
    ip4_addr_t ga = ip4(IP4(10, 0, 9, 15));
    struct eth_addr gm;
    memcpy(gm.addr, G1, 6);
    REQUIRE_EQ_INT(etharp_add_static_entry(&ga, &gm), ERR_OK);
    unsigned long long fwd = fastpath_stats.forwarded, up = fastpath_stats.to_lwip;
    uint32_t rx_ip = lwip_stats.ip.recv;

    size_t iplen = pb_udp(ip, IP4(10, 0, 9, 15), 5000, GF_REMOTE, 53, 700);
    memcpy(f, r->hwaddr, 6);
    memcpy(f + 6, G1, 6);
    put_be16(f + 12, 0x0800);
    memcpy(f + 14, ip, iplen);
    CHECK_EQ_INT(gf_receive_frame(&pa, f, (uint32_t)(14 + iplen), NULL), NIC_RX_LENT);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    CHECK(gf_wan.sent[0].lent);
    CHECK_MEM(gf_wan.sent[0].b, GF_MAC_GW, 6);
    CHECK_EQ_INT(pb_src(gf_ip(&gf_wan.sent[0])), GF_WAN_ADDR);
    uint16_t port = pb_sport(gf_ip(&gf_wan.sent[0]));
    const char *bad = NULL;
    CHECK(pb_csums_ok(gf_ip(&gf_wan.sent[0]), iplen, &bad));

    iplen = pb_udp(ip, GF_REMOTE, 53, GF_WAN_ADDR, port, 700);
    CHECK_EQ_INT(gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL), NIC_RX_LENT);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK(pa.sent[0].lent);
    CHECK_MEM(pa.sent[0].b, G1, 6);
    CHECK_MEM(pa.sent[0].b + 6, r->hwaddr, 6);
    CHECK_EQ_INT(pb_dst(gf_ip(&pa.sent[0])), IP4(10, 0, 9, 15));
    CHECK_EQ_INT(pb_dport(gf_ip(&pa.sent[0])), 5000);
    CHECK_EQ_INT(pb.n_sent, 0);
    CHECK_EQ_INT(fastpath_stats.forwarded, fwd + 2);
    CHECK_EQ_INT(fastpath_stats.to_lwip, up);
    CHECK_EQ_INT(lwip_stats.ip.recv, rx_ip);

    /* `fastpath off`: lwIP forwards and translates the same flow. */
    fastpath_detach_all();
    gf_clear_sent();
    gf_fake_clear(&pa);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK_EQ_INT(pb_dst(gf_ip(&pa.sent[0])), IP4(10, 0, 9, 15));
    CHECK_EQ_INT(fastpath_stats.forwarded, fwd + 2);
    CHECK(lwip_stats.ip.recv > rx_ip);
    etharp_remove_static_entry(&ga);
    done();
}

/* A TCP SYN leaving by a UDP tunnel has its MSS lowered to what fits the WAN's 1500
 * once encapsulated (1418), its checksum right; the SYN-ACK arriving by the tunnel
 * likewise; with mss=off both cross as they were. */
static size_t syn_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint8_t flags)
{
    static const uint8_t mss1460[] = {2, 4, 0x05, 0xb4};
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put_be16(f + 12, 0x0800);
    return 14 + pb_tcp_win(f + 14, IP4(10, 0, 9, 15), 40000, IP4(10, 0, 9, 16), 80, flags, 1, 0, 65535,
                           mss1460, sizeof mss1460, 0);
}

static void tunnel_mss_case(bool off)
{
    uint8_t ip[PB_MAX], f[128];
    const char *bad = NULL;
    two_ports("intnet", false);
    struct switch_glue *g = switch_glue_find("lab");
    struct cfg_tunnel t = {.name = "t0", .sport = 4444, .dest = GF_WAN_GW, .dport = 4445,
                           .role = CFG_NIC_INTNET, .net_name = "lab", .mss_off = off};
    REQUIRE_EQ_INT(tunnel_glue_attach(&t, g), 0);
    gf_clear_sent();
    size_t flen = syn_frame(f, BCAST, G2, 0x02);
    gf_receive_frame(&pa, f, (uint32_t)flen, NULL);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    const uint8_t *inner = gf_ip(&gf_wan.sent[0]) + 28;
    CHECK_EQ_INT(get_be16(inner + 14 + 20 + 22), off ? 1460 : 1418);
    CHECK(pb_csums_ok(inner + 14, flen - 14, &bad));
    CHECK_MEM(pb.sent[0].b + 14 + 20 + 22, "\x05\xb4", 2);   /* the local port's copy untouched */
    /* The answer from the peer. */
    gf_fake_clear(&pa);
    static uint8_t udp[8 + 128];
    flen = syn_frame(udp + 8, G2, G1, 0x12);
    put_be16(udp, 4445);
    put_be16(udp + 2, 4444);
    put_be16(udp + 4, (uint16_t)(8 + flen));
    put_be16(udp + 6, 0);
    size_t iplen = pb_ip(ip, 17, GF_WAN_GW, GF_WAN_ADDR, 0, udp, 8 + flen);
    gf_receive(&gf_wan, GF_MAC_GW, ip, iplen, NULL);
    REQUIRE_EQ_INT(pa.n_sent, 1);
    CHECK_EQ_INT(get_be16(pa.sent[0].b + 14 + 20 + 22), off ? 1460 : 1418);
    CHECK(pb_csums_ok(pa.sent[0].b + 14, flen - 14, &bad));
    done();
}

TEST(glue_switch_tunnel_clamps_tcp_mss)
{
    tunnel_mss_case(false);
    tunnel_mss_case(true);
}
