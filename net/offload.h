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

/* Segments may carry no fewer payload bytes than this: a GSO frame is cut into
 * len / gso_size frames by whoever finishes it (vmgate in software, or the next
 * device), so a guest's gso_size 1 would make one 64 KiB frame 65,000 frames.
 * 88 is the smallest MSS a TCP stack must accept (the minimum IPv4 MTU of 68
 * with room for IP and TCP options: (60 + 60 + 8) - (20 + 20)); Linux refuses
 * smaller ones too. So a frame makes at most 745 segments. */
#define OFFLOAD_GSO_MIN_SIZE 88

/* What offload_rx_check() made of a received frame's offload facts. */
enum offload_check {
    OFFLOAD_CHECK_OK = 0,       /* consistent with the frame: forward it as it is */
    OFFLOAD_CHECK_FINISHED,     /* a partial checksum not at a TCP/UDP checksum of an
                                   IPv4 packet: completed in software, flag cleared */
    /* Refused: the frame is to be dropped and counted. */
    OFFLOAD_BAD_CSUM_RANGE,     /* the checksum's start or field outside the frame */
    OFFLOAD_BAD_GSO_TYPE,       /* a GSO type the NIC did not take on, or that is not
                                   the packet's protocol (TCP over IPv4) */
    OFFLOAD_BAD_GSO_SIZE,       /* gso_size under OFFLOAD_GSO_MIN_SIZE, or segments
                                   bigger than the link's MTU */
    OFFLOAD_BAD_GSO_FRAME,      /* a GSO frame that is not one whole TCP/IPv4 segment
                                   with its partial checksum at the TCP checksum */
    OFFLOAD_CHECKS
};

/* What the receiving NIC agreed to take (its negotiated offloads) and its MTU. */
struct offload_limits {
    uint16_t mtu;
    uint8_t gso_tcp4;           /* may receive TCP/IPv4 GSO frames */
    uint8_t gso_ecn;            /* ... with the ECN flag */
};

/* Checks the offload facts a device (on behalf of a guest: untrusted) gave with a
 * received frame against the frame itself and what the NIC negotiated, before
 * anything trusts them: a field that decides where the next device writes must
 * point where it is meant to, since NAT rewrites the packet in between.
 *  - Flags other than NEEDS_CSUM and DATA_VALID are cleared.
 *  - A partial checksum must lie inside the frame. It stays partial only at the
 *    TCP (offset 16) or UDP (offset 6) checksum of a whole, unfragmented IPv4
 *    packet whose header checks (net/ip4.h); anywhere else (IPv6, another
 *    protocol) it is completed here, so no later device writes there.
 *  - A GSO frame must be TCP/IPv4 (ECN only where negotiated) with a partial
 *    checksum at its TCP checksum, gso_size at least OFFLOAD_GSO_MIN_SIZE and
 *    segments (IP + TCP headers + gso_size) within mtu.
 *  - Frames that keep an offload are trimmed to their IP length (*len: link
 *    padding would be summed into the checksum) and get hdr_len recomputed from
 *    their headers (it is passed to the next device).
 * Returns OFFLOAD_CHECK_OK or _FINISHED (the frame may go on), or a refusal. */
enum offload_check offload_rx_check(uint8_t *frame, uint32_t *len, struct offload *o,
                                    const struct offload_limits *lim);

/* The counters' name of a result ("ok", "csum-range", ...). */
const char *offload_check_name(enum offload_check c);

/* Completes a partial checksum in place: the field holds the pseudo-header sum, the
 * bytes from csum_start to the end are added and the complement is stored.
 * 0, or -EINVAL when the offsets do not fit in the frame. */
int offload_csum_complete(uint8_t *frame, size_t len, const struct offload *o);

/* A GSO frame's partial TCP checksum in the form devices whose TSO adds each
 * segment's length want (the e1000's): the pseudo-header sum without the TCP
 * length, instead of with the whole frame's (virtio's form, what offload_rx_check
 * let through). In place; 0, or -EINVAL for a frame whose IPv4 header and checksum
 * field do not fit in len. */
int offload_phdr_drop_len(uint8_t *frame, size_t len, const struct offload *o);

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
