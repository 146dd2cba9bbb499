/* The PCnet driver (drivers/pcnet.c) against the register-level model
 * (tests/unit/pcnet_model.c): identification of both parts and what differs for the
 * 79C973, WIO and DWIO, initialization, receive (filters, rings that wrap and
 * refill, frames over three descriptors, oversize frames, a frame still being
 * written, missed frames), transmit (copies, lent frames over several descriptors,
 * a full ring), link changes seen without an interrupt, LCAR, MERR, the watchdog,
 * receive modes, close, device counters. */
#include "unit.h"
#include "console_capture.h"
#include "pcnet_model.h"

#include "drivers/nic.h"
#include "drivers/pcnet.h"
#include "drivers/pcnet_regs.h"
#include "kernel/budget.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const uint8_t our_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t peer_mac[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
static const uint8_t other_mac[6] = {0x52, 0x54, 0x00, 0x99, 0x99, 0x99};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct pcnet_model m;
static struct pcnet *p;
static struct nic *n;

/* --- the layer above: keeps copies of what it got --------------------------- */

#define UP_MAX 1100
static struct {
    uint8_t data[1600];
    uint32_t len;
    unsigned n_more;
} up[UP_MAX];
static unsigned n_up;

static bool up_rx(struct nic *nn, struct nic_frame *f)
{
    if (n_up < UP_MAX) {
        uint32_t len = nic_frame_len(f);
        up[n_up].len = len;
        up[n_up].n_more = f->n_more;
        if (len <= sizeof up[n_up].data) {
            memcpy(up[n_up].data, f->data, f->len);
            uint32_t at = f->len;
            for (unsigned i = 0; i < f->n_more; i++) {
                memcpy(up[n_up].data + at, f->more[i].data, f->more[i].len);
                at += f->more[i].len;
            }
        }
    }
    n_up++;
    return true;
}

/* --- setup ------------------------------------------------------------------- */

static void setup_chip(enum pcnet_model_chip chip, struct pcnet_config cfg, bool keep_dwio)
{
    nic_test_reset();
    unit_console_clear();
    n_up = 0;
    pcnet_model_init(&m, chip, our_mac);
    m.sreset_keeps_dwio = keep_dwio;
    struct pcnet_bus bus = pcnet_model_bus(&m);
    p = NULL;
    REQUIRE_EQ_INT(pcnet_attach(&bus, &cfg, &p), 0);
    n = pcnet_nic(p);
}

static void setup_open(void)
{
    setup_chip(PCNET_MODEL_79C970A, (struct pcnet_config){0}, false);
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
}

static void teardown(void)
{
    nic_test_reset();
    if (p)
        pcnet_test_free(p);
    p = NULL;
    pcnet_model_free(&m);
}

/* Nothing the datasheet forbids, no DMA outside the driver's memory. */
static void check_clean(void)
{
    CHECK_EQ_INT(m.illegal_writes, 0);
    CHECK_EQ_INT(m.bad_dma, 0);
    CHECK_EQ_INT(m.bad_desc, 0);
    CHECK_EQ_INT(m.bad_init, 0);
}

static uint32_t frame(uint8_t *b, const uint8_t *dst, uint32_t len, uint8_t seed)
{
    memcpy(b, dst, 6);
    memcpy(b + 6, peer_mac, 6);
    b[12] = 0x08;
    b[13] = 0x00;
    for (uint32_t i = 14; i < len; i++)
        b[i] = (uint8_t)(seed + i * 7);
    return len;
}

static int poll(void)
{
    int got = nic_poll_all(64);
    nic_flush_all();
    return got;
}

static void later(uint32_t ms)
{
    m.now_ms += ms;
}

static uint64_t ev(enum nic_event_kind e)
{
    return n->stats.events[e];
}

static uint8_t buf[10000];

/* --- identification ---------------------------------------------------------- */

TEST(pcnet_attach_identifies_the_79c970a_and_enters_dwio)
{
    setup_chip(PCNET_MODEL_79C970A, (struct pcnet_config){0}, false);
    CHECK_EQ_STR(n->model, "PCnet-PCI II (Am79C970A)");
    CHECK_MEM(n->mac, our_mac, 6);
    CHECK(m.dwio);
    CHECK_EQ_INT(m.bcr[BCR20], 0x0302);        /* SWSTYLE 2, SSIZE32 */
    CHECK_EQ_INT(n->max_mtu, 1500);
    CHECK_EQ_INT(n->tx_headroom, 0);
    CHECK_EQ_INT(n->caps, NIC_CAP_TX_SG);
    CHECK(n->link_up);
    CHECK_EQ_INT(n->state, NIC_CLOSED);
    CHECK(m.csr[CSR0] & CSR0_STOP);            /* stopped until opened */
    CHECK(strstr(unit_console(), "chip ID 0x02621003, 32-bit I/O") != NULL);
    check_clean();
    teardown();
}

TEST(pcnet_attach_identifies_the_79c973_by_its_chip_id)
{
    /* Same PCI ID, CSR88 0x5003 as VirtualBox's PCnet-FAST III. */
    setup_chip(PCNET_MODEL_79C973, (struct pcnet_config){0}, false);
    CHECK_EQ_STR(n->model, "PCnet-FAST III (Am79C973)");
    CHECK(strstr(unit_console(), "chip ID 0x02625003") != NULL);
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    frame(buf, our_mac, 200, 1);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 200), 1);
    poll();
    CHECK_EQ_INT(n_up, 1);
    check_clean();
    teardown();
}

TEST(pcnet_attach_refuses_an_unknown_part)
{
    nic_test_reset();
    unit_console_clear();
    pcnet_model_init(&m, PCNET_MODEL_79C970A, our_mac);
    m.id_lo = 0x0003;                          /* part 0x2430: a PCnet without the */
    m.id_hi = 0x0243;                          /* 32-bit style this driver needs */
    struct pcnet_bus bus = pcnet_model_bus(&m);
    struct pcnet_config cfg = {0};
    p = NULL;
    CHECK_EQ_INT(pcnet_attach(&bus, &cfg, &p), -ENODEV);
    CHECK(p == NULL);
    CHECK(strstr(unit_console(), "chip ID 0x02430003 (part 0x2430)") != NULL);
    CHECK_EQ_INT(nic_count(), 0);
    teardown();
}

static uint32_t absent_in(void *ctx, unsigned off, unsigned width) { return 0xffffffffu; }
static void absent_out(void *ctx, unsigned off, unsigned width, uint32_t v) {}

TEST(pcnet_attach_finds_no_chip_where_nothing_answers)
{
    nic_test_reset();
    unit_console_clear();
    pcnet_model_init(&m, PCNET_MODEL_79C970A, our_mac);
    struct pcnet_bus bus = pcnet_model_bus(&m);
    bus.in = absent_in;                        /* every read all ones */
    bus.out = absent_out;
    struct pcnet_config cfg = {0};
    p = NULL;
    CHECK_EQ_INT(pcnet_attach(&bus, &cfg, &p), -ENODEV);
    CHECK(strstr(unit_console(), "no PCnet answers") != NULL);
    teardown();
}

TEST(pcnet_attach_stays_in_wio_when_asked)
{
    setup_chip(PCNET_MODEL_79C970A, (struct pcnet_config){.wio = true}, false);
    CHECK(!m.dwio);
    CHECK(strstr(unit_console(), "16-bit I/O") != NULL);
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    CHECK_EQ_INT(m.inits, 1);
    frame(buf, our_mac, 300, 2);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 300), 1);
    poll();
    REQUIRE_EQ_INT(n_up, 1);
    CHECK_MEM(up[0].data, buf, 300);
    struct nic_seg s = {buf, 300};
    struct nic_tx t = {&s, 1, 300, NULL};
    CHECK_EQ_INT(nic_transmit(n, &t), 0);
    nic_flush_all();
    CHECK_EQ_INT(m.n_wire, 1);
    check_clean();
    teardown();
}

TEST(pcnet_attach_finds_a_chip_a_reset_left_in_dwio)
{
    /* The datasheet's S_RESET need not leave DWIO (QEMU's does): the driver reads
     * the MAC and the chip ID in whichever mode the chip is in. */
    nic_test_reset();
    unit_console_clear();
    pcnet_model_init(&m, PCNET_MODEL_79C970A, our_mac);
    m.sreset_keeps_dwio = true;
    m.dwio = true;
    struct pcnet_bus bus = pcnet_model_bus(&m);
    struct pcnet_config cfg = {0};
    p = NULL;
    REQUIRE_EQ_INT(pcnet_attach(&bus, &cfg, &p), 0);
    n = pcnet_nic(p);
    CHECK_MEM(n->mac, our_mac, 6);
    CHECK_EQ_STR(n->model, "PCnet-PCI II (Am79C970A)");
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    CHECK_EQ_INT(m.inits, 1);
    check_clean();
    teardown();
}

TEST(pcnet_attach_takes_the_fallback_mac_without_a_prom)
{
    nic_test_reset();
    pcnet_model_init(&m, PCNET_MODEL_79C970A, (const uint8_t[6]){0});
    struct pcnet_bus bus = pcnet_model_bus(&m);
    struct pcnet_config cfg = {.fallback_mac = {0x02, 'v', 'p', 0, 2, 0}};
    p = NULL;
    REQUIRE_EQ_INT(pcnet_attach(&bus, &cfg, &p), 0);
    n = pcnet_nic(p);
    CHECK_MEM(n->mac, cfg.fallback_mac, 6);
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    CHECK_EQ_INT(m.csr[CSR12], 0x7602);        /* the init block carried it */
    teardown();
}

/* --- open and receive ------------------------------------------------------------ */

TEST(pcnet_open_initializes_rings_mode_and_interrupts)
{
    setup_open();
    CHECK_EQ_INT(m.inits, 1);
    CHECK_EQ_INT(m.rx_len, PCNET_RX_RING_MIN);  /* at the memory floor */
    CHECK_EQ_INT(m.tx_len, PCNET_TX_RING);
    CHECK_EQ_INT(m.csr[CSR15], 0);
    CHECK(!m.promisc_at_init);
    CHECK(m.csr[CSR0] & CSR0_INEA);
    CHECK(m.csr[CSR0] & CSR0_TXON);
    CHECK(m.csr[CSR0] & CSR0_RXON);
    CHECK(!(m.csr[CSR0] & CSR0_IDON));         /* acknowledged */
    CHECK(m.csr[CSR3] & CSR3_TINTM);
    CHECK(!(m.csr[CSR3] & (CSR3_RINTM | CSR3_MISSM | CSR3_MERRM)));
    CHECK(m.csr[CSR4] & CSR4_APAD_XMT);
    CHECK_EQ_INT(m.csr[CSR12], 0x5452);        /* our MAC from the init block */
    check_clean();
    teardown();
}

TEST(pcnet_receive_ring_grows_with_the_memory_share)
{
    struct budget saved = *budget_current(), more = saved;
    more.nic_bytes = 4u << 20;                 /* 4 MiB for the NIC: 512 descriptors */
    budget_set(&more);
    setup_open();
    budget_set(&saved);
    CHECK_EQ_INT(m.rx_len, PCNET_RX_RING_MAX);
    CHECK_EQ_INT(m.rdra & 15, 0);
    CHECK(strstr(unit_console(), "512+128 descriptors") != NULL);
    for (int i = 0; i < 600; i++) {
        frame(buf, our_mac, 1000, (uint8_t)i);
        buf[14] = (uint8_t)i;
        REQUIRE_EQ_INT(pcnet_model_receive(&m, buf, 1000), 1);
        if (i % 400 == 399)
            while (poll() > 0)
                ;
    }
    while (poll() > 0)
        ;
    REQUIRE_EQ_INT(n_up, 600);
    CHECK_EQ_INT(up[599].data[14], (uint8_t)599);
    check_clean();
    teardown();
}

TEST(pcnet_receives_frames_without_their_fcs)
{
    setup_open();
    frame(buf, our_mac, 1514, 3);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 1514), 1);
    frame(buf + 2000, bcast, 42, 4);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf + 2000, 42), 1);
    CHECK(m.irq);                              /* RINT */
    pcnet_irq(p);
    CHECK_EQ_INT(poll(), 2);
    CHECK(!m.irq);                             /* acknowledged */
    REQUIRE_EQ_INT(n_up, 2);
    CHECK_EQ_INT(up[0].len, 1514);
    CHECK_EQ_INT(up[0].n_more, 0);
    CHECK_MEM(up[0].data, buf, 1514);
    CHECK_EQ_INT(up[1].len, 60);               /* padded on the wire, as QEMU does */
    CHECK_MEM(up[1].data, buf + 2000, 42);
    CHECK_EQ_INT(n->stats.rx_packets, 2);
    check_clean();
    teardown();
}

TEST(pcnet_filters_other_stations_until_promiscuous)
{
    setup_open();
    frame(buf, other_mac, 100, 5);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 100), 0);
    CHECK_EQ_INT(nic_set_promisc(n, true), 0);
    /* The mode comes with a new INIT: VirtualBox tells its backend only then. */
    CHECK_EQ_INT(m.inits, 2);
    CHECK(m.promisc_at_init);
    CHECK(m.csr[CSR15] & CSR15_PROM);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 100), 1);
    poll();
    CHECK_EQ_INT(n_up, 1);
    CHECK_EQ_INT(nic_set_promisc(n, false), 0);
    CHECK_EQ_INT(m.inits, 3);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 100), 0);
    check_clean();
    teardown();
}

TEST(pcnet_takes_multicast_groups_by_the_hash_filter)
{
    setup_open();
    const uint8_t g1[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};   /* bit 54 */
    const uint8_t g2[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x16};   /* bit 22 */
    frame(buf, g1, 80, 6);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 80), 0);
    CHECK_EQ_INT(nic_mc_join(n, g1), 0);
    CHECK_EQ_INT(m.csr[CSR8 + 3], 0x0040);     /* bit 54: CSR11 bit 6 */
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 80), 1);
    frame(buf, g2, 80, 7);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 80), 0);
    unsigned inits = m.inits;
    CHECK_EQ_INT(nic_mc_join(n, g1), 0);       /* again: nothing to change */
    CHECK_EQ_INT(m.inits, inits);
    for (int i = 0; i < NIC_MC_MAX + 1; i++) {
        uint8_t g[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, (uint8_t)i};
        nic_mc_join(n, g);
    }
    CHECK(n->rxmode.allmulti);
    CHECK_EQ_INT(m.csr[CSR8], 0xffff);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 80), 1);
    poll();
    CHECK_EQ_INT(n_up, 2);
    check_clean();
    teardown();
}

TEST(pcnet_receive_ring_wraps_and_refills_in_order)
{
    setup_open();
    /* Eight times around the ring, in bursts of up to 100 frames. */
    unsigned sent = 0;
    for (int burst = 0; burst < 11; burst++) {
        for (int i = 0; i < 100; i++, sent++) {
            uint32_t len = 60 + (sent * 13) % 1400;
            frame(buf, our_mac, len, (uint8_t)sent);
            buf[14] = (uint8_t)sent;
            buf[15] = (uint8_t)(sent >> 8);
            REQUIRE_EQ_INT(pcnet_model_receive(&m, buf, len), 1);
        }
        while (poll() > 0)
            ;
    }
    REQUIRE_EQ_INT(n_up, sent);
    for (unsigned i = 0; i < sent; i++) {
        CHECK_EQ_INT(up[i].len, 60 + (i * 13) % 1400);
        CHECK_EQ_INT(up[i].data[14] | up[i].data[15] << 8, i & 0xffff);
    }
    CHECK_EQ_INT(m.csr[CSR112], 0);
    check_clean();
    teardown();
}

TEST(pcnet_frame_over_three_descriptors_reaches_the_core_whole)
{
    /* 512-byte buffers: a full frame takes three (QEMU's limit), its FCS included. */
    setup_chip(PCNET_MODEL_79C970A, (struct pcnet_config){.rx_buf_size = 512}, false);
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    frame(buf, our_mac, 1514, 8);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 1514), 1);
    frame(buf + 2000, our_mac, 1022, 9);       /* 1026 with the FCS: the third holds 2 */
    CHECK_EQ_INT(pcnet_model_receive(&m, buf + 2000, 1022), 1);
    poll();
    REQUIRE_EQ_INT(n_up, 2);
    CHECK_EQ_INT(up[0].len, 1514);
    CHECK_EQ_INT(up[0].n_more, 2);
    CHECK_MEM(up[0].data, buf, 1514);
    CHECK_EQ_INT(up[1].len, 1022);
    CHECK_EQ_INT(up[1].n_more, 1);
    CHECK_MEM(up[1].data, buf + 2000, 1022);
    /* Longer than three buffers: the chip cuts the chain (OFLO, BUFF). */
    frame(buf, our_mac, 1600, 10);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 1600), 1);
    frame(buf + 2000, our_mac, 70, 11);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf + 2000, 70), 1);
    poll();
    CHECK_EQ_INT(ev(NIC_EV_RX_OVERSIZE), 1);
    REQUIRE_EQ_INT(n_up, 3);
    CHECK_MEM(up[2].data, buf + 2000, 70);
    check_clean();
    teardown();
}

TEST(pcnet_oversize_frames_are_dropped_and_counted)
{
    setup_open();
    frame(buf, our_mac, 4000, 12);             /* three 1536-byte buffers */
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 4000), 1);
    frame(buf, our_mac, 9000, 13);             /* cut to 4092: the count overflows */
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 9000), 1);
    frame(buf, our_mac, 1519, 14);             /* one byte over 1514 + a VLAN tag */
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 1519), 1);
    frame(buf, our_mac, 1518, 15);             /* a tagged full frame: taken */
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 1518), 1);
    poll();
    CHECK_EQ_INT(ev(NIC_EV_RX_OVERSIZE), 3);
    CHECK_EQ_INT(n->stats.rx_errors, 3);
    REQUIRE_EQ_INT(n_up, 1);
    CHECK_EQ_INT(up[0].len, 1518);
    /* And the ring goes on. */
    frame(buf, our_mac, 100, 16);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 100), 1);
    poll();
    CHECK_EQ_INT(n_up, 2);
    check_clean();
    teardown();
}

TEST(pcnet_waits_for_a_frame_the_chip_is_still_writing)
{
    setup_chip(PCNET_MODEL_79C970A, (struct pcnet_config){.rx_buf_size = 512}, false);
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    frame(buf, our_mac, 1200, 17);
    CHECK_EQ_INT(pcnet_model_receive_partial(&m, buf, 1200), 1);
    CHECK_EQ_INT(poll(), 0);
    CHECK_EQ_INT(n_up, 0);
    pcnet_model_receive_finish(&m);
    CHECK_EQ_INT(poll(), 1);
    REQUIRE_EQ_INT(n_up, 1);
    CHECK_MEM(up[0].data, buf, 1200);
    CHECK_EQ_INT(n->stats.rx_errors, 0);
    check_clean();
    teardown();
}

TEST(pcnet_missed_frames_are_counted_from_csr112)
{
    setup_open();
    for (int i = 0; i < PCNET_RX_RING_MIN + 5; i++) {
        frame(buf, our_mac, 100, (uint8_t)i);
        pcnet_model_receive(&m, buf, 100);
    }
    CHECK_EQ_INT(m.csr[CSR112], 5);
    CHECK(m.csr[CSR0] & CSR0_MISS);
    pcnet_irq(p);
    while (poll() > 0)
        ;
    CHECK_EQ_INT(n_up, PCNET_RX_RING_MIN);
    later(PCNET_LINK_POLL_MS);
    poll();
    CHECK_EQ_INT(ev(NIC_EV_RX_OVERRUN), 5);
    CHECK_EQ_INT(n->stats.rx_dropped, 5);
    struct nic_hw_counter hw[NIC_HW_COUNTERS_MAX];
    unsigned k = n->ops->hw_counters(n, hw, NIC_HW_COUNTERS_MAX);
    REQUIRE_EQ_INT(k, 2);
    CHECK_EQ_STR(hw[0].name, "missed");
    CHECK_EQ_INT(hw[0].value, 5);
    CHECK_EQ_INT(ev(NIC_EV_RX_OVERRUN), 5);    /* read again: nothing new */
    check_clean();
    teardown();
}

TEST(pcnet_device_counters_survive_wrap_and_reinit)
{
    setup_chip(PCNET_MODEL_79C970A, (struct pcnet_config){0}, false);
    m.csr[CSR114] = 0xfffe;                    /* as if it had counted a long time */
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    pcnet_model_collisions(&m, 5);             /* 0xfffe + 5 wraps to 3 */
    struct nic_hw_counter hw[NIC_HW_COUNTERS_MAX];
    unsigned k = n->ops->hw_counters(n, hw, NIC_HW_COUNTERS_MAX);
    REQUIRE_EQ_INT(k, 2);
    CHECK_EQ_STR(hw[1].name, "rx-collisions");
    CHECK_EQ_INT(hw[1].value, 5);
    CHECK_EQ_INT(nic_set_promisc(n, true), 0); /* read before STOP, a new base after INIT */
    pcnet_model_collisions(&m, 2);
    n->ops->hw_counters(n, hw, NIC_HW_COUNTERS_MAX);
    CHECK_EQ_INT(hw[1].value, 7);
    CHECK_EQ_INT(hw[0].value, 0);
    teardown();
}

/* --- transmit -------------------------------------------------------------------- */

TEST(pcnet_transmits_copies_gathered_and_padded)
{
    setup_open();
    uint8_t a[14], b[28];
    frame(a, peer_mac, 14, 0);
    memset(b, 0xab, sizeof b);
    struct nic_seg s[2] = {{a, 14}, {b, 28}};
    struct nic_tx t = {s, 2, 42, NULL};
    CHECK_EQ_INT(nic_transmit(n, &t), 0);
    CHECK_EQ_INT(m.n_wire, 0);                 /* queued: TDMD once per pass */
    nic_flush_all();
    REQUIRE_EQ_INT(m.n_wire, 1);
    CHECK_EQ_INT(m.wire[0].len, 60);
    CHECK_MEM(m.wire[0].data, a, 14);
    CHECK_MEM(m.wire[0].data + 14, b, 28);
    static const uint8_t zeros[18];
    CHECK_MEM(m.wire[0].data + 42, zeros, 18);
    uint64_t done = n->tx_completed;
    poll();
    CHECK_EQ_INT(n->tx_completed, done + 1);
    /* Too long for any PCnet: refused before the ring. */
    frame(buf, peer_mac, 1519, 1);
    struct nic_seg big = {buf, 1519};
    struct nic_tx tb = {&big, 1, 1519, NULL};
    CHECK_EQ_INT(nic_transmit(n, &tb), -EMSGSIZE);
    check_clean();
    teardown();
}

TEST(pcnet_full_transmit_ring_refuses_and_recovers)
{
    setup_open();
    m.tx_stall = true;
    frame(buf, peer_mac, 100, 2);
    struct nic_seg s = {buf, 100};
    struct nic_tx t = {&s, 1, 100, NULL};
    for (int i = 0; i < PCNET_TX_RING; i++)
        REQUIRE_EQ_INT(nic_transmit(n, &t), 0);
    CHECK_EQ_INT(nic_transmit(n, &t), -ENOBUFS);
    CHECK_EQ_INT(ev(NIC_EV_TX_RING_FULL), 1);
    m.tx_stall = false;
    pcnet_model_tx_poll(&m);                   /* the TDMDs went unheard; the chip polls */
    CHECK_EQ_INT(m.n_wire, PCNET_TX_RING);
    CHECK_EQ_INT(nic_transmit(n, &t), 0);      /* reclaimed on demand */
    nic_flush_all();
    CHECK_EQ_INT(m.n_wire, PCNET_TX_RING + 1);
    check_clean();
    teardown();
}

/* --- lending: a fake NIC on the other side ------------------------------------------ */

struct fake {
    struct nic nic;
    struct nic_frame held[400];
    unsigned n_held, copies, recycled;
    void *recycled_bufs[16];
};
static struct fake fb;

static int fb_transmit(struct nic *nn, const struct nic_tx *t) { fb.copies++; return 0; }
static int fb_transmit_frame(struct nic *nn, struct nic_frame *f)
{
    if (fb.n_held == 400)
        return -ENOBUFS;
    fb.held[fb.n_held++] = *f;
    return 0;
}
static void fb_recycle(struct nic *nn, void *b)
{
    if (fb.recycled < 16)
        fb.recycled_bufs[fb.recycled] = b;
    fb.recycled++;
}
static int fb_poll(struct nic *nn, int budget) { return 0; }
static const struct nic_ops fb_ops = {.transmit = fb_transmit, .transmit_frame = fb_transmit_frame,
                                      .rx_recycle = fb_recycle, .poll = fb_poll};

static void setup_fake(void)
{
    memset(&fb, 0, sizeof fb);
    fb.nic.model = "fake";
    fb.nic.mtu = 1500;
    fb.nic.link_up = true;
    fb.nic.tx_headroom = 12;                   /* a virtio header's room */
    fb.nic.ops = &fb_ops;
    fb.nic.priv = &fb;
    REQUIRE_EQ_INT(nic_register(&fb.nic), 0);
    REQUIRE_EQ_INT(nic_attach(&fb.nic, up_rx, NULL, NULL), 0);
}

static enum nic_rx_result to_fake(struct nic *nn, struct nic_frame *f, bool *handled)
{
    *handled = true;
    return nic_forward_frame(&fb.nic, f);
}

TEST(pcnet_lends_received_frames_and_copies_when_out_of_spares)
{
    setup_open();
    setup_fake();
    n->fastpath = to_fake;
    unsigned spares = pcnet_test_spares(p);
    REQUIRE(spares >= 16);
    /* Lent frames keep their buffers; the ring gets spares (600 bytes: past NIC_COPYBREAK,
       below which the core forwards by copy). */
    for (unsigned i = 0; i < spares + 5; i++) {
        frame(buf, our_mac, 600, (uint8_t)i);
        buf[20] = (uint8_t)i;
        REQUIRE_EQ_INT(pcnet_model_receive(&m, buf, 600), 1);
        poll();
    }
    CHECK_EQ_INT(fb.n_held, spares);
    CHECK_EQ_INT(fb.copies, 5);                /* no spare left: copied, not lent */
    CHECK_EQ_INT(pcnet_test_spares(p), 0);
    /* What was lent is untouched by the frames received after it. */
    for (unsigned i = 0; i < fb.n_held; i++) {
        CHECK_EQ_INT(fb.held[i].len, 600);
        CHECK_EQ_INT(fb.held[i].data[20], (uint8_t)i);
        CHECK(fb.held[i].headroom >= NIC_RX_HEADROOM);
        CHECK(fb.held[i].owner == n);
    }
    /* Given back, they are spares again. */
    for (unsigned i = 0; i < fb.n_held; i++)
        nic_frame_release(&fb.held[i]);
    CHECK_EQ_INT(pcnet_test_spares(p), spares);
    fb.n_held = 0;
    frame(buf, our_mac, 600, 99);
    pcnet_model_receive(&m, buf, 600);
    poll();
    CHECK_EQ_INT(fb.n_held, 1);
    nic_frame_release(&fb.held[0]);
    check_clean();
    teardown();
}

/* A frame another NIC received, in three buffers of the model's memory. */
static struct nic_frame fake_rx_frame(uint32_t *total)
{
    uint8_t *b0 = pcnet_model_alloc(&m, 2048), *b1 = pcnet_model_alloc(&m, 2048),
            *b2 = pcnet_model_alloc(&m, 2048);
    frame(b0 + 16, peer_mac, 600, 20);
    memset(b1, 0x11, 500);
    memset(b2, 0x22, 314);
    struct nic_frame f = {.data = b0 + 16, .len = 600, .headroom = 16, .owner = &fb.nic, .buf = b0,
                          .n_more = 2};
    f.more[0] = (struct nic_rxfrag){b1, 500, b1};
    f.more[1] = (struct nic_rxfrag){b2, 314, b2};
    *total = 1414;
    return f;
}

TEST(pcnet_sends_a_lent_frame_over_several_descriptors_and_gives_it_back)
{
    setup_open();
    setup_fake();
    uint32_t total;
    struct nic_frame f = fake_rx_frame(&total);
    CHECK_EQ_INT(nic_forward_frame(n, &f), NIC_RX_LENT);
    CHECK_EQ_INT(n->stats.tx_lent, 1);
    nic_flush_all();
    REQUIRE_EQ_INT(m.n_wire, 1);
    CHECK_EQ_INT(m.wire[0].len, total);
    CHECK_MEM(m.wire[0].data, f.data, 600);
    CHECK_MEM(m.wire[0].data + 600, f.more[0].data, 500);
    CHECK_MEM(m.wire[0].data + 1100, f.more[1].data, 314);
    CHECK_EQ_INT(fb.recycled, 0);              /* until the ring is looked at */
    poll();
    CHECK_EQ_INT(fb.recycled, 3);
    CHECK(fb.recycled_bufs[0] == f.buf);
    check_clean();
    teardown();
}

TEST(pcnet_close_stops_the_chip_and_returns_lent_frames)
{
    setup_open();
    setup_fake();
    m.tx_stall = true;
    uint32_t total;
    struct nic_frame f = fake_rx_frame(&total);
    CHECK_EQ_INT(nic_forward_frame(n, &f), NIC_RX_LENT);
    nic_flush_all();
    CHECK_EQ_INT(fb.recycled, 0);
    CHECK_EQ_INT(nic_close(n), 0);
    CHECK_EQ_INT(fb.recycled, 3);
    CHECK(m.csr[CSR0] & CSR0_STOP);
    CHECK_EQ_INT(n->state, NIC_CLOSED);
    /* Open again: a fresh INIT, and it works. */
    m.tx_stall = false;
    CHECK_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    CHECK_EQ_INT(m.inits, 2);
    frame(buf, our_mac, 64, 1);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 64), 1);
    poll();
    CHECK_EQ_INT(n_up, 1);
    check_clean();
    teardown();
}

/* --- link, errors, recovery -------------------------------------------------------- */

TEST(pcnet_notices_link_changes_without_an_interrupt)
{
    setup_open();
    pcnet_model_set_link(&m, false);
    CHECK(!m.irq);
    later(PCNET_LINK_POLL_MS - 1);
    poll();
    CHECK(n->link_up);                         /* not read yet */
    later(1);
    poll();
    CHECK(!n->link_up);
    CHECK(strstr(unit_console(), "nic0: link down") != NULL);
    pcnet_model_set_link(&m, true);
    later(PCNET_LINK_POLL_MS);
    poll();
    CHECK(n->link_up);
    CHECK(strstr(unit_console(), "nic0: link up") != NULL);
    CHECK_EQ_INT(n->stats.link_changes, 2);
    teardown();
}

TEST(pcnet_lcar_counts_and_reads_the_link_at_once)
{
    setup_open();
    pcnet_model_set_link(&m, false);
    frame(buf, peer_mac, 100, 3);
    struct nic_seg s = {buf, 100};
    struct nic_tx t = {&s, 1, 100, NULL};
    CHECK_EQ_INT(nic_transmit(n, &t), 0);      /* the core still thinks it is up */
    nic_flush_all();
    CHECK_EQ_INT(m.lcar, 1);
    CHECK_EQ_INT(m.n_wire, 0);
    poll();                                    /* no time has passed */
    CHECK_EQ_INT(ev(NIC_EV_TX_NO_CARRIER), 1);
    CHECK(!n->link_up);
    CHECK_EQ_INT(nic_transmit(n, &t), -ENETDOWN);
    teardown();
}

TEST(pcnet_79c973_link_through_bcr4_as_virtualbox_shows_it)
{
    /* VirtualBox's PCnet-FAST III reads BCR4 with LNKSTE cleared while the cable
     * is out; LEDOUT follows. */
    setup_chip(PCNET_MODEL_79C973, (struct pcnet_config){0}, false);
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    pcnet_model_set_link(&m, false);
    later(PCNET_LINK_POLL_MS);
    poll();
    CHECK(!n->link_up);
    CHECK(m.bcr[BCR4] & BCR4_LNKSTE);          /* the register keeps what was set */
    pcnet_model_set_link(&m, true);
    later(PCNET_LINK_POLL_MS);
    poll();
    CHECK(n->link_up);
    teardown();
}

TEST(pcnet_79c973_starts_with_the_cable_out)
{
    nic_test_reset();
    unit_console_clear();
    pcnet_model_init(&m, PCNET_MODEL_79C973, our_mac);
    pcnet_model_set_link(&m, false);
    struct pcnet_bus bus = pcnet_model_bus(&m);
    struct pcnet_config cfg = {0};
    p = NULL;
    REQUIRE_EQ_INT(pcnet_attach(&bus, &cfg, &p), 0);
    n = pcnet_nic(p);
    CHECK(!n->link_up);
    CHECK(m.bcr[BCR4] & BCR4_LNKSTE);          /* set although it read back cleared */
    REQUIRE_EQ_INT(nic_attach(n, up_rx, NULL, NULL), 0);
    pcnet_model_set_link(&m, true);
    later(PCNET_LINK_POLL_MS);
    poll();
    CHECK(n->link_up);
    teardown();
}

TEST(pcnet_memory_error_reinitializes_the_chip)
{
    setup_open();
    pcnet_model_merr(&m);
    CHECK(m.irq);
    pcnet_irq(p);
    poll();
    CHECK_EQ_INT(ev(NIC_EV_DEVICE_ERROR), 1);
    CHECK_EQ_INT(ev(NIC_EV_RESET), 1);
    CHECK_EQ_INT(m.inits, 2);
    CHECK(!m.irq);
    CHECK(strstr(unit_console(), "memory error (MERR)") != NULL);
    frame(buf, our_mac, 64, 1);
    CHECK_EQ_INT(pcnet_model_receive(&m, buf, 64), 1);
    poll();
    CHECK_EQ_INT(n_up, 1);
    check_clean();
    teardown();
}

TEST(pcnet_underflow_stopped_transmitter_is_restarted)
{
    setup_open();
    /* A chain without ENP (what a driver that set OWN too early would leave):
     * the model stops its transmitter. The next periodic look restarts it. */
    m.csr[CSR0] &= ~CSR0_TXON;
    later(PCNET_LINK_POLL_MS);
    poll();
    CHECK_EQ_INT(ev(NIC_EV_DEVICE_ERROR), 1);
    CHECK_EQ_INT(ev(NIC_EV_RESET), 1);
    CHECK(m.csr[CSR0] & CSR0_TXON);
    CHECK(strstr(unit_console(), "transmitter stopped") != NULL);
    teardown();
}

TEST(pcnet_watchdog_resets_a_stuck_transmitter)
{
    setup_open();
    setup_fake();
    m.tx_stall = true;
    uint32_t total;
    struct nic_frame f = fake_rx_frame(&total);
    CHECK_EQ_INT(nic_forward_frame(n, &f), NIC_RX_LENT);
    frame(buf, peer_mac, 100, 3);
    struct nic_seg s = {buf, 100};
    struct nic_tx t = {&s, 1, 100, NULL};
    CHECK_EQ_INT(nic_transmit(n, &t), 0);
    nic_flush_all();
    nic_tick(1000);
    nic_tick(2000);
    CHECK_EQ_INT(ev(NIC_EV_RESET), 0);
    nic_tick(3000);
    CHECK_EQ_INT(ev(NIC_EV_RESET), 1);
    CHECK_EQ_INT(fb.recycled, 3);              /* the lent frame went home */
    CHECK_EQ_INT(m.inits, 2);
    m.tx_stall = false;
    CHECK_EQ_INT(nic_transmit(n, &t), 0);
    nic_flush_all();
    CHECK_EQ_INT(m.n_wire, 1);                 /* the new ring from index 0 */
    check_clean();
    teardown();
}
