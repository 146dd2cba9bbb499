/* Fuzz target: the offload helpers (net/offload.c), which read frames whose
 * headers came from a device or a guest. The first 12 bytes of an input are the
 * offload facts (as a virtio-net header would carry them), the rest is the frame.
 * Besides the sanitizers, every segment emitted must be a frame no longer than the
 * output buffer and carrying no more than gso_size payload bytes. */
#include "net/offload.h"
#include "net/pmtu.h"
#include "net/icmp_err.h"
#include "net/csum.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint8_t out[16384];
static size_t gso_size_seen;

static int check_segment(void *ctx, uint8_t *seg, size_t len)
{
    if (seg != out || len > sizeof out || len < 14 + 40)
        abort();
    /* Payload = length minus Ethernet, IP and TCP headers as the segment states them. */
    size_t ihl = (size_t)(seg[14] & 0x0f) * 4, thl = (size_t)(seg[14 + ihl + 12] >> 4) * 4;
    if (14 + ihl + thl > len || len - 14 - ihl - thl > gso_size_seen)
        abort();
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
    free(frame);
    return 0;
}
