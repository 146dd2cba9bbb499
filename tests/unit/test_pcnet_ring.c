/* PCnet pure logic (drivers/pcnet_ring.c, drivers/pcnet_chip.c): receive ring scans
 * over hand-written descriptors (OWN, STP, ENP, errors, wrap, a frame still being
 * written), transmit ring bookkeeping, descriptor encodings, chip IDs and the
 * multicast hash. */
#include "unit.h"

#include "drivers/pcnet_chip.h"
#include "drivers/pcnet_regs.h"
#include "drivers/pcnet_ring.h"

#include <string.h>

#define RING 8
#define BUF 512
#define MAXF 1518

static struct pcnet_desc ring[RING];

static void all_owned(void)
{
    for (int i = 0; i < RING; i++)
        ring[i] = (struct pcnet_desc){.ctl = DESC_OWN | pcnet_bcnt(BUF)};
}

/* The chip's write-back of one buffer of a frame. */
static void filled(unsigned i, uint32_t status, uint32_t mcnt)
{
    ring[i].ctl = pcnet_bcnt(BUF) | status;
    ring[i].misc = mcnt;
}

static struct pcnet_rx_span scan(unsigned next)
{
    struct pcnet_rx_span s;
    pcnet_rx_scan(ring, RING, next, BUF, MAXF, NIC_RX_FRAGS_MAX, &s);
    return s;
}

TEST(pcnet_bcnt_is_twos_complement_with_the_ones)
{
    CHECK_EQ_INT(pcnet_bcnt(1536), 0xfa00);
    CHECK_EQ_INT(pcnet_bcnt(512), 0xfe00);
    CHECK_EQ_INT(pcnet_bcnt(60), 0xffc4);
    CHECK_EQ_INT(4096 - (pcnet_bcnt(1518) & DESC_BCNT_MASK), 1518);
}

TEST(pcnet_rx_scan_nothing_while_the_chip_owns_it)
{
    all_owned();
    CHECK_EQ_INT(scan(0).kind, PCNET_RX_NONE);
    CHECK_EQ_INT(scan(5).kind, PCNET_RX_NONE);
}

TEST(pcnet_rx_scan_one_buffer_frame_without_fcs)
{
    all_owned();
    filled(3, DESC_STP | DESC_ENP | RMD1_PAM, 64);
    struct pcnet_rx_span s = scan(3);
    CHECK_EQ_INT(s.kind, PCNET_RX_FRAME);
    CHECK_EQ_INT(s.first, 3);
    CHECK_EQ_INT(s.count, 1);
    CHECK_EQ_INT(s.len, 60);
    CHECK_EQ_INT(pcnet_rx_frag_len(&s, 0, BUF), 60);
}

TEST(pcnet_rx_scan_frame_over_three_buffers_across_the_ring_end)
{
    all_owned();
    filled(6, DESC_STP, 0);
    filled(7, 0, 0);
    filled(0, DESC_ENP, 1518);                 /* 1514 bytes and the FCS */
    struct pcnet_rx_span s = scan(6);
    CHECK_EQ_INT(s.kind, PCNET_RX_FRAME);
    CHECK_EQ_INT(s.count, 3);
    CHECK_EQ_INT(s.len, 1514);
    CHECK_EQ_INT(pcnet_rx_frag_len(&s, 0, BUF), 512);
    CHECK_EQ_INT(pcnet_rx_frag_len(&s, 1, BUF), 512);
    CHECK_EQ_INT(pcnet_rx_frag_len(&s, 2, BUF), 490);
}

TEST(pcnet_rx_scan_last_buffer_with_fcs_bytes_only)
{
    all_owned();
    filled(0, DESC_STP, 0);
    filled(1, DESC_ENP, 514);                  /* 510 bytes of frame, the FCS split 2+2 */
    struct pcnet_rx_span s = scan(0);
    REQUIRE_EQ_INT(s.kind, PCNET_RX_FRAME);
    CHECK_EQ_INT(s.count, 2);
    CHECK_EQ_INT(s.len, 510);
    CHECK_EQ_INT(pcnet_rx_frag_len(&s, 0, BUF), 510);
    CHECK_EQ_INT(pcnet_rx_frag_len(&s, 1, BUF), 0);
}

TEST(pcnet_rx_scan_waits_for_a_frame_being_written)
{
    all_owned();
    /* QEMU hands the first buffer back before it writes the last one. */
    filled(2, DESC_STP, 0);
    CHECK_EQ_INT(scan(2).kind, PCNET_RX_NONE);
    filled(3, 0, 0);
    CHECK_EQ_INT(scan(2).kind, PCNET_RX_NONE);
    /* ENP before the length word is visible: still being written. */
    filled(4, DESC_ENP, 0);
    CHECK_EQ_INT(scan(2).kind, PCNET_RX_NONE);
    ring[4].misc = 1100;
    CHECK_EQ_INT(scan(2).kind, PCNET_RX_FRAME);
}

TEST(pcnet_rx_scan_bad_descriptors_are_given_back)
{
    all_owned();
    filled(0, 0, 0);                           /* no STP where a frame must start */
    struct pcnet_rx_span s = scan(0);
    CHECK_EQ_INT(s.kind, PCNET_RX_BAD);
    CHECK_EQ_INT(s.count, 1);
    CHECK_EQ_INT(s.event, NIC_EV_RX_ERROR);

    all_owned();
    filled(0, DESC_STP, 0);                    /* a chain cut by the next frame's STP */
    filled(1, DESC_STP | DESC_ENP, 64);
    s = scan(0);
    CHECK_EQ_INT(s.kind, PCNET_RX_BAD);
    CHECK_EQ_INT(s.count, 1);
    CHECK_EQ_INT(scan(1).kind, PCNET_RX_FRAME);

    all_owned();
    filled(0, DESC_STP | DESC_ENP | DESC_ERR | RMD1_CRC, 64);
    s = scan(0);
    CHECK_EQ_INT(s.kind, PCNET_RX_BAD);
    CHECK_EQ_INT(s.event, NIC_EV_RX_ERROR);

    all_owned();
    filled(0, DESC_STP | DESC_ENP, 10);        /* shorter than a header and its FCS */
    CHECK_EQ_INT(scan(0).event, NIC_EV_RX_ERROR);
    filled(0, DESC_STP | DESC_ENP, 600);       /* longer than its one buffer */
    CHECK_EQ_INT(scan(0).event, NIC_EV_RX_ERROR);
    filled(0, DESC_STP, 0);
    filled(1, DESC_ENP, 300);                  /* two buffers for what fits one */
    s = scan(0);
    CHECK_EQ_INT(s.kind, PCNET_RX_BAD);
    CHECK_EQ_INT(s.count, 2);
    CHECK_EQ_INT(s.event, NIC_EV_RX_ERROR);
}

TEST(pcnet_rx_scan_oversize_frames)
{
    all_owned();
    /* 1600 bytes and the FCS over four 512-byte buffers. */
    filled(0, DESC_STP, 0);
    filled(1, 0, 0);
    filled(2, 0, 0);
    filled(3, DESC_ENP, 1604);
    struct pcnet_rx_span s = scan(0);
    CHECK_EQ_INT(s.kind, PCNET_RX_BAD);
    CHECK_EQ_INT(s.count, 4);
    CHECK_EQ_INT(s.event, NIC_EV_RX_OVERSIZE);

    /* QEMU cuts a long frame to 4092 bytes, and 4096 with the FCS overflows the
     * 12-bit count into the reserved bits. */
    all_owned();
    struct pcnet_desc big[4];
    for (int i = 0; i < 3; i++)
        big[i] = (struct pcnet_desc){.ctl = pcnet_bcnt(1536) | (i == 0 ? DESC_STP : 0)};
    big[2].ctl |= DESC_ENP;
    big[2].misc = 4096;
    big[3] = (struct pcnet_desc){.ctl = DESC_OWN | pcnet_bcnt(1536)};
    pcnet_rx_scan(big, 4, 0, 1536, MAXF, NIC_RX_FRAGS_MAX, &s);
    CHECK_EQ_INT(s.kind, PCNET_RX_BAD);
    CHECK_EQ_INT(s.count, 3);
    CHECK_EQ_INT(s.event, NIC_EV_RX_OVERSIZE);

    /* A chain the chip ended with BUFF after three buffers: past 1518 already. */
    all_owned();
    filled(5, DESC_STP, 0);
    filled(6, 0, 0);
    filled(7, DESC_ERR | RMD1_BUFF | RMD1_OFLO, 0);
    s = scan(5);
    CHECK_EQ_INT(s.count, 3);
    CHECK_EQ_INT(s.event, NIC_EV_RX_OVERSIZE);

    /* ... and after one buffer, while the frame could still have fitted: a
     * buffer shortage. */
    all_owned();
    filled(0, DESC_STP | DESC_ERR | RMD1_BUFF, 0);
    s = scan(0);
    CHECK_EQ_INT(s.count, 1);
    CHECK_EQ_INT(s.event, NIC_EV_RX_OVERRUN);

    /* More buffers than a frame may span, even when short enough. */
    all_owned();
    filled(0, DESC_STP, 0);
    filled(1, 0, 0);
    filled(2, DESC_ENP, 150);
    pcnet_rx_scan(ring, RING, 0, 64, MAXF, 1, &s);
    CHECK_EQ_INT(s.event, NIC_EV_RX_OVERSIZE);
}

TEST(pcnet_rx_scan_chain_around_the_whole_ring)
{
    for (int i = 0; i < RING; i++)
        filled(i, i == 0 ? DESC_STP : 0, 0);
    struct pcnet_rx_span s = scan(0);
    CHECK_EQ_INT(s.kind, PCNET_RX_BAD);
    CHECK_EQ_INT(s.count, RING);
}

TEST(pcnet_tx_ring_takes_and_gives_in_order_across_the_wrap)
{
    struct pcnet_txring r;
    pcnet_tx_init(&r, 8);
    CHECK_EQ_INT(pcnet_tx_free(&r), 8);
    CHECK_EQ_INT(pcnet_tx_take(&r, 3), 0);
    CHECK_EQ_INT(pcnet_tx_take(&r, 4), 3);
    CHECK_EQ_INT(pcnet_tx_free(&r), 1);
    pcnet_tx_give(&r, 3);
    CHECK_EQ_INT(r.tail, 3);
    CHECK_EQ_INT(pcnet_tx_take(&r, 3), 7);     /* 7, 0, 1 */
    CHECK_EQ_INT(r.head, 2);
    pcnet_tx_give(&r, 4);
    pcnet_tx_give(&r, 3);
    CHECK_EQ_INT(r.used, 0);
    CHECK_EQ_INT(r.tail, r.head);
}

TEST(pcnet_tx_done_reads_the_chain_and_its_errors)
{
    struct pcnet_desc t[4] = {0};
    uint32_t err = 1;
    t[3].ctl = DESC_OWN | DESC_STP;
    t[0].ctl = DESC_OWN;
    t[1].ctl = DESC_OWN | DESC_ENP;
    CHECK(!pcnet_tx_done(t, 4, 3, 3, &err));   /* 3, 0, 1 */
    t[3].ctl &= ~DESC_OWN;
    CHECK(!pcnet_tx_done(t, 4, 3, 3, &err));   /* the last one still the chip's */
    t[0].ctl &= ~DESC_OWN;
    t[1].ctl &= ~DESC_OWN;
    CHECK(pcnet_tx_done(t, 4, 3, 3, &err));
    CHECK_EQ_INT(err, 0);
    t[0].ctl |= DESC_ERR;
    t[0].misc = TMD2_LCAR;
    CHECK(pcnet_tx_done(t, 4, 3, 3, &err));
    CHECK_EQ_INT(err, TMD2_LCAR);
    CHECK_EQ_INT(pcnet_tx_error_event(err), NIC_EV_TX_NO_CARRIER);
    t[0].misc = 0;
    CHECK(pcnet_tx_done(t, 4, 3, 3, &err));
    CHECK_EQ_INT(err, TMD2_BUFF);              /* ERR without a reason */
    CHECK_EQ_INT(pcnet_tx_error_event(TMD2_RTRY), NIC_EV_TX_ERROR);
}

TEST(pcnet_chip_ids_of_qemu_and_virtualbox)
{
    uint32_t qemu = pcnet_chip_id(0x1003, 0x0262);
    CHECK_EQ_INT(qemu, 0x02621003);
    CHECK_EQ_INT(PCNET_ID_PART(qemu), 0x2621);
    const struct pcnet_chip *c = pcnet_chip_lookup(qemu);
    REQUIRE(c != NULL);
    CHECK_EQ_STR(c->name, "PCnet-PCI II (Am79C970A)");
    CHECK_EQ_INT(c->quirks, 0);
    /* A 32-bit read of CSR88 brings CSR89 in its upper half: ignored. */
    CHECK_EQ_INT(pcnet_chip_id(0x02625003, 0x0262), 0x02625003);
    c = pcnet_chip_lookup(pcnet_chip_id(0x5003, 0x0262));
    REQUIRE(c != NULL);
    CHECK_EQ_STR(c->name, "PCnet-FAST III (Am79C973)");
    CHECK(c->quirks & PCNET_Q_MII);
    CHECK(pcnet_chip_lookup(pcnet_chip_id(0x0003, 0x0243)) == NULL);   /* 79C970: 16-bit only */
    CHECK(pcnet_chip_lookup(0xffffffff) == NULL);                      /* nothing there */
    CHECK(pcnet_chip_lookup(0x02621005) == NULL);                      /* not AMD */
}

TEST(pcnet_ladrf_bits_match_the_ethernet_crc)
{
    /* Reference values: the complement of zlib's CRC-32 over the address (the same
     * reflected CRC with no final inversion), top six bits. */
    static const struct { uint8_t mac[6]; unsigned bit; } v[] = {
        {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, 54},
        {{0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa}, 15},
        {{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, 23},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 47},
        {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}, 58},
        {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x16}, 22},
    };
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK_EQ_INT(pcnet_ladrf_bit(v[i].mac), v[i].bit);
}

TEST(pcnet_filter_for_each_receive_mode)
{
    struct nic_rxmode m = {0};
    uint8_t f[8];
    static const uint8_t none[8], all[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    pcnet_ladrf(&m, f);
    CHECK_MEM(f, none, 8);
    CHECK_EQ_INT(pcnet_rx_mode_bits(&m), 0);
    m.n_mc = 2;
    memcpy(m.mc[0], (uint8_t[]){0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, 6);   /* bit 54 */
    memcpy(m.mc[1], (uint8_t[]){0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, 6);   /* bit 23 */
    pcnet_ladrf(&m, f);
    static const uint8_t two[8] = {0, 0, 0x80, 0, 0, 0, 0x40, 0};
    CHECK_MEM(f, two, 8);
    m.allmulti = true;
    pcnet_ladrf(&m, f);
    CHECK_MEM(f, all, 8);
    m = (struct nic_rxmode){.promisc = true};
    pcnet_ladrf(&m, f);
    CHECK_MEM(f, all, 8);
    CHECK_EQ_INT(pcnet_rx_mode_bits(&m), CSR15_PROM);
}
