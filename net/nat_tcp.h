/* The NAT engine's TCP tracking: which segments may open a flow, how segments move
 * a flow through the connection's phases, and which timeout each phase gets. It
 * follows flags, and sequence numbers where a phase depends on what is
 * acknowledged (a FIN) and where a segment could end the connection (an RST).
 *
 * RSTs (RFC 5961 3.2): an RST ends a mapping, so one forged by an off-path sender
 * would cut a guest's connection; the endpoint behind NAT checks the sequence
 * number exactly, but once NAT has dropped the mapping the damage is done. So an
 * RST is let through only if its sequence number lies in the window its receiver
 * would accept, as far as NAT has seen it: between the sender's last sequence
 * number less the receiver's largest window, and the receiver's last
 * acknowledgement plus that window (the form Linux's conntrack uses). Windows are
 * scaled as the SYNs negotiated (RFC 7323); for a connection picked up mid-stream,
 * whose SYNs NAT never saw, the largest scale is assumed, so that no genuine RST
 * is refused for a guess too small. Before the other side has acknowledged
 * anything, an RST answering the opener's SYN must acknowledge it (RFC 793's test
 * in SYN-SENT) and one from the opener must carry its own next sequence number.
 * Other segments are not checked: the endpoints do that, and NAT only needs to
 * know how long to keep a mapping.
 *
 * Directions: 0 is the side that opened the connection (the guest for an outbound
 * flow, the remote for a flow opened through a forwarding rule), 1 the other. */
#ifndef VMGATE_NAT_TCP_H
#define VMGATE_NAT_TCP_H

#include <stdbool.h>

#include "nat_parse.h"
#include "nat_table.h"

/* The state a flow starts in when a segment with these flags arrives and no flow
 * matches it: SYN_SENT for a SYN, ESTABLISHED for a segment with ACK but without
 * SYN or RST (a connection picked up mid-stream, e.g. after its flow expired in a
 * long silence), NAT_TCP_NONE if the segment cannot open a flow (RST, SYN+ACK,
 * anything without SYN or ACK, and combinations no TCP sends). */
enum nat_tcp_state nat_tcp_open_state(uint8_t flags);

enum nat_tcp_track {
    NAT_TCP_TRACK_OK,
    NAT_TCP_TRACK_IMPOSSIBLE,   /* flags no TCP sends (SYN with RST or FIN) */
    NAT_TCP_TRACK_RST_OUTSIDE,  /* an RST outside the window (above) */
};

/* Moves f's state for a segment from direction dir (0 or 1) of the connection,
 * marks f assured when the handshake completes (or, for a picked-up connection,
 * when the other side answers) and follows each side's sequence numbers and
 * windows. A segment that should be dropped (not OK) leaves f unchanged. */
enum nat_tcp_track nat_tcp_track(struct nat_flow *f, unsigned dir, const struct nat_pkt *p);
/* What nat_tcp_track() would say of the segment, without changing f. */
enum nat_tcp_track nat_tcp_check(const struct nat_flow *f, unsigned dir, const struct nat_pkt *p);

/* The timer class of f's current state. */
enum nat_timer nat_tcp_timer(const struct nat_flow *f);

/* True in the states after which a connection is over (TIME_WAIT, CLOSE). */
static inline bool nat_tcp_closing(const struct nat_flow *f)
{
    return f->tcp_state == NAT_TCP_TIME_WAIT || f->tcp_state == NAT_TCP_CLOSE;
}

#endif
