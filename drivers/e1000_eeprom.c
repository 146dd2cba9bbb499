/* The PRO/1000's EEPROM (8254x SDM 5.3 "EEPROM Interface", 5.6 "EEPROM Address
 * Map", 13.4.3 EECD, 13.4.4 EERD; the 93C46/93C66 Microwire data sheets).
 *
 * Two ways in. The 82540 and later have EERD: write a word address with START,
 * poll DONE, take the data. The 82543 and 82544 have no EERD (the SDM lists it for
 * the 82540EP/EM, 82541, 82545, 82546 and 82547 only): software drives the
 * EEPROM's four wires through EECD itself. Microwire READ is the start bit and
 * opcode 110, then the word address (6 bits for a 64-word 93C46, 8 for a 256-word
 * 93C66; on the 82540 and later EECD.EE_SIZE tells which, the older chips have the
 * 64-word part), clocked in on rising edges of SK with CS high; the part answers
 * with a dummy 0 and then the 16 data bits, most significant first, each read
 * after a rising edge. Chips from the 82540 on share the wires with their own
 * reads and want EE_REQ granted (EE_GNT) first.
 *
 * Words 0-2 hold the MAC, low byte first. Words 0x00-0x3f sum to 0xBABA when the
 * image is sound: a bad sum is reported, and the MAC then comes from RAL0/RAH0
 * (the chip loads it from a valid EEPROM at reset) rather than from an image that
 * cannot be trusted.
 *
 * QEMU models EERD and the Microwire wires on all three of its e1000 variants
 * (hw/net/e1000.c, 64 words); the driver picks by the PCI ID table's quirk, so
 * its e1000-82544gc (8086:100C) takes the bit-banged path. */
#include "e1000_dev.h"
#include "../kernel/console.h"

#include <errno.h>
#include <string.h>

#define EE_HALF_CLOCK_US 5          /* 100 kHz: far below any 93Cx6's maximum clock */
#define EE_POLL_TRIES    2000       /* of 5 us: 10 ms for EERD or the grant */

static int eerd_read_word(struct e1k *e, unsigned addr, uint16_t *out)
{
    e1k_wr(e, E1K_EERD, E1K_EERD_START | addr << E1K_EERD_ADDR_SHIFT);
    for (int i = 0; i < EE_POLL_TRIES; i++) {
        uint32_t v = e1k_rd(e, E1K_EERD);
        if (v == E1K_GONE)
            return -EIO;
        if (v & E1K_EERD_DONE) {
            *out = (uint16_t)(v >> E1K_EERD_DATA_SHIFT);
            return 0;
        }
        e1k_delay_us(e, 5);
    }
    return -ETIMEDOUT;
}

/* One write to the wires, then half a clock period for the part to follow. */
static void ee_wires(struct e1k *e, uint32_t eecd)
{
    e1k_wr(e, E1K_EECD, eecd);
    e1k_delay_us(e, EE_HALF_CLOCK_US);
}

/* Clocks the low `bits` bits of v into the part, most significant first: DI set
 * while SK is low, latched on the rising edge. */
static void ee_shift_out(struct e1k *e, uint32_t eecd, uint32_t v, unsigned bits)
{
    for (unsigned i = bits; i-- > 0;) {
        uint32_t di = (v >> i) & 1 ? E1K_EECD_DI : 0;
        ee_wires(e, eecd | di);
        ee_wires(e, eecd | di | E1K_EECD_SK);
        ee_wires(e, eecd | di);
    }
}

static uint16_t ee_shift_in(struct e1k *e, uint32_t eecd)
{
    uint16_t v = 0;
    for (int i = 0; i < 16; i++) {
        ee_wires(e, eecd | E1K_EECD_SK);
        v = (uint16_t)(v << 1 | ((e1k_rd(e, E1K_EECD) & E1K_EECD_DO) ? 1 : 0));
        ee_wires(e, eecd);
    }
    return v;
}

/* EECD with the wires idle, after the grant where the chip wants one. */
static int ee_acquire(struct e1k *e, uint32_t *eecd)
{
    uint32_t v = e1k_rd(e, E1K_EECD);
    if (v == E1K_GONE)
        return -EIO;
    v &= ~(E1K_EECD_SK | E1K_EECD_CS | E1K_EECD_DI);
    if (!(e->quirks & E1K_Q_NO_EEREQ)) {
        if (!(v & E1K_EECD_PRES))
            return -ENODEV;
        v |= E1K_EECD_REQ;
        e1k_wr(e, E1K_EECD, v);
        int i;
        for (i = 0; i < EE_POLL_TRIES && !(e1k_rd(e, E1K_EECD) & E1K_EECD_GNT); i++)
            e1k_delay_us(e, 5);
        if (i == EE_POLL_TRIES) {
            e1k_wr(e, E1K_EECD, v & ~E1K_EECD_REQ);
            return -EBUSY;
        }
    }
    ee_wires(e, v);
    *eecd = v;
    return 0;
}

static void ee_release(struct e1k *e, uint32_t eecd)
{
    ee_wires(e, eecd & ~(E1K_EECD_CS | E1K_EECD_SK | E1K_EECD_DI));
    e1k_wr(e, E1K_EECD, eecd & ~(E1K_EECD_CS | E1K_EECD_SK | E1K_EECD_DI | E1K_EECD_REQ));
}

unsigned e1k_eeprom_words(struct e1k *e)
{
    if (e->quirks & E1K_Q_NO_EEREQ)
        return E1K_EE_WORDS_SMALL;
    return (e1k_rd(e, E1K_EECD) & E1K_EECD_SIZE) ? E1K_EE_WORDS_LARGE : E1K_EE_WORDS_SMALL;
}

static int microwire_read(struct e1k *e, uint16_t *words, unsigned n)
{
    unsigned abits = e1k_eeprom_words(e) == E1K_EE_WORDS_LARGE ? 8 : 6;
    uint32_t eecd;
    int rc = ee_acquire(e, &eecd);
    if (rc)
        return rc;
    for (unsigned a = 0; a < n; a++) {
        /* Each read is one cycle: CS up, command and address, 16 bits, CS down. */
        ee_wires(e, eecd | E1K_EECD_CS);
        ee_shift_out(e, eecd | E1K_EECD_CS, E1K_MW_READ, E1K_MW_READ_BITS);
        ee_shift_out(e, eecd | E1K_EECD_CS, a, abits);
        words[a] = ee_shift_in(e, eecd | E1K_EECD_CS);
        ee_wires(e, eecd);
    }
    ee_release(e, eecd);
    return 0;
}

int e1k_eeprom_read(struct e1k *e, uint16_t *words, unsigned n)
{
    e->ee_by_eerd = false;
    if (!(e->quirks & E1K_Q_NO_EERD)) {
        unsigned a;
        for (a = 0; a < n; a++)
            if (eerd_read_word(e, a, &words[a]) != 0)
                break;
        if (a == n) {
            e->ee_by_eerd = true;
            return 0;
        }
        /* EERD did not answer: the wires still may (a chip missing from the quirks). */
    }
    return microwire_read(e, words, n) ? -EIO : 0;
}

static bool valid_unicast(const uint8_t m[ETH_ADDR_LEN])
{
    static const uint8_t zero[ETH_ADDR_LEN];
    return !(m[0] & 1) && memcmp(m, zero, ETH_ADDR_LEN) != 0;
}

void e1k_choose_mac(struct e1k *e, uint8_t mac[ETH_ADDR_LEN])
{
    uint16_t w[E1K_EE_WORDS_SMALL];
    uint8_t ee_mac[ETH_ADDR_LEN] = {0}, ra_mac[ETH_ADDR_LEN];
    e->ee_words = e1k_eeprom_words(e);
    e->ee_read_ok = e1k_eeprom_read(e, w, E1K_EE_WORDS_SMALL) == 0;
    e->ee_sum_ok = false;
    if (e->ee_read_ok) {
        uint16_t sum = 0;
        for (unsigned i = 0; i <= E1K_EE_CHECKSUM_WORD; i++)
            sum = (uint16_t)(sum + w[i]);
        e->ee_sum = sum;
        e->ee_sum_ok = sum == E1K_EE_SUM;
        for (unsigned i = 0; i < E1K_EE_MAC_WORDS; i++) {
            ee_mac[2 * i] = (uint8_t)w[i];
            ee_mac[2 * i + 1] = (uint8_t)(w[i] >> 8);
        }
    }
    uint32_t ral = e1k_rd(e, E1K_RAL0), rah = e1k_rd(e, E1K_RAH0);
    for (int i = 0; i < 4; i++)
        ra_mac[i] = (uint8_t)(ral >> (8 * i));
    ra_mac[4] = (uint8_t)rah;
    ra_mac[5] = (uint8_t)(rah >> 8);
    bool ra_ok = rah != E1K_GONE && (rah & E1K_RAH_AV) && valid_unicast(ra_mac);

    if (e->ee_sum_ok && valid_unicast(ee_mac)) {
        memcpy(mac, ee_mac, ETH_ADDR_LEN);
        e->mac_from = "the EEPROM";
    } else if (ra_ok) {
        memcpy(mac, ra_mac, ETH_ADDR_LEN);
        e->mac_from = "RAL0/RAH0";
    } else if (e->ee_read_ok && valid_unicast(ee_mac)) {
        memcpy(mac, ee_mac, ETH_ADDR_LEN);
        e->mac_from = "the EEPROM, in spite of its checksum";
    } else {
        /* Nothing to go by: a locally administered address from the PCI slot, the
         * same on every boot (as virtio-net makes one). */
        const uint8_t made[ETH_ADDR_LEN] = {0x02, 'e', '1', e->pci_slot[0], e->pci_slot[1], e->pci_slot[2]};
        memcpy(mac, made, ETH_ADDR_LEN);
        e->mac_from = "the PCI slot (no usable EEPROM or RAL0)";
    }
}
