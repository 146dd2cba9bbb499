/* The PCnet register-level model (contract in pcnet_model.h). */
#include "pcnet_model.h"
#include "drivers/pcnet_regs.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_SIZE   (8u << 20)
#define ARENA_BASE   0x00100000u
#define RX_CUT       4092                   /* QEMU copies at most this much */
#define RX_CHAIN_MAX 3                      /* descriptors per frame, as QEMU */
#define MIN_RX       60


/* --- DMA ------------------------------------------------------------------- */

static uint8_t *dma(struct pcnet_model *m, uint32_t addr, uint32_t len)
{
    if (addr < m->arena_base || (uint64_t)addr - m->arena_base + len > m->arena_used) {
        m->bad_dma++;
        return NULL;
    }
    return m->arena + (addr - m->arena_base);
}

void *pcnet_model_alloc(struct pcnet_model *m, size_t bytes)
{
    size_t align = bytes >= 4096 ? 4096 : 16;
    size_t at = (m->arena_used + align - 1) & ~(align - 1);
    if (at + bytes > m->arena_size)
        return NULL;
    m->arena_used = at + bytes;
    memset(m->arena + at, 0, bytes);
    return m->arena + at;
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static void put_le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* A descriptor as four words (SWSTYLE 2). */
struct desc { uint32_t addr, ctl, misc, user; };

static bool load_desc(struct pcnet_model *m, uint32_t ring, unsigned i, struct desc *d)
{
    uint8_t *p = dma(m, ring + 16 * i, 16);
    if (!p)
        return false;
    d->addr = le32(p);
    d->ctl = le32(p + 4);
    d->misc = le32(p + 8);
    d->user = le32(p + 12);
    return true;
}

static void store_desc(struct pcnet_model *m, uint32_t ring, unsigned i, const struct desc *d)
{
    uint8_t *p = dma(m, ring + 16 * i, 16);
    if (!p)
        return;
    put_le32(p, d->addr);
    put_le32(p + 4, d->ctl);
    put_le32(p + 8, d->misc);
    /* word 3 is the driver's */
}

static uint32_t buf_len(uint32_t ctl) { return 4096 - (ctl & DESC_BCNT_MASK); }
static bool ones_ok(uint32_t ctl) { return (ctl & DESC_ONES) == DESC_ONES; }

/* --- interrupts ------------------------------------------------------------ */

static bool stopped(const struct pcnet_model *m) { return m->csr[CSR0] & CSR0_STOP; }
static bool suspended(const struct pcnet_model *m) { return m->csr[CSR5] & CSR5_SPND; }

static void update_irq(struct pcnet_model *m)
{
    uint16_t c0 = m->csr[CSR0] & ~CSR0_INTR;
    uint16_t wanted = c0 & ~m->csr[CSR3] & (CSR0_BABL | CSR0_MISS | CSR0_MERR | CSR0_RINT |
                                            CSR0_TINT | CSR0_IDON);
    if (wanted)
        c0 |= CSR0_INTR;
    m->csr[CSR0] = c0;
    m->irq = wanted && (c0 & CSR0_INEA);
}

/* --- reset, init, start, stop ----------------------------------------------- */

static void s_reset(struct pcnet_model *m)
{
    m->rap = 0;
    if (!m->sreset_keeps_dwio)
        m->dwio = false;
    m->csr[CSR0] = CSR0_STOP;
    m->csr[CSR3] = 0;
    m->csr[CSR4] = CSR4_JABM | CSR4_TXSTRTM | CSR4_RCVCCOM | CSR4_MFCOM;
    m->csr[CSR5] = 0;
    for (int i = 0; i < 4; i++)
        m->csr[CSR8 + i] = 0;
    for (int i = 0; i < 3; i++)
        m->csr[CSR12 + i] = (uint16_t)(m->prom[2 * i] | m->prom[2 * i + 1] << 8);
    m->csr[CSR15] = 0;
    m->csr[CSR88] = m->id_lo;
    m->csr[CSR89] = m->id_hi;
    m->csr[CSR112] = m->csr[CSR114] = 0;
    m->rdra = m->tdra = 0;
    m->rx_open = false;
    update_irq(m);
}

void pcnet_model_init(struct pcnet_model *m, enum pcnet_model_chip chip, const uint8_t mac[6])
{
    memset(m, 0, sizeof *m);
    m->chip = chip;
    m->id_lo = chip == PCNET_MODEL_79C973 ? 0x5003 : 0x1003;
    m->id_hi = 0x0262;
    m->arena = aligned_alloc(4096, ARENA_SIZE);
    m->arena_size = ARENA_SIZE;
    m->arena_base = ARENA_BASE;
    m->wire = calloc(PCNET_MODEL_WIRE_MAX, sizeof *m->wire);
    memcpy(m->prom, mac, 6);
    m->prom[9] = 0x11;
    m->prom[14] = m->prom[15] = 0x57;
    m->link_up = true;
    /* H_RESET: the BCRs as the EEPROM-less chip comes up. */
    m->bcr[BCR2] = 0x0002;
    m->bcr[BCR4] = 0x00c0;
    m->bcr[5] = 0x0084;
    m->bcr[6] = 0x0088;
    m->bcr[7] = 0x0090;
    m->bcr[BCR18] = 0x9001;
    m->bcr[BCR20] = 0x0200;
    s_reset(m);
}

void pcnet_model_free(struct pcnet_model *m)
{
    free(m->arena);
    free(m->wire);
    m->arena = NULL;
    m->wire = NULL;
}

static void init_chip(struct pcnet_model *m)
{
    uint32_t iadr = m->csr[CSR1] | (uint32_t)m->csr[CSR2] << 16;
    if ((m->bcr[BCR20] & BCR20_SWSTYLE_MASK) != BCR20_SWSTYLE_PCNET32 || (iadr & 3)) {
        m->bad_init++;                       /* a driver of this model uses style 2 */
        return;
    }
    uint8_t *ib = dma(m, iadr, 28);
    if (!ib) {
        m->bad_init++;
        return;
    }
    unsigned rlen = ib[2] >> 4, tlen = ib[3] >> 4;
    m->rx_len = 1u << (rlen > 9 ? 9 : rlen);
    m->tx_len = 1u << (tlen > 9 ? 9 : tlen);
    m->csr[CSR15] = (uint16_t)(ib[0] | ib[1] << 8);
    for (int i = 0; i < 3; i++)
        m->csr[CSR12 + i] = (uint16_t)(ib[4 + 2 * i] | ib[5 + 2 * i] << 8);
    for (int i = 0; i < 4; i++)
        m->csr[CSR8 + i] = (uint16_t)(ib[12 + 2 * i] | ib[13 + 2 * i] << 8);
    m->rdra = le32(ib + 20);
    m->tdra = le32(ib + 24);
    if ((m->rdra & 15) || (m->tdra & 15))
        m->bad_init++;
    m->rx_cur = m->tx_cur = 0;
    m->inits++;
    m->promisc_at_init = m->csr[CSR15] & CSR15_PROM;
    m->csr[CSR0] = (uint16_t)((m->csr[CSR0] & ~CSR0_STOP) | CSR0_INIT | CSR0_IDON);
}

static void start_chip(struct pcnet_model *m)
{
    uint16_t c0 = m->csr[CSR0] & ~CSR0_STOP;
    if (!(m->csr[CSR15] & CSR15_DTX))
        c0 |= CSR0_TXON;
    if (!(m->csr[CSR15] & CSR15_DRX))
        c0 |= CSR0_RXON;
    m->csr[CSR0] = c0 | CSR0_STRT;
}

static void stop_chip(struct pcnet_model *m)
{
    m->csr[CSR0] = CSR0_STOP;                /* every flag, INEA, TXON and RXON off */
    m->rx_open = false;
}

/* --- transmit -------------------------------------------------------------- */

/* Sends what the driver queued, from the current descriptor on, as the chip does on
 * TDMD: frames STP .. ENP gathered; without link each descriptor gets LCAR. */
static void transmit(struct pcnet_model *m)
{
    if (!(m->csr[CSR0] & CSR0_TXON) || m->tx_stall || !m->tdra)
        return;
    static uint8_t frame[8192];
    uint32_t len = 0;
    bool in_frame = false;
    unsigned stp = 0;
    for (unsigned n = 0; n < m->tx_len; n++) {
        struct desc d;
        if (!load_desc(m, m->tdra, m->tx_cur, &d))
            return;
        if (!(d.ctl & DESC_OWN)) {
            if (in_frame) {
                /* The chain ended without ENP: an underflow, and the transmitter
                 * stops (DXSUFLO is never set by the driver under test). */
                struct desc s;
                load_desc(m, m->tdra, stp, &s);
                s.ctl |= DESC_ERR;
                s.misc |= TMD2_UFLO | TMD2_BUFF;
                store_desc(m, m->tdra, stp, &s);
                m->csr[CSR0] &= ~CSR0_TXON;
                m->csr[CSR0] |= CSR0_TINT;
            }
            break;
        }
        if (!ones_ok(d.ctl)) {
            m->bad_desc++;
            break;
        }
        if (d.ctl & DESC_STP) {
            in_frame = true;
            stp = m->tx_cur;
            len = 0;
        }
        if (!m->link_up) {
            d.ctl |= DESC_ERR;
            d.misc |= TMD2_LCAR;
            m->csr[CSR0] |= CSR0_CERR;
            if (d.ctl & DESC_ENP)
                m->lcar++;
            in_frame = false;
        } else if (in_frame) {
            uint32_t bl = buf_len(d.ctl);
            uint8_t *src = dma(m, d.addr, bl);
            if (src && len + bl <= sizeof frame) {
                memcpy(frame + len, src, bl);
                len += bl;
            }
            if (d.ctl & DESC_ENP) {
                if (len > 1518)
                    m->csr[CSR0] |= CSR0_BABL;
                if (m->n_wire < PCNET_MODEL_WIRE_MAX) {
                    struct pcnet_model_frame *w = &m->wire[m->n_wire];
                    w->len = len < PCNET_MODEL_FRAME_MAX ? len : PCNET_MODEL_FRAME_MAX;
                    memcpy(w->data, frame, w->len);
                }
                m->n_wire++;
                in_frame = false;
            }
        }
        d.ctl &= ~DESC_OWN;
        store_desc(m, m->tdra, m->tx_cur, &d);
        if (d.ctl & DESC_ENP)
            m->csr[CSR0] |= CSR0_TINT;
        m->tx_cur = (m->tx_cur + 1) % m->tx_len;
    }
}

/* --- receive --------------------------------------------------------------- */

/* The filter bit of a multicast address (CRC-32, least significant bit first, no
 * final complement: the chip's hash). */
static unsigned hash_bit(const uint8_t *mac)
{
    uint32_t crc = ~0u;
    for (int i = 0; i < 6; i++)
        for (int b = 0; b < 8; b++) {
            bool x = ((crc ^ (uint32_t)(mac[i] >> b)) & 1) != 0;
            crc >>= 1;
            if (x)
                crc ^= 0xedb88320u;
        }
    return crc >> 26;
}

/* Whether the filter takes a frame to dst; *status gets PAM, BAM or LAFM. */
static bool accepts(const struct pcnet_model *m, const uint8_t *dst, uint32_t *status)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint16_t mode = m->csr[CSR15];
    uint8_t padr[6];
    for (int i = 0; i < 3; i++) {
        padr[2 * i] = (uint8_t)m->csr[CSR12 + i];
        padr[2 * i + 1] = (uint8_t)(m->csr[CSR12 + i] >> 8);
    }
    *status = 0;
    if (mode & CSR15_PROM)
        return true;
    if (!(mode & CSR15_DRCVPA) && memcmp(dst, padr, 6) == 0) {
        *status = RMD1_PAM;
        return true;
    }
    if (!(mode & CSR15_DRCVBC) && memcmp(dst, bcast, 6) == 0) {
        *status = RMD1_BAM;
        return true;
    }
    if (dst[0] & 1) {
        unsigned bit = hash_bit(dst);
        if (m->csr[CSR8 + bit / 16] & (1u << (bit % 16))) {
            *status = RMD1_LAFM;
            return true;
        }
    }
    return false;
}

/* The receive ring's descriptor i, if the chip owns it and it is well formed. */
static bool owned(struct pcnet_model *m, unsigned i, struct desc *d)
{
    if (!load_desc(m, m->rdra, i, d) || !(d->ctl & DESC_OWN))
        return false;
    if (!ones_ok(d->ctl) || (d->misc & 0xf000)) {
        m->bad_desc++;
        return false;
    }
    return true;
}

static int receive(struct pcnet_model *m, const uint8_t *frame, uint32_t len, bool finish)
{
    if (stopped(m) || suspended(m) || !(m->csr[CSR0] & CSR0_RXON) || !m->link_up || m->rx_open)
        return -1;
    uint32_t status;
    if (len < 6 || !accepts(m, frame, &status))
        return 0;
    struct desc d;
    if (!owned(m, m->rx_cur, &d)) {
        m->csr[CSR0] |= CSR0_MISS;
        m->csr[CSR112]++;
        update_irq(m);
        return -1;
    }
    static uint8_t buf[RX_CUT + 4];
    uint32_t size = len > RX_CUT ? RX_CUT : len;
    memcpy(buf, frame, size);
    if (size < MIN_RX) {
        memset(buf + size, 0, MIN_RX - size);
        size = MIN_RX;
    }
    memset(buf + size, 0, 4);                /* the FCS, uncomputed */
    size += 4;

    uint32_t done = 0;
    unsigned last = m->rx_cur, used = 0;
    for (;;) {
        uint32_t n = buf_len(d.ctl);
        if (n > size - done)
            n = size - done;
        uint8_t *dst = dma(m, d.addr, n);
        if (dst)
            memcpy(dst, buf + done, n);
        done += n;
        d.ctl &= ~DESC_OWN;
        if (used == 0)
            d.ctl |= DESC_STP;
        last = (m->rx_cur + used) % m->rx_len;
        store_desc(m, m->rdra, last, &d);
        used++;
        if (done == size || used == RX_CHAIN_MAX || !owned(m, (last + 1) % m->rx_len, &d))
            break;
    }
    m->rx_cur = (last + 1) % m->rx_len;
    m->rx_open = true;
    m->rx_open_last = last;
    m->rx_open_size = done == size ? size : 0;
    m->rx_open_status = status;
    if (finish)
        pcnet_model_receive_finish(m);
    return 1;
}

void pcnet_model_receive_finish(struct pcnet_model *m)
{
    if (!m->rx_open)
        return;
    struct desc d;
    load_desc(m, m->rdra, m->rx_open_last, &d);
    if (m->rx_open_size) {
        /* The length in the 12-bit field; a frame of 4096 bytes with its FCS runs
         * into the bits above it, as QEMU writes it. */
        d.misc = (d.misc & ~RMD2_MCNT_MASK) | m->rx_open_size;
        d.ctl |= DESC_ENP | m->rx_open_status;
    } else {
        d.ctl |= DESC_ERR | RMD1_OFLO | RMD1_BUFF;
    }
    store_desc(m, m->rdra, m->rx_open_last, &d);
    m->rx_open = false;
    m->csr[CSR0] |= CSR0_RINT;
    update_irq(m);
}

int pcnet_model_receive(struct pcnet_model *m, const uint8_t *frame, uint32_t len)
{
    return receive(m, frame, len, true);
}

int pcnet_model_receive_partial(struct pcnet_model *m, const uint8_t *frame, uint32_t len)
{
    return receive(m, frame, len, false);
}

void pcnet_model_tx_poll(struct pcnet_model *m)
{
    if (!(m->csr[CSR4] & CSR4_DPOLL))
        transmit(m);
    update_irq(m);
}

void pcnet_model_set_link(struct pcnet_model *m, bool up)
{
    m->link_up = up;
}

void pcnet_model_merr(struct pcnet_model *m)
{
    m->csr[CSR0] |= CSR0_MERR;
    update_irq(m);
}

void pcnet_model_collisions(struct pcnet_model *m, unsigned k)
{
    m->csr[CSR114] = (uint16_t)(m->csr[CSR114] + k);
}

/* --- registers ------------------------------------------------------------- */

static uint16_t csr_read(struct pcnet_model *m, unsigned r, uint32_t *hi)
{
    *hi = 0;
    switch (r) {
    case CSR0: {
        update_irq(m);
        uint16_t v = m->csr[CSR0];
        return v & (CSR0_BABL | CSR0_CERR | CSR0_MISS | CSR0_MERR) ? v | CSR0_ERR : v;
    }
    case CSR58:
        return m->bcr[BCR20];
    case CSR88:
        *hi = m->csr[CSR89];                 /* a 32-bit read brings CSR89 along */
        return m->csr[CSR88];
    default:
        return r < 128 ? m->csr[r] : 0;
    }
}

static void bcr_write(struct pcnet_model *m, unsigned r, uint16_t v);

static void csr0_write(struct pcnet_model *m, uint16_t v)
{
    uint16_t c0 = m->csr[CSR0];
    c0 &= ~(v & CSR0_FLAGS);                 /* write 1 to clear */
    c0 = (uint16_t)((c0 & ~CSR0_INEA) | (v & CSR0_INEA));
    if (v & CSR0_TDMD)
        c0 |= CSR0_TDMD;
    m->csr[CSR0] = c0;
    if ((v & 7) == 7)
        v &= ~(CSR0_INIT | CSR0_STRT);
    if ((v & CSR0_STOP) && !stopped(m))
        stop_chip(m);
    if ((v & CSR0_INIT) && !(m->csr[CSR0] & CSR0_INIT))
        init_chip(m);
    if ((v & CSR0_STRT) && !(m->csr[CSR0] & CSR0_STRT))
        start_chip(m);
    if (m->csr[CSR0] & CSR0_TDMD) {
        transmit(m);
        m->csr[CSR0] &= ~CSR0_TDMD;
    }
    update_irq(m);
}

static void csr_write(struct pcnet_model *m, unsigned r, uint16_t v)
{
    bool quiet = stopped(m) || suspended(m);
    switch (r) {
    case CSR0:
        csr0_write(m, v);
        return;
    case CSR3:
    case CSR5:
        m->csr[r] = v;
        update_irq(m);
        return;
    case CSR4: {
        const uint16_t w1c = 0x026a;         /* MFCO, UINT, RCVCCO, TXSTRT, JAB */
        m->csr[CSR4] = (uint16_t)((v & ~w1c) | (m->csr[CSR4] & w1c & ~v));
        return;
    }
    case CSR1: case CSR2:
    case 8: case 9: case 10: case 11: case 12: case 13: case 14: case CSR15:
    case CSR76: case CSR78: case CSR112: case CSR114:
        /* The datasheet allows these only while stopped or suspended. */
        if (!quiet) {
            m->illegal_writes++;
            return;
        }
        m->csr[r] = v;
        return;
    case CSR58:
        bcr_write(m, BCR20, v);
        return;
    default:
        return;                              /* read only, or not modelled */
    }
}

static uint16_t mii_read(struct pcnet_model *m, unsigned reg)
{
    switch (reg) {
    case 1:                                  /* status: capabilities, link, aneg done */
        return (uint16_t)(0x7809 | (m->link_up ? 0x0024 : 0));
    case 2:
        return 0x0022;
    case 3:
        return 0x561b;
    default:
        return 0;
    }
}

static uint16_t bcr_read(struct pcnet_model *m, unsigned r)
{
    switch (r) {
    case BCR4: case 5: case 6: case 7: {
        uint16_t v = m->bcr[r] & ~BCR4_LEDOUT;
        if (m->chip == PCNET_MODEL_79C973 && !m->link_up)
            v &= ~BCR4_LNKSTE;               /* VirtualBox's PCnet-FAST III */
        if (m->link_up && (v & BCR4_LNKSTE))
            v |= BCR4_LEDOUT;
        return v;
    }
    case BCR18:
        return (uint16_t)((m->bcr[BCR18] & ~BCR18_DWIO) | (m->dwio ? BCR18_DWIO : 0));
    case BCR34:
        if (m->chip != PCNET_MODEL_79C973 || ((m->bcr[BCR33] >> 5) & 0x1f) != 0)
            return 0xffff;
        return mii_read(m, m->bcr[BCR33] & 0x1f);
    default:
        if (m->chip != PCNET_MODEL_79C973 && r >= 32)
            return 0;                        /* no MII on the 79C970A */
        return r < 64 ? m->bcr[r] : 0;
    }
}

static void bcr_write(struct pcnet_model *m, unsigned r, uint16_t v)
{
    switch (r) {
    case BCR20: {
        if (!(stopped(m) || suspended(m)))
            return;                          /* ignored while running */
        uint16_t style = v & BCR20_SWSTYLE_MASK;
        uint16_t sizes = style == 0 ? 0x0200 : style == 1 ? 0x0100 : style <= 3 ? 0x0300 : 0x0200;
        m->bcr[BCR20] = (uint16_t)((style <= 3 ? style : 0) | sizes);
        return;
    }
    case BCR18:
        m->bcr[BCR18] = (uint16_t)(v & ~BCR18_DWIO);
        return;
    case BCR2: case BCR4: case 5: case 6: case 7: case 9: case 19: case 22:
        m->bcr[r] = v;
        return;
    case BCR32: case BCR33:
        if (m->chip == PCNET_MODEL_79C973)
            m->bcr[r] = v;
        return;
    default:
        return;
    }
}

static uint32_t io_in(void *ctx, unsigned off, unsigned width)
{
    struct pcnet_model *m = ctx;
    uint32_t hi;
    if (off < 0x10) {
        if (!m->dwio && width == 1)
            return m->prom[off];
        if (!m->dwio && width == 2 && !(off & 1))
            return (uint32_t)(m->prom[off] | m->prom[off + 1] << 8);
        if (m->dwio && width == 4 && !(off & 3))
            return le32(m->prom + off);
        return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
    }
    if (!m->dwio && width == 2) {
        switch (off) {
        case PCNET_WIO_RDP: return csr_read(m, m->rap, &hi);
        case PCNET_WIO_RAP: return m->rap;
        case PCNET_WIO_RESET: s_reset(m); return 0;
        case PCNET_WIO_BDP: return bcr_read(m, m->rap);
        }
    }
    if (m->dwio && width == 4) {
        switch (off) {
        case PCNET_DWIO_RDP: { uint16_t lo = csr_read(m, m->rap, &hi); return lo | hi << 16; }
        case PCNET_DWIO_RAP: return m->rap;
        case PCNET_DWIO_RESET: s_reset(m); return 0;
        case PCNET_DWIO_BDP: return bcr_read(m, m->rap);
        }
    }
    return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

static void io_out(void *ctx, unsigned off, unsigned width, uint32_t v)
{
    struct pcnet_model *m = ctx;
    if (off < 0x10)
        return;                              /* the PROM is not writable (APROMWE off) */
    if (!m->dwio && width == 2) {
        switch (off) {
        case PCNET_WIO_RDP: csr_write(m, m->rap, (uint16_t)v); return;
        case PCNET_WIO_RAP: m->rap = v & 0x7f; return;
        case PCNET_WIO_BDP: bcr_write(m, m->rap, (uint16_t)v); return;
        }
        return;
    }
    if (!m->dwio && width == 4 && off == PCNET_DWIO_RDP) {
        m->dwio = true;                      /* a 32-bit write to RDP: DWIO from now on */
        return;
    }
    if (m->dwio && width == 4) {
        switch (off) {
        case PCNET_DWIO_RDP: csr_write(m, m->rap, (uint16_t)v); return;
        case PCNET_DWIO_RAP: m->rap = v & 0x7f; return;
        case PCNET_DWIO_BDP: bcr_write(m, m->rap, (uint16_t)v); return;
        }
    }
}

static void *bus_dma_alloc(void *ctx, size_t bytes)
{
    return pcnet_model_alloc(ctx, bytes);
}

/* Memory outside the arena has no device address below 4 GiB: the driver asserts. */
static uint64_t bus_dma_addr(void *ctx, const void *p)
{
    struct pcnet_model *m = ctx;
    const uint8_t *b = p;
    if (b < m->arena || b >= m->arena + m->arena_size)
        return 0x100000000ull + (uintptr_t)p % 0x1000;
    return m->arena_base + (uint64_t)(b - m->arena);
}

static uint32_t bus_now_ms(void *ctx) { return ((struct pcnet_model *)ctx)->now_ms; }
static void bus_delay_us(void *ctx, unsigned us) { ((struct pcnet_model *)ctx)->waited_us += us; }

struct pcnet_bus pcnet_model_bus(struct pcnet_model *m)
{
    return (struct pcnet_bus){io_in, io_out, bus_dma_alloc, bus_dma_addr, bus_now_ms, bus_delay_us, m};
}
