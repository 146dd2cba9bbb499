/* A guest's offload facts through the NIC core and the fast path (drivers/nic.c,
 * lwip-port/fastpath.c): what the next device is told to write, and what is
 * refused. The guest (nic1, a NAT network) sends to a remote through the WAN. */
#include "glue_fixture.h"
#include "unit.h"
#include "ref_csum.h"

#include "net/bytes.h"
#include "net/csum.h"
#include "net/offload.h"
#include "lwip-port/fastpath.h"

#include <string.h>

#define TSO_CAPS (NIC_CAP_TX_CSUM | NIC_CAP_TX_TSO4 | NIC_CAP_TX_ECN | NIC_CAP_RX_CSUM | \
                  NIC_CAP_RX_TSO4)

static uint8_t pkt[70000];

/* A TCP/IPv4 packet of plen payload bytes from the guest, its checksum left
 * partial as a sender with checksum offload leaves it; *o describes it. */
static size_t partial_tcp(size_t plen, uint32_t seq, struct offload *o)
{
    static uint8_t tcp[70000];
    memset(tcp, 0, 20);
    put_be16(tcp, 40000);
    put_be16(tcp + 2, 80);
    put_be32(tcp + 4, seq);
    put_be32(tcp + 8, 1);
    tcp[12] = 5 << 4;
    tcp[13] = 0x10;
    put_be16(tcp + 14, 65535);
    for (size_t i = 0; i < plen; i++)
        tcp[20 + i] = (uint8_t)(i * 7 + 3);
    size_t len = pb_ip(pkt, 6, GF_GUEST, GF_REMOTE, 0, tcp, 20 + plen);
    uint8_t pseudo[12];
    memcpy(pseudo, pkt + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put_be16(pseudo + 10, (uint16_t)(20 + plen));
    put_be16(pkt + 20 + 16, csum_fold(csum_partial(0, pseudo, 12)));
    *o = (struct offload){.flags = OFFLOAD_NEEDS_CSUM, .csum_start = 14 + 20, .csum_offset = 16};
    return len;
}

/* 0 when the TCP checksum of the IPv4 packet at ip is right, by the tests' own
 * RFC 1071 loop (ref_csum.h), which shares no code with net/csum.c. */
static uint16_t tcp_sum_check(const uint8_t *ip)
{
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4, tot = get_be16(ip + 2);
    return ref_csum_pseudo(get_be32(ip + 12), get_be32(ip + 16), 6, ip + ihl, tot - ihl);
}

TEST(glue_offload_partial_checksum_forwarded_partial_and_translated)
{
    gf_setup(TSO_CAPS, TSO_CAPS, true);
    struct offload o;
    size_t len = partial_tcp(1000, 1, &o);

    CHECK_EQ_INT(gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, &o), NIC_RX_LENT);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    const struct gf_sent *s = &gf_wan.sent[0];
    CHECK(s->lent);
    CHECK(s->off.flags & OFFLOAD_NEEDS_CSUM);
    CHECK_EQ_INT(s->off.csum_start, 34);
    CHECK_EQ_INT(s->off.csum_offset, 16);
    CHECK_EQ_INT(get_be32(gf_ip(s) + 12), GF_WAN_ADDR);
    CHECK_MEM(s->b, GF_MAC_GW, 6);
    /* What the next device will do: complete it. Then it is right. */
    uint8_t done[2048];
    memcpy(done, s->b, s->len);
    REQUIRE_EQ_INT(offload_csum_complete(done, s->len, &s->off), 0);
    CHECK_EQ_INT(tcp_sum_check(done + 14), 0);
    CHECK_EQ_INT(gf_lan.recycled, 1);
    gf_teardown();
}

/* A small frame goes by copy (NIC_COPYBREAK): its buffer is back at once, and its
 * checksum still partial for a WAN device that completes checksums. */
TEST(glue_offload_small_frame_forwarded_by_copy_still_partial)
{
    gf_setup(TSO_CAPS, TSO_CAPS, true);
    struct offload o;
    size_t len = partial_tcp(100, 1, &o);
    CHECK_EQ_INT(gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, &o), NIC_RX_DONE);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    const struct gf_sent *s = &gf_wan.sent[0];
    CHECK(!s->lent);
    CHECK(s->off.flags & OFFLOAD_NEEDS_CSUM);
    CHECK_EQ_INT(get_be32(gf_ip(s) + 12), GF_WAN_ADDR);
    uint8_t done[2048];
    memcpy(done, s->b, s->len);
    REQUIRE_EQ_INT(offload_csum_complete(done, s->len, &s->off), 0);
    CHECK_EQ_INT(tcp_sum_check(done + 14), 0);
    gf_teardown();
}

/* Today's code forwarded this frame with the guest's csum_offset: the WAN device
 * would have written the checksum over the port NAT had just rewritten. */
TEST(glue_offload_wrong_csum_offset_is_finished_before_nat)
{
    gf_setup(TSO_CAPS, TSO_CAPS, true);
    struct offload o;
    size_t len = partial_tcp(100, 1, &o);

    o.csum_offset = 0;                                  /* the source port */
    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, &o);
    CHECK_EQ_INT(gf_lan.nic.stats.rx_offload[OFFLOAD_CHECK_FINISHED], 1);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    const struct gf_sent *s = &gf_wan.sent[0];
    CHECK(!(s->off.flags & OFFLOAD_NEEDS_CSUM));       /* nobody writes anywhere later */
    CHECK_EQ_INT(get_be32(gf_ip(s) + 12), GF_WAN_ADDR);
    gf_teardown();
}

TEST(glue_offload_gso_size_1_is_refused_and_counted)
{
    gf_setup(TSO_CAPS, TSO_CAPS, true);
    struct offload o;
    size_t len = partial_tcp(60000, 1, &o);

    o.gso_type = OFFLOAD_GSO_TCPV4;
    o.gso_size = 1;
    CHECK_EQ_INT(gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, &o), NIC_RX_DONE);
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    CHECK_EQ_INT(gf_lan.nic.stats.rx_offload[OFFLOAD_BAD_GSO_SIZE], 1);
    CHECK_EQ_INT(gf_lan.nic.stats.rx_dropped, 1);
    CHECK_EQ_INT(gf_lan.nic.stats.sw_segmented, 0);
    gf_teardown();

    /* Also where it would have been cut in software: a WAN without TSO. */
    gf_setup(0, TSO_CAPS, true);
    len = partial_tcp(60000, 1, &o);
    o.gso_type = OFFLOAD_GSO_TCPV4;
    o.gso_size = 1;
    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, &o);
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    CHECK_EQ_INT(gf_wan.nic.stats.sw_segmented, 0);
    gf_teardown();
}

TEST(glue_offload_gso_type_not_the_protocol_is_refused)
{
    gf_setup(TSO_CAPS, TSO_CAPS, true);
    size_t len = pb_udp(pkt, GF_GUEST, 5000, GF_REMOTE, 53, 1400);
    struct offload o = {.flags = OFFLOAD_NEEDS_CSUM, .gso_type = OFFLOAD_GSO_TCPV4,
                        .gso_size = 1448, .csum_start = 34, .csum_offset = 6};

    gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, &o);
    CHECK_EQ_INT(gf_wan.n_sent, 0);
    CHECK_EQ_INT(gf_lan.nic.stats.rx_offload[OFFLOAD_BAD_GSO_TYPE], 1);
    gf_teardown();
}

/* A GSO frame crosses whole to a NIC that takes TSO, and is cut into MTU-sized
 * segments with correct checksums for one that does not. */
TEST(glue_offload_gso_frame_lent_whole_or_cut)
{
    gf_setup(TSO_CAPS, TSO_CAPS, true);
    struct offload o;
    size_t len = partial_tcp(20000, 1, &o);
    o.gso_type = OFFLOAD_GSO_TCPV4;
    o.gso_size = 1448;
    CHECK_EQ_INT(gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, &o), NIC_RX_LENT);
    REQUIRE_EQ_INT(gf_wan.n_sent, 1);
    CHECK(gf_wan.sent[0].lent);
    CHECK_EQ_INT(gf_wan.sent[0].len, 14 + len);
    CHECK_EQ_INT(gf_wan.sent[0].off.gso_size, 1448);
    CHECK_EQ_INT(gf_wan.sent[0].off.hdr_len, 54);
    CHECK_EQ_INT(gf_wan.nic.stats.tx_gso, 1);
    gf_teardown();

    gf_setup(0, TSO_CAPS, true);
    len = partial_tcp(20000, 1, &o);
    o.gso_type = OFFLOAD_GSO_TCPV4;
    o.gso_size = 1448;
    CHECK_EQ_INT(gf_receive(&gf_lan, GF_MAC_GUEST, pkt, len, &o), NIC_RX_DONE);
    CHECK_EQ_INT(gf_wan.n_sent, (20000 + 1447) / 1448);
    size_t payload = 0;
    for (unsigned i = 0; i < gf_wan.n_sent; i++) {
        const uint8_t *ip = gf_ip(&gf_wan.sent[i]);
        CHECK(!gf_wan.sent[i].lent);
        CHECK(gf_wan.sent[i].len <= 1514);
        CHECK_EQ_INT(get_be32(ip + 12), GF_WAN_ADDR);
        CHECK_EQ_INT(tcp_sum_check(ip), 0);
        CHECK_EQ_INT(get_be32(ip + 20 + 4), 1 + payload);
        payload += get_be16(ip + 2) - 40;
    }
    CHECK_EQ_INT(payload, 20000);
    gf_teardown();
}
