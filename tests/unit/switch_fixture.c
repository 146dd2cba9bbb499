/* Contract in switch_fixture.h. */
#include "switch_fixture.h"
#include "unit.h"

#include "arch/cc.h"                    /* vmgate_random32_cb: the seeded host generator */
#include "net/bytes.h"
#include "ref_csum.h"

#include <stdlib.h>
#include <string.h>

struct eth_switch sfx_sw;
struct sfx_port sfx_port[SFX_PORTS];
static unsigned n_fake;
static uint8_t *in_buf;

const uint8_t SFX_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void sfx_mac(uint8_t out[6], unsigned n)
{
    static const uint8_t base[6] = {0x02, 0, 0, 0, 0, 0};
    memcpy(out, base, 6);
    out[4] = (uint8_t)(n >> 8);
    out[5] = (uint8_t)n;
}

static int fake_tx(struct switch_port *sp, struct switch_frame *f, bool may_take)
{
    struct sfx_port *p = sp->ctx;
    if (p->hook)
        p->hook(p);
    if (p->fail)
        return p->fail;
    if (p->n_sent < SFX_SENT_MAX) {
        struct sfx_sent *s = &p->sent[p->n_sent++];
        uint32_t len = switch_frame_len(f), at = f->len;
        s->b = malloc(len ? len : 1);
        memcpy(s->b, f->data, f->len);
        for (unsigned i = 0; i < f->n_more; i++) {
            memcpy(s->b + at, f->more[i].data, f->more[i].len);
            at += f->more[i].len;
        }
        s->len = len;
        s->off = f->off;
        s->may_take = may_take;
        s->taken = may_take && p->take;
    }
    return may_take && p->take ? SWITCH_TAKEN : SWITCH_SENT;
}

static void add_port(unsigned i, const uint8_t *mac, uint32_t caps)
{
    char name[8] = "p0";
    name[1] = (char)('0' + i);
    struct switch_port_conf c = {name, fake_tx, &sfx_port[i], caps, 0, mac};
    sfx_port[i].index = switch_add_port(&sfx_sw, &c);
    REQUIRE_EQ_INT(sfx_port[i].index, (int)i);
}

void sfx_setup(unsigned n, uint32_t caps, const struct switch_limits *lim)
{
    sfx_teardown();
    REQUIRE(n <= SFX_PORTS);
    REQUIRE_EQ_INT(switch_init(&sfx_sw, "t", lim, vmgate_random32_cb, NULL), 0);
    for (unsigned i = 0; i < n; i++)
        add_port(i, NULL, caps);
    n_fake = n;
}

int sfx_add_endpoint(const uint8_t mac[6], uint32_t caps)
{
    REQUIRE(n_fake < SFX_PORTS);
    add_port(n_fake, mac, caps);
    return (int)n_fake++;
}

void sfx_clear(void)
{
    for (unsigned i = 0; i < SFX_PORTS; i++) {
        for (unsigned k = 0; k < sfx_port[i].n_sent; k++)
            free(sfx_port[i].sent[k].b);
        sfx_port[i].n_sent = 0;
    }
}

void sfx_teardown(void)
{
    sfx_clear();
    memset(sfx_port, 0, sizeof sfx_port);
    if (sfx_sw.fdb)
        switch_free(&sfx_sw);
    memset(&sfx_sw, 0, sizeof sfx_sw);
    free(in_buf);
    in_buf = NULL;
    n_fake = 0;
}

uint32_t sfx_frame(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], int tci, uint32_t plen)
{
    uint32_t at = 12;
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    if (tci >= 0) {
        put_be16(buf + at, 0x8100);
        put_be16(buf + at + 2, (uint16_t)tci);
        at += 4;
    }
    put_be16(buf + at, 0x0800);
    at += 2;
    for (uint32_t i = 0; i < plen; i++)
        buf[at + i] = (uint8_t)i;
    return at + plen;
}

enum switch_result sfx_in_ex(unsigned port, const uint8_t *frame, uint32_t len, int headroom,
                             bool lendable, const struct offload *off, uint32_t now_ms)
{
    unsigned room = headroom < 0 ? 16 : (unsigned)headroom;
    /* An exact-size buffer each time, so ASan sees any access outside it. */
    free(in_buf);
    in_buf = malloc(room + len + 1);
    memcpy(in_buf + room, frame, len);
    struct switch_frame f = {.data = in_buf + room, .len = len, .headroom = (uint16_t)room,
                             .lendable = lendable};
    if (off)
        f.off = *off;
    return switch_input(&sfx_sw, port, &f, now_ms);
}

enum switch_result sfx_send(unsigned port, const uint8_t dst[6], const uint8_t src[6], uint32_t now_ms)
{
    uint8_t b[128];
    uint32_t len = sfx_frame(b, dst, src, -1, 46);
    return sfx_in(port, b, len, now_ms);
}

unsigned sfx_sent_mask(void)
{
    unsigned m = 0;
    for (unsigned i = 0; i < SFX_PORTS; i++)
        if (sfx_port[i].n_sent)
            m |= 1u << i;
    return m;
}

int sfx_tag_of(const struct sfx_sent *s)
{
    if (s->len < 18 || get_be16(s->b + 12) != 0x8100)
        return -1;
    return get_be16(s->b + 14) & 0xfff;
}

uint32_t sfx_tcp(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint32_t plen,
                 bool partial, uint16_t gso_size, struct offload *o)
{
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    put_be16(buf + 12, 0x0800);
    uint8_t *ip = buf + 14, *tcp = ip + 20;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(40 + plen));
    put_be16(ip + 4, 0x1234);
    ip[8] = 64;
    ip[9] = 6;
    put_be32(ip + 12, 0x0a00090f);
    put_be32(ip + 16, 0x0a000910);
    put_be16(ip + 10, ref_csum(ip, 20));
    put_be16(tcp, 40000);
    put_be16(tcp + 2, 5001);
    put_be32(tcp + 4, 1000);
    put_be32(tcp + 8, 1);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18;
    put_be16(tcp + 14, 65535);
    for (uint32_t i = 0; i < plen; i++)
        tcp[20 + i] = (uint8_t)(i * 7 + 3);
    memset(o, 0, sizeof *o);
    if (!partial && !gso_size) {
        put_be16(tcp + 16, ref_csum_pseudo(0x0a00090f, 0x0a000910, 6, tcp, 20 + plen));
        return 14 + 40 + plen;
    }
    /* The pseudo-header sum, folded, not complemented: what the device completes. */
    uint32_t sum = 0x0a00 + 0x090f + 0x0a00 + 0x0910 + 6 + 20 + plen;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put_be16(tcp + 16, (uint16_t)sum);
    o->flags = OFFLOAD_NEEDS_CSUM;
    o->csum_start = 14 + 20;
    o->csum_offset = 16;
    o->hdr_len = 14 + 40;
    if (gso_size) {
        o->gso_type = OFFLOAD_GSO_TCPV4;
        o->gso_size = gso_size;
    }
    return 14 + 40 + plen;
}

bool sfx_tcp_valid(const uint8_t *frame, uint32_t len)
{
    uint32_t at = 12;
    if (len >= 18 && get_be16(frame + 12) == 0x8100)
        at += 4;
    if (len < at + 2 + 40 || get_be16(frame + at) != 0x0800)
        return false;
    const uint8_t *ip = frame + at + 2;
    uint32_t iplen = get_be16(ip + 2);
    if (iplen < 40 || at + 2 + iplen > len || ref_csum(ip, 20) != 0)
        return false;
    return ref_csum_pseudo(get_be32(ip + 12), get_be32(ip + 16), 6, ip + 20, iplen - 20) == 0;
}
