/* Contract in glue_fixture.h. */
#include "glue_fixture.h"
#include "console_capture.h"
#include "unit.h"

#include "lwip-port/alias.h"
#include "lwip-port/fastpath.h"
#include "lwip-port/hooks.h"
#include "lwip-port/icmp_err.h"
#include "lwip-port/nat_glue.h"
#include "lwip-port/ndp_glue.h"
#include "lwip-port/nicif.h"
#include "net/bytes.h"

#include "lwip/etharp.h"
#include "lwip/ip4_frag.h"
#include "lwip/timeouts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HEADROOM 16

const uint8_t GF_MAC_GW[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const uint8_t GF_MAC_GUEST[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

struct fake_nic gf_wan, gf_lan;
static bool set_up;

/* A receive buffer as the fake driver knows it: HEADROOM bytes, then the frame. */
struct rxbuf {
    uint8_t *mem;
};

static void record(struct fake_nic *f, const uint8_t *bytes, uint32_t len, const struct offload *off,
                   bool lent)
{
    if (f->n_sent == GF_SENT_MAX)
        return;
    struct gf_sent *s = &f->sent[f->n_sent++];
    s->b = malloc(len ? len : 1);
    memcpy(s->b, bytes, len);
    s->len = len;
    s->off = off ? *off : (struct offload){0};
    s->lent = lent;
}

static int fake_transmit(struct nic *n, const struct nic_tx *t)
{
    struct fake_nic *f = n->priv;
    uint8_t b[NIC_MTU_MAX + 18];
    if (t->len > sizeof b)
        return -EMSGSIZE;
    uint32_t at = 0;
    for (unsigned i = 0; i < t->n_seg; i++) {
        memcpy(b + at, t->seg[i].data, t->seg[i].len);
        at += t->seg[i].len;
    }
    REQUIRE_EQ_INT(at, t->len);
    record(f, b, t->len, t->off, false);
    nic_tx_done(n, 1);
    return 0;
}

/* A device that finishes at once: the bytes are kept, the buffer goes home. */
static int fake_transmit_frame(struct nic *n, struct nic_frame *fr)
{
    struct fake_nic *f = n->priv;
    if (fr->headroom < HEADROOM)
        return -ENOTSUP;
    record(f, fr->data, fr->len, &fr->off, true);
    nic_frame_release(fr);
    nic_tx_done(n, 1);
    return 0;
}

static void fake_rx_recycle(struct nic *n, void *buf)
{
    struct fake_nic *f = n->priv;
    struct rxbuf *b = buf;
    f->recycled++;
    free(b->mem);
    free(b);
}

static int fake_poll(struct nic *n, int budget)
{
    return 0;
}

static const struct nic_ops fake_ops = {
    .transmit = fake_transmit,
    .poll = fake_poll,
    .transmit_frame = fake_transmit_frame,
    .rx_recycle = fake_rx_recycle,
};

static ip4_addr_t ip4(uint32_t host_order)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(host_order));
    return a;
}

void gf_fake_register(struct fake_nic *f, uint8_t last_mac, uint32_t caps)
{
    memset(f, 0, sizeof *f);
    f->nic.model = "fake";
    memcpy(f->nic.mac, "\x02\x00\x00\x00\x01", 5);
    f->nic.mac[5] = last_mac;
    f->nic.mtu = 1500;
    f->nic.tx_headroom = HEADROOM;
    f->nic.link_up = true;
    f->nic.caps = caps;
    f->nic.ops = &fake_ops;
    f->nic.priv = f;
    REQUIRE_EQ_INT(nic_register(&f->nic), 0);
}

static void static_arp(uint32_t addr, const uint8_t *mac)
{
    ip4_addr_t a = ip4(addr);
    struct eth_addr e;
    memcpy(e.addr, mac, 6);
    REQUIRE_EQ_INT(etharp_add_static_entry(&a, &e), ERR_OK);
}

void gf_setup(uint32_t wan_caps, uint32_t lan_caps, bool fastpath)
{
    gf_teardown();
    set_up = true;
    unit_console_clear();
    gf_fake_register(&gf_wan, 0x10, wan_caps);
    gf_fake_register(&gf_lan, 0x11, lan_caps);

    nat_glue_init(NULL);
    ip4_addr_t a = ip4(GF_WAN_ADDR), m = ip4(0xffffff00u), g = ip4(GF_WAN_GW);
    gf_wan.nif = nicif_add(&gf_wan.nic, &a, &m, &g);
    REQUIRE(gf_wan.nif != NULL);
    netif_set_default(gf_wan.nif);
    nat_glue_set_wan(gf_wan.nif);

    a = ip4(GF_NAT_SELF);
    g = ip4(0);
    gf_lan.nif = nicif_add(&gf_lan.nic, &a, &m, &g);
    REQUIRE(gf_lan.nif != NULL);
    gf_lan.nif->input = alias_netif_input;
    nat_glue_add_net(gf_lan.nif, NAT_NET_NAT, GF_NAT_NET, 24, 0);
    ip4_addr_t dns = ip4(GF_NAT_DNS);
    REQUIRE_EQ_INT(alias_add(gf_lan.nif, &dns, 53, 0), 0);

    static_arp(GF_WAN_GW, GF_MAC_GW);
    static_arp(GF_GUEST, GF_MAC_GUEST);
    if (fastpath)
        fastpath_attach_all();
    gf_clear_sent();                    /* the gratuitous ARPs of netifs coming up */
}

void gf_fake_clear(struct fake_nic *f)
{
    for (unsigned k = 0; k < f->n_sent; k++)
        free(f->sent[k].b);
    f->n_sent = 0;
}

void gf_clear_sent(void)
{
    struct fake_nic *all[] = {&gf_wan, &gf_lan};
    for (unsigned i = 0; i < 2; i++) {
        for (unsigned k = 0; k < all[i]->n_sent; k++)
            free(all[i]->sent[k].b);
        all[i]->n_sent = 0;
    }
}

void gf_teardown(void)
{
    if (!set_up)
        return;
    set_up = false;
    gf_clear_sent();
    /* Fragments waiting for the rest of their datagram, timers: let them go. */
    for (int i = 0; i < 40; i++) {
        unit_clock_advance_ms(1000);
        sys_check_timeouts();
    }
    ndp_glue_test_reset();
    if (gf_wan.nif)
        netif_remove(gf_wan.nif);
    if (gf_lan.nif)
        netif_remove(gf_lan.nif);
    nat_glue_test_reset();
    alias_test_reset();
    nicif_test_reset();
    fastpath_test_reset();
    icmp_err_test_reset();
    hooks_test_reset();
    nic_test_reset();
}

enum nic_rx_result gf_receive_frame(struct fake_nic *n, const uint8_t *frame, uint32_t len,
                                    const struct offload *off)
{
    struct rxbuf *b = malloc(sizeof *b);
    b->mem = malloc(HEADROOM + (len ? len : 1));
    memcpy(b->mem + HEADROOM, frame, len);
    struct nic_frame f = {
        .data = b->mem + HEADROOM,
        .len = len,
        .headroom = HEADROOM,
        .owner = &n->nic,
        .buf = b,
    };
    if (off)
        f.off = *off;
    enum nic_rx_result r = nic_receive(&n->nic, &f);
    if (r == NIC_RX_DONE) {
        free(b->mem);
        free(b);
    }
    return r;
}

enum nic_rx_result gf_receive(struct fake_nic *n, const uint8_t *from, const uint8_t *ip,
                              size_t iplen, const struct offload *off)
{
    uint8_t *frame = malloc(14 + iplen);
    memcpy(frame, n->nic.mac, 6);
    memcpy(frame + 6, from, 6);
    put_be16(frame + 12, 0x0800);
    memcpy(frame + 14, ip, iplen);
    enum nic_rx_result r = gf_receive_frame(n, frame, (uint32_t)(14 + iplen), off);
    free(frame);
    return r;
}
