/* VXLAN encapsulation, decapsulation and head-end replication (contract in vxlan.h). */
#include "vxlan.h"

#include <errno.h>
#include <string.h>

void vxlan_init(struct vxlan *v, uint32_t vni, uint16_t local_port, uint16_t dport,
                const uint32_t *remotes, unsigned n_remotes)
{
    memset(v, 0, sizeof *v);
    v->vni = vni & 0xffffffu;
    v->local_port = local_port;
    v->dport = dport;
    v->aging_ms = VXLAN_AGING_MS;
    for (unsigned i = 0; i < n_remotes && i < VXLAN_REMOTES; i++)
        v->remote[v->n_remotes++] = remotes[i];
}

static bool fresh(const struct vxlan *v, const struct vxlan_vtep *e, uint32_t now_ms)
{
    /* Unsigned difference: right across the millisecond counter's wrap. */
    return e->used && (uint32_t)(now_ms - e->seen_ms) < v->aging_ms;
}

/* Records mac as behind remote: its own entry refreshed, else a free or aged one,
 * else the oldest evicted. */
static void learn(struct vxlan *v, const uint8_t mac[6], uint32_t remote, uint32_t now_ms)
{
    struct vxlan_vtep *slot = NULL, *oldest = NULL;
    for (unsigned i = 0; i < VXLAN_VTEPS; i++) {
        struct vxlan_vtep *e = &v->vtep[i];
        if (e->used && memcmp(e->mac, mac, 6) == 0) {
            slot = e;
            break;
        }
        if (!fresh(v, e, now_ms)) {
            if (!slot)
                slot = e;
        } else if (!oldest || (uint32_t)(now_ms - e->seen_ms) > (uint32_t)(now_ms - oldest->seen_ms)) {
            oldest = e;
        }
    }
    if (!slot) {
        slot = oldest;
        v->stats.vtep_evictions++;
    }
    memcpy(slot->mac, mac, 6);
    slot->used = true;
    slot->remote = remote;
    slot->seen_ms = now_ms;
}

int vxlan_decap(struct vxlan *v, uint32_t src_ip, const uint8_t *d, size_t len, uint32_t now_ms)
{
    struct vxlan_stats *s = &v->stats;
    unsigned r = 0;
    while (r < v->n_remotes && v->remote[r] != src_ip)
        r++;
    if (r == v->n_remotes) {
        s->drops[VXLAN_DROP_REMOTE]++;
        s->last_bad_ip = src_ip;
        return -EPERM;
    }
    if (len < VXLAN_HLEN + SWITCH_ETH_HLEN) {
        s->drops[VXLAN_DROP_RUNT]++;
        return -EINVAL;
    }
    /* Only the I bit is looked at; reserved bits are ignored (RFC 7348 5). */
    if (!(d[0] & VXLAN_FLAG_I)) {
        s->drops[VXLAN_DROP_FLAGS]++;
        return -EINVAL;
    }
    uint32_t vni = (uint32_t)d[4] << 16 | (uint32_t)d[5] << 8 | d[6];
    if (vni != v->vni) {
        s->drops[VXLAN_DROP_VNI]++;
        return -ENOENT;
    }
    if (len - VXLAN_HLEN > VXLAN_FRAME_MAX) {
        s->drops[VXLAN_DROP_OVERSIZE]++;
        return -EMSGSIZE;
    }
    const uint8_t *src_mac = d + VXLAN_HLEN + 6;
    if (!(src_mac[0] & 1))
        learn(v, src_mac, src_ip, now_ms);
    s->rx_datagrams++;
    s->rx_bytes += len - VXLAN_HLEN;
    return VXLAN_HLEN;
}

unsigned vxlan_targets(struct vxlan *v, const uint8_t dst_mac[6], uint32_t now_ms,
                       uint32_t out[VXLAN_REMOTES])
{
    if (!(dst_mac[0] & 1)) {
        for (unsigned i = 0; i < VXLAN_VTEPS; i++) {
            const struct vxlan_vtep *e = &v->vtep[i];
            if (fresh(v, e, now_ms) && memcmp(e->mac, dst_mac, 6) == 0) {
                out[0] = e->remote;
                v->stats.tx_unicast++;
                return 1;
            }
        }
    }
    memcpy(out, v->remote, v->n_remotes * sizeof out[0]);
    v->stats.tx_flooded++;
    return v->n_remotes;
}

int vxlan_encap(struct vxlan *v, const struct switch_frame *f, uint8_t *out, size_t cap)
{
    struct vxlan_stats *s = &v->stats;
    if (f->off.gso_type != OFFLOAD_GSO_NONE || (f->off.flags & OFFLOAD_NEEDS_CSUM)) {
        s->drops[VXLAN_DROP_TX_OFFLOAD]++;
        return -EINVAL;
    }
    uint32_t len = switch_frame_len(f);
    if (len > VXLAN_FRAME_MAX || cap < VXLAN_HLEN || len > cap - VXLAN_HLEN ||
        f->n_more > SWITCH_SEGS_MAX) {
        s->drops[VXLAN_DROP_TX_OVERSIZE]++;
        return -EMSGSIZE;
    }
    memset(out, 0, VXLAN_HLEN);
    out[0] = VXLAN_FLAG_I;
    out[4] = (uint8_t)(v->vni >> 16);
    out[5] = (uint8_t)(v->vni >> 8);
    out[6] = (uint8_t)v->vni;
    memcpy(out + VXLAN_HLEN, f->data, f->len);
    size_t at = VXLAN_HLEN + f->len;
    for (unsigned i = 0; i < f->n_more; i++) {
        memcpy(out + at, f->more[i].data, f->more[i].len);
        at += f->more[i].len;
    }
    return (int)at;
}

unsigned vxlan_vtep_count(const struct vxlan *v, uint32_t now_ms)
{
    unsigned n = 0;
    for (unsigned i = 0; i < VXLAN_VTEPS; i++)
        n += fresh(v, &v->vtep[i], now_ms);
    return n;
}

const char *vxlan_drop_name(enum vxlan_drop d)
{
    static const char *const names[VXLAN_DROPS] = {
        [VXLAN_DROP_REMOTE] = "wrong-remote",
        [VXLAN_DROP_RUNT] = "runt",
        [VXLAN_DROP_FLAGS] = "no-i-flag",
        [VXLAN_DROP_VNI] = "wrong-vni",
        [VXLAN_DROP_OVERSIZE] = "oversize",
        [VXLAN_DROP_NOMEM] = "no-memory",
        [VXLAN_DROP_TX_OFFLOAD] = "tx-offload",
        [VXLAN_DROP_TX_OVERSIZE] = "tx-oversize",
        [VXLAN_DROP_TX_ERROR] = "tx-error",
    };
    return (unsigned)d < VXLAN_DROPS ? names[d] : "?";
}
