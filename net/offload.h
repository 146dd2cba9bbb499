/* Offload facts about a frame, with the virtio-net header's meaning (virtio 1.1,
 * 5.1.6): a frame may carry a partial checksum (the device or the receiver completes
 * it) or be a GSO frame (a TCP segment up to 64 KiB that the next device or host
 * cuts to gso_size). vmgate forwards such frames whole when it can; these helpers
 * finish the job in software when a frame must go somewhere that cannot:
 * lwIP, or a NIC without the offload. Pure: frames are bytes. */
#ifndef VMGATE_OFFLOAD_H
#define VMGATE_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

#define OFFLOAD_NEEDS_CSUM   0x01       /* checksum at csum_start+csum_offset is partial */
#define OFFLOAD_DATA_VALID   0x02       /* the checksum was verified by the device */

#define OFFLOAD_GSO_NONE     0
#define OFFLOAD_GSO_TCPV4    1
#define OFFLOAD_GSO_UDP      3
#define OFFLOAD_GSO_TCPV6    4
#define OFFLOAD_GSO_ECN      0x80       /* flag: the TCP stream uses ECN (CWR on first only) */

struct offload {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;                   /* Ethernet + IP + TCP header bytes (a hint) */
    uint16_t gso_size;                  /* payload bytes per segment */
    uint16_t csum_start;                /* from the start of the Ethernet frame */
    uint16_t csum_offset;               /* of the checksum field, from csum_start */
};

/* Completes a partial checksum in place: the field holds the pseudo-header sum, the
 * bytes from csum_start to the end are added and the complement is stored.
 * 0, or -EINVAL when the offsets do not fit in the frame. */
int offload_csum_complete(uint8_t *frame, size_t len, const struct offload *o);

/* Cuts a TCP/IPv4 GSO frame (Ethernet + IPv4 + TCP + payload) into frames carrying at
 * most gso_size payload bytes, each built in `out` (cap bytes) with its own IP total
 * length, IP ID (consecutive), IP checksum, TCP sequence number, flags (FIN and PSH
 * on the last only, CWR on the first only) and complete TCP checksum, then passed to
 * emit; emit's non-zero return stops the cutting and is returned. Returns 0, or
 * -EINVAL for a frame that is not a well-formed TCP/IPv4 GSO frame. */
int offload_tcp4_segment(const uint8_t *frame, size_t len, const struct offload *o,
                         uint8_t *out, size_t cap,
                         int (*emit)(void *ctx, uint8_t *seg, size_t len), void *ctx);

#endif
