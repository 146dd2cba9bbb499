/* TCP connection tracking for NAT. The phases are those of RFC 793's state diagram
 * seen from the middle: a SYN (SYN_SENT), the answering SYN+ACK (SYN_RECV), the
 * opener's ACK (ESTABLISHED); a first FIN (FIN_WAIT), its acknowledgement by the
 * other side (CLOSE_WAIT: half closed), the other side's FIN (LAST_ACK) and its
 * acknowledgement (TIME_WAIT); an RST ends everything (CLOSE). A new SYN from the
 * opener in TIME_WAIT or CLOSE starts the connection again on the same mapping,
 * as a client that reuses its port does. */
#include "nat_tcp.h"

#define FLAGS_CORE (NAT_TCP_SYN | NAT_TCP_ACK | NAT_TCP_RST | NAT_TCP_FIN)

/* True if segment flags are a combination TCP never sends. */
static bool flags_impossible(uint8_t flags)
{
    return (flags & NAT_TCP_SYN) && (flags & (NAT_TCP_RST | NAT_TCP_FIN));
}

/* Contract in nat_tcp.h. */
enum nat_tcp_state nat_tcp_open_state(uint8_t flags)
{
    uint8_t f = flags & FLAGS_CORE;

    if (flags_impossible(f) || (f & NAT_TCP_RST))
        return NAT_TCP_NONE;
    if (f == NAT_TCP_SYN)
        return NAT_TCP_SYN_SENT;
    if ((f & NAT_TCP_ACK) && !(f & NAT_TCP_SYN))
        return NAT_TCP_ESTABLISHED;
    return NAT_TCP_NONE;
}

/* True if ack acknowledges everything up to seq (serial arithmetic, RFC 1982). */
static bool acks(uint32_t ack, uint32_t seq)
{
    return (int32_t)(ack - seq) >= 0;
}

/* The sequence number just after this segment's FIN. */
static uint32_t fin_end(const struct nat_pkt *p)
{
    return p->tcp_seq + p->tcp_payload + ((p->tcp_flags & NAT_TCP_SYN) ? 1 : 0) + 1;
}

static void fin_record(struct nat_flow *f, unsigned dir, const struct nat_pkt *p)
{
    f->tcp_fins |= (uint8_t)(1u << dir);
    f->tcp_fin_end[dir] = fin_end(p);
}

static bool fin_seen(const struct nat_flow *f, unsigned dir)
{
    return f->tcp_fins & (1u << dir);
}

/* tcp_fins bit 2: the second FIN came from direction 1. */
#define FIN_LAST_FROM_1 0x04

static unsigned fin_last_dir(const struct nat_flow *f)
{
    return (f->tcp_fins & FIN_LAST_FROM_1) ? 1 : 0;
}

/* The closing phases, for a segment from dir once a FIN has been seen. */
static void track_closing(struct nat_flow *f, unsigned dir, const struct nat_pkt *p)
{
    uint8_t flags = p->tcp_flags;
    unsigned other = dir ^ 1;
    bool ack_of_other_fin = (flags & NAT_TCP_ACK) && fin_seen(f, other) &&
                            acks(p->tcp_ack, f->tcp_fin_end[other]);

    if ((flags & NAT_TCP_FIN) && !fin_seen(f, dir)) {
        fin_record(f, dir, p);
        /* The second FIN: its acknowledgement ends the connection. */
        if (fin_seen(f, other)) {
            if (dir == 1)
                f->tcp_fins |= FIN_LAST_FROM_1;
            f->tcp_state = NAT_TCP_LAST_ACK;
        }
        return;
    }
    switch (f->tcp_state) {
    case NAT_TCP_FIN_WAIT:
        if (ack_of_other_fin && !fin_seen(f, dir))
            f->tcp_state = NAT_TCP_CLOSE_WAIT;
        break;
    case NAT_TCP_LAST_ACK:
        /* Both FINs seen: the connection is over when the second is acknowledged
         * (by the side that sent the first). */
        if (other == fin_last_dir(f) && ack_of_other_fin)
            f->tcp_state = NAT_TCP_TIME_WAIT;
        break;
    default:
        break;
    }
}

/* --- sequence numbers and windows, for RSTs (nat_tcp.h) ----------------------- */

#define SEEN(f, what, d) (((f)->tcp_seen & ((what) << (d))) != 0)

/* a <= b in sequence space (serial arithmetic, RFC 1982). */
static bool seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(b - a) >= 0;
}

/* The shift of direction d's window field in segments other than SYNs. */
static unsigned wscale_of(const struct nat_flow *f, unsigned d)
{
    if (!SEEN(f, NAT_TCP_SEEN_SYN, 0) || !SEEN(f, NAT_TCP_SEEN_SYN, 1))
        return NAT_TCP_WSCALE_MAX;      /* picked up: unknown, assume the largest */
    if (!SEEN(f, NAT_TCP_SEEN_WSCALE, 0) || !SEEN(f, NAT_TCP_SEEN_WSCALE, 1))
        return 0;                       /* scaling only when both SYNs offered it */
    return f->tcp_wscale[d];
}

/* Records what a (non-RST) segment from d shows of d's sequence space. */
static void track_window(struct nat_flow *f, unsigned d, const struct nat_pkt *p)
{
    bool syn = p->tcp_flags & NAT_TCP_SYN;
    uint32_t end = p->tcp_seq + p->tcp_payload + (syn ? 1 : 0) +
                   ((p->tcp_flags & NAT_TCP_FIN) ? 1 : 0);

    if (!SEEN(f, NAT_TCP_SEEN_SEG, d) || !seq_le(end, f->tcp_end[d]))
        f->tcp_end[d] = end;
    f->tcp_seen |= (uint8_t)(NAT_TCP_SEEN_SEG << d);
    if (syn) {
        f->tcp_seen |= (uint8_t)(NAT_TCP_SEEN_SYN << d);
        if (p->tcp_wscale != NAT_TCP_NO_WSCALE) {
            f->tcp_wscale[d] = p->tcp_wscale;
            f->tcp_seen |= (uint8_t)(NAT_TCP_SEEN_WSCALE << d);
        }
    }
    if (p->tcp_flags & NAT_TCP_ACK) {
        /* A SYN's window is never scaled (RFC 7323 2.2). */
        uint32_t win = syn ? p->tcp_win : (uint32_t)p->tcp_win << wscale_of(f, d);
        if (!SEEN(f, NAT_TCP_SEEN_ACK, d)) {
            f->tcp_ack[d] = p->tcp_ack;
            f->tcp_maxwin[d] = win;
        } else {
            if (!seq_le(p->tcp_ack, f->tcp_ack[d]))
                f->tcp_ack[d] = p->tcp_ack;
            if (win > f->tcp_maxwin[d])
                f->tcp_maxwin[d] = win;
        }
        f->tcp_seen |= (uint8_t)(NAT_TCP_SEEN_ACK << d);
    }
}

/* Whether an RST from d may end the connection (nat_tcp.h, RSTs). */
static bool rst_acceptable(const struct nat_flow *f, unsigned d, const struct nat_pkt *p)
{
    unsigned o = d ^ 1;

    if (!SEEN(f, NAT_TCP_SEEN_ACK, o)) {
        if (!SEEN(f, NAT_TCP_SEEN_SEG, 0))
            return false;
        if (d == 1)
            return (p->tcp_flags & NAT_TCP_ACK) && p->tcp_ack == f->tcp_end[0];
        return p->tcp_seq == f->tcp_end[0];
    }
    uint32_t win = f->tcp_maxwin[o];
    uint32_t base = SEEN(f, NAT_TCP_SEEN_SEG, d) ? f->tcp_end[d] : f->tcp_ack[o];
    return seq_le(base - win, p->tcp_seq) && seq_le(p->tcp_seq, f->tcp_ack[o] + win);
}

/* Contract in nat_tcp.h. */
enum nat_tcp_track nat_tcp_check(const struct nat_flow *f, unsigned dir, const struct nat_pkt *p)
{
    uint8_t flags = p->tcp_flags & FLAGS_CORE;

    if (flags_impossible(flags))
        return NAT_TCP_TRACK_IMPOSSIBLE;
    if ((flags & NAT_TCP_RST) && !rst_acceptable(f, dir, p))
        return NAT_TCP_TRACK_RST_OUTSIDE;
    return NAT_TCP_TRACK_OK;
}

/* Contract in nat_tcp.h. */
enum nat_tcp_track nat_tcp_track(struct nat_flow *f, unsigned dir, const struct nat_pkt *p)
{
    uint8_t flags = p->tcp_flags & FLAGS_CORE;
    enum nat_tcp_track verdict = nat_tcp_check(f, dir, p);

    if (verdict != NAT_TCP_TRACK_OK)
        return verdict;
    if (flags & NAT_TCP_RST) {
        f->tcp_state = NAT_TCP_CLOSE;
        return NAT_TCP_TRACK_OK;
    }
    switch (f->tcp_state) {
    case NAT_TCP_SYN_SENT:
        /* The answer, or the other side's own SYN (a simultaneous open). */
        if (dir == 1 && (flags & NAT_TCP_SYN))
            f->tcp_state = NAT_TCP_SYN_RECV;
        break;
    case NAT_TCP_SYN_RECV:
        if (dir == 0 && flags == NAT_TCP_ACK) {
            f->tcp_state = NAT_TCP_ESTABLISHED;
            f->flags |= NAT_FLOW_ASSURED;
        } else if (dir == 0 && (flags & NAT_TCP_ACK) && (flags & NAT_TCP_FIN)) {
            f->tcp_state = NAT_TCP_ESTABLISHED;
            f->flags |= NAT_FLOW_ASSURED;
            track_closing(f, dir, p);
            f->tcp_state = NAT_TCP_FIN_WAIT;
        }
        break;
    case NAT_TCP_ESTABLISHED:
        /* A connection picked up mid-stream is assured once the other side talks. */
        if (dir == 1)
            f->flags |= NAT_FLOW_ASSURED;
        if (flags & NAT_TCP_FIN) {
            fin_record(f, dir, p);
            f->tcp_state = NAT_TCP_FIN_WAIT;
        }
        break;
    case NAT_TCP_FIN_WAIT:
    case NAT_TCP_CLOSE_WAIT:
    case NAT_TCP_LAST_ACK:
        track_closing(f, dir, p);
        break;
    case NAT_TCP_TIME_WAIT:
    case NAT_TCP_CLOSE:
        if (dir == 0 && flags == NAT_TCP_SYN) {
            f->tcp_state = NAT_TCP_SYN_SENT;
            f->tcp_fins = 0;
            f->tcp_seen = 0;                /* a new connection: its own windows */
            f->flags &= (uint8_t)~NAT_FLOW_ASSURED;
        } else if (f->tcp_state == NAT_TCP_CLOSE && (f->flags & NAT_FLOW_ASSURED) &&
                   (flags & NAT_TCP_ACK) && !(flags & NAT_TCP_SYN) && !f->tcp_fins) {
            /* Data after an RST: the connection did not end (the RST was not for
             * it, or the endpoint refused it as RFC 5961 asks), so the mapping
             * lives on (RFC 7857 2.2). */
            f->tcp_state = NAT_TCP_ESTABLISHED;
        }
        break;
    default:
        break;
    }
    track_window(f, dir, p);
    return NAT_TCP_TRACK_OK;
}

/* Contract in nat_tcp.h. RFC 7857 2's phases (after RFC 6146): opening until the
 * handshake completes (or, picked up mid-stream, until the other side answers),
 * established while data may flow (half-closed included: one side may send for
 * hours after the other's FIN), closing once both FINs or an RST have been seen. */
enum nat_timer nat_tcp_timer(const struct nat_flow *f)
{
    switch (f->tcp_state) {
    case NAT_TCP_SYN_SENT:
    case NAT_TCP_SYN_RECV:
        return NAT_TIMER_TCP_OPENING;
    case NAT_TCP_ESTABLISHED:
        return (f->flags & NAT_FLOW_ASSURED) ? NAT_TIMER_TCP_ESTABLISHED : NAT_TIMER_TCP_OPENING;
    case NAT_TCP_FIN_WAIT:
    case NAT_TCP_CLOSE_WAIT:
        return NAT_TIMER_TCP_ESTABLISHED;
    default:
        return NAT_TIMER_TCP_CLOSING;
    }
}
