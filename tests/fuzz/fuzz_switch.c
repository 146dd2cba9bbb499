/* Fuzz target: the learning switch (net/switch.c). The input builds a switch of 2-6
 * ports with VLAN modes over a small VLAN universe, then feeds it frames from its
 * ports as a NIC would (the offload facts through offload_rx_check first, as the NIC
 * core does). Besides the sanitizers (every frame sits in a buffer of exactly its
 * length plus the headroom it was given), it aborts when the switch disagrees with
 * a model of what an 802.1Q switch must do, kept here apart from its code:
 *  - classification: the model says, from the ingress port's mode and the frame's
 *    first tag alone, whether the frame is dropped or which VLAN it is in; a frame
 *    the model drops reaches no port;
 *  - isolation: a frame reaches only ports other than its ingress that are members
 *    of its VLAN; an endpoint port only if the destination is its MAC, a broadcast
 *    or a multicast;
 *  - form: each frame leaves as the model writes it for that port, byte for byte
 *    (the received frame without its tag, then with a tag of its VLAN and priority
 *    where the port sends that VLAN tagged); frames with offload facts are checked
 *    in their addresses and tag only, and those leaving tagged carry no facts;
 *  - buffers: at most one port takes a frame, the last one sent to, only when the
 *    frame was lendable, and switch_input() says so;
 *  - the FDB after every frame: its count matches the used entries and the per-port
 *    counts, within both limits; every entry is in the chain of its bucket, no chain
 *    is longer than SWITCH_CHAIN_MAX, no two entries share a key.
 *
 * Input: [nports][fdb][portlimit][port byte x nports][record]...
 * Port byte: bits 0-1 mode (0 access, 1 trunk with native, 2 trunk without, 3 an
 *   endpoint in access mode), bits 2-3 the access/native VLAN (1-4), bits 4-7 the
 *   VLANs 1-4 a trunk carries tagged; even ports take checksum and GSO offloads.
 * Record: [ctl][step][len_hi][len_lo][len bytes]
 *   ctl bits 0-2: the ingress port (mod nports); bit 3: lendable; bit 4: no
 *   headroom; bit 5: switch_expire() after; bit 6: the first 8 bytes are offload
 *   facts (flags, gso type, gso size, csum start, csum offset; 16-bit big-endian),
 *   the frame follows; bit 7: the MACs are mapped onto a few stations (byte 0 and
 *   byte 6 choose), so that learning, moves and hits happen.
 *   step: the clock moves by step * 4 s (aging is 30 s here). */
#include "fuzz_port.h"
#include "net/bytes.h"
#include "net/offload.h"
#include "net/switch.h"

#include "arch/cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORTS_MAX 6
#define SENT_MAX 1024
#define ARENA (1u << 20)

struct sent {
    unsigned port;
    uint32_t off, len;                  /* in the arena */
    struct offload facts;
    bool may_take, taken;
};

static struct eth_switch sw;
static unsigned n_ports;
static struct switch_vlan vlan[PORTS_MAX];
static bool endpoint[PORTS_MAX];
static uint8_t ep_mac[PORTS_MAX][6];
static struct sent sent[SENT_MAX];
static unsigned n_sent;
static uint8_t arena[ARENA];
static uint32_t arena_used;
static bool takes[PORTS_MAX];

static void fail(const char *what, unsigned record)
{
    fprintf(stderr, "fuzz_switch: invariant broken at record %u: %s\n", record, what);
    abort();
}

static int fake_tx(struct switch_port *p, struct switch_frame *f, bool may_take)
{
    unsigned port = (unsigned)(uintptr_t)p->ctx;
    uint32_t len = switch_frame_len(f);
    if (n_sent < SENT_MAX && arena_used + len <= ARENA) {
        struct sent *s = &sent[n_sent++];
        s->port = port;
        s->off = arena_used;
        s->len = len;
        memcpy(arena + arena_used, f->data, f->len);
        uint32_t at = f->len;
        for (unsigned i = 0; i < f->n_more; i++) {
            memcpy(arena + arena_used + at, f->more[i].data, f->more[i].len);
            at += f->more[i].len;
        }
        arena_used += len;
        s->facts = f->off;
        s->may_take = may_take;
        s->taken = may_take && takes[port];
    }
    return may_take && takes[port] ? SWITCH_TAKEN : SWITCH_SENT;
}

static const uint16_t vids[4] = {1, 2, 3, 4};

static int setup(const uint8_t *d, size_t n)
{
    if (n < 3)
        return -1;
    n_ports = 2 + d[0] % 5;
    if (n < 3 + n_ports)
        return -1;
    struct switch_limits lim = {SWITCH_FDB_MIN + d[1] % 48, 0, 30000};
    lim.port_fdb_max = 1 + d[2] % lim.fdb_max;
    fuzz_random_seed(1);
    if (switch_init(&sw, "f", &lim, vmgate_random32_cb, NULL) != 0)
        abort();
    for (unsigned i = 0; i < n_ports; i++) {
        uint8_t b = d[3 + i];
        unsigned mode = b & 3;
        memset(&vlan[i], 0, sizeof vlan[i]);
        endpoint[i] = mode == 3;
        ep_mac[i][0] = 0x02;
        ep_mac[i][1] = 0xee;
        ep_mac[i][5] = (uint8_t)i;
        takes[i] = i % 2 == 0;
        struct switch_port_conf c = {"p", fake_tx, (void *)(uintptr_t)i,
                                     i % 2 ? 0 : SWITCH_CAP_CSUM | SWITCH_CAP_GSO_TCP4 | SWITCH_CAP_GSO_ECN,
                                     0, endpoint[i] ? ep_mac[i] : NULL};
        if (switch_add_port(&sw, &c) != (int)i)
            abort();
        uint16_t pv = vids[(b >> 2) & 3];
        if (mode == 0 || mode == 3) {
            vlan[i].mode = SWITCH_ACCESS;
            vlan[i].pvid = pv;
        } else {
            vlan[i].mode = SWITCH_TRUNK;
            vlan[i].pvid = mode == 1 ? pv : 0;
            for (unsigned k = 0; k < 4; k++)
                if ((b >> (4 + k)) & 1 && vids[k] != vlan[i].pvid)
                    switch_vid_set(vlan[i].tagged, vids[k]);
            bool any = vlan[i].pvid != 0;
            for (unsigned k = 1; k <= 4; k++)
                any |= switch_vid_test(vlan[i].tagged, k);
            if (!any)
                switch_vid_set(vlan[i].tagged, 1);
        }
        if (switch_set_vlan(&sw, i, &vlan[i]) != 0)
            abort();
    }
    return (int)(3 + n_ports);
}

static bool member(unsigned p, uint16_t vid)
{
    return vlan[p].pvid == vid || (vlan[p].mode == SWITCH_TRUNK && switch_vid_test(vlan[p].tagged, vid));
}

/* The model's classification: the VLAN, or 0 for a frame that must be dropped. */
static uint16_t classify(unsigned port, const uint8_t *f, uint32_t len, bool *tagged, uint16_t *prio)
{
    *tagged = false;
    *prio = 0;
    if (len < 14)
        return 0;
    const uint8_t *src = f + 6;
    if ((src[0] & 1) || !(src[0] | src[1] | src[2] | src[3] | src[4] | src[5]))
        return 0;
    uint16_t tv = 0;
    if (get_be16(f + 12) == 0x8100) {
        if (len < 18)
            return 0;
        tv = get_be16(f + 14) & 0xfff;
        *prio = get_be16(f + 14) & 0xf000;
        if (tv == 0xfff)
            return 0;
        *tagged = true;
    }
    for (unsigned i = 0; i < n_ports; i++)
        if (i != port && endpoint[i] && memcmp(src, ep_mac[i], 6) == 0)
            return 0;
    if (f[0] == 0x01 && f[1] == 0x80 && f[2] == 0xc2 && !f[3] && !f[4] && (f[5] & 0xf0) == 0)
        return 0;
    if (!*tagged || tv == 0)
        return vlan[port].pvid;
    if (vlan[port].mode != SWITCH_TRUNK || !member(port, tv))
        return 0;
    return tv;
}

static void check_fdb(unsigned record)
{
    unsigned used = 0, per_port[PORTS_MAX] = {0};
    for (uint32_t i = 0; i < sw.fdb_max; i++) {
        const struct switch_fdb_entry *e = &sw.fdb[i];
        if (!e->vid)
            continue;
        used++;
        if (e->vid > SWITCH_VID_MAX || e->port >= n_ports)
            fail("entry with a bad VLAN or port", record);
        if (endpoint[e->port])
            fail("an endpoint port learned", record);
        per_port[e->port]++;
    }
    if (used != sw.fdb_count || used > sw.fdb_max)
        fail("fdb count", record);
    for (unsigned p = 0; p < n_ports; p++)
        if (per_port[p] != sw.port[p].fdb_count || per_port[p] > sw.port_fdb_max)
            fail("per-port count", record);
    unsigned chained = 0;
    for (uint32_t b = 0; b <= sw.mask; b++) {
        unsigned len = 0;
        for (uint32_t i = sw.bucket[b]; i != UINT32_MAX; i = sw.fdb[i].next) {
            if (i >= sw.fdb_max || !sw.fdb[i].vid || ++len > SWITCH_CHAIN_MAX)
                fail("chain", record);
            for (uint32_t j = sw.fdb[i].next; j != UINT32_MAX; j = sw.fdb[j].next)
                if (sw.fdb[j].vid == sw.fdb[i].vid && memcmp(sw.fdb[j].mac, sw.fdb[i].mac, 6) == 0)
                    fail("two entries with one key", record);
        }
        chained += len;
    }
    if (chained != used)
        fail("entries outside their chains", record);
}

/* The frame as port p must get it: `plain` (the received frame without its tag,
 * plen bytes) with a tag of vid and prio inserted where p sends vid tagged. */
static void check_form(const struct sent *s, const uint8_t *plain, uint32_t plen, uint16_t vid,
                       uint16_t prio, bool offloaded, unsigned record)
{
    const uint8_t *b = arena + s->off;
    bool want_tag = vlan[s->port].mode == SWITCH_TRUNK && vlan[s->port].pvid != vid;
    if (s->len < 14 || memcmp(b, plain, 12) != 0)
        fail("addresses changed", record);
    if (want_tag) {
        if (s->len < 18 || get_be16(b + 12) != 0x8100 || get_be16(b + 14) != (prio | vid))
            fail("tag missing or wrong", record);
        if (s->facts.gso_type != OFFLOAD_GSO_NONE || (s->facts.flags & OFFLOAD_NEEDS_CSUM))
            fail("offload facts on a tagged frame", record);
    }
    if (offloaded)
        return;
    uint32_t hdr = want_tag ? 16 : 12;
    if (s->len != plen + (want_tag ? 4 : 0) || memcmp(b + hdr, plain + 12, plen - 12) != 0)
        fail("frame changed", record);
}

static uint8_t stations[8][6];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int at = setup(data, size);
    if (at < 0)
        return 0;
    for (unsigned i = 0; i < 8; i++) {
        memset(stations[i], 0, 6);
        stations[i][0] = 0x52;
        stations[i][5] = (uint8_t)(i + 1);
    }
    size_t pos = (size_t)at;
    uint32_t now = 0;
    static uint8_t plain[SWITCH_SCRATCH + 16];
    for (unsigned record = 0; pos + 4 <= size; record++) {
        uint8_t ctl = data[pos], step = data[pos + 1];
        uint32_t len = (uint32_t)get_be16(data + pos + 2);
        pos += 4;
        if (len > size - pos)
            len = (uint32_t)(size - pos);
        const uint8_t *rec = data + pos;
        pos += len;
        now += step * 4000u;
        unsigned port = (ctl & 7) % n_ports;
        struct offload o;
        memset(&o, 0, sizeof o);
        if (ctl & 0x40) {
            if (len < 8)
                continue;
            o.flags = rec[0];
            o.gso_type = rec[1];
            o.gso_size = get_be16(rec + 2);
            o.csum_start = get_be16(rec + 4);
            o.csum_offset = get_be16(rec + 6);
            rec += 8;
            len -= 8;
        }
        if (len > SWITCH_SCRATCH)
            len = SWITCH_SCRATCH;
        unsigned room = ctl & 0x10 ? 0 : 16;
        uint8_t *buf = malloc(room + len + 1);
        memcpy(buf + room, rec, len);
        uint8_t *frame = buf + room;
        if ((ctl & 0x80) && len >= 12) {
            unsigned d = frame[0] % 10, s = frame[6] % 8;
            if (d < 8)
                memcpy(frame, stations[d], 6);
            else if (d == 8)
                memset(frame, 0xff, 6);
            else if (n_ports)
                memcpy(frame, ep_mac[frame[1] % n_ports], 6);
            memcpy(frame + 6, stations[s], 6);
        }
        if (ctl & 0x40) {
            struct offload_limits lim = {.mtu = 1500, .gso_tcp4 = 1, .gso_ecn = 1};
            enum offload_check c = offload_rx_check(frame, &len, &o, &lim);
            if (c != OFFLOAD_CHECK_OK && c != OFFLOAD_CHECK_FINISHED) {
                free(buf);
                continue;
            }
        }
        bool offloaded = o.gso_type != OFFLOAD_GSO_NONE || (o.flags & OFFLOAD_NEEDS_CSUM);

        bool tagged;
        uint16_t prio;
        uint16_t vid = classify(port, frame, len, &tagged, &prio);
        uint32_t plen = 0;
        if (len >= 14 && len <= sizeof plain) {
            uint32_t skip = tagged ? 4 : 0;
            memcpy(plain, frame, 12);
            memcpy(plain + 12, frame + 12 + skip, len - 12 - skip);
            plen = len - skip;
        }
        uint8_t dst[6] = {0};
        if (len >= 6)
            memcpy(dst, frame, 6);

        n_sent = 0;
        arena_used = 0;
        bool lendable = (ctl & 0x08) != 0;
        struct switch_frame f = {.data = frame, .len = len, .headroom = (uint16_t)room,
                                 .off = o, .lendable = lendable};
        enum switch_result r = switch_input(&sw, port, &f, now);

        if (vid == 0 && n_sent)
            fail("a frame the model drops was sent", record);
        unsigned taken = 0;
        for (unsigned k = 0; k < n_sent; k++) {
            const struct sent *s = &sent[k];
            if (s->port == port)
                fail("sent back out of its ingress port", record);
            if (!member(s->port, vid))
                fail("left its VLAN", record);
            if (endpoint[s->port] && !(dst[0] & 1) && memcmp(dst, ep_mac[s->port], 6) != 0)
                fail("unknown unicast to an endpoint", record);
            if (s->taken) {
                taken++;
                if (k + 1 != n_sent)
                    fail("taken by a port before the last", record);
            }
            if (s->may_take && !lendable)
                fail("may_take for a frame that is not lendable", record);
            check_form(s, plain, plen, vid, prio, offloaded, record);
        }
        if (taken > 1 || (r == SWITCH_TAKEN) != (taken == 1))
            fail("buffers taken", record);
        if (ctl & 0x20)
            switch_expire(&sw, now);
        check_fdb(record);
        free(buf);
    }
    switch_free(&sw);
    return 0;
}
