/* The learning switch (design, policies and the port interface in switch.h). The
 * FDB is an array of entries addressed by index, chained into SipHash buckets, so
 * links are 4 bytes and the console can walk the array. */
#include "switch.h"
#include "bytes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

/* Scratch for the frames switch_input() builds (segments of GSO frames, first
 * buffers copied to make room for a tag), one per level of re-entry: a port's
 * transmit may hand a frame back in (lwIP answering ARP) while the outer call still
 * uses its own. Shared by every switch, since re-entry may cross switches; the
 * depth is the appliance's one main loop's. */
static uint8_t scratch[SWITCH_NEST_MAX][SWITCH_SCRATCH];
static unsigned depth;

uint32_t switch_frame_len(const struct switch_frame *f)
{
    uint32_t len = f->len;
    for (unsigned i = 0; i < f->n_more && i < SWITCH_SEGS_MAX; i++)
        len += f->more[i].len;
    return len;
}

/* --- the FDB ----------------------------------------------------------------------- */

static uint32_t bucket_of(const struct eth_switch *sw, uint16_t vid, const uint8_t mac[6])
{
    uint64_t a = (uint64_t)vid << 48 | (uint64_t)mac[0] << 40 | (uint64_t)mac[1] << 32 |
                 (uint64_t)mac[2] << 24 | (uint64_t)mac[3] << 16 | (uint64_t)mac[4] << 8 | mac[5];
    return (uint32_t)siphash13_u64x2(&sw->key, a, 0) & sw->mask;
}

static bool entry_expired(const struct eth_switch *sw, const struct switch_fdb_entry *e, uint32_t now)
{
    return (uint32_t)(now - e->seen_ms) >= sw->aging_ms;
}

/* Unlinks entry i from its chain and frees it. */
static void entry_remove(struct eth_switch *sw, uint32_t i)
{
    struct switch_fdb_entry *e = &sw->fdb[i];
    uint32_t *link = &sw->bucket[bucket_of(sw, e->vid, e->mac)];

    while (*link != i)
        link = &sw->fdb[*link].next;
    *link = e->next;
    if (e->port < sw->n_ports && sw->port[e->port].fdb_count)
        sw->port[e->port].fdb_count--;
    sw->fdb_count--;
    e->vid = 0;
    e->next = sw->free_head;
    sw->free_head = i;
}

/* The live entry for (vid, mac), or NONE. Expired entries met on the way are removed
 * (counted), so the walk stays within SWITCH_CHAIN_MAX live ones; *live (if asked)
 * is the chain's length after that. */
static uint32_t entry_find(struct eth_switch *sw, uint16_t vid, const uint8_t mac[6],
                           uint32_t now, unsigned *live)
{
    uint32_t i = sw->bucket[bucket_of(sw, vid, mac)], found = NONE;
    unsigned n = 0;

    while (i != NONE) {
        struct switch_fdb_entry *e = &sw->fdb[i];
        uint32_t next = e->next;
        if (entry_expired(sw, e, now)) {
            entry_remove(sw, i);
            sw->stats.expired++;
        } else {
            n++;
            if (e->vid == vid && memcmp(e->mac, mac, 6) == 0)
                found = i;
        }
        i = next;
    }
    if (live)
        *live = n;
    return found;
}

/* Source learning: the policy of switch.h ("THE FORWARDING DATABASE"). */
static void learn(struct eth_switch *sw, unsigned port, uint16_t vid, const uint8_t mac[6],
                  uint32_t now)
{
    struct switch_port *p = &sw->port[port];
    unsigned live;
    uint32_t i = entry_find(sw, vid, mac, now, &live);

    if (i != NONE) {
        struct switch_fdb_entry *e = &sw->fdb[i];
        if (e->port == port) {
            e->seen_ms = now;
            return;
        }
        sw->stats.moved++;
        p->stats.moved_in++;
        if (p->fdb_count >= sw->port_fdb_max) {
            /* Kept, it would send the MAC's frames where it no longer is. */
            entry_remove(sw, i);
            sw->stats.refused_port++;
            p->stats.refused++;
            return;
        }
        sw->port[e->port].fdb_count--;
        e->port = (uint8_t)port;
        e->seen_ms = now;
        p->fdb_count++;
        return;
    }
    if (sw->fdb_count >= sw->fdb_max) {
        sw->stats.refused_full++;
        p->stats.refused++;
        return;
    }
    if (p->fdb_count >= sw->port_fdb_max) {
        sw->stats.refused_port++;
        p->stats.refused++;
        return;
    }
    if (live >= SWITCH_CHAIN_MAX || sw->free_head == NONE) {
        sw->stats.refused_chain++;
        p->stats.refused++;
        return;
    }
    i = sw->free_head;
    struct switch_fdb_entry *e = &sw->fdb[i];
    sw->free_head = e->next;
    memcpy(e->mac, mac, 6);
    e->vid = vid;
    e->port = (uint8_t)port;
    e->seen_ms = now;
    uint32_t *head = &sw->bucket[bucket_of(sw, vid, mac)];
    e->next = *head;
    *head = i;
    sw->fdb_count++;
    p->fdb_count++;
    sw->stats.learned++;
    p->stats.learned++;
}

/* Forgets every entry learned from a port. */
static void flush_port(struct eth_switch *sw, unsigned port)
{
    for (uint32_t i = 0; i < sw->fdb_max && sw->port[port].fdb_count; i++) {
        if (sw->fdb[i].vid && sw->fdb[i].port == port) {
            entry_remove(sw, i);
            sw->stats.flushed++;
        }
    }
}

/* --- set-up -------------------------------------------------------------------------- */

int switch_init(struct eth_switch *sw, const char *name, const struct switch_limits *lim,
                rng_u32_fn random, void *random_ctx)
{
    unsigned fdb_max = lim && lim->fdb_max ? lim->fdb_max : SWITCH_FDB_DEFAULT;
    unsigned port_max = lim && lim->port_fdb_max ? lim->port_fdb_max : fdb_max / 4;
    uint32_t aging = lim && lim->aging_ms ? lim->aging_ms : SWITCH_AGING_DEFAULT_MS;
    uint32_t buckets = 1;

    memset(sw, 0, sizeof *sw);
    if (port_max == 0)
        port_max = 1;
    if (fdb_max < SWITCH_FDB_MIN || fdb_max > SWITCH_FDB_LIMIT || port_max > fdb_max ||
        aging < SWITCH_AGING_MIN_MS || aging > SWITCH_AGING_MAX_MS)
        return -EINVAL;
    while (buckets < fdb_max)
        buckets <<= 1;
    sw->fdb = calloc(fdb_max, sizeof *sw->fdb);
    sw->bucket = malloc(buckets * sizeof *sw->bucket);
    if (!sw->fdb || !sw->bucket) {
        switch_free(sw);
        return -ENOMEM;
    }
    snprintf(sw->name, sizeof sw->name, "%s", name ? name : "");
    memset(sw->bucket, 0xff, buckets * sizeof *sw->bucket);
    sw->mask = buckets - 1;
    sw->fdb_max = fdb_max;
    sw->port_fdb_max = port_max;
    sw->aging_ms = aging;
    sw->free_head = NONE;
    for (uint32_t i = fdb_max; i-- > 0;) {
        sw->fdb[i].next = sw->free_head;
        sw->free_head = i;
    }
    sw->key.k0 = (uint64_t)random(random_ctx) << 32 | random(random_ctx);
    sw->key.k1 = (uint64_t)random(random_ctx) << 32 | random(random_ctx);
    return 0;
}

void switch_free(struct eth_switch *sw)
{
    free(sw->fdb);
    free(sw->bucket);
    sw->fdb = NULL;
    sw->bucket = NULL;
    sw->fdb_max = 0;
}

static bool mac_is_zero(const uint8_t *m)
{
    return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

int switch_add_port(struct eth_switch *sw, const struct switch_port_conf *c)
{
    if (sw->n_ports == SWITCH_PORTS_MAX)
        return -ENOSPC;
    if (!c->transmit)
        return -EINVAL;
    if (c->mac) {
        if ((c->mac[0] & 1) || mac_is_zero(c->mac))
            return -EINVAL;
        for (unsigned i = 0; i < sw->n_ports; i++)
            if (sw->port[i].endpoint && memcmp(sw->port[i].mac, c->mac, 6) == 0)
                return -EINVAL;
    }
    struct switch_port *p = &sw->port[sw->n_ports];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", c->name ? c->name : "");
    p->transmit = c->transmit;
    p->ctx = c->ctx;
    p->caps = c->caps;
    p->mtu = c->mtu;
    p->up = true;
    if (c->mac) {
        p->endpoint = true;
        memcpy(p->mac, c->mac, 6);
    }
    p->vlan.mode = SWITCH_ACCESS;
    p->vlan.pvid = SWITCH_VID_DEFAULT;
    return (int)sw->n_ports++;
}

int switch_set_vlan(struct eth_switch *sw, unsigned port, const struct switch_vlan *v)
{
    if (port >= sw->n_ports)
        return -EINVAL;
    if (v->mode == SWITCH_ACCESS) {
        if (v->pvid < 1 || v->pvid > SWITCH_VID_MAX)
            return -EINVAL;
    } else if (v->mode == SWITCH_TRUNK) {
        bool any = v->pvid != 0;
        if (v->pvid > SWITCH_VID_MAX || switch_vid_test(v->tagged, 0) ||
            switch_vid_test(v->tagged, 4095) || (v->pvid && switch_vid_test(v->tagged, v->pvid)))
            return -EINVAL;
        for (unsigned w = 0; w < 64; w++)
            any |= v->tagged[w] != 0;
        if (!any)
            return -EINVAL;
    } else {
        return -EINVAL;
    }
    struct switch_port *p = &sw->port[port];
    flush_port(sw, port);
    p->vlan = *v;
    if (v->mode == SWITCH_ACCESS)
        memset(p->vlan.tagged, 0, sizeof p->vlan.tagged);
    return 0;
}

void switch_port_set_up(struct eth_switch *sw, unsigned port, bool up)
{
    if (port >= sw->n_ports)
        return;
    sw->port[port].up = up;
    if (!up)
        flush_port(sw, port);
}

int switch_set_aging(struct eth_switch *sw, uint32_t ms)
{
    if (ms < SWITCH_AGING_MIN_MS || ms > SWITCH_AGING_MAX_MS)
        return -EINVAL;
    sw->aging_ms = ms;
    return 0;
}

/* --- forwarding ----------------------------------------------------------------------- */

static bool is_member(const struct switch_port *p, uint16_t vid)
{
    return p->vlan.pvid == vid || (p->vlan.mode == SWITCH_TRUNK && switch_vid_test(p->vlan.tagged, vid));
}

/* Does the port send this VLAN's frames tagged? */
static bool sends_tagged(const struct switch_port *p, uint16_t vid)
{
    return p->vlan.mode == SWITCH_TRUNK && p->vlan.pvid != vid;
}

static enum switch_result drop(struct switch_port *p, enum switch_drop why)
{
    p->stats.drops[why]++;
    return SWITCH_SENT;
}

/* A frame on its way out: its form (tagged or not) as the ports so far needed it. */
struct egress {
    struct eth_switch *sw;
    struct switch_frame *f;
    uint16_t vid;
    uint16_t prio;                      /* the received tag's priority and DEI bits */
    bool tagged;                        /* f holds a tag now */
    bool flood;
};

static uint32_t ip_len_of(const struct switch_frame *f, bool tagged)
{
    uint32_t hdr = SWITCH_ETH_HLEN + (tagged ? SWITCH_TAG_LEN : 0);
    uint32_t len = switch_frame_len(f);
    return len > hdr ? len - hdr : 0;
}

/* Hands one frame to a port's transmit and counts it. */
static enum switch_result transmit(struct egress *x, struct switch_port *p, struct switch_frame *f,
                                   bool may_take)
{
    uint32_t len = switch_frame_len(f);
    int rc = p->transmit(p, f, may_take);
    if (rc < 0)
        return drop(p, SWITCH_DROP_TX);
    p->stats.tx_frames++;
    p->stats.tx_bytes += len;
    if (x->flood)
        p->stats.tx_flooded++;
    return rc == SWITCH_TAKEN && may_take ? SWITCH_TAKEN : SWITCH_SENT;
}

/* Puts the frame in the form a port needs: tag pushed (into the headroom, or a copy
 * of the first buffer when there is none), popped, or its VLAN ID rewritten; a tag
 * pushed or rewritten carries the priority the frame came with (0 if untagged).
 * false when the first buffer is too long to copy. */
static bool set_form(struct egress *x, bool want_tag)
{
    struct switch_frame *f = x->f;

    if (want_tag && x->tagged) {
        uint16_t tci = get_be16(f->data + 14);
        put_be16(f->data + 14, (uint16_t)((tci & 0xf000) | x->vid));
        return true;
    }
    if (!want_tag && x->tagged) {
        memmove(f->data + SWITCH_TAG_LEN, f->data, 12);
        f->data += SWITCH_TAG_LEN;
        f->len -= SWITCH_TAG_LEN;
        f->headroom = (uint16_t)(f->headroom + SWITCH_TAG_LEN);
        x->tagged = false;
        return true;
    }
    if (!want_tag)
        return true;
    if (f->headroom < SWITCH_TAG_LEN) {
        uint8_t *buf = scratch[depth - 1];
        if (f->len > SWITCH_SCRATCH - 16)
            return false;
        memcpy(buf + 16, f->data, f->len);
        f->data = buf + 16;
        f->headroom = 16;
        f->lendable = false;                    /* the bytes are not the caller's now */
    }
    memmove(f->data - SWITCH_TAG_LEN, f->data, 12);
    f->data -= SWITCH_TAG_LEN;
    f->len += SWITCH_TAG_LEN;
    f->headroom = (uint16_t)(f->headroom - SWITCH_TAG_LEN);
    put_be16(f->data + 12, SWITCH_TPID);
    put_be16(f->data + 14, (uint16_t)(x->prio | x->vid));
    x->tagged = true;
    return true;
}

struct seg_ctx {
    struct egress *x;
    struct switch_port *p;
    bool tag;
};

/* One segment of a cut GSO frame, built at scratch + SWITCH_TAG_LEN. */
static int send_segment(void *ctx, uint8_t *seg, size_t len)
{
    struct seg_ctx *s = ctx;
    struct switch_frame g = {.data = seg, .len = (uint32_t)len, .cookie = s->x->f->cookie};

    if (s->tag) {
        memmove(seg - SWITCH_TAG_LEN, seg, 12);
        g.data = seg - SWITCH_TAG_LEN;
        g.len += SWITCH_TAG_LEN;
        put_be16(g.data + 12, SWITCH_TPID);
        put_be16(g.data + 14, (uint16_t)(s->x->prio | s->x->vid));
    }
    if (s->p->mtu && ip_len_of(&g, s->tag) > s->p->mtu) {
        drop(s->p, SWITCH_DROP_MTU);
        return 0;
    }
    transmit(s->x, s->p, &g, false);
    return 0;
}

static bool takes_gso(const struct switch_port *p, const struct offload *o)
{
    if ((o->gso_type & ~OFFLOAD_GSO_ECN) != OFFLOAD_GSO_TCPV4 || !(p->caps & SWITCH_CAP_GSO_TCP4))
        return false;
    return !(o->gso_type & OFFLOAD_GSO_ECN) || (p->caps & SWITCH_CAP_GSO_ECN);
}

/* Sends the frame to one port, as its VLAN mode and offloads need. */
static enum switch_result send_to(struct egress *x, struct switch_port *p, bool last)
{
    struct switch_frame *f = x->f;
    bool want_tag = sends_tagged(p, x->vid);
    bool may_take = last && f->lendable;

    if (f->off.gso_type != OFFLOAD_GSO_NONE) {
        /* GSO frames are never tagged (switch_input refuses tagged ones), so the
         * frame is in its received form here. */
        if (!want_tag && may_take && takes_gso(p, &f->off))
            return transmit(x, p, f, true);
        struct seg_ctx s = {x, p, want_tag};
        uint8_t *out = scratch[depth - 1] + SWITCH_TAG_LEN;
        p->stats.tx_segmented++;
        if (offload_tcp4_segment(f->data, f->len, &f->off, out, SWITCH_SCRATCH - SWITCH_TAG_LEN,
                                 send_segment, &s) != 0)
            return drop(p, SWITCH_DROP_OFFLOAD);
        return SWITCH_SENT;
    }
    if ((f->off.flags & OFFLOAD_NEEDS_CSUM) && (want_tag || !(p->caps & SWITCH_CAP_CSUM))) {
        /* Completed once, in place, for every port after this one too. */
        if (offload_csum_complete(f->data, f->len, &f->off) != 0)
            return drop(p, SWITCH_DROP_OFFLOAD);
        f->off.flags &= (uint8_t)~OFFLOAD_NEEDS_CSUM;
    }
    if (!set_form(x, want_tag))
        return drop(p, SWITCH_DROP_MTU);
    if (p->mtu && ip_len_of(f, x->tagged) > p->mtu)
        return drop(p, SWITCH_DROP_MTU);
    return transmit(x, p, f, may_take && f->lendable);
}

static bool is_link_local(const uint8_t *d)
{
    return d[0] == 0x01 && d[1] == 0x80 && d[2] == 0xc2 && d[3] == 0 && d[4] == 0 && (d[5] & 0xf0) == 0;
}

static bool is_broadcast(const uint8_t *d)
{
    return (d[0] & d[1] & d[2] & d[3] & d[4] & d[5]) == 0xff;
}

/* The endpoint port other than `except` whose MAC this is, or -1. */
static int endpoint_of(const struct eth_switch *sw, const uint8_t *mac, unsigned except)
{
    for (unsigned i = 0; i < sw->n_ports; i++)
        if (i != except && sw->port[i].endpoint && memcmp(sw->port[i].mac, mac, 6) == 0)
            return (int)i;
    return -1;
}

/* Contract in switch.h. Checks, in order: the frame's shape, the source, the VLAN
 * (classification by the ingress port's mode), then learning and the destination. */
enum switch_result switch_input(struct eth_switch *sw, unsigned port, struct switch_frame *f,
                                uint32_t now)
{
    if (port >= sw->n_ports)
        return SWITCH_SENT;
    struct switch_port *in = &sw->port[port];
    in->stats.rx_frames++;
    in->stats.rx_bytes += switch_frame_len(f);
    if (!in->up)
        return drop(in, SWITCH_DROP_PORT_DOWN);
    if (f->len < SWITCH_ETH_HLEN || f->n_more > SWITCH_SEGS_MAX)
        return drop(in, SWITCH_DROP_RUNT);
    if (depth >= SWITCH_NEST_MAX)
        return drop(in, SWITCH_DROP_NESTED);
    const uint8_t *dst = f->data, *src = f->data + 6;
    if ((src[0] & 1) || mac_is_zero(src))
        return drop(in, SWITCH_DROP_SRC_MAC);

    struct egress x = {sw, f, 0, 0, false, false};
    uint16_t tag_vid = 0;
    if (get_be16(f->data + 12) == SWITCH_TPID) {
        if (f->len < SWITCH_ETH_HLEN + SWITCH_TAG_LEN)
            return drop(in, SWITCH_DROP_BAD_TAG);
        tag_vid = get_be16(f->data + 14) & 0x0fff;
        x.prio = get_be16(f->data + 14) & 0xf000;
        if (tag_vid == 0x0fff)
            return drop(in, SWITCH_DROP_BAD_TAG);
        x.tagged = true;
    }
    if (!x.tagged || tag_vid == 0) {
        x.vid = in->vlan.pvid;          /* untagged or priority-tagged */
        if (x.vid == 0)
            return drop(in, SWITCH_DROP_UNTAGGED);
    } else {
        if (in->vlan.mode != SWITCH_TRUNK || !is_member(in, tag_vid))
            return drop(in, SWITCH_DROP_NOT_MEMBER);
        x.vid = tag_vid;
    }
    bool has_offload = f->off.gso_type != OFFLOAD_GSO_NONE || (f->off.flags & OFFLOAD_NEEDS_CSUM);
    if (has_offload && (x.tagged || f->n_more)) {
        /* The NIC core never passes such frames (net/offload.h reads no tags); the
         * facts cannot be trusted to point where they should. */
        return drop(in, SWITCH_DROP_OFFLOAD);
    }
    if (endpoint_of(sw, src, port) >= 0)
        return drop(in, SWITCH_DROP_SRC_OWN);
    if (in->endpoint && memcmp(dst, in->mac, 6) == 0)
        return drop(in, SWITCH_DROP_SAME_PORT);
    if (!in->endpoint)
        learn(sw, port, x.vid, src, now);
    if (is_link_local(dst))
        return drop(in, SWITCH_DROP_LINK_LOCAL);

    /* Where it goes. */
    uint8_t out[SWITCH_PORTS_MAX];
    unsigned n_out = 0;
    bool unknown = false;
    if (dst[0] & 1) {
        x.flood = true;
        if (is_broadcast(dst))
            sw->stats.flooded_broadcast++;
        else
            sw->stats.flooded_multicast++;
    } else {
        int q = endpoint_of(sw, dst, port);
        if (q < 0 || !is_member(&sw->port[q], x.vid)) {
            uint32_t i = entry_find(sw, x.vid, dst, now, NULL);
            q = i == NONE ? -1 : sw->fdb[i].port;
        }
        if (q == (int)port)
            return drop(in, SWITCH_DROP_SAME_PORT);
        if (q >= 0) {
            if (!sw->port[q].up)
                return drop(&sw->port[q], SWITCH_DROP_PORT_DOWN);
            sw->stats.unicast++;
            out[n_out++] = (uint8_t)q;
        } else {
            x.flood = unknown = true;
            sw->stats.flooded_unknown++;
        }
    }
    if (x.flood) {
        in->stats.rx_flooded++;
        for (unsigned i = 0; i < sw->n_ports; i++) {
            const struct switch_port *p = &sw->port[i];
            if (i != port && p->up && is_member(p, x.vid) && !(unknown && p->endpoint))
                out[n_out++] = (uint8_t)i;
        }
    }

    enum switch_result r = SWITCH_SENT;
    depth++;
    for (unsigned k = 0; k < n_out && r != SWITCH_TAKEN; k++)
        r = send_to(&x, &sw->port[out[k]], k + 1 == n_out);
    depth--;
    return r;
}

/* --- maintenance and the console ------------------------------------------------------- */

void switch_expire(struct eth_switch *sw, uint32_t now)
{
    for (uint32_t i = 0; i < sw->fdb_max; i++) {
        if (sw->fdb[i].vid && entry_expired(sw, &sw->fdb[i], now)) {
            entry_remove(sw, i);
            sw->stats.expired++;
        }
    }
}

int switch_fdb_lookup(struct eth_switch *sw, uint16_t vid, const uint8_t mac[6], uint32_t now)
{
    if (vid < 1 || vid > SWITCH_VID_MAX)
        return -1;
    uint32_t i = entry_find(sw, vid, mac, now, NULL);
    return i == NONE ? -1 : sw->fdb[i].port;
}

unsigned switch_fdb_foreach(struct eth_switch *sw, uint32_t now,
                            void (*fn)(void *ctx, const struct switch_fdb_entry *e, uint32_t age_ms),
                            void *ctx)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < sw->fdb_max; i++) {
        const struct switch_fdb_entry *e = &sw->fdb[i];
        if (!e->vid || entry_expired(sw, e, now))
            continue;
        n++;
        if (fn)
            fn(ctx, e, (uint32_t)(now - e->seen_ms));
    }
    return n;
}

const char *switch_drop_name(enum switch_drop d)
{
    static const char *const names[SWITCH_DROPS] = {
        [SWITCH_DROP_RUNT] = "runt",
        [SWITCH_DROP_BAD_TAG] = "bad-tag",
        [SWITCH_DROP_SRC_MAC] = "src-mac",
        [SWITCH_DROP_SRC_OWN] = "src-own",
        [SWITCH_DROP_UNTAGGED] = "untagged",
        [SWITCH_DROP_NOT_MEMBER] = "not-member",
        [SWITCH_DROP_LINK_LOCAL] = "link-local",
        [SWITCH_DROP_SAME_PORT] = "same-port",
        [SWITCH_DROP_PORT_DOWN] = "port-down",
        [SWITCH_DROP_NESTED] = "nested",
        [SWITCH_DROP_MTU] = "mtu",
        [SWITCH_DROP_OFFLOAD] = "offload",
        [SWITCH_DROP_TX] = "tx",
    };
    return (unsigned)d < SWITCH_DROPS ? names[d] : "?";
}

/* snprintf into a buffer that may be full already: counts on, never writes past. */
struct out {
    char *buf;
    size_t len, pos;
};

static void out_add(struct out *o, const char *fmt, unsigned a, unsigned b)
{
    char *dst = o->pos < o->len ? o->buf + o->pos : NULL;
    size_t room = o->pos < o->len ? o->len - o->pos : 0;
    int n = snprintf(dst, room, fmt, a, b);
    if (n > 0)
        o->pos += (size_t)n;
}

static int vid_list(const uint64_t bits[64], struct out *o)
{
    bool first = true;
    for (unsigned v = 1; v <= SWITCH_VID_MAX; v++) {
        if (!switch_vid_test(bits, v))
            continue;
        unsigned end = v;
        while (end + 1 <= SWITCH_VID_MAX && switch_vid_test(bits, end + 1))
            end++;
        if (end == v)
            out_add(o, first ? "%u" : ",%u", v, 0);
        else
            out_add(o, first ? "%u-%u" : ",%u-%u", v, end);
        first = false;
        v = end;
    }
    return o->pos > 0x7fffffff ? 0x7fffffff : (int)o->pos;
}

int switch_vid_list_format(const uint64_t bits[64], char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    return vid_list(bits, &o);
}

int switch_vlan_format(const struct switch_vlan *v, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    if (v->mode == SWITCH_ACCESS) {
        out_add(&o, "access %u", v->pvid, 0);
        return (int)o.pos;
    }
    out_add(&o, "trunk", 0, 0);
    bool any = false;
    for (unsigned w = 0; w < 64; w++)
        any |= v->tagged[w] != 0;
    if (any) {
        out_add(&o, " ", 0, 0);
        vid_list(v->tagged, &o);
    }
    if (v->pvid)
        out_add(&o, " native %u", v->pvid, 0);
    return (int)o.pos;
}
