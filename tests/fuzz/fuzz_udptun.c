/* Fuzz target: UDP tunnel decapsulation and encapsulation (net/udptun.c) as a port
 * of a switch (net/switch.c), as lwip-port/tunnel_glue.c makes it: caps 0, a jumbo
 * frame's MTU. Datagrams arrive from the peer or from someone else and go through
 * udptun_rx_accept() and into the switch; frames from a plain port (with offload
 * facts checked as the NIC core checks them) go out of the tunnel through
 * udptun_encap(). Besides the sanitizers (each datagram sits in a buffer of exactly
 * its length plus headroom), it aborts when:
 *  - a datagram is accepted from anyone but the peer, or of a length outside
 *    UDPTUN_FRAME_MIN..UDPTUN_FRAME_MAX, or refused though it is neither;
 *  - a refused datagram reaches any port, or changes the FDB;
 *  - the counters do not add up: every datagram offered is received or dropped
 *    once, with its bytes;
 *  - a datagram the tunnel sends is not the frame the switch gave it, byte for
 *    byte, is longer than UDPTUN_FRAME_MAX, or the switch ever hands the tunnel a
 *    frame with offload facts (it has no caps: GSO frames must be cut first).
 *
 * Input: records [ctl][len_hi][len_lo][len bytes]...
 *   ctl bits 0-1: the sender (0 the peer, 1 another address, 2 another port, 3 both);
 *   bit 2: from the plain port instead (then the sender bits are ignored); bit 3:
 *   the first 8 bytes are offload facts (flags, gso type, gso size, csum start,
 *   csum offset; 16-bit big-endian), plain port only; bit 4: lendable; bit 5: the
 *   MACs are mapped onto a few stations (bytes 0 and 6 choose), so frames find
 *   learned destinations. */
#include "fuzz_port.h"
#include "net/bytes.h"
#include "net/offload.h"
#include "net/switch.h"
#include "net/udptun.h"

#include "arch/cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEER_IP   0xc0a83c01u
#define PEER_PORT 4445
#define HEADROOM  16

static struct eth_switch sw;
static struct udptun tun;
static unsigned sent_plain, sent_tunnel;
static uint64_t offered, offered_bytes;

static void fail(const char *what, unsigned record)
{
    fprintf(stderr, "fuzz_udptun: invariant broken at record %u: %s\n", record, what);
    abort();
}

static unsigned record_no;

static int plain_tx(struct switch_port *p, struct switch_frame *f, bool may_take)
{
    sent_plain++;
    return SWITCH_SENT;
}

static int tunnel_tx(struct switch_port *p, struct switch_frame *f, bool may_take)
{
    static uint8_t out[UDPTUN_FRAME_MAX + 64], gathered[UDPTUN_FRAME_MAX + 64];
    if (f->off.gso_type != OFFLOAD_GSO_NONE || (f->off.flags & OFFLOAD_NEEDS_CSUM))
        fail("the tunnel was handed a frame with offload facts", record_no);
    uint32_t len = switch_frame_len(f);
    int n = udptun_encap(&tun, f, out, sizeof out);
    if (len > UDPTUN_FRAME_MAX) {
        if (n >= 0)
            fail("an oversize frame became a datagram", record_no);
        return n;
    }
    if (n != (int)len)
        fail("encapsulation lost or added bytes", record_no);
    memcpy(gathered, f->data, f->len);
    uint32_t at = f->len;
    for (unsigned i = 0; i < f->n_more; i++) {
        memcpy(gathered + at, f->more[i].data, f->more[i].len);
        at += f->more[i].len;
    }
    if (memcmp(out, gathered, len) != 0)
        fail("the datagram is not the frame", record_no);
    sent_tunnel++;
    return SWITCH_SENT;
}

static unsigned fdb_live(void)
{
    return sw.fdb_count;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    fuzz_random_seed(7);
    struct switch_limits lim = {64, 32, 30000};
    if (switch_init(&sw, "f", &lim, vmgate_random32_cb, NULL) != 0)
        abort();
    struct switch_port_conf plain = {"p0", plain_tx, NULL, 0, 0, NULL};
    struct switch_port_conf tc = {"t0", tunnel_tx, NULL, 0, UDPTUN_FRAME_MAX - 18, NULL};
    if (switch_add_port(&sw, &plain) != 0 || switch_add_port(&sw, &tc) != 1)
        abort();
    udptun_init(&tun, 4444, PEER_IP, PEER_PORT);
    offered = offered_bytes = 0;
    uint32_t now = 0;
    size_t at = 0;
    for (record_no = 0; at + 3 <= n; record_no++) {
        uint8_t ctl = d[at];
        size_t len = get_be16(d + at + 1);
        at += 3;
        if (len > n - at)
            len = n - at;
        const uint8_t *rec = d + at;
        at += len;
        uint8_t *buf = malloc(HEADROOM + len + 1);
        if (!buf)
            abort();
        memcpy(buf + HEADROOM, rec, len);
        uint8_t *frame = buf + HEADROOM;
        if ((ctl & 0x20) && len >= 12) {
            static const uint8_t st[4][6] = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2},
                                             {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {2, 0, 0, 0, 0, 3}};
            uint8_t a = frame[0] & 3, b = frame[6] & 1 ? 1 : 3;
            memcpy(frame, st[a], 6);
            memcpy(frame + 6, st[b], 6);
        }
        now += 100;
        sent_plain = sent_tunnel = 0;
        if (ctl & 0x04) {
            struct switch_frame f = {0};
            uint8_t *data = frame;
            uint32_t flen = (uint32_t)len;
            if ((ctl & 0x08) && len >= 8) {
                f.off.flags = data[1];
                f.off.gso_type = data[3];
                f.off.gso_size = get_be16(data + 4);
                f.off.csum_start = get_be16(data + 6);
                f.off.csum_offset = len >= 10 ? get_be16(data + 8) : 0;
                data += 8;
                flen -= 8;
                struct offload_limits ol = {1500, true, true};
                enum offload_check c = offload_rx_check(data, &flen, &f.off, &ol);
                if (c != OFFLOAD_CHECK_OK && c != OFFLOAD_CHECK_FINISHED) {
                    free(buf);
                    continue;
                }
            }
            f.data = data;
            f.len = flen;
            f.headroom = (uint16_t)(data - buf);
            f.lendable = (ctl & 0x10) != 0;
            switch_input(&sw, 0, &f, now);
            if (sent_plain)
                fail("a frame went back out of its own port", record_no);
        } else {
            uint32_t src = PEER_IP ^ ((ctl & 1) ? 0x100u : 0);
            uint16_t sport = (uint16_t)(PEER_PORT + ((ctl & 2) ? 1 : 0));
            bool should = (ctl & 3) == 0 && len >= UDPTUN_FRAME_MIN && len <= UDPTUN_FRAME_MAX;
            unsigned before = fdb_live();
            uint64_t learned = sw.stats.learned + sw.stats.moved;
            offered++;
            offered_bytes += len;
            bool ok = udptun_rx_accept(&tun, src, sport, len);
            if (ok != should)
                fail(ok ? "a datagram accepted that must be dropped" : "the peer's datagram dropped",
                     record_no);
            if (ok) {
                struct switch_frame f;
                udptun_rx_frame(frame, len, HEADROOM, &f);
                f.lendable = (ctl & 0x10) != 0;
                switch_input(&sw, 1, &f, now);
                if (sent_tunnel)
                    fail("a frame went back into the tunnel", record_no);
            } else if (sent_plain || sent_tunnel || fdb_live() != before ||
                       sw.stats.learned + sw.stats.moved != learned) {
                fail("a dropped datagram reached the switch", record_no);
            }
            const struct udptun_stats *s = &tun.stats;
            uint64_t dropped = s->drops[UDPTUN_DROP_PEER] + s->drops[UDPTUN_DROP_RUNT] +
                               s->drops[UDPTUN_DROP_OVERSIZE];
            if (s->rx_datagrams + dropped != offered)
                fail("datagrams offered and counted differ", record_no);
            if (s->rx_bytes > offered_bytes)
                fail("more bytes received than offered", record_no);
        }
        if (tun.stats.drops[UDPTUN_DROP_TX_OFFLOAD])
            fail("a frame with offload facts reached encapsulation", record_no);
        free(buf);
    }
    switch_free(&sw);
    return 0;
}
