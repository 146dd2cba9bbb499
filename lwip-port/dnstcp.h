/* DNS over TCP for guests (RFC 7766): what a stub resolver tries after a truncated
 * (TC) answer over UDP, and what zone transfers and large answers need. Each guest
 * connection to the relay's address, port 53, is spliced to a connection of
 * vmgate's own from the WAN address to the first upstream server, port 53: the
 * bytes (two-byte length, message, ...) pass unchanged both ways, so nothing of
 * DNS is parsed here. Flow control is lwIP's: data one side cannot take yet stays
 * unacknowledged on the other.
 *
 * Bounds: DNSTCP_MAX_CONNS connections at once (another is refused with a RST);
 * DNSTCP_CONNECT_MS to reach the upstream server; a connection idle (no byte
 * either way) for DNSTCP_IDLE_MS is reset on both sides (RFC 7766 6.2.3 lets a
 * server close idle connections). A FIN from either side is passed on; both seen,
 * both connections close. */
#ifndef VMGATE_DNSTCP_H
#define VMGATE_DNSTCP_H

#include "lwip/netif.h"

#define DNSTCP_MAX_CONNS   8
#define DNSTCP_CONNECT_MS  5000
#define DNSTCP_IDLE_MS     30000

/* Listens on addr:53 (network byte order; a NAT network's is the netif's own
 * address, which the .3 alias's TCP rewrite turns into, see alias.h). Returns 0,
 * or -ENOMEM when lwIP has no PCB left. */
int dnstcp_listen(const ip4_addr_t *addr);

#endif
