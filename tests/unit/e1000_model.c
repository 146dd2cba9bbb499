/* Contract in e1000_model.h. The register offsets and bits are written out here
 * from the SDM again rather than taken from drivers/e1000.h, so that a wrong
 * number in the driver's header shows up as a failing test. */
#include "e1000_model.h"

#include <stdlib.h>
#include <string.h>

/* Registers (SDM 13). */
enum {
    R_CTRL = 0x0000, R_STATUS = 0x0008, R_EECD = 0x0010, R_EERD = 0x0014,
    R_ICR = 0x00c0, R_ICS = 0x00c8, R_IMS = 0x00d0, R_IMC = 0x00d8,
    R_RCTL = 0x0100, R_TCTL = 0x0400,
    R_RDBAL = 0x2800, R_RDBAH = 0x2804, R_RDLEN = 0x2808, R_RDH = 0x2810, R_RDT = 0x2818,
    R_TDBAL = 0x3800, R_TDBAH = 0x3804, R_TDLEN = 0x3808, R_TDH = 0x3810, R_TDT = 0x3818,
    R_MTA = 0x5200, R_RAL = 0x5400,
    R_CRCERRS = 0x4000, R_SYMERRS = 0x4008, R_RXERRC = 0x400c, R_MPC = 0x4010,
    R_COLC = 0x4028, R_TNCRS = 0x4034, R_RLEC = 0x4040, R_GPRC = 0x4074, R_GPTC = 0x4080,
    R_RNBC = 0x40a0, R_RUC = 0x40a4, R_RFC = 0x40a8, R_ROC = 0x40ac, R_RJC = 0x40b0,
    R_TSCTC = 0x40f8, R_TSCTFC = 0x40fc,
};

#define CTRL_RST   (1u << 26)
#define STATUS_LU  (1u << 1)
#define EECD_SK    (1u << 0)
#define EECD_CS    (1u << 1)
#define EECD_DI    (1u << 2)
#define EECD_DO    (1u << 3)
#define EECD_REQ   (1u << 6)
#define EECD_GNT   (1u << 7)
#define EECD_PRES  (1u << 8)
#define EECD_SIZE  (1u << 9)
#define EERD_START (1u << 0)
#define EERD_DONE  (1u << 4)
#define ICR_TXDW   (1u << 0)
#define ICR_TXQE   (1u << 1)
#define ICR_LSC    (1u << 2)
#define ICR_RXDMT0 (1u << 4)
#define ICR_RXO    (1u << 6)
#define ICR_RXT0   (1u << 7)
#define RCTL_EN    (1u << 1)
#define RCTL_UPE   (1u << 3)
#define RCTL_MPE   (1u << 4)
#define RCTL_LPE   (1u << 5)
#define RCTL_BAM   (1u << 15)
#define RCTL_BSEX  (1u << 25)
#define RCTL_SECRC (1u << 26)
#define TCTL_EN    (1u << 1)
#define RAH_AV     (1u << 31)
#define TXD_EOP    (1u << 24)
#define TXD_TSE    (1u << 26)
#define TXD_RS     (1u << 27)
#define TXD_DEXT   (1u << 29)
#define TXD_DD     (1u << 0)
#define POPTS_IXSM 0x01
#define POPTS_TXSM 0x02
#define RXD_DD     0x01
#define RXD_EOP    0x02

static uint32_t *R(struct e1km *m, uint32_t off) { return &m->reg[(off & 0x1ffff) >> 2]; }

void e1km_fix_checksum(struct e1km *m)
{
    uint16_t sum = 0;
    for (unsigned i = 0; i < 0x3f; i++)
        sum = (uint16_t)(sum + m->eeprom[i]);
    m->eeprom[0x3f] = (uint16_t)(0xbaba - sum);
}

/* What the chip loads at power-up and reset from an EEPROM whose signature (word
 * 0x0a, bits 15:14 = 01b) is valid (SDM 5.6); the checksum is software's to check. */
static void load_from_eeprom(struct e1km *m)
{
    if (m->ee_absent || (m->eeprom[0x0a] >> 14) != 1)
        return;
    *R(m, R_RAL) = m->eeprom[0] | (uint32_t)m->eeprom[1] << 16;
    *R(m, R_RAL + 4) = m->eeprom[2] | RAH_AV;
}

static void chip_reset(struct e1km *m)
{
    uint32_t mta[128];
    memcpy(mta, R(m, R_MTA), sizeof mta);     /* a reset leaves the table as it was */
    memset(m->reg, 0, sizeof m->reg);
    memcpy(R(m, R_MTA), mta, sizeof mta);
    m->pkt_len = 0;
    m->pkt_started = false;
    m->wires = 0;
    m->mw_bits = 0;
    m->mw_reading = false;
    load_from_eeprom(m);
    m->resets++;
}

void e1km_init(struct e1km *m, const uint8_t mac[6], bool has_eerd, unsigned ee_words)
{
    memset(m, 0, sizeof *m);
    m->has_eerd = has_eerd;
    m->has_eereq = has_eerd;
    m->ee_words = ee_words;
    for (unsigned i = 0; i < 256; i++)
        m->eeprom[i] = (uint16_t)(0x1000 + i * 3);
    for (int i = 0; i < 3; i++)
        m->eeprom[i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
    m->eeprom[0x0a] = 0x4000 | 0x0200;       /* signature valid */
    e1km_fix_checksum(m);
    m->link = true;
    for (unsigned i = 0; i < 128; i++)      /* what a table holds after power-up: anything */
        *R(m, R_MTA + 4 * i) = 0xa5a5a5a5u ^ i;
    chip_reset(m);
    m->resets = 0;
}

void e1km_clear_wire(struct e1km *m)
{
    for (unsigned i = 0; i < m->n_wire; i++)
        free(m->wire[i].data);
    m->n_wire = 0;
}

void e1km_free(struct e1km *m) { e1km_clear_wire(m); }

uint32_t e1km_reg(const struct e1km *m, uint32_t off) { return m->reg[(off & 0x1ffff) >> 2]; }
void e1km_set_reg(struct e1km *m, uint32_t off, uint32_t v) { *R(m, off) = v; }

bool e1km_irq(const struct e1km *m)
{
    return (m->reg[R_ICR >> 2] & m->reg[R_IMS >> 2]) != 0;
}

void e1km_set_link(struct e1km *m, bool up)
{
    if (m->link != up)
        *R(m, R_ICR) |= ICR_LSC;
    m->link = up;
}

/* --- statistics ------------------------------------------------------------------ */

static bool is_stat(uint32_t off) { return off >= 0x4000 && off < 0x4100; }

/* The registers QEMU's model reads without clearing. */
static bool qemu_keeps(uint32_t off)
{
    return (off >= R_CRCERRS && off <= R_MPC) || off == R_RLEC || off == R_RNBC || off == R_RFC ||
           off == R_RJC || off == R_COLC || off == R_TNCRS || off == R_TSCTFC;
}

static void count(struct e1km *m, uint32_t off) { (*R(m, off))++; }

/* --- EEPROM wires ----------------------------------------------------------------- */

static bool wires_granted(const struct e1km *m)
{
    return !m->has_eereq || ((m->wires & EECD_REQ) && !m->grant_never);
}

static void eecd_write(struct e1km *m, uint32_t v)
{
    uint32_t old = m->wires;
    m->wires = v & (EECD_SK | EECD_CS | EECD_DI | EECD_REQ);
    if (!wires_granted(m) || m->ee_absent)
        return;
    bool cs = m->wires & EECD_CS;
    if (cs != ((old & EECD_CS) != 0)) {      /* select or deselect: a new cycle */
        m->mw_bits = 0;
        m->mw_cmd = 0;
        m->mw_reading = false;
        m->mw_do = true;
    }
    if (!cs || !(m->wires & EECD_SK) || (old & EECD_SK))
        return;                               /* only rising edges with CS high count */
    if (m->mw_reading) {
        if (m->mw_out > 0) {
            m->mw_out--;
            m->mw_do = (m->mw_word >> m->mw_out) & 1;
        } else {
            m->mw_do = false;
        }
        return;
    }
    bool di = m->wires & EECD_DI;
    if (m->mw_bits == 0 && !di)
        return;                               /* leading zeros before the start bit */
    m->mw_cmd = m->mw_cmd << 1 | di;
    m->mw_bits++;
    unsigned abits = m->ee_words == 256 ? 8 : 6;
    if (m->mw_bits == 3 + abits) {
        if (((m->mw_cmd >> abits) & 7) == 6) {
            m->mw_word = m->eeprom[m->mw_cmd & ((1u << abits) - 1)];
            m->mw_out = 16;
            m->mw_reading = true;
            m->mw_do = false;                 /* the dummy zero */
        }
    }
}

static uint32_t eecd_read(const struct e1km *m)
{
    uint32_t v = m->wires;
    if (m->has_eereq) {
        if (!m->ee_absent)
            v |= EECD_PRES;
        if ((m->wires & EECD_REQ) && !m->grant_never)
            v |= EECD_GNT;
        if (m->ee_words == 256)
            v |= EECD_SIZE;
    }
    bool dout = true;                         /* no part driving it: pulled up */
    if (!m->ee_absent && wires_granted(m) && (m->wires & EECD_CS))
        dout = m->mw_do;
    return dout ? v | EECD_DO : v;
}

static void eerd_write(struct e1km *m, uint32_t v)
{
    if (!m->has_eerd || !(v & EERD_START))
        return;
    unsigned a = (v >> 8) & 0xff;
    if (m->eerd_broken) {
        *R(m, R_EERD) = v & ~EERD_START;
        return;
    }
    uint16_t data = a < m->ee_words && !m->ee_absent ? m->eeprom[a] : 0xffff;
    *R(m, R_EERD) = EERD_DONE | a << 8 | (uint32_t)data << 16;
}

/* --- receive ------------------------------------------------------------------------ */

static uint32_t rx_buf_size(uint32_t rctl)
{
    unsigned sz = (rctl >> 16) & 3;
    if (rctl & RCTL_BSEX)
        return sz == 1 ? 16384 : sz == 2 ? 8192 : sz == 3 ? 4096 : 2048;
    return sz == 0 ? 2048 : sz == 1 ? 1024 : sz == 2 ? 512 : 256;
}

static bool accepted(struct e1km *m, const uint8_t *dst)
{
    uint32_t rctl = *R(m, R_RCTL);
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (memcmp(dst, bcast, 6) == 0)
        return rctl & RCTL_BAM;
    if (dst[0] & 1) {
        if (rctl & RCTL_MPE)
            return true;
        unsigned mo = (rctl >> 12) & 3;
        static const unsigned shift[4] = {4, 3, 2, 0};
        unsigned h = (((unsigned)dst[5] << 8 | dst[4]) >> shift[mo]) & 0xfff;
        return *R(m, R_MTA + 4 * (h >> 5)) & (1u << (h & 31));
    }
    if (rctl & RCTL_UPE)
        return true;
    for (unsigned i = 0; i < 16; i++) {
        uint32_t lo = *R(m, R_RAL + 8 * i), hi = *R(m, R_RAL + 8 * i + 4);
        uint8_t a[6] = {(uint8_t)lo, (uint8_t)(lo >> 8), (uint8_t)(lo >> 16), (uint8_t)(lo >> 24),
                        (uint8_t)hi, (uint8_t)(hi >> 8)};
        if ((hi & RAH_AV) && memcmp(a, dst, 6) == 0)
            return true;
    }
    return false;
}

int e1km_receive(struct e1km *m, const uint8_t *frame, uint32_t len)
{
    uint32_t rctl = *R(m, R_RCTL);
    if (m->gone || !(rctl & RCTL_EN) || !m->link)
        return 0;
    if (len > 16384 - 4 || (len > 1518 && !(rctl & RCTL_LPE))) {
        count(m, R_ROC);
        return 0;
    }
    if (!accepted(m, frame))
        return 0;
    uint32_t bsize = rx_buf_size(rctl);
    uint32_t total = len + ((rctl & RCTL_SECRC) ? 0 : 4);
    uint32_t n = *R(m, R_RDLEN) / 16, head = *R(m, R_RDH), tail = *R(m, R_RDT);
    if (n == 0 || head >= n || tail >= n)
        return 0;
    uint32_t avail = (tail + n - head) % n, need = (total + bsize - 1) / bsize;
    if (avail < need) {
        count(m, R_MPC);
        count(m, R_RNBC);
        *R(m, R_ICR) |= ICR_RXO;
        return -1;
    }
    uint8_t *base = (uint8_t *)(uintptr_t)((uint64_t)*R(m, R_RDBAH) << 32 | *R(m, R_RDBAL));
    static const uint8_t fcs[4] = {0xde, 0xad, 0xbe, 0xef};
    uint32_t at = 0;
    for (uint32_t k = 0; k < need; k++) {
        uint8_t *d = base + 16 * head;
        uint64_t addr;
        memcpy(&addr, d, 8);
        uint8_t *buf = (uint8_t *)(uintptr_t)addr;
        uint32_t chunk = total - at < bsize ? total - at : bsize;
        for (uint32_t i = 0; i < chunk; i++, at++)
            buf[i] = at < len ? frame[at] : fcs[at - len];
        uint16_t l16 = (uint16_t)chunk;
        memcpy(d + 8, &l16, 2);
        d[13] = 0;                            /* errors */
        bool last = k == need - 1;
        d[12] = (uint8_t)((last ? RXD_EOP : 0) | RXD_DD);
        if (last && m->hold_eop) {
            d[12] &= (uint8_t)~RXD_DD;
            m->held.status = d + 12;
        }
        head = (head + 1) % n;
    }
    *R(m, R_RDH) = head;
    count(m, R_GPRC);
    uint32_t left = (tail + n - head) % n;
    *R(m, R_ICR) |= ICR_RXT0 | (left <= n / 2 ? ICR_RXDMT0 : 0);
    return 1;
}

void e1km_release_eop(struct e1km *m)
{
    if (m->held.status)
        *m->held.status |= RXD_DD;
    m->held.status = NULL;
}

/* --- transmit ----------------------------------------------------------------------- */

static uint32_t sum16(const uint8_t *p, uint32_t n, uint32_t s)
{
    for (uint32_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* SDM 3.5.8: the complement of the sum over css..cse (0: to the end), the field
 * included, stored at cso. */
static void insert_csum(uint8_t *p, uint32_t len, uint32_t css, uint32_t cso, uint32_t cse)
{
    uint32_t end = cse ? cse + 1 : len;
    if (end > len || css >= end || cso + 2 > len)
        return;
    uint16_t c = (uint16_t)~fold(sum16(p + css, end - css, 0));
    p[cso] = (uint8_t)(c >> 8);
    p[cso + 1] = (uint8_t)c;
}

static void wire_push(struct e1km *m, const uint8_t *p, uint32_t len)
{
    if (m->n_wire == E1KM_WIRE_MAX)
        return;
    uint8_t *c = malloc(len ? len : 1);
    memcpy(c, p, len);
    m->wire[m->n_wire++] = (struct e1km_frame){c, len};
    count(m, R_GPTC);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* SDM 3.5.9: per segment the IP total length and ID, the TCP sequence number and
 * flags, and both checksums; the TCP checksum field of the prototype holds the
 * pseudo-header sum without length, to which each segment's TCP length is added. */
static void segment(struct e1km *m)
{
    uint32_t hdr = m->ctx.hdrlen, mss = m->ctx.mss;
    if (hdr > m->pkt_len || mss == 0 || m->pkt_len - hdr != m->ctx.paylen) {
        count(m, R_TSCTFC);
        return;
    }
    uint32_t pay = m->pkt_len - hdr, ipcss = m->ctx.ipcss, tucss = m->ctx.tucss;
    uint16_t id = be16(m->pkt + ipcss + 4);
    uint32_t seq = (uint32_t)be16(m->pkt + tucss + 4) << 16 | be16(m->pkt + tucss + 6);
    static uint8_t seg[70000];
    for (uint32_t off = 0, k = 0; off < pay || (pay == 0 && k == 0); off += mss, k++) {
        uint32_t n = pay - off < mss ? pay - off : mss;
        memcpy(seg, m->pkt, hdr);
        memcpy(seg + hdr, m->pkt + hdr + off, n);
        uint32_t len = hdr + n;
        put16(seg + ipcss + 2, (uint16_t)(len - ipcss));
        put16(seg + ipcss + 4, (uint16_t)(id + k));
        uint32_t s = seq + off;
        put16(seg + tucss + 4, (uint16_t)(s >> 16));
        put16(seg + tucss + 6, (uint16_t)s);
        if (off + n < pay)
            seg[tucss + 13] &= (uint8_t)~0x09;   /* FIN and PSH on the last only */
        if (m->pkt_popts & POPTS_TXSM) {
            uint32_t cso = m->ctx.tucso;
            put16(seg + cso, fold((uint32_t)be16(seg + cso) + (len - tucss)));
            insert_csum(seg, len, tucss, cso, 0);
        }
        if (m->pkt_popts & POPTS_IXSM)
            insert_csum(seg, len, ipcss, m->ctx.ipcso, m->ctx.ipcse);
        wire_push(m, seg, len);
        if (pay == 0)
            break;
    }
    count(m, R_TSCTC);
}

static void emit(struct e1km *m)
{
    if (m->pkt_ext && m->pkt_tse) {
        segment(m);
        return;
    }
    if (m->pkt_ext && (m->pkt_popts & POPTS_TXSM))
        insert_csum(m->pkt, m->pkt_len, m->ctx.tucss, m->ctx.tucso, m->ctx.tucse);
    if (m->pkt_ext && (m->pkt_popts & POPTS_IXSM))
        insert_csum(m->pkt, m->pkt_len, m->ctx.ipcss, m->ctx.ipcso, m->ctx.ipcse);
    wire_push(m, m->pkt, m->pkt_len);
}

void e1km_transmit(struct e1km *m)
{
    if (m->gone || m->tx_stalled || !(*R(m, R_TCTL) & TCTL_EN))
        return;
    uint32_t n = *R(m, R_TDLEN) / 16;
    uint8_t *base = (uint8_t *)(uintptr_t)((uint64_t)*R(m, R_TDBAH) << 32 | *R(m, R_TDBAL));
    if (n == 0)
        return;
    while (*R(m, R_TDH) != *R(m, R_TDT) && *R(m, R_TDH) < n) {
        uint8_t *d = base + 16 * *R(m, R_TDH);
        uint64_t addr;
        uint32_t lower, upper;
        memcpy(&addr, d, 8);
        memcpy(&lower, d + 8, 4);
        memcpy(&upper, d + 12, 4);
        bool dext = lower & TXD_DEXT;
        unsigned dtyp = (lower >> 20) & 0xf;
        if (dext && dtyp == 0) {
            m->ctx.ipcss = (uint8_t)addr;
            m->ctx.ipcso = (uint8_t)(addr >> 8);
            m->ctx.ipcse = (uint16_t)(addr >> 16);
            m->ctx.tucss = (uint8_t)(addr >> 32);
            m->ctx.tucso = (uint8_t)(addr >> 40);
            m->ctx.tucse = (uint16_t)(addr >> 48);
            m->ctx.paylen = lower & 0xfffff;
            m->ctx.tucmd = lower & 0xff000000u;
            m->ctx.hdrlen = (uint8_t)(upper >> 8);
            m->ctx.mss = (uint16_t)(upper >> 16);
            m->ctx_descs++;
        } else {
            bool ext = dext && dtyp == 1;
            uint32_t len = ext ? lower & 0xfffff : lower & 0xffff;
            if (!m->pkt_started) {
                m->pkt_started = true;
                m->pkt_ext = ext;
                m->pkt_popts = ext ? (upper >> 8) & 0xff : 0;
                m->pkt_tse = ext && (lower & TXD_TSE);
            }
            if (m->pkt_len + len <= sizeof m->pkt && addr)
                memcpy(m->pkt + m->pkt_len, (const uint8_t *)(uintptr_t)addr, len);
            m->pkt_len += len;
            m->data_descs++;
            if (lower & TXD_EOP) {
                if (m->pkt_len <= sizeof m->pkt)
                    emit(m);
                m->pkt_len = 0;
                m->pkt_started = false;
            }
        }
        if (lower & TXD_RS) {
            upper |= TXD_DD;
            memcpy(d + 12, &upper, 4);
        }
        *R(m, R_TDH) = (*R(m, R_TDH) + 1) % n;
    }
    *R(m, R_ICR) |= ICR_TXDW | ICR_TXQE;
}

/* --- the driver's accessors (drivers/e1000_dev.h) --------------------------------- */

uint32_t e1k_model_read(void *regs, uint32_t off)
{
    struct e1km *m = regs;
    m->mmio_reads++;
    if (m->gone)
        return 0xffffffffu;
    switch (off) {
    case R_STATUS:
        return (m->link ? STATUS_LU : 0) | 0x1 | 0x80;    /* full duplex, 1000 Mb/s */
    case R_ICR: {
        uint32_t v = *R(m, R_ICR);
        *R(m, R_ICR) = 0;
        return v;
    }
    case R_ICS:
        return *R(m, R_ICR);
    case R_EECD:
        return eecd_read(m);
    default:
        break;
    }
    uint32_t v = *R(m, off);
    if (is_stat(off) && !(m->qemu_stats && qemu_keeps(off)))
        *R(m, off) = 0;
    return v;
}

void e1k_model_write(void *regs, uint32_t off, uint32_t v)
{
    struct e1km *m = regs;
    m->mmio_writes++;
    if (m->gone)
        return;
    switch (off) {
    case R_CTRL:
        if (v & CTRL_RST) {
            chip_reset(m);
            v &= ~CTRL_RST;
        }
        *R(m, off) = v;
        return;
    case R_STATUS:
    case R_ICR:
        if (off == R_ICR)
            *R(m, R_ICR) &= ~v;
        return;
    case R_ICS:
        *R(m, R_ICR) |= v;
        return;
    case R_IMS:
        *R(m, R_IMS) |= v;
        return;
    case R_IMC:
        *R(m, R_IMS) &= ~v;
        return;
    case R_EECD:
        eecd_write(m, v);
        return;
    case R_EERD:
        eerd_write(m, v);
        return;
    case R_RCTL:
        m->rctl_writes++;
        *R(m, off) = v;
        return;
    case R_RDT:
        m->rdt_writes++;
        *R(m, off) = v & 0xffff;
        return;
    case R_TDT:
        m->tdt_writes++;
        *R(m, off) = v & 0xffff;
        e1km_transmit(m);
        return;
    case R_TCTL:
        *R(m, off) = v;
        e1km_transmit(m);
        return;
    case R_RDLEN:
    case R_TDLEN:
        *R(m, off) = v & 0xfff80;
        return;
    default:
        if (is_stat(off))
            return;                           /* read only */
        *R(m, off) = v;
        return;
    }
}

void e1k_model_delay(void *regs, unsigned us)
{
    ((struct e1km *)regs)->delay_us += us;
}
