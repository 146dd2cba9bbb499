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

/* Contract in nat_tcp.h. */
bool nat_tcp_track(struct nat_flow *f, unsigned dir, const struct nat_pkt *p)
{
    uint8_t flags = p->tcp_flags & FLAGS_CORE;

    if (flags_impossible(flags))
        return false;
    if (flags & NAT_TCP_RST) {
        f->tcp_state = NAT_TCP_CLOSE;
        return true;
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
            f->flags &= (uint8_t)~NAT_FLOW_ASSURED;
        }
        break;
    default:
        break;
    }
    return true;
}

/* Contract in nat_tcp.h. */
enum nat_timer nat_tcp_timer(const struct nat_flow *f)
{
    switch (f->tcp_state) {
    case NAT_TCP_SYN_SENT:    return NAT_TIMER_TCP_SYN_SENT;
    case NAT_TCP_SYN_RECV:    return NAT_TIMER_TCP_SYN_RECV;
    case NAT_TCP_ESTABLISHED:
        return (f->flags & NAT_FLOW_ASSURED) ? NAT_TIMER_TCP_ESTABLISHED : NAT_TIMER_TCP_PICKUP;
    case NAT_TCP_FIN_WAIT:    return NAT_TIMER_TCP_FIN_WAIT;
    case NAT_TCP_CLOSE_WAIT:  return NAT_TIMER_TCP_CLOSE_WAIT;
    case NAT_TCP_LAST_ACK:    return NAT_TIMER_TCP_LAST_ACK;
    case NAT_TCP_TIME_WAIT:   return NAT_TIMER_TCP_TIME_WAIT;
    default:                  return NAT_TIMER_TCP_CLOSE;
    }
}
