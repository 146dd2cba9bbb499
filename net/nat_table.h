/* The NAT engine's flow table: a fixed number of flows allocated once, each found
 * from both sides through two hash tables, each in a slot of a timing wheel, and
 * evicted by a stated policy when the table is full.
 *
 * Keys. Both hash tables are keyed by a packet's tuple as it arrives, before
 * translation: the outbound table by (proto, guest addr, guest port, remote addr,
 * remote port) of a guest's packets, the inbound table by (proto, remote addr,
 * remote port, external addr, external port) of the remote's packets. A flow is
 * linked into both, so either direction is one lookup.
 *
 * Hashing. SipHash-1-3 with a key drawn at creation selects a bucket; chains are
 * bounded (NAT_CHAIN_MAX): a flow whose bucket is full on either side is refused
 * (the port allocator then tries another port), so a lookup never walks more than
 * NAT_CHAIN_MAX entries whatever the traffic. With the bucket count the next
 * power of two at or above the capacity, a full chain is an event of probability
 * about 1e-13 per bucket for honest traffic.
 *
 * Timers. A packet only writes its own flow's expiry time: a flow sits in a slot
 * of a timing wheel (ticks of 1024 ms, 8192 slots: 2.3 hours a turn) chosen by a
 * "due" time that is never later than its expiry. Expiring walks the slots from
 * the last tick handled to now: a flow whose expiry has come is removed; one
 * refreshed since it was placed moves to the slot of its new expiry; one due in a
 * later turn of the wheel (a timeout longer than a turn) stays. So the per-packet
 * path touches no other flow (no list to keep sorted), and each flow is moved at
 * most once per turn. A flow found past its expiry by a lookup is expired on the
 * spot, so timeouts are exact whether or not nat_expire() ran, and nat_expire(now)
 * removes exactly the flows expired at now. The timeout of each class is the
 * table's own (nat_set_timeout()).
 *
 * Shares. A flood from one guest must not take the table from the others, so every
 * flow is counted against its guest's interface (not its address: a guest may send
 * from any address of its network, but not from another NIC), and new flows are
 * found room by this policy, in order:
 *  (1) an interface holding NAT_SHARE_CAP of the table (3/4) gets no more: it
 *      recycles its own oldest early-drop candidate, or is refused;
 *  (2) a free flow;
 *  (3) a flow whose time is up (the wheel is advanced to now; of the current
 *      tick's slot only the first NAT_REUSE_SCAN flows are looked at, so that a
 *      crowded slot is not walked for every refused packet);
 *  (4) the table is full: an interface at or over its fair share (the capacity
 *      over the interfaces holding flows) recycles its own oldest candidate, or is
 *      refused; one under its share takes the oldest candidate of the interface
 *      that holds the most flows.
 * Candidates are, first, flows never answered (not assured) and TCP flows that are
 * closing (TIME_WAIT, CLOSE), whose connections are over; then, when an interface
 * has none of those, its answered flows other than TCP's (UDP, ICMP, GRE), oldest
 * first. A TCP connection that is established or half-closed is never evicted. */
#ifndef VMGATE_NAT_TABLE_H
#define VMGATE_NAT_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "nat.h"
#include "siphash.h"

#define NAT_CHAIN_MAX   16
#define NAT_TICK_SHIFT  10              /* a wheel tick is 1024 ms */
#define NAT_WHEEL_SLOTS 8192            /* 8192 ticks, 2.3 h a turn */
#define NAT_REUSE_SCAN  32
#define NAT_IFACES      256             /* interface ids are lwIP's netif->num: 0..255 */
#define NAT_FLOWS_MAX   (1u << 22)      /* the largest capacity nat_create() accepts */
#define NAT_NONE        UINT32_MAX      /* "no flow" as an index */

/* Timer classes: which timeout (nat.h, enum nat_timeout) a flow's state gets. */
enum nat_timer {
    NAT_TIMER_TCP_OPENING,       /* SYN_SENT, SYN_RECV, picked up and not yet answered */
    NAT_TIMER_TCP_ESTABLISHED,   /* ESTABLISHED and half-closed (FIN_WAIT, CLOSE_WAIT) */
    NAT_TIMER_TCP_CLOSING,       /* LAST_ACK, TIME_WAIT, CLOSE (after an RST) */
    NAT_TIMER_UDP,
    NAT_TIMER_UDP_DNS,           /* to a remote's port 53 (RFC 4787 REQ-5a) */
    NAT_TIMER_ICMP,
    NAT_TIMER_OTHER,             /* GRE, ESP, ...: not yet answered */
    NAT_TIMER_OTHER_ASSURED,
    NAT_TIMERS
};

/* A packet's tuple as it arrives (see "Keys"). */
struct nat_key {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t proto;
};

enum nat_side { NAT_OUT, NAT_IN };

/* tcp_seen: what has been seen from a direction d, as bit << d. */
#define NAT_TCP_SEEN_SEG    0x01    /* a segment: tcp_end[d] is valid */
#define NAT_TCP_SEEN_ACK    0x04    /* an ACK: tcp_ack[d] and tcp_maxwin[d] are valid */
#define NAT_TCP_SEEN_SYN    0x10    /* a SYN */
#define NAT_TCP_SEEN_WSCALE 0x40    /* a SYN with a window scale: tcp_wscale[d] is valid */

/* Flow flags. */
#define NAT_FLOW_USED       0x01
#define NAT_FLOW_ASSURED    0x02    /* traffic seen both ways (TCP: handshake done) */
#define NAT_FLOW_FROM_RULE  0x04    /* opened from the WAN through a forwarding rule */
#define NAT_FLOW_OPENED_IN  0x08    /* opened from the WAN (a rule, or a mapping's
                                       endpoint-independent filter): direction 0 is
                                       the remote's */

/* Which early-drop list a flow is on (see "Shares"). */
enum nat_evict {
    NAT_EVICT_NONE,                 /* never evicted: TCP established or half-closed */
    NAT_EVICT_CAND,                 /* first: never answered, or TCP closing */
    NAT_EVICT_SOFT,                 /* then: answered, not TCP */
};

struct nat_flow {
    uint32_t int_addr, rem_addr, ext_addr;
    uint16_t int_port, rem_port, ext_port;
    uint8_t proto;
    uint8_t flags;
    uint8_t tcp_state;              /* enum nat_tcp_state */
    uint8_t tcp_fins;               /* bit d: a FIN seen from direction d (nat_tcp.c) */
    uint8_t timer;                  /* enum nat_timer */
    uint8_t rule;                   /* the creating rule's slot + 1, or 0 */
    int iface;                      /* the guest's interface */
    uint32_t tcp_fin_end[2];        /* per direction: the sequence number after its FIN */
    /* Per direction, for judging RSTs (nat_tcp.c): the sequence number after the
     * last byte it sent, the last acknowledgement it sent, the largest window it
     * advertised (scaled), the window scale its SYN offered. */
    uint32_t tcp_end[2], tcp_ack[2], tcp_maxwin[2];
    uint8_t tcp_wscale[2];
    uint8_t tcp_seen;               /* NAT_TCP_SEEN_* << d: what direction d has shown */
    uint8_t evict;                  /* enum nat_evict: the list it is on */
    uint32_t map;                   /* its mapping (nat_map.h), or NAT_NONE */
    uint32_t expires;               /* clock value (ms) at which it expires */
    uint32_t due;                   /* the wheel slot's time: never after expires */
    uint32_t next_out, next_in;     /* hash chains */
    uint32_t timer_prev, timer_next;    /* the wheel slot's list */
    uint32_t evict_prev, evict_next;
    uint64_t packets_out, packets_in;
};

struct nat_list {
    uint32_t head, tail;
};

/* An interface's share of the table. */
struct nat_acct {
    uint32_t flows;
    struct nat_list cand, soft;
};

struct nat_table {
    struct nat_flow *flows;
    uint32_t *bucket_out, *bucket_in;
    uint32_t mask;                  /* bucket count - 1 */
    unsigned capacity, count;
    uint32_t free_head;             /* free flows, chained through next_out */
    uint32_t *wheel;                /* NAT_WHEEL_SLOTS list heads */
    uint32_t cursor;                /* the first tick not yet wholly handled */
    struct nat_acct acct[NAT_IFACES];
    unsigned active;                /* interfaces holding flows */
    uint32_t timer_ms[NAT_TIMERS];
    struct siphash_key key;
    struct nat_stats *stats;        /* flows_created, _expired, _evicted are counted here */
    /* Called for every flow that leaves the table (not for one released before it
     * was inserted): the engine drops the flow's reference on its mapping. */
    void (*removed)(void *ctx, struct nat_flow *f);
    void *removed_ctx;
};

/* Allocates room for capacity flows (1 .. NAT_FLOWS_MAX), timeouts at their
 * defaults (nat.h). 0 or -ENOMEM, -EINVAL. */
int nat_table_init(struct nat_table *t, unsigned capacity, const struct siphash_key *key,
                   struct nat_stats *stats);
void nat_table_free(struct nat_table *t);

/* The flow whose side-key is k, or NULL. A flow found expired (at now) is removed
 * and counted as expired, and NULL returned. */
struct nat_flow *nat_table_find(struct nat_table *t, enum nat_side side,
                                const struct nat_key *k, uint32_t now);
/* True if an inbound key k is free (no live flow has it at now) and its bucket has
 * room: a new flow with that inbound key could be inserted. */
bool nat_table_in_free(struct nat_table *t, const struct nat_key *k, uint32_t now);

/* A flow to fill in for a guest on iface, by the policy above (at now); NULL if the
 * policy refuses. The flow is zeroed and linked nowhere; nat_table_insert() or
 * nat_table_release() must follow. */
struct nat_flow *nat_table_get(struct nat_table *t, uint32_t now, int iface);
/* Gives back a flow from nat_table_get() that will not be inserted. */
void nat_table_release(struct nat_table *t, struct nat_flow *f);
/* Links a filled-in flow (keys, proto, iface, flags, map) into both hash tables and
 * on the wheel, expiring timer_ms[timer] after now, counts it against its
 * interface and puts it on the candidates' list if it is not assured. Both keys
 * must be absent (the caller looked). -ENOSPC if either bucket's chain is full: the
 * flow is released. */
int nat_table_insert(struct nat_table *t, struct nat_flow *f, enum nat_timer timer, uint32_t now);
/* Unlinks and frees a flow (not counted as expired or evicted). */
void nat_table_remove(struct nat_table *t, struct nat_flow *f);

/* Restarts f's timeout in class timer: it expires timer_ms[timer] after now.
 * Writes f alone, unless the new expiry is earlier than f's slot (a shorter
 * timeout than before), when f moves to an earlier slot. */
void nat_table_touch(struct nat_table *t, struct nat_flow *f, enum nat_timer timer, uint32_t now);
/* Moves f to class timer without giving it more time: it expires timer_ms[timer]
 * after now, or when it would have, whichever comes first (an RST: RFC 7857 7.1). */
void nat_table_shorten(struct nat_table *t, struct nat_flow *f, enum nat_timer timer, uint32_t now);
/* Puts f on an early-drop list (at its tail) or takes it off (NAT_EVICT_NONE). */
void nat_table_set_evict(struct nat_table *t, struct nat_flow *f, enum nat_evict list);

/* Removes every flow expired at now; returns how many. */
unsigned nat_table_expire(struct nat_table *t, uint32_t now);
/* Removes every flow (not counted as expired). */
void nat_table_flush(struct nat_table *t);

/* True once a clock value `when` has been reached at now, on a wrapping 32-bit
 * millisecond clock (differences under 2^31 ms, about 24 days). */
static inline bool nat_time_reached(uint32_t now, uint32_t when)
{
    return (int32_t)(now - when) >= 0;
}

#endif
