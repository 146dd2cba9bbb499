/* A UDP tunnel's encapsulation and decapsulation (contract in udptun.h). */
#include "udptun.h"

#include <errno.h>
#include <string.h>

void udptun_init(struct udptun *t, uint16_t local_port, uint32_t peer_ip, uint16_t peer_port)
{
    memset(t, 0, sizeof *t);
    t->local_port = local_port;
    t->peer_ip = peer_ip;
    t->peer_port = peer_port;
}

bool udptun_rx_accept(struct udptun *t, uint32_t src_ip, uint16_t src_port, size_t len)
{
    struct udptun_stats *s = &t->stats;
    if (src_ip != t->peer_ip || src_port != t->peer_port) {
        s->drops[UDPTUN_DROP_PEER]++;
        s->last_bad_ip = src_ip;
        s->last_bad_port = src_port;
        return false;
    }
    if (len < UDPTUN_FRAME_MIN) {
        s->drops[UDPTUN_DROP_RUNT]++;
        return false;
    }
    if (len > UDPTUN_FRAME_MAX) {
        s->drops[UDPTUN_DROP_OVERSIZE]++;
        return false;
    }
    s->rx_datagrams++;
    s->rx_bytes += len;
    return true;
}

void udptun_rx_frame(uint8_t *data, size_t len, uint16_t headroom, struct switch_frame *f)
{
    memset(f, 0, sizeof *f);
    f->data = data;
    f->len = (uint32_t)len;
    f->headroom = headroom;
}

int udptun_encap(struct udptun *t, const struct switch_frame *f, uint8_t *out, size_t cap)
{
    struct udptun_stats *s = &t->stats;
    if (f->off.gso_type != OFFLOAD_GSO_NONE || (f->off.flags & OFFLOAD_NEEDS_CSUM)) {
        s->drops[UDPTUN_DROP_TX_OFFLOAD]++;
        return -EINVAL;
    }
    uint32_t len = switch_frame_len(f);
    if (len > UDPTUN_FRAME_MAX || len > cap || f->n_more > SWITCH_SEGS_MAX) {
        s->drops[UDPTUN_DROP_TX_OVERSIZE]++;
        return -EMSGSIZE;
    }
    memcpy(out, f->data, f->len);
    size_t at = f->len;
    for (unsigned i = 0; i < f->n_more; i++) {
        memcpy(out + at, f->more[i].data, f->more[i].len);
        at += f->more[i].len;
    }
    s->tx_datagrams++;
    s->tx_bytes += len;
    return (int)len;
}

const char *udptun_drop_name(enum udptun_drop d)
{
    static const char *const names[UDPTUN_DROPS] = {
        [UDPTUN_DROP_PEER] = "wrong-peer",
        [UDPTUN_DROP_RUNT] = "runt",
        [UDPTUN_DROP_OVERSIZE] = "oversize",
        [UDPTUN_DROP_NOMEM] = "no-memory",
        [UDPTUN_DROP_TX_OFFLOAD] = "tx-offload",
        [UDPTUN_DROP_TX_OVERSIZE] = "tx-oversize",
        [UDPTUN_DROP_TX_ERROR] = "tx-error",
    };
    return (unsigned)d < UDPTUN_DROPS ? names[d] : "?";
}
