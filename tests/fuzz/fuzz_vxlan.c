/* Fuzz target: VXLAN decapsulation, learning, head-end replication and
 * encapsulation (net/vxlan.c). Datagrams from one of three remotes or from someone
 * else go through vxlan_decap(), each in a buffer of exactly its length (the
 * sanitizers watch every read); time moves on between records. It aborts when:
 *  - a datagram is accepted though it comes from no remote, is too short or too
 *    long, lacks the I bit or carries another VNI, or refused though it is none of
 *    these (the reference check below is written apart from vxlan.c's);
 *  - the counters do not add up: every datagram received or dropped once;
 *  - right after a frame from a remote with a unicast source MAC is accepted, a
 *    frame to that MAC is not sent to that remote alone;
 *  - vxlan_targets() names anything but configured remotes, or neither one nor all;
 *  - more VTEPs are learned than the table holds;
 *  - an accepted frame, encapsulated again, does not decapsulate to the same bytes.
 *
 * Input: records [ctl][len_hi][len_lo][len bytes]...; ctl bits 0-2: the sender
 * (0..2 the remotes, others not), bits 3-5: milliseconds to move on (0, 1 s, ...,
 * an aging period and more), bit 6: the MACs mapped onto a few stations. */
#include "net/vxlan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VNI 0x00abcdu
static const uint32_t remotes[3] = {0x0a000001u, 0x0a000002u, 0x0a000003u};

static struct vxlan vx;
static uint8_t again[VXLAN_HLEN + VXLAN_FRAME_MAX];

static void fail(const char *what, unsigned record)
{
    fprintf(stderr, "fuzz_vxlan: invariant broken at record %u: %s\n", record, what);
    abort();
}

static uint64_t drops_sum(void)
{
    uint64_t n = 0;
    for (int i = 0; i < VXLAN_DROPS; i++)
        n += vx.stats.drops[i];
    return n;
}

static bool expect_ok(uint32_t src, const uint8_t *d, size_t len)
{
    bool remote = src == remotes[0] || src == remotes[1] || src == remotes[2];
    if (!remote || len < 22 || len > 8 + VXLAN_FRAME_MAX || !(d[0] & 0x08))
        return false;
    return ((uint32_t)d[4] << 16 | (uint32_t)d[5] << 8 | d[6]) == VNI;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t steps[8] = {0, 1, 1000, 60000, VXLAN_AGING_MS - 1, VXLAN_AGING_MS,
                                      0x7fffffffu, 3};
    uint32_t now = 0xfffff000u;          /* the counter wraps within a run */
    uint64_t offered = 0;
    vxlan_init(&vx, VNI, 4789, 4789, remotes, 3);
    for (unsigned rec = 0; size >= 3; rec++) {
        uint8_t ctl = data[0];
        size_t len = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        uint8_t *d = malloc(len ? len : 1);
        if (!d)
            return 0;
        memcpy(d, data, len);
        data += len;
        size -= len;
        if ((ctl & 0x40) && len >= 20) {
            d[8] &= 0x01;
            memset(d + 9, 0, 5);
            d[13] = d[8];
            d[14] = 0x02;
            memset(d + 15, 0, 4);
            d[19] &= 3;
        }
        now += steps[(ctl >> 3) & 7];
        unsigned who = ctl & 7;
        uint32_t src = who < 3 ? remotes[who] : 0x0a000000u + who + 1;
        bool want = expect_ok(src, d, len);
        int off = vxlan_decap(&vx, src, d, len, now);
        offered++;
        if ((off >= 0) != want)
            fail(want ? "a good datagram refused" : "a bad datagram accepted", rec);
        if (vx.stats.rx_datagrams + drops_sum() != offered)
            fail("the counters do not add up", rec);
        if (vxlan_vtep_count(&vx, now) > VXLAN_VTEPS)
            fail("more VTEPs learned than the table holds", rec);
        if (off >= 0) {
            if (off != VXLAN_HLEN)
                fail("the frame not right after the header", rec);
            uint32_t to[VXLAN_REMOTES];
            const uint8_t *frame = d + off;
            if (!(frame[6] & 1)) {
                unsigned n = vxlan_targets(&vx, frame + 6, now, to);
                if (n != 1 || to[0] != src)
                    fail("a learned MAC not sent to its remote alone", rec);
            }
            unsigned n = vxlan_targets(&vx, frame, now, to);
            if (n != 1 && n != 3)
                fail("neither one remote nor all", rec);
            for (unsigned i = 0; i < n; i++)
                if (to[i] != remotes[0] && to[i] != remotes[1] && to[i] != remotes[2])
                    fail("a target that is no remote", rec);
            /* Encapsulated again, split in two segments. */
            struct switch_seg more[1] = {{(uint8_t *)frame + 14, (uint32_t)(len - off - 14)}};
            struct switch_frame f = {.data = (uint8_t *)frame, .len = 14, .more = more, .n_more = 1};
            int el = vxlan_encap(&vx, &f, again, sizeof again);
            if (el != (int)len)
                fail("encapsulated to another length", rec);
            if (memcmp(again + 8, frame, len - 8) != 0 || again[0] != 0x08 ||
                again[4] != (VNI >> 16) || again[5] != ((VNI >> 8) & 0xff) || again[6] != (VNI & 0xff))
                fail("encapsulated to other bytes", rec);
            uint64_t before = vx.stats.rx_datagrams;
            if (vxlan_decap(&vx, src, again, (size_t)el, now) != VXLAN_HLEN || vx.stats.rx_datagrams != before + 1)
                fail("its own encapsulation refused", rec);
            offered++;
        }
        free(d);
    }
    return 0;
}
