/* A VXLAN tunnel port of a switch (RFC 7348), interoperating with a Linux `vxlan`
 * device: each Ethernet frame is one UDP datagram to dport (4789, IANA's; Linux's
 * own default is 8472) holding an 8-byte VXLAN header and then the frame. Pure: the
 * glue (lwip-port/tunnel_glue.c) owns the UDP socket and sends what this decides.
 *
 * The header (RFC 7348 5): byte 0 the flags, of which the I bit (0x08) must be set
 * for the VNI to be valid; bytes 4..6 the 24-bit VNI; every other bit reserved, sent
 * as 0 and ignored on receive, as the RFC says.
 *
 * Receiving. A datagram is accepted only from one of the configured remotes (by
 * address: a Linux VTEP sends from a source port hashed per flow, so the port is
 * not checked); others are dropped and counted, the last such sender kept. Then the
 * header: shorter than header and an Ethernet header, the I bit clear, another VNI,
 * or longer than VXLAN_FRAME_MAX inside are dropped and counted. Accepted, the
 * inner source MAC (when unicast) is learned as behind that remote. A zero outer
 * UDP checksum (RFC 7348 5 lets a VTEP send one, Linux does by default) and a
 * non-zero one (checked by lwIP's UDP input) are both accepted.
 *
 * Sending (head-end replication). A frame to a broadcast or multicast MAC, or to a
 * unicast MAC not learned (or whose entry has aged out), goes to every remote, one
 * datagram each; a frame to a learned MAC goes only to the remote it was learned
 * behind. The table is bounded (VXLAN_VTEPS entries); when full, the oldest entry
 * gives way. Entries age as the switch's FDB entries (VXLAN_AGING_MS).
 *
 * MTU. The encapsulation costs 50 bytes on the underlay (outer IPv4 20, UDP 8,
 * VXLAN 8, the inner Ethernet header 14): a full-size 1500-byte inner packet is a
 * 1550-byte outer one, which vmgate's IP layer fragments where the underlay's MTU
 * is smaller, as for the UDP tunnel (net/udptun.h, README.md). */
#ifndef VMGATE_VXLAN_H
#define VMGATE_VXLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "switch.h"

#define VXLAN_HLEN       8
#define VXLAN_FLAG_I     0x08
#define VXLAN_OVERHEAD   50                      /* IPv4 + UDP + VXLAN + inner Ethernet */
#define VXLAN_FRAME_MAX  (9000 + SWITCH_ETH_HLEN + SWITCH_TAG_LEN)
#define VXLAN_REMOTES    8
#define VXLAN_VTEPS      64
#define VXLAN_AGING_MS   300000u

enum vxlan_drop {
    VXLAN_DROP_REMOTE,           /* from an address that is no configured remote */
    VXLAN_DROP_RUNT,             /* shorter than the VXLAN and an Ethernet header */
    VXLAN_DROP_FLAGS,            /* the I bit clear: no valid VNI */
    VXLAN_DROP_VNI,              /* another VNI than the tunnel's */
    VXLAN_DROP_OVERSIZE,         /* an inner frame longer than VXLAN_FRAME_MAX */
    VXLAN_DROP_NOMEM,            /* no buffer to receive or send it in (the glue's) */
    VXLAN_DROP_TX_OFFLOAD,       /* a frame to send with offload facts left */
    VXLAN_DROP_TX_OVERSIZE,      /* a frame to send longer than VXLAN_FRAME_MAX */
    VXLAN_DROP_TX_ERROR,         /* the underlay refused a datagram (the glue's) */
    VXLAN_DROPS
};

struct vxlan_stats {
    uint64_t rx_datagrams, rx_bytes;    /* accepted: datagrams, inner frame bytes */
    uint64_t tx_datagrams, tx_bytes;    /* handed to the underlay (the glue counts) */
    uint64_t tx_flooded, tx_unicast;    /* frames sent to every remote / to one */
    uint64_t drops[VXLAN_DROPS];
    uint64_t vtep_evictions;            /* learned entries pushed out by a full table */
    uint32_t last_bad_ip;               /* the last sender that was no remote */
};

struct vxlan_vtep {
    uint8_t mac[6];
    bool used;
    uint32_t remote;                    /* host order */
    uint32_t seen_ms;
};

struct vxlan {
    uint32_t vni;
    uint16_t local_port, dport;
    uint32_t remote[VXLAN_REMOTES];     /* host order */
    unsigned n_remotes;
    uint32_t aging_ms;
    struct vxlan_vtep vtep[VXLAN_VTEPS];
    struct vxlan_stats stats;
};

/* A tunnel with its VNI, ports and remotes (at most VXLAN_REMOTES kept), counters
 * zero, nothing learned, entries aging after VXLAN_AGING_MS. */
void vxlan_init(struct vxlan *v, uint32_t vni, uint16_t local_port, uint16_t dport,
                const uint32_t *remotes, unsigned n_remotes);

/* Decapsulation of a datagram of len bytes at d from src_ip (host order) at now_ms:
 * the offset of the inner frame in d (VXLAN_HLEN), counted as received and its
 * source MAC learned, or a negative errno, dropped and counted by reason (the
 * remote first, then the length, the flags, the VNI, the inner length). */
int vxlan_decap(struct vxlan *v, uint32_t src_ip, const uint8_t *d, size_t len, uint32_t now_ms);

/* Where a frame to dst_mac goes at now_ms: the remotes' addresses written to
 * out[VXLAN_REMOTES], their number returned (every remote, or the one learned). */
unsigned vxlan_targets(struct vxlan *v, const uint8_t dst_mac[6], uint32_t now_ms,
                       uint32_t out[VXLAN_REMOTES]);

/* Encapsulation: the VXLAN header and the frame's bytes (data, then more[]) into
 * out, which holds cap bytes. Returns the datagram's length or a negative errno
 * (counted): -EINVAL for offload facts left, -EMSGSIZE for a frame too long for the
 * tunnel or for cap. */
int vxlan_encap(struct vxlan *v, const struct switch_frame *f, uint8_t *out, size_t cap);

/* The number of learned entries not aged out at now_ms. */
unsigned vxlan_vtep_count(const struct vxlan *v, uint32_t now_ms);

/* The console's words: "wrong-remote", "runt", ... */
const char *vxlan_drop_name(enum vxlan_drop d);

#endif
