/* Helpers for the DHCP server's tests: a standard server (a VirtualBox NAT
 * network) and short ways to run exchanges with it. */
#ifndef VMGATE_TEST_DHCPS_HELPERS_H
#define VMGATE_TEST_DHCPS_HELPERS_H

#include "dhcp_cmsg.h"
#include "net/dhcps.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fills c with the standard NAT network: 10.0.2.0/24, server and router .2,
 * DNS .3, default pool (.15 - .254), default times, no reservations. */
void test_nat_config(struct dhcps_config *c);
/* Creates a server from c at time now (fails the test if it cannot). */
struct dhcps *test_server(const struct dhcps_config *c, uint32_t now);

/* Sends m (broadcast or not) at time now. Returns the reply's type (0 if none);
 * when there is one it must parse, and is left parsed in *out (may be NULL). */
int test_send(struct dhcps *s, const struct cmsg *m, bool bcast, uint32_t now,
              struct dhcps_reply *r, struct dhcp_msg *out);

/* DISCOVER then REQUEST (selecting) from client n; returns the bound address or
 * 0 if either step did not get the expected reply. */
uint32_t test_lease(struct dhcps *s, uint8_t n, uint32_t now);

/* The state of ip in the table (DHCPS_FREE if not there). */
enum dhcps_lease_state test_state(const struct dhcps *s, uint32_t ip, uint32_t now);

#endif
