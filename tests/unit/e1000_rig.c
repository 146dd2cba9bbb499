/* Contract in e1000_rig.h. */
#include "e1000_rig.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

const uint8_t rig_mac[6] = {0x52, 0x54, 0x00, 0xe1, 0x00, 0x01};

static bool rig_up_rx(struct nic *n, struct nic_frame *f)
{
    struct e1k_rig *r = n->upper;
    r->up_frames++;
    r->up_last_more = f->n_more;
    uint32_t len = nic_frame_len(f);
    r->up_last_len = len;
    if (len <= sizeof r->up_last) {
        memcpy(r->up_last, f->data, f->len);
        uint32_t at = f->len;
        for (unsigned i = 0; i < f->n_more; i++) {
            memcpy(r->up_last + at, f->more[i].data, f->more[i].len);
            at += f->more[i].len;
        }
    }
    return true;
}

static void rig_link(struct nic *n)
{
    ((struct e1k_rig *)n->upper)->link_calls++;
}

struct e1k_rig *rig_new(const struct e1k_rig_opts *o)
{
    struct e1k_rig_opts d = {.has_eerd = true};
    if (!o)
        o = &d;
    struct e1k_rig *r = calloc(1, sizeof *r);
    REQUIRE(r != NULL);
    e1km_init(&r->m, rig_mac, o->has_eerd, o->ee_words ? o->ee_words : 64);
    struct e1k *e = &r->e;
    e->regs = &r->m;
    e->quirks = o->quirks;
    e->pci_slot[1] = 3;
    e->rx_size = o->rx_size ? o->rx_size : 16;
    e->tx_size = o->tx_size ? o->tx_size : 16;
    e->n_rxbufs = o->n_rxbufs ? o->n_rxbufs : 2 * e->rx_size;
    e->rx_ring = aligned_alloc(128, e->rx_size * sizeof *e->rx_ring);
    e->tx_ring = aligned_alloc(128, e->tx_size * sizeof *e->tx_ring);
    e->rx_slot = calloc(e->rx_size, sizeof *e->rx_slot);
    e->tx_info = calloc(e->tx_size, sizeof *e->tx_info);
    e->tx_copy = malloc((size_t)e->tx_size * E1K_TX_COPY);
    e->rxbufs = calloc(e->n_rxbufs, sizeof *e->rxbufs);
    REQUIRE(e->rx_ring && e->tx_ring && e->rx_slot && e->tx_info && e->tx_copy && e->rxbufs);
    memset(e->rx_ring, 0, e->rx_size * sizeof *e->rx_ring);
    memset(e->tx_ring, 0, e->tx_size * sizeof *e->tx_ring);
    for (unsigned i = 0; i < e->n_rxbufs; i++) {
        struct e1k_rxbuf *b = &e->rxbufs[i];
        b->mem = malloc(E1K_RX_STRIDE);
        REQUIRE(b->mem != NULL);
        memset(b->mem, 0x55, E1K_RX_STRIDE);
        b->next_free = e->rx_free;
        e->rx_free = b;
        e->n_rx_free++;
    }
    e->have_irq = true;
    return r;
}

struct e1k_rig *rig_open(const struct e1k_rig_opts *o)
{
    nic_test_reset();
    struct e1k_rig *r = rig_new(o);
    REQUIRE_EQ_INT(e1k_setup(&r->e, "Intel test chip"), 0);
    REQUIRE_EQ_INT(nic_register(&r->e.nic), 0);
    REQUIRE_EQ_INT(nic_attach(&r->e.nic, rig_up_rx, rig_link, r), 0);
    return r;
}

void rig_free(struct e1k_rig *r)
{
    struct e1k *e = &r->e;
    for (unsigned i = 0; i < e->n_rxbufs; i++)
        free(e->rxbufs[i].mem);
    free(e->rxbufs);
    free(e->rx_ring);
    free(e->tx_ring);
    free(e->rx_slot);
    free(e->tx_info);
    free(e->tx_copy);
    e1km_free(&r->m);
    free(r);
    nic_test_reset();
}

int rig_poll(struct e1k_rig *r)
{
    if (e1km_irq(&r->m))
        e1k_interrupt(&r->e);
    return r->e.nic.ops->poll(&r->e.nic, 64);
}

int rig_pass(struct e1k_rig *r)
{
    int got = rig_poll(r);
    r->e.nic.ops->flush(&r->e.nic);
    return got;
}

void rig_frame(uint8_t *buf, uint32_t len, const uint8_t dst[6], uint8_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed + i * 7);
    memcpy(buf, dst, 6);
    memcpy(buf + 6, "\x02\x00\x00\x00\x00\x09", 6);
    buf[12] = 0x08;
    buf[13] = 0x00;
}
