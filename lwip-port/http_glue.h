/* The HTTP boot server on lwIP's raw TCP API: port 80 of the addresses vmgate
 * has on a guest network, serving a file root. HTTP itself is net/http_conn.h;
 * this file moves its bytes.
 *
 * - One listening PCB per address given, bound to that address, so that a SYN to
 *   any other address of vmgate gets lwIP's RST as from a closed port. lwIP takes
 *   a packet for any of its addresses on any netif, so an accepted connection is
 *   also checked to have arrived on the netif it was attached for: a guest
 *   reaches the server only on its own network's addresses.
 * - Received bytes go to the machine as it takes them; what it does not take yet
 *   (a pipelined request behind one being answered) is held, at most
 *   HTTP_GLUE_HOLD_MAX bytes, and only what it took is acknowledged to TCP
 *   (tcp_recved), so the window shuts on a client that pipelines too far ahead;
 *   beyond that, lwIP keeps the segment (refused data) and offers it again.
 * - Output is written as lwIP has room (tcp_sndbuf, the queue length): the head
 *   and bytes read from a root that cannot map are copied (TCP_WRITE_FLAG_COPY),
 *   a mapped file's bytes are lent (no copy: lwIP's segments point at the root's
 *   bytes, and the machine keeps the file open until they are acknowledged).
 *   Nagle is off: a response's last segment would otherwise wait for the ACK of
 *   the one before, and a keep-alive client for that, on every request.
 * - A connection closes gracefully only when every byte sent has been
 *   acknowledged (so lwIP holds no lent byte past the file's close); a reset
 *   (a limit passed, a file failing mid-body) frees lwIP's segments at once.
 * - At most HTTP_GLUE_MAX_CONNS connections. When all are in use, a new one
 *   closes the connection idle longest between requests (a client reopens an idle
 *   keep-alive connection the server closed: RFC 9112 9.3.1, and iPXE and edk2
 *   do); with none idle, the new one is refused with a RST.
 * - lwIP's slow timer polls every connection each second for the time limits.
 *
 * The console command `http` shows the sites, the connections and the counters. */
#ifndef VMGATE_HTTP_GLUE_H
#define VMGATE_HTTP_GLUE_H

#include "../net/fileroot.h"
#include "../net/http_req.h"

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#define HTTP_GLUE_PORT       80
#define HTTP_GLUE_MAX_CONNS  16
#define HTTP_GLUE_MAX_SITES  8      /* attached networks */
#define HTTP_GLUE_MAX_ADDRS  4      /* addresses per network */
#define HTTP_GLUE_HOLD_MAX   HTTP_REQ_HEAD_MAX

/* Serves root on port 80 of the n addresses addrs to connections that arrive on
 * nif. An address must be one lwIP delivers TCP to: the netif's own. (A service
 * alias, alias.h, delivers its segments rewritten to the netif's address, so the
 * netif's address covers it, for the one alias per netif that may carry a TCP
 * port.)
 * Returns 0, -EINVAL (no netif or root, n is 0 or above HTTP_GLUE_MAX_ADDRS),
 * -ENOSPC (HTTP_GLUE_MAX_SITES attached), -EADDRINUSE (an address already
 * serves port 80) or -ENOMEM (no PCB); on failure nothing stays attached. */
int http_glue_attach(struct netif *nif, const ip4_addr_t *addrs, unsigned n,
                     const struct fileroot *root);

/* Prints the sites, the open connections and the counters (the `http` command). */
void http_glue_print(void);

#ifdef VMGATE_HOST_TEST
/* Resets every connection, closes the listeners and forgets the counters. */
void http_glue_test_reset(void);
#endif

#endif
