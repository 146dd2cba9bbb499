/* The NAT engine's TCP tracking: which segments may open a flow, how segments move
 * a flow through the connection's phases, and which timeout each phase gets. It
 * follows flags, and sequence numbers only where a phase depends on what is
 * acknowledged (a FIN). It does not validate windows: the endpoints do that, and
 * NAT only needs to know how long to keep a mapping.
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

/* Moves f's state for a segment from direction dir (0 or 1) of the connection and
 * marks f assured when the handshake completes (or, for a picked-up connection,
 * when the other side answers). Returns false for a segment no TCP sends (SYN with
 * RST or FIN), which should be dropped; f is then unchanged. */
bool nat_tcp_track(struct nat_flow *f, unsigned dir, const struct nat_pkt *p);

/* The timer class of f's current state. */
enum nat_timer nat_tcp_timer(const struct nat_flow *f);

/* True in the states after which a connection is over (TIME_WAIT, CLOSE). */
static inline bool nat_tcp_closing(const struct nat_flow *f)
{
    return f->tcp_state == NAT_TCP_TIME_WAIT || f->tcp_state == NAT_TCP_CLOSE;
}

#endif
