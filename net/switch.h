/* A learning Ethernet switch with 802.1Q VLANs: the one L2 implementation behind
 * internal networks (`nicN intnet NAME`: NIC ports only) and NAT Networks (NIC ports
 * and vmgate's own router port). Pure: frames are bytes, time is a number the caller
 * passes, randomness a callback; it builds and tests on the host. The glue
 * (lwip-port/switch_glue.c) makes ports of NICs and of an lwIP netif.
 *
 * PORTS. A port is what the switch sends frames to and receives frames from; the
 * switch does not know what is behind it. A port is
 *  - a name (for the console: "nic1", "vmgate", later "t0"),
 *  - a transmit function, called with a frame in exactly the form it is to leave by
 *    (the port's VLAN tag pushed or popped already) and whether it may take the
 *    frame's buffers (see "Buffers"); it returns SWITCH_SENT (it copied the bytes),
 *    SWITCH_TAKEN (it took the buffers: only where it was allowed to) or a negative
 *    errno (counted as a transmit drop on the port),
 *  - what offloads its transmit takes (SWITCH_CAP_*: without a cap the switch
 *    finishes that offload in software first, so a port that knows nothing of
 *    offloads gets only whole frames with complete checksums),
 *  - an MTU (0: none) beyond which frames are not sent to it (counted),
 *  - its VLAN mode (access or trunk, below),
 *  - optionally a MAC of its own: such an "endpoint" port is one station, not a
 *    segment (vmgate's router netif): its MAC is known without learning, frames from
 *    other ports claiming it as source are dropped, and unknown unicast is not
 *    flooded to it (it would drop them anyway; lwIP must not see guests' frames),
 *  - counters (struct switch_port_stats), kept by the switch.
 * Frames from a port enter through one function, switch_input(). A UDP tunnel or a
 * VXLAN remote (issue 17, part B) is a port like a NIC: its transmit puts the frame's
 * bytes (data, then more[]) into one datagram and sends it, its caps are 0 (the
 * switch cuts GSO frames and completes checksums for it, as VirtualBox's UDPTunnel
 * cuts GSO frames), its MTU the underlay's less the encapsulation, and each datagram
 * it receives becomes one switch_input() call. A port that is up but cannot send now
 * (link down, no underlay) is set down: it gets no frames and forgets what it learned.
 *
 * FORWARDING. A frame is checked (length, tag, source MAC: multicast, broadcast and
 * all-zero sources are dropped, as no station sends from them), assigned a VLAN by the
 * ingress port's mode, its source learned in that VLAN, and then sent
 *  - to the port its destination was learned on in that VLAN (dropped if that is the
 *    ingress port: the destination is on the segment the frame came from), or to the
 *    endpoint port whose MAC it is;
 *  - else flooded, if broadcast, multicast or unknown unicast, to every other port
 *    that is up and a member of the VLAN (unknown unicast not to endpoint ports).
 * Never back out of the ingress port, never to a port outside the frame's VLAN: the
 * forwarding database is keyed by (VLAN, MAC) (independent VLAN learning), so a MAC
 * learned in one VLAN says nothing about another. Frames to 01:80:c2:00:00:00-0f (the
 * IEEE's link-local group: STP, LACP, 802.1X, LLDP) are not forwarded, as 802.1Q
 * requires of a bridge that does not speak those protocols. There is no spanning
 * tree: two ports joined outside vmgate make a loop (the console's MAC moves show it).
 *
 * VLANS (VDE's model: vde_switch's port/setvlan and vlan/addport). A port is
 *  - ACCESS in one VLAN (1..4094; 1 by default): it sends and receives untagged.
 *    A tagged frame arriving there is dropped unless its tag is a priority tag
 *    (VLAN 0, 802.1Q 6.9.1), which belongs to the port's VLAN.
 *  - TRUNK: it carries a set of VLANs tagged and at most one native VLAN untagged.
 *    Untagged (and priority-tagged) frames arriving belong to the native VLAN, or
 *    are dropped where there is none; a tagged frame of a VLAN it does not carry is
 *    dropped; the native VLAN's frames leave untagged, the others' with their tag.
 * A tag is pushed (TPID 0x8100, with the priority the frame arrived with: 0 if it
 * came untagged) or popped, or its VLAN ID rewritten, in place as the frame goes to
 * each port. VLAN ID 4095 and a
 * tag cut short are malformed: dropped and counted. A frame with two tags (802.1ad
 * TPID 0x88a8 outside, or 0x8100 twice) is switched on its outer tag only; the inner
 * one is payload. Frames leave tagged only finished (no GSO, checksums complete): no
 * device's offload or vmgate's software segmentation is asked to look past a tag.
 *
 * THE FORWARDING DATABASE (FDB) is bounded twice: at most fdb_max entries in all, and
 * at most port_fdb_max learned from one port. It is a SipHash-1-3 table (a secret key
 * from the caller's random source, as net/nat_table.h's), with chains of at most
 * SWITCH_CHAIN_MAX, so a lookup never walks more than that whatever the traffic.
 * Entries age: one not refreshed by a frame from its MAC for aging_ms (300 s by
 * default, 802.1Q's default) is gone, exactly at that age, whether or not
 * switch_expire() has run (a lookup that finds it expired removes it).
 * When a limit is reached, new MACs are REFUSED, not made room for: the frame is
 * still forwarded, the refusal counted (on the switch and the port), and frames to
 * that MAC are flooded (in its VLAN) until a slot frees (an expired entry's slot is
 * free once switch_expire() has run, within a second in the appliance: learning
 * never walks the table). Why not evict the oldest:
 *  - eviction hands the table to whoever sends the most new source MACs; a guest
 *    flooding random sources (the classic "MAC flooding" attack, which makes a switch
 *    flood everything so the attacker can read others' traffic) would push out every
 *    honest entry. Refusal keeps what was learned first, and the per-port limit keeps
 *    one port from ever filling the table: with the defaults, a port may hold a
 *    quarter of it, so an attacker on one port leaves the others their entries, and
 *    their unicast is still sent only where it belongs.
 *  - refusal costs an honest station nothing it did not have: its frames are still
 *    delivered, by flooding in its VLAN, as to any unknown destination; and entries
 *    age, so a station that stays is learned once a slot frees.
 *  - it needs no order among entries, so learning is one chain walk.
 * A MAC MOVE (a known MAC seen on another port in the same VLAN: a guest that moved,
 * or one that claims another's address) moves the entry and counts it on the switch
 * and on the port it moved to; if that port is at its limit the entry is removed
 * instead (frames to the MAC are flooded), since keeping it would send them to the
 * port the MAC left.
 *
 * BUFFERS. A frame's first buffer (data, len) holds the Ethernet header (and its tag),
 * is writable, and has `headroom` writable bytes before it; more[] are read-only
 * further bytes (a frame spread over receive buffers). Tags are pushed into the
 * headroom, or, where there is less than 4 bytes of it, into a copy of the first
 * buffer in the switch's own scratch. If the caller marks the frame `lendable`, the
 * last port it goes to may take its buffers (a NIC lends them to its transmit ring);
 * every other port copies. switch_input() says whether the buffers were taken. A GSO
 * frame goes whole only to a port that takes GSO frames and may take the buffers;
 * any other port gets its segments (built in the scratch, never lendable).
 *
 * WORK PER FRAME is bounded: a header parse, one learning and one lookup walk of at
 * most SWITCH_CHAIN_MAX entries, at most SWITCH_PORTS_MAX transmissions, and for a
 * GSO frame that must be cut, one pass over its bytes per port that needs it.
 * switch_input() may be re-entered from a port's transmit (vmgate's router netif
 * answers ARP while it is handed a frame) up to SWITCH_NEST_MAX deep; deeper frames
 * are dropped and counted. Not thread-safe: one caller (the main loop). */
#ifndef VMGATE_SWITCH_H
#define VMGATE_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offload.h"
#include "rng.h"
#include "siphash.h"

#define SWITCH_PORTS_MAX        16
#define SWITCH_NAME_MAX         32      /* names hold at most 31 characters */
#define SWITCH_VID_MAX          4094
#define SWITCH_VID_DEFAULT      1
#define SWITCH_CHAIN_MAX        8
#define SWITCH_NEST_MAX         3
#define SWITCH_FDB_DEFAULT      1024
#define SWITCH_PORT_FDB_DEFAULT 256     /* a quarter of the default table */
#define SWITCH_FDB_MIN          16
#define SWITCH_FDB_LIMIT        65536   /* the most fdb_max may be */
#define SWITCH_AGING_DEFAULT_MS 300000u /* 802.1Q's default ageing time */
#define SWITCH_AGING_MIN_MS     1000u
#define SWITCH_AGING_MAX_MS     (86400u * 1000u)
/* The longest first buffer that can be copied to push a tag, and the longest
 * segment the switch cuts: a jumbo frame with its tag. */
#define SWITCH_SCRATCH          (9216 + 64)

#define SWITCH_ETH_HLEN   14
#define SWITCH_TAG_LEN    4
#define SWITCH_TPID       0x8100

/* What a port's transmit takes besides whole frames (see PORTS). */
#define SWITCH_CAP_CSUM     0x01        /* frames with a partial checksum (NEEDS_CSUM) */
#define SWITCH_CAP_GSO_TCP4 0x02        /* TCP/IPv4 GSO frames (when it may take them) */
#define SWITCH_CAP_GSO_ECN  0x04        /* ... with the ECN flag */

enum switch_vlan_mode {
    SWITCH_ACCESS,
    SWITCH_TRUNK,
};

/* A port's VLAN membership. ACCESS: pvid is its VLAN, tagged[] unused. TRUNK: pvid is
 * the native VLAN (0: none), tagged[] the VLANs carried tagged (bit v of word v/64;
 * never the native one, bits 0 and 4095 never set). */
struct switch_vlan {
    enum switch_vlan_mode mode;
    uint16_t pvid;
    uint64_t tagged[64];
};

/* Why a frame was dropped, counted on the port where it happened. */
enum switch_drop {
    SWITCH_DROP_RUNT,            /* shorter than an Ethernet header */
    SWITCH_DROP_BAD_TAG,         /* 802.1Q tag cut short, or VLAN ID 4095 */
    SWITCH_DROP_SRC_MAC,         /* source multicast, broadcast or all zero */
    SWITCH_DROP_SRC_OWN,         /* source is an endpoint port's own MAC */
    SWITCH_DROP_UNTAGGED,        /* untagged on a trunk without a native VLAN */
    SWITCH_DROP_NOT_MEMBER,      /* tagged with a VLAN the port does not carry */
    SWITCH_DROP_LINK_LOCAL,      /* to 01:80:c2:00:00:0x, never forwarded */
    SWITCH_DROP_SAME_PORT,       /* its destination is on the port it came from */
    SWITCH_DROP_PORT_DOWN,       /* from a port that is down, or to one */
    SWITCH_DROP_NESTED,          /* re-entered deeper than SWITCH_NEST_MAX */
    SWITCH_DROP_MTU,             /* longer than the egress port's MTU */
    SWITCH_DROP_OFFLOAD,         /* offload facts that could not be finished */
    SWITCH_DROP_TX,              /* the egress port's transmit refused it */
    SWITCH_DROPS
};

/* Further bytes of a frame, after its first buffer. */
struct switch_seg {
    const uint8_t *data;
    uint32_t len;
};
#define SWITCH_SEGS_MAX 8

/* A frame as it enters (switch_input) and as it leaves (a port's transmit); see
 * BUFFERS. off is net/offload.h's facts (none: zeroed), as the NIC core checked
 * them; cookie is the ingress side's (the glue's handle on its buffers), carried
 * to the port that may take the frame and never read by the switch. */
struct switch_frame {
    uint8_t *data;
    uint32_t len;
    uint16_t headroom;
    uint8_t n_more;                     /* 0..SWITCH_SEGS_MAX */
    const struct switch_seg *more;
    struct offload off;
    bool lendable;                      /* the last egress port may take the buffers */
    void *cookie;
};

/* The whole length of a frame, all its buffers. */
uint32_t switch_frame_len(const struct switch_frame *f);

/* What became of a frame's buffers. */
enum switch_result {
    SWITCH_SENT = 0,                    /* still the caller's */
    SWITCH_TAKEN = 1,                   /* a port took them (only of a lendable frame) */
};

struct switch_port;

/* A port's transmit: f in the form it leaves by; may_take: the port may keep the
 * buffers (then f->cookie is the ingress side's handle, and a GSO frame may come).
 * Returns SWITCH_SENT, SWITCH_TAKEN (only when may_take) or a negative errno. */
typedef int (*switch_tx_fn)(struct switch_port *p, struct switch_frame *f, bool may_take);

struct switch_port_stats {
    uint64_t rx_frames, rx_bytes;       /* everything that arrived from it */
    uint64_t tx_frames, tx_bytes;       /* everything sent out of it */
    uint64_t rx_flooded;                /* its frames that were flooded */
    uint64_t tx_flooded;                /* flooded frames sent out of it */
    uint64_t tx_segmented;              /* GSO frames cut for it */
    uint64_t learned, moved_in, refused;/* FDB entries made, moved here, refused */
    uint64_t drops[SWITCH_DROPS];
};

/* A port as switch_add_port() takes it. */
struct switch_port_conf {
    const char *name;
    switch_tx_fn transmit;
    void *ctx;                          /* the port owner's, for its transmit */
    uint32_t caps;                      /* SWITCH_CAP_* */
    uint16_t mtu;                       /* 0: no limit */
    const uint8_t *mac;                 /* NULL, or the endpoint port's own MAC */
};

struct switch_port {
    char name[SWITCH_NAME_MAX];
    switch_tx_fn transmit;
    void *ctx;
    uint32_t caps;
    uint16_t mtu;
    bool up;
    bool endpoint;
    uint8_t mac[6];                     /* the endpoint's */
    struct switch_vlan vlan;
    unsigned fdb_count;                 /* entries learned from it now */
    struct switch_port_stats stats;
};

struct switch_fdb_entry {
    uint8_t mac[6];
    uint16_t vid;                       /* 0: a free slot */
    uint8_t port;
    uint32_t seen_ms;                   /* last frame from this MAC */
    uint32_t next;                      /* chain (or free list) link */
};

struct switch_stats {
    uint64_t learned, moved, expired, flushed;
    uint64_t refused_full, refused_port, refused_chain;
    uint64_t unicast, flooded_unknown, flooded_broadcast, flooded_multicast;
};

struct switch_limits {
    unsigned fdb_max;                   /* 0: SWITCH_FDB_DEFAULT */
    unsigned port_fdb_max;              /* 0: fdb_max / 4, and at least 1 */
    uint32_t aging_ms;                  /* 0: SWITCH_AGING_DEFAULT_MS */
};

struct eth_switch {
    char name[SWITCH_NAME_MAX];
    struct switch_port port[SWITCH_PORTS_MAX];
    unsigned n_ports;
    unsigned fdb_max, port_fdb_max, fdb_count;
    uint32_t aging_ms;
    struct siphash_key key;
    uint32_t mask;                      /* buckets - 1 */
    uint32_t *bucket;
    struct switch_fdb_entry *fdb;
    uint32_t free_head;
    struct switch_stats stats;
};

/* Makes a switch with no ports: limits checked (fdb_max SWITCH_FDB_MIN..
 * SWITCH_FDB_LIMIT, port_fdb_max 1..fdb_max, aging within SWITCH_AGING_MIN_MS..
 * SWITCH_AGING_MAX_MS; -EINVAL otherwise), the FDB allocated (-ENOMEM), its hash key
 * drawn from random. 0 or a negative errno; on error nothing is left allocated. */
int switch_init(struct eth_switch *sw, const char *name, const struct switch_limits *lim,
                rng_u32_fn random, void *random_ctx);
/* Frees the FDB. */
void switch_free(struct eth_switch *sw);

/* Adds a port, up, ACCESS in VLAN 1. Returns its index, -ENOSPC past
 * SWITCH_PORTS_MAX, or -EINVAL (no transmit, an endpoint MAC that is multicast or
 * zero, or already another endpoint's). */
int switch_add_port(struct eth_switch *sw, const struct switch_port_conf *c);
/* Sets a port's VLAN membership: 0, or -EINVAL for one that breaks the rules of
 * struct switch_vlan (a VLAN ID out of 1..4094, a trunk carrying nothing). What the
 * port learned is forgotten (it was learned in the old VLANs). */
int switch_set_vlan(struct eth_switch *sw, unsigned port, const struct switch_vlan *v);
/* Brings a port up or down; a port going down forgets what it learned. */
void switch_port_set_up(struct eth_switch *sw, unsigned port, bool up);
/* The aging time, SWITCH_AGING_MIN_MS..SWITCH_AGING_MAX_MS (-EINVAL otherwise);
 * applies to entries already learned. */
int switch_set_aging(struct eth_switch *sw, uint32_t ms);

/* A frame from port `port` at time now_ms (any clock in milliseconds that only
 * moves forward; it may wrap). Returns SWITCH_TAKEN when a port took the buffers
 * (only of a lendable frame), else SWITCH_SENT: the caller still owns them, the
 * frame having been sent, copied or dropped. f's fields may have changed (its tag
 * edited in place): the caller reads nothing of them afterwards but its cookie. */
enum switch_result switch_input(struct eth_switch *sw, unsigned port, struct switch_frame *f,
                                uint32_t now_ms);

/* Removes every entry aged out at now_ms. Call about once a second: lookups never
 * trust an expired entry, this only frees their slots. Walks the whole table. */
void switch_expire(struct eth_switch *sw, uint32_t now_ms);
/* Where (vid, mac) was learned: the port index, or -1. Does not refresh it. */
int switch_fdb_lookup(struct eth_switch *sw, uint16_t vid, const uint8_t mac[6], uint32_t now_ms);
/* Calls fn for each live entry with its age in ms; returns how many there were.
 * fn must not change the switch. */
unsigned switch_fdb_foreach(struct eth_switch *sw, uint32_t now_ms,
                            void (*fn)(void *ctx, const struct switch_fdb_entry *e, uint32_t age_ms),
                            void *ctx);

/* The console's words: "runt", "bad-tag", ... */
const char *switch_drop_name(enum switch_drop d);
/* Writes a port's VLAN membership as the configuration says it ("access 10",
 * "trunk 10,20-22 native 1") into buf; snprintf's contract. */
int switch_vlan_format(const struct switch_vlan *v, char *buf, size_t len);
/* Writes the VLAN IDs of a bitmap as "10,20-22" (the empty set as ""); snprintf's
 * contract. Shared with the configuration's writer. */
int switch_vid_list_format(const uint64_t bits[64], char *buf, size_t len);

static inline bool switch_vid_test(const uint64_t bits[64], unsigned vid)
{
    return vid < 4096 && (bits[vid / 64] >> (vid % 64) & 1);
}
static inline void switch_vid_set(uint64_t bits[64], unsigned vid)
{
    if (vid < 4096)
        bits[vid / 64] |= (uint64_t)1 << (vid % 64);
}

#endif
