/* The UDP tunnel's encapsulation and decapsulation (net/udptun.h): only the peer's
 * datagrams accepted, lengths bounded, frames gathered into one datagram, nothing
 * offloaded sent; and as a switch port with caps 0: flooded to and from, GSO frames
 * cut into single finished datagrams, partial checksums completed. */
#include "switch_fixture.h"
#include "unit.h"

#include "net/udptun.h"

#include <errno.h>
#include <string.h>

#define PEER  0xc0a83c01u           /* 192.168.60.1 */
#define DGRAMS 64

static struct udptun tun;
static uint8_t dgram[DGRAMS][UDPTUN_FRAME_MAX];
static int dgram_len[DGRAMS];
static unsigned n_dgrams;

TEST(udptun_accepts_only_the_peer)
{
    udptun_init(&tun, 4444, PEER, 4445);
    CHECK(udptun_rx_accept(&tun, PEER, 4445, 60));
    CHECK(!udptun_rx_accept(&tun, PEER + 1, 4445, 60));
    CHECK_EQ_INT(tun.stats.last_bad_ip, PEER + 1);
    CHECK_EQ_INT(tun.stats.last_bad_port, 4445);
    CHECK(!udptun_rx_accept(&tun, PEER, 4446, 60));
    CHECK_EQ_INT(tun.stats.last_bad_port, 4446);
    /* A wrong peer's runt is the wrong peer's: the sender is checked first. */
    CHECK(!udptun_rx_accept(&tun, 0x0a000001u, 9, 3));
    CHECK_EQ_INT(tun.stats.drops[UDPTUN_DROP_PEER], 3);
    CHECK_EQ_INT(tun.stats.drops[UDPTUN_DROP_RUNT], 0);
    CHECK_EQ_INT(tun.stats.rx_datagrams, 1);
    CHECK_EQ_INT(tun.stats.rx_bytes, 60);
    CHECK_EQ_STR(udptun_drop_name(UDPTUN_DROP_PEER), "wrong-peer");
}

TEST(udptun_lengths)
{
    udptun_init(&tun, 4444, PEER, 4445);
    CHECK(!udptun_rx_accept(&tun, PEER, 4445, 0));
    CHECK(!udptun_rx_accept(&tun, PEER, 4445, UDPTUN_FRAME_MIN - 1));
    CHECK_EQ_INT(tun.stats.drops[UDPTUN_DROP_RUNT], 2);
    CHECK(udptun_rx_accept(&tun, PEER, 4445, UDPTUN_FRAME_MIN));
    CHECK(udptun_rx_accept(&tun, PEER, 4445, UDPTUN_FRAME_MAX));
    CHECK(!udptun_rx_accept(&tun, PEER, 4445, UDPTUN_FRAME_MAX + 1));
    CHECK(!udptun_rx_accept(&tun, PEER, 4445, 65535));
    CHECK_EQ_INT(tun.stats.drops[UDPTUN_DROP_OVERSIZE], 2);
    CHECK_EQ_INT(tun.stats.rx_datagrams, 2);
}

TEST(udptun_encap_gathers_and_refuses)
{
    static uint8_t a[100], b[7], c[300], out[UDPTUN_FRAME_MAX + 64];
    for (unsigned i = 0; i < sizeof a; i++)
        a[i] = (uint8_t)i;
    memset(b, 0xbb, sizeof b);
    memset(c, 0xcc, sizeof c);
    struct switch_seg more[2] = {{b, sizeof b}, {c, sizeof c}};
    struct switch_frame f = {.data = a, .len = sizeof a, .n_more = 2, .more = more};
    udptun_init(&tun, 4444, PEER, 4445);
    CHECK_EQ_INT(udptun_encap(&tun, &f, out, sizeof out), 407);
    CHECK_MEM(out, a, sizeof a);
    CHECK_MEM(out + 100, b, sizeof b);
    CHECK_MEM(out + 107, c, sizeof c);
    CHECK_EQ_INT(tun.stats.tx_datagrams, 1);
    CHECK_EQ_INT(tun.stats.tx_bytes, 407);
    /* Room for less than the frame. */
    CHECK_EQ_INT(udptun_encap(&tun, &f, out, 406), -EMSGSIZE);
    /* Offload facts left: never a datagram. */
    f.off.flags = OFFLOAD_NEEDS_CSUM;
    CHECK_EQ_INT(udptun_encap(&tun, &f, out, sizeof out), -EINVAL);
    f.off.flags = 0;
    f.off.gso_type = OFFLOAD_GSO_TCPV4;
    CHECK_EQ_INT(udptun_encap(&tun, &f, out, sizeof out), -EINVAL);
    CHECK_EQ_INT(tun.stats.drops[UDPTUN_DROP_TX_OFFLOAD], 2);
    /* Longer than a tunnel carries. */
    static uint8_t big[UDPTUN_FRAME_MAX + 1];
    struct switch_frame g = {.data = big, .len = sizeof big};
    CHECK_EQ_INT(udptun_encap(&tun, &g, out, sizeof out), -EMSGSIZE);
    CHECK_EQ_INT(tun.stats.drops[UDPTUN_DROP_TX_OVERSIZE], 2);
    CHECK_EQ_INT(tun.stats.tx_datagrams, 1);
}

/* The tunnel's transmit as the glue's: one datagram per frame. */
static int tun_tx(struct switch_port *p, struct switch_frame *f, bool may_take)
{
    if (n_dgrams == DGRAMS)
        return -ENOBUFS;
    int len = udptun_encap(&tun, f, dgram[n_dgrams], sizeof dgram[0]);
    if (len < 0)
        return len;
    dgram_len[n_dgrams++] = len;
    return SWITCH_SENT;
}

/* A switch of two plain ports (p0, p1) and the tunnel (port 2), as the glue makes
 * it: caps 0, a jumbo frame's MTU. */
static int tunnel_switch(void)
{
    sfx_setup(2, SWITCH_CAP_CSUM | SWITCH_CAP_GSO_TCP4, NULL);
    udptun_init(&tun, 4444, PEER, 4445);
    n_dgrams = 0;
    struct switch_port_conf c = {.name = "t0", .transmit = tun_tx, .mtu = 9000};
    return switch_add_port(&sfx_sw, &c);
}

TEST(udptun_as_a_switch_port)
{
    uint8_t A[6], B[6], f[128];
    sfx_mac(A, 1);
    sfx_mac(B, 2);
    int t = tunnel_switch();
    REQUIRE_EQ_INT(t, 2);
    /* A broadcast from behind the tunnel reaches both ports, unchanged. */
    uint32_t len = sfx_frame(f, SFX_BCAST, A, -1, 46);
    static uint8_t rx[16 + sizeof f];
    memcpy(rx + 16, f, len);
    REQUIRE(udptun_rx_accept(&tun, PEER, 4445, len));
    struct switch_frame sf;
    udptun_rx_frame(rx + 16, len, 16, &sf);
    CHECK_EQ_INT(switch_input(&sfx_sw, (unsigned)t, &sf, 1), SWITCH_SENT);
    CHECK_EQ_INT(sfx_sent_mask(), 0x3);
    CHECK_EQ_INT(sfx_port[0].sent[0].len, len);
    CHECK_MEM(sfx_port[0].sent[0].b, f, len);
    /* The answer from p1 goes to the tunnel alone, as one datagram of its bytes. */
    len = sfx_frame(f, A, B, -1, 46);
    sfx_in(1, f, len, 2);
    REQUIRE_EQ_INT(n_dgrams, 1);
    CHECK_EQ_INT(dgram_len[0], len);
    CHECK_MEM(dgram[0], f, len);
    CHECK_EQ_INT(switch_fdb_lookup(&sfx_sw, 1, A, 3), t);
    sfx_teardown();
}

/* A 64 KiB GSO frame from a guest, lendable, to the tunnel: cut into segments of
 * at most 1514 bytes, each a datagram with complete checksums. */
TEST(udptun_gso_frames_become_single_datagrams)
{
    uint8_t A[6], B[6], f0[128];
    static uint8_t f[70000];
    sfx_mac(A, 1);
    sfx_mac(B, 2);
    int t = tunnel_switch();
    uint32_t l0 = sfx_frame(f0, SFX_BCAST, A, -1, 46);
    static uint8_t rx[16 + 128];
    memcpy(rx + 16, f0, l0);
    struct switch_frame sf;
    udptun_rx_frame(rx + 16, l0, 16, &sf);
    switch_input(&sfx_sw, (unsigned)t, &sf, 1);     /* A is behind the tunnel */
    struct offload o;
    uint32_t len = sfx_tcp(f, A, B, 1448 * 40, true, 1448, &o);
    n_dgrams = 0;
    CHECK_EQ_INT(sfx_in_ex(0, f, len, -1, true, &o, 2), SWITCH_SENT);
    REQUIRE_EQ_INT(n_dgrams, 40);
    for (unsigned i = 0; i < n_dgrams; i++) {
        CHECK(dgram_len[i] <= 1514);
        CHECK(sfx_tcp_valid(dgram[i], (uint32_t)dgram_len[i]));
    }
    CHECK_EQ_INT(sfx_sw.port[t].stats.tx_segmented, 1);
    /* A single frame with a partial checksum: completed before it leaves. */
    len = sfx_tcp(f, A, B, 1000, true, 0, &o);
    n_dgrams = 0;
    sfx_in_ex(0, f, len, -1, false, &o, 3);
    REQUIRE_EQ_INT(n_dgrams, 1);
    CHECK(sfx_tcp_valid(dgram[0], (uint32_t)dgram_len[0]));
    CHECK_EQ_INT(tun.stats.drops[UDPTUN_DROP_TX_OFFLOAD], 0);
    sfx_teardown();
}
