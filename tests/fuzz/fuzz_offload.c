/* Fuzz target: the offload helpers (net/offload.c), which read frames whose
 * headers came from a device or a guest. The first 12 bytes of an input are the
 * offload facts (as a virtio-net header would carry them; bytes 10-11 are the
 * receiving NIC's MTU, 68..16383, and in bits 14-15 its TSO and ECN), the rest is
 * the frame. Besides the sanitizers, every segment emitted must be a frame no
 * longer than the output buffer and carrying no more than gso_size payload bytes;
 * the raw facts go through every helper as they are (nothing may trust them),
 * then offload_rx_check() judges them, and facts it lets through must keep its
 * promises: a partial checksum only at the TCP/UDP checksum of the IPv4 packet,
 * a GSO frame that segments without error into at most 65535 / 88 + 1 segments
 * within the MTU. */
#include "net/offload.h"
#include "net/pmtu.h"
#include "net/icmp_err.h"
#include "net/csum.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint8_t out[16384];
static size_t gso_size_seen;
static unsigned segments;

static int check_segment(void *ctx, uint8_t *seg, size_t len)
{
    if (seg != out || len > sizeof out || len < 14 + 40)
        abort();
    /* Payload = length minus Ethernet, IP and TCP headers as the segment states them. */
    size_t ihl = (size_t)(seg[14] & 0x0f) * 4, thl = (size_t)(seg[14 + ihl + 12] >> 4) * 4;
    if (14 + ihl + thl > len || len - 14 - ihl - thl > gso_size_seen)
        abort();
    segments++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 12)
        return 0;
    struct offload o;
    o.flags = data[0];
    o.gso_type = data[1];
    o.hdr_len = (uint16_t)(data[2] | data[3] << 8);
    o.gso_size = (uint16_t)(data[4] | data[5] << 8);
    o.csum_start = (uint16_t)(data[6] | data[7] << 8);
    o.csum_offset = (uint16_t)(data[8] | data[9] << 8);
    const struct offload raw = o;
    size_t len = size - 12;
    /* An exact-size heap copy, so ASan sees a read one byte past the frame. */
    uint8_t *frame = malloc(len ? len : 1);
    memcpy(frame, data + 12, len);
    gso_size_seen = o.gso_size;
    offload_tcp4_segment(frame, len, &o, out, sizeof out, check_segment, NULL);
    offload_csum_complete(frame, len, &o);
    /* Path MTU's reading of the same frame's IP packet (net/pmtu.h). */
    if (len > 14) {
        struct icmp_quote q;
        uint8_t msg[ICMP_ERR_HDR_LEN + ICMP_QUOTE_MAX];
        uint32_t src;
        if (pmtu_wire_len(frame + 14, len - 14, &o) > len - 14)
            abort();
        icmp_quote_save(&q, frame + 14, len - 14);
        if (q.len > ICMP_QUOTE_MAX || q.len > len - 14)
            abort();
        if (q.len && memcmp(q.b, frame + 14, q.len) != 0)
            abort();
        (void)icmp_quote_answerable(&q, &src);
        if (csum_fold(csum_partial(0, msg, icmp_error_build(msg, ICMP_TYPE_DEST_UNREACH,
                                                            ICMP_CODE_FRAG_NEEDED, o.gso_size, &q))) != 0xffff)
            abort();
    }

    /* The check, then what it promises. */
    memcpy(frame, data + 12, len);
    o = raw;
    uint16_t lim_word = (uint16_t)(data[10] | data[11] << 8);
    struct offload_limits lim = {.mtu = (uint16_t)(68 + (lim_word & 0x3fff) % (16384 - 68)),
                                 .gso_tcp4 = (lim_word >> 14) & 1, .gso_ecn = lim_word >> 15};
    uint32_t clen = (uint32_t)len;
    enum offload_check c = offload_rx_check(frame, &clen, &o, &lim);
    if ((unsigned)c >= OFFLOAD_CHECKS || clen > len)
        abort();
    if (c == OFFLOAD_CHECK_OK || c == OFFLOAD_CHECK_FINISHED) {
        if (c == OFFLOAD_CHECK_FINISHED && (o.flags & OFFLOAD_NEEDS_CSUM))
            abort();
        if (o.flags & OFFLOAD_NEEDS_CSUM) {
            size_t ihl = (size_t)(frame[14] & 0x0f) * 4;
            uint8_t proto = frame[14 + 9];
            if (o.csum_start != 14 + ihl || (proto == 6 ? o.csum_offset != 16
                                                         : proto != 17 || o.csum_offset != 6) ||
                (size_t)o.csum_start + o.csum_offset + 2 > clen)
                abort();
            if (offload_csum_complete(frame, clen, &o) != 0)
                abort();
        }
        if (o.gso_type != OFFLOAD_GSO_NONE) {
            size_t ihl = (size_t)(frame[14] & 0x0f) * 4, thl = (size_t)(frame[14 + ihl + 12] >> 4) * 4;
            if (!lim.gso_tcp4 || o.gso_size < OFFLOAD_GSO_MIN_SIZE || ihl + thl + o.gso_size > lim.mtu)
                abort();
            memcpy(frame, data + 12, clen);            /* the partial checksum back */
            segments = 0;
            gso_size_seen = o.gso_size;
            if (offload_tcp4_segment(frame, clen, &o, out, sizeof out, check_segment, NULL) != 0 ||
                segments > 65535 / OFFLOAD_GSO_MIN_SIZE + 1)
                abort();
        }
    }
    free(frame);
    return 0;
}
