/* A UDP tunnel port of a switch, in the format of VirtualBox's UDPTunnel and QEMU's
 * `-netdev dgram` / `-netdev socket,udp=`: each Ethernet frame is one UDP datagram,
 * the frame's bytes and nothing else (no header, no FCS). Pure: what arrives is a
 * source, a port and a length; what leaves is a frame's bytes gathered into one
 * buffer. The glue (lwip-port/tunnel_glue.c) owns the UDP socket.
 *
 * Receiving. A datagram is accepted only from the configured peer (address and
 * port): VirtualBox takes any sender, which lets anyone who can reach the port
 * inject frames into the segment; here every other sender's datagram is dropped and
 * counted, and the last such sender kept for the console. A datagram shorter than
 * an Ethernet header, or longer than the longest frame a port carries
 * (UDPTUN_FRAME_MAX: a jumbo frame with a VLAN tag), is dropped and counted. What is
 * accepted goes to the switch as a frame with no offload facts.
 *
 * Sending. The switch gives a tunnel port only finished frames (its caps are 0: GSO
 * frames are cut into single segments first, partial checksums completed), as
 * VirtualBox's UDPTunnel cuts GSO frames; each becomes one datagram. A frame with
 * offload facts left, or longer than UDPTUN_FRAME_MAX, is refused.
 *
 * MTU. The encapsulation costs 28 bytes (IPv4 and UDP headers) on the underlay
 * beside the 14 of the inner Ethernet header. vmgate does not shrink the segment's
 * MTU for it: a full-size frame (1514 bytes) becomes an outer packet of 1542 bytes,
 * which vmgate's IP layer fragments when the underlay's MTU is smaller, and
 * reassembles when the peer's kernel fragmented it. Guests keep 1500, which is what
 * the peers that speak this format assume (QEMU's dgram netdev and VirtualBox's
 * UDPTunnel both send whole frames over a host's loopback, MTU 65536); README.md
 * says why in full. TCP SYNs crossing have their MSS lowered so that TCP is not
 * fragmented (net/tcp_mss.h; the glue does it, unless mss=off). */
#ifndef VMGATE_UDPTUN_H
#define VMGATE_UDPTUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "switch.h"

#define UDPTUN_OVERHEAD  28                      /* IPv4 + UDP headers */
#define UDPTUN_FRAME_MIN SWITCH_ETH_HLEN
#define UDPTUN_FRAME_MAX (9000 + SWITCH_ETH_HLEN + SWITCH_TAG_LEN)

enum udptun_drop {
    UDPTUN_DROP_PEER,            /* from another address or port than the peer's */
    UDPTUN_DROP_RUNT,            /* shorter than an Ethernet header */
    UDPTUN_DROP_OVERSIZE,        /* longer than UDPTUN_FRAME_MAX */
    UDPTUN_DROP_NOMEM,           /* no buffer to receive or send it in (the glue's) */
    UDPTUN_DROP_TX_OFFLOAD,      /* a frame to send with offload facts left */
    UDPTUN_DROP_TX_OVERSIZE,     /* a frame to send longer than UDPTUN_FRAME_MAX */
    UDPTUN_DROP_TX_ERROR,        /* the underlay refused the datagram (the glue's) */
    UDPTUN_DROPS
};

struct udptun_stats {
    uint64_t rx_datagrams, rx_bytes;    /* accepted */
    uint64_t tx_datagrams, tx_bytes;    /* handed to the underlay */
    uint64_t drops[UDPTUN_DROPS];
    uint32_t last_bad_ip;               /* the last sender that was not the peer */
    uint16_t last_bad_port;
};

struct udptun {
    uint32_t peer_ip;                   /* host order */
    uint16_t peer_port;
    uint16_t local_port;
    struct udptun_stats stats;
};

/* A tunnel with its endpoints, counters zero. */
void udptun_init(struct udptun *t, uint16_t local_port, uint32_t peer_ip, uint16_t peer_port);

/* Decapsulation: whether a datagram of len bytes from src_ip:src_port (host order)
 * holds a frame to switch. true: its payload is the frame, counted as received;
 * false: dropped and counted (the peer first, then the length). */
bool udptun_rx_accept(struct udptun *t, uint32_t src_ip, uint16_t src_port, size_t len);

/* Decapsulation, the frame: the datagram's bytes as a frame for switch_input(), in
 * a buffer with `headroom` writable bytes before data. */
void udptun_rx_frame(uint8_t *data, size_t len, uint16_t headroom, struct switch_frame *f);

/* Encapsulation: the frame's bytes (data, then more[]) into out, which holds cap
 * bytes. Returns the datagram's length, counted as sent, or a negative errno
 * (counted): -EINVAL for offload facts left, -EMSGSIZE for a frame too long for the
 * tunnel or for cap. */
int udptun_encap(struct udptun *t, const struct switch_frame *f, uint8_t *out, size_t cap);

/* The console's words: "wrong-peer", "runt", ... */
const char *udptun_drop_name(enum udptun_drop d);

#endif
