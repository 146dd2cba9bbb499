/* The e1000's EEPROM paths against the chip model: EERD on the 82540 and later,
 * bit-banged Microwire on the 82543/82544 (and when EERD does not answer), both
 * EEPROM sizes, the request/grant handshake, the checksum, and where the MAC comes
 * from when the EEPROM cannot be trusted. */
#include "unit.h"
#include "e1000_rig.h"
#include "console_capture.h"

#include <string.h>

static struct e1k_rig *setup_with(struct e1k_rig *r)
{
    unit_console_clear();
    REQUIRE_EQ_INT(e1k_setup(&r->e, "Intel test chip"), 0);
    REQUIRE_EQ_INT(nic_register(&r->e.nic), 0);
    e1k_report(&r->e);
    return r;
}

static struct e1k_rig *probe(const struct e1k_rig_opts *o)
{
    nic_test_reset();
    return setup_with(rig_new(o));
}

static const struct e1k_rig_opts chip_82544 = {.quirks = E1K_Q_NO_EERD | E1K_Q_NO_EEREQ};

TEST(e1000_eeprom_by_eerd_gives_the_mac_and_programs_the_filters)
{
    struct e1k_rig *r = probe(NULL);
    CHECK_MEM(r->e.nic.mac, rig_mac, 6);
    CHECK(r->e.ee_by_eerd);
    CHECK(r->e.ee_sum_ok);
    CHECK_EQ_STR(r->e.mac_from, "the EEPROM");
    CHECK(strstr(unit_console(), "nic0: EEPROM by EERD, 64 words, checksum ok; MAC from the EEPROM") != NULL);
    /* RAL0/RAH0 hold the MAC with the valid bit; the multicast table, which a reset
     * leaves as it was, is cleared. */
    CHECK_EQ_INT(e1km_reg(&r->m, 0x5400), 0xe1005452u);
    CHECK_EQ_INT(e1km_reg(&r->m, 0x5404), 0x80000100u);
    uint32_t any = 0;
    for (int i = 0; i < 128; i++)
        any |= e1km_reg(&r->m, 0x5200 + 4 * i);
    CHECK_EQ_INT(any, 0);
    /* Nothing is received before open: the receiver is off, RCTL never written. */
    CHECK_EQ_INT(r->m.rctl_writes, 0);
    CHECK_EQ_INT(r->m.resets, 1);
    rig_free(r);
}

TEST(e1000_eeprom_bit_banged_where_the_chip_has_no_eerd)
{
    struct e1k_rig_opts o = chip_82544;
    o.has_eerd = false;
    struct e1k_rig *r = probe(&o);
    CHECK_MEM(r->e.nic.mac, rig_mac, 6);
    CHECK(!r->e.ee_by_eerd);
    CHECK(r->e.ee_sum_ok);
    CHECK_EQ_INT(r->e.ee_words, 64);
    CHECK(strstr(unit_console(), "nic0: EEPROM by Microwire (EECD), 64 words, checksum ok; MAC from the EEPROM") != NULL);
    /* The clock is slow enough for any 93Cx6: 64 words at 5 us a half period,
     * about 20 ms. */
    CHECK(r->m.delay_us >= 64 * 2 * (3 + 6 + 16) * 5);
    CHECK(r->m.delay_us < 100000);
    rig_free(r);
}

TEST(e1000_eeprom_bit_banged_with_eerd_there_but_not_used_on_an_82544)
{
    /* QEMU's e1000-82544gc has EERD too; the quirk still takes the wires. */
    struct e1k_rig *r = probe(&chip_82544);
    r->m.has_eerd = true;
    CHECK(!r->e.ee_by_eerd);
    CHECK_MEM(r->e.nic.mac, rig_mac, 6);
    CHECK_EQ_INT(e1km_reg(&r->m, 0x0014), 0);           /* EERD never started */
    rig_free(r);
}

TEST(e1000_eeprom_falls_back_to_the_wires_when_eerd_does_not_answer)
{
    /* A 256-word part: 8 address bits, as EECD.EE_SIZE says. */
    struct e1k_rig_opts o = {.has_eerd = true, .ee_words = 256};
    nic_test_reset();
    struct e1k_rig *r = rig_new(&o);
    r->m.eerd_broken = true;
    setup_with(r);
    CHECK(!r->e.ee_by_eerd);
    CHECK(r->e.ee_read_ok);
    CHECK(r->e.ee_sum_ok);
    CHECK_EQ_INT(r->e.ee_words, 256);
    CHECK_MEM(r->e.nic.mac, rig_mac, 6);
    CHECK(strstr(unit_console(), "Microwire (EECD), 256 words, checksum ok") != NULL);
    rig_free(r);
}

TEST(e1000_eeprom_wires_wait_for_the_grant)
{
    /* EERD dead and the grant never given: the EEPROM is unreadable, and the MAC
     * the chip loaded into RAL0 at reset is used. */
    nic_test_reset();
    struct e1k_rig *r = rig_new(NULL);
    r->m.eerd_broken = true;
    r->m.grant_never = true;
    setup_with(r);
    CHECK(!r->e.ee_read_ok);
    CHECK_MEM(r->e.nic.mac, rig_mac, 6);
    CHECK_EQ_STR(r->e.mac_from, "RAL0/RAH0");
    CHECK(strstr(unit_console(), "nic0: EEPROM unreadable; MAC from RAL0/RAH0") != NULL);
    CHECK_EQ_INT(e1km_reg(&r->m, 0x0010) & 0x40, 0);     /* the request withdrawn */
    rig_free(r);
}

TEST(e1000_eeprom_bad_checksum_is_reported_and_ral_preferred)
{
    nic_test_reset();
    struct e1k_rig *r = rig_new(NULL);
    r->m.eeprom[0x20] ^= 0x0100;                          /* one bit off, signature intact */
    setup_with(r);
    CHECK(r->e.ee_read_ok);
    CHECK(!r->e.ee_sum_ok);
    CHECK_EQ_INT(r->e.ee_sum, 0xbbba);
    CHECK_EQ_STR(r->e.mac_from, "RAL0/RAH0");
    CHECK_MEM(r->e.nic.mac, rig_mac, 6);
    CHECK(strstr(unit_console(), "bad checksum 0xbbba (not 0xbaba); MAC from RAL0/RAH0") != NULL);
    rig_free(r);
}

TEST(e1000_eeprom_bad_checksum_without_ral_uses_the_eeprom_mac_and_says_so)
{
    nic_test_reset();
    struct e1k_rig *r = rig_new(NULL);
    r->m.eeprom[0x0a] = 0;                                /* signature gone: RAL0 not loaded */
    e1km_set_reg(&r->m, 0x5404, 0);
    r->m.eeprom[0x3f] ^= 1;
    setup_with(r);
    CHECK(!r->e.ee_sum_ok);
    CHECK_MEM(r->e.nic.mac, rig_mac, 6);
    CHECK_EQ_STR(r->e.mac_from, "the EEPROM, in spite of its checksum");
    rig_free(r);
}

TEST(e1000_eeprom_absent_and_no_ral_gives_a_stable_local_mac)
{
    nic_test_reset();
    struct e1k_rig *r = rig_new(&chip_82544);
    r->m.has_eerd = false;
    r->m.has_eereq = false;
    r->m.ee_absent = true;                                /* DO floats high: all 0xffff */
    setup_with(r);
    static const uint8_t made[6] = {0x02, 'e', '1', 0, 3, 0};
    CHECK_MEM(r->e.nic.mac, made, 6);
    CHECK(!r->e.ee_sum_ok);
    CHECK(strstr(unit_console(), "MAC from the PCI slot") != NULL);
    rig_free(r);
}

TEST(e1000_probe_of_a_device_that_reads_all_ones_fails)
{
    nic_test_reset();
    struct e1k_rig *r = rig_new(NULL);
    r->m.gone = true;
    CHECK_EQ_INT(e1k_setup(&r->e, "Intel test chip"), -19);   /* -ENODEV */
    rig_free(r);
}

TEST(e1000_82543_offers_checksums_but_no_tso)
{
    struct e1k_rig_opts o = {.quirks = E1K_Q_NO_EERD | E1K_Q_NO_EEREQ | E1K_Q_NO_TSO | E1K_Q_82543};
    struct e1k_rig *r = probe(&o);
    CHECK(r->e.nic.caps & NIC_CAP_TX_CSUM);
    CHECK(r->e.nic.caps & NIC_CAP_TX_SG);
    CHECK(!(r->e.nic.caps & NIC_CAP_TX_TSO4));
    CHECK_EQ_INT(e1km_reg(&r->m, 0x0410), 8u | 8u << 10 | 6u << 20);
    rig_free(r);
    r = probe(NULL);
    CHECK_EQ_INT(r->e.nic.caps, NIC_CAP_TX_CSUM | NIC_CAP_TX_SG | NIC_CAP_TX_TSO4 | NIC_CAP_TX_TSO_PHDR_NOLEN);
    CHECK_EQ_INT(r->e.nic.max_mtu, 9000);
    CHECK_EQ_INT(r->e.nic.tx_headroom, 0);
    rig_free(r);
}
