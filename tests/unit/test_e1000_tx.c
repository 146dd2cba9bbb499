/* Covers drivers/e1000_tx.c and drivers/e1000_txctx.c (context descriptors from the
 * offload facts). */
/* The e1000's transmit side against the chip model: frames by copy (gathered,
 * padded, jumbo over several descriptors), the ring full and refilled, lent frames
 * pointing into their owner's buffers and going home on completion, checksum
 * insertion and TCP segmentation through context descriptors (a 60 KB GSO frame
 * leaves as valid MSS-sized segments), the context kept while it does not change,
 * and the 82543, which has no TSO, getting its GSO frames cut in software. */
#include "unit.h"
#include "e1000_rig.h"
#include "pkt_builder.h"
#include "net/bytes.h"
#include "net/csum.h"

#include <errno.h>
#include <string.h>

/* --- a NIC whose receive buffers are lent to the e1000 ------------------------------ */

static unsigned recycled;
static void owner_recycle(struct nic *n, void *buf) { recycled++; }
static int owner_poll(struct nic *n, int budget) { return 0; }
static const struct nic_ops owner_ops = {.rx_recycle = owner_recycle, .poll = owner_poll};
static struct nic owner = {.name = "own", .ops = &owner_ops};

static uint8_t bufmem[4][70000];

static struct nic_frame lent_frame(uint8_t *data, uint32_t len)
{
    return (struct nic_frame){.data = data, .len = len, .headroom = NIC_RX_HEADROOM, .owner = &owner,
                              .buf = data};
}

/* Ethernet + IPv4 + TCP (20-byte header) + plen payload bytes, to our MAC. The TCP
 * checksum is left partial in virtio's form (the pseudo-header sum with the
 * length) when partial, else complete. */
static uint32_t tcp_frame(uint8_t *f, uint32_t plen, uint8_t flags, bool partial)
{
    uint32_t len = 14 + 40 + plen;
    memcpy(f, rig_mac, 6);
    memcpy(f + 6, "\x02\x00\x00\x00\x00\x07", 6);
    put_be16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(40 + plen));
    put_be16(ip + 4, 0x4242);
    put_be16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x02\x0f\xc0\xa8\x3c\x01", 8);
    put_be16(ip + 10, csum_finish(csum_partial(0, ip, 20)));
    put_be16(tcp, 40000);
    put_be16(tcp + 2, 80);
    put_be32(tcp + 4, 1000);
    put_be32(tcp + 8, 1);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put_be16(tcp + 14, 65535);
    for (uint32_t i = 0; i < plen; i++)
        tcp[20 + i] = (uint8_t)(i * 7 + 3);
    uint8_t ph[12];
    memcpy(ph, ip + 12, 8);
    ph[8] = 0;
    ph[9] = 6;
    put_be16(ph + 10, (uint16_t)(20 + plen));
    uint32_t sum = csum_partial(0, ph, 12);
    if (partial)
        put_be16(tcp + 16, csum_fold(sum));
    else
        put_be16(tcp + 16, csum_finish(csum_partial(sum, tcp, 20 + plen)));
    return len;
}

static const struct offload gso = {.flags = OFFLOAD_NEEDS_CSUM, .gso_type = OFFLOAD_GSO_TCPV4,
                                   .gso_size = 1448, .hdr_len = 54, .csum_start = 34, .csum_offset = 16};
static const struct offload partial = {.flags = OFFLOAD_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16};

static bool wire_valid(const struct e1km_frame *w)
{
    const char *what;
    return w->len > 14 && pb_csums_ok(w->data + 14, w->len - 14, &what);
}

static struct e1k_rig *open_tx(unsigned tx_size, uint32_t quirks)
{
    struct e1k_rig_opts o = {.has_eerd = true, .tx_size = tx_size, .quirks = quirks};
    recycled = 0;
    return rig_open(&o);
}

TEST(e1000_tx_by_copy_gathers_segments_pads_and_completes)
{
    struct e1k_rig *r = open_tx(16, 0);
    uint8_t a[14], b[30], c[500];
    rig_frame(a, sizeof a, rig_mac, 1);
    memset(b, 0xb0, sizeof b);
    memset(c, 0xc0, sizeof c);
    struct nic_seg s[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
    struct nic_tx t = {s, 3, sizeof a + sizeof b + sizeof c, NULL};
    unsigned tdt_writes = r->m.tdt_writes;
    CHECK_EQ_INT(nic_transmit(&r->e.nic, &t), 0);
    CHECK_EQ_INT(r->m.n_wire, 0);                        /* queued until the flush */
    rig_pass(r);
    REQUIRE_EQ_INT(r->m.n_wire, 1);
    CHECK_EQ_INT(r->m.wire[0].len, 544);
    CHECK_MEM(r->m.wire[0].data, a, 14);
    CHECK_MEM(r->m.wire[0].data + 14, b, 30);
    CHECK_MEM(r->m.wire[0].data + 44, c, 500);
    /* An ARP-sized frame leaves padded to 60 bytes with zeros. */
    struct nic_seg s1 = {c, 42};
    struct nic_tx t1 = {&s1, 1, 42, NULL};
    CHECK_EQ_INT(nic_transmit(&r->e.nic, &t1), 0);
    rig_pass(r);
    REQUIRE_EQ_INT(r->m.n_wire, 2);
    CHECK_EQ_INT(r->m.wire[1].len, 60);
    static const uint8_t zeros[18];
    CHECK_MEM(r->m.wire[1].data + 42, zeros, 18);
    rig_pass(r);                                         /* reclaimed: DD seen */
    CHECK_EQ_INT(r->e.nic.tx_completed, 2);
    CHECK_EQ_INT(r->e.tx_clean, r->e.tx_next);
    CHECK_EQ_INT(r->m.tdt_writes, tdt_writes + 2);       /* one per pass */
    rig_free(r);
}

TEST(e1000_tx_jumbo_frame_by_copy_takes_several_descriptors)
{
    struct e1k_rig *r = open_tx(16, 0);
    REQUIRE_EQ_INT(nic_set_mtu(&r->e.nic, 9000), 0);
    static uint8_t big[9014];
    rig_frame(big, sizeof big, rig_mac, 3);
    struct nic_seg s = {big, sizeof big};
    struct nic_tx t = {&s, 1, sizeof big, NULL};
    CHECK_EQ_INT(nic_transmit(&r->e.nic, &t), 0);
    rig_pass(r);
    REQUIRE_EQ_INT(r->m.n_wire, 1);
    CHECK_EQ_INT(r->m.wire[0].len, sizeof big);
    CHECK_MEM(r->m.wire[0].data, big, sizeof big);
    CHECK_EQ_INT(r->m.data_descs, 5);
    /* Longer than the MTU: refused. */
    t.len = s.len = 9019;
    CHECK_EQ_INT(nic_transmit(&r->e.nic, &t), -EMSGSIZE);
    rig_free(r);
}

TEST(e1000_tx_ring_full_refuses_then_takes_again)
{
    struct e1k_rig *r = open_tx(16, 0);
    r->m.tx_stalled = true;
    uint8_t f[100];
    rig_frame(f, sizeof f, rig_mac, 1);
    struct nic_seg s = {f, sizeof f};
    struct nic_tx t = {&s, 1, sizeof f, NULL};
    int sent = 0;
    while (nic_transmit(&r->e.nic, &t) == 0)
        sent++;
    CHECK_EQ_INT(sent, 15);                              /* 16 descriptors, one kept empty */
    CHECK_EQ_INT(r->e.nic.stats.events[NIC_EV_TX_RING_FULL], 1);
    CHECK_EQ_INT(r->e.nic.stats.tx_dropped, 1);
    /* The device catches up: the ring is free again at the next frame. */
    r->m.tx_stalled = false;
    e1km_transmit(&r->m);
    CHECK_EQ_INT(nic_transmit(&r->e.nic, &t), 0);
    rig_pass(r);
    CHECK_EQ_INT(r->m.n_wire, 16);
    rig_free(r);
}

/* Forwarded frames that find the ring full wait in the core's backlog; the driver
 * unmasks TXDW meanwhile, so the completion that makes room wakes the main loop, and
 * masks it again once the backlog is empty. */
TEST(e1000_tx_backlog_waits_with_txdw_unmasked_and_leaves_in_order)
{
    struct e1k_rig *r = open_tx(16, 0);
    r->m.tx_stalled = true;
    for (unsigned k = 0; k < 20; k++) {
        uint8_t *f = bufmem[0] + k * 1000 + NIC_RX_HEADROOM;
        rig_frame(f, 600, rig_mac, (uint8_t)k);
        struct nic_frame fr = lent_frame(f, 600);
        CHECK_EQ_INT(nic_forward_frame(&r->e.nic, &fr), NIC_RX_LENT);
    }
    CHECK_EQ_INT(nic_backlog_len(&r->e.nic), 5);           /* 15 descriptors, 5 waiting */
    CHECK_EQ_INT(r->e.nic.stats.tx_dropped, 0);
    CHECK(e1km_reg(&r->m, E1K_IMS) & E1K_ICR_TXDW);
    r->m.tx_stalled = false;
    e1km_transmit(&r->m);
    CHECK(e1km_irq(&r->m));                                 /* the completion interrupts */
    for (int pass = 0; pass < 3; pass++) {
        if (e1km_irq(&r->m))
            e1k_interrupt(&r->e);
        nic_poll_all(64);
        nic_flush_all();
    }
    CHECK_EQ_INT(nic_backlog_len(&r->e.nic), 0);
    REQUIRE_EQ_INT(r->m.n_wire, 20);
    for (unsigned k = 0; k < 20; k++)
        CHECK_EQ_INT(r->m.wire[k].data[20], (uint8_t)(k + 20 * 7));
    CHECK_EQ_INT(recycled, 20);
    CHECK(!(e1km_reg(&r->m, E1K_IMS) & E1K_ICR_TXDW));      /* masked again */
    CHECK_EQ_INT(r->e.nic.stats.tx_held, 5);
    rig_free(r);
}

TEST(e1000_tx_kicks_within_a_burst_so_the_ring_never_waits_for_the_flush)
{
    struct e1k_rig *r = open_tx(16, 0);
    uint8_t f[100];
    rig_frame(f, sizeof f, rig_mac, 1);
    struct nic_seg s = {f, sizeof f};
    struct nic_tx t = {&s, 1, sizeof f, NULL};
    for (int i = 0; i < 40; i++)
        REQUIRE_EQ_INT(nic_transmit(&r->e.nic, &t), 0);
    CHECK(r->m.n_wire >= 36);
    rig_pass(r);
    CHECK_EQ_INT(r->m.n_wire, 40);
    CHECK_EQ_INT(r->e.nic.stats.tx_dropped, 0);
    rig_free(r);
}

TEST(e1000_tx_lends_a_gso_frame_whole_and_the_chip_cuts_valid_segments)
{
    struct e1k_rig *r = open_tx(32, 0);
    uint8_t *f = bufmem[0] + NIC_RX_HEADROOM;
    uint32_t plen = 60000, len = tcp_frame(f, plen, 0x18 | 0x01, true);   /* PSH ACK FIN */
    static uint8_t orig[70000];
    memcpy(orig, f, len);
    struct nic_frame fr = lent_frame(f, len);
    fr.off = gso;
    CHECK_EQ_INT(nic_forward_frame(&r->e.nic, &fr), NIC_RX_LENT);
    CHECK_EQ_INT(r->e.nic.stats.tx_gso, 1);
    CHECK_EQ_INT(r->e.nic.stats.tx_lent, 1);
    rig_pass(r);
    CHECK_EQ_INT(r->m.ctx_descs, 1);
    CHECK_EQ_INT(r->m.data_descs, (len + 8191) / 8192);  /* pointing into the lent buffer */
    unsigned want = (plen + 1447) / 1448;
    REQUIRE_EQ_INT(r->m.n_wire, want);
    static uint8_t payload[70000];
    uint32_t at = 0;
    for (unsigned i = 0; i < want; i++) {
        const struct e1km_frame *w = &r->m.wire[i];
        const uint8_t *ip = w->data + 14, *tcp = ip + 20;
        CHECK(wire_valid(w));
        CHECK_EQ_INT(get_be16(ip + 2), w->len - 14);
        CHECK_EQ_INT(get_be16(ip + 4), 0x4242 + i);
        CHECK_EQ_INT(get_be32(tcp + 4), 1000 + at);
        CHECK_EQ_INT(tcp[13], i + 1 == want ? 0x19 : 0x10);
        CHECK_MEM(w->data, orig, 14);
        memcpy(payload + at, tcp + 20, w->len - 54);
        at += w->len - 54;
        if (i + 1 < want)
            CHECK_EQ_INT(w->len, 54 + 1448);
    }
    CHECK_EQ_INT(at, plen);
    CHECK_MEM(payload, orig + 54, plen);
    CHECK_EQ_INT(recycled, 1);                           /* DD seen: the buffer went home */
    rig_free(r);
}

TEST(e1000_tx_checksum_offload_keeps_the_context_while_it_does_not_change)
{
    struct e1k_rig *r = open_tx(32, 0);
    for (int i = 0; i < 3; i++) {
        uint8_t *f = bufmem[i] + NIC_RX_HEADROOM;
        uint32_t len = tcp_frame(f, 700 + (uint32_t)i, 0x18, true);
        struct nic_frame fr = lent_frame(f, len);
        fr.off = partial;
        CHECK_EQ_INT(nic_forward_frame(&r->e.nic, &fr), NIC_RX_LENT);
    }
    rig_pass(r);
    REQUIRE_EQ_INT(r->m.n_wire, 3);
    for (int i = 0; i < 3; i++)
        CHECK(wire_valid(&r->m.wire[i]));
    CHECK_EQ_INT(r->m.ctx_descs, 1);
    /* A GSO frame needs its own context; the next checksum frame the old one back. */
    uint8_t *f = bufmem[3] + NIC_RX_HEADROOM;
    uint32_t len = tcp_frame(f, 5000, 0x10, true);
    struct nic_frame fr = lent_frame(f, len);
    fr.off = gso;
    CHECK_EQ_INT(nic_forward_frame(&r->e.nic, &fr), NIC_RX_LENT);
    len = tcp_frame(bufmem[0] + NIC_RX_HEADROOM, 300, 0x10, true);   /* past NIC_COPYBREAK */
    fr = lent_frame(bufmem[0] + NIC_RX_HEADROOM, len);
    fr.off = partial;
    CHECK_EQ_INT(nic_forward_frame(&r->e.nic, &fr), NIC_RX_LENT);
    rig_pass(r);
    CHECK_EQ_INT(r->m.ctx_descs, 3);
    REQUIRE_EQ_INT(r->m.n_wire, 3 + 4 + 1);
    for (unsigned i = 3; i < r->m.n_wire; i++)
        CHECK(wire_valid(&r->m.wire[i]));
    rig_pass(r);
    CHECK_EQ_INT(recycled, 5);
    rig_free(r);
}

TEST(e1000_tx_lends_a_frame_of_several_buffers)
{
    struct e1k_rig *r = open_tx(16, 0);
    uint8_t whole[3000];
    rig_frame(whole, sizeof whole, rig_mac, 5);
    memcpy(bufmem[0], whole, 1000);
    memcpy(bufmem[1], whole + 1000, 1000);
    memcpy(bufmem[2], whole + 2000, 1000);
    REQUIRE_EQ_INT(nic_set_mtu(&r->e.nic, 3000), 0);
    struct nic_frame fr = lent_frame(bufmem[0], 1000);
    fr.n_more = 2;
    fr.more[0] = (struct nic_rxfrag){bufmem[1], 1000, bufmem[1]};
    fr.more[1] = (struct nic_rxfrag){bufmem[2], 1000, bufmem[2]};
    CHECK_EQ_INT(nic_forward_frame(&r->e.nic, &fr), NIC_RX_LENT);
    rig_pass(r);
    CHECK_EQ_INT(recycled, 0);                           /* sent at the flush, done later */
    rig_pass(r);
    REQUIRE_EQ_INT(r->m.n_wire, 1);
    CHECK_EQ_INT(r->m.wire[0].len, 3000);
    CHECK_MEM(r->m.wire[0].data, whole, 3000);
    CHECK_EQ_INT(r->m.data_descs, 3);
    CHECK_EQ_INT(recycled, 3);
    rig_free(r);
}

TEST(e1000_tx_short_lent_frame_goes_as_a_padded_copy)
{
    struct e1k_rig *r = open_tx(16, 0);
    uint8_t *f = bufmem[0] + NIC_RX_HEADROOM;
    rig_frame(f, 42, rig_mac, 1);
    struct nic_frame fr = lent_frame(f, 42);
    /* The core copies frames this small itself (NIC_COPYBREAK); the driver's own
     * guard is for any caller that lends one anyway. */
    CHECK_EQ_INT(r->e.nic.ops->transmit_frame(&r->e.nic, &fr), 0);
    CHECK_EQ_INT(recycled, 1);                           /* copied, home at once */
    rig_pass(r);
    REQUIRE_EQ_INT(r->m.n_wire, 1);
    CHECK_EQ_INT(r->m.wire[0].len, 60);
    rig_free(r);
}

TEST(e1000_tx_82543_gso_frames_are_cut_in_software)
{
    struct e1k_rig *r = open_tx(64, E1K_Q_NO_TSO);
    uint8_t *f = bufmem[0] + NIC_RX_HEADROOM;
    uint32_t len = tcp_frame(f, 10000, 0x18, true);
    struct nic_frame fr = lent_frame(f, len);
    fr.off = gso;
    CHECK_EQ_INT(nic_forward_frame(&r->e.nic, &fr), NIC_RX_DONE);
    CHECK_EQ_INT(r->e.nic.stats.sw_segmented, 1);
    rig_pass(r);
    REQUIRE_EQ_INT(r->m.n_wire, 7);
    for (unsigned i = 0; i < r->m.n_wire; i++)
        CHECK(wire_valid(&r->m.wire[i]));
    CHECK_EQ_INT(r->m.ctx_descs, 0);
    rig_free(r);
}

TEST(e1000_txctx_refuses_what_the_chip_cannot_do)
{
    uint8_t f[200];
    uint32_t len = tcp_frame(f, 100, 0x10, true);
    struct e1k_tx_ctx c;
    uint32_t popts;
    struct offload o = gso;
    CHECK_EQ_INT(e1k_txctx_for(f, len, &o, &c, &popts), 1);
    CHECK_EQ_INT(c.hdrlen, 54);
    CHECK_EQ_INT(c.ipcse, 33);
    CHECK_EQ_INT(c.tucso, 50);
    CHECK_EQ_INT(popts, E1K_TXD_POPTS_IXSM | E1K_TXD_POPTS_TXSM);
    o.gso_type = OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN;
    CHECK_EQ_INT(e1k_txctx_for(f, len, &o, &c, &popts), -EINVAL);
    o = gso;
    o.csum_offset = 6;
    CHECK_EQ_INT(e1k_txctx_for(f, len, &o, &c, &popts), -EINVAL);
    o = gso;
    o.gso_type = OFFLOAD_GSO_TCPV6;
    CHECK_EQ_INT(e1k_txctx_for(f, len, &o, &c, &popts), -EINVAL);
    o = partial;
    o.csum_start = 300;
    CHECK_EQ_INT(e1k_txctx_for(f, len, &o, &c, &popts), -EINVAL);
    o = (struct offload){0};
    CHECK_EQ_INT(e1k_txctx_for(f, len, &o, &c, &popts), 0);
    o = partial;
    CHECK_EQ_INT(e1k_txctx_for(f, 40, &o, &c, &popts), -EINVAL);   /* field past the end */
}
